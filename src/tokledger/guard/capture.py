"""The drop directory as part of every sync, and watched by the faces that stay open (live, serve, daemon).

A sync reads the drop directory (``[capture] drop_dir``) after the log sources, as source ``drop_dir``:
its files' events are recorded like any other, the files deleted, bad ones moved to ``rejected/``, and
the outcome kept as the source's status (``tokledger sources``). A directory that does not exist yet is
nothing to read. :func:`watch_capture` reads it again as soon as files land, on its own connection.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import TYPE_CHECKING

from tokledger.capture.drop_dir import SOURCE as DROP_DIR

if TYPE_CHECKING:
    from tokledger.ingest import SyncReport
    from tokledger.workspace import Workspace


def read_drop_dir(workspace: Workspace, report: SyncReport) -> None:
    """Record the drop directory's files into ``report`` (a sync's)."""
    from tokledger.capture.drop_dir import consume, parse_capture
    from tokledger.ingest import FileReport, SourceReport, record

    config = workspace.config  # the drop directory alone, without loading the budgets
    folder = parse_capture(
        config.sections.get("capture"), path=workspace.config_path, env=workspace.env
    ).drop_dir
    sr = report.sources[DROP_DIR] = SourceReport(DROP_DIR, roots=[folder])
    if not folder.is_dir():
        return
    recorded: list[int] = []
    result = consume(folder, lambda events: recorded.append(
        record(workspace.ledger, workspace.pricer, events, workspace.fingerprint)))  # fmt: skip
    sr.files = sr.read = len(result.files)
    sr.events = sum(recorded)
    for path, count in zip(result.files, result.counts, strict=True):
        report.files.append(FileReport(DROP_DIR, str(path), "new", events=count))
    if result.rejected:
        sr.files += result.rejected
        sr.notices.append(
            f"{result.rejected} file{'s' if result.rejected > 1 else ''} rejected: see {folder / 'rejected'} and their .reason files"
        )
    if result.files or result.rejected:
        with workspace.ledger.transaction():
            workspace.ledger.save_source_status(DROP_DIR, int(time.time() * 1000), json.dumps([str(folder)]),
                                                json.dumps(sr.notices))  # fmt: skip


def watch_capture(workspace: Workspace, stop: threading.Event) -> threading.Thread:
    """Watch the drop directory in a thread until ``stop`` is set: new files are recorded at once through
    a reader of ``workspace`` (its own connection), so its after-sync checks run as for any sync. The
    directory is created when missing; a bad ``[capture]`` table raises here, in the caller's thread."""
    from tokledger.capture.drop_dir import watch

    folder = workspace.guard.drop_dir()

    def run() -> None:
        reader = workspace.reader()

        def read() -> None:
            if stop.is_set():
                return
            try:
                reader.sync(only=(DROP_DIR,))
            except Exception as exc:  # noqa: BLE001 - a failed read is retried with the next file
                print(f"tokledger: reading {folder} failed: {type(exc).__name__}: {exc}", file=sys.stderr)

        try:
            watch(folder, read, stop_event=stop)
        finally:
            reader.close()

    thread = threading.Thread(target=run, name="tokledger-drop-dir", daemon=True)
    thread.start()
    return thread
