"""The bodies of ``tokledger statusline`` and ``tokledger hook``, which Claude Code runs after every message
and turn: the command line runs them, and so does the quick start (:mod:`tokledger.launch`), which skips
loading the command-line framework. Neither ever fails the caller: the status line prints what went wrong
in place of the line, the hook exits 0 and leaves a notice in the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tokledger.errors import TokledgerError
from tokledger.guard import GuardServices

HOOK_ALERT_SECONDS = 8.0  # a hook has 30 s in all; webhooks must not use them up
MAX_STDIN = 1 << 20


def statusline(services: Callable[[], GuardServices], text: str, *, template: str | None = None,
               colour: bool = True) -> str:  # fmt: skip
    """The status line for Claude Code's JSON ``text``: the session's transcript is read first (only it),
    then every figure comes from the ledger. It raises no alerts (a run may be cancelled at any moment)."""
    from tokledger.statusline import DEFAULT_FORMAT, status_line

    try:
        svc = services()
        svc.alerting = False

        def refresh(inp) -> None:
            if inp.transcript_path:
                try:
                    svc.ingest_transcript(Path(inp.transcript_path))
                except Exception as exc:  # noqa: BLE001 - the line shows what the ledger holds
                    _notice(svc, f"tokledger statusline: {type(exc).__name__}: {exc}")

        result = status_line(text, svc.status_data(), svc.budgets(), svc.timezone(), template=template or DEFAULT_FORMAT,
                             colour=colour, before=refresh)  # fmt: skip
        if result.rate_limits is not None:
            try:
                svc.keep_rate_limits(result.rate_limits)
            except Exception as exc:  # noqa: BLE001 - kept next time
                _notice(svc, f"tokledger statusline: {type(exc).__name__}: {exc}")
        return result.line
    except (
        TokledgerError
    ) as exc:  # a bad configuration or ledger: its one-line reason, which says what to fix
        text = " ".join(str(exc).split())
        return f"tokledger: {text[:237] + '...' if len(text) > 240 else text}"
    except Exception as exc:  # noqa: BLE001 - the status bar shows the failure instead of going blank
        return f"tokledger: {type(exc).__name__}"


def _notice(svc: GuardServices, text: str) -> None:
    try:
        svc.notice(text)
    except Exception:  # noqa: BLE001, S110 - nowhere left to report to
        pass


def hook(services: Callable[[], GuardServices], event: str | None, stdin: TextIO, stdout: TextIO,
         stderr: TextIO) -> int:  # fmt: skip
    """Run the hook handler (:mod:`tokledger.capture.hook`) on the payload in ``stdin``; always 0."""
    from tokledger.capture.hook import HookDeps, run_hook

    try:
        svc = services()
        svc.alert_seconds = HOOK_ALERT_SECONDS
    except Exception as exc:  # noqa: BLE001 - a hook must never break the session
        stderr.write(f"tokledger hook: {type(exc).__name__}: {exc}\n")
        return 0

    def alerts(statuses) -> None:
        from tokledger.guard.services import raise_due

        raise_due(svc, statuses)

    deps = HookDeps(
        ingest_transcript=svc.ingest_transcript, budgets=svc.budgets, sums=svc.usage_sums, timezone=svc.timezone,
        notice=svc.notice, alerts=alerts, claim=lambda key: svc.alert_store().claim(key),
        config_path=str(svc.config_path),
    )  # fmt: skip
    return run_hook(event, stdin, stdout, deps)
