"""Period bounds: local midnights in the budget's zone, DST days, week starts, month ends."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ms
from tokledger.budgets.periods import period_bounds

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def bounds(period, now, tz, week_start=0):
    return period_bounds(period, datetime.fromisoformat(now).astimezone(UTC), tz, week_start)


def test_a_day_is_local_midnight_to_local_midnight():
    assert bounds("daily", "2025-06-02T00:30:00+02:00", BERLIN) == (
        ms("2025-06-01T22:00:00Z"),
        ms("2025-06-02T22:00:00Z"),
    )


def test_spring_forward_day_lasts_23_hours():
    start, end = bounds("daily", "2025-03-30T12:00:00+02:00", BERLIN)
    assert (start, end) == (ms("2025-03-29T23:00:00Z"), ms("2025-03-30T22:00:00Z"))
    assert end - start == 23 * 3_600_000


def test_fall_back_day_lasts_25_hours():
    start, end = bounds("daily", "2025-11-02T23:59:00-05:00", NEW_YORK)
    assert (start, end) == (ms("2025-11-02T04:00:00Z"), ms("2025-11-03T05:00:00Z"))
    # an instant in the repeated hour belongs to that day
    assert bounds("daily", "2025-11-02T01:30:00-05:00", NEW_YORK) == (start, end)
    assert bounds("daily", "2025-11-02T01:30:00-04:00", NEW_YORK) == (start, end)


def test_a_zone_that_skips_midnight_starts_the_day_at_its_first_instant():
    havana = ZoneInfo("America/Havana")  # 2025-03-09 00:00 -> 01:00
    start, _ = bounds("daily", "2025-03-09T12:00:00-04:00", havana)
    assert start == ms("2025-03-09T05:00:00Z")  # 01:00 CDT, the first local instant of that day


def test_monday_opens_a_new_week():
    # Monday 00:00 local: the week is that Monday, not the one before (agent-deck #932)
    assert bounds("weekly", "2025-06-02T00:00:00+02:00", BERLIN) == (
        ms("2025-06-01T22:00:00Z"), ms("2025-06-08T22:00:00Z"))  # fmt: skip
    # Sunday 23:59 still belongs to the week that began the Monday before
    assert bounds("weekly", "2025-06-01T23:59:59+02:00", BERLIN)[0] == ms("2025-05-25T22:00:00Z")


def test_sunday_week_start():
    sunday = 6
    assert bounds("weekly", "2025-06-01T08:00:00+02:00", BERLIN, sunday) == (
        ms("2025-05-31T22:00:00Z"), ms("2025-06-07T22:00:00Z"))  # fmt: skip
    assert bounds("weekly", "2025-06-07T23:00:00+02:00", BERLIN, sunday)[0] == ms("2025-05-31T22:00:00Z")


def test_a_week_across_dst_lasts_167_hours():
    start, end = bounds("weekly", "2025-03-27T12:00:00+01:00", BERLIN)
    assert end - start == 167 * 3_600_000


@pytest.mark.parametrize(
    "now, start, end",
    [
        ("2025-01-31T23:59:00+01:00", "2024-12-31T23:00:00Z", "2025-01-31T23:00:00Z"),
        ("2025-02-28T12:00:00+01:00", "2025-01-31T23:00:00Z", "2025-02-28T23:00:00Z"),
        ("2024-02-29T12:00:00+01:00", "2024-01-31T23:00:00Z", "2024-02-29T23:00:00Z"),
        ("2025-03-31T12:00:00+02:00", "2025-02-28T23:00:00Z", "2025-03-31T22:00:00Z"),
        ("2025-12-31T23:30:00+01:00", "2025-11-30T23:00:00Z", "2025-12-31T23:00:00Z"),
    ],
)
def test_month_ends(now, start, end):
    assert bounds("monthly", now, BERLIN) == (ms(start), ms(end))


def test_utc_instant_just_before_local_midnight():
    # 21:59Z on June 1st is still June 1st in Berlin; 22:00Z is June 2nd
    assert bounds("daily", "2025-06-01T21:59:59+00:00", BERLIN)[0] == ms("2025-05-31T22:00:00Z")
    assert bounds("daily", "2025-06-01T22:00:00+00:00", BERLIN)[0] == ms("2025-06-01T22:00:00Z")


def test_lifetime_is_unbounded():
    assert bounds("lifetime", "2025-06-01T00:00:00+00:00", BERLIN) == (None, None)


def test_bounds_fall_on_quarter_hours_in_odd_offset_zones():
    for name in ("Asia/Kathmandu", "Australia/Eucla", "Pacific/Chatham", "Asia/Kolkata"):
        for period in ("daily", "weekly", "monthly"):
            start, end = bounds(period, "2025-06-15T12:00:00+00:00", ZoneInfo(name))
            assert start % 900_000 == 0 and end % 900_000 == 0, (name, period)
