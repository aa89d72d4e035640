"""Shared test helpers: a fake home (never the developer's real logs), a ledger in it, and the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tokledger.cli import cli
from tokledger.config import Config
from tokledger.env import Env
from tokledger.ingest import sync
from tokledger.ledger import Ledger
from tokledger.pricing import Pricer
from tokledger.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def env(home: Path) -> Env:
    return Env(home=home, environ={"TZ": "UTC"})


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the whole session (initdb into a temp directory; see tests/postgres.py)."""
    from tests.postgres import Cluster, binaries

    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    cluster = Cluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """The URL of a new, empty database on the test cluster."""
    return pg_cluster.database()


TEAM_CONFIG = Config(sections={"team": {"host": "laptop", "user": "ana"}})


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Run the test on both engines."""
    return request.param


@pytest.fixture
def workspace(env: Env, tmp_path: Path, request):
    """A workspace on a SQLite file, or with the ``backend`` fixture on either engine."""
    db: Path | str = tmp_path / "ledger.db"
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgresql":
        db = request.getfixturevalue("pg_url")
    workspace = Workspace(env, db_path=db, config=TEAM_CONFIG)
    yield workspace
    workspace.close()


@pytest.fixture
def ledger(workspace: Workspace) -> Ledger:
    return workspace.ledger


def install_fixture(home: Path, source: str, case: str, dest: str) -> Path:
    """Copy ``fixtures/<source>/<case>`` to ``home/<dest>`` (a file or a directory tree)."""
    src = FIXTURES / source / case
    target = home / dest
    target.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, target)
    return target


def sync_all(ledger: Ledger, env: Env, **kw):
    return sync(ledger, env, Pricer(), jobs=1, **kw)


@pytest.fixture
def run_cli(home: Path, tmp_path: Path) -> Callable[..., Result]:
    """Run ``tokledger`` in-process with HOME set to the fake home and the ledger in tmp_path."""

    def run(*args: str, env: dict[str, str] | None = None, expect: int = 0) -> Result:
        environ = {"HOME": str(home), "TZ": "UTC", "NO_COLOR": "1", "TOKLEDGER_DB": str(tmp_path / "cli.db"),
                   "TOKLEDGER_CONFIG": str(tmp_path / "config.toml"), "CLAUDE_CONFIG_DIR": "", "CODEX_HOME": "",
                   "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "COLUMNS": "", **(env or {})}  # fmt: skip
        result = CliRunner().invoke(cli, list(args), env=environ, catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return run


def ts(text: str) -> datetime:
    """An ISO-8601 instant as a UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def ms(text: str) -> int:
    """An ISO-8601 instant as the ledger stores it: UTC milliseconds."""
    return int(ts(text).timestamp() * 1000)


def tokens(events):
    """key -> (input, cache read, output, reasoning, model, timestamp), for OpenAI- and Gemini-style sources."""
    return {
        e.key: (e.input_tokens, e.cache_read_tokens, e.output_tokens, e.reasoning_tokens, e.model, e.timestamp)
        for e in events
    }  # fmt: skip


def json_out(result: Result):
    return json.loads(result.stdout)


def install_sql_fixture(home: Path, source: str, case: str, dest: str) -> Path:
    """Build the SQLite database ``home/<dest>`` from the SQL script ``fixtures/<source>/<case>``."""
    import sqlite3

    target = home / dest
    target.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target)
    try:
        conn.executescript((FIXTURES / source / case).read_text())
    finally:
        conn.close()
    return target
