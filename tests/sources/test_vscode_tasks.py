"""Cline, Roo Code and Kilo Code: ``ui_messages.json`` ``api_req_started`` records in extension storage."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import FIXTURES, install_fixture, sync_all
from tokledger.env import Env
from tokledger.sources import SOURCES, cline, kilo_code, roo_code

ROO = FIXTURES / "roo_code" / "two_eras" / "1759413600000-roo-task" / "ui_messages.json"
KILO = FIXTURES / "kilo_code" / "no_history" / "kilo-task-7" / "ui_messages.json"
CLINE = FIXTURES / "cline" / "model_info" / "1759413600123" / "ui_messages.json"
T0 = 1759413600000


def rows(result):
    return [(e.key, e.model, e.provider, e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_read_tokens,
             e.logged_cost_usd, e.project) for e in result.events]  # fmt: skip


def test_roo_code_tokens_in_read_by_protocol_and_by_whether_it_holds_the_cache():
    result = roo_code.parse(ROO)
    task = "1759413600000-roo-task"
    assert rows(result) == [
        # later releases: totalInputTokens = input + cache writes + cache reads
        (f"{task}:{T0}", "claude-sonnet-4-5", "anthropic", 10, 350, 200, 45000, Decimal("0.0235"), "/home/dev/acme-api"),
        # earlier releases: the provider's own count, cache excluded
        (f"{task}:{T0 + 60000}", "claude-sonnet-4-5", "anthropic", 12, 540, 3100, 42000, Decimal("0.0326"),
         "/home/dev/acme-api"),
        # the OpenAI protocol: cache always inside; the model of the user message sent before it
        (f"{task}:{T0 + 120000}", "gpt-5", "openai", 3000, 300, 0, 6000, Decimal("0.0075"), "/home/dev/acme-api"),
    ]  # fmt: skip
    assert result.reasons == {"not JSON": 1}  # the in-progress and the cancelled requests add nothing


def test_kilo_code_without_a_history_is_unknown_model_but_counted():
    result = kilo_code.parse(KILO)
    assert [(e.model, e.input_tokens, e.cache_read_tokens) for e in result.events] == [
        ("unknown", 8, 30000),
        ("unknown", 1000, 4000),
    ]


def test_cline_model_info_on_the_record_and_the_working_directory_from_the_history():
    result = cline.parse(CLINE)
    task = "1759413600123"
    assert rows(result) == [
        (f"{task}:{T0}", "claude-sonnet-4-5-20250929", "anthropic", 3, 250, 12000, 0, Decimal("0.0488"),
         "/home/dev/acme-api"),
        (f"{task}:{T0 + 30000}", "openai/gpt-5", "openrouter", 400, 90, 0, 20000, Decimal("0.0031"), "/home/dev/acme-api"),
        (f"{task}:{T0 + 60000}", "unknown", None, 700, 15, 0, 0, Decimal("0.0001"), "/home/dev/acme-api"),
    ]  # fmt: skip


def test_every_editor_and_the_remote_servers_are_looked_in(home):
    roots = [str(r) for r in roo_code.discover(Env(home=home)).roots]
    assert str(home / ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks") in roots
    assert str(home / ".config/VSCodium/User/globalStorage/rooveterinaryinc.roo-cline/tasks") in roots
    assert str(home / ".vscode-server/data/User/globalStorage/rooveterinaryinc.roo-cline/tasks") in roots
    assert str(home / ".cline/data/tasks") in [str(r) for r in cline.discover(Env(home=home)).roots]


def test_a_task_rewritten_as_it_runs_replaces_and_never_adds(ledger, home):
    dest = ".config/Cursor/User/globalStorage/kilocode.kilo-code/tasks"
    target = install_fixture(home, "kilo_code", "no_history", dest) / "kilo-task-7" / "ui_messages.json"
    env = Env(home=home)
    sync_all(ledger, env)
    target.write_text(target.read_text().replace('\\"tokensOut\\": 120', '\\"tokensOut\\": 180'))
    report = sync_all(ledger, env)
    assert [f.action for f in report.files if f.source == "kilo_code"] == ["reread"]
    assert ledger.conn.execute("SELECT COUNT(*), SUM(output_tokens) FROM events").fetchone() == (2, 240)
    assert SOURCES["kilo_code"].accuracy == "estimated"
