"""Report tables at 80 and 120 columns on a realistic mixed history: every row on one line, within the width;
the compact view, the options ccusage users reach for, and CSV carrying every JSON key."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokledger.cli import cli
from tokledger.reports.render import EXTRA_KEYS, ROW_KEYS, flat

BENCH = Path(__file__).parents[2] / "bench"
REPORTS = ["today", "daily", "weekly", "monthly", "session", "project", "model", "branch", "blocks"]


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Claude Code, Codex, Gemini and OpenCode over 90 days up to now (so today and a block are active)."""
    root = tmp_path_factory.mktemp("tables")
    sys.path.insert(0, str(BENCH))
    try:
        import gen_corpus

        gen_corpus.main(
            ["--out", str(root / "corpus"), "--size-mb", "3", "--files", "80", "--mixed", "--seed", "3"]
        )
    finally:
        sys.path.pop(0)
    now = datetime.now(UTC)
    live = root / "corpus" / "projects" / "-home-dev-live" / "live.jsonl"
    live.parent.mkdir(parents=True)
    live.write_text("".join(json.dumps({
        "type": "assistant", "timestamp": (now - timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "sessionId": "live", "requestId": f"req_live_{m}", "cwd": "/home/dev/live",
        "message": {"id": f"msg_live_{m}", "model": model, "usage": {"input_tokens": 400, "output_tokens": 3000,
                    "cache_creation_input_tokens": 15_000, "cache_read_input_tokens": 120_000}},
    }) + "\n" for m, model in ((40, "claude-opus-4-1-20250805"), (25, "claude-sonnet-4-5-20250929"),
                                (5, "acme-coder-1"))))  # fmt: skip
    # A zone where it is about noon now, so that the requests of the last minutes are today's whatever the hour.
    offset = 12 - now.hour
    zone = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    (root / "config.toml").write_text(f'timezone = "{zone}"\n')
    run = Runner(root)
    run("sync", "--jobs", "1")
    return run


class Runner:
    def __init__(self, root: Path):
        corpus = root / "corpus"
        self.config = root / "config.toml"
        self.env = {"HOME": str(corpus / "home"), "CLAUDE_CONFIG_DIR": str(corpus), "CODEX_HOME": str(corpus / "codex"),
                    "TZ": "UTC", "NO_COLOR": "1", "TOKLEDGER_DB": str(root / "ledger.db"),
                    "TOKLEDGER_CONFIG": str(self.config), "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "COLUMNS": ""}  # fmt: skip

    def __call__(
        self, *args: str, columns: int | None = None, expect: int = 0, env: dict | None = None
    ) -> str:
        environ = {**self.env, "COLUMNS": str(columns or ""), **(env or {})}
        result = CliRunner().invoke(cli, list(args), env=environ, catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result.output


def table_lines(out: str) -> list[str]:
    """The body lines of a table: between the header rule and the footer rule."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    end = next(i for i, line in enumerate(lines) if line.startswith("├"))
    return lines[start + 1 : end]


def body_count(doc: dict, breakdown: bool) -> int:
    rows = [r for r in doc["rows"] if not r.get("is_gap")]
    return len(rows) + (sum(len(r.get("models", [])) for r in rows) if breakdown else 0)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("report", REPORTS)
def test_every_row_on_one_line_within_the_width(history, report, columns):
    for extra in ([], ["--breakdown"]):
        out = history(report, "--no-sync", *extra, columns=columns)
        assert all(len(line) <= columns for line in out.splitlines()), out
        doc = json.loads(history(report, "--no-sync", "--json", *extra))
        breakdown = bool(extra) or report == "today"
        assert len(table_lines(out)) == body_count(doc, breakdown), out
        assert doc["rows"] and doc["rows"][-1]["period"].split("T")[0][:7] in out or report != "daily"


def test_events_fit_too(history):
    for columns in (80, 120):
        out = history("events", "--no-sync", "--limit", "30", columns=columns)
        assert all(len(line) <= columns for line in out.splitlines())
        assert len([ln for ln in out.splitlines() if ln.startswith("│")]) == 30


def test_sources_fit_with_a_line_per_path(history):
    doc = json.loads(history("sources", "--no-sync", "--json"))
    for columns in (80, 120):
        out = history("sources", "--no-sync", columns=columns)
        lines = out.splitlines()
        assert all(len(line) <= columns for line in lines), out
        body = lines[lines.index(next(line for line in lines if line.startswith("┡"))) + 1 :]
        body = body[: next(i for i, line in enumerate(body) if line.startswith("└"))]
        assert len(body) == sum(max(1, len(s["paths"])) for s in doc)  # a path per line, nothing wrapped
        used = next(s for s in doc if s["events"])
        row = next(line for line in body if line.startswith(f"│ {used['source']} "))
        assert used["last_event"][5:16].replace("T", " ") in row and f"{used['events']:,}" in row


def test_wide_terminal_full_table_narrow_one_compact(history):
    wide = history("daily", "--no-sync", columns=200)
    assert "Cache write" in wide and "Requests" in wide and "Models" in wide and "compact view" not in wide
    narrow = history("daily", "--no-sync", columns=80)
    assert "Cache write" not in narrow and "compact view for 80 columns" in narrow
    forced = history("daily", "--no-sync", "--compact", columns=200)
    assert "Cache write" not in forced and "Total" in forced and "compact view" not in forced


def test_session_shows_source_project_and_times_on_the_row(history):
    doc = json.loads(history("session", "--no-sync", "--json", "-z", "UTC"))
    row = doc["rows"][-1]
    out = history("session", "--no-sync", "-z", "UTC", columns=220)
    line = next(line for line in table_lines(out) if row["period"][:8] in line)
    assert row["source"] in line and row["project"].rsplit("/", 1)[-1] in line
    assert row["last_timestamp"][:16].replace("T", " ") in line and "First" in out and "Last" in out
    narrow = table_lines(history("session", "--no-sync", columns=80))
    assert any("…" in line for line in narrow)  # ids and paths cut, not wrapped


def test_order_last_and_dates(history):
    daily = json.loads(history("daily", "--no-sync", "-j"))["rows"]
    desc = json.loads(history("daily", "--no-sync", "--json", "--order", "desc"))["rows"]
    assert [r["period"] for r in desc] == [r["period"] for r in reversed(daily)]
    project = json.loads(history("project", "--no-sync", "-j", "-o", "asc"))["rows"]
    assert project[0]["cost_usd_priced"] <= project[-1]["cost_usd_priced"]
    last = json.loads(history("daily", "--no-sync", "-j", "--last", "7"))["rows"]
    assert 0 < len(last) <= 7 and last[-1]["period"] == daily[-1]["period"]
    months = json.loads(history("monthly", "--no-sync", "-j", "--last", "2"))["rows"]
    assert len(months) <= 2 and months[-1]["period"] == daily[-1]["period"][:7]
    first, until = daily[0]["period"], daily[2]["period"]
    ranged = json.loads(history("daily", "--no-sync", "-j", "-s", first.replace("-", ""), "-u", until))[
        "rows"
    ]
    assert ranged[0]["period"] == first and ranged[-1]["period"] <= until
    err = history("daily", "--no-sync", "--last", "3", "--since", first, expect=2)
    assert "--last cannot be combined with --since" in err


def test_no_cost_and_colour(history):
    out = history("model", "--no-sync", "--no-cost", columns=120)
    assert "Cost" not in out and "$" not in out
    coloured = history("model", "--no-sync", "--color", columns=120, env={"NO_COLOR": ""})
    assert "\x1b[" in coloured
    plain = history("model", "--no-sync", "--no-color", columns=120, env={"NO_COLOR": ""})
    assert "\x1b[" not in plain


def test_every_command_has_examples(history):
    for name in cli.commands:
        out = history(name, "--help")
        assert "Examples:" in out and f"tokledger {name}" in out or name == "today", name


def test_csv_carries_every_json_key(history):
    for report in REPORTS:
        for extra in ([], ["--breakdown"]):
            doc = json.loads(history(report, "--no-sync", "--json", *extra, "--token-limit", "max")
                             if report == "blocks" else history(report, "--no-sync", "--json", *extra))  # fmt: skip
            args = [*extra, "--token-limit", "max"] if report == "blocks" else extra
            lines = list(csv.DictReader(io.StringIO(history(report, "--no-sync", "--csv", *args))))
            keys = set()
            for row in doc["rows"]:
                keys |= set(flat(row))
            assert keys <= set(lines[0]), (report, keys - set(lines[0]))
            assert set(lines[0]) == {"period", "source", "model", *ROW_KEYS, *EXTRA_KEYS.get(report, ())}
            assert len(lines) == (sum(len(r["models"]) for r in doc["rows"]) if extra else len(doc["rows"]))


def test_blocks_limit_gaps_and_no_active_block(history):
    doc = json.loads(history("blocks", "--no-sync", "--json", "--token-limit", "max"))
    over = [r for r in doc["rows"] if r.get("token_limit", {}).get("status") == "exceeds"]
    out = history("blocks", "--no-sync", "--token-limit", "100000", columns=120)
    assert re.search(r"% (of limit|lim)", out) and re.search(r"\d+%!", out) and "token limit 100,000:" in out
    assert not over  # "max" is the largest block itself
    assert "idle" not in out
    gaps = history("blocks", "--no-sync", "--gaps", columns=120)
    assert len(table_lines(gaps)) == len(doc["rows"]) and "idle" in gaps
    old = history("blocks", "--no-sync", "--active", "--until", doc["rows"][0]["start"][:10])
    assert old.startswith("no active block. The last one ran ") and "ended" in old and "ago" in old


def test_unpriced_footer_names_the_config_table_and_the_logged_mode(history, tmp_path):
    out = history("daily", "--no-sync", "--mode", "logged", columns=200)
    assert "--mode logged" in out and "--mode auto prices them" in out
    doc = json.loads(history("model", "--no-sync", "--json", "--mode", "logged"))
    assert doc["unpriced"]["requests"]
