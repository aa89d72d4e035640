"""``tokledger hooks install|uninstall|status``: tokledger's Claude Code hooks in a ``settings.json``.

Files
    User settings: ``~/.claude/settings.json`` (the first ``CLAUDE_CONFIG_DIR`` entry when set);
    ``--project DIR``: ``DIR/.claude/settings.json`` (shared with the team) or, with ``--local``,
    ``DIR/.claude/settings.local.json``. Paths come from an :class:`~tokledger.env.Env`.

What is installed (hook event → matcher group → handlers, as Claude Code documents it)
    ``Stop`` and ``SubagentStop`` record the turn (they read the transcript) and end a turn past a stop
    level; ``UserPromptSubmit`` enforces (blocks new prompts past a stop level); with ``mid_turn`` also
    ``PostToolBatch``, which ends a long turn before its next model call. Each is its own matcher group
    ``{"hooks": [{"type": "command", "command": "tokledger hook <Event>", "timeout": 30}]}`` (these
    events take no matcher). Synchronous on purpose: an ``async`` hook's ``continue``/``decision`` is
    ignored, and the handler is built to return quickly (a checkpointed read of one transcript).

Editing
    Merges with what is there: other hooks, other groups and other keys stay as they are, byte for byte
    (:mod:`~tokledger.capture.jsonedit`), in their order. A handler is tokledger's when its command runs
    ``tokledger hook`` (any path to the executable, or ``python -m tokledger hook``). Installing twice
    changes nothing (fields the user changed in tokledger's handler, such as its timeout, are kept); a
    changed command replaces the old handler. Uninstalling removes only tokledger's handlers, then the
    groups, events and ``hooks`` object that leaves empty (so an empty ``"hooks": {}`` that was there
    before does not come back). Before any change the file is copied to ``settings.json.bak-<UTC
    time>``, and the new text replaces it atomically, keeping the file's mode.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tokledger.capture import jsonedit
from tokledger.env import Env
from tokledger.errors import TokledgerError

EVENTS = ("Stop", "SubagentStop", "UserPromptSubmit")
MID_TURN_EVENTS = ("PostToolBatch",)
HOOK_TIMEOUT_S = 30
_OURS = re.compile(r"(?:^|[\s/\\\"'])tokledger(?:\.exe)?[\"']?\s+hook(?:\s|$)")


class SettingsError(TokledgerError):
    """A settings file cannot be read, parsed or written (names the file)."""


@dataclass
class Change:
    path: Path
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class HookStatus:
    path: Path
    exists: bool
    installed: dict[str, list[str]]  # event -> tokledger commands found
    missing: list[str]


def settings_path(env: Env, project: Path | None = None, local: bool = False) -> Path:
    if project is not None:
        return project / ".claude" / ("settings.local.json" if local else "settings.json")
    configured = env.get("CLAUDE_CONFIG_DIR")
    first = next((e.strip() for e in (configured or "").split(",") if e.strip()), None)
    return (env.expand(first) if first else env.home / ".claude") / "settings.json"


def is_ours(handler: object) -> bool:
    return (
        isinstance(handler, dict)
        and isinstance(handler.get("command"), str)
        and bool(_OURS.search(handler["command"]))
    )


def handler(command: str, event: str) -> dict:
    return {"type": "command", "command": f"{command} hook {event}", "timeout": HOOK_TIMEOUT_S}


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # bytes: keep \r\n line endings as they are
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def _root(path: Path, text: str) -> jsonedit.Node:
    try:
        root = jsonedit.parse(text)
    except jsonedit.JSONEditError as exc:
        raise SettingsError(f"{path}: not valid JSON ({exc}); left unchanged") from None
    if root.kind != "object":
        raise SettingsError(f"{path}: the settings must be a JSON object; left unchanged")
    return root


def _ours(text: str, root: jsonedit.Node, event: str) -> list[tuple[int, int, dict]]:
    """(group index, handler index, handler) of tokledger's handlers under ``event``, last first."""
    hooks = root.get("hooks")
    groups = hooks.get(event) if hooks is not None and hooks.kind == "object" else None
    found = []
    for g, group in enumerate(groups.children if groups is not None and groups.kind == "array" else []):
        handlers = group.get("hooks") if group.kind == "object" else None
        for h, node in enumerate(
            handlers.children if handlers is not None and handlers.kind == "array" else []
        ):
            value = json.loads(text[node.start : node.end]) if node.kind == "object" else None
            if is_ours(value):
                found.append((g, h, value))
    return found[::-1]


def _remove_ours(path: Path, text: str, event: str) -> tuple[str, bool]:
    removed = False
    while True:
        root = _root(path, text)
        found = _ours(text, root, event)
        if not found:
            return text, removed
        g, h, _ = found[0]
        hooks = root.get("hooks")
        groups = hooks.get(event)
        group = groups.children[g]
        handlers = group.get("hooks")
        if len(handlers.children) > 1:
            text = jsonedit.remove_child(text, handlers, h)
        elif len(groups.children) > 1:
            text = jsonedit.remove_child(text, groups, g)
        elif len(hooks.children) > 1:
            text = jsonedit.remove_child(text, hooks, hooks.index(event))
        else:
            text = jsonedit.remove_child(text, root, root.index("hooks"))
        removed = True


def _add(path: Path, text: str, event: str, command: str) -> str:
    root = _root(path, text)
    group = {"hooks": [handler(command, event)]}
    hooks = root.get("hooks")
    if hooks is None:
        return jsonedit.add_member(text, root, "hooks", {event: [group]})
    if hooks.kind != "object":
        raise SettingsError(f'{path}: "hooks" must be a JSON object; left unchanged')
    groups = hooks.get(event)
    if groups is None:
        return jsonedit.add_member(text, hooks, event, [group])
    if groups.kind != "array":
        raise SettingsError(f"{path}: hooks.{event} must be a JSON array; left unchanged")
    return jsonedit.add_element(text, groups, group)


def _write(path: Path, old: str, new: str, now: datetime) -> Path | None:
    backup = None
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = None
    if path.exists():
        mode = path.stat().st_mode & 0o7777
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = path.with_name(f"{path.name}.bak-{stamp}")
        n = 1
        while backup.exists():
            n += 1
            backup = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        backup.write_text(old, encoding="utf-8")
        os.chmod(backup, mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(new)
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup


def install(
    path: Path, *, command: str = "tokledger", mid_turn: bool = False, now: datetime | None = None
) -> Change:
    """Add tokledger's hooks to the settings file at ``path`` (created when missing)."""
    old = _read(path)
    text = old if old.strip() else "{}\n"
    change = Change(path)
    for event in EVENTS + (MID_TURN_EVENTS if mid_turn else ()):
        mine = [value for _, _, value in _ours(text, _root(path, text), event)]
        if [h.get("command") for h in mine] == [handler(command, event)["command"]]:
            continue  # already there (a timeout or other field the user changed is kept)
        text, _ = _remove_ours(path, text, event)
        text = _add(path, text, event, command)
        change.added.append(event)
    if change.changed:
        change.backup = _write(path, old, text, now or datetime.now(UTC))
    return change


def uninstall(path: Path, *, now: datetime | None = None) -> Change:
    """Remove every tokledger hook from the settings file at ``path``."""
    old = _read(path)
    change = Change(path)
    if not old.strip():
        return change
    text = old
    hooks = _root(path, text).get("hooks")
    events = hooks.keys if hooks is not None and hooks.kind == "object" else []
    for event in dict.fromkeys(events):
        text, removed = _remove_ours(path, text, event)
        if removed:
            change.removed.append(event)
    if change.changed:
        change.backup = _write(path, old, text, now or datetime.now(UTC))
    return change


def status(path: Path, *, mid_turn: bool = False) -> HookStatus:
    text = _read(path)
    installed: dict[str, list[str]] = {}
    if text.strip():
        _root(path, text)
        settings = json.loads(text.lstrip("\ufeff"))
        for event, groups in (settings.get("hooks") or {}).items():
            for group in groups if isinstance(groups, list) else []:
                for h in (group.get("hooks") or []) if isinstance(group, dict) else []:
                    if is_ours(h):
                        installed.setdefault(event, []).append(h["command"])
    wanted = EVENTS + (MID_TURN_EVENTS if mid_turn else ())
    return HookStatus(path, path.exists(), installed, [e for e in wanted if e not in installed])
