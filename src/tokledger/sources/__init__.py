"""The registry of sources: one module per assistant, one :class:`Source` record each.

A source knows where its assistant writes usage (``discover``) and how to turn one file into
:class:`~tokledger.events.UsageEvent` s (``parse``). Nothing past this package knows any vendor format.
To add an assistant: write ``sources/<slug>.py`` with a module docstring describing the format, define
``SOURCE = Source(...)`` in it, and add the slug to ``_MODULES`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tokledger.env import Env
from tokledger.events import UsageEvent

ACCURACY = ("exact", "estimated", "cost-only")


@dataclass
class Discovery:
    """What a source found: the roots it looked at, the files to read, and one-line notices."""

    roots: list[Path] = field(default_factory=list)
    files: list[Path | str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


class ParseResult:
    """The events of one file read from ``start`` up to ``end_offset`` (the end of its last complete line).

    ``skipped`` counts records that could carry usage but were malformed or out of bounds (bad JSON,
    invalid UTF-8, wrong field types, impossible values); they are never fatal. ``reasons`` says why, as
    reason → count (its counts add up to ``skipped``).

    A large file's events can come as a stream of bounded batches (``batches``: an iterator of event lists
    that returns ``(end_offset, skipped, reasons)`` when it ends): :meth:`stream` hands them on one batch at
    a time, so memory stays bounded; reading :attr:`events` (or the counts) first collects them all. Events
    of one key may then come in two batches; the ledger merges them as it merges any two copies.
    """

    def __init__(self, events: Iterable[UsageEvent] = (), end_offset: int = 0, skipped: int = 0,
                 reasons: dict[str, int] | None = None, *,
                 batches: Iterator[list[UsageEvent]] | None = None) -> None:  # fmt: skip
        self._events: list[UsageEvent] | None = list(events) if batches is None else None
        self._batches = batches
        self._end_offset = end_offset
        self._reasons = dict(reasons or {})
        if skipped > sum(self._reasons.values()):
            self._reasons["malformed"] = (
                self._reasons.get("malformed", 0) + skipped - sum(self._reasons.values())
            )

    def stream(self) -> Iterator[list[UsageEvent]]:
        """The events in batches, each batch once; the counts are final when it ends."""
        if self._batches is None:
            events, self._events = self._events or [], []
            if events:
                yield events
            return
        batches, self._batches = self._batches, None
        end, skipped, reasons = yield from batches
        self._end_offset = end
        self._reasons = dict(reasons)
        if skipped > sum(self._reasons.values()):
            self._reasons["malformed"] = (
                self._reasons.get("malformed", 0) + skipped - sum(self._reasons.values())
            )

    def _drain(self) -> None:
        if self._batches is not None:
            collected: list[UsageEvent] = []
            for batch in self.stream():
                collected.extend(batch)
            self._events = collected

    @property
    def events(self) -> list[UsageEvent]:
        self._drain()
        return self._events if self._events is not None else []

    @property
    def end_offset(self) -> int:
        self._drain()
        return self._end_offset

    @property
    def skipped(self) -> int:
        self._drain()
        return sum(self._reasons.values())

    @property
    def reasons(self) -> dict[str, int]:
        self._drain()
        return dict(self._reasons)


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    accuracy: str
    discover: Callable[[Env], Discovery]
    parse: Callable[[Path, int], ParseResult]
    append_only: bool
    """True when files only ever grow (JSONL logs): a grown file is read from its checkpoint offset.
    False when files are rewritten whole (JSON documents, databases): a changed file is read again."""
    module: ModuleType | None = None

    @property
    def description(self) -> str:
        return (self.module.__doc__ or "").strip() if self.module else ""


_MODULES = (
    "claude_code",
    "codex",
    "gemini",
    "opencode",
    "goose",
    "qwen",
    "amp",
    "copilot_cli",
    "kimi",
    "pi",
    "openclaw",
    "crush",
    "cline",
    "roo_code",
    "kilo_code",
    "factory_droid",
)


def _load() -> dict[str, Source]:
    registry: dict[str, Source] = {}
    for slug in _MODULES:
        module = importlib.import_module(f"tokledger.sources.{slug}")
        source: Source = module.SOURCE
        assert source.name == slug, f"{module.__name__} declares {source.name!r}"
        assert source.accuracy in ACCURACY
        registry[slug] = Source(**{**source.__dict__, "module": module})
    return registry


SOURCES: dict[str, Source] = _load()
