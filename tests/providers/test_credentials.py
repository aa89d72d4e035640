"""Finding credentials (environment through Env, key files, the keyring, Cursor's login) and checking them."""

from __future__ import annotations

import httpx
import pytest
import respx

from tokledger.env import Env
from tokledger.providers import PROVIDERS, CredentialError
from tokledger.providers.config import ProviderSettings
from tokledger.providers.credentials import Secret, check, keyring_lookup, read_key_file, resolve

NO_KEYRING = staticmethod(lambda _name: (None, None))


def _settings(name: str, **values) -> ProviderSettings:
    return ProviderSettings(name=name, configured=True, enabled=True, **values)


def test_environment_variable_read_through_env(tmp_path):
    env = Env(home=tmp_path, environ={"ANTHROPIC_ADMIN_KEY": " sk-ant-admin01-abc \n"})
    found = resolve(PROVIDERS["anthropic_api"], _settings("anthropic_api"), env, NO_KEYRING)
    assert found.label == "ANTHROPIC_ADMIN_KEY" and found.secret.reveal() == "sk-ant-admin01-abc"
    assert "sk-ant" not in repr(found) and str(found.secret) == "ANTHROPIC_ADMIN_KEY"


def test_key_env_names_another_variable(tmp_path):
    env = Env(home=tmp_path, environ={"WORK_OPENAI": "sk-admin-1", "OPENAI_ADMIN_KEY": "other"})
    found = resolve(PROVIDERS["openai_api"], _settings("openai_api", key_env="WORK_OPENAI"), env, NO_KEYRING)
    assert found.label == "WORK_OPENAI" and found.secret.reveal() == "sk-admin-1"


def test_key_file_must_be_private(tmp_path):
    path = tmp_path / "anthropic.key"
    path.write_text("sk-ant-admin01-file\n")
    path.chmod(0o644)
    env = Env(home=tmp_path, environ={})
    with pytest.raises(CredentialError) as err:
        resolve(
            PROVIDERS["anthropic_api"],
            _settings("anthropic_api", key_file="~/anthropic.key"),
            env,
            NO_KEYRING,
        )
    assert str(err.value) == (f"anthropic_api: key file {path} is readable by others (mode 0644); "
                              f"run `chmod 600 {path}` and try again")  # fmt: skip
    path.chmod(0o600)
    found = resolve(
        PROVIDERS["anthropic_api"], _settings("anthropic_api", key_file="~/anthropic.key"), env, NO_KEYRING
    )
    assert found.secret.reveal() == "sk-ant-admin01-file" and found.label == f"key file {path}"


def test_key_file_problems(tmp_path):
    with pytest.raises(CredentialError, match="cannot read key file"):
        read_key_file("openai_api", tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(CredentialError, match="is empty"):
        read_key_file("openai_api", empty)
    loose = tmp_path / "loose"
    loose.write_text("k")
    loose.chmod(0o640)
    assert read_key_file("openai_api", loose, platform="win32").reveal() == "k"


def test_keyring_is_used_and_its_absence_noted(tmp_path):
    env = Env(home=tmp_path, environ={})
    stored = resolve(
        PROVIDERS["openai_api"], _settings("openai_api"), env, lambda name: (f"sk-from-{name}", None)
    )
    assert stored.secret.reveal() == "sk-from-openai_api" and stored.label == "keyring tokledger/openai_api"
    missing = resolve(PROVIDERS["openai_api"], _settings("openai_api"), env,
                      lambda _: (None, "keyring not used (NoKeyringError)"))  # fmt: skip
    assert missing.secret is None and missing.notices == ("keyring not used (NoKeyringError)",)
    with pytest.raises(CredentialError, match="set OPENAI_ADMIN_KEY, key_file in .providers.openai_api."):
        missing.require()


def test_keyring_without_a_backend_degrades():
    value, notice = keyring_lookup("anthropic_api")  # the autouse fixture leaves no backend
    assert value is None and notice == "keyring not used (NoKeyringError)"


def test_cloud_credentials(tmp_path):
    env = Env(home=tmp_path, environ={"GOOGLE_APPLICATION_CREDENTIALS": "~/sa.json"})
    google = resolve(PROVIDERS["vertex"], _settings("vertex", project_id="p"), env)
    assert google.label == "GOOGLE_APPLICATION_CREDENTIALS" and google.file == tmp_path / "sa.json"
    own = resolve(
        PROVIDERS["vertex"], _settings("vertex", project_id="p", credentials_file="/keys/v.json"), env
    )
    assert own.file.as_posix() == "/keys/v.json"
    assert resolve(PROVIDERS["vertex"], _settings("vertex", project_id="p"), Env(tmp_path, {})).file is None
    aws = resolve(PROVIDERS["bedrock"], _settings("bedrock", profile="work"), env)
    assert aws.label == "AWS profile 'work'" and aws.secret is None


def test_secret_never_shows_its_value():
    secret = Secret("OPENAI_ADMIN_KEY", "sk-very-secret")
    assert (
        "sk-very" not in repr(secret) and "sk-very" not in f"{secret}" and secret.reveal() == "sk-very-secret"
    )


@respx.mock
def test_check_reports_each_outcome(tmp_path, http):
    respx.get("https://api.openai.com/v1/organization/usage/completions").mock(side_effect=[
        httpx.Response(200, json={"object": "page", "data": [], "has_more": False}),
        httpx.Response(401, json={"error": {"message": "bad"}})])  # fmt: skip
    env = Env(home=tmp_path, environ={"OPENAI_ADMIN_KEY": "sk-admin-x"})
    settings = _settings("openai_api")
    credentials = resolve(PROVIDERS["openai_api"], settings, env, NO_KEYRING)
    ok = check(PROVIDERS["openai_api"], credentials, settings, http=http)
    assert ok.ok and ok.credential == "OPENAI_ADMIN_KEY"
    refused = check(PROVIDERS["openai_api"], credentials, settings, http=http)
    assert (
        not refused.ok
        and "OPENAI_ADMIN_KEY was refused" in refused.message
        and "sk-admin" not in refused.message
    )
    none = check(
        PROVIDERS["openai_api"],
        resolve(PROVIDERS["openai_api"], settings, Env(tmp_path, {}), NO_KEYRING),
        settings,
    )
    assert not none.ok and "no credential found" in none.message
    assert set(ok.to_json()) == {"provider", "ok", "credential", "message"}
