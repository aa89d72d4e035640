"""The ``[exporters.*]`` and ``[daemon]`` configuration tables, validated into frozen dataclasses.

Example (every key optional; an exporter is on when its URL is set)::

    [exporters]
    project_label = false          # add a project label (more series: one per project)
    user = "alice"                 # the person label of this machine's usage (team dashboards)

    [exporters.prometheus]
    remote_write_url = "https://prometheus.example.com/api/v1/write"
    username = "tokledger"         # Basic auth; or bearer_token(_env|_file|_keyring)
    password_env = "TOKLEDGER_REMOTE_WRITE_PASSWORD"   # or password_file / password_keyring / password
    timeout = 30                   # seconds per request
    compat = "tosage"              # also send tosage's series (its Grafana dashboard)
    headers = { "X-Scope-OrgID" = "team-a" }

    [exporters.otlp]
    endpoint = "http://localhost:4318"   # /v1/metrics is added unless the path already ends with it
    headers = { "x-tenant" = "a" }
    # username/password or bearer_token as above

    [exporters.loki]
    url = "http://localhost:3100"        # /loki/api/v1/push is added unless already there
    tenant = "team-a"                    # X-Scope-OrgID
    level = "info"                       # the least severe level pushed
    batch_size = 100
    batch_wait = 1.0                     # seconds

    [daemon]
    interval = 600                       # seconds between cycles (at least 10)
    metrics_port = 9464                  # serve /metrics (off when unset)
    metrics_host = "127.0.0.1"
    log_level = "info"

Secrets (``password``, ``bearer_token``) come from ``*_env``, ``*_file`` or ``*_keyring``
(:mod:`tokledger.exporters.secrets`). A file holding one inline (or a URL with a password) must be mode
0600, or it is refused. :func:`load` raises :class:`~tokledger.errors.ConfigError` on the first problem;
:func:`check` lists all of them (``tokledger config check``). Every message names the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tokledger.errors import ConfigError
from tokledger.exporters import _validate as v
from tokledger.exporters.secrets import SecretRef, file_problem

LEVELS = ("debug", "info", "warning", "error")
COMPAT = ("tosage",)
_AUTH_KEYS = {
    f"{name}{suffix}" for name in ("password", "bearer_token") for suffix in ("", "_env", "_file", "_keyring")
} | {"username"}


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Auth:
    """Basic auth (``username`` + ``password``) or a bearer token; neither is allowed with the other."""

    username: str | None = None
    password: SecretRef | None = None
    bearer_token: SecretRef | None = None

    def refs(self) -> tuple[SecretRef, ...]:
        return tuple(ref for ref in (self.password, self.bearer_token) if ref is not None)


@dataclass(frozen=True)
class PrometheusConfig:
    remote_write_url: str
    auth: Auth = Auth()
    timeout: float = 30.0
    compat: str | None = None
    headers: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True)
class OtlpConfig:
    endpoint: str
    auth: Auth = Auth()
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True)
class LokiConfig:
    url: str
    auth: Auth = Auth()
    tenant: str | None = None
    level: str = "info"
    batch_size: int = 100
    batch_wait: float = 1.0
    timeout: float = 10.0


@dataclass(frozen=True)
class DaemonConfig:
    interval: float = 600.0
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    log_level: str = "info"


@dataclass(frozen=True)
class ExportersConfig:
    """Everything the exporters and the daemon read; an exporter left unconfigured is ``None``."""

    path: Path | None = None
    prometheus: PrometheusConfig | None = None
    otlp: OtlpConfig | None = None
    loki: LokiConfig | None = None
    daemon: DaemonConfig = DaemonConfig()
    project_label: bool = False
    user: str | None = None
    secrets: tuple[SecretRef, ...] = field(default=(), repr=False)


def _auth(t: v.Table) -> Auth:
    username = t.string("username")
    password = t.secret("password")
    bearer = t.secret("bearer_token")
    if bearer and (username or password):
        t.problem("bearer_token", "give either bearer_token or username/password, not both")
    if password and not username:
        t.problem("password", "needs username (Basic auth)")
    return Auth(username=username, password=password, bearer_token=bearer)


def _prometheus(t: v.Table) -> PrometheusConfig | None:
    t.known({"remote_write_url", "timeout", "compat", "headers"} | _AUTH_KEYS)
    url = t.url("remote_write_url", required=True)
    auth = _auth(t)
    compat = t.choice("compat", COMPAT)
    headers = t.headers("headers")
    timeout = t.number("timeout", 30.0, low=1)
    return PrometheusConfig(url, auth, timeout, compat, headers) if url else None


def _otlp(t: v.Table) -> OtlpConfig | None:
    t.known({"endpoint", "timeout", "headers"} | _AUTH_KEYS)
    url = t.url("endpoint", required=True)
    auth = _auth(t)
    headers = t.headers("headers")
    timeout = t.number("timeout", 10.0, low=1)
    if url and not url.rstrip("/").endswith("/v1/metrics"):
        url = url.rstrip("/") + "/v1/metrics"
    return OtlpConfig(url, auth, timeout, headers) if url else None


def _loki(t: v.Table) -> LokiConfig | None:
    t.known({"url", "tenant", "level", "batch_size", "batch_wait", "timeout"} | _AUTH_KEYS)
    url = t.url("url", required=True)
    auth = _auth(t)
    tenant = t.string("tenant")
    level = t.choice("level", LEVELS) or "info"
    batch_size = int(t.number("batch_size", 100, low=1, high=10_000, integer=True))
    batch_wait = t.number("batch_wait", 1.0, low=0.05, high=60)
    timeout = t.number("timeout", 10.0, low=1)
    if url and not url.rstrip("/").endswith("/loki/api/v1/push"):
        url = url.rstrip("/") + "/loki/api/v1/push"
    return LokiConfig(url, auth, tenant, level, batch_size, batch_wait, timeout) if url else None


def _daemon(t: v.Table) -> DaemonConfig:
    t.known({"interval", "metrics_port", "metrics_host", "log_level"})
    interval = t.number("interval", 600.0, low=10, high=86_400)
    port = t.number("metrics_port", None, low=0, high=65_535, integer=True)
    host = t.string("metrics_host") or "127.0.0.1"
    level = t.choice("log_level", LEVELS) or "info"
    return DaemonConfig(interval, None if port is None else int(port), host, level)


def _parse(doc: Mapping[str, object], path: Path, problems: list[str], home: Path | None) -> ExportersConfig:
    ctx = v.Context(path, problems, home=home)
    exporters = v.Table(ctx, "exporters", doc.get("exporters", {}))
    exporters.known({"prometheus", "otlp", "loki", "project_label", "user"})
    project_label = exporters.boolean("project_label", False)
    user = exporters.string("user")
    prometheus = _prometheus(exporters.sub("prometheus")) if "prometheus" in exporters.raw else None
    otlp = _otlp(exporters.sub("otlp")) if "otlp" in exporters.raw else None
    loki = _loki(exporters.sub("loki")) if "loki" in exporters.raw else None
    daemon = _daemon(v.Table(ctx, "daemon", doc.get("daemon", {})))
    if ctx.inline:
        reason = file_problem(path)
        if reason:
            keys = ", ".join(ctx.inline)
            problems.append(
                f"{path}: holds a secret inline ({keys}) but is readable by others ({reason}), or "
                "move it to *_env, *_file or *_keyring"
            )
    return ExportersConfig(path, prometheus, otlp, loki, daemon, project_label, user, tuple(ctx.secrets))


def load(doc: Mapping[str, object], path: Path, *, home: Path | None = None) -> ExportersConfig:
    """The exporter and daemon settings of a configuration document (as ``tomllib`` reads it).

    Only the ``exporters`` and ``daemon`` tables are read; other top-level keys are left to the rest of
    the configuration; ``~`` in a ``*_file`` path is ``home``. Raises :class:`ConfigError` with the first
    problem found.
    """
    problems: list[str] = []
    config = _parse(doc, path, problems, home)
    if problems:
        raise ConfigError(problems[0])
    return config


def check(
    raw_sections: Mapping[str, object],
    path: Path,
    environ: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
) -> list[str]:
    """Every problem with the exporter and daemon settings, one message each; ``[]`` when all is well.

    Beyond :func:`load`'s validation this resolves each secret (is the variable set, the file readable and
    private, the keyring entry there?) without ever showing a value.
    """
    problems: list[str] = []
    config = _parse(raw_sections, path, problems, home)
    for ref in config.secrets:
        try:
            ref.resolve(environ or {})
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        if ref.file is not None:
            reason = file_problem(ref.file)
            if reason:
                problems.append(f"{path}: {ref.key}_file: {ref.file} is readable by others ({reason})")
    return problems
