"""``query_from``: a :class:`~tokledger.reports.Query` from CLI options or web query parameters alike.

Both faces name the values the same way — ``since``, ``until``, ``year``, ``last`` (and ``last_unit``),
``source``, ``model``, ``project``, ``host``, ``user``, ``timezone``, ``mode``, ``start_of_week``, ``id`` — the CLI
with typed values, the web with strings; both
get the same validation and the same one-line errors (:class:`~tokledger.errors.ConfigError`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta

from tokledger.config import COST_MODES, Config
from tokledger.errors import ConfigError, OptionError
from tokledger.reports import Query
from tokledger.reports.periods import WEEKDAYS, parse_day, week_start, zone

YEARS = (1970, 9998)
"""The years a query may name: every day of them, and the day after the last, is a valid date."""


def split_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(v for item in value for v in split_list(item))
    return tuple(v.strip() for v in str(value).split(",") if v.strip())


def whole_number(value: object, name: str, low: int, high: int) -> int | None:
    """An integer option: None when absent; digits only (no signs, spaces inside, or other scripts' digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise OptionError(f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
            raise OptionError(
                f"{name}: expected a whole number from {low} to {high}, got {str(value)[:40]!r}"
            )
        number = int(text)
    if not low <= number <= high:
        raise OptionError(f"{name}: expected a whole number from {low} to {high}, got {number}")
    return number


def query_from(params: Mapping[str, object], config: Config, *, known_sources: Collection[str] | None = None,
               dated: bool = True, label: Callable[[str], str] = str) -> Query:  # fmt: skip
    """The query the parameters describe; ``dated=False`` ignores ``since``/``until``/``year``/``last``.

    ``last`` N: the N days (``last_unit`` ``week`` / ``month``: weeks, months) ending today, in the zone.
    Errors name a parameter as ``label`` spells it (the command line passes ``--since`` for ``since``)."""
    week = params.get("start_of_week") or "monday"
    if week not in WEEKDAYS:
        raise OptionError(f"{label('start_of_week')}: expected a weekday name, got {week!r}")
    timezone = params.get("timezone")
    if timezone is not None:
        if not str(timezone).strip():
            raise OptionError(f"{label('timezone')}: empty (give an IANA name such as Europe/Berlin)")
        try:
            tz = zone(str(timezone))
        except ConfigError as exc:
            raise OptionError(f"{label('timezone')}: {exc}") from None
    else:
        tz = config.zone()
    since = until = None
    if dated:
        since = _day(params.get("since"), label("since"))
        until = _day(params.get("until"), label("until"))
        year = whole_number(params.get("year"), label("year"), *YEARS)
        last = whole_number(params.get("last"), label("last"), 1, 99_999)
        if last is not None:
            given = [label(n) for n, v in (("since", since), ("until", until), ("year", year)) if v]
            if given:
                raise OptionError(f"{label('last')} cannot be combined with {' or '.join(given)}")
            since = last_start(datetime.now(tz).date(), last, str(params.get("last_unit") or "day"),
                               WEEKDAYS.index(week))  # fmt: skip
        if year is not None:
            first, last_day = date(year, 1, 1), date(year, 12, 31)
            if (since and since > last_day) or (until and until < first):
                given = " and ".join(f"{label(n)} {v}" for n, v in (("since", since), ("until", until)) if v)
                raise OptionError(f"{label('year')} {year} and {given} leave no day to report")
            since, until = max(since or first, first), min(until or last_day, last_day)
        if since and until and since > until:
            raise OptionError(f"{label('since')} {since} is after {label('until')} {until}")
    sources = split_list(params.get("source"))
    if known_sources is not None:
        for name in sources:
            if name not in known_sources:
                raise OptionError(
                    f"{label('source')}: unknown source {name!r} (known: {', '.join(known_sources)})"
                )
    mode = params.get("mode") or config.mode
    if mode not in COST_MODES:
        raise OptionError(f"{label('mode')}: expected one of {', '.join(COST_MODES)}, got {mode!r}")
    return Query(
        tz=tz, since=since, until=until, sources=sources,
        models=split_list(params.get("model")), projects=split_list(params.get("project")),
        sessions=split_list(params.get("id")), hosts=split_list(params.get("host")),
        users=split_list(params.get("user")), mode=mode, start_of_week=WEEKDAYS.index(week),
    )  # fmt: skip


def last_start(today: date, n: int, unit: str, start_of_week: int = 0) -> date:
    """The first day of the last ``n`` days, weeks or months up to ``today`` (never before 1970)."""
    if unit == "month":
        months = today.year * 12 + today.month - 1 - (n - 1)
        first = date(months // 12, months % 12 + 1, 1) if months // 12 >= YEARS[0] else None
    elif unit == "week":
        first = week_start(today, start_of_week) - timedelta(weeks=n - 1)
    else:
        first = today - timedelta(days=n - 1)
    floor = date(YEARS[0], 1, 1)
    return first if first is not None and first >= floor else floor


def _day(value: object, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        day = parse_day(str(value), name)
    except ConfigError as exc:
        raise OptionError(str(exc)) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise OptionError(f"{name} {str(value)[:40]!r}: expected a date from {YEARS[0]} to {YEARS[1]}")
    return day
