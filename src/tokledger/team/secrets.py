"""The password of a team ledger, from the places a password may be kept — never from a URL, never printed.

In order, the first that has one wins:

1. ``PGPASSWORD`` in the environment;
2. ``[team] password_file``: a file holding the password alone, readable by its owner only (mode 0600 or
   stricter; anything looser is refused, naming the file and its mode);
3. ``PGPASSFILE`` (libpq's ``host:port:db:user:password`` lines; libpq checks its mode itself), and libpq's
   own ``~/.pgpass``;
4. the system keyring (when the ``keyring`` package is installed): service ``tokledger``, name
   ``user@host:port/dbname`` as the URL gives them (``keyring set tokledger ana@db.example.com:5432/tokledger``).

A URL that carries a password (``postgresql://ana:secret@...`` or ``?password=``) is refused: command lines,
configuration files and process lists are not where secrets go. Messages name URLs through
:func:`tokledger.ledger.pg.redact`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tokledger.env import Env
from tokledger.errors import ConfigError
from tokledger.ledger.pg import redact

KEYRING_SERVICE = "tokledger"


def keyring_name(url: str) -> str:
    """The keyring entry of a URL: ``user@host:port/dbname`` (libpq's defaults where the URL is silent)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    user = unquote(parts.username or "") or query.get("user", [""])[0]
    host = parts.hostname or query.get("host", ["localhost"])[0]
    port = parts.port or int(query.get("port", ["5432"])[0])
    dbname = unquote(parts.path.lstrip("/")) or query.get("dbname", [user])[0]
    return f"{user}@{host}:{port}/{dbname}"


def refuse_inline(url: str) -> None:
    parts = urlsplit(url)
    if parts.password is not None or "password" in parse_qs(parts.query):
        raise ConfigError(
            f"{redact(url)}: a password in the URL is refused; use PGPASSWORD, a 0600 password file "
            "([team] password_file), PGPASSFILE or the keyring"
        )


def _from_file(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the password file: {exc.strerror or exc}") from None
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{path}: the password file has mode {mode:04o}; make it 0600 (chmod 600 {path})"
            )
        text = os.read(fd, 4096).decode("utf-8", "replace")
    finally:
        os.close(fd)
    password = text.splitlines()[0].strip() if text.strip() else ""
    if not password:
        raise ConfigError(f"{path}: the password file is empty")
    return password


def _from_keyring(url: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_name(url))
    except (KeyringError, RuntimeError, OSError, ValueError):
        return None


def connection_options(url: str, env: Env, password_file: Path | None = None) -> dict[str, str]:
    """libpq options (``password``, ``passfile``) for connecting to ``url``."""
    refuse_inline(url)
    password = env.get("PGPASSWORD")
    if password is None and password_file is not None:
        password = _from_file(password_file)
    options: dict[str, str] = {}
    passfile = env.get("PGPASSFILE")
    if passfile:
        options["passfile"] = str(env.expand(passfile))
    if password is None and not passfile:
        password = _from_keyring(url)
    if password is not None:
        options["password"] = password
    return options
