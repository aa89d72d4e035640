"""The exporters' totals (``Workspace.metric_totals`` / ``today_totals``, :mod:`tokledger.reports.totals`)
equal the reports over the same ledger, whichever rollup answers; labels come from the configuration."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import install_fixture
from tests.web.conftest import write_usage
from tokledger.config import load_config
from tokledger.env import Env
from tokledger.errors import ConfigError
from tokledger.reports import today, totals
from tokledger.workspace import Workspace

CASES = ("streaming_multiline.jsonl", "midnight_boundary.jsonl", "unknown_model.jsonl", "logged_cost.jsonl",
         "long_context.jsonl", "cache_1h.jsonl")  # fmt: skip


def open_workspace(home: Path, tmp_path: Path, text: str = "") -> Workspace:
    for case in CASES:
        install_fixture(home, "claude_code", case, f".claude/projects/-home-dev-acme-api/{case}")
    # a second project, /home/dev/app
    write_usage(home, {"2025-10-11": [("claude-sonnet-4-5-20250929", 10, 20, 30, 40)]})
    install_fixture(home, "codex", "model_switch.jsonl", ".codex/sessions/2025/10/02/rollout-1.jsonl")
    config = tmp_path / "config.toml"
    config.write_text(text)
    workspace = Workspace(
        Env(home=home, environ={"TZ": "UTC"}), db_path=tmp_path / "ledger.db", config_path=config
    )
    workspace.sync(jobs=1)
    return workspace


def by_pair(report) -> dict[tuple[str, str], tuple]:
    out: dict[tuple[str, str], list[int]] = {}
    for row in report.rows:
        for (source, model), t in row.models.items():
            sums = out.setdefault((source, model), [0] * 7)
            for i, value in enumerate((t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_read_tokens,
                                       t.reasoning_tokens, t.requests, t.priced_pusd)):  # fmt: skip
                sums[i] += value
    return {key: tuple(value) for key, value in out.items()}


def as_pairs(rows) -> dict[tuple[str, str], tuple]:
    out: dict[tuple[str, str], list[int]] = {}
    for t in rows:
        sums = out.setdefault((t.source, t.model), [0] * 7)
        for i, value in enumerate((t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_read_tokens,
                                   t.reasoning_tokens, t.requests, t.cost_pusd)):  # fmt: skip
            sums[i] += value
    return {key: tuple(value) for key, value in out.items()}


@pytest.mark.parametrize("mode", ["auto", "calculate", "logged"])
def test_lifetime_totals_equal_the_model_report(home, tmp_path, mode):
    with open_workspace(home, tmp_path, f'mode = "{mode}"\n') as workspace:
        got = workspace.metric_totals()
        report = workspace.report("model", workspace.query({}))
    assert as_pairs(got) == by_pair(report)
    assert {t.host for t in got} == {socket.gethostname()}
    assert all(t.project is None and t.user is None for t in got)
    unpriced = [t for t in got if t.model == "claude-imaginary-9"]
    assert unpriced and unpriced[0].requests and unpriced[0].cost_pusd == 0  # tokens counted, no made-up cost


def test_project_label_user_and_team_host(home, tmp_path):
    text = '[team]\nhost = "ci-runner-1"\n[exporters]\nproject_label = true\nuser = "bob"\n'
    with open_workspace(home, tmp_path, text) as workspace:
        got = workspace.metric_totals()
        report = workspace.report("model", workspace.query({}))
        per_project = workspace.report("project", workspace.query({}))
    assert (
        {t.project for t in got}
        == {r.period for r in per_project.rows}
        == {"/home/dev/acme-api", "/home/dev/app"}
    )
    assert {(t.host, t.user) for t in got} == {("ci-runner-1", "bob")}
    assert as_pairs(got) == by_pair(report)  # projects split the rows, never the sums


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Kathmandu"])
def test_a_days_totals_equal_the_daily_report(home, tmp_path, zone):
    tz = ZoneInfo(zone)
    with open_workspace(home, tmp_path, 'timezone = "UTC"\n') as workspace:
        workspace.keep_days(ZoneInfo("UTC"))  # UTC reads kept days; Berlin quarter-hours; Kathmandu events
        for day in (date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 12)):
            got = totals.day(workspace.ledger, tz, day, "auto", host="h")
            q = workspace.query({"since": day.isoformat(), "until": day.isoformat(), "timezone": zone})
            assert as_pairs(got) == by_pair(workspace.report("daily", q)), day


def test_today_totals_read_todays_local_day(home, tmp_path):
    zone = ZoneInfo("UTC")
    with open_workspace(home, tmp_path) as workspace:
        day = today(zone)
        got = workspace.today_totals(zone)
        if today(zone) != day:
            pytest.skip("midnight passed while the test ran")
        assert got == totals.day(workspace.ledger, zone, day, "auto", host=workspace.host)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("team = 3\n", "team must be a table ([team])"),
        ("[team]\nhost = 3\n", "team.host must be a non-empty name of printable characters"),
        ('[team]\nhost = " "\n', "team.host must be a non-empty name of printable characters"),
        ('[team]\nname = "a"\n', "team: unknown key 'name' (known: host, user, ledger, push, password_file)"),
    ],
)
def test_a_bad_team_table_names_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    workspace = Workspace(Env(home=tmp_path, environ={}), db_path=tmp_path / "l.db", config=load_config(path))
    with pytest.raises(ConfigError, match="team") as caught:
        _ = workspace.host
    assert str(caught.value) == f"{path}: {message}"


def test_reload_config_keeps_the_old_configuration_when_the_new_one_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Asia/Tokyo"\n')
    workspace = Workspace(Env(home=tmp_path, environ={}), db_path=tmp_path / "l.db", config_path=path)
    assert workspace.config.timezone == "Asia/Tokyo"
    path.write_text('timezone = "Europe/Berlin"\n[exporters]\nuser = "carol"\n')
    workspace.reload_config()
    assert workspace.config.timezone == "Europe/Berlin"
    assert workspace.export_config().user == "carol"
    path.write_text("timezone = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        workspace.reload_config()
    assert workspace.config.timezone == "Europe/Berlin"
