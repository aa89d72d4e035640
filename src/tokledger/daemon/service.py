"""Install the daemon as a per-user service: a systemd user unit (Linux) or a launchd agent (macOS).

Paths come from the :class:`~tokledger.env.Env` given (its home and XDG variables), never from the real
home directory:

- Linux: ``$XDG_CONFIG_HOME/systemd/user/tokledger.service`` (default ``~/.config/systemd/user``); then
  ``systemctl --user daemon-reload`` and ``systemctl --user enable --now tokledger.service`` when
  ``systemctl`` is there and answers. Otherwise, or when it fails (no user session bus, as over plain SSH or
  in a container), the result says which commands to run. ``Restart=on-failure``; the service stops with
  SIGTERM (the current cycle finishes) and reloads with SIGHUP (``systemctl --user reload tokledger``).
- macOS: ``~/Library/LaunchAgents/tokledger.daemon.plist`` (``RunAtLoad``, ``KeepAlive``), logs in
  ``~/Library/Logs/tokledger/``; loaded with ``launchctl bootstrap gui/<uid>``.

Every function returns the lines to show the user: what was written or removed, what was run, and what to
run by hand where something could not be done.
"""

from __future__ import annotations

import plistlib
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tokledger.env import Env

UNIT = "tokledger.service"
LABEL = "tokledger.daemon"
Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess"]


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)


@dataclass(frozen=True)
class Service:
    env: Env
    platform: str = sys.platform
    runner: Runner = _run
    which: Callable[[str], str | None] | None = None
    uid: int | None = None

    @property
    def is_macos(self) -> bool:
        return self.platform == "darwin"

    @property
    def path(self) -> Path:
        if self.is_macos:
            return self.env.home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
        return self.env.xdg_config_home / "systemd" / "user" / UNIT

    def _tool(self, name: str) -> str | None:
        import shutil

        return (self.which or shutil.which)(name)

    def _try(self, argv: Sequence[str], lines: list[str]) -> bool:
        """Run ``argv`` if its program exists; report it either way."""
        shown = shlex.join(argv)
        if self._tool(argv[0]) is None:
            lines.append(f"{argv[0]} not found; run: {shown}")
            return False
        try:
            done = self.runner(argv)
        except (OSError, subprocess.SubprocessError) as exc:
            lines.append(f"could not run {shown} ({type(exc).__name__}); run it yourself")
            return False
        if done.returncode != 0:
            reason = (done.stderr or done.stdout or "").strip().splitlines()
            lines.append(f"{shown} failed{': ' + reason[0] if reason else ''}; run it yourself")
            return False
        lines.append(f"ran: {shown}")
        return True

    def content(self, argv: Sequence[str]) -> str:
        return plist(argv, self.env.home) if self.is_macos else systemd_unit(argv)

    def install(self, argv: Sequence[str]) -> list[str]:
        """Write the unit or agent for the command line ``argv`` and start it where possible."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.content(argv))
        lines = [f"wrote {self.path}"]
        if self.is_macos:
            (self.env.home / "Library" / "Logs" / "tokledger").mkdir(parents=True, exist_ok=True)
            self._try(["launchctl", "bootstrap", self._domain(), str(self.path)], lines)
        elif self._try(["systemctl", "--user", "daemon-reload"], lines):
            self._try(["systemctl", "--user", "enable", "--now", UNIT], lines)
        else:
            lines.append(f"then: systemctl --user enable --now {UNIT}")
        return lines

    def uninstall(self) -> list[str]:
        lines: list[str] = []
        if self.is_macos:
            if self.path.exists():
                self._try(["launchctl", "bootout", self._domain(), str(self.path)], lines)
        else:
            self._try(["systemctl", "--user", "disable", "--now", UNIT], lines)
        if self.path.exists():
            self.path.unlink()
            lines.append(f"removed {self.path}")
            if not self.is_macos:
                self._try(["systemctl", "--user", "daemon-reload"], lines)
        else:
            lines.append(f"not installed ({self.path} does not exist)")
        return lines

    def status(self) -> dict:
        """``installed``, ``path`` and, where the service manager answers, ``active`` (its own word)."""
        state = {"installed": self.path.exists(), "path": str(self.path), "active": None}
        argv = (
            ["launchctl", "print", f"{self._domain()}/{LABEL}"]
            if self.is_macos
            else ["systemctl", "--user", "is-active", UNIT]
        )
        if state["installed"] and self._tool(argv[0]) is not None:
            try:
                done = self.runner(argv)
            except (OSError, subprocess.SubprocessError):
                return state
            if self.is_macos:
                state["active"] = "active" if done.returncode == 0 else "inactive"
            else:
                state["active"] = (done.stdout or "").strip() or None
        return state

    def _domain(self) -> str:
        import os

        return f"gui/{self.uid if self.uid is not None else os.getuid()}"


def _systemd_quote(arg: str) -> str:
    # systemd expands % specifiers and $ variables in ExecStart; quote words with spaces or quotes.
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c in arg for c in " \t\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(argv: Sequence[str]) -> str:
    return f"""[Unit]
Description=tokledger: read AI assistant usage into the ledger and export metrics
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart={" ".join(_systemd_quote(a) for a in argv)}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=30
# SIGTERM lets the current cycle finish; give a slow push time to end.
TimeoutStopSec=120

[Install]
WantedBy=default.target
"""


def plist(argv: Sequence[str], home: Path) -> str:
    logs = home / "Library" / "Logs" / "tokledger"
    doc = {
        "Label": LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": str(logs / "daemon.log"),
        "StandardErrorPath": str(logs / "daemon.log"),
        "ProcessType": "Background",
    }
    return plistlib.dumps(doc).decode()
