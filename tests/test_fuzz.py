"""Hostile input: nothing a log holds can stop a sync, poison the ledger, or fail a report afterwards.

Each case is a small fixture built here: the good records of a file (or database) with one hostile record
among them. For every case the sync finishes (under a timeout: a hang fails), exits 0, records exactly the
good records' totals, counts the bad one under its reason, and every report still answers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokledger.cli import cli
from tokledger.config import Config
from tokledger.env import Env
from tokledger.workspace import Workspace

SONNET = "claude-sonnet-4-5-20250929"
PROJECT = ".claude/projects/-home-dev-app"
GOOD_TOKENS = (30, 300)  # input, output of the two good Claude Code records together


def claude(msg: str, when: str = "2025-10-01T10:00:00.000Z", *, inp=10, out=100, model=SONNET, cost=None,
           extra: dict | None = None) -> str:  # fmt: skip
    line = {"type": "assistant", "sessionId": "s1", "cwd": "/home/dev/app", "timestamp": when, "requestId": f"r-{msg}",
            "message": {"id": msg, "model": model, "usage": {"input_tokens": inp, "output_tokens": out}}}  # fmt: skip
    if cost is not None:
        line["costUSD"] = cost
    return json.dumps({**line, **(extra or {})})


GOOD = [claude("msg_good_1"), claude("msg_good_2", "2025-10-01T11:00:00.000Z", inp=20, out=200)]


def sync_within(workspace: Workspace, seconds: float = 120):
    """The workspace's sync, run so that a hang fails the test instead of stopping the suite."""
    out: dict = {}

    def run() -> None:
        try:
            out["report"] = workspace.reader().sync(jobs=1)
        except BaseException as exc:  # noqa: BLE001 -- handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the sync hung"
    if "error" in out:
        raise out["error"]
    return out["report"]


@pytest.fixture
def ws(home: Path, tmp_path: Path):
    workspace = Workspace(
        Env(home=home, environ={"TZ": "UTC"}), db_path=tmp_path / "fuzz.db", config=Config()
    )
    yield workspace
    workspace.close()


def totals(workspace: Workspace) -> tuple:
    return workspace.ledger.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0) FROM events"
    ).fetchone()


REPORTS = [
    ["daily"], ["daily", "-z", "Asia/Tokyo"], ["daily", "-z", "America/New_York"], ["weekly"], ["monthly"],
    ["session"], ["project"], ["model"], ["blocks"], ["events"], ["today"],
]  # fmt: skip


def reports_answer(home: Path, db: Path) -> None:
    """Every report, as JSON and as a table, and the graph, exit 0 on the ledger as it is."""
    env = {"HOME": str(home), "TZ": "UTC", "NO_COLOR": "1", "TOKLEDGER_DB": str(db),
           "TOKLEDGER_CONFIG": str(db.with_suffix(".toml")), "CLAUDE_CONFIG_DIR": "", "XDG_DATA_HOME": ""}  # fmt: skip
    runner = CliRunner()
    for args in [*REPORTS, *([*r, "--json"] for r in REPORTS), ["graph"], ["graph", "--json"], ["sources"]]:
        result = runner.invoke(cli, [*args, "--no-sync"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)


def write(home: Path, rel: str, lines: list[str], *, end: str = "\n", prefix: bytes = b"") -> Path:
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(prefix + "".join(line + end for line in lines).encode())
    return path


# -- 1, 2, 5: numbers ---------------------------------------------------------------------------------

HOSTILE_CLAUDE = {
    "unsigned -1": (claude("msg_bad", inp=18446744073709551615), "token count out of range"),
    "2**63": (claude("msg_bad", out=2**63), "token count out of range"),
    "past 64 bits": (claude("msg_bad", out=10**40), "token count out of range"),
    "past the bound": (claude("msg_bad", out=10**11), "token count out of range"),
    "cost overflows 64 bits": (
        claude("msg_bad", out=9 * 10**9, model="claude-opus-4-1-20250805"),
        "cost out of range",
    ),
    "costUSD NaN": (claude("msg_bad", cost="NaN"), "cost not a number"),
    "costUSD Infinity": (claude("msg_bad", cost="Infinity"), "cost not a number"),
    "costUSD 1e300": (claude("msg_bad", cost=1e300), "cost out of range"),
    "costUSD 6000000": (claude("msg_bad", cost=6000000), "cost out of range"),
    "negative costUSD": (claude("msg_bad", cost=-4.99), "negative cost"),
    "negative count": (claude("msg_bad", inp=-5), "negative token count"),
    "year 9999": (claude("msg_bad", "9999-12-31T23:59:59Z"), "timestamp out of range"),
    "year 0001": (claude("msg_bad", "0001-01-01T00:00:00Z"), "timestamp out of range"),
    "a day ahead and more": (claude("msg_bad", "2099-01-01T00:00:00Z"), "timestamp out of range"),
    "1999": (claude("msg_bad", "1999-12-31T23:59:59Z"), "timestamp out of range"),
    "nested 1000 deep": (
        claude("msg_bad", extra={"toolUseResult": "X"}).replace('"X"', "[" * 1000 + "]" * 1000),
        "nested too deeply",
    ),
    "lone surrogate": (claude("msg_bad").replace(SONNET, "claude\\ud800"), "not JSON"),
    "model name of 1 MB": (claude("msg_bad", model="m" * (1 << 20)), "name not valid text"),
    "wrong type": (
        claude("msg_bad").replace('"input_tokens": 10', '"input_tokens": "ten"'),
        "wrong field type",
    ),
    "not JSON": ('{"type": "assistant", "message": {"usage": {', "truncated JSON"),
    "invalid UTF-8": (claude("msg_bad").replace("s1", "\udcff"), "invalid UTF-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_CLAUDE))
def test_one_hostile_record_is_skipped_with_its_reason_and_the_rest_kept(case, ws, home, tmp_path):
    bad, why = HOSTILE_CLAUDE[case]
    path = home / PROJECT / "s1.jsonl"
    path.parent.mkdir(parents=True)
    data = (
        (GOOD[0] + "\n").encode() + bad.encode("utf-8", "surrogateescape") + b"\n" + (GOOD[1] + "\n").encode()
    )
    path.write_bytes(data)
    report = sync_within(ws)
    assert totals(ws) == (2, *GOOD_TOKENS)
    assert report.reasons == {why: 1}, report.reasons
    assert ws.sources()[0]["skipped_reasons"] == {why: 1}
    assert ws.ledger.rollup_differences() == []
    reports_answer(home, tmp_path / "fuzz.db")


def test_two_huge_logged_costs_do_not_overflow_any_sum(ws, home, tmp_path):
    """Two lines with the largest cost a record may log: every sum stays inside 64 bits."""
    write(home, f"{PROJECT}/s1.jsonl", [claude(f"msg_{i}", cost=100_000) for i in range(2)] + GOOD)
    sync_within(ws)
    assert totals(ws) == (4, 30 + 20, 300 + 200)
    reports_answer(home, tmp_path / "fuzz.db")


def test_sync_json_and_sources_json_carry_the_reasons(run_cli, home):
    write(
        home,
        f"{PROJECT}/s1.jsonl",
        [GOOD[0], claude("a", cost="NaN"), claude("b", "9999-12-31T00:00:00Z"), GOOD[1]],
    )
    doc = json.loads(run_cli("sync", "--json").stdout)
    reasons = {"cost not a number": 1, "timestamp out of range": 1}
    assert doc["sources"]["claude_code"]["reasons"] == reasons
    assert [f["reasons"] for f in doc["files"]] == [reasons]
    sources = {s["source"]: s for s in json.loads(run_cli("sources", "--json", "--no-sync").stdout)}
    assert sources["claude_code"]["skipped_reasons"] == reasons
    with (home / PROJECT / "s1.jsonl").open("a") as f:
        f.write(claude("c", inp=-1) + "\n")
    verbose = run_cli("sync", "-v").stdout
    assert (
        "claude_code: 1 files, 1 read, 0 events recorded, 1 lines skipped (1 negative token count)" in verbose
    )
    assert "1 skipped (1 negative token count)" in verbose


# -- 3: FIFOs and other non-regular files -----------------------------------------------------------------


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


FIFOS = {
    "opencode.db": ".local/share/opencode/opencode.db",
    "gemini projects.json": ".gemini/projects.json",
    "gemini .project_root": ".gemini/tmp/acme/.project_root",
    "a transcript": f"{PROJECT}/fifo.jsonl",
    "kimi config.toml": ".kimi/config.toml",
    "crush projects.json": ".local/share/crush/projects.json",
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("case", sorted(FIFOS))
def test_a_fifo_where_a_file_is_expected_never_hangs(case, ws, home, tmp_path):
    write(home, f"{PROJECT}/s1.jsonl", GOOD)
    gemini_chat = {"sessionId": "g1", "messages": [{"id": "m1", "type": "gemini", "timestamp": "2025-10-01T10:00:00Z",
                   "model": "gemini-2.5-pro", "tokens": {"input": 5, "output": 7, "total": 12}}]}  # fmt: skip
    write(home, ".gemini/tmp/acme/chats/session-2025-10-01T10-00-g1.json", [json.dumps(gemini_chat)])
    kimi = {"timestamp": 1759312800.0, "message": {"type": "StatusUpdate", "payload": {"message_id": "k1",
            "token_usage": {"input_other": 1, "output": 2}}}}  # fmt: skip
    write(home, ".kimi/sessions/g/s/wire.jsonl", [json.dumps(kimi)])
    _fifo(home / FIFOS[case])
    report = sync_within(ws)
    count, inp, out = totals(ws)
    assert (count, inp, out) == (4, 30 + 5 + 1, 300 + 7 + 2)
    if case == "opencode.db":  # listed by name; the walk of a directory lists regular files only
        assert any("not a regular file" in n for n in report.notices), report.notices
    reports_answer(home, tmp_path / "fuzz.db")


# -- 4: one bad record must not drop its file or database ------------------------------------------------


def _opencode_db(path: Path, rows: list[tuple[str, object, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, data TEXT)"
    )
    conn.executemany("INSERT INTO message VALUES (?, 'ses_1', ?, ?)", rows)
    conn.commit()
    conn.close()


def _opencode_message(n: int, **over) -> str:
    return json.dumps({"role": "assistant", "modelID": "claude-sonnet-4-5", "providerID": "anthropic",
                       "time": {"created": 1759312800000 + n}, "tokens": {"input": 1, "output": 10, "reasoning": 0,
                       "cache": {"read": 0, "write": 0}}, **over})  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (("msg_bad", 1e30, _opencode_message(99, time={})), "timestamp out of range"),
        (("msg_bad", 1, _opencode_message(99, time={"created": 253402300800000})), "timestamp out of range"),
        (("msg_bad", 1, _opencode_message(99, cost="NaN")), "cost not a number"),
        (("msg_bad", 1, _opencode_message(99, cost=-1)), "negative cost"),
        (("msg_bad", 1, _opencode_message(99, tokens={"total": 500})), "only a total"),
        (
            ("msg_bad", 1, _opencode_message(99, summary="X").replace('"X"', "[" * 1000 + "]" * 1000)),
            "nested too deeply",
        ),
    ],
)
def test_one_bad_opencode_row_keeps_the_ten_good_ones(bad, why, ws, home, tmp_path):
    rows = [(f"msg_{n:02d}", 1759312800000 + n, _opencode_message(n)) for n in range(10)]
    _opencode_db(home / ".local/share/opencode/opencode.db", [*rows[:5], bad, *rows[5:]])
    report = sync_within(ws)
    assert totals(ws) == (10, 10, 100)
    assert report.reasons == {why: 1}
    reports_answer(home, tmp_path / "fuzz.db")


def test_a_nan_cost_in_one_message_file_is_counted_and_later_files_read(ws, home, tmp_path):
    base = home / ".local/share/opencode/storage/message/ses_1"
    base.mkdir(parents=True)
    (base / "msg_01.json").write_text(_opencode_message(1, id="msg_01", sessionID="ses_1"))
    (base / "msg_02.json").write_text(_opencode_message(2, id="msg_02", sessionID="ses_1").replace(
        '"role"', '"cost": NaN, "role"'))  # fmt: skip
    report = sync_within(ws)
    assert totals(ws) == (1, 1, 10)
    assert sum(report.reasons.values()) == 1
    (base / "msg_03.json").write_text(_opencode_message(3, id="msg_03", sessionID="ses_1"))
    sync_within(ws)
    assert totals(ws) == (2, 2, 20)
    reports_answer(home, tmp_path / "fuzz.db")


def test_a_deep_line_among_goose_sessions_and_pi_lines(ws, home, tmp_path):
    write(home, ".pi/agent/sessions/--p--/2025-10-01T10-00-00-000Z_abc.jsonl", [
        '{"type": "session", "id": "p1", "cwd": "/p", "timestamp": "2025-10-01T10:00:00Z"}',
        '{"type": "message", "id": "x", "details": ' + "[" * 1000 + "]" * 1000 + "}",
        json.dumps({"type": "message", "id": "m1", "timestamp": "2025-10-01T10:00:01Z", "message": {
            "role": "assistant", "model": "claude-sonnet-4-5", "provider": "anthropic", "timestamp": 1759312801000,
            "usage": {"input": 3, "output": 4, "cacheRead": 0, "cacheWrite": 0}}}),
    ])  # fmt: skip
    report = sync_within(ws)
    assert totals(ws) == (1, 3, 4)
    assert report.reasons == {"nested too deeply": 1}
    reports_answer(home, tmp_path / "fuzz.db")


def test_goose_counts_past_64_bits_skip_that_session_only(ws, home, tmp_path):
    db = home / ".local/share/goose/sessions/sessions.db"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE sessions (id TEXT, created_at TEXT, accumulated_input_tokens, accumulated_output_tokens)"
    )
    conn.executemany("INSERT INTO sessions VALUES (?, '2025-10-01 10:00:00', ?, ?)",
                     [("20251001_1", 100, 10), ("20251001_2", 2.0**64, 1), ("20251001_3", 200, 20)])  # fmt: skip
    conn.commit()
    conn.close()
    report = sync_within(ws)
    assert totals(ws) == (2, 300, 30)
    assert report.reasons == {"wrong field type": 1}
    reports_answer(home, tmp_path / "fuzz.db")


# -- 5: encodings and line ends -------------------------------------------------------------------------


def test_a_byte_order_mark_keeps_the_first_record(ws, home):
    write(home, f"{PROJECT}/s1.jsonl", GOOD, prefix=b"\xef\xbb\xbf")
    report = sync_within(ws)
    assert totals(ws) == (2, *GOOD_TOKENS) and report.reasons == {}


def test_a_byte_order_mark_keeps_a_gemini_chat_and_a_codex_header(ws, home):
    chat = {"sessionId": "g1", "messages": [{"id": "m1", "type": "gemini", "timestamp": "2025-10-01T10:00:00Z",
            "model": "gemini-2.5-pro", "tokens": {"input": 5, "output": 7, "total": 12}}]}  # fmt: skip
    write(
        home,
        ".gemini/tmp/acme/chats/session-2025-10-01T10-00-g1.json",
        [json.dumps(chat)],
        prefix=b"\xef\xbb\xbf",
    )
    rollout = [
        '{"timestamp":"2025-10-01T10:00:00Z","type":"session_meta","payload":{"id":"sess-bom","cwd":"/w"}}',
        '{"timestamp":"2025-10-01T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5"}}',
        json.dumps({"timestamp": "2025-10-01T10:00:02Z", "type": "event_msg", "payload": {"type": "token_count",
                    "info": {"total_token_usage": {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110}}}}),
    ]  # fmt: skip
    write(
        home,
        ".codex/sessions/2025/10/01/rollout-2025-10-01T10-00-00-x.jsonl",
        rollout,
        prefix=b"\xef\xbb\xbf",
    )
    report = sync_within(ws)
    assert report.reasons == {}
    rows = ws.ledger.conn.execute("SELECT source, session_id, project FROM events ORDER BY source").fetchall()
    assert rows == [("codex", "sess-bom", "/w"), ("gemini", "g1", "acme")]


def test_carriage_returns_alone_end_lines(ws, home):
    write(home, f"{PROJECT}/s1.jsonl", GOOD, end="\r")
    report = sync_within(ws)
    assert totals(ws) == (2, *GOOD_TOKENS) and report.reasons == {}
    write(home, f"{PROJECT}/s2.jsonl", [claude("msg_crlf", inp=1, out=1)], end="\r\n")
    sync_within(ws)
    assert totals(ws) == (3, 31, 301)


def test_a_file_name_that_is_not_utf8_is_a_notice(ws, home):
    write(home, f"{PROJECT}/s1.jsonl", GOOD)
    name = os.fsencode(home / PROJECT) + b"/bad-\xff.jsonl"
    with open(name, "wb") as f:
        f.write((claude("msg_other") + "\n").encode())
    report = sync_within(ws)
    assert totals(ws) == (2, *GOOD_TOKENS)
    assert any("not valid UTF-8" in n for n in report.notices)


# -- 6: an edit in place -------------------------------------------------------------------------------


def test_a_same_size_edit_far_from_the_end_is_read(ws, home):
    pad = [claude(f"msg_pad_{i:04d}", inp=0, out=1, extra={"pad": "p" * 900}) for i in range(40)]
    path = write(home, f"{PROJECT}/s1.jsonl", [GOOD[0], *pad])
    sync_within(ws)
    before = totals(ws)
    data = path.read_bytes()
    edited = data.replace(
        b'"input_tokens": 10, "output_tokens": 100', b'"input_tokens": 10, "output_tokens": 900'
    )
    assert len(edited) == len(data) and edited != data
    stat = path.stat()
    path.write_bytes(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    report = sync_within(ws)
    assert [f.action for f in report.files] == ["reread"]
    assert totals(ws) == (before[0], before[1], before[2] + 800)


# -- 8: terminal escapes -------------------------------------------------------------------------------

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m[bold][/]"


def test_names_from_logs_never_reach_the_terminal_raw(run_cli, home):
    line = claude("msg_esc", model=f"evil{ESCAPES}model").replace(
        '"/home/dev/app"', json.dumps(f"/p{ESCAPES}")
    )
    line = line.replace('"s1"', json.dumps(f"sess{ESCAPES}"))
    write(home, f"{PROJECT}/s1.jsonl", [line, claude("bad", "9999-01-01T00:00:00Z")])
    odd = home / PROJECT / "x\x1b[2J[bold]"
    odd.mkdir()
    with open(os.fsencode(odd) + b"/\xff.jsonl", "wb") as f:  # a notice naming the path
        f.write(b"{}\n")
    env = {"OPENCODE_DATA_DIR": f"/nowhere{ESCAPES}"}  # a notice with markup in it
    outputs = [run_cli("sync", "-v", env=env).output, run_cli("daily", env=env).output]
    for args in [*REPORTS, ["daily", "-b"], ["daily", "-b", "source"], ["sources"], ["graph"]]:
        outputs.append(run_cli(*args, "--no-sync", env=env).output)
    for text in outputs:
        assert not any(c in text for c in "\x1b\x07\x9b"), text
    assert "evil[2J]0;pwned31m[bold][/]model" in "".join(outputs)


# -- 10: files, databases and pipes ----------------------------------------------------------------------


def test_the_ledger_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        Workspace(Env(home=tmp_path), db_path=tmp_path / "data" / "ledger.db", config=Config()).ledger.close()
    finally:
        os.umask(old)
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "ledger.db").stat().st_mode & 0o777 == 0o600


def test_another_programs_database_is_refused_untouched(run_cli, tmp_path):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE events (x)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = run_cli("--db", str(db), "daily", expect=1)
    assert "database of another program" in result.output and result.output.count("\n") == 1
    assert db.read_bytes() == before and not Path(f"{db}-wal").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_ledger_names_the_file_and_no_sync(run_cli, tmp_path, home):
    db = tmp_path / "cli.db"
    run_cli("daily")
    write(home, f"{PROJECT}/s1.jsonl", GOOD)
    db.chmod(0o400)
    result = run_cli("daily", expect=1)
    assert str(db) in result.output and "--no-sync" in result.output
    run_cli("daily", "--no-sync")


def test_a_ledger_that_cannot_be_written_says_which_and_what_to_do(tmp_path):
    """Whoever runs the tests (root writes read-only files): a connection SQLite opened read-only."""
    from tokledger.errors import LedgerError
    from tokledger.ledger import Ledger

    Ledger.open(tmp_path / "ro.db").close()
    ledger = Ledger.open(tmp_path / "ro.db")
    ledger.conn.close()
    ledger.conn = sqlite3.connect(f"file:{tmp_path / 'ro.db'}?mode=ro", uri=True, isolation_level=None)
    with pytest.raises(LedgerError, match="ro.db: the file is read-only .*--no-sync"):
        ledger.set_state("a", "b")


def test_a_closed_pipe_ends_quietly(home, tmp_path):
    write(home, f"{PROJECT}/s1.jsonl", GOOD)
    env = {**os.environ, "HOME": str(home), "TOKLEDGER_DB": str(tmp_path / "p.db"), "CLAUDE_CONFIG_DIR": "",
           "TOKLEDGER_CONFIG": str(tmp_path / "none.toml"), "XDG_CONFIG_HOME": ""}  # fmt: skip
    cmd = f"{sys.executable} -m tokledger sync -v | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}"
    for args in ("sync -v", "events --limit 0", "daily --json"):
        run = subprocess.run(["bash", "-c", cmd.replace("sync -v", args)], env=env, capture_output=True, text=True,
                             timeout=120, check=False)  # fmt: skip
        assert run.returncode == 0 and run.stderr == "", (args, run.stderr)


def test_a_report_says_on_stderr_when_its_sync_had_notices(home, tmp_path, monkeypatch):
    import dataclasses

    from tokledger import sources

    real = sources.SOURCES["claude_code"]

    def parse(path, start=0):
        if path.name == "locked.jsonl":
            raise PermissionError(13, "Permission denied")
        return real.parse(path, start)

    monkeypatch.setitem(sources.SOURCES, "claude_code", dataclasses.replace(real, parse=parse))
    write(home, f"{PROJECT}/locked.jsonl", [claude("msg_locked")])
    write(home, f"{PROJECT}/s1.jsonl", [*GOOD, claude("bad", cost="NaN")])
    env = {"HOME": str(home), "TZ": "UTC", "TOKLEDGER_DB": str(tmp_path / "n.db"), "CLAUDE_CONFIG_DIR": "",
           "TOKLEDGER_CONFIG": str(tmp_path / "none.toml"), "XDG_CONFIG_HOME": ""}  # fmt: skip
    result = CliRunner().invoke(cli, ["daily", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["requests"] == 2
    assert result.stderr.count("\n") == 1
    assert (
        "locked.jsonl: cannot read: Permission denied" in result.stderr
        and "1 cost not a number" in result.stderr
    )
    again = CliRunner().invoke(cli, ["daily", "--json"], env=env, catch_exceptions=False)
    assert "cannot read" in again.stderr  # the file is still unreadable: said again
