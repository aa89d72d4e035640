"""Totals → samples: names, labels, disjoint token types, summing, tosage's series."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tokledger.exporters import MetricTotal, tosage
from tokledger.exporters.series import COST, REASONING, REQUESTS, TOKENS, samples, total_tokens


def total(source="claude_code", model="claude-sonnet-4-5", host="dev1", project=None, user=None, **kw):
    values = {
        "input_tokens": 10,
        "output_tokens": 20,
        "cache_write_tokens": 30,
        "cache_read_tokens": 40,
        "reasoning_tokens": 5,
        "requests": 2,
        "cost_pusd": 1_500_000_000_000,
    } | kw
    return MetricTotal(source, model, host, project, user=user, **values)


def by_key(out):
    return {(s.name, s.labels): s.value for s in out}


def test_series_names_labels_and_values():
    got = by_key(samples([total()]))
    base = (("host", "dev1"), ("model", "claude-sonnet-4-5"), ("source", "claude_code"))
    assert got == {
        (COST, base): 1.5,
        (REASONING, base): 5.0,
        (REQUESTS, base): 2.0,
        (TOKENS, (*base, ("type", "cache_read"))): 40.0,
        (TOKENS, (*base, ("type", "cache_write"))): 30.0,
        (TOKENS, (*base, ("type", "input"))): 10.0,
        (TOKENS, (*base, ("type", "output"))): 20.0,
    }


def test_token_series_add_up_to_the_ledger_total_and_reasoning_is_not_a_type():
    totals = [total(), total(source="codex", model="gpt-5", input_tokens=7, reasoning_tokens=9)]
    out = samples(totals)
    assert sum(s.value for s in out if s.name == TOKENS) == total_tokens(totals) == 100 + 97
    assert {dict(s.labels)["type"] for s in out if s.name == TOKENS} == {
        "input",
        "output",
        "cache_write",
        "cache_read",
    }


def test_labels_sorted_with_name_first_and_optional_labels():
    out = samples([total(project="/home/dev/app", user="alice")])
    for s in out:
        pairs = s.label_pairs()
        assert pairs[0] == ("__name__", s.name)
        assert list(pairs) == sorted(pairs)
        assert ("project", "/home/dev/app") in pairs and ("user", "alice") in pairs
        assert "session" not in dict(pairs)


def test_same_label_set_is_summed_and_empty_values_are_dropped():
    out = by_key(samples([total(requests=1), total(requests=4), total(model="", requests=3)]))
    assert (
        out[(REQUESTS, (("host", "dev1"), ("model", "claude-sonnet-4-5"), ("source", "claude_code")))] == 5.0
    )
    assert out[(REQUESTS, (("host", "dev1"), ("source", "claude_code")))] == 3.0


def test_cost_is_summed_exactly_in_picodollars():
    out = by_key(samples([total(cost_pusd=1), total(cost_pusd=10**12 - 1)]))
    assert [v for (name, _), v in out.items() if name == COST] == [1.0]


def test_tosage_series_from_todays_totals():
    zone = ZoneInfo("Asia/Tokyo")
    day = tosage.TosageDay.at(datetime(2025, 6, 1, 12, tzinfo=zone), "Asia/Tokyo", configured=True)
    today = [total(), total(host="dev2"), total(source="bedrock", host="x"), total(source="codex")]
    got = by_key(tosage.samples(today, day))
    tz = (("detection_method", "config"), ("timezone", "Asia/Tokyo"), ("timezone_offset", "+09:00"))
    assert got == {
        ("tosage_cc_token", (tz[0], ("host", "dev1"), *tz[1:])): 100.0,
        ("tosage_cc_token", (tz[0], ("host", "dev2"), *tz[1:])): 100.0,
        ("tosage_bedrock_input_token", tz): 80.0,
        ("tosage_bedrock_output_token", tz): 20.0,
        ("tosage_bedrock_total_token", tz): 100.0,
    }
    assert not any(name == "tosage_cursor_token" for name, _ in got)  # no usage: no series, never a made-up 0


def test_tosage_offset_west_of_utc_and_system_detection():
    day = tosage.TosageDay.at(
        datetime(2025, 1, 1, tzinfo=ZoneInfo("America/St_Johns")), "America/St_Johns", configured=False
    )
    assert (day.timezone_offset, day.detection_method) == ("-03:30", "system")
