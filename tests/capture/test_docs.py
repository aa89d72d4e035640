"""docs/claude-code.md says what the code does: the hooks it installs, the placeholders, the commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.guard_services import cli
from tokledger.capture.hooks import install
from tokledger.statusline import PLACEHOLDERS

DOC = (Path(__file__).parent.parent.parent / "docs" / "claude-code.md").read_text()


def test_the_hooks_snippet_is_what_install_writes(tmp_path):
    install(tmp_path / "settings.json")
    snippet = re.search(r"It adds:\n\n```json\n(.*?)```", DOC, re.DOTALL).group(1)
    assert json.loads(snippet) == json.loads((tmp_path / "settings.json").read_text())


def test_every_placeholder_is_documented():
    for name in PLACEHOLDERS:
        assert f"`{{{name}}}`" in DOC, name


def test_every_command_is_documented():
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        for full in (
            [f"tokledger {name} {sub}" for sub in subcommands] if subcommands else [f"tokledger {name}"]
        ):
            assert full in DOC, full
