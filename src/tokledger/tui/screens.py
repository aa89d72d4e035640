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

[b]Usage[/b]        lifetime, this month (against last month's pace, and
             projected to its end), the trend range and today
[b]Block[/b]        the 5-hour block in progress: when it resets, its share of
             the token limit, burn rate, projected cost and tokens
[b]Daily trend[/b]  tokens and cost per day of the costliest models
[b]Today[/b]        today's models, costliest first (split by assistant)
[b]Sources[/b]      files read, malformed lines skipped, newest event

[b]$1.23*[/b] leaves out requests of models without a price;
[b]unpriced[/b] means none of them had one. When the last usage is older than
the range, the trends end on its day and the empty panels are left out.

[b]q[/b] [b]Esc[/b]  quit (Esc: unzoom)     [b]r[/b]  read new usage now
[b]d[/b] [b]w[/b] [b]m[/b]  trend of 7/30/90 days  [b]s[/b]  all sources, each one, all
[b]tab[/b]    next panel             [b]Enter[/b]  zoom the panel
[b]← →[/b]    day cursor on the trend (its figures under the chart)
[b]?[/b]      this help ([b]Esc[/b] closes it)
[b]b[/b]      what the vendors billed (per provider and day, per model)
"""


class MainScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,escape", "app.quit", "Quit", key_display="q"),
        Binding("r", "app.refresh_now", "Refresh"),
        Binding("tab", "app.focus_next", "Panel"),
        Binding("shift+tab", "app.focus_previous", "Previous panel", show=False),
        Binding("enter", "zoom", "Zoom"),
        Binding("left", "day(-1)", "Day", key_display="←→"),
        Binding("right", "day(1)", "Next day", show=False),
        Binding("home", "day(-9999)", "First day", show=False),
        Binding("end", "day(None)", "Last day", show=False),
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
        # An old history: no block in progress and nothing today, so those panels give their room away.
        stale = snapshot.dashboard.usage.stale
        for name in ("block", "today"):
            panel = self.query_one(f"#{name}")
            panel.display = not stale
        self.query_one("#sources").styles.width = "1fr" if stale else 40
        for panel in self.query(Panel):
            panel.show(snapshot)
        self.query_one(NoticeLine).show(snapshot)

    def action_zoom(self) -> None:
        """Enter: the focused panel fills the screen; Enter again (or Esc) puts it back."""
        if self.maximized is not None:
            self.minimize()
        elif isinstance(self.focused, Panel):
            self.maximize(self.focused)

    def action_day(self, delta: int | None) -> None:
        trends = self.query_one(TrendPanel)
        if self.maximized is None or self.maximized is trends:
            trends.move(delta)
            if self.maximized is None:
                self.set_focus(trends)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(HELP.strip(), id="help")
