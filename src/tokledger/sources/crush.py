"""Crush (charmbracelet/crush): the session costs in each project's SQLite database — cost only.

Where
    Crush keeps one database per project. The list of projects is ``projects.json`` in its global data
    directory: ``$CRUSH_GLOBAL_DATA``, else ``${XDG_DATA_HOME:-~/.local/share}/crush``; each entry
    ``{"path", "data_dir", "last_accessed"}`` names the project and its data directory (by default
    ``<project>/.crush``), whose ``crush.db`` is read. A database that is busy is retried on the next sync.

Records
    Table ``sessions`` (``id``, ``parent_session_id``, ``cost`` REAL, ``created_at`` in Unix seconds, …)
    and, for the model, ``messages.model`` of the session's latest assistant message (``messages.provider``
    where the schema has it). The columns present are detected with ``pragma_table_info``.

Token semantics — why this source is cost-only
    ``sessions.prompt_tokens`` / ``completion_tokens`` describe the context window of the last call (Crush
    resets them to 0 when it summarizes a conversation), not the usage billed, so no token counts are
    recorded: every token field is 0. ``cost`` is the running USD total Crush accumulates from its own
    model catalogue over every call of the session; it is stored as the logged cost.

Identity and duplicates
    Key: the session ``id`` (a UUID). The cost is cumulative, so each read carries the total so far and a
    re-read replaces rather than adds. When a sub-agent (``agent`` tool) session finishes, Crush adds its
    cost to the parent session's (``updateParentSessionCost``); only root sessions (no
    ``parent_session_id``) are therefore recorded. A sub-agent that fails or is cancelled is never added to
    its parent, so its cost is missing here — Crush's own blind spot. Sessions with zero cost are skipped.
    Dated by ``created_at`` (a stable instant; a long session lands on its first day).

Project and session
    Project = the directory holding ``.crush/`` when the database sits in one; session = ``id``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, logged_cost
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import read_text
from tokledger.sources._records import MALFORMED, Skips
from tokledger.sources._sqlite import columns, read_only

NAME = "crush"
DB_NAME = "crush.db"


def data_dir(env: Env) -> Path:
    configured = env.get("CRUSH_GLOBAL_DATA")
    return env.expand(configured) if configured else env.xdg_data_home / "crush"


def discover(env: Env) -> Discovery:
    index = data_dir(env) / "projects.json"
    notices: list[str] = []
    files: list[Path] = []
    text = read_text(index)
    try:
        projects = (json.loads(text).get("projects") or []) if text is not None else []
        if not isinstance(projects, list):
            raise TypeError("not a list of projects")
    except (*MALFORMED, AttributeError) as exc:
        notices.append(f"{index}: unreadable project list ({exc})")
        projects = []
    for project in projects:
        if not isinstance(project, dict) or not isinstance(project.get("path"), str):
            continue
        directory = project.get("data_dir") or str(Path(project["path"]) / ".crush")
        db = Path(project["path"]) / directory if not Path(directory).is_absolute() else Path(directory)
        db = db / DB_NAME
        if db.is_file() and db not in files:
            files.append(db)
    return Discovery(roots=[index], files=files, notices=notices)


def _timestamp(value: object) -> datetime:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    if isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip())
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError("no created_at")


def _models(conn) -> dict[str, tuple[str | None, str | None]]:
    present = columns(conn, "messages")
    if not {"session_id", "model", "role", "created_at"} <= present:
        return {}
    provider = "provider" if "provider" in present else "NULL"
    rows = conn.execute(
        f"SELECT session_id, model, {provider} FROM messages WHERE role = 'assistant' AND model IS NOT NULL "
        "AND model != '' ORDER BY created_at"
    )
    return {session: (model, prov) for session, model, prov in rows}


def parse(path: Path, start: int = 0) -> ParseResult:
    project = str(path.parent.parent) if path.parent.name == ".crush" else None
    events: list[UsageEvent] = []
    skips = Skips()
    with read_only(path) as conn:
        present = columns(conn, "sessions")
        if {"id", "cost", "created_at"} <= present:
            parent = "parent_session_id" if "parent_session_id" in present else "NULL"
            models = _models(conn)
            query = f"SELECT id, cost, created_at, {parent} FROM sessions ORDER BY created_at, id"
            for session_id, cost, created, parent_id in conn.execute(query):
                if parent_id:
                    continue
                try:
                    if not isinstance(cost, int | float):
                        raise Skip("wrong field type")
                    amount = logged_cost(Decimal(repr(float(cost))))
                    if not amount:
                        continue
                    model, provider = models.get(session_id, (None, None))
                    events.append(check(UsageEvent(
                        source=NAME, key=str(session_id), timestamp=_timestamp(created), model=model or "unknown",
                        session_id=str(session_id), project=project, provider=provider or None,
                        logged_cost_usd=amount,
                    )))  # fmt: skip
                except MALFORMED as exc:
                    skips.add(exc)
    return ParseResult(events=events, end_offset=path.stat().st_size, reasons=skips)


SOURCE = Source(
    name=NAME,
    title="Crush",
    accuracy="cost-only",
    discover=discover,
    parse=parse,
    append_only=False,
)
