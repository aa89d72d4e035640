"""The dashboard's screens: the main grid of panels, and the key help shown over it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from tokledger.tui.refresh import Snapshot
from tokledger.tui.widgets import (
    BlockPanel,
    NoticeLine,
    Panel,
    SourcesPanel,
    StatusLine,
    SummaryPanel,
    TodayPanel,
    TrendPanel,
)

HELP = """\
[b]tokledger live[/b]: your assistants' usage, kept in sync and redrawn as it grows.

[b]Usage[/b]        lifetime, this month, the trend range and today:
             cost and tokens by category
[b]Block[/b]        the 5-hour block in progress: elapsed time, burn rate,
             projected cost and tokens at its end
[b]Daily trend[/b]  tokens and cost per day of the costliest models
[b]Today[/b]        today's models, costliest first (split by assistant)
[b]Sources[/b]      files read, malformed lines skipped, newest event

[b]$1.23*[/b] leaves out requests of models without a price;
[b]unpriced[/b] means none of them had one.

[b]q[/b] [b]Esc[/b]  quit                   [b]r[/b]  read new usage now
[b]d[/b] [b]w[/b] [b]m[/b]  trend of 7/30/90 days  [b]s[/b]  all sources, each one, all
[b]tab[/b]    next panel             [b]?[/b]  this help ([b]Esc[/b] closes it)
[b]b[/b]      what the vendors billed (per provider and day, per model)
"""


class MainScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "app.quit", "Quit", key_display="q"),
        Binding("r", "app.refresh_now", "Refresh"),
        Binding("tab", "app.focus_next", "Panel"),
        Binding("shift+tab", "app.focus_previous", "Previous panel", show=False),
        Binding("d", "app.range(7)", "7d"),
        Binding("w", "app.range(30)", "30d"),
        Binding("m", "app.range(90)", "90d"),
        Binding("s", "app.cycle_source", "Source"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("b", "app.billed", "Billed", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Vertical(id="panels"):
            with Horizontal(id="top"):
                yield SummaryPanel(id="summary")
                yield BlockPanel(id="block")
            yield TrendPanel(id="trends")
            with Horizontal(id="bottom"):
                yield TodayPanel(id="today")
                yield SourcesPanel(id="sources")
        yield NoticeLine(id="notice")
        yield Footer()

    def show(self, snapshot: Snapshot) -> None:
        for panel in self.query(Panel):
            panel.show(snapshot)
        self.query_one(NoticeLine).show(snapshot)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(HELP.strip(), id="help")
