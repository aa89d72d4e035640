"""The contract every source in ``SOURCES`` must keep, checked on a representative fixture of each.

A source added to the registry is covered automatically: it fails here until it has an entry in
``CONTRACT`` (its fixture, where the fixture goes under the fake home, and the environment it needs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, install_fixture, install_sql_fixture, json_out, sync_all
from tokledger.env import Env
from tokledger.events import TOKEN_FIELDS
from tokledger.sources import SOURCES


@dataclass(frozen=True)
class Case:
    """``fixtures/<source>/<fixture>`` installed at ``home/<dest>`` (SQL scripts become databases)."""

    fixture: str
    dest: str
    environ: dict[str, str] = field(default_factory=dict)
    after: Callable[[Path], None] | None = None
    """Extra set-up that needs the home path (files naming absolute paths)."""

    def install(self, source: str, home: Path) -> Env:
        if not (FIXTURES / source / self.fixture).exists():
            pytest.skip(f"no contract fixture tests/fixtures/{source}/{self.fixture} yet")
        if self.fixture.endswith(".sql"):
            install_sql_fixture(home, source, self.fixture, self.dest)
        else:
            install_fixture(home, source, self.fixture, self.dest)
        if self.after is not None:
            self.after(home)
        return Env(home=home, environ={"TZ": "UTC", **self.environ})


def _crush_projects(home: Path) -> None:
    index = home / ".local/share/crush/projects.json"
    index.parent.mkdir(parents=True, exist_ok=True)
    project = {"path": str(home / "app"), "data_dir": str(home / "app/.crush")}
    index.write_text(json.dumps({"projects": [project]}))


CONTRACT: dict[str, Case] = {
    "claude_code": Case("contract.jsonl", ".claude/projects/-home-dev-app/s1.jsonl"),
    "codex": Case("archived_duplicate", ".codex"),
    "gemini": Case("legacy_json_v1", "."),
    "opencode": Case("json_storage", ".local/share/opencode"),
    "goose": Case("cumulative_v13.sql", ".local/share/goose/sessions/sessions.db"),
    "qwen": Case("branch_copy", ".qwen/projects"),
    "amp": Case("ledger_form.json", ".local/share/amp/threads/T-5a1c7e2b-0000-4a6f-9d3e-1b2c3d4e5f60.json"),
    "copilot_cli": Case("chat_spans.jsonl", ".copilot/otel/copilot.jsonl"),
    "kimi": Case("kimi_cli", "."),
    "pi": Case("branched", ".pi/agent/sessions"),
    "openclaw": Case("renamed_after_reset", ".openclaw"),
    "crush": Case("sessions.sql", "app/.crush/crush.db", after=_crush_projects),
    "cline": Case("model_info", ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks"),
    "roo_code": Case("two_eras", ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks"),
    "kilo_code": Case("no_history", ".vscode-server/data/User/globalStorage/kilocode.kilo-code/tasks"),
    "factory_droid": Case("session_totals", ".factory/sessions"),
}

# Variables the registered sources read; blanked so the developer's own settings never leak in.
BLANK_ENV = {name: "" for name in (
    "GOOSE_PATH_ROOT", "QWEN_RUNTIME_DIR", "QWEN_HOME", "AMP_DATA_DIR", "COPILOT_OTEL_FILE_EXPORTER_PATH",
    "KIMI_SHARE_DIR", "KIMI_CODE_HOME", "PI_CODING_AGENT_DIR", "OPENCLAW_STATE_DIR", "CRUSH_GLOBAL_DATA",
    "DROID_SESSIONS_DIR",
)}  # fmt: skip


def _case(name: str) -> Case:
    assert name in CONTRACT, f"source {name!r} has no contract fixture: add it to CONTRACT in {__file__}"
    return CONTRACT[name]


def test_every_source_has_a_contract_case():
    assert set(SOURCES) <= set(CONTRACT), sorted(set(SOURCES) - set(CONTRACT))


@pytest.mark.parametrize("name", list(SOURCES))
def test_empty_home_finds_nothing(name, home, ledger):
    env = Env(home=home, environ={"TZ": "UTC"})
    found = SOURCES[name].discover(env)
    assert found.files == []
    assert found.roots, "a source always says where it looked"
    report = sync_all(ledger, env, only=[name])
    assert report.sources[name].files == 0
    assert ledger.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)


@pytest.mark.parametrize("name", list(SOURCES))
def test_fixture_events_keep_the_contract(name, home):
    source = SOURCES[name]
    env = _case(name).install(name, home)
    found = source.discover(env)
    assert found.files, f"{name} found none of its fixture files"
    events = []
    for listed in found.files:
        path = Path(listed)
        first, second = source.parse(path, 0), source.parse(path, 0)
        keys = [e.key for e in first.events]
        assert len(keys) == len(set(keys)), f"{path}: duplicate keys within one parse"
        assert first.events == second.events, f"{path}: two parses differ"
        assert first.end_offset == second.end_offset <= path.stat().st_size
        events += first.events
    assert events, f"{name}: the contract fixture yields no events"
    for e in events:
        assert e.source == name and e.key and isinstance(e.key, str)
        assert e.timestamp.tzinfo is not None and e.timestamp.utcoffset() is not None, e
        assert all(isinstance(getattr(e, f), int) and getattr(e, f) >= 0 for f in TOKEN_FIELDS), e
        assert e.reasoning_tokens <= e.output_tokens, e
        assert e.cache_write_1h_tokens <= e.cache_write_tokens, e
        assert e.total_tokens == e.input_tokens + e.cache_write_tokens + e.cache_read_tokens + e.output_tokens
        assert e.model, e
        if source.accuracy == "cost-only":
            assert e.total_tokens == 0 and e.logged_cost_usd is not None and e.logged_cost_usd >= 0, e


@pytest.mark.parametrize("name", list(SOURCES))
def test_module_docstring_documents_the_format(name, home):
    source = SOURCES[name]
    doc = source.description
    assert len(doc) >= 600, f"{name}: the module docstring is the format description"
    roots = source.discover(Env(home=home)).roots
    assert any(part in doc for root in roots for part in (root.name, root.parent.name)), (
        f"{name}: the docstring does not say where the logs live ({roots})"
    )
    assert source.title and source.accuracy in ("exact", "estimated", "cost-only")


def test_sync_twice_changes_nothing(ledger, home):
    environ: dict[str, str] = {}
    for name in SOURCES:
        case = CONTRACT.get(name)
        if case is not None and (FIXTURES / name / case.fixture).exists():
            environ |= case.install(name, home).environ
    env = Env(home=home, environ=environ)
    sync_all(ledger, env)
    before = ledger.conn.execute("SELECT * FROM events ORDER BY source, event_key").fetchall()
    report = sync_all(ledger, env)
    assert not report.changed
    assert ledger.conn.execute("SELECT * FROM events ORDER BY source, event_key").fetchall() == before


def test_sources_json_lists_every_source_with_its_paths(run_cli, home):
    installed = set()
    for name in SOURCES:
        case = CONTRACT.get(name)
        if case is not None and (FIXTURES / name / case.fixture).exists() and not case.environ:
            case.install(name, home)
            installed.add(name)
    doc = json_out(run_cli("sources", "--json", env=BLANK_ENV))
    by_name = {s["source"]: s for s in doc}
    assert list(by_name) == list(SOURCES)
    for name, entry in by_name.items():
        assert entry["paths"], f"{name} lists no paths"
        assert entry["accuracy"] == SOURCES[name].accuracy and entry["title"] == SOURCES[name].title
        assert entry["found"] is (name in installed), name
        assert (entry["events"] > 0) is (name in installed), name
