"""tokledger: exact token usage and cost of AI coding assistants, kept in one ledger.

The pipeline is ``sources`` → :class:`~tokledger.events.UsageEvent` → ``ingest`` (+ ``pricing``) →
``ledger`` → ``reports`` → the command line. Front-ends only call :mod:`tokledger.reports`.
"""

__version__ = "0.1.0"
