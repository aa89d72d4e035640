"""Local-time periods: days, weeks and months in the user's IANA time zone, and date filters → UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tokledger.errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, or the system's own when ``name`` is None."""
    if name is None:
        return system_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name[:40]!r} (use an IANA name such as Europe/Berlin)"
        ) from None


def system_zone() -> ZoneInfo:
    local = datetime.now().astimezone().tzinfo
    key = getattr(local, "key", None)
    if key:
        return ZoneInfo(key)
    try:
        import os

        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return ZoneInfo(link.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return ZoneInfo("UTC")


def local_midnight_ms(day: date, tz: ZoneInfo) -> int:
    """The UTC instant (ms) at which ``day`` starts in ``tz``."""
    return int(datetime.combine(day, time(0), tz).astimezone(UTC).timestamp()) * 1000


def week_start(day: date, start_of_week: int) -> date:
    return day - timedelta(days=(day.weekday() - start_of_week) % 7)


def week_label(day: date, start_of_week: int) -> str:
    """ISO ``2025-W23`` for Monday weeks; the first day's date for weeks starting on another day."""
    first = week_start(day, start_of_week)
    if start_of_week == 0:
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    return first.isoformat()


def parse_day(value: str, option: str) -> date:
    text = value.strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {value[:40]!r}: expected a date as YYYY-MM-DD") from None


EPOCH_DAY = date(1970, 1, 1)


def day_from_number(n: int) -> date:
    return EPOCH_DAY + timedelta(days=n)


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days
