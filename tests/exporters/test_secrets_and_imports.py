"""Secrets stay out of URLs and text; importing tokledger does not load the exporters' libraries."""

from __future__ import annotations

import subprocess
import sys

from tokledger.exporters.secrets import Secret, redact_url, scrub


def test_redact_url():
    assert redact_url("https://u:pw@host:8443/api/v1/write?x=1") == "https://u:***@host:8443/api/v1/write?x=1"
    assert redact_url("https://token@host/p") == "https://***@host/p"
    assert redact_url("http://host/p") == "http://host/p"


def test_secret_never_prints_itself_and_is_scrubbed():
    secret = Secret("pw-123")
    assert "pw-123" not in f"{secret} {secret!r}"
    assert scrub("denied for pw-123 (pw-123)", [secret, None]) == "denied for *** (***)"


def test_imports_stay_lazy():
    code = (
        "import sys, tokledger, tokledger.exporters, tokledger.exporters.series, tokledger.exporters.config, "
        "tokledger.daemon, tokledger.daemon.main, tokledger.daemon.service, tokledger.cli, tokledger.cli.export\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('google', 'opentelemetry', 'prometheus_client', "
        "'cramjam', 'keyring', 'httpx')]\n"
        "print(','.join(sorted(heavy)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
