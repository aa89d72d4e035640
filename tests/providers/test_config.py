"""The [providers.NAME] sections: defaults, validation, and errors naming the file and the dotted key."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from tokledger.errors import ConfigError
from tokledger.providers import PROVIDERS
from tokledger.providers.config import enabled, load_provider_settings

PATH = Path("/home/dev/.config/tokledger/config.toml")


def _load(text: str):
    return load_provider_settings(tomllib.loads(text).get("providers"), PATH)


def test_defaults_without_sections():
    settings = _load("")
    assert set(settings) == set(PROVIDERS) and enabled(settings) == []
    s = settings["anthropic_api"]
    assert not s.configured and s.interval_for(PROVIDERS["anthropic_api"]) == timedelta(minutes=5)
    assert settings["bedrock"].interval_for(PROVIDERS["bedrock"]) == timedelta(minutes=15)
    assert s.reports_for(PROVIDERS["anthropic_api"]) == ("messages", "cost_report", "claude_code")


def test_a_full_configuration():
    settings = _load("""
[providers.anthropic_api]
interval = "10m"
backfill_days = 7
key_file = "~/.config/tokledger/anthropic.key"
reports = ["messages", "cost_report"]

[providers.openai_api]
enabled = false
key_env = "WORK_OPENAI_ADMIN"
interval = 600
base_url = "https://gateway.example.com/"

[providers.bedrock]
profile = "work"
regions = ["us-east-1", "eu-west-1"]

[providers.vertex]
project_id = "my-project"
credentials_file = "~/keys/vertex.json"
""")
    a = settings["anthropic_api"]
    assert (a.interval, a.backfill_days, a.reports) == (timedelta(minutes=10), 7, ("messages", "cost_report"))
    assert settings["openai_api"].base_url == "https://gateway.example.com"
    assert settings["openai_api"].interval == timedelta(minutes=10)
    assert settings["bedrock"].regions == ("us-east-1", "eu-west-1")
    assert enabled(settings) == ["anthropic_api", "bedrock", "vertex"]
    assert _load('[providers.bedrock]\nregion = "ap-northeast-1"')["bedrock"].regions == ("ap-northeast-1",)


@pytest.mark.parametrize(("text", "message"), [
    ("[providers.gemini_api]\n", "providers.gemini_api is not a known provider"),
    ("providers = 3\n", "providers must be a table"),
    ("[providers.anthropic_api]\nkey = 'sk'\n", "providers.anthropic_api.key is not a known key (known: enabled"),
    ("[providers.anthropic_api]\nprofile = 'x'\n", "providers.anthropic_api.profile is not a known key"),
    ("[providers.anthropic_api]\ninterval = '30s'\n", "providers.anthropic_api.interval must be at least 60 seconds"),
    ("[providers.openai_api]\ninterval = 'often'\n", "providers.openai_api.interval must be seconds or a duration"),
    ("[providers.openai_api]\nenabled = 'yes'\n", "providers.openai_api.enabled must be true or false"),
    ("[providers.cursor]\nbackfill_days = 0\n", "providers.cursor.backfill_days must be a whole number of days"),
    ("[providers.cursor]\nreports = ['costs']\n", "providers.cursor.reports has 'costs'; known: usage_events"),
    ("[providers.cursor]\nbase_url = 'cursor.com'\n", "providers.cursor.base_url must start with https://"),
    ("[providers.bedrock]\nregions = []\n", "providers.bedrock.regions must be a non-empty list of strings"),
    ("[providers.bedrock]\nregion = 'a'\nregions = ['b']\n", "providers.bedrock.region and regions cannot both be set"),
    ("[providers.vertex]\n", "providers.vertex.project_id is required"),
    ("[providers.vertex]\nproject_id = ''\n", "providers.vertex.project_id must be a non-empty string"),
])  # fmt: skip
def test_errors_name_the_file_and_the_dotted_key(text, message):
    with pytest.raises(ConfigError) as err:
        _load(text)
    assert str(err.value).startswith(f"{PATH}: {message}")


def test_a_disabled_vertex_needs_no_project():
    assert not _load("[providers.vertex]\nenabled = false\n")["vertex"].enabled
