"""Alerts: once per level, period and limit — across processes too — and each channel's delivery."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.budgets.test_config import parse
from tests.conftest import ts
from tests.fakes import EventSums
from tokledger.alerts import Alert, AlertError, build_channels, raise_alerts, send_test
from tokledger.alerts.config import parse_alerts
from tokledger.alerts.desktop import DesktopChannel, notify_send_backend
from tokledger.alerts.store import SqliteClaimStore
from tokledger.budgets import evaluate
from tokledger.env import Env
from tokledger.errors import ConfigError

ROOT = Path(__file__).parent.parent.parent
NOW = ts("2025-06-04T10:00:00+02:00")


class Recorder:
    name = "recorder"

    def __init__(self, fail: bool = False):
        self.alerts: list[Alert] = []
        self.fail = fail

    def send(self, alert: Alert) -> None:
        if self.fail:
            raise AlertError("it is broken")
        self.alerts.append(alert)


def spend(usd: float, now=NOW, text="[budgets]\ndaily_usd = 10"):
    sums = EventSums()
    sums.add(now, usd=usd)
    return evaluate(parse(text), sums, now, ZoneInfo("Europe/Berlin"))


def test_each_level_alerts_once_per_period(tmp_path):
    store, channel, lines = SqliteClaimStore(tmp_path / "claims.db"), Recorder(), []
    assert raise_alerts(spend(5), store, [channel], stderr=lines.append) == []
    [warn] = raise_alerts(spend(8.5), store, [channel], stderr=lines.append)
    assert warn.level == "warn" and raise_alerts(spend(9), store, [channel]) == []
    [stop] = raise_alerts(spend(10), store, [channel], stderr=lines.append)
    assert stop.level == "stop" and raise_alerts(spend(12), store, [channel]) == []
    assert [a.level for a in channel.alerts] == ["warn", "stop"]
    assert lines == [
        "tokledger: budget warning: daily budget: $8.50 of $10.00 (85.0 %)",
        (
            "tokledger: budget reached: daily budget: $10.00 of $10.00 (100.0 %); new prompts are blocked"
            " until the period resets or the limit is raised"
        ),
    ]
    # the next day is a new period
    [again] = raise_alerts(spend(9, now=ts("2025-06-05T10:00:00+02:00")), store, [channel])
    assert again.level == "warn" and again.key != warn.key


def test_skipping_a_level_sends_the_higher_one_and_claims_both(tmp_path):
    store, channel = SqliteClaimStore(tmp_path / "c.db"), Recorder()
    [alert] = raise_alerts(spend(20), store, [channel])
    assert alert.level == "stop" and sorted(k.rsplit(":", 1)[1] for k in store.claimed()) == ["stop", "warn"]


def test_a_raised_limit_alerts_again(tmp_path):
    store = SqliteClaimStore(tmp_path / "c.db")
    assert raise_alerts(spend(9), store, [])
    assert raise_alerts(spend(9, text="[budgets]\ndaily_usd = 11"), store, [])  # 82 % of the new limit


def test_a_failing_channel_is_reported_and_the_others_still_get_it(tmp_path):
    good, lines = Recorder(), []
    raise_alerts(
        spend(9), SqliteClaimStore(tmp_path / "c.db"), [Recorder(fail=True), good], stderr=lines.append
    )
    assert len(good.alerts) == 1 and lines[1] == "tokledger: alert via recorder failed: it is broken"


@pytest.mark.slow
def test_two_processes_never_both_alert(tmp_path):
    db, out = tmp_path / "claims.db", tmp_path / "sent.txt"
    SqliteClaimStore(db).claimed()  # create the schema first, as the ledger's migrations would
    names = [f"p{i}" for i in range(6)]
    procs = [subprocess.Popen([sys.executable, "-m", "tests.budgets.alert_racer", str(db), str(out), str(tmp_path),
                               name, "10"], cwd=ROOT) for name in names]  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"{n}.ready").exists() for n in names) and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "go").touch()
        assert [p.wait(timeout=120) for p in procs] == [0] * len(names)
    finally:
        for p in procs:
            p.kill()
    sent = out.read_text().splitlines()
    assert len(sent) == 1 and sent[0].endswith(":stop")  # one winner among six, one alert
    assert len(SqliteClaimStore(db).claimed()) == 2


def test_send_test_reports_each_channel():
    assert send_test([Recorder(), Recorder(fail=True)]) == [("recorder", None), ("recorder", "it is broken")]


def test_desktop_channel_falls_back_through_its_backends():
    calls = []

    def broken(title, message, urgent):
        raise AlertError("no bus")

    def fake(title, message, urgent):
        calls.append((title, message, urgent))

    DesktopChannel([broken, fake]).send(Alert("k", "stop", "T", "M"))
    assert calls == [("T", "M", True)]
    with pytest.raises(AlertError, match="no bus; no bus"):
        DesktopChannel([broken, broken]).send(Alert("k", "warn", "T", "M"))


def test_notify_send_is_called_with_the_alert(tmp_path):
    bin_dir, log = tmp_path / "bin", tmp_path / "args.txt"
    bin_dir.mkdir()
    script = bin_dir / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\n')
    script.chmod(0o755)
    notify_send_backend(Env(home=tmp_path, environ={"PATH": str(bin_dir)}))("Title", "Message", False)
    assert log.read_text().splitlines() == [
        "--app-name",
        "tokledger",
        "--urgency",
        "normal",
        "Title",
        "Message",
    ]
    with pytest.raises(AlertError, match="notify-send is not installed"):
        notify_send_backend(Env(home=tmp_path, environ={"PATH": str(tmp_path / "none")}))("T", "M", True)


def test_alert_config(tmp_path):
    env = Env(home=tmp_path, environ={"HOOK": "https://hooks.slack.com/services/T/B/secret"})
    table = {"desktop": False, "webhooks": [{"url_env": "HOOK", "format": "slack", "levels": ["stop"]},
                                            {"url": "http://127.0.0.1:9/x", "retries": 0, "timeout": 1}]}  # fmt: skip
    config = parse_alerts(table, path=Path("/c.toml"), env=env)
    assert not config.desktop and config.stderr
    assert [(w.format, w.levels, w.retries) for w in config.webhooks] == [
        ("slack", ("stop",), 3),
        ("json", ("warn", "stop"), 0),
    ]
    assert [c.name for c in build_channels(config, env)] == [
        "webhook https://hooks.slack.com/***",
        "webhook http://127.0.0.1:9/***",
    ]


@pytest.mark.parametrize(
    "table, message",
    [
        ({"desktop": "yes"}, "alerts.desktop must be true or false"),
        ({"email": True}, "alerts.email is not a known key"),
        ({"webhooks": [{"url": "ftp://x/y"}]}, "alerts.webhooks[0] must be an http(s) URL, got ftp://x/***"),
        (
            {"webhooks": [{"url_env": "NOPE"}]},
            "alerts.webhooks[0].url_env names an environment variable that is not set",
        ),
        (
            {"webhooks": [{"url": "https://h/secret", "format": "teams"}]},
            "alerts.webhooks[0].format must be one of",
        ),
        ({"webhooks": [{}]}, "alerts.webhooks[0] needs exactly one of url and url_env"),
    ],
)
def test_alert_config_errors_never_show_the_url(tmp_path, table, message):
    with pytest.raises(ConfigError) as err:
        parse_alerts(table, path=Path("/c.toml"), env=Env(home=tmp_path))
    assert str(err.value).startswith("/c.toml: ") and message in str(err.value)
    assert "secret" not in str(err.value)
