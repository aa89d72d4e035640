"""The core's steps of a daemon cycle, ``sync`` and ``budgets``, each turned into an :class:`Outcome`.

``sync`` reads new usage into the ledger. What it did is logged (and so reaches Loki when it is
configured): one line per source that read anything, at ``info``; each notice (an unreadable file, a
missing directory) at ``warning`` the first cycle it appears, at ``debug`` while it persists, so a
broken file does not fill the journal every ten minutes. Parser processes are forked only while the
daemon runs no other thread: a fork next to the ``/metrics`` server's or Loki's thread could inherit a
lock that thread holds, so with either one the daemon parses in-line. A notice does not fail the step: the other
sources were imported, and ``tokledger sources`` shows it. Only a sync that cannot run at all (the
ledger cannot be written) is a failure.

``budgets`` runs when the workspace evaluates budgets; whatever it returns counts as a success unless
it is a failed :class:`Outcome` (or raises).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tokledger.exporters import Outcome

log = logging.getLogger("tokledger.daemon")


def as_outcome(value: object) -> Outcome:
    """``None`` and anything but an :class:`Outcome` are a success; an Outcome is itself."""
    if isinstance(value, Outcome):
        return value
    return Outcome.success()


class SyncStep:
    """``sync()`` of the host, as a step: logs per source, new notices once, and a one-line summary."""

    def __init__(self, sync: Callable[..., object]):
        self._sync = sync
        self._notices: set[str] = set()

    def __call__(self) -> Outcome:
        report = self._sync(jobs=1) if threading.active_count() > 1 else self._sync()
        sources = getattr(report, "sources", None)
        if sources is None:  # a host that reports an Outcome (or nothing) itself
            return as_outcome(report)
        events = 0
        notices: set[str] = set()
        for name, source in sources.items():
            events += source.events
            if source.read or source.events:
                log.info("%s: %d files read, %d events recorded, %d lines skipped", name, source.read,
                         source.events, source.skipped)  # fmt: skip
            for notice in source.notices:
                text = f"{name}: {notice}"
                notices.add(text)
                if text in self._notices:
                    log.debug("still: %s", text)
                else:
                    log.warning("%s", text)
        self._notices = notices
        detail = f"{events} events recorded"
        if notices:
            detail += f", {len(notices)} notice{'s' if len(notices) != 1 else ''}"
        return Outcome.success(detail)
