"""``tokledger live``: a terminal dashboard that keeps the ledger in sync and shows what usage costs.

Layout follows Textual's own apps: ``app`` (timer, workers, messages), ``screens`` (the panel grid and
the help), ``widgets`` (the panels) and ``text`` (text charts), plus ``refresh``: one sync-and-query
cycle, free of any UI, which the benchmark times too. Importing this package is cheap: Textual is
imported by :func:`run` only.
"""

from __future__ import annotations

from tokledger.reports import Query
from tokledger.tui.refresh import ProgressFn, Refresher
from tokledger.workspace import Workspace


def prepare(workspace: Workspace, query: Query, *, progress: ProgressFn | None = None, token_limit: str = "max",
            limit_from: str = "") -> Refresher:  # fmt: skip
    """The dashboard's data source, synced once before the UI starts any thread (so that a first import
    of a large history may use a parser process per core); a source that fails is shown, not fatal."""
    refresher = Refresher(workspace, query, token_limit=token_limit, limit_from=limit_from)
    refresher.prime(progress)
    return refresher


def run(refresher: Refresher, *, refresh: float = 10.0) -> int:
    """Run the dashboard until the user quits; returns the process exit code."""
    from tokledger.tui.app import LiveApp

    app = LiveApp(refresher, refresh=refresh)
    app.run()
    return app.return_code or 0
