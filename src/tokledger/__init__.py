"""tokledger: exact token usage and cost of AI coding assistants, kept in one ledger.

The pipeline is ``sources`` → :class:`~tokledger.events.UsageEvent` → ``ingest`` (+ ``pricing``) →
``ledger`` (events and rollups) → ``reports``. Every face — the command line, the live and web dashboards
and what comes after them — opens a :class:`~tokledger.workspace.Workspace` and renders what the reports
return; none of them builds a ledger, a pricer or a sync itself, or holds SQL.
"""

__version__ = "0.1.0"
