"""The registry of sources: one module per assistant, one :class:`Source` record each.

A source knows where its assistant writes usage (``discover``) and how to turn one file into
:class:`~tokledger.events.UsageEvent` s (``parse``). Nothing past this package knows any vendor format.
To add an assistant: write ``sources/<slug>.py`` with a module docstring describing the format, define
``SOURCE = Source(...)`` in it, and add the slug to ``_MODULES`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
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


@dataclass
class ParseResult:
    """The events of one file read from ``start`` up to ``end_offset`` (the end of its last complete line).

    ``skipped`` counts records that could carry usage but were malformed (bad JSON, invalid UTF-8,
    wrong field types, truncated); they are never fatal.
    """

    events: list[UsageEvent]
    end_offset: int
    skipped: int = 0


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
