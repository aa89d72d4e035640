"""Desktop notifications: ``desktop-notifier`` (macOS, Windows, Linux over D-Bus), else ``notify-send``.

A backend is a function ``(title, message, urgent) -> None`` that raises :class:`AlertError` when it
cannot deliver; :class:`DesktopChannel` tries its backends in order and fails only when all fail, so
tests pass a fake backend and no test ever shows a real notification.

desktop-notifier logs a failed delivery instead of raising it (its D-Bus backend cannot find a session
bus on a headless machine, for example); its log records are caught here and turned into an error,
which moves on to ``notify-send`` where that is on ``PATH``. ``stop`` alerts are sent as critical.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Sequence

from tokledger.alerts import Alert, AlertError
from tokledger.env import Env

Backend = Callable[[str, str, bool], None]
APP_NAME = "tokledger"


class _Failures(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def desktop_notifier_backend(title: str, message: str, urgent: bool) -> None:
    try:
        from desktop_notifier import DesktopNotifierSync, Urgency
    except ImportError:
        raise AlertError("desktop-notifier is not installed") from None
    logger = logging.getLogger("desktop_notifier")
    failures = _Failures()
    logger.addHandler(failures)
    propagate, logger.propagate = logger.propagate, False
    try:
        notifier = DesktopNotifierSync(app_name=APP_NAME)
        notifier.send(title=title, message=message, urgency=Urgency.Critical if urgent else Urgency.Normal)
    except Exception as exc:  # noqa: BLE001 - a notification library failing must not fail the command
        raise AlertError(f"desktop-notifier failed ({type(exc).__name__})") from None
    finally:
        logger.removeHandler(failures)
        logger.propagate = propagate
    if failures.messages:
        raise AlertError(f"desktop-notifier failed ({failures.messages[0]})")


def notify_send_backend(env: Env) -> Backend:
    def send(title: str, message: str, urgent: bool) -> None:
        exe = shutil.which("notify-send", path=env.get("PATH"))
        if exe is None:
            raise AlertError("notify-send is not installed")
        args = [exe, "--app-name", APP_NAME, "--urgency", "critical" if urgent else "normal", title, message]
        try:
            done = subprocess.run(
                args, check=False, capture_output=True, timeout=10, env=dict(env.environ) or None
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AlertError(f"notify-send failed ({type(exc).__name__})") from None
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()[:1]
            raise AlertError(f"notify-send failed ({reason[0] if reason else f'exit {done.returncode}'})")

    return send


class DesktopChannel:
    name = "desktop"

    def __init__(self, backends: Sequence[Backend]):
        self.backends = list(backends)

    @classmethod
    def default(cls, env: Env) -> DesktopChannel:
        return cls([desktop_notifier_backend, notify_send_backend(env)])

    def send(self, alert: Alert) -> None:
        errors = []
        for backend in self.backends:
            try:
                backend(alert.title, alert.message, alert.level == "stop")
                return
            except AlertError as exc:
                errors.append(str(exc))
        raise AlertError("; ".join(errors) or "no notification backend")
