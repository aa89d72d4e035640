"""What every provider must satisfy, and what importing tokledger must not do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tokledger.providers import CREDENTIAL_KINDS, PROVIDERS
from tokledger.sources import SOURCES

HEAVY = ("httpx", "boto3", "botocore", "google", "pystray", "keyring", "PIL", "Xlib")


def test_slugs_are_snake_case_and_never_clash_with_sources():
    assert list(PROVIDERS) == ["anthropic_api", "openai_api", "cursor", "bedrock", "vertex"]
    assert not set(PROVIDERS) & set(SOURCES)
    for name, provider in PROVIDERS.items():
        assert name.isidentifier() and name == name.lower()
        assert provider.module.__name__ == f"tokledger.providers.{name}"


@pytest.mark.parametrize("name", list(PROVIDERS))
def test_each_provider_is_described(name):
    provider = PROVIDERS[name]
    assert provider.credential_kind in CREDENTIAL_KINDS and provider.credential_env and provider.reports
    cloud = provider.credential_kind in ("aws", "google_cloud")
    assert provider.interval == timedelta(minutes=15 if cloud else 5)
    assert timedelta(hours=1) <= provider.lateness <= timedelta(days=7)
    doc = provider.description
    assert len(doc) > 800, "the module docstring documents the API"
    for word in ("Delays" if not cloud else "delays", "Credentials" if cloud else "", *provider.reports):
        assert word.lower() in doc.lower(), (name, word)


def test_importing_the_library_imports_no_http_cloud_or_gui_library(tmp_path):
    code = ("import sys, json\n"
            "import tokledger, tokledger.providers, tokledger.providers.sync, tokledger.providers.reconcile\n"
            "import tokledger.providers.credentials, tokledger.providers.config, tokledger.tray, tokledger.cli.vendors\n"
            "from click.testing import CliRunner\n"
            "from tokledger.cli import cli\n"
            "result = CliRunner().invoke(cli, ['daily', '--json'])\n"
            "print(json.dumps([result.exit_code, sorted({m.split('.')[0] for m in sys.modules})]))\n")  # fmt: skip
    env = {**os.environ, "HOME": str(tmp_path), "TOKLEDGER_DB": str(tmp_path / "l.db"),
           "TOKLEDGER_CONFIG": str(tmp_path / "c.toml"), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": ""}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    code_, modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert code_ == 0
    assert not set(HEAVY) & set(modules), set(HEAVY) & set(modules)
