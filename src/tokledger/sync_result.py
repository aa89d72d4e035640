"""What a sync did: per file (read, appended, unchanged, failed; events, skipped records and why), per
source (files, notices), and the one line a report prints when its sync could not read something."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tokledger.sources._records import reason_text


@dataclass
class FileReport:
    source: str
    path: str
    action: str  # "new", "appended", "reread", "unchanged", "error"
    bytes_read: int = 0
    events: int = 0
    skipped: int = 0
    error: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    """Why records were skipped: reason → count (adds up to ``skipped``)."""


@dataclass
class SourceReport:
    name: str
    roots: list[Path] = field(default_factory=list)
    files: int = 0
    read: int = 0
    events: int = 0
    skipped: int = 0
    notices: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class SyncReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(f.action not in ("unchanged", "error") for f in self.files)

    @property
    def notices(self) -> list[str]:
        """Every one-line notice of this sync, each naming its source."""
        return [f"{s.name}: {n}" for s in self.sources.values() for n in s.notices]

    def summary(self) -> str | None:
        """One line on what this sync could not read, for a report to print on stderr (None: nothing)."""
        parts = []
        if self.notices:
            parts.append(f"{len(self.notices)} notice{'s' * (len(self.notices) > 1)} ({self.notices[0]}"
                         + (", ..." if len(self.notices) > 1 else "") + ")")  # fmt: skip
        skipped = sum(self.reasons.values())
        if skipped:
            parts.append(f"{skipped} record{'s' * (skipped > 1)} skipped ({reason_text(self.reasons)})")
        if not parts:
            return None
        return "tokledger: reading logs: " + "; ".join(parts) + " — `tokledger sync -v` for details"

    @property
    def reasons(self) -> dict[str, int]:
        """Records skipped by this sync, by reason, over all sources."""
        out: dict[str, int] = {}
        for s in self.sources.values():
            for why, n in s.reasons.items():
                out[why] = out.get(why, 0) + n
        return out
