"""Opening a ledger's connection: the SQLite file (private, WAL, busy timeout) or a PostgreSQL database, each
checked for being tokledger's and migrated; and the engines' errors said in one line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tokledger.errors import LedgerError
from tokledger.ledger import pg, rollups
from tokledger.ledger.dialect import POSTGRES, SQLITE, Dialect
from tokledger.ledger.migrations import SCHEMA_VERSION, migrate

BUSY_TIMEOUT_S = 60.0
OWN_TABLES = {
    "files", "entry_changes", "pushes", "tokledger_schema", "events", "entries", "dims", "source_status",
    "price_cache", "state", "rollup_zones", "billed", "billed_sources", "alerts", "rate_limits", *rollups.TABLES,
}  # fmt: skip


def create_private(path: Path) -> None:
    """The ledger's directory and file, readable by their owner only whatever the umask."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        os.chmod(path.parent, 0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)


def refuse_foreign(conn, path: object, d: Dialect = SQLITE) -> None:
    """A database with tables but no tokledger schema belongs to another program: touch nothing (in a
    PostgreSQL schema, only tables named like the ledger's are a clash).

    Migrations set the version in the transaction that creates the tables, so a SQLite ledger of this or an
    older release has a version and the checkpoint table with its digest column; an empty file (a new
    ledger) has neither tables nor a version."""
    version = d.schema_version(conn)
    tables = d.tables(conn)
    if d.postgres:
        if version:
            return
        clash = tables & OWN_TABLES
    else:
        if (not tables and not version) or version > SCHEMA_VERSION:
            return  # a new ledger; or one of a newer release, which the migrations refuse by name
        ours = (
            version
            and {"files", "state"} & tables
            and "tail_hash" in {r[0] for r in conn.execute("SELECT name FROM pragma_table_info('files')")}
        )
        clash = tables if not ours or not tables <= OWN_TABLES else set()
    if clash:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise LedgerError(
            f"{path} is a database of another program (tables {shown or 'none'}), not a tokledger ledger;"
            " choose another --db path"
        )


def connect_sqlite(path: Path) -> sqlite3.Connection:
    try:
        create_private(path)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        refuse_foreign(conn, path)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise LedgerError(f"cannot open the ledger {path} in WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
        SQLITE.tune(conn)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"cannot open the ledger {path}: {reason(exc)}") from None
    except OSError as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc.strerror or exc}") from None
    return conn


def connect_postgres(url: str, options: dict | None, pool: pg.Pool | None) -> pg.Connection:
    """A connection (from ``pool`` when given), the schema checked and migrated (once per pool)."""
    shown = pg.redact(url)
    try:
        conn = pool.connection() if pool is not None else pg.connect(url, options)
    except Exception as exc:  # noqa: BLE001 -- psycopg's and the pool's errors alike, said in one line
        raise LedgerError(f"cannot open the team ledger {shown}: {pg_reason(exc)}") from None
    try:
        if pool is None or not pool.migrated:
            refuse_foreign(conn, shown, POSTGRES)
            migrate(conn)
            if pool is not None:
                pool.migrated = True
    except LedgerError:
        conn.close()
        raise
    except db_errors() as exc:
        conn.close()
        raise LedgerError(f"cannot open the team ledger {shown}: {pg_reason(exc)}") from None
    return conn


_DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,)


def db_errors() -> tuple[type[BaseException], ...]:
    """The database errors of both engines (psycopg's only once it is loaded)."""
    global _DB_ERRORS
    if len(_DB_ERRORS) == 1:
        import sys

        psycopg = sys.modules.get("psycopg")
        if psycopg is not None:
            _DB_ERRORS = (sqlite3.Error, psycopg.Error)
    return _DB_ERRORS


def reason(exc: BaseException) -> str:
    if not isinstance(exc, sqlite3.Error):
        return pg_reason(exc)
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return "the file is read-only (run reports with --no-sync to read it without writing)"
    return text


def pg_reason(exc: BaseException) -> str:
    """PostgreSQL's message on one line (its first), which never holds a password."""
    text = " ".join(str(exc).split("\n")[:1]).strip() or type(exc).__name__
    if "permission denied" in text or "row-level security" in text:
        text += " (this role may not write there)"
    return text
