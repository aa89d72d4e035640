"""The dashboard's panels. Each one draws the latest :class:`~tokledger.tui.refresh.Snapshot` to fit its
current size, so a resize only redraws; none of them reads the ledger.

Charts are text: braille line charts with a scale and day ticks (:mod:`tokledger.tui.charts`), one line
per model in its colour (the palette shared with the web page), and horizontal bars (:mod:`tokledger.tui.text`).
Colour repeats what the text says, except which line is which model, which the legend's order and the
day cursor's line tell without it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.markup import escape
from textual.widget import Widget

from tokledger.reports import Totals
from tokledger.reports.dashboard import Dashboard
from tokledger.reports.format import printable, short_model
from tokledger.reports.palette import colour_of
from tokledger.reports.render import fmt_cost
from tokledger.tui.charts import line_chart
from tokledger.tui.refresh import Snapshot
from tokledger.tui.text import (
    age,
    bar,
    compact,
    duration,
    fit,
    fit_model,
    per_hour,
    plural,
    short_paths,
    whole_dollars,
)


def colours(board: Dashboard) -> dict[str, str]:
    """One colour per model, the same in every panel and on the web page (see :mod:`tokledger.reports.palette`)."""
    return board.usage.colours


def colour(board: Dashboard, model: str) -> str:
    return colour_of(board.usage.colours, model)


def grid(*justify: str) -> Table:
    table = Table.grid(padding=(0, 1), expand=False)
    for j in justify:
        table.add_column(justify=j, no_wrap=True, overflow="ellipsis")
    return table


def change(now: int, before: int) -> str:
    """``+29%`` / ``-12%`` / ``new``."""
    if before <= 0:
        return "new" if now > 0 else "±0%"
    return f"{(now - before) / before * 100:+.0f}%"


class Panel(Widget, can_focus=True):
    """A bordered box that draws the latest snapshot; ``tab`` moves the focus between panels, Enter zooms."""

    TITLE = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: Snapshot | None = None
        self.border_title = self.TITLE

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.refresh()

    def render(self):
        if self.snapshot is None:
            return Text("loading…", style="dim")
        size = self.content_size
        return self.draw(self.snapshot.dashboard, size.width, size.height)

    def draw(self, board: Dashboard, width: int, height: int):
        """The panel's content for a snapshot; each panel below draws its own."""
        return Text("")


class SummaryPanel(Panel):
    TITLE = "Usage"
    KEYS = ("input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens", "total_tokens")
    HEADERS = (("Input", "Output", "Cache W", "Cache R", "Total"), ("In", "Out", "C.W", "C.R", "Total"))

    def show(self, snapshot: Snapshot) -> None:
        board = snapshot.dashboard
        hosts = board.usage.hosts
        self.border_title = self.TITLE
        if len(hosts) > 1:  # a team ledger: which machines these sums come from
            self.border_title = (
                f"{self.TITLE} · {len(hosts)} hosts: {escape(', '.join(printable(h) for h, _ in hosts))}"
            )
        u = board.usage
        if u.stale and u.last_ms is not None:
            last = datetime.fromtimestamp(u.last_ms / 1000, board.query.tz).date()
            self.border_subtitle = f"last usage {last:%Y-%m-%d} ({(u.today - last).days} d ago)"
        elif u.lifetime.requests:
            prev = u.month_start - timedelta(days=1)
            projected = u.projected(u.month)
            self.border_subtitle = (f"{change(u.month.priced_pusd, u.last_month.priced_pusd)} vs {prev:%b} 1–"
                                    f"{min(u.anchor.day, prev.day)} · projected "
                                    f"{fmt_cost(projected)}")  # fmt: skip
        else:
            self.border_subtitle = ""
        super().show(snapshot)

    def rows(self, board: Dashboard) -> list[tuple[str, Totals]]:
        u = board.usage
        day = "Today" if not u.stale else f"{u.anchor:%b %d}"
        month = f"{u.anchor:%B}" if not u.stale else f"{u.anchor:%b %Y}"
        return [
            ("Lifetime", u.lifetime),
            (month, u.month),
            (f"{board.days} days", u.range_totals),
            (day, u.today_totals),
        ]

    def draw(self, board: Dashboard, width: int, height: int):
        rows = self.rows(board)[: max(1, height - 1)]
        label_w = max(len(label) for label, _ in rows)
        tokens = [[compact(getattr(t, key)) for _, t in rows] for key in self.KEYS]
        # Shorter and shorter until every column fits, Total included; only then is a column left out.
        for headers, money in ((self.HEADERS[0], fmt_cost), (self.HEADERS[1], fmt_cost),
                               (self.HEADERS[1], whole_dollars)):  # fmt: skip
            cols = [("Cost", [money(t) for _, t in rows])] + list(zip(headers, tokens, strict=True))
            need = [1 + max(len(name), *map(len, cells)) for name, cells in cols]
            if label_w + sum(need) <= width:
                break
        for name in ("C.W", "C.R", "In", "Out"):  # the cache columns go first; Cost and Total stay
            if label_w + sum(need) <= width:
                break
            at = [c for c, _ in cols].index(name)
            del cols[at], need[at]
        table = grid("left", *("right" for _ in cols))
        table.add_row("", *(Text(name, style="bold") for name, _ in cols))
        for i, (label, _) in enumerate(rows):
            table.add_row(Text(label, style="bold"), *(cells[i] for _, cells in cols))
        return table


LIMIT_STYLES = {"ok": "green", "warning": "yellow", "exceeds": "bold red"}
PLAN_SHORT = {"five_hour": "5h", "seven_day": "7d"}


class BlockPanel(Panel):
    TITLE = "5h block"

    def show(self, snapshot: Snapshot) -> None:
        block, tz = snapshot.dashboard.block, snapshot.dashboard.query.tz
        self.border_title = f"Block {block.start.astimezone(tz):%H:%M}–{block.end.astimezone(tz):%H:%M}" \
            if block else self.TITLE  # fmt: skip
        self.border_subtitle = f"limit: {block.limit_from}" if block and block.limit else ""
        super().show(snapshot)

    def draw(self, board: Dashboard, width: int, height: int):
        b = board.block
        plan = " · ".join(f"{PLAN_SHORT.get(w.window, w.window)} {w.used_percent:.0f}%" for w in board.plan)
        if b is None:
            idle = Text("no active block\n(starts with the next request)", style="dim")
            return Group(idle, Text(f"plan {plan}")) if plan else idle
        lines = [Text.assemble("resets in ", (duration(b.remaining_minutes), "bold"),
                               f" ({b.end.astimezone(board.query.tz):%H:%M})")]  # fmt: skip
        now_share = b.share(b.totals.total_tokens)
        end_share = b.share(b.projected_tokens)
        if now_share is not None:
            style = LIMIT_STYLES[b.status(now_share)]
            label = f" {now_share:.0%} of {compact(b.limit)}"
            lines.append(Text.assemble((bar(min(1.0, now_share), 1.0, max(1, width - len(label))), style),
                                       (label, style)))  # fmt: skip
        else:
            total = int((b.end - b.start).total_seconds()) // 60
            label = f" {duration(b.elapsed_minutes)} of {duration(total)}"
            lines.append(
                Text.assemble((bar(b.elapsed_minutes, total, max(1, width - len(label))), "cyan"), label)
            )
        table = grid("left", "right", "right")
        table.add_row("so far", fmt_cost(b.totals), compact(b.totals.total_tokens))
        if b.tokens_per_minute is None:
            table.add_row("burn", "–", "–")
            table.add_row("at end", "–", "–")
        else:
            table.add_row("burn", per_hour(fmt_cost(b.cost_per_hour)), f"{compact(b.tokens_per_minute)}/min")
            end = Text(compact(b.projected_tokens))
            if end_share is not None:
                end.append(f" {end_share:.0%}", style=LIMIT_STYLES[b.status(end_share)])
            table.add_row("at end", Text(fmt_cost(b.projected_cost), style="bold"), end)
        if plan:  # the vendor's own figures, where the block is an estimate
            table.add_row("plan", plan, "")
        return Group(*lines, table)


class TrendPanel(Panel):
    TITLE = "Daily trend"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor: int | None = None
        self.per_point = 1

    def show(self, snapshot: Snapshot) -> None:
        u = snapshot.dashboard.usage
        days = snapshot.view.days
        self.border_title = f"Daily tokens and cost · {days} days" + (
            f" to {u.anchor:%Y-%m-%d}" if u.stale else ""
        )
        if self.cursor is not None and self.cursor >= len(u.days):
            self.cursor = len(u.days) - 1
        super().show(snapshot)

    def move(self, delta: int | None) -> None:
        """Move the day cursor by ``delta`` days (None: to the last day); it starts on the last day."""
        if self.snapshot is None:
            return
        last = len(self.snapshot.dashboard.usage.days) - 1
        if delta is None or self.cursor is None:
            self.cursor = last
        else:
            self.cursor = min(last, max(0, self.cursor + delta))
        self.refresh()

    def _subtitle(self, u) -> str:
        parts = []
        if u.models_in_range > len(u.trends):
            parts.append(f"top {len(u.trends)} of {u.models_in_range} models")
        if self.per_point > 1:
            parts.append(f"each point: mean of {self.per_point} days")
        return " · ".join(parts)

    def draw(self, board: Dashboard, width: int, height: int):
        u = board.usage
        if not u.trends:
            self.border_subtitle = ""
            return Text(f"no usage in the last {board.days} days", style="dim")
        legend = Text(no_wrap=True, overflow="ellipsis")
        for trend in u.trends:
            legend.append(f"■ {short_model(trend.model)}", style=colour(board, trend.model))
            legend.append(f" {compact(trend.totals.total_tokens)} {fmt_cost(trend.totals)}  ")
        info = self._day_line(board, width) if self.cursor is not None else None
        chart_h = max(1, height - 2 - (info is not None))
        half = max(8, (width - 2) // 2)
        series_t = [(t.tokens, colour(board, t.model)) for t in u.trends]
        series_c = [(t.cost_pusd, colour(board, t.model)) for t in u.trends]
        tokens = line_chart(series_t, u.days, width=half, height=chart_h, label=compact, cursor=self.cursor)
        cost = line_chart(series_c, u.days, width=width - half - 2, height=chart_h, cursor=self.cursor,
                          label=lambda v: f"${v / 10**12:,.0f}" if v >= 10**13 else f"${v / 10**12:,.2f}")  # fmt: skip
        self.per_point = tokens.per_point
        self.border_subtitle = self._subtitle(u)
        lines = [legend]
        for left, right in zip([*tokens.rows, tokens.axis], [*cost.rows, cost.axis], strict=True):
            lines.append(Text.assemble(left, "  ", right))
        if info is not None:
            lines.append(info)
        return Group(*lines[:height])

    def _day_line(self, board: Dashboard, width: int) -> Text:
        u = board.usage
        i = min(self.cursor, len(u.days) - 1)
        t = u.day_totals[i] if i < len(u.day_totals) else Totals()
        line = Text(f"▸ {u.days[i]:%a %Y-%m-%d}: ", style="bold", no_wrap=True, overflow="ellipsis")
        if not t.requests:
            line.append("no usage", style="dim")
            return line
        line.append(f"{fmt_cost(t)} · {compact(t.total_tokens)} tokens · {plural(t.requests, 'request')}")
        for trend in u.trends:
            if trend.tokens[i]:
                line.append(" · ")
                line.append(short_model(trend.model), style=colour(board, trend.model))
                line.append(f" {fmt_cost(Totals(priced_pusd=trend.cost_pusd[i]))}")
        return line


class TodayPanel(Panel):
    TITLE = "Today by model"

    def draw(self, board: Dashboard, width: int, height: int):
        u = board.usage
        if not u.today_models:
            return Text("no usage today", style="dim")
        split = len(u.today_sources) > 1 and height > 2
        models = u.today_models[: max(1, height - 1 - split)]
        costs = [fmt_cost(t) for _, t in models]
        tokens = [compact(t.total_tokens) for _, t in models]
        name_w = min(max(len(m) for m, _ in models), max(10, width // 2))
        tok_w, cost_w = max(len("Tokens"), *map(len, tokens)), max(len("Cost"), *map(len, costs))
        bar_w = max(1, width - name_w - tok_w - cost_w - 3)
        by_cost = any(t.priced_pusd for _, t in models)
        top = max((t.priced_pusd if by_cost else t.total_tokens) for _, t in models)
        table = grid("left", "left", "right", "right")
        heading = "share of cost" if by_cost else "share of tokens"
        if len(heading) > bar_w:
            heading = heading.split()[-1]
        table.add_row(Text("Model", style="bold"), Text(fit(heading, bar_w), style="bold"),
                      Text("Tokens", style="bold"), Text("Cost", style="bold"))  # fmt: skip
        for i, (model, t) in enumerate(models):
            style = colour(board, model)
            value = t.priced_pusd if by_cost else t.total_tokens
            table.add_row(Text(fit_model(model, name_w), style=style), Text(bar(value, top, bar_w), style=style),
                          tokens[i], costs[i])  # fmt: skip
        if not split:
            return table
        parts = " · ".join(f"{name} {fmt_cost(t)}" for name, t in u.today_sources)
        return Group(table, Text(fit("by assistant: " + parts, width), style="dim"))


class SourcesPanel(Panel):
    TITLE = "Sources"

    def show(self, snapshot: Snapshot) -> None:
        problems = [f"{name}: {error}" for name, error in snapshot.errors.items()]
        problems += [f"{s['source']}: {n}" for s in snapshot.dashboard.sources for n in s["notices"]
                     if not snapshot.scope or s["source"] in snapshot.scope]  # fmt: skip
        # The whole text, where the panel has to cut it.
        self.tooltip = "\n".join(printable(p) for p in problems) or None
        super().show(snapshot)

    def draw(self, board: Dashboard, width: int, height: int):
        errors = self.snapshot.errors if self.snapshot else {}
        scope = self.snapshot.scope if self.snapshot else ()
        table = grid("left", "right", "right", "right")
        table.add_row(*(Text(h, style="bold") for h in ("Source", "Files", "Skipped", "Last event")))
        missing, notes = [], []
        for s in board.sources:
            name = s["source"]
            if scope and name not in scope:
                continue
            for notice in s["notices"]:
                notes.append(Text(fit(f"⚠ {name}: {short_paths(printable(notice))}", width), style="yellow"))
            if name in errors:
                notes.insert(0, Text(fit(f"✗ {name}: {printable(errors[name])}", width), style="bold red"))
            if not s["found"] and name not in errors:
                missing.append(name)
                continue
            last = s["last_event"]
            when = age(datetime.fromisoformat(last), board.now) if last else "–"
            table.add_row(name, f"{s['files']:,}", f"{s['skipped_lines']:,}", when)
        lines = [table, *notes]
        if missing:
            lines.append(Text(fit("not found: " + ", ".join(missing), width), style="dim"))
        return Group(*lines)


class StatusLine(Widget):
    """The top line: what is shown (sources, range, time zone) and how fresh it is."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.left = "tokledger live"
        self.right = "starting…"

    def set(self, left: str | None = None, right: str | None = None) -> None:
        self.left = self.left if left is None else left
        self.right = self.right if right is None else right
        self.refresh()

    def render(self):
        width = self.content_size.width
        left = fit(self.left, width)
        right = fit(self.right, max(0, width - len(left) - 1))
        return Text(left.ljust(width - len(right)) + right, no_wrap=True)


class NoticeLine(Widget):
    """Under the panels, shown only when there is something to say: a failed refresh, unpriced models."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.error = ""
        self.unpriced = ""

    def show(self, snapshot: Snapshot) -> None:
        board = snapshot.dashboard
        models = board.unpriced_models
        requests = plural(board.usage.lifetime.unpriced_requests, "request")
        advice = ("their logs record no cost (--mode logged)" if board.query.mode == "logged"
                  else 'a [prices."model"] table in the config prices them')  # fmt: skip
        self.unpriced = "" if not models else (
            f"⚠ unpriced: {', '.join(printable(m) for m in models)} ({requests}) — costs marked * leave them out; "
            + advice
        )  # fmt: skip
        self.error = ""
        self._update()

    def fail(self, error: str) -> None:
        self.error = f"✗ refresh failed: {error} (the figures above are from the last good refresh)"
        self._update()

    def _update(self) -> None:
        self.display = bool(self.error or self.unpriced)
        self.refresh(layout=True)

    def render(self):
        width = self.content_size.width
        lines = [Text(fit(self.error, width), style="bold red")] if self.error else []
        if self.unpriced:
            lines.append(Text(fit(self.unpriced, width)))
        return Group(*lines)
