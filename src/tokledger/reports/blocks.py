"""5-hour billing blocks, as Claude's usage windows are usually estimated (the ccusage algorithm).

1. Requests of all sources (after dedup) in time order. A block starts at its first request's time
   floored to the hour (UTC) and lasts ``hours`` (5).
2. A request more than ``hours`` after the block start, or more than ``hours`` after the previous
   request, starts a new block; when the silence before it is longer than ``hours``, a gap block from
   (previous request + ``hours``) to the new request is inserted (zero tokens, ``is_gap``).
3. A block is active while ``now`` is before its end and less than ``hours`` after its last request.
4. Burn rate (active block): minutes between its first and last request; tokens per minute counts
   every token category; cost per hour = cost / minutes × 60. Projection to the block end:
   tokens + rate × remaining minutes, cost likewise.
5. ``token_limit`` ("max" = the largest non-gap block of the dates reported, before ``--active``): status
   ``exceeds`` above the limit, ``warning`` above 80 % of it, else ``ok``.

The vendor's real window may start elsewhere; these are estimates and say so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tokledger.ledger import Ledger, ms_to_datetime, queries
from tokledger.reports import Query, Report, Row, Totals

HOUR_MS = 3_600_000


def _iso(ms: int) -> str:
    return ms_to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def blocks_report(
    ledger: Ledger, query: Query, *, hours: int = 5, now: datetime | None = None,
    token_limit: str | None = None, active_only: bool = False,
) -> Report:  # fmt: skip
    length = hours * HOUR_MS
    now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
    blocks: list[Row] = []
    current: Row | None = None
    last_ts: int | None = None
    for ts, source, model, inp, out, cw, cw1h, cr, rsn, cost in queries.timeline(
        ledger.conn, query.event_filter(), query.mode
    ):
        if current is None or ts - current.extra["start_ms"] > length or ts - last_ts > length:
            if current is not None and ts - last_ts > length:
                gap = Row(f"gap-{_iso(last_ts + length)}")
                gap.extra.update(start_ms=last_ts + length, end_ms=ts, is_gap=True, is_active=False)
                blocks.append(gap)
            start = ts - ts % HOUR_MS
            current = Row(_iso(start))
            current.extra.update(start_ms=start, end_ms=start + length, is_gap=False, is_active=False)
            blocks.append(current)
        part = Totals(inp, out, cw, cw1h, cr, rsn, 1, cost or 0, int(cost is None), {model} if cost is None else set())
        current.add(source, model, part, ts, ts)
        last_ts = ts

    limit = _limit(blocks, token_limit)
    for block in blocks:
        x = block.extra
        if x["is_gap"]:
            continue
        x["actual_end_ms"] = block.last_ms
        x["is_active"] = now_ms - block.last_ms < length and now_ms < x["end_ms"]
        if x["is_active"]:
            _burn(block, now_ms)
        if limit is not None:
            projected = x.get("projected_tokens", block.totals.total_tokens)
            x["token_limit"] = {
                "limit": limit,
                "projected_tokens": projected,
                "percent_used": round(projected / limit * 100, 1) if limit else None,
                "status": "exceeds" if projected > limit else "warning" if projected > 0.8 * limit else "ok",
            }
    rows = [b for b in blocks if b.extra["is_active"]] if active_only else blocks
    totals = Totals()
    for row in rows:
        totals.add(row.totals)
    return Report("blocks", query, rows, totals)


def _limit(blocks: list[Row], token_limit: str | None) -> int | None:
    if token_limit is None:
        return None
    if token_limit == "max":
        done = [b.totals.total_tokens for b in blocks if not b.extra["is_gap"]]
        return max(done) if done else None
    return int(token_limit)


def _burn(block: Row, now_ms: int) -> None:
    x = block.extra
    minutes = (block.last_ms - block.first_ms) / 60_000
    remaining = round((x["end_ms"] - now_ms) / 60_000)
    x["remaining_minutes"] = remaining
    if minutes <= 0:
        return
    tokens_per_minute = block.totals.total_tokens / minutes
    x["tokens_per_minute"] = round(tokens_per_minute, 1)
    x["projected_tokens"] = round(block.totals.total_tokens + tokens_per_minute * remaining)
    cost = block.totals.cost_usd
    if cost is not None:
        cost_per_hour = cost / Decimal(str(minutes)) * 60
        x["cost_per_hour_usd"] = cost_per_hour.quantize(Decimal("0.0001"))
        x["projected_cost_usd"] = (cost + cost_per_hour / 60 * remaining).quantize(Decimal("0.01"))
