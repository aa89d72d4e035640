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

The blocks are cut from the rollups' quarter-hours, each with the instants of its first and last request:
no silence longer than an hour fits inside a quarter-hour, and a block's end falls on a whole hour, so the
cut is the one the requests themselves give. The one exception — a request exactly at a block's end,
which still belongs to it, in the same quarter-hour as later ones, which do not — is settled from the
requests of that quarter-hour. The vendor's real window may start elsewhere; these are estimates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tokledger.ledger import Ledger, queries
from tokledger.ledger.queries import Piece
from tokledger.ledger.rollups import BUCKET_MS
from tokledger.reports import Query, Report, Row, Totals, summed
from tokledger.reports.format import iso_seconds
from tokledger.reports.periods import local_midnight_ms

HOUR_MS = 3_600_000


@dataclass
class TokenLimit:
    limit: int
    projected_tokens: int
    percent_used: float | None
    status: str  # ok | warning | exceeds


@dataclass
class BlockRow(Row):
    start_ms: int = 0
    end_ms: int = 0
    is_gap: bool = False
    is_active: bool = False
    actual_end_ms: int | None = None
    remaining_minutes: int | None = None
    tokens_per_minute: float | None = None
    projected_tokens: int | None = None
    cost_per_hour_usd: Decimal | None = None
    projected_cost_usd: Decimal | None = None
    token_limit: TokenLimit | None = None


def _cut(pieces: list[Piece], length: int, split) -> list[BlockRow]:
    """Blocks from pieces in quarter-hour order; ``split(bucket)`` gives a quarter-hour's requests one by one.

    Each block's parts are summed in plain lists (requests, six tokens, cost, unpriced) per source and
    model and turned into totals once the block is cut: tens of thousands of quarter-hours cost little."""
    blocks: list[BlockRow] = []
    sums: list[dict[tuple[str, str], list[int]]] = []
    current: BlockRow | None = None
    parts: dict[tuple[str, str], list[int]] = {}
    last_ts = 0
    i, n = 0, len(pieces)
    while i < n:
        bucket = pieces[i].bucket
        j = i + 1
        while j < n and pieces[j].bucket == bucket:
            j += 1
        group = pieces[i:j]
        if len(group) > 1:  # a quarter-hour's pieces come in any order
            group.sort(key=lambda p: p.first_ms)
        first = group[0].first_ms
        if (
            current is not None
            and first == bucket * BUCKET_MS == current.start_ms + length
            and any(p.last_ms > first for p in group)
        ):
            group = split(bucket)
        for piece in group:
            ts = piece.first_ms
            if current is None or ts - current.start_ms > length or ts - last_ts > length:
                if current is not None and ts - last_ts > length:
                    blocks.append(BlockRow(f"gap-{iso_seconds(last_ts + length)}", start_ms=last_ts + length,
                                           end_ms=ts, is_gap=True))  # fmt: skip
                    sums.append({})
                start = ts - ts % HOUR_MS
                current = BlockRow(iso_seconds(start), start_ms=start, end_ms=start + length, first_ms=ts)
                parts = {}
                blocks.append(current)
                sums.append(parts)
            acc = parts.get((piece.source, piece.model))
            if acc is None:
                parts[(piece.source, piece.model)] = [
                    piece.requests,
                    *piece.tokens,
                    piece.cost_pusd,
                    piece.unpriced,
                ]
            else:
                acc[0] += piece.requests
                for k, value in enumerate(piece.tokens, 1):
                    acc[k] += value
                acc[7] += piece.cost_pusd
                acc[8] += piece.unpriced
            last_ts = max(last_ts, piece.last_ms)
            if current.last_ms is None or piece.last_ms > current.last_ms:
                current.last_ms = piece.last_ms
        i = j
    for block, block_parts in zip(blocks, sums, strict=True):
        for (source, model), acc in block_parts.items():
            part = Totals.of(model, acc[0], acc[1:7], acc[7], acc[8])
            block.totals.add(part)
            block.models[(source, model)] = part
    return blocks


def blocks_report(
    ledger: Ledger, query: Query, *, hours: int = 5, now: datetime | None = None,
    token_limit: str | None = None, active_only: bool = False,
) -> Report:  # fmt: skip
    length = hours * HOUR_MS
    now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
    f = query.event_filter()

    def split(bucket: int) -> list[Piece]:
        return queries.requests_between(ledger, f, query.mode, bucket * BUCKET_MS, (bucket + 1) * BUCKET_MS)

    if active_only and token_limit != "max" and query.since is None and query.start_ms is None:
        recent = recent_blocks(
            ledger, query, now=now or datetime.now(UTC), hours=hours, token_limit=token_limit
        )
        rows = [b for b in recent.rows if b.is_active]
        return Report("blocks", query, rows, summed(rows))
    blocks = _cut(queries.timeline(ledger, f, query.mode), length, split)
    limit = _limit(blocks, token_limit)
    for block in blocks:
        if block.is_gap:
            continue
        block.actual_end_ms = block.last_ms
        block.is_active = now_ms - block.last_ms < length and now_ms < block.end_ms
        if block.is_active:
            _burn(block, now_ms)
        if limit is not None:
            projected = (
                block.projected_tokens if block.projected_tokens is not None else block.totals.total_tokens
            )
            block.token_limit = TokenLimit(
                limit=limit, projected_tokens=projected,
                percent_used=round(projected / limit * 100, 1) if limit else None,
                status="exceeds" if projected > limit else "warning" if projected > 0.8 * limit else "ok",
            )  # fmt: skip
    rows = [b for b in blocks if b.is_active] if active_only else blocks
    return Report("blocks", query, rows, summed(rows))


def _limit(blocks: list[BlockRow], token_limit: str | None) -> int | None:
    if token_limit is None:
        return None
    if token_limit == "max":
        done = [b.totals.total_tokens for b in blocks if not b.is_gap]
        return max(done) if done else None
    return int(token_limit)


def _burn(block: BlockRow, now_ms: int) -> None:
    minutes = (block.last_ms - block.first_ms) / 60_000
    block.remaining_minutes = round((block.end_ms - now_ms) / 60_000)
    if minutes <= 0:
        return
    tokens_per_minute = block.totals.total_tokens / minutes
    block.tokens_per_minute = round(tokens_per_minute, 1)
    block.projected_tokens = round(block.totals.total_tokens + tokens_per_minute * block.remaining_minutes)
    cost = block.totals.cost_usd
    if cost is not None:
        cost_per_hour = cost / Decimal(str(minutes)) * 60
        block.cost_per_hour_usd = cost_per_hour.quantize(Decimal("0.0001"))
        block.projected_cost_usd = (cost + cost_per_hour / 60 * block.remaining_minutes).quantize(
            Decimal("0.01")
        )


def recent_blocks(ledger: Ledger, query: Query, *, now: datetime, hours: int = 5, anchor_ms: int | None = None,
                  token_limit: str | None = None) -> Report:  # fmt: skip
    """The blocks of the recent past, exactly as a report over the whole history would cut them.

    Where a block starts depends on the requests before it back to the last silence longer than a block.
    With ``anchor_ms`` — the start of a block from an earlier call, see :func:`block_anchor` — only the
    events from there on are read; that is exact as long as no event before the anchor changed since.
    Without it the window opens at yesterday's local midnight and widens until it begins with a silence.
    """
    if anchor_ms is not None:
        window = replace(query, since=None, until=None, start_ms=anchor_ms)
        return blocks_report(ledger, window, hours=hours, now=now, token_limit=token_limit)
    length = hours * HOUR_MS
    today = now.astimezone(query.tz).date()
    for back in (1, 7, 60):
        since = today - timedelta(days=back)
        report = blocks_report(
            ledger, replace(query, since=since, until=None), hours=hours, now=now, token_limit=token_limit
        )
        rows = report.rows
        quiet_start = not rows or rows[0].first_ms - local_midnight_ms(since, query.tz) > length
        if quiet_start or any(row.is_gap for row in rows):
            return report
    return blocks_report(
        ledger, replace(query, since=None, until=None), hours=hours, now=now, token_limit=token_limit
    )


def block_anchor(report: Report) -> int | None:
    """Where the newest block of a :func:`recent_blocks` report starts: the next call can read from there."""
    starts = [row.start_ms for row in report.rows if not row.is_gap]
    return starts[-1] if starts else None


WINDOW_MS = {"five_hour": 5 * HOUR_MS, "seven_day": 7 * 24 * HOUR_MS}


@dataclass(frozen=True)
class PlanWindow:
    """One of the plan's own usage windows as Claude Code last reported it (through ``tokledger statusline``):
    the vendor's figure, where the blocks above are estimates."""

    window: str  # five_hour | seven_day
    used_percent: float
    resets_ms: int | None
    observed_ms: int


def plan_usage(ledger: Ledger, now: datetime | None = None) -> list[PlanWindow]:
    """The windows still current: resetting after ``now``, or (reset time unknown) reported within the
    window's length."""
    from tokledger.ledger.guard import latest_rate_limits

    now_ms = int((now or datetime.now(UTC)).timestamp() * 1000)
    out = []
    for window, used, resets, observed, _session in latest_rate_limits(ledger):
        current = resets > now_ms if resets is not None else now_ms - observed < WINDOW_MS.get(window, 0)
        if current:
            out.append(PlanWindow(window, used, resets, observed))
    return out
