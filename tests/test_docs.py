"""The README documents every command, every option of the reports and every JSON key."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import install_fixture, json_out
from tokledger.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"tokledger {name}" in README, name


def test_every_report_option_is_documented():
    for param in cli.commands["daily"].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in README, opt


def test_every_json_key_is_documented(run_cli, home):
    install_fixture(home, "claude_code", "streaming_multiline.jsonl", ".claude/projects/-p/s.jsonl")
    keys: set[str] = set()
    for command in ("daily", "session", "blocks"):
        doc = json_out(run_cli(command, "--json", "--breakdown"))
        keys |= set(doc) | set(doc["totals"])
        for row in doc["rows"]:
            keys |= set(row)
            for part in row.get("models", []):
                keys |= set(part)
    for key in keys:
        assert f"`{key}`" in README or f'"{key}"' in README, key


def test_the_two_setup_commands():
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/tokledger" in README
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    assert test_command in README
    assert test_command in (Path(__file__).parent.parent / ".ci" / "run").read_text()


def test_every_source_is_in_the_readme_table():
    from tokledger.sources import SOURCES

    for name, source in SOURCES.items():
        line = next((x for x in README.splitlines() if x.startswith(f"| `{name}` |")), None)
        assert line, name
        assert line.rstrip().endswith(f"| {source.accuracy} |"), name


def _cli_reference() -> str:
    """docs/cli.md: every command's --help, generated from the code."""
    from click.testing import CliRunner

    runner = CliRunner()
    note = (
        "Generated from `tokledger --help` and each command's `--help` "
        "(`TOKLEDGER_UPDATE_DOCS=1 pytest tests/test_docs.py` rewrites it).\n"
    )
    import click

    parts = ["# Command reference\n", note]
    names: list[list[str]] = [[]]
    for name in sorted(cli.commands):
        names.append([name])
        command = cli.commands[name]
        if isinstance(command, click.Group):  # and each subcommand (daemon run, config check, ...)
            names += [[name, sub] for sub in sorted(command.commands)]
    for words in names:
        text = runner.invoke(
            cli, [*words, "--help"], prog_name="tokledger", terminal_width=100, env={"COLUMNS": "100"}
        ).output
        parts.append(f"## `{' '.join(['tokledger', *words])}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def test_cli_reference_is_current():
    import os

    path = Path(__file__).parent.parent / "docs" / "cli.md"
    want = _cli_reference()
    if os.environ.get("TOKLEDGER_UPDATE_DOCS"):
        path.write_text(want)
    assert path.exists() and path.read_text() == want, (
        "docs/cli.md is stale: rerun with TOKLEDGER_UPDATE_DOCS=1"
    )
