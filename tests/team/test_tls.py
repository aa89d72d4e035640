"""TLS options in the URL reach libpq: against a real PostgreSQL with TLS on, ``sslmode=verify-full`` with
the server's certificate connects encrypted, and with the wrong root refuses in one line."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.team.helpers import held, laptop, record, rows
from tokledger.errors import LedgerError
from tokledger.ledger import Ledger


@pytest.fixture(scope="module")
def tls_cluster():
    from tests.postgres import Cluster, binaries

    bindir = binaries()
    if bindir is None or shutil.which("openssl") is None:
        pytest.skip("PostgreSQL and openssl are needed")
    cluster = Cluster(bindir, tls=True).start()
    yield cluster
    cluster.stop()


def test_verify_full_with_the_servers_certificate_pushes_encrypted(tmp_path, tls_cluster):
    url = f"{tls_cluster.database()}?sslmode=verify-full&sslrootcert={tls_cluster.certificate}"
    ws = laptop(tmp_path, "laptop-a")
    record(ws.ledger, rows(1, 20))
    assert ws.push(url).sent == 20
    team = Ledger.open(url)
    assert team.conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0] is True
    assert held(team, "laptop-a") == held(ws.ledger)
    team.close()
    ws.close()


def test_a_certificate_that_does_not_verify_is_refused_in_one_line(tmp_path, tls_cluster):
    other = tmp_path / "other.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x",
                    "-keyout", str(tmp_path / "other.key"), "-out", str(other)], check=True, capture_output=True)  # fmt: skip
    url = f"{tls_cluster.database()}?sslmode=verify-full&sslrootcert={other}"
    with pytest.raises(LedgerError, match="cannot open the team ledger") as caught:
        Ledger.open(url)
    assert "\n" not in str(caught.value) and "certificate" in str(caught.value)
