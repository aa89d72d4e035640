"""Goose (block/goose): the ``sessions`` table of its SQLite session database.

Where
    ``$GOOSE_PATH_ROOT/data/sessions/sessions.db`` when ``GOOSE_PATH_ROOT`` is set to an absolute path
    (goose ignores a relative one); otherwise ``${XDG_DATA_HOME:-~/.local/share}/goose/sessions/sessions.db``
    (Linux) and ``~/Library/Application Support/Block/goose/sessions/sessions.db`` (macOS). Sessions written
    before goose moved to SQLite (``sessions/<name>.jsonl``) are imported into the database by goose itself
    and are not read here. The database runs in WAL mode: it is opened read-only through SQLite, so the
    ``-wal`` file is part of what is read, and a change to the ``-wal`` file counts as a change of the
    database (the main file's size and mtime stay put until goose checkpoints), so the next sync reads it.

Records
    One row per session; there are no per-request records. Columns read, each only where the schema has
    it (detected with ``pragma_table_info``; schema versions run from v5 to v13 upstream and beyond in
    forks): ``id`` (``YYYYMMDD_N``), ``created_at``, ``working_dir``, ``session_type``, ``provider_name``
    and ``model_config_json`` (v6; ``{"model_name": …}``), ``accumulated_input_tokens`` and
    ``accumulated_output_tokens`` (the running totals of the session), and ``accumulated_cost`` (v13).
    ``input_tokens`` / ``output_tokens`` are the *last provider call* only; they are used solely when a
    row has no accumulated totals (then the figure is a lower bound for that session).

Token semantics (estimated)
    input = ``accumulated_input_tokens``, output = ``accumulated_output_tokens``; cache reads, cache writes
    and reasoning are 0 because goose keeps none of them apart. ``accumulated_input_tokens`` includes
    cached tokens: for Anthropic, goose's Anthropic format code (``get_usage`` in
    ``crates/goose/src/providers/formats/anthropic.rs``) sets a call's input to ``input_tokens`` +
    ``cache_creation_input_tokens`` + ``cache_read_input_tokens`` ("to show the actual total tokens
    consumed"), and OpenAI-style providers report cache-inclusive prompt counts themselves. With no split
    kept, every prompt token is priced as uncached input: cache reads are overpriced (10× at Anthropic)
    and cache writes underpriced, so the source is marked *estimated*. The difference
    ``accumulated_total_tokens - input - output`` is not interpreted (its meaning is not established).

Identity and duplicates
    Key: the session ``id``. The counters are cumulative, so each read carries the session's total so far;
    a re-read replaces (the ledger keeps the field-wise maximum) and never adds. Consequently the whole
    session is dated by its ``created_at`` (a stable instant, UTC ``YYYY-MM-DD HH:MM:SS`` or ISO 8601): a
    session that spans midnight lands on its first day. ``sub_agent`` sessions are kept as their own
    events (whether goose also rolls them into the parent's totals is not established).

Recorded cost
    ``accumulated_cost`` (schema v13+), assumed to be USD (the unit is not established), kept as the
    logged cost; the calculated cost comes from the tokens as for every source.

Project and session
    Project = ``working_dir``; session = ``id``; provider hint = ``provider_name``. A row with wrong types
    or impossible values (a count past the bounds, a NaN or negative cost, a date outside the plausible
    window) is skipped and counted with its reason; the other sessions are kept.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, logged_cost, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._records import MALFORMED, Skips
from tokledger.sources._sqlite import columns, read_only

NAME = "goose"
DB_NAME = "sessions.db"
_WANTED = (
    "id", "created_at", "working_dir", "session_type", "provider_name", "model_config_json",
    "accumulated_input_tokens", "accumulated_output_tokens", "input_tokens", "output_tokens", "accumulated_cost",
)  # fmt: skip


class _ModelConfig(msgspec.Struct):
    model_name: str | None = None


_decode_model = msgspec.json.Decoder(_ModelConfig).decode


def roots(env: Env) -> list[Path]:
    """The ``sessions/`` directories goose may write to, in the order goose resolves them."""
    configured = env.get("GOOSE_PATH_ROOT")
    if configured and Path(configured).is_absolute():
        return [Path(configured) / "data" / "sessions"]
    mac = env.home / "Library" / "Application Support" / "Block" / "goose" / "sessions"
    xdg = env.xdg_data_home / "goose" / "sessions"
    return [mac, xdg] if sys.platform == "darwin" else [xdg, mac]


def discover(env: Env) -> Discovery:
    tried = roots(env)
    files = [root / DB_NAME for root in tried if (root / DB_NAME).is_file()]
    return Discovery(roots=tried, files=files)


def _timestamp(value: object) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    if isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError("no created_at")


def _count(value: object) -> int:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise Skip("wrong field type")
    return token_count(value)


def _model(raw: object) -> str:
    if isinstance(raw, str) and raw.strip():
        try:
            name = _decode_model(raw).model_name
        except (msgspec.DecodeError, msgspec.ValidationError):
            return "unknown"
        if name and name.strip():
            return name.strip()
    return "unknown"


def _event(row: dict) -> UsageEvent | None:
    accumulated = (
        row.get("accumulated_input_tokens") is not None or row.get("accumulated_output_tokens") is not None
    )
    if accumulated:
        tokens_in, tokens_out = row.get("accumulated_input_tokens"), row.get("accumulated_output_tokens")
    else:
        tokens_in, tokens_out = row.get("input_tokens"), row.get("output_tokens")
    cost = row.get("accumulated_cost")
    if cost is not None and not isinstance(cost, int | float):
        raise Skip("wrong field type")
    logged = logged_cost(Decimal(repr(float(cost)))) if cost is not None else None
    logged = logged if logged else None
    input_tokens, output_tokens = _count(tokens_in), _count(tokens_out)
    if input_tokens == output_tokens == 0 and logged is None:
        return None
    return check(
        UsageEvent(
            source=NAME,
            key=str(row["id"]),
            timestamp=_timestamp(row.get("created_at")),
            model=_model(row.get("model_config_json")),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            session_id=str(row["id"]),
            project=row.get("working_dir") or None,
            provider=row.get("provider_name") or None,
            logged_cost_usd=logged,
        )
    )


def parse(path: Path, start: int = 0) -> ParseResult:
    events: list[UsageEvent] = []
    skips = Skips()
    with read_only(path) as conn:
        present = [c for c in _WANTED if c in columns(conn, "sessions")]
        if "id" in present:
            cursor = conn.execute(f"SELECT {', '.join(present)} FROM sessions ORDER BY id")
            for values in cursor:
                try:
                    event = _event(dict(zip(present, values, strict=True)))
                except MALFORMED as exc:
                    skips.add(exc)
                    continue
                if event is not None:
                    events.append(event)
    return ParseResult(events=events, end_offset=path.stat().st_size, reasons=skips)


SOURCE = Source(
    name=NAME,
    title="Goose",
    accuracy="estimated",
    discover=discover,
    parse=parse,
    append_only=False,
)
