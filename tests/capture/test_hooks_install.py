"""hooks install/uninstall/status: merged with other hooks, idempotent, backed up, formatting kept."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokledger.capture import jsonedit
from tokledger.capture.hooks import EVENTS, SettingsError, install, settings_path, status, uninstall
from tokledger.env import Env

NOW = datetime(2025, 6, 4, 8, 0, tzinfo=UTC)

FOUR_SPACES = """{
    "model": "opus",
    "permissions": {"allow": ["Bash(ls:*)", "Read"], "deny": []},
    "hooks": {
        "Stop": [
            {
                "matcher": "",
                "hooks": [{"type": "command", "command": "say done"}]
            }
        ],
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "/opt/check.sh", "timeout": 5}]}
        ]
    },
    "env": {"FOO": "bär"}
}
"""

TABS_CRLF = (
    '{\r\n\t"hooks": {\r\n\t\t"UserPromptSubmit": [\r\n\t\t\t{"hooks": [{"type": "command", "command": "a"}]}'
    '\r\n\t\t]\r\n\t},\r\n\t"theme": "dark"\r\n}'
)

COMPACT = '{"statusLine":{"type":"command","command":"x"},"hooks":{"Notification":[{"hooks":[]}]}}'


@pytest.mark.parametrize("original", [FOUR_SPACES, TABS_CRLF, COMPACT, "", "{}\n", '{\n  "a": 1\n}\n'])
def test_round_trip_restores_the_file_byte_for_byte(tmp_path, original):
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    if original:
        path.write_bytes(original.encode())
    change = install(path, now=NOW)
    assert change.added == list(EVENTS)
    text = path.read_text()
    data = json.loads(text)
    for event in EVENTS:
        assert {"type": "command", "command": f"tokledger hook {event}", "timeout": 30} in [
            h for g in data["hooks"][event] for h in g["hooks"]
        ]
    again = install(path, now=NOW)
    assert not again.changed and again.backup is None and path.read_text() == text  # idempotent
    removed = uninstall(path, now=NOW)
    assert sorted(removed.removed) == sorted(EVENTS)
    restored = path.read_bytes().decode() if original else json.loads(path.read_text())
    assert restored == (original or {})


def test_containers_left_empty_are_removed(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"a": 1, "hooks": {"Stop": []}}')
    install(path, now=NOW)
    assert '"a": 1' in path.read_text()
    uninstall(path, now=NOW)
    assert path.read_text() == '{"a": 1}'


def test_install_keeps_unrelated_parts_untouched(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(FOUR_SPACES)
    install(path, now=NOW)
    text = path.read_text()
    # the compact permissions line, the PreToolUse group and the non-ASCII value are as they were
    assert '    "permissions": {"allow": ["Bash(ls:*)", "Read"], "deny": []},\n' in text
    assert (
        '{"matcher": "Bash", "hooks": [{"type": "command", "command": "/opt/check.sh", "timeout": 5}]}'
        in text
    )
    assert '"env": {"FOO": "bär"}' in text
    data = json.loads(text)
    assert list(data) == ["model", "permissions", "hooks", "env"]
    assert list(data["hooks"]) == ["Stop", "PreToolUse", "SubagentStop", "UserPromptSubmit"]
    assert data["hooks"]["Stop"][0] == {"matcher": "", "hooks": [{"type": "command", "command": "say done"}]}
    # the new group sits under the existing one, at its indentation
    assert '        "Stop": [\n            {\n                "matcher": "",\n' in text
    assert '            },\n            {\n                "hooks": [\n                    {\n' in text


def test_a_backup_is_written_first_and_the_mode_is_kept(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(FOUR_SPACES)
    os.chmod(path, 0o600)
    change = install(path, now=NOW)
    assert change.backup == tmp_path / "settings.json.bak-20250604T080000Z"
    assert change.backup.read_text() == FOUR_SPACES
    assert (path.stat().st_mode & 0o777) == 0o600 and (change.backup.stat().st_mode & 0o777) == 0o600
    uninstall(path, now=NOW)
    assert (tmp_path / "settings.json.bak-20250604T080000Z-2").exists()


def test_a_changed_command_replaces_ours_and_leaves_theirs(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(FOUR_SPACES)
    install(path, command="/usr/bin/tokledger", now=NOW)
    change = install(path, command="/home/u/.venv/bin/tokledger", now=NOW)
    assert change.added == list(EVENTS)
    data = json.loads(path.read_text())
    stops = [h["command"] for g in data["hooks"]["Stop"] for h in g["hooks"]]
    assert stops == ["say done", "/home/u/.venv/bin/tokledger hook Stop"]


def test_a_timeout_the_user_changed_is_kept(tmp_path):
    path = tmp_path / "settings.json"
    install(path, now=NOW)
    path.write_text(path.read_text().replace('"timeout": 30', '"timeout": 90', 1))
    text = path.read_text()
    assert not install(path, now=NOW).changed and path.read_text() == text


def test_uninstall_removes_a_handler_sharing_a_group(tmp_path):
    path = tmp_path / "settings.json"
    shared = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "python -m tokledger hook Stop"},
                                             {"type": "command", "command": "say done"}]}]}}  # fmt: skip
    path.write_text(json.dumps(shared, indent=2))
    assert uninstall(path, now=NOW).removed == ["Stop"]
    assert json.loads(path.read_text()) == {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}
    }


def test_mid_turn_adds_post_tool_batch_and_status_reports(tmp_path):
    path = tmp_path / "settings.json"
    assert status(path).missing == list(EVENTS) and not status(path).exists
    install(path, mid_turn=True, now=NOW)
    report = status(path, mid_turn=True)
    assert report.exists and report.missing == []
    assert report.installed["PostToolBatch"] == ["tokledger hook PostToolBatch"]


def test_invalid_json_is_left_alone(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"hooks": {,}}')
    with pytest.raises(SettingsError, match="not valid JSON .*line 1 column 12.*left unchanged"):
        install(path, now=NOW)
    assert path.read_text() == '{"hooks": {,}}' and list(tmp_path.iterdir()) == [path]
    path.write_text('{"hooks": []}')
    with pytest.raises(SettingsError, match='"hooks" must be a JSON object'):
        install(path, now=NOW)


def test_settings_paths(tmp_path):
    env = Env(home=tmp_path)
    assert settings_path(env) == tmp_path / ".claude" / "settings.json"
    assert (
        settings_path(Env(home=tmp_path, environ={"CLAUDE_CONFIG_DIR": "~/cc,~/other"}))
        == tmp_path / "cc" / "settings.json"
    )
    assert settings_path(env, Path("/p")) == Path("/p/.claude/settings.json")
    assert settings_path(env, Path("/p"), local=True) == Path("/p/.claude/settings.local.json")


def test_jsonedit_primitives():
    text = "[1, 2, 3]"
    root = jsonedit.parse(text)
    assert jsonedit.remove_child(text, root, 0) == "[2, 3]"
    assert jsonedit.remove_child(text, root, 2) == "[1, 2]"
    assert jsonedit.add_element(text, root, {"a": 1}) == '[1, 2, 3, {"a": 1}]'
    text = '{\n\t"a": [\n\t\t1\n\t]\n}'
    root = jsonedit.parse(text)
    assert jsonedit.add_element(text, root.get("a"), 2) == '{\n\t"a": [\n\t\t1,\n\t\t2\n\t]\n}'
    with pytest.raises(jsonedit.JSONEditError, match="line 2 column 3"):
        jsonedit.parse("{\n  x}")
