"""The daemon's logging: stderr in a journald-friendly form, and Loki when it is configured.

Under systemd (``JOURNAL_STREAM`` is set) each line starts with the syslog priority in angle brackets,
which journald turns into the entry's priority, and carries no timestamp (the journal adds its own):
``<4>warning: prometheus failed: HTTP 503``. Elsewhere lines are ``2025-06-01 10:00:00 warning: …``.
Records go to the ``tokledger`` logger only, so libraries' chatter stays out of the journal and of Loki.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TextIO

# Syslog priorities (sd-daemon(3)): journald reads "<N>" at the start of a line.
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class JournalFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(levelname_lower)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.levelname_lower = record.levelname.lower()
        priority = _PRIORITY.get(record.levelno, 6)
        text = super().format(record)
        # journald takes each line as an entry: prefix continuation lines (tracebacks) too.
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


class PlainFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname_lower)s: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        record.levelname_lower = record.levelname.lower()
        return super().format(record)


def setup(
    environ: Mapping[str, str],
    level: str = "info",
    *,
    stream: TextIO | None = None,
    extra: logging.Handler | None = None,
) -> logging.Logger:
    """Configure the ``tokledger`` logger: stderr (``stream``) plus ``extra`` (the Loki handler) if given.

    Handlers a previous call added are replaced, so a reload can call it again.
    """
    logger = logging.getLogger("tokledger")
    for handler in [h for h in logger.handlers if getattr(h, "_tokledger_daemon", False)]:
        logger.removeHandler(handler)
    console = logging.StreamHandler(stream or sys.stderr)
    console.setFormatter(JournalFormatter() if environ.get("JOURNAL_STREAM") else PlainFormatter())
    handlers: list[logging.Handler] = [console] + ([extra] if extra is not None else [])
    for handler in handlers:
        handler._tokledger_daemon = True
        logger.addHandler(handler)
    logger.setLevel(getattr(logging, level.upper()))
    logger.propagate = False
    return logger
