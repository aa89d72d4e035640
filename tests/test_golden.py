"""Every report's JSON is a contract: the same ledger must give the same documents, release after release.

``golden/`` holds the ``--json`` output of every report kind (``golden/cases.json`` names the commands) for
a deterministic synthetic history (``bench/gen_corpus.py``, Claude Code, Codex, Gemini and OpenCode), as
written by an earlier release from ``fixtures/ledgers/v2.db``, a ledger that release built. Two ways must
give those documents exactly:

- that ledger, upgraded in place by the current migrations; and the same ledger as a later release left it
  (``v7.db``: schema 7, with skip reasons, a claimed alert, plan limits and a billed record beside it);
- a fresh ledger that the current code imports from the same history, regenerated here;

each read once from quarter-hour rollups only, and once with day rollups kept for three of the zones the
cases use (the others still read quarter-hours, or the events for zones such as Asia/Kathmandu). The fresh
import runs on both engines, SQLite and PostgreSQL; and the upgraded ledger, pushed to a PostgreSQL team
ledger, reports the same there (but for the files its events came from, which stay on the laptop).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokledger.cli import cli
from tokledger.ledger import Ledger

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
CASES: dict[str, list[str]] = json.loads((GOLDEN / "cases.json").read_text())
CORPUS_ARGS = ["--size-mb", "4", "--files", "120", "--mixed", "--seed", "11", "--end", "2026-03-30T10:00:00Z"]
WRITTEN_AT = "/tmp/golden/corpus"  # where the history lay when the fixture ledger was built


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    sys.path.insert(0, str(HERE.parent / "bench"))
    try:
        import gen_corpus

        gen_corpus.main(["--out", str(corpus), *CORPUS_ARGS])
    finally:
        sys.path.pop(0)
    return corpus


def _config(db: Path | str) -> str:
    return str(db.with_suffix(".toml")) if isinstance(db, Path) else str(HERE / "no-such-config.toml")


def _run(db: Path | str, corpus: Path, args: list[str]) -> dict:
    env = {"HOME": str(corpus / "home"), "CLAUDE_CONFIG_DIR": str(corpus), "CODEX_HOME": str(corpus / "codex"),
           "TZ": "UTC", "NO_COLOR": "1", "TOKLEDGER_DB": str(db), "TOKLEDGER_CONFIG": _config(db),
           "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""}  # fmt: skip
    args = list(args)
    if args[0] not in ("graph", "sources"):
        args.append("--json")
    if "--no-sync" not in args:
        args.append("--no-sync")
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return _normalized(json.loads(result.stdout), args[0], str(corpus))


def _normalized(doc, command: str, corpus: str):
    if command == "graph":
        doc["meta"].pop("generated_at")
    elif command == "sources":
        for s in doc:
            s.pop("last_sync")
            # Reasons are recorded since schema 4: an upgraded ledger knows only the count.
            assert sum(s.pop("skipped_reasons").values()) == s["skipped_lines"]
            s["paths"] = [p.replace(corpus, "<corpus>") for p in s["paths"]]
            if not s["found"]:  # a source newer than the fixture ledger has no paths recorded there yet
                s["paths"] = []
    elif command == "events":
        for e in doc["events"]:
            if e["file"]:
                e["file"] = e["file"].replace(corpus, "<corpus>")
    return doc


def _golden(name: str):
    return json.loads((GOLDEN / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _corpus(tmp_path_factory.mktemp("golden"))


DAY_ZONES = ("Europe/Berlin", "America/New_York", "UTC")


def _keep_days(db: Path | str, zones: bool) -> Path | str:
    if zones:
        copy = db
        if isinstance(db, Path):
            copy = db.with_name("zones.db")
            shutil.copyfile(db, copy)
        ledger = Ledger.open(copy)
        for zone in DAY_ZONES:
            assert ledger.keep_days(zone)
        assert ledger.rollup_differences() == []
        ledger.close()
        return copy
    return db


UPGRADES = [("v2", False), ("v2", True), ("v7", False), ("v7", True)]


@pytest.fixture(
    scope="module", params=UPGRADES, ids=[f"{v}-{'days' if z else 'quarter-hours'}" for v, z in UPGRADES]
)
def upgraded(request, tmp_path_factory) -> Path:
    version, zones = request.param
    db = tmp_path_factory.mktemp("upgraded") / "ledger.db"
    shutil.copyfile(HERE / "fixtures" / "ledgers" / f"{version}.db", db)
    Ledger.open(db).close()
    return _keep_days(db, zones)


ENGINES = [(False, "sqlite"), (True, "sqlite"), (False, "postgresql"), (True, "postgresql")]


@pytest.fixture(
    scope="module", params=ENGINES, ids=[f"{e}-{'days' if z else 'quarter-hours'}" for z, e in ENGINES]
)
def fresh(request, tmp_path_factory, corpus: Path) -> Path | str:
    zones, engine = request.param
    db: Path | str = tmp_path_factory.mktemp("fresh") / "ledger.db"
    if engine == "postgresql":
        db = request.getfixturevalue("pg_cluster").database()
    env = {"HOME": str(corpus / "home"), "CLAUDE_CONFIG_DIR": str(corpus), "CODEX_HOME": str(corpus / "codex"),
           "TZ": "UTC", "TOKLEDGER_DB": str(db), "TOKLEDGER_CONFIG": _config(db),
           "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""}  # fmt: skip
    result = CliRunner().invoke(cli, ["sync", "--jobs", "1"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return _keep_days(db, zones)


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, pg_cluster) -> str:
    """The upgraded ledger pushed to a new team ledger."""
    db = tmp_path_factory.mktemp("pushed") / "ledger.db"
    shutil.copyfile(HERE / "fixtures" / "ledgers" / "v2.db", db)
    url = pg_cluster.database()
    env = {"HOME": str(db.parent), "TZ": "UTC", "TOKLEDGER_DB": str(db), "TOKLEDGER_CONFIG": _config(db),
           "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": ""}  # fmt: skip
    result = CliRunner().invoke(cli, ["push", "--no-sync", "--to", url, "--batch", "100"], env=env,
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sent 646 events" in result.output
    return url


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_upgraded_ledger_reports_as_before(name: str, upgraded: Path, request) -> None:
    got = _run(upgraded, Path(WRITTEN_AT), CASES[name])
    if name.startswith("sources") and request.node.callspec.id.startswith("v7"):
        got = [s for s in got if s.get("accuracy") != "billed"]  # its billed record lists its provider
    assert got == _golden(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_fresh_import_reports_as_before(name: str, fresh: Path | str, corpus: Path) -> None:
    assert _run(fresh, corpus, CASES[name]) == _golden(name)


@pytest.mark.parametrize("name", sorted(c for c in CASES if not c.startswith(("events", "sources"))))
def test_a_pushed_ledger_reports_as_before_on_the_team_ledger(name: str, pushed: str) -> None:
    assert _run(pushed, Path(WRITTEN_AT), CASES[name]) == _golden(name)


def test_the_fixture_history_is_the_generated_one(corpus: Path) -> None:
    expected = json.loads((corpus / "expected.json").read_text())
    totals = _golden("model")["totals"]
    assert totals["total_tokens"] == expected["totals"]["total_tokens"]
    assert totals["requests"] == expected["totals"]["requests"]
    assert os.path.isdir(corpus / "projects")
