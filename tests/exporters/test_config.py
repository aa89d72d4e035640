"""Configuration tables: validation messages name the file and key; secrets; permissions; check()."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tokledger.errors import ConfigError
from tokledger.exporters import config

FULL = """
[exporters]
project_label = true
user = "alice"

[exporters.prometheus]
remote_write_url = "https://prom.example.com/api/v1/write"
username = "tokledger"
password_env = "RW_PASSWORD"
compat = "tosage"
headers = { "X-Scope-OrgID" = "team-a" }

[exporters.otlp]
endpoint = "http://localhost:4318"
bearer_token_file = "~/otlp-token"

[exporters.loki]
url = "http://localhost:3100/"
tenant = "team-a"
level = "warning"

[daemon]
interval = 300
metrics_port = 9464
"""


def write(tmp_path: Path, text: str, mode: int = 0o644) -> tuple[dict, Path]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return tomllib.loads(text), path


def test_full_configuration(tmp_path):
    doc, path = write(tmp_path, FULL)
    cfg = config.load(doc, path, home=tmp_path)
    assert cfg.project_label and cfg.user == "alice"
    assert cfg.prometheus.remote_write_url == "https://prom.example.com/api/v1/write"
    assert cfg.prometheus.auth.username == "tokledger" and cfg.prometheus.auth.password.env == "RW_PASSWORD"
    assert cfg.prometheus.compat == "tosage" and dict(cfg.prometheus.headers) == {"X-Scope-OrgID": "team-a"}
    assert cfg.otlp.endpoint == "http://localhost:4318/v1/metrics"
    assert cfg.otlp.auth.bearer_token.file == tmp_path / "otlp-token"
    assert cfg.loki.url == "http://localhost:3100/loki/api/v1/push" and cfg.loki.level == "warning"
    assert cfg.daemon.interval == 300 and cfg.daemon.metrics_port == 9464


def test_empty_document_means_everything_off(tmp_path):
    cfg = config.load({"timezone": "UTC"}, tmp_path / "c.toml")
    assert (cfg.prometheus, cfg.otlp, cfg.loki, cfg.daemon.interval) == (None, None, None, 600)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[exporters.prometheus]\nremote_write_url = 'ftp://x'",
            "exporters.prometheus.remote_write_url: must be an http",
        ),
        ("[exporters.prometheus]\n", "exporters.prometheus.remote_write_url: is required"),
        (
            "[exporters.prometheus]\nremote_write_url = 'http://x'\ntimeout = 'slow'",
            "exporters.prometheus.timeout: must be",
        ),
        (
            "[exporters.prometheus]\nremote_write_url = 'http://x'\nusername = 'u'\npassword_env = 'A'\npassword_file = 'f'",
            "exporters.prometheus.password_file: give only one of password_env, password_file",
        ),
        (
            "[exporters.prometheus]\nremote_write_url = 'http://x'\nbearer_token_env = 'T'\nusername = 'u'",
            "exporters.prometheus.bearer_token: give either bearer_token or username/password",
        ),
        (
            "[exporters.prometheus]\nremote_write_url = 'http://x'\nheaders = { Content-Type = 'text/plain' }",
            "exporters.prometheus.headers.Content-Type: cannot be set here",
        ),
        (
            "[exporters.prometheus]\nremote_write_url = 'http://x'\ncompat = 'other'",
            "exporters.prometheus.compat: must be",
        ),
        ("[exporters.loki]\nurl = 'http://x'\nlevel = 'loud'", "exporters.loki.level: must be one of debug"),
        (
            "[exporters.otlp]\nendpoint = 'http://x'\nprotocol = 'grpc'",
            "exporters.otlp.protocol: unknown key",
        ),
        ("[daemon]\ninterval = 1", "daemon.interval: must be between 10 and 86400"),
        ("[daemon]\nmetrics_port = 9464.5", "daemon.metrics_port: must be an integer"),
        ("[exporters]\nuser = 3", "exporters.user: must be a non-empty string"),
    ],
)
def test_errors_name_the_file_and_the_dotted_key(tmp_path, text, message):
    doc, path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        config.load(doc, path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_inline_secret_needs_a_private_file(tmp_path):
    text = (
        "[exporters.prometheus]\nremote_write_url = 'http://x'\nusername = 'u'\npassword = 'hunter2-secret'\n"
    )
    doc, path = write(tmp_path, text, 0o644)
    with pytest.raises(ConfigError) as err:
        config.load(doc, path)
    message = str(err.value)
    assert (
        "exporters.prometheus.password" in message
        and "mode 0644" in message
        and f"chmod 600 {path}" in message
    )
    assert "hunter2" not in message
    path.chmod(0o600)
    cfg = config.load(doc, path)
    assert cfg.prometheus.auth.password.resolve({}).reveal() == "hunter2-secret"
    assert "hunter2" not in repr(cfg) and "hunter2" not in str(cfg.prometheus.auth.password.resolve({}))


def test_password_in_the_url_counts_as_inline(tmp_path):
    doc, path = write(tmp_path, "[exporters.loki]\nurl = 'https://u:pw-in-url@loki.example.com'\n", 0o640)
    problems = config.check(doc, path)
    assert len(problems) == 1 and "password in the URL" in problems[0] and "pw-in-url" not in problems[0]


def test_check_lists_every_problem_and_resolves_secrets(tmp_path):
    token = tmp_path / "token"
    token.write_text("tok\n")
    token.chmod(0o644)
    text = (
        f"[exporters.prometheus]\nremote_write_url = 'nope'\nbearer_token_file = '{token}'\n"
        "[exporters.otlp]\nendpoint = 'http://x'\nusername = 'u'\npassword_env = 'MISSING_ENV'\n"
        "[exporters.loki]\nurl = 'http://x'\nbearer_token_keyring = 'loki'\n[daemon]\ninterval = -5\n"
    )
    doc, path = write(tmp_path, text, 0o600)
    problems = config.check(doc, path, {})
    joined = "\n".join(problems)
    assert all(p.startswith(f"{path}: ") for p in problems)
    assert "exporters.prometheus.remote_write_url: must be an http" in joined
    assert "daemon.interval: must be between" in joined
    assert "exporters.otlp.password: environment variable MISSING_ENV is not set" in joined
    assert f"exporters.prometheus.bearer_token_file: {token} is readable by others" in joined
    assert "exporters.loki.bearer_token_keyring:" in joined  # no entry, or no usable keyring here
    assert config.check(tomllib.loads(FULL), path, {"RW_PASSWORD": "x"}, home=tmp_path) == [
        f"{path}: exporters.otlp.bearer_token_file: cannot read {tmp_path / 'otlp-token'}: No such file or directory"
    ]


def test_keyring_without_a_backend_degrades_to_a_message(tmp_path):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        doc, path = write(tmp_path, "[exporters.loki]\nurl = 'http://x'\nbearer_token_keyring = true\n")
        (problem,) = config.check(doc, path)
    finally:
        keyring.set_keyring(previous)
    assert "exporters.loki.bearer_token_keyring: no usable OS keyring" in problem


def test_keyring_entry_is_read(tmp_path):
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            return {("tokledger", "exporters.loki.bearer_token"): "from-keyring"}.get((service, username))

        def set_password(self, service, username, password):
            raise NotImplementedError

        def delete_password(self, service, username):
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        doc, path = write(tmp_path, "[exporters.loki]\nurl = 'http://x'\nbearer_token_keyring = true\n")
        cfg = config.load(doc, path)
        assert cfg.loki.auth.bearer_token.resolve({}).reveal() == "from-keyring"
    finally:
        keyring.set_keyring(previous)


def test_secret_file_is_read_without_its_newline(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("pw-from-file\n")
    os.chmod(secret, 0o600)
    doc, path = write(
        tmp_path, f"[exporters.loki]\nurl = 'http://x'\nusername = 'u'\npassword_file = '{secret}'\n"
    )
    assert config.load(doc, path).loki.auth.password.resolve({}).reveal() == "pw-from-file"
    assert config.check(doc, path) == []
