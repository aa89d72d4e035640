"""The report kinds, as data: what a row is, how rows are labelled and ordered, and what the table says.

A kind groups usage by one dimension (``group``) — a local day, week or month, a session, a project, a git
branch — or by nothing (one row per model), always keeping the per (source, model) breakdown inside each
row. ``today`` is the ``model`` grouping over a date preset. Adding a grouping is one entry here (and the
dimension in :mod:`tokledger.ledger.queries`); the command line, the web API and the docs pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

ORDERS = ("period", "cost", "recent")


@dataclass(frozen=True)
class Kind:
    name: str
    """Command name, ``"report"`` in the JSON, and ``/api/<name>``."""
    group: str | None
    """What a row is: ``day``, ``week``, ``month``, ``session``, ``project``, ``branch``, ``team`` (a user on
    a host); None: a model."""
    label: str
    """Heading of the first column of the table."""
    order: str
    """``period``: oldest first; ``cost``: costliest first; ``recent``: the most recently used last."""
    title: str
    """One line: what the report shows (the command's help)."""
    preset: str | None = None
    """``today``: since = until = the local date, with a row per source and model under each row."""
    none_label: str = "(none)"
    """The label of the row whose events have no value for the group."""
    options: tuple[str, ...] = ()
    """Options beyond every report's own: ``start_of_week``, ``id``."""
    examples: tuple[str, ...] = ()
    """Command lines shown under the command's help."""

    @property
    def direction(self) -> str:
        """The ``--order`` the rows come in by default: ``asc`` (oldest or most recent last), ``desc`` (costliest first)."""
        return "desc" if self.order == "cost" else "asc"

    @property
    def unit(self) -> str:
        """What ``--last N`` counts: weeks, months, or days (every kind without a period of its own)."""
        return self.group if self.group in ("week", "month") else "day"

    @property
    def query_group(self) -> str | None:
        """The dimension the ledger groups by (weeks and months are made of local days)."""
        return "day" if self.group in ("day", "week", "month") else self.group


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("today", None, "Model", "cost", "Today's usage (local day) by model, with a row per source under each.",
             preset="today", examples=("tokledger", "tokledger today -z Europe/Berlin", "tokledger today --json")),
        Kind("daily", "day", "Daily", "period",
             "Usage per local day (in --timezone, default the system zone), oldest first.",
             examples=("tokledger daily --last 7", "tokledger daily -s 20250601 -u 20250630 --breakdown",
                       "tokledger daily --year 2025 --order desc --compact",
                       "tokledger daily -j | jq .totals.cost_usd")),
        Kind("weekly", "week", "Weekly", "period", "Usage per week (ISO weeks such as 2025-W23 when weeks start on "
             "Monday, else the first day's date).", options=("start_of_week",),
             examples=("tokledger weekly --last 8", "tokledger weekly --start-of-week sunday --csv > weeks.csv")),
        Kind("monthly", "month", "Monthly", "period", "Usage per calendar month in local time, oldest first.",
             examples=("tokledger monthly --last 6", "tokledger monthly --breakdown source --mode calculate")),
        Kind("session", "session", "Session", "recent", "Usage per session, most recent last, with its source, "
             "project and first and last request.", options=("id",),
             examples=("tokledger session --last 3", "tokledger session --source codex --order desc",
                       "tokledger session --id SESSION_ID --breakdown")),
        Kind("project", "project", "Project", "cost",
             "Usage per project (the working directory the assistant ran in), costliest first.",
             none_label="(unknown)",
             examples=("tokledger project --since 2025-06-01", "tokledger project --project api --breakdown")),
        Kind("model", None, "Model", "cost", "Usage per model across all sources, costliest first.",
             examples=("tokledger model --year 2025", "tokledger model --source claude_code,codex --breakdown source",
                       "tokledger model --last 30 --no-cost")),
        Kind("branch", "branch", "Branch", "cost", "Usage per git branch (where the assistant records it), "
             "costliest first.", examples=("tokledger branch --project acme", "tokledger branch --last 14 -b")),
        Kind("team", "team", "User @ host", "cost", "Usage per user and host (a team ledger's people and "
             "machines): cost, tokens, sessions and top models, costliest first.",
             examples=("tokledger team --since 2026-11-01", "tokledger team --user ana --json")),
    )
}  # fmt: skip
