"""A throw-away PostgreSQL cluster for the tests: initdb into a temporary directory, a loopback port.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the cluster belongs to an
unprivileged system user (``TOKLEDGER_TEST_PG_USER``, default ``nobody``) and its commands run as that user.
Fsync is off: the cluster is thrown away. The role ``pushpw`` logs in only with a password (to test where
passwords come from); every other role is trusted on loopback.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PASSWORD_ROLE = "pushpw"
PASSWORD = "s3cret-pw"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(
        self, bindir: Path, root: Path | None = None, *, durable: bool = False, tls: bool = False
    ) -> None:
        """``root``: keep the cluster there (reused when it holds one); ``durable``: fsync on (benchmarks);
        ``tls``: TLS on, with a self-signed certificate for 127.0.0.1 (:attr:`certificate`)."""
        self.tls = tls
        self.bindir = bindir
        self.root = root or Path(tempfile.mkdtemp(prefix="tokledger-pg-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.durable = durable
        self.port = _free_port()
        self.user = os.environ.get("TOKLEDGER_TEST_PG_USER", "nobody") if os.geteuid() == 0 else None
        self._databases = 0

    def _run(self, *args: str) -> None:
        subprocess.run([str(self.bindir / args[0]), *args[1:]], check=True, capture_output=True, user=self.user,
                       cwd=self.root)  # fmt: skip

    def start(self) -> Cluster:
        if self.user is not None:
            shutil.chown(self.root, self.user)
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
            )
            hba = self.data / "pg_hba.conf"
            rules = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text()
            hba.write_text(rules)
            if self.tls:
                self._certify()
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if self.tls:
            options += " -c ssl=on"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")
        if fresh:
            self.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        return self

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate: the root a client verifies it with."""
        return self.root / "server.crt"

    def _certify(self) -> None:
        key, crt = self.data / "server.key", self.data / "server.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)  # fmt: skip
        shutil.copyfile(crt, self.certificate)
        key.chmod(0o600)
        if self.user is not None:
            shutil.chown(key, self.user)
            shutil.chown(crt, self.user)

    def stop(self, *, keep: bool = False) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast" if keep else "immediate", "-w", "stop")
        finally:
            if not keep:
                shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def database(self, name: str | None = None) -> str:
        """A new, empty database's URL (or the URL of ``name``, made when missing)."""
        if name is None:
            self._databases += 1
            name = f"t{os.getpid()}_{self._databases}"
        if not self.execute(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self.execute(f"CREATE DATABASE {name}")
        return self.url(name)
