"""The live dashboard's billed view (key ``b``): what the vendors billed over the trend's range, per provider
per UTC day and per model — read from the providers' records, apart from the local logs the panels sum.

The figures come from the refresher in a thread worker, like every other read of the ledger; ``r`` reads
them again, ``b`` or ``Esc`` goes back.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

EMPTY = (
    "No billed usage in these days. `tokledger providers sync` reads what the vendors counted and billed "
    "(configure them in [providers.NAME] sections; see docs/providers.md)."
)


class BilledLoaded(Message):
    def __init__(self, doc: dict) -> None:
        super().__init__()
        self.doc = doc


class BilledScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b,escape,q", "app.pop_screen", "Back", key_display="b"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self, days: int) -> None:
        super().__init__()
        self.days = days
        self.doc: dict | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"tokledger live │ billed by the vendors │ {self.days} UTC days", id="billed-status")
        with VerticalScroll(id="billed-body"):
            yield Static(Text("loading…", style="dim"), id="billed")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="billed")
    def load(self) -> None:
        self.post_message(BilledLoaded(self.app.refresher.billed(self.days)))

    def on_billed_loaded(self, message: BilledLoaded) -> None:
        from tokledger.reports.billed import to_tables

        self.doc = message.doc
        body = Group(*to_tables(self.doc)) if self.doc["rows"] else Text(EMPTY, style="dim")
        self.query_one("#billed", Static).update(body)
