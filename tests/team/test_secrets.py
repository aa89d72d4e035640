"""Team ledger passwords: from the environment, a 0600 file, PGPASSFILE or the keyring — never a URL — and
never printed. Against a real PostgreSQL role that needs its password."""

from __future__ import annotations

import os

import pytest

from tests.postgres import PASSWORD, PASSWORD_ROLE
from tests.team.helpers import laptop, record, rows
from tokledger.env import Env
from tokledger.errors import ConfigError, LedgerError
from tokledger.ledger.pg import redact
from tokledger.team.secrets import KEYRING_SERVICE, connection_options, keyring_name


@pytest.fixture
def url(pg_url, pg_cluster):
    pg_cluster.execute(f"GRANT ALL ON DATABASE {pg_url.rsplit('/', 1)[1]} TO {PASSWORD_ROLE}")
    pg_cluster.execute(f"GRANT ALL ON SCHEMA public TO {PASSWORD_ROLE}", pg_url.rsplit("/", 1)[1])
    return pg_url.replace("postgresql://postgres@", f"postgresql://{PASSWORD_ROLE}@")


def _push(tmp_path, url, environ=None, **team):
    home = tmp_path / f"try-{len(list(tmp_path.iterdir()))}"
    home.mkdir()
    ws = laptop(home, "laptop-a", **team)
    ws.env = Env(home=ws.env.home, environ=environ or {})
    record(ws.ledger, rows(1, 3))
    return ws.push(url)


def test_without_a_password_the_role_cannot_log_in(tmp_path, url):
    with pytest.raises(LedgerError, match="password"):
        _push(tmp_path, url)


def test_a_password_from_the_environment(tmp_path, url):
    assert _push(tmp_path, url, {"PGPASSWORD": PASSWORD}).added == 3


def test_a_password_file_readable_by_its_owner_only(tmp_path, url):
    secret = tmp_path / "pgpass"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 0644; make it 0600"):
        _push(tmp_path, url, password_file=str(secret))
    secret.chmod(0o600)
    assert _push(tmp_path, url, password_file=str(secret)).added == 3


def test_pgpassfile(tmp_path, url):
    passfile = tmp_path / "libpq-pass"
    passfile.write_text(f"127.0.0.1:*:*:{PASSWORD_ROLE}:{PASSWORD}\n")
    passfile.chmod(0o600)
    assert _push(tmp_path, url, {"PGPASSFILE": str(passfile)}).added == 3


def test_the_keyring(tmp_path, url, monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.stored = {}

        def get_password(self, service, username):
            return self.stored.get((service, username))

        def set_password(self, service, username, password):
            self.stored[(service, username)] = password

        def delete_password(self, service, username):
            self.stored.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_name(url), PASSWORD)
        assert keyring_name(url).startswith(f"{PASSWORD_ROLE}@127.0.0.1:")
        assert _push(tmp_path, url).added == 3
    finally:
        keyring.set_keyring(previous)


def test_a_password_in_a_url_is_refused_and_never_shown(tmp_path):
    for url in (
        f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1/x",
        f"postgresql://h/x?password={PASSWORD}",
    ):
        with pytest.raises(ConfigError) as caught:
            connection_options(url, Env(home=tmp_path))
        assert PASSWORD not in str(caught.value) and "refused" in str(caught.value)
    assert redact(f"postgresql://a:{PASSWORD}@h:5/d?sslmode=require&sslpassword=x") == (
        "postgresql://a:***@h:5/d?sslmode=require&sslpassword=%2A%2A%2A"
    )


def test_a_wrong_password_is_not_printed(tmp_path, url, run_cli):
    env = {"PGPASSWORD": "wrong-" + PASSWORD}
    out = run_cli("push", "--no-sync", "--to", url, env=env, expect=1).output
    assert "password authentication failed" in out and PASSWORD not in out
    assert os.environ.get("PGPASSWORD") is None
