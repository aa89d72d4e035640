"""Team settings: where the ledger is, who this machine and person are, and where ``push`` sends events.

From the configuration file (validated here, with messages that name the key and the file)::

    ledger = "postgresql://ana@db.example.com/tokledger?sslmode=verify-full"   # optional: work on a
                                        # team ledger directly instead of the personal SQLite file

    [team]
    host = "ana-laptop"                 # default: this machine's name
    user = "ana"                        # default: the login name
    ledger = "postgresql://push_ana_laptop@db.example.com/tokledger?sslmode=verify-full"
                                        # where `tokledger push` sends (default for --to)
    push = true                         # the daemon pushes on every cycle (default: false)
    password_file = "~/.config/tokledger/pgpass"   # a file holding only the password, mode 0600

Where the ledger is: ``--db``, else ``TOKLEDGER_DB``, else ``ledger`` here, else the personal SQLite file.
Passwords never appear in a URL or here (see :mod:`tokledger.team.secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokledger.config import Config
from tokledger.env import Env
from tokledger.errors import ConfigError

_KEYS = ("host", "user", "ledger", "push", "password_file")
_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Team:
    host: str
    user: str
    ledger: str | None = None
    """The team ledger ``push`` sends to."""
    push: bool = False
    password_file: Path | None = None


def _name(path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200 or not value.isprintable():
        raise ConfigError(f"{path}: team.{key} must be a non-empty name of printable characters")
    return value.strip()


def _url(path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.startswith(_SCHEMES):
        raise ConfigError(f"{path}: {key} must be a postgresql:// URL")
    return value


def team_of(config: Config, env: Env) -> Team:
    """The ``[team]`` table with its defaults."""
    raw = config.sections.get("team", {})
    path = config.path
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: team must be a table ([team])")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{path}: team: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    push = raw.get("push", False)
    if not isinstance(push, bool):
        raise ConfigError(f"{path}: team.push must be true or false")
    password_file = raw.get("password_file")
    if password_file is not None and (not isinstance(password_file, str) or not password_file.strip()):
        raise ConfigError(f"{path}: team.password_file must be a path")
    return Team(
        host=_name(path, "host", raw["host"]) if "host" in raw else env.host_name,
        user=_name(path, "user", raw["user"]) if "user" in raw else env.login_name,
        ledger=_url(path, "team.ledger", raw["ledger"]) if "ledger" in raw else None,
        push=push,
        password_file=env.expand(password_file) if password_file else None,
    )


def ledger_location(config: Config) -> str | None:
    """The top-level ``ledger`` of the configuration: a path or a ``postgresql://`` URL."""
    value = config.sections.get("ledger")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{config.path}: ledger must be a path or a postgresql:// URL")
    return value
