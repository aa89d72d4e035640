"""The ``tokledger live`` application: a timer starts refresh workers, workers post what they found.

All ledger work (sync and queries) runs in a thread worker (``exclusive``: a newer request cancels an
older one, which stops between two files of a sync); the UI thread only draws the snapshots the
workers post, so it never waits for the disk.
"""

from __future__ import annotations

import time
from dataclasses import replace

from textual import work
from textual.app import App
from textual.message import Message
from textual.worker import get_current_worker

from tokledger.tui.refresh import Cancelled, Refresher, Snapshot, View
from tokledger.tui.screens import HelpScreen, MainScreen
from tokledger.tui.widgets import NoticeLine, StatusLine


class Refreshed(Message):
    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class RefreshFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SyncProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


class LiveApp(App[None]):
    CSS_PATH = "tokledger.tcss"
    TITLE = "tokledger live"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, refresher: Refresher, *, refresh: float = 10.0, days: int = 30) -> None:
        super().__init__()
        self.refresher = refresher
        self.refresh_seconds = refresh
        self.view = View(days=days)
        self.snapshot: Snapshot | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def on_ready(self) -> None:
        self._status()
        self.set_interval(self.refresh_seconds, self._tick)
        self.refresh_data(sync=True, first=True)

    def _tick(self) -> None:
        # A long first import must not be restarted every tick; keys still supersede it.
        if not any(w.group == "refresh" and not w.is_finished for w in self.workers):
            self.refresh_data(sync=True)

    @work(thread=True, exclusive=True, group="refresh")
    def refresh_data(self, *, sync: bool, force: bool = False, first: bool = False) -> None:
        worker = get_current_worker()
        view = self.view
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise Cancelled
            if time.monotonic() - shown[0] > 0.2:
                shown[0] = time.monotonic()
                self.post_message(SyncProgress(done, total))

        try:
            if first:  # what the ledger already holds, before the first sync reads anything
                self.post_message(Refreshed(self.refresher.cycle(view, sync=False)))
            snapshot = self.refresher.cycle(view, sync=sync, force=force, progress=progress)
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - shown under the panels; the next tick tries again
            self.post_message(RefreshFailed(f"{type(exc).__name__}: {exc}"))
            return
        if not worker.is_cancelled:
            self.post_message(Refreshed(snapshot))

    # -- messages -----------------------------------------------------------------------------------

    def on_refreshed(self, message: Refreshed) -> None:
        self.snapshot = message.snapshot
        main = self._main()
        if main is None:  # the dashboard is closing: a refresh that finished meanwhile has nowhere to go
            return
        main.show(message.snapshot)
        board = message.snapshot.dashboard
        stamp = board.now.astimezone(board.query.tz).strftime("%H:%M:%S")
        self._status(f"updated {stamp}")

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        self._status("✗ refresh failed")
        main = self._main()
        if main is not None:
            main.query_one(NoticeLine).fail(message.error)

    def on_sync_progress(self, message: SyncProgress) -> None:
        percent = 100 * message.done // message.total if message.total else 100
        self._status(f"reading logs… {percent}%")

    def _main(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    def _status(self, right: str | None = None) -> None:
        query = self.refresher.query
        sources = self.view.source or (",".join(query.sources) if query.sources else "all sources")
        left = f"tokledger live │ {sources} │ {self.view.days} days │ {query.tz.key}"
        if query.projects:
            left += f" │ project {','.join(query.projects)}"
        main = self._main()
        if main is not None:
            main.query_one(StatusLine).set(left, right)

    # -- actions ------------------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        self._status("refreshing…")
        self.refresh_data(sync=True, force=True)

    def action_range(self, days: int) -> None:
        if days != self.view.days:
            self._set_view(replace(self.view, days=days))

    def action_cycle_source(self) -> None:
        names = self.refresher.sources
        if self.snapshot is not None:
            found = [
                s["source"] for s in self.snapshot.dashboard.sources if s["found"] and s["source"] in names
            ]
            names = found or names
        order = [None, *names]
        at = order.index(self.view.source) if self.view.source in order else 0
        self._set_view(replace(self.view, source=order[(at + 1) % len(order)]))

    def action_billed(self) -> None:
        from tokledger.tui.billed import BilledScreen

        if not isinstance(self.screen, BilledScreen):
            self.push_screen(BilledScreen(self.view.days))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _set_view(self, view: View) -> None:
        self.view = view
        self._status("…")
        self.refresh_data(sync=False)
