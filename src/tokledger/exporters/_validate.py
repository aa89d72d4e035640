"""Small validators for configuration tables: each problem becomes one message naming the file and dotted key.

Validation never stops at the first problem: every check appends to a shared list and returns a usable
default, so ``tokledger config check`` can list them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from tokledger.exporters.secrets import Secret, SecretRef, redact_url

# Headers the protocols fix (remote write forbids overriding them) or that must come from the auth keys.
RESERVED_HEADERS = frozenset(
    {"content-encoding", "content-type", "user-agent", "x-prometheus-remote-write-version", "authorization"}
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass
class Context:
    path: Path
    problems: list[str]
    inline: list[str] = field(default_factory=list)
    secrets: list[SecretRef] = field(default_factory=list)
    home: Path | None = None

    def expand(self, text: str) -> Path:
        """A user-written path: ``~`` is the given home (the configuration never reads the real one itself)."""
        if self.home is not None and (text == "~" or text.startswith("~/")):
            return self.home / text[2:]
        return Path(text)


class Table:
    def __init__(self, ctx: Context, dotted: str, raw: object):
        self.ctx = ctx
        self.dotted = dotted
        if not isinstance(raw, Mapping):
            self.problem(None, f"must be a table ([{dotted}])")
            raw = {}
        self.raw: Mapping[str, object] = raw

    def problem(self, key: str | None, message: str) -> None:
        where = f"{self.dotted}.{key}" if key else self.dotted
        self.ctx.problems.append(f"{self.ctx.path}: {where}: {message}")

    def sub(self, key: str) -> Table:
        return Table(self.ctx, f"{self.dotted}.{key}", self.raw.get(key))

    def known(self, keys: set[str]) -> None:
        for key in sorted(set(self.raw) - keys):
            self.problem(key, f"unknown key (known: {', '.join(sorted(keys))})")

    def string(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "must be a non-empty string")
            return None
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, "must be true or false")
            return default
        return value

    def number(self, key: str, default, *, low: float, high: float | None = None, integer: bool = False):
        value = self.raw.get(key)
        if value is None:
            return default
        kind = "an integer" if integer else "a number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            self.problem(key, f"must be {kind}, got {value!r}")
            return default
        if not low <= value <= (high if high is not None else float("inf")):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.problem(key, f"must be {bounds}, got {value!r}")
            return default
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if value not in choices:
            self.problem(key, f"must be one of {', '.join(choices)}, got {value!r}")
            return None
        return value

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str):
            self.problem(key, "must be a URL string")
            return None
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            self.problem(key, f"is not a valid URL: {redact_url(value)}")
            return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(key, f"must be an http:// or https:// URL with a host, got {redact_url(value)}")
            return None
        if parts.password is not None:
            self.ctx.inline.append(f"{self.dotted}.{key} (password in the URL)")
        return value.strip()

    def headers(self, key: str) -> Mapping[str, str]:
        value = self.raw.get(key)
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, Mapping):
            self.problem(key, "must be a table of header names to string values")
            return MappingProxyType({})
        out = {}
        for name, text in value.items():
            if not _HEADER_NAME.match(name) or not isinstance(text, str) or "\n" in text or "\r" in text:
                self.problem(f"{key}.{name}", "must be a valid header name with a one-line string value")
            elif name.lower() in RESERVED_HEADERS:
                self.problem(
                    f"{key}.{name}", "cannot be set here (fixed by the protocol or by the auth keys)"
                )
            else:
                out[name] = text
        return MappingProxyType(out)

    def secret(self, name: str) -> SecretRef | None:
        given = [name + suffix for suffix in ("", "_env", "_file", "_keyring") if name + suffix in self.raw]
        if not given:
            return None
        if len(given) > 1:
            self.problem(given[1], f"give only one of {', '.join(given)}")
        key = given[0]
        value = self.raw[key]
        dotted = f"{self.dotted}.{name}"
        ref = None
        if key == f"{name}_keyring":
            if value is True or (isinstance(value, str) and value.strip()):
                ref = SecretRef(
                    dotted, self.ctx.path, keyring=value.strip() if isinstance(value, str) else None
                )
            elif value is not False:
                self.problem(key, "must be true or a keyring entry name")
        elif not isinstance(value, str) or not value.strip():
            # Never echo the value: it may be the secret itself, mistyped.
            self.problem(key, "must be a non-empty string")
        elif key == name:
            self.ctx.inline.append(dotted)
            ref = SecretRef(dotted, self.ctx.path, inline=Secret(value))
        elif key.endswith("_env"):
            ref = SecretRef(dotted, self.ctx.path, env=value.strip())
        else:
            ref = SecretRef(dotted, self.ctx.path, file=self.ctx.expand(value.strip()))
        if ref is not None:
            self.ctx.secrets.append(ref)
        return ref
