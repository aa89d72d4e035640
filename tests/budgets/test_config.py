"""The [budgets] table: limits, levels, projects, sources, sessions, and errors naming file and key."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tokledger.budgets import load_budgets, parse_budgets
from tokledger.env import Env
from tokledger.errors import ConfigError

EXAMPLE = """
timezone = "Europe/Berlin"
[budgets]
daily_usd = 10
weekly_usd = 50
monthly_usd = 200.5
warn_at = 0.8
[budgets.projects."~/work/client-a/*"]
monthly_usd = 100
[budgets.projects."/srv/app"]
daily_tokens = 1_000
warn_at = 0.5
[budgets.sources.codex]
daily_tokens = 5_000_000
[budgets.sessions]
lifetime_usd = 5
[budgets.sessions."abc-1"]
lifetime_tokens = 7
"""


def parse(text: str, home: Path = Path("/home/u"), **kw):
    return parse_budgets(tomllib.loads(text).get("budgets"), path=Path("/cfg.toml"), env=Env(home=home), **kw)


def test_the_documented_example(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE)
    config = load_budgets(path, Env(home=Path("/home/u")))
    assert config.timezone == "Europe/Berlin" and config.week_start == 0 and config.enforce
    got = [(lim.scope, lim.target, lim.name, lim.amount, lim.warn_at, lim.patterns) for lim in config.limits]
    assert got == [
        ("global", None, "daily_usd", 10 * 10**12, Decimal("0.8"), ()),
        ("global", None, "weekly_usd", 50 * 10**12, Decimal("0.8"), ()),
        ("global", None, "monthly_usd", 200_500_000_000_000, Decimal("0.8"), ()),
        (
            "project",
            "~/work/client-a/*",
            "monthly_usd",
            100 * 10**12,
            Decimal("0.8"),
            ("/home/u/work/client-a/*",),
        ),
        ("project", "/srv/app", "daily_tokens", 1000, Decimal("0.5"), ("/srv/app", "/srv/app/*")),
        ("source", "codex", "daily_tokens", 5_000_000, Decimal("0.8"), ()),
        ("session", None, "lifetime_usd", 5 * 10**12, Decimal("0.8"), ()),
        ("session", "abc-1", "lifetime_tokens", 7, Decimal("0.8"), ()),
    ]


def test_missing_file_and_missing_table_mean_no_budgets(tmp_path):
    assert load_budgets(tmp_path / "none.toml", Env(home=tmp_path)).limits == ()
    assert parse("x = 1").limits == ()


def test_week_start_and_enforce():
    config = parse('[budgets]\nweek_start = "Sunday"\nenforce = false\ndaily_usd = 1')
    assert config.week_start == 6 and not config.enforce


@pytest.mark.parametrize(
    "text, message",
    [
        ("[budgets]\ndaily_usd = -1", "budgets.daily_usd must be positive"),
        ("[budgets]\ndaily_usd = 'ten'", "budgets.daily_usd must be a number"),
        ("[budgets]\ndaily_eur = 1", "budgets.daily_eur is not a known key"),
        ("[budgets]\nlifetime_usd = 1", "budgets.lifetime_usd is not a known key"),
        ("[budgets]\ndaily_tokens = 1.5", "budgets.daily_tokens must be a whole number of tokens"),
        ("[budgets]\nwarn_at = 1.5", "budgets.warn_at must be above 0 and at most stop_at"),
        ("[budgets]\nweek_start = 'someday'", "budgets.week_start must be a day name"),
        ("[budgets]\nenforce = 'yes'", "budgets.enforce must be true or false"),
        ('[budgets.projects."~/a b"]\nmonthly = 1', 'budgets.projects."~/a b".monthly is not a known key'),
        ("[budgets.sources.Codex]\ndaily_usd = 1", "budgets.sources.Codex is not a known source"),
        ("[budgets.sessions.x]\ndaily_usd = true", "budgets.sessions.x.daily_usd must be a number"),
        ("[budgets]\nprojects = 3", "budgets.projects must be a table"),
    ],
)
def test_errors_name_the_file_and_the_dotted_key(text, message):
    with pytest.raises(ConfigError) as err:
        parse(text)
    assert str(err.value).startswith("/cfg.toml: ")
    assert message in str(err.value)


def test_known_sources_are_checked_when_given():
    with pytest.raises(
        ConfigError, match=r"budgets.sources.kodex is not a known source \(known: claude_code, codex\)"
    ):
        parse("[budgets.sources.kodex]\ndaily_usd = 1", known_sources=("codex", "claude_code"))


def test_a_bad_file_names_itself(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[budgets\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_budgets(path, Env(home=tmp_path))
