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

    @property
    def query_group(self) -> str | None:
        """The dimension the ledger groups by (weeks and months are made of local days)."""
        return "day" if self.group in ("day", "week", "month") else self.group


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("today", None, "Model", "cost", "Today's usage (local day) by model, with a row per source under each.",
             preset="today"),
        Kind("daily", "day", "Daily", "period",
             "Usage per local day (in --timezone, default the system zone), oldest first."),
        Kind("weekly", "week", "Weekly", "period", "Usage per week (ISO weeks such as 2025-W23 when weeks start on "
             "Monday, else the first day's date).", options=("start_of_week",)),
        Kind("monthly", "month", "Monthly", "period", "Usage per calendar month in local time, oldest first."),
        Kind("session", "session", "Session", "recent", "Usage per session, most recent last, with its project.",
             options=("id",)),
        Kind("project", "project", "Project", "cost",
             "Usage per project (the working directory the assistant ran in), costliest first.",
             none_label="(unknown)"),
        Kind("model", None, "Model", "cost", "Usage per model across all sources, costliest first."),
        Kind("branch", "branch", "Branch", "cost", "Usage per git branch (where the assistant records it), "
             "costliest first."),
        Kind("team", "team", "User @ host", "cost", "Usage per user and host (a team ledger's people and "
             "machines): cost, tokens, sessions and top models, costliest first."),
    )
}  # fmt: skip
