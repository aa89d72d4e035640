"""The dashboard's panels. Each one draws the latest :class:`~tokledger.tui.refresh.Snapshot` to fit its
current size, so a resize only redraws; none of them reads the ledger.

Charts are text (:mod:`tokledger.tui.text`): sparklines of eighth blocks, one row per model (taller when
there is room) on one scale per chart, and horizontal bars. Colour only repeats what the text says, so
``NO_COLOR`` loses nothing.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from tokledger.reports.dashboard import Dashboard
from tokledger.reports.format import printable
from tokledger.reports.render import fmt_cost
from tokledger.tui.refresh import Snapshot
from tokledger.tui.text import (
    age,
    bar,
    columns,
    compact,
    duration,
    fit,
    fit_model,
    per_hour,
    plural,
    short_paths,
    sparkline,
    whole_dollars,
)

PALETTE = ("cyan", "magenta", "green", "yellow", "blue")


def colours(board: Dashboard) -> dict[str, str]:
    """One colour per model, the same in every panel: the trend's order first, then today's."""
    models = [t.model for t in board.usage.trends] + [m for m, _ in board.usage.today_models]
    out: dict[str, str] = {}
    for model in models:
        out.setdefault(model, PALETTE[len(out) % len(PALETTE)])
    return out


def grid(*justify: str) -> Table:
    table = Table.grid(padding=(0, 1), expand=False)
    for j in justify:
        table.add_column(justify=j, no_wrap=True, overflow="ellipsis")
    return table


class Panel(Widget, can_focus=True):
    """A bordered box that draws the latest snapshot; ``tab`` moves the focus between panels."""

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
        hosts = snapshot.dashboard.usage.hosts
        self.border_title = self.TITLE
        if len(hosts) > 1:  # a team ledger: which machines these sums come from
            self.border_title = (
                f"{self.TITLE} · {len(hosts)} hosts: {', '.join(printable(h) for h, _ in hosts)}"
            )
        super().show(snapshot)

    def draw(self, board: Dashboard, width: int, height: int):
        u = board.usage
        rows = [("Lifetime", u.lifetime), ("Month", u.month), (f"{board.days} days", u.range_totals),
                ("Today", u.today_totals)][: max(1, height - 1)]  # fmt: skip
        label_w = max(len(label) for label, _ in rows)
        tokens = [[compact(getattr(t, key)) for _, t in rows] for key in self.KEYS]
        # Narrower and narrower until every category fits; only then is the Total column dropped.
        for headers, money in ((self.HEADERS[0], fmt_cost), (self.HEADERS[1], fmt_cost),
                               (self.HEADERS[1], whole_dollars)):  # fmt: skip
            cols = [("Cost", [money(t) for _, t in rows])] + list(zip(headers, tokens, strict=True))
            need = [1 + max(len(name), *map(len, cells)) for name, cells in cols]
            if label_w + sum(need[:-1]) <= width:
                break
        if label_w + sum(need) > width:
            cols = cols[:-1]
        table = grid("left", *("right" for _ in cols))
        table.add_row("", *(Text(name, style="bold") for name, _ in cols))
        for i, (label, _) in enumerate(rows):
            table.add_row(Text(label, style="bold"), *(cells[i] for _, cells in cols))
        return table


PLAN_SHORT = {"five_hour": "5h", "seven_day": "7d"}


class BlockPanel(Panel):
    TITLE = "5h block"

    def show(self, snapshot: Snapshot) -> None:
        block, tz = snapshot.dashboard.block, snapshot.dashboard.query.tz
        self.border_title = f"Block {block.start.astimezone(tz):%H:%M}–{block.end.astimezone(tz):%H:%M}" \
            if block else self.TITLE  # fmt: skip
        super().show(snapshot)

    def draw(self, board: Dashboard, width: int, height: int):
        b = board.block
        plan = " · ".join(f"{PLAN_SHORT.get(w.window, w.window)} {w.used_percent:.0f}%" for w in board.plan)
        if b is None:
            idle = Text("no active block\n(starts with the next request)", style="dim")
            return Group(idle, Text(f"plan {plan}")) if plan else idle
        total = int((b.end - b.start).total_seconds()) // 60
        label = f" {duration(b.elapsed_minutes)} of {duration(total)}"
        progress = Text.assemble((bar(b.elapsed_minutes, total, max(1, width - len(label))), "cyan"), label)
        table = grid("left", "right", "right")
        table.add_row("so far", fmt_cost(b.totals), compact(b.totals.total_tokens))
        if b.tokens_per_minute is None:
            table.add_row("burn", "–", "–")
            table.add_row("at end", "–", "–")
        else:
            table.add_row("burn", per_hour(fmt_cost(b.cost_per_hour)), f"{compact(b.tokens_per_minute)}/min")
            table.add_row(
                "at end", Text(fmt_cost(b.projected_cost), style="bold"), compact(b.projected_tokens)
            )
        if plan:  # the vendor's own figures, where the block is an estimate
            table.add_row("plan", plan, "")
        return Group(progress, table)


class TrendPanel(Panel):
    TITLE = "Daily trend"

    def show(self, snapshot: Snapshot) -> None:
        u = snapshot.dashboard.usage
        self.border_title = f"Daily tokens and cost · {snapshot.view.days} days"
        shown = len(u.trends)
        self.border_subtitle = (
            f"top {shown} of {u.models_in_range} models" if u.models_in_range > shown else ""
        )
        super().show(snapshot)

    def draw(self, board: Dashboard, width: int, height: int):
        u = board.usage
        if not u.trends:
            return Text(f"no usage in the last {board.days} days", style="dim")
        n = len(u.trends)
        tokens = [compact(t.totals.total_tokens) for t in u.trends]
        costs = [fmt_cost(t.totals) for t in u.trends]
        name_w = min(max(len(t.model) for t in u.trends), max(8, width // 5))
        tok_w, cost_w = max(map(len, tokens)), max(map(len, costs))
        spark_w = max(1, (width - name_w - tok_w - cost_w - 4) // 2)
        tok_cols = [columns(t.tokens, spark_w) for t in u.trends]
        cost_cols = [columns(t.cost_pusd, spark_w) for t in u.trends]
        tok_top = max(max(c, default=0) for c in tok_cols)
        cost_top = max(max(c, default=0) for c in cost_cols)
        rows_per = max(1, (height - 2) // n)
        header, axis = height >= n * rows_per + 2, height >= n * rows_per + 1
        lines: list[Text] = []
        if header:
            lines.append(Text(" " * (name_w + 1) + "tokens / day".ljust(spark_w + tok_w + 2) + "cost / day",
                              style="bold"))  # fmt: skip
        palette = colours(board)
        for i, trend in enumerate(u.trends):
            color = palette[trend.model]
            tok_rows = sparkline(tok_cols[i], tok_top, rows_per)
            cost_rows = sparkline(cost_cols[i], cost_top, rows_per)
            for r in range(rows_per):
                last = r == rows_per - 1
                line = Text(
                    fit_model(trend.model, name_w).ljust(name_w) if last else " " * name_w, style=color
                )
                line.append(" " + tok_rows[r].ljust(spark_w), style=color)
                line.append(" " + (tokens[i] if last else "").rjust(tok_w))
                line.append(" " + cost_rows[r].ljust(spark_w), style=color)
                line.append(" " + (costs[i] if last else "").rjust(cost_w))
                lines.append(line)
        if axis:
            first, last_day = u.days[0], u.days[-1]
            span = f"{first:%m-%d}".ljust(max(6, spark_w - 5)) + f"{last_day:%m-%d}"
            lines.append(Text(" " * (name_w + 1) + span.ljust(spark_w + tok_w + 2) + span, style="dim"))
        return Group(*lines[:height])


class TodayPanel(Panel):
    TITLE = "Today by model"

    def draw(self, board: Dashboard, width: int, height: int):
        u = board.usage
        if not u.today_models:
            return Text("no usage today", style="dim")
        split = len(u.today_sources) > 1 and height > 1
        models = u.today_models[: height - 1 if split else height]
        costs = [fmt_cost(t) for _, t in models]
        tokens = [compact(t.total_tokens) for _, t in models]
        name_w = min(max(len(m) for m, _ in models), max(10, width // 2))
        bar_w = max(1, width - name_w - max(map(len, costs)) - max(map(len, tokens)) - 3)
        by_cost = any(t.priced_pusd for _, t in models)
        top = max((t.priced_pusd if by_cost else t.total_tokens) for _, t in models)
        table = grid("left", "left", "right", "right")
        palette = colours(board)
        for i, (model, t) in enumerate(models):
            color = palette[model]
            value = t.priced_pusd if by_cost else t.total_tokens
            table.add_row(Text(fit_model(model, name_w), style=color), Text(bar(value, top, bar_w), style=color),
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
        self.tooltip = "\n".join(problems) or None  # the whole text, where the panel has to cut it
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
                notes.append(Text(fit(f"⚠ {name}: {short_paths(notice)}", width), style="yellow"))
            if name in errors:
                notes.insert(0, Text(fit(f"✗ {name}: {errors[name]}", width), style="bold red"))
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
        self.unpriced = "" if not models else (
            f"⚠ unpriced: {', '.join(models)} ({requests}) — costs marked * leave them out; "
            "add a [prices.\"model\"] entry to the config to price them"
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
