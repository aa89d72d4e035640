"""Cursor: the usage events its dashboard shows (the API tosage calls) and its usage CSV export.

Login
    Cursor's dashboard authenticates with the cookie ``WorkosCursorSessionToken=<userId>%3A%3A<jwt>``.
    ``CURSOR_SESSION_TOKEN`` (or ``key_file`` / the keyring) may hold that cookie value, ``<userId>::<jwt>``,
    or the bare JWT. Otherwise the login Cursor itself keeps is used: ``state.vscdb`` (SQLite) in
    ``Cursor/User/globalStorage/`` under ``~/Library/Application Support`` (macOS), ``$XDG_CONFIG_HOME``
    or ``~/.config`` (Linux), ``%APPDATA%`` (Windows), row ``cursorAuth/accessToken`` of ``ItemTable``,
    opened read-only. The JWT's payload is decoded without verifying it: ``sub`` is ``auth0|<userId>``.
    This is an unofficial API: it can change without notice, and cursor.com's bot protection may refuse
    clients it does not recognise (a 403).

Report ``usage_events`` — ``POST https://cursor.com/api/dashboard/get-filtered-usage-events``
    Headers: the cookie, ``Origin: https://cursor.com``, ``Referer: https://cursor.com/`` (its CSRF check).
    Body ``{teamId: 0, startDate: "<ms>", endDate: "<ms>", page, pageSize: 100}`` (strings of Unix
    milliseconds; team 0 is the user's own usage). Response ``{totalUsageEventsCount,
    usageEventsDisplay: [...]}``; pages are read until one holds fewer than 100 events or the total is
    reached. Each event: ``timestamp`` (ms, a string), ``model``, ``kind`` (``USAGE_EVENT_KIND_…``),
    ``maxMode``, ``isTokenBasedCall``, ``tokenUsage.{inputTokens, outputTokens, cacheWriteTokens,
    cacheReadTokens, totalCents}`` (numbers or digit strings; absent when zero). The four token counts are
    disjoint already (input excludes cache reads and writes). ``totalCents`` is the event's cost in cents
    at Cursor's rates, counted against the plan's allowance or billed as usage-based spend: it is the
    logged cost. Errored or not-charged kinds are kept as context, not billed usage. (Older tosage
    versions call ``get-aggregated-usage-events`` instead, whose totals per model are digit strings with
    no timestamps; per-event data is what makes re-reads replace rather than add.)

CSV import (``import_csv``)
    The export of cursor.com's usage page (``export-usage-events-csv?strategy=tokens``). Columns are found
    by header and vary by version: ``Date``, optional ``User`` / ``Cloud Agent ID`` / ``Automation ID`` /
    ``Kind``, ``Model``, optional ``Max Mode``, ``Input (w/ Cache Write)``, ``Input (w/o Cache Write)``,
    ``Cache Read``, ``Output Tokens``, ``Total Tokens``, ``Cost``, optional ``Cost to you``. Input =
    ``Input (w/o Cache Write)``; cache write = ``Input (w/ Cache Write)`` minus it; an export with only
    the first column counts it all as input. The cost is ``Cost to you`` (else ``Cost``) where it is a
    number ("$0.12" or "0.12"); "Included", "Free" and "-" leave the logged cost empty. Malformed rows
    are skipped and counted.

Identity
    Events are summed per (UTC second, model, max mode): the API's millisecond timestamps and the CSV's
    dates then give the same key, so importing a CSV over synced events (or the reverse) replaces them.
    A team export's users are summed together. ``bucket_seconds`` is 1.

Delays and cadence
    Events appear within a minute. Default interval five minutes; every sync re-reads the last two hours.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tokledger.env import Env
from tokledger.providers import (
    CONTEXT,
    TOKENS_AND_COST,
    FetchContext,
    Provider,
    ProviderError,
    ProviderRecord,
    count,
    floor_time,
    make_record,
    money,
    parse_time,
)
from tokledger.providers.credentials import Secret

NAME = "cursor"
BASE_URL = "https://cursor.com"
PAGE_SIZE = 100
MAX_PAGES = 2000
REPORT = "usage_events"
_BAD = (ValueError, TypeError, KeyError, AttributeError, OverflowError)
_TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens")


def _jwt_user(jwt: str) -> str | None:
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["sub"]).split("|")[-1] or None
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def session_cookie(value: str) -> str | None:
    """The ``WorkosCursorSessionToken`` value for a cookie value, ``user::jwt`` or a bare JWT."""
    value = value.strip()
    if "%3A%3A" in value:
        return value
    if "::" in value:
        return value.replace("::", "%3A%3A", 1)
    user = _jwt_user(value)
    return f"{user}%3A%3A{value}" if user else None


def state_db(env: Env, platform: str = sys.platform) -> Path:
    tail = Path("Cursor", "User", "globalStorage", "state.vscdb")
    if platform == "darwin":
        return env.home / "Library" / "Application Support" / tail
    if platform == "win32":
        return env.expand(env.get("APPDATA") or str(env.home / "AppData" / "Roaming")) / tail
    return env.xdg_config_home / tail


def local_login(env: Env) -> Secret | None:
    """Cursor's own login from its ``state.vscdb``, as a session cookie value; None when there is none."""
    path = state_db(env)
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM ItemTable WHERE key = 'cursorAuth/accessToken'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    cookie = session_cookie(str(row[0])) if row and row[0] else None
    return Secret(f"Cursor's login ({path})", cookie) if cookie else None


def _cookie(ctx: FetchContext) -> tuple[Secret, str]:
    secret = ctx.credentials.require()
    cookie = session_cookie(secret.reveal())
    if cookie is None:
        raise ProviderError(f"{NAME}: {secret.name} is neither a session cookie value nor a Cursor JWT")
    return secret, cookie


def _post(ctx: FetchContext, path: str, body: dict) -> dict:
    secret, cookie = _cookie(ctx)
    base = ctx.settings.base_url or BASE_URL
    headers = {"cookie": f"WorkosCursorSessionToken={cookie}", "origin": BASE_URL, "referer": f"{BASE_URL}/"}
    return ctx.http.request(
        NAME, secret.name, "POST", base + path, json=body, headers=headers, secrets=(secret.reveal(), cookie)
    )


def _merge(records: Iterable[ProviderRecord]) -> list[ProviderRecord]:
    """Sum records that share a key (several requests in one second)."""
    merged: dict[str, ProviderRecord] = {}
    for rec in records:
        old = merged.get(rec.event.key)
        if old is None:
            merged[rec.event.key] = rec
            continue
        a, b = old.event, rec.event
        cost = (
            None
            if a.logged_cost_usd is None and b.logged_cost_usd is None
            else (a.logged_cost_usd or Decimal(0)) + (b.logged_cost_usd or Decimal(0))
        )
        tokens = {n: getattr(a, n) + getattr(b, n) for n in _TOKEN_KEYS}
        counts = old.counts | rec.counts
        merged[rec.event.key] = make_record(
            NAME,
            REPORT,
            a.timestamp,
            1,
            old.dims,
            a.model,
            counts=counts,
            cost=cost,
            provider="cursor",
            requests=(old.requests or 0) + (rec.requests or 0),
            **tokens,
        )
    return list(merged.values())


def _record(
    at: datetime, model: str, max_mode: bool, tokens: dict[str, int], cost: Decimal | None, billed: bool
) -> ProviderRecord:
    dims = {"model": model, "max_mode": str(max_mode).lower()}
    return make_record(
        NAME,
        REPORT,
        floor_time(at, 1),
        1,
        dims,
        model,
        counts=TOKENS_AND_COST if billed else CONTEXT,
        cost=cost,
        provider="cursor",
        requests=1,
        **tokens,
    )


def _event(item: dict) -> ProviderRecord:
    usage = item.get("tokenUsage") or {}
    at = datetime.fromtimestamp(count(item["timestamp"]) / 1000, UTC)
    tokens = {
        "input_tokens": count(usage.get("inputTokens")),
        "output_tokens": count(usage.get("outputTokens")),
        "cache_write_tokens": count(usage.get("cacheWriteTokens")),
        "cache_read_tokens": count(usage.get("cacheReadTokens")),
    }
    cents = usage.get("totalCents")
    kind = str(item.get("kind") or "")
    billed = "NOT_CHARGED" not in kind and "ERRORED" not in kind
    return _record(
        at,
        str(item.get("model") or "unknown"),
        bool(item.get("maxMode")),
        tokens,
        money(cents, 100) if cents is not None else None,
        billed,
    )


def fetch(ctx: FetchContext, since: datetime, until: datetime) -> Iterator[ProviderRecord]:
    if REPORT not in ctx.settings.reports_for(PROVIDER):
        return
    start, end = str(int(since.timestamp() * 1000)), str(int(until.timestamp() * 1000))
    records, seen = [], 0
    for page in range(1, MAX_PAGES + 1):
        body = _post(
            ctx,
            "/api/dashboard/get-filtered-usage-events",
            {"teamId": 0, "startDate": start, "endDate": end, "page": page, "pageSize": PAGE_SIZE},
        )
        items = body.get("usageEventsDisplay") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ProviderError(f"{NAME}: unexpected response (no usageEventsDisplay list)")
        for item in items:
            try:
                records.append(_event(item))
            except _BAD:
                ctx.skipped += 1
        seen += len(items)
        total = body.get("totalUsageEventsCount")
        if len(items) < PAGE_SIZE or (isinstance(total, int) and seen >= total):
            break
    yield from _merge(records)


def _csv_int(row: dict, column: str) -> int:
    text = (row.get(column) or "").replace(",", "").strip()
    return count(int(text)) if text else 0


def _csv_cost(row: dict) -> Decimal | None:
    text = (row.get("Cost to you") or row.get("Cost") or "").strip().replace("$", "").replace(",", "")
    try:
        return money(text)
    except (ValueError, TypeError):
        return None


def import_csv(path: Path) -> tuple[list[ProviderRecord], int]:
    """The records of a Cursor usage CSV export and how many rows were skipped as malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProviderError(f"{NAME}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Date" not in reader.fieldnames or "Model" not in reader.fieldnames:
        raise ProviderError(f"{NAME}: {path} is not a Cursor usage export (no Date and Model columns)")
    records, skipped = [], 0
    for row in reader:
        try:
            with_writes = _csv_int(row, "Input (w/ Cache Write)")
            without = (
                _csv_int(row, "Input (w/o Cache Write)")
                if row.get("Input (w/o Cache Write)")
                else with_writes
            )
            tokens = {
                "input_tokens": min(without, with_writes) if with_writes else without,
                "cache_write_tokens": max(0, with_writes - without),
                "cache_read_tokens": _csv_int(row, "Cache Read"),
                "output_tokens": _csv_int(row, "Output Tokens"),
            }
            kind = (row.get("Kind") or "").lower()
            billed = "errored" not in kind and "not charged" not in kind and "no charge" not in kind
            max_mode = (row.get("Max Mode") or "").strip().lower() in ("yes", "true", "1")
            records.append(
                _record(
                    parse_time(row["Date"]),
                    (row.get("Model") or "").strip() or "unknown",
                    max_mode,
                    tokens,
                    _csv_cost(row),
                    billed,
                )
            )
        except _BAD:
            skipped += 1
    return _merge(records), skipped


def check(ctx: FetchContext) -> str:
    now = datetime.now(UTC)
    body = _post(
        ctx,
        "/api/dashboard/get-filtered-usage-events",
        {
            "teamId": 0,
            "startDate": str(int((now - timedelta(days=1)).timestamp() * 1000)),
            "endDate": str(int(now.timestamp() * 1000)),
            "page": 1,
            "pageSize": 1,
        },
    )
    total = body.get("totalUsageEventsCount") if isinstance(body, dict) else None
    return f"session accepted: {total if isinstance(total, int) else 'some'} usage events in the last day"


PROVIDER = Provider(
    name=NAME,
    title="Cursor (dashboard usage events, CSV export)",
    credential_kind="session_token",
    credential_env=("CURSOR_SESSION_TOKEN",),
    interval=timedelta(minutes=5),
    lateness=timedelta(hours=2),
    reports=(REPORT,),
    fetch=fetch,
    check=check,
)
