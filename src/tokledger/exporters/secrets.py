"""Secrets for the exporters (passwords, bearer tokens): where they come from, and keeping them out of sight.

A secret named ``password`` in ``[exporters.prometheus]`` is read from exactly one of:

- ``password_env = "NAME"``: the environment variable ``NAME``;
- ``password_file = "PATH"``: the file's content, without its trailing newline (``~`` is the home);
- ``password_keyring = true`` (or an entry name): the OS keyring, service ``tokledger``, entry
  ``exporters.prometheus.password`` (or the name given), through the ``keyring`` package;
- ``password = "..."``: inline, accepted only when the configuration file is private (mode 0600).

A :class:`SecretRef` says where the value is and resolves it when an exporter needs it; the value itself is
a :class:`Secret`, whose ``str``/``repr`` are ``***``. :func:`redact_url` hides a URL's user information
and :func:`scrub` replaces known secret values in text (for example a receiver's error body), so neither
output, logs, exceptions nor URLs carry a secret.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tokledger.errors import ConfigError

KEYRING_SERVICE = "tokledger"
SOURCES = ("", "_env", "_file", "_keyring")


class Secret:
    """A secret value that never prints itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class SecretRef:
    """Where one secret comes from; ``key`` is its dotted configuration key (``exporters.loki.password``)."""

    key: str
    config_path: Path
    inline: Secret | None = field(default=None, repr=False)
    env: str | None = None
    file: Path | None = None
    keyring: str | None = None

    @property
    def where(self) -> str:
        if self.env:
            return f"environment variable {self.env}"
        if self.file:
            return f"file {self.file}"
        if self.keyring:
            return f"OS keyring entry {KEYRING_SERVICE}/{self.keyring}"
        return "the configuration file"

    def resolve(self, environ: Mapping[str, str]) -> Secret:
        """The value; a :class:`ConfigError` naming the key and where it looked (never the value)."""
        prefix = f"{self.config_path}: {self.key}"
        if self.inline is not None:
            return self.inline
        if self.env:
            value = environ.get(self.env)
            if not value:
                raise ConfigError(f"{prefix}: environment variable {self.env} is not set")
            return Secret(value)
        if self.file:
            try:
                text = self.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or "not UTF-8 text"
                raise ConfigError(f"{prefix}_file: cannot read {self.file}: {reason}") from None
            value = text.rstrip("\r\n")
            if not value:
                raise ConfigError(f"{prefix}_file: {self.file} is empty")
            return Secret(value)
        return Secret(_from_keyring(prefix, self.keyring or self.key))


def _from_keyring(prefix: str, entry: str) -> str:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise ConfigError(f"{prefix}_keyring: the keyring package is not installed") from None
    try:
        value = keyring.get_password(KEYRING_SERVICE, entry)
    except KeyringError as exc:
        # No backend (a headless server, a container): say so and point at the other two ways.
        raise ConfigError(
            f"{prefix}_keyring: no usable OS keyring ({type(exc).__name__}); use {prefix.rsplit('.', 1)[-1]}_env "
            "or _file instead"
        ) from None
    if not value:
        raise ConfigError(f"{prefix}_keyring: no entry {KEYRING_SERVICE}/{entry} in the OS keyring")
    return value


def file_problem(path: Path) -> str | None:
    """Why ``path`` is not private (group or others may read or write it), or ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"mode {stat.S_IMODE(mode):04o}: run `chmod 600 {path}`"
    return None


def redact_url(url: str) -> str:
    """``url`` without the password of its user information (``https://user:***@host/…``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***" if parts.password is not None else "***"
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def scrub(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` with every occurrence of each secret replaced by ``***``."""
    for secret in secrets:
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), "***")
    return text
