"""Finding each provider's credential, and checking it with one cheap authenticated call.

Keys and tokens (``admin_key``, ``session_token`` providers) are looked up in this order:

1. the environment variable ``key_env`` names (default ``ANTHROPIC_ADMIN_KEY``, ``OPENAI_ADMIN_KEY``,
   ``CURSOR_SESSION_TOKEN``), read through :class:`~tokledger.env.Env`;
2. ``key_file``: a file holding only the key, refused unless it is readable by its owner alone (mode 0600
   or 0400; not checked on Windows);
3. the OS keyring, service ``tokledger``, user the provider's name (``keyring set tokledger
   anthropic_api``). With no keyring installed or no backend (a headless machine) this step is skipped;
4. for ``cursor`` only, the login Cursor keeps in its ``state.vscdb`` (see :mod:`tokledger.providers.cursor`).

AWS (``bedrock``) uses boto3's own chain (``profile`` from the config, else ``AWS_PROFILE``, SSO, role,
instance credentials); Google (``vertex``) uses ``credentials_file``, else ``GOOGLE_APPLICATION_CREDENTIALS``,
else application default credentials.

A :class:`Secret` prints as where it came from (``ANTHROPIC_ADMIN_KEY``, ``key file ~/.x``); its value is
only reachable through :meth:`Secret.reveal`, so it cannot end up in a message, a log or a repr.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tokledger.env import Env
from tokledger.providers import CredentialError, FetchContext, Provider, ProviderError
from tokledger.providers.config import ProviderSettings

KEYRING_SERVICE = "tokledger"


@dataclass(frozen=True)
class Secret:
    name: str
    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Credentials:
    """What a provider authenticates with. ``label`` names it for messages (never the value)."""

    provider: str
    kind: str
    label: str
    secret: Secret | None = None
    file: Path | None = None
    notices: tuple[str, ...] = ()

    def require(self) -> Secret:
        if self.secret is None:
            raise CredentialError(f"{self.provider}: {self.label}")
        return self.secret


def read_key_file(provider: str, path: Path, platform: str = sys.platform) -> Secret:
    """The key in ``path``; refused when the file can be read by anyone but its owner."""
    try:
        info = path.stat()
    except OSError as exc:
        raise CredentialError(f"{provider}: cannot read key file {path}: {exc.strerror}") from None
    if platform != "win32" and info.st_mode & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise CredentialError(
            f"{provider}: key file {path} is readable by others (mode {mode:04o}); "
            f"run `chmod 600 {path}` and try again"
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise CredentialError(f"{provider}: cannot read key file {path}") from None
    if not value:
        raise CredentialError(f"{provider}: key file {path} is empty")
    return Secret(f"key file {path}", value)


def keyring_lookup(provider: str) -> tuple[str | None, str | None]:
    """(the stored value, a notice) from the OS keyring; (None, why) when there is no usable keyring."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None, None
    try:
        return keyring.get_password(KEYRING_SERVICE, provider), None
    except (KeyringError, RuntimeError, OSError) as exc:  # no backend, no D-Bus, a locked store
        return None, f"keyring not used ({type(exc).__name__})"


def resolve(
    provider: Provider,
    settings: ProviderSettings,
    env: Env,
    keyring_get: Callable[[str], tuple[str | None, str | None]] = keyring_lookup,
) -> Credentials:
    """Find the provider's credential; missing ones give Credentials with no secret (``require`` raises)."""
    name, kind = provider.name, provider.credential_kind
    if kind == "aws":
        label = (
            f"AWS profile {settings.profile!r}" if settings.profile else "the AWS credential chain (boto3)"
        )
        return Credentials(name, kind, label)
    if kind == "google_cloud":
        if settings.credentials_file:
            path = env.expand(settings.credentials_file)
            return Credentials(name, kind, f"credentials_file {path}", file=path)
        value = env.get("GOOGLE_APPLICATION_CREDENTIALS")
        if value:
            return Credentials(name, kind, "GOOGLE_APPLICATION_CREDENTIALS", file=env.expand(value))
        return Credentials(name, kind, "Google application default credentials")
    variable = settings.key_env or provider.credential_env[0]
    value = env.get(variable)
    if value:
        return Credentials(name, kind, variable, Secret(variable, value.strip()))
    if settings.key_file:
        secret = read_key_file(name, env.expand(settings.key_file))
        return Credentials(name, kind, secret.name, secret)
    stored, notice = keyring_get(name)
    notices = (notice,) if notice else ()
    if stored:
        label = f"keyring {KEYRING_SERVICE}/{name}"
        return Credentials(name, kind, label, Secret(label, stored.strip()), notices=notices)
    if name == "cursor":
        from tokledger.providers.cursor import local_login

        secret = local_login(env)
        if secret is not None:
            return Credentials(name, kind, secret.name, secret, notices=notices)
    where = f"set {variable}, key_file in [providers.{name}], or `keyring set {KEYRING_SERVICE} {name}`"
    return Credentials(name, kind, f"no credential found ({where})", notices=notices)


@dataclass(frozen=True)
class CheckResult:
    provider: str
    ok: bool
    credential: str
    message: str

    def to_json(self) -> dict:
        return {
            "provider": self.provider,
            "ok": self.ok,
            "credential": self.credential,
            "message": self.message,
        }


def check(
    provider: Provider, credentials: Credentials, settings: ProviderSettings, *, http=None, client=None
) -> CheckResult:
    """Validate a credential with the provider's cheapest authenticated call."""
    from tokledger.providers._http import Http

    if credentials.kind in ("admin_key", "session_token") and credentials.secret is None:
        return CheckResult(provider.name, False, credentials.label, credentials.label)
    keyed = credentials.kind in ("admin_key", "session_token")
    own = Http(http) if keyed and not isinstance(http, Http) else None
    ctx = FetchContext(provider.name, credentials, settings, http=own or http, client=client)
    try:
        return CheckResult(provider.name, True, credentials.label, provider.check(ctx))
    except ProviderError as exc:
        return CheckResult(provider.name, False, credentials.label, str(exc))
    finally:
        if own is not None:
            own.close()
