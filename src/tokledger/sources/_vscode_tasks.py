"""The task logs Cline and its forks (Roo Code, Kilo Code) keep in an editor's extension storage.

Each task is a directory ``<global storage>/<extension id>/tasks/<task id>/`` holding ``ui_messages.json``
(the chat as the panel shows it, one JSON array rewritten whole as the task runs) and
``api_conversation_history.json`` (the messages sent to the model). A request is a ``ui_messages.json``
entry ``{"type": "say", "say": "api_req_started", "ts": <epoch ms>, "text": "<JSON>"}`` whose ``text``,
once the response has streamed, holds ``ClineApiReqInfo``: ``tokensIn``, ``tokensOut``, ``cacheWrites``,
``cacheReads``, ``cost`` (USD, computed by the extension) and, in Roo Code and Kilo Code, ``apiProtocol``
("anthropic" | "openai"). Newer Cline versions put ``modelInfo`` ``{modelId, providerId, mode}`` on the
message itself.

Storage roots: ``User/globalStorage/`` of VS Code, VS Code Insiders, VSCodium, Cursor and Windsurf, under
``${XDG_CONFIG_HOME:-~/.config}/<editor>`` (Linux), ``~/Library/Application Support/<editor>`` (macOS), and
the remote servers' ``~/.vscode-server/data`` and ``~/.cursor-server/data``.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import msgspec

from tokledger.env import Env
from tokledger.events import Skip, UsageEvent, check, instant_ms, logged_cost, token_count
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths, read_regular, strip_bom
from tokledger.sources._records import MALFORMED, Skips

UI_MESSAGES = "ui_messages.json"
HISTORY = "api_conversation_history.json"
EDITORS = ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf")
_MODEL = re.compile(rb"<model>\s*([^<\\]+?)\s*</model>")
_TS = re.compile(rb'"ts"\s*:\s*(\d{10,})')
_CWD = re.compile(rb"# Current (?:Workspace|Working) Directory \(([^)\\]+)\) Files")


class _ModelInfo(msgspec.Struct):
    modelId: str | None = None
    providerId: str | None = None


class _UiMessage(msgspec.Struct):
    type: str | None = None
    say: str | None = None
    ts: int | float | str | None = None
    text: str | None = None
    modelInfo: _ModelInfo | None = None


class _ReqInfo(msgspec.Struct):
    tokensIn: int | None = None
    tokensOut: int | None = None
    cacheWrites: int | None = None
    cacheReads: int | None = None
    cost: float | None = None
    apiProtocol: str | None = None


_decode_list = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_message = msgspec.json.Decoder(_UiMessage).decode
_decode_info = msgspec.json.Decoder(_ReqInfo).decode


def storage_roots(env: Env, extension: str) -> list[Path]:
    """Every ``<global storage>/<extension>/tasks`` directory an editor may keep, in a stable order."""
    bases = [env.xdg_config_home / e for e in EDITORS]
    mac = [env.home / "Library" / "Application Support" / e for e in EDITORS]
    bases = mac + bases if sys.platform == "darwin" else bases + mac
    bases += [env.home / ".vscode-server" / "data", env.home / ".cursor-server" / "data"]
    return [b / "User" / "globalStorage" / extension / "tasks" for b in bases]


def discover(env: Env, extension: str, home_dirs: tuple[str, ...] = ()) -> Discovery:
    """The task files under every editor's storage of ``extension``, and under ``home_dirs`` (relative to
    the home directory: a command-line variant's own folder)."""
    roots = storage_roots(env, extension) + [env.home / d for d in home_dirs]
    notices: list[str] = []
    found = find_paths([r for r in roots if r.is_dir()], UI_MESSAGES, notices)
    files: list[Path | str] = [p for p in found if Path(p).name == UI_MESSAGES]
    return Discovery(roots=roots, files=files, notices=notices)


def _instant(ts: float | str | None) -> datetime:
    if ts is None:
        raise Skip("no timestamp")
    if isinstance(ts, str):
        text = ts.strip()
        if text.isdigit():
            return instant_ms(int(text))
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return instant_ms(ts)


def _history(task: Path) -> tuple[list[tuple[int, str]], str | None, str | None]:
    """From ``api_conversation_history.json``: (request time, model) pairs in order, the last model, and the
    workspace directory — read with byte searches, since the history can hold megabytes of tool output."""
    try:
        data = read_regular(task / HISTORY)
    except OSError:
        return [], None, None
    timed, pending, last = [], None, None
    marks = sorted([(m.start(), "model", m.group(1)) for m in _MODEL.finditer(data)]
                   + [(m.start(), "ts", m.group(1)) for m in _TS.finditer(data)])  # fmt: skip
    for _, kind, value in marks:
        if kind == "model":
            pending = last = value.decode("utf-8", "replace")
        elif pending is not None:
            timed.append((int(value), pending))
            pending = None
    cwd = _CWD.search(data)
    return timed, last, cwd.group(1).decode("utf-8", "replace") if cwd else None


def _model_at(timed: list[tuple[int, str]], ts_ms: int, last: str | None) -> str | None:
    chosen = None
    for when, model in timed:
        if when <= ts_ms:
            chosen = model
    return chosen or (timed[0][1] if timed else last)


def _tokens(info: _ReqInfo) -> tuple[int, int, int, int]:
    """(input, output, cache write, cache read): ``tokensIn`` holds the cache for the OpenAI protocol, and
    in later releases for every protocol; it holds it whenever it is at least the cache counts."""
    tokens_in, out = token_count(info.tokensIn), token_count(info.tokensOut)
    write, read = token_count(info.cacheWrites), token_count(info.cacheReads)
    cached = write + read
    if info.apiProtocol == "openai" or (cached and tokens_in >= cached):
        tokens_in = max(tokens_in - cached, 0)
    return tokens_in, out, write, read


def parse(source: str, path: Path, start: int = 0) -> ParseResult:
    """The requests of one task's ``ui_messages.json`` as events of ``source``."""
    data = read_regular(path)
    skips = Skips()
    try:
        raws = _decode_list(strip_bom(data))
    except MALFORMED as exc:
        skips.add(exc)
        return ParseResult(events=[], end_offset=len(data), reasons=skips)
    task = path.parent
    timed, last, cwd = _history(task)
    events: dict[str, UsageEvent] = {}
    for raw in raws:
        try:
            message = _decode_message(raw)
            if message.type != "say" or message.say != "api_req_started" or not message.text:
                continue
            info = _decode_info(message.text)
            inp, out, write, read = _tokens(info)
            cost = logged_cost(info.cost)
            if not (inp or out or write or read or cost):
                continue
            when = _instant(message.ts)
            ts_ms = int(when.timestamp() * 1000)
            ref = message.modelInfo or _ModelInfo()
            model = ref.modelId or _model_at(timed, ts_ms, last) or "unknown"
            event = check(UsageEvent(
                source=source, key=f"{task.name}:{ts_ms}", timestamp=when, model=model,
                provider=ref.providerId or info.apiProtocol, input_tokens=inp, output_tokens=out,
                cache_write_tokens=write, cache_read_tokens=read, logged_cost_usd=cost or None,
                session_id=task.name, project=cwd,
            ))  # fmt: skip
        except MALFORMED as exc:
            skips.add(exc)
            continue
        events[event.key] = event
    return ParseResult(events=list(events.values()), end_offset=len(data), reasons=skips)


def source(name: str, title: str, extension: str, home_dirs: tuple[str, ...] = ()) -> Source:
    """The :class:`Source` of one extension of this family (all estimated, their task files rewritten)."""
    return Source(name=name, title=title, accuracy="estimated", append_only=False,
                  discover=partial(discover, extension=extension, home_dirs=home_dirs),
                  parse=partial(parse, name))  # fmt: skip
