"""Incremental, idempotent sync: checkpoints, rewrites, deleted logs, kills and concurrent imports."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import FIXTURES, install_fixture, sync_all
from tokledger.env import Env
from tokledger.ledger import Ledger

CC = FIXTURES / "claude_code"
DEST = ".claude/projects/-home-dev-acme-api/sess-a.jsonl"


def totals(ledger: Ledger):
    return ledger.conn.execute(
        "SELECT COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cache_write_tokens), SUM(cache_read_tokens)"
        " FROM events").fetchone()  # fmt: skip


def test_second_sync_changes_nothing_and_reads_nothing(ledger, home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    env = Env(home=home)
    first = sync_all(ledger, env)
    before = totals(ledger)
    second = sync_all(ledger, env)
    assert [f.action for f in first.files] == ["new"]
    assert [f.action for f in second.files] == ["unchanged"]
    assert totals(ledger) == before == (2, 20, 632, 2048, 104960)


def test_appended_file_is_read_from_its_offset(ledger, home):
    target = install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    env = Env(home=home)
    sync_all(ledger, env)
    with target.open("a") as f:
        f.write((CC / "synthetic.jsonl").read_text())
    report = sync_all(ledger, env)
    (changed,) = [f for f in report.files if f.action != "unchanged"]
    assert changed.action == "appended"
    assert changed.bytes_read == len((CC / "synthetic.jsonl").read_bytes())
    assert totals(ledger)[0] == 3


def test_shrunk_or_replaced_file_is_reread_and_history_kept(ledger, home):
    target = install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    env = Env(home=home)
    sync_all(ledger, env)
    # Compaction rewrites the transcript, dropping earlier turns: the ledger keeps them.
    target.write_text((CC / "synthetic.jsonl").read_text())
    report = sync_all(ledger, env)
    assert [f.action for f in report.files] == ["reread"]
    assert totals(ledger)[0] == 3
    # Rewritten in place with the same size but other bytes before the checkpoint: read again, not appended.
    data = (CC / "cache_1h.jsonl").read_text()
    target.write_text(data)
    os.utime(target, ns=(1, 1))
    report = sync_all(ledger, env)
    assert [f.action for f in report.files] == ["reread"]
    assert totals(ledger)[0] == 5


def test_deleted_logs_keep_their_history(ledger, home):
    target = install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    env = Env(home=home)
    sync_all(ledger, env)
    target.unlink()
    sync_all(ledger, env)
    assert totals(ledger) == (2, 20, 632, 2048, 104960)


def test_same_history_under_two_roots_counts_once(ledger, home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    install_fixture(
        home, "claude_code", "streaming_multiline.jsonl", ".config/claude/projects/-x/other.jsonl"
    )
    sync_all(ledger, Env(home=home))
    assert totals(ledger) == (2, 20, 632, 2048, 104960)


def test_malformed_lines_are_counted_per_file(ledger, home):
    install_fixture(home, "claude_code", "garbage.jsonl", DEST)
    report = sync_all(ledger, Env(home=home))
    assert report.sources["claude_code"].skipped == 6
    assert ledger.file_states()[str(home / DEST)].skipped == 6


def test_unreadable_file_is_a_notice_and_others_import(ledger, home, monkeypatch):
    import dataclasses

    from tokledger import sources

    real = sources.SOURCES["claude_code"]

    def parse(path, start=0):
        if path.name == "bad.jsonl":
            raise PermissionError(13, "Permission denied")
        return real.parse(path, start)

    monkeypatch.setitem(sources.SOURCES, "claude_code", dataclasses.replace(real, parse=parse))
    install_fixture(home, "claude_code", "synthetic.jsonl", ".claude/projects/-p/bad.jsonl")
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    report = sync_all(ledger, Env(home=home))
    assert totals(ledger)[0] == 2
    assert any(
        "bad.jsonl: cannot read: Permission denied" in n for n in report.sources["claude_code"].notices
    )
    assert "bad.jsonl" not in "".join(ledger.file_states())


def test_strict_raises_on_malformed_lines(ledger, home):
    import pytest

    from tokledger.errors import SourceError

    install_fixture(home, "claude_code", "garbage.jsonl", DEST)
    with pytest.raises(SourceError, match="6 malformed lines"):
        sync_all(ledger, Env(home=home), strict=True)


def _make_history(home: Path, files: int, responses: int) -> tuple[int, int]:
    """Many transcripts with multi-line responses; returns (requests, output tokens) expected."""
    base = home / ".claude/projects/-home-dev-big"
    base.mkdir(parents=True)
    pad = "y" * 2000
    out_total = 0
    for f in range(files):
        lines = []
        for r in range(responses):
            msg = f"msg_{f}_{r}"
            for part, out in ((0, 1), (1, 10 + r)):
                lines.append(
                    f'{{"type":"assistant","sessionId":"s{f}","timestamp":"2025-10-01T{r % 24:02d}:00:0{part}.000Z",'
                    f'"requestId":"req_{f}_{r}","message":{{"id":"{msg}","model":"claude-sonnet-4-5-20250929",'
                    f'"content":[{{"type":"text","text":"{pad}"}}],"usage":{{"input_tokens":3,"output_tokens":{out}}}}}}}'
                )  # fmt: skip
            out_total += 10 + r
        (base / f"s{f}.jsonl").write_text("\n".join(lines) + "\n")
    return files * responses, out_total


def _cli(home: Path, db: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "HOME": str(home), "TOKLEDGER_DB": str(db), "CLAUDE_CONFIG_DIR": "", "XDG_CONFIG_HOME": "",
           "TOKLEDGER_CONFIG": str(db.parent / "none.toml")}  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "tokledger", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_import_killed_midway_ends_exact_on_the_next_run(tmp_path, home):
    requests, output = _make_history(home, files=300, responses=60)
    db = tmp_path / "kill.db"
    killed_with_partial = False
    for _attempt in range(5):
        for p in tmp_path.glob("kill.db*"):
            p.unlink()
        proc = _cli(home, db, "sync", "--jobs", "1")
        n = 0
        while proc.poll() is None and n == 0:  # kill as soon as some files are recorded
            time.sleep(0.01)
            if db.exists():
                try:
                    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
                    n = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
                    conn.close()
                except sqlite3.Error:
                    n = 0
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ledger = Ledger.open(db)
        n = ledger.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        ledger.close()
        if 0 < n < requests:
            killed_with_partial = True
            break
    assert killed_with_partial, "the import finished (or never started) before it could be killed"
    proc = _cli(home, db, "sync")
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    ledger = Ledger.open(db)
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (
        requests,
        output,
    )
    assert ledger.conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 300
    assert ledger.rollup_differences() == []


def test_two_imports_at_once_end_exact_without_lock_errors(tmp_path, home):
    requests, output = _make_history(home, files=120, responses=40)
    db = tmp_path / "two.db"
    procs = [_cli(home, db, "sync", "--jobs", "1") for _ in range(2)] + [_cli(home, db, "daily", "--json")]
    for p in procs:
        assert p.wait(timeout=180) == 0
        err = p.stderr.read()
        assert "locked" not in err, err
    ledger = Ledger.open(db)
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (
        requests,
        output,
    )
    assert ledger.rollup_differences() == []


def test_pricing_never_loads_genai_prices(tmp_path, home):
    """The compiled catalogue prices new models; the ledger's price cache prices known ones."""
    target = install_fixture(home, "claude_code", "streaming_multiline.jsonl", DEST)
    db = tmp_path / "cache.db"
    code = ("import sys\nfrom tokledger.cli import main\nsys.argv = ['tokledger', 'daily', '--json']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('genai_prices' in sys.modules, file=sys.stderr)")  # fmt: skip

    def run() -> tuple[str, str]:
        env = {**os.environ, "HOME": str(home), "TOKLEDGER_DB": str(db), "CLAUDE_CONFIG_DIR": "",
               "XDG_CONFIG_HOME": "", "TOKLEDGER_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return out.stdout, out.stderr.strip()

    first, loaded = run()
    assert loaded == "False"
    with target.open("a") as f:
        f.write((CC / "streaming_multiline.jsonl").read_text().replace("msg_01", "msg_02"))
    second, loaded = run()
    assert loaded == "False"
    import json

    assert json.loads(second)["totals"]["cost_usd"] == 2 * json.loads(first)["totals"]["cost_usd"]


def test_database_source_change_seen_in_its_wal_file(tmp_path):
    from tokledger.ingest import _plan
    from tokledger.ledger import FileState
    from tokledger.sources import SOURCES

    db = tmp_path / "app.db"
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE t (x)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database_source = next(s for s in SOURCES.values() if not s.append_only)
    first = _plan(database_source, db, None)
    state = FileState(
        1, database_source.name, str(db), first.size, first.mtime_ns, first.inode, 0, None, 0, 0
    )
    assert _plan(database_source, db, state) is None
    main_before = db.stat()
    writer.execute("INSERT INTO t VALUES (1)")
    assert (db.stat().st_size, db.stat().st_mtime_ns) == (main_before.st_size, main_before.st_mtime_ns)
    assert _plan(database_source, db, state) is not None
    writer.close()


def test_a_concurrent_import_of_newer_data_is_merged_not_overwritten(tmp_path, home, monkeypatch):
    """Two imports into an empty ledger: the one that read less must not overwrite the other's rows."""
    from tokledger import ingest

    lines = (CC / "streaming_multiline.jsonl").read_text().splitlines(keepends=True)
    target = home / DEST
    target.parent.mkdir(parents=True)
    target.write_text("".join(lines[:2]))  # only the partial first line of msg_01A (output 3)
    db = tmp_path / "race.db"
    ours = Ledger.open(db)
    real_flush = ingest._Writer.flush

    def flush_after_another_import(self):
        monkeypatch.setattr(ingest._Writer, "flush", real_flush)
        full = tmp_path / "full" / DEST
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text("".join(lines))
        other = Ledger.open(db)
        sync_all(other, Env(home=tmp_path / "full"))  # records msg_01A with its final output, 512
        other.close()
        real_flush(self)

    monkeypatch.setattr(ingest._Writer, "flush", flush_after_another_import)
    sync_all(ours, Env(home=home))
    assert ours.conn.execute("SELECT output_tokens FROM events WHERE event_key = 'msg_01A'").fetchone() == (
        512,
    )
    assert ours.rollup_differences() == []


def test_kills_during_imports_with_kept_days_leave_exact_rollups(tmp_path, home):
    """SIGKILL at random moments of several imports (a zone's days kept), then one clean sync."""
    import random

    requests, output = _make_history(home, files=200, responses=30)
    db = tmp_path / "kills.db"
    ledger = Ledger.open(db)
    assert ledger.keep_days("Europe/Berlin")
    ledger.close()
    rng = random.Random(5)
    for _ in range(6):
        procs = [_cli(home, db, "sync", "--jobs", str(rng.choice((1, 2)))) for _ in range(2)]
        time.sleep(rng.uniform(0.05, 0.6))
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        for changed in rng.sample(sorted((home / ".claude/projects/-home-dev-big").iterdir()), 3):
            changed.write_text(changed.read_text())  # rewritten: read again and merged
        check = Ledger.open(db)
        assert check.rollup_differences() == []
        check.close()
    assert _cli(home, db, "sync").wait(timeout=120) == 0
    ledger = Ledger.open(db)
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (
        requests,
        output,
    )
    assert ledger.rollup_differences() == []
    if sys.platform.startswith("linux"):  # the killed syncs' parser processes are gone too
        deadline = time.monotonic() + 30
        while _processes_using(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _processes_using(db)


def _processes_using(db: Path) -> list[int]:
    """Processes started with TOKLEDGER_DB pointing at ``db`` (parser processes inherit the environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"TOKLEDGER_DB={db}".encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
