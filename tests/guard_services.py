"""GuardServices for tests, and a test-only ``tokledger`` with the guard commands on it.

The configuration is a real file; usage rows, the active block and what the commands record live as
JSON files in a state directory, so a test can run the commands in a subprocess exactly as Claude Code
would. ``python -m tests.guard_services hook Stop`` runs one (``TOKLEDGER_CONFIG``, ``TOKLEDGER_TEST_STATE``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tests.fakes import EventSums, Row
from tokledger.alerts.store import SqliteClaimStore
from tokledger.cli import _Group
from tokledger.cli.guard import register
from tokledger.env import Env
from tokledger.guard import ConfigServices
from tokledger.statusline import Block


class StatusSums(EventSums):
    block: Block | None = None

    def active_block(self, *, now_ms: int) -> Block | None:
        return self.block


class FakeServices(ConfigServices):
    def __init__(self, env: Env, config_path: Path, state: Path):
        super().__init__(env, config_path)
        self.state = state

    def _append(self, name: str, value) -> None:
        with (self.state / name).open("a") as out:
            out.write(json.dumps(value) + "\n")

    def lines(self, name: str) -> list:
        path = self.state / name
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []

    def sync(self) -> None:
        self._append("calls.jsonl", "sync")

    def usage_sums(self) -> StatusSums:
        sums = StatusSums([Row(**r) for r in json.loads((self.state / "rows.json").read_text())])
        block = self.state / "block.json"
        if block.exists():
            sums.block = Block(**json.loads(block.read_text()))
        return sums

    status_data = usage_sums

    def alert_store(self) -> SqliteClaimStore:
        return SqliteClaimStore(self.state / "claims.db")

    def ingest_transcript(self, path: Path) -> None:
        if "broken" in path.name:
            raise OSError(f"cannot read {path.name}")
        self._append("ingested.jsonl", str(path))

    def record(self, events) -> None:
        self._append("recorded.jsonl", [e.key for e in events])

    def keep_rate_limits(self, limits) -> None:
        five = limits.five_hour
        self._append("rate_limits.jsonl", [limits.session_id, five and five.used_percentage])

    def usage_service(self):
        from tests.mcp.fake_server import FakeService

        return FakeService()

    def notice(self, text: str) -> None:
        self._append("notices.jsonl", text)


def services_from_env(ctx: click.Context) -> FakeServices:
    environ = dict(os.environ)
    return FakeServices(Env(home=Path(environ["HOME"]), environ=environ), Path(environ["TOKLEDGER_CONFIG"]),
                        Path(environ["TOKLEDGER_TEST_STATE"]))  # fmt: skip


# The same command objects as tokledger's: click keeps the help option of the first group that shows one.
@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """tokledger with the guard commands, over test services."""


register(cli, services_from_env)

if __name__ == "__main__":
    cli(prog_name="tokledger")
