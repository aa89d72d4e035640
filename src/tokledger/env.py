"""``Env``: the home directory and environment variables, the only place that reads them.

Every path tokledger looks at is derived from an :class:`Env` passed in explicitly, so tests build a
fake home and never touch the developer's real logs or ledger.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APP = "tokledger"


@dataclass(frozen=True)
class Env:
    home: Path
    environ: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_os(cls) -> Env:
        return cls(home=Path.home(), environ=dict(os.environ))

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return value if value not in (None, "") else default

    def expand(self, value: str) -> Path:
        """A user-written path: ``~`` means this Env's home."""
        value = value.strip()
        if value == "~" or value.startswith("~/"):
            return self.home / value[2:]
        return Path(value)

    def _xdg(self, var: str, fallback: str) -> Path:
        value = self.get(var)
        return self.expand(value) if value else self.home / fallback

    @property
    def xdg_config_home(self) -> Path:
        return self._xdg("XDG_CONFIG_HOME", ".config")

    @property
    def xdg_data_home(self) -> Path:
        return self._xdg("XDG_DATA_HOME", ".local/share")

    @property
    def data_dir(self) -> Path:
        """Where the embedded ledger lives by default (platform conventions, as platformdirs has them)."""
        if sys.platform == "darwin":
            return self.home / "Library" / "Application Support" / APP
        if sys.platform == "win32":
            import platformdirs

            return Path(platformdirs.user_data_dir(APP, appauthor=False))
        return self.xdg_data_home / APP

    @property
    def config_dir(self) -> Path:
        if sys.platform == "darwin":
            return self.home / "Library" / "Application Support" / APP
        if sys.platform == "win32":
            import platformdirs

            return Path(platformdirs.user_config_dir(APP, appauthor=False))
        return self.xdg_config_home / APP

    @property
    def ledger_location(self) -> str | None:
        """``TOKLEDGER_DB`` as given: a path, or a ``postgresql://`` URL."""
        return self.get("TOKLEDGER_DB")

    @property
    def login_name(self) -> str:
        """Who is running tokledger: ``LOGNAME``, ``USER``, ``USERNAME``, else the account's name."""
        for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            value = self.get(name)
            if value:
                return value
        try:
            import pwd

            return pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError, OSError):
            return "unknown"

    @property
    def host_name(self) -> str:
        """This machine's name, as the system gives it (without the domain)."""
        try:
            name = os.uname().nodename  # what gethostname() answers, without loading socket
        except AttributeError:  # Windows
            import socket

            name = socket.gethostname()
        return name.split(".", 1)[0] or "localhost"

    @property
    def config_path(self) -> Path:
        value = self.get("TOKLEDGER_CONFIG")
        return self.expand(value) if value else self.config_dir / "config.toml"
