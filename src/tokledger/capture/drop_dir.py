"""The cost-event drop directory: JSON files other tools write, read into ``UsageEvent`` s, then deleted.

Where
    ``[capture] drop_dir`` in the configuration (``~`` is the home), default ``<data dir>/cost-events``
    (``~/.local/share/tokledger/cost-events`` on Linux). Created with mode 0700 when missing.

Files (agent-deck's cost-event format, plus optional tokledger fields)
    ``*.json`` holding one event object or an array of them; names starting with ``.`` and ``*.tmp``
    are ignored (write to a temporary name, then rename). Fields: ``instance_id`` (string: the agent
    instance or session), ``model``, ``input_tokens``, ``output_tokens``, ``cache_read_tokens``,
    ``cache_write_tokens`` (integers), ``ts`` (Unix time in **nanoseconds**), optional ``cost_usd``
    (the tool's own cost, kept as the logged cost). Optional tokledger fields: ``session_id`` (else the
    instance id), ``cwd`` (the project), ``cache_write_1h_tokens`` (the 1-hour part of the cache writes),
    ``reasoning_tokens`` (the part of output), ``request_id``, ``provider``, and ``source`` + ``key``
    together — the source slug and that source's own event key — so a request captured here and later
    read from the source's logs counts once. Token semantics are tokledger's: input excludes cache.

Identity
    Source ``drop_dir`` (unless ``source`` is given), key ``drop:<blake2b of the event's fields>``: the
    same content read twice is one event, so a crash between recording and deleting double-counts
    nothing. (agent-deck keys on ``<instance_id>_<ts>``, which collides for two events in one
    nanosecond and differs for the same event re-sent.)

Rejects
    A file that is not JSON, not UTF-8, over 1 MiB, or has a missing or out-of-range field is moved to
    ``rejected/`` beside a ``<name>.reason`` file saying why; the other files are still read. A file that
    fails to parse within ``settle_s`` of its last change is left for the next pass (it may still be
    being written by a tool that does not rename).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from hashlib import blake2b
from pathlib import Path

from tokledger.env import Env
from tokledger.errors import ConfigError
from tokledger.events import UsageEvent

SOURCE = "drop_dir"
MAX_FILE = 1 << 20
MAX_TOKENS = 10**12
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TS_RANGE = (946_684_800 * 10**9, 4_102_444_800 * 10**9)  # 2000-01-01 .. 2100-01-01
_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_OPTIONAL_TOKENS = ("cache_write_1h_tokens", "reasoning_tokens")
_TEXTS = ("session_id", "cwd", "request_id", "provider", "source", "key")


@dataclass(frozen=True)
class CaptureConfig:
    drop_dir: Path


def parse_capture(table, *, path: Path | None, env: Env) -> CaptureConfig:
    """Validate the raw ``[capture]`` table (None: the defaults)."""
    table = {} if table is None else table
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: capture must be a table")
    unknown = sorted(set(table) - {"drop_dir"})
    if unknown:
        raise ConfigError(f"{path}: capture.{unknown[0]} is not a known key (known: drop_dir)")
    value = table.get("drop_dir")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{path}: capture.drop_dir must be a directory path")
    return CaptureConfig(env.expand(value) if value else env.data_dir / "cost-events")


class Rejected(ValueError):
    """Why a drop file cannot be read (written to its ``.reason`` file)."""


def _int(obj: dict, name: str, low: int, high: int, required: bool = True) -> int:
    value = obj.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Rejected(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _text(obj: dict, name: str, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 1000:
        raise Rejected(f"{name} must be a non-empty string, got {value!r}"[:300])
    return value


def to_event(obj: object) -> UsageEvent:
    """One drop-file event as a :class:`UsageEvent` (raises :class:`Rejected`)."""
    if not isinstance(obj, dict):
        raise Rejected("an event must be a JSON object")
    instance, model = _text(obj, "instance_id", True), _text(obj, "model", True)
    ts = _int(obj, "ts", *_TS_RANGE)
    tokens = {name: _int(obj, name, 0, MAX_TOKENS) for name in _TOKENS}
    tokens |= {name: _int(obj, name, 0, MAX_TOKENS, required=False) for name in _OPTIONAL_TOKENS}
    if tokens["cache_write_1h_tokens"] > tokens["cache_write_tokens"]:
        raise Rejected("cache_write_1h_tokens cannot exceed cache_write_tokens")
    if tokens["reasoning_tokens"] > tokens["output_tokens"]:
        raise Rejected("reasoning_tokens cannot exceed output_tokens")
    cost = obj.get("cost_usd")
    if cost is not None:
        if isinstance(cost, bool) or not isinstance(cost, (int, float)) or not 0 <= cost <= 10**6:
            raise Rejected(f"cost_usd must be a number of USD from 0 to 1000000, got {cost!r}")
        cost = Decimal(str(cost))
    texts = {name: _text(obj, name) for name in _TEXTS}
    if (texts["source"] is None) != (texts["key"] is None):
        raise Rejected("source and key go together (the source's own event key)")
    if texts["source"] is not None and not texts["source"].replace("_", "").isalnum():
        raise Rejected(f"source must be a source slug, got {texts['source']!r}")
    identity = [instance, model, ts, *tokens.values(), None if cost is None else str(cost),
                *(texts[n] for n in ("session_id", "cwd", "request_id", "provider"))]  # fmt: skip
    digest = blake2b(json.dumps(identity).encode(), digest_size=16).hexdigest()
    return UsageEvent(
        source=texts["source"] or SOURCE, key=texts["key"] or f"drop:{digest}",
        timestamp=_EPOCH + timedelta(microseconds=ts // 1000), model=model,
        session_id=texts["session_id"] or instance, project=texts["cwd"], request_id=texts["request_id"],
        provider=texts["provider"], logged_cost_usd=cost, **tokens,
    )  # fmt: skip


def read_file(path: Path) -> list[UsageEvent]:
    """The events of one drop file (raises :class:`Rejected` for the whole file)."""
    try:
        if path.stat().st_size > MAX_FILE:
            raise Rejected(f"larger than {MAX_FILE} bytes")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise Rejected("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise Rejected(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    events = data if isinstance(data, list) else [data]
    if not events:
        raise Rejected("an empty list")
    found = []
    for i, obj in enumerate(events):
        try:
            found.append(to_event(obj))
        except Rejected as exc:
            raise Rejected(f"event {i}: {exc}" if isinstance(data, list) else str(exc)) from None
    return found


@dataclass
class DropResult:
    recorded: int = 0
    rejected: int = 0
    files: list[Path] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    """The events of each file read, in the order of ``files``."""


def _pending(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return []
    return [p for p in entries if p.suffix == ".json" and not p.name.startswith(".") and p.is_file()]


def reject(path: Path, reason: str) -> Path:
    """Move ``path`` to ``rejected/`` beside a ``.reason`` file; returns the new path."""
    target_dir = path.parent / "rejected"
    target_dir.mkdir(mode=0o700, exist_ok=True)
    target = target_dir / path.name
    os.replace(path, target)
    (target_dir / f"{path.name}.reason").write_text(reason + "\n", encoding="utf-8")
    return target


def consume(folder: Path, record: Callable[[list[UsageEvent]], None], *, settle_s: float = 2.0) -> DropResult:
    """Read every pending file, hand the events to ``record`` in one call, then delete the files read."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    result, events = DropResult(), []
    for path in _pending(folder):
        try:
            found = read_file(path)
            events += found
            result.files.append(path)
            result.counts.append(len(found))
        except FileNotFoundError:
            continue  # consumed by another process meanwhile
        except Rejected as exc:
            try:
                if str(exc).startswith("not JSON") and time.time() - path.stat().st_mtime < settle_s:
                    continue
                reject(path, str(exc))
            except FileNotFoundError:
                continue
            result.rejected += 1
    if events:
        record(events)
    for path in result.files:
        path.unlink(missing_ok=True)
    result.recorded = len(events)
    return result


def watch(folder: Path, on_change: Callable[[], object], *, stop_event=None, debounce_ms: int = 100) -> None:
    """Call ``on_change()`` once now and after each burst of new or changed ``*.json`` files, until
    ``stop_event`` (a ``threading.Event``) is set. Blocks: run it in a thread or a daemon."""
    import watchfiles

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def wanted(change, path: str) -> bool:  # our own deletions and renames to rejected/ are not news
        name = Path(path).name
        return change != watchfiles.Change.deleted and name.endswith(".json") and not name.startswith(".")

    on_change()
    for _ in watchfiles.watch(folder, watch_filter=wanted, debounce=debounce_ms, stop_event=stop_event,
                              recursive=False, raise_interrupt=False):  # fmt: skip
        on_change()
