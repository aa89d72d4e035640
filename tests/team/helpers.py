"""Personal ledgers with synthetic events, and what a ledger holds of each host, for the team tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tokledger.config import Config
from tokledger.env import Env
from tokledger.events import UsageEvent
from tokledger.ledger import EventRow, Ledger
from tokledger.workspace import Workspace

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def team_config(host: str, user: str, **more) -> Config:
    return Config(sections={"team": {"host": host, "user": user, **more}})


def laptop(tmp_path: Path, host: str, user: str = "ana", **more) -> Workspace:
    home = tmp_path / host
    home.mkdir(exist_ok=True)
    return Workspace(
        Env(home=home, environ={}), db_path=home / "ledger.db", config=team_config(host, user, **more)
    )


def rows(seed: int, n: int, first: int = 0, start: datetime = START) -> list[EventRow]:
    rng = random.Random(seed)
    out = []
    for i in range(first, first + n):
        e = UsageEvent(
            source=rng.choice(("claude_code", "codex")), key=f"k{i}", model=rng.choice(("gpt-5", "m-unpriced")),
            timestamp=start + timedelta(minutes=7 * i + rng.randint(0, 6)), input_tokens=rng.randint(0, 900),
            output_tokens=rng.randint(0, 900), cache_read_tokens=rng.randint(0, 5000),
            session_id=f"s{i // 40}", project=rng.choice(("/a", "/b", None)),
        )  # fmt: skip
        out.append(EventRow.of(e, None if e.model == "m-unpriced" else rng.randint(0, 10**11), "test"))
    return out


def record(ledger: Ledger, new: list[EventRow]) -> None:
    with ledger.transaction():
        ledger.add_events(new, None)


def grow(ledger: Ledger, keys: list[str], source: str, extra: int = 100) -> None:
    """Replace stored events with more complete copies (more output), as a re-read log would."""
    import msgspec

    with ledger.transaction():
        stored = ledger.stored_events(source, keys)
        ledger.replace_events(
            [
                (i, old, msgspec.structs.replace(old, output_tokens=old.output_tokens + extra))
                for i, old in stored.values()
            ],
            None,
        )


def held(ledger: Ledger, host: str | None = None) -> tuple:
    """(events, tokens, cost) a ledger holds, of one host or all."""
    where, args = "", ()
    if host is not None:
        where, args = " WHERE host_id = (SELECT id FROM dims WHERE kind = 'host' AND value = ?)", (host,)
    return tuple(ledger.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), 0),"
        f" COALESCE(SUM(cost_pusd), 0) FROM entries{where}", args,
    ).fetchone())  # fmt: skip
