"""PostgreSQL connections that read like SQLite's: ``?`` placeholders, whole sums as ``int``, explicit transactions.

A team ledger lives in PostgreSQL (psycopg 3). :class:`Connection` wraps one psycopg connection in
autocommit mode, so :meth:`tokledger.ledger.Ledger.transaction` opens and ends transactions itself with
the same statements on both engines (see :mod:`tokledger.ledger.dialect`). Each statement's ``?``
placeholders become ``%s`` (and ``%`` becomes ``%%``) once, then the translation is cached. A whole
``NUMERIC`` — what PostgreSQL gives for ``SUM`` of a ``BIGINT`` — is read as ``int``. Statements are not
prepared on the server, so each is planned for its own arguments.

Connections come either straight from :func:`connect` or from a :class:`Pool` (psycopg-pool), which a
long-running face (``serve``, the daemon, repeated pushes) keeps so that every request or cycle reuses one.
URLs are ``postgresql://user@host:port/dbname?sslmode=verify-full&...``: every libpq parameter passes
through untouched (TLS included); the password never travels in it (:mod:`tokledger.team.secrets`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tokledger.ledger.dialect import POSTGRES

SCHEMES = ("postgresql://", "postgres://")
_SECRET_PARAMS = {"password", "sslpassword"}


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL with any password (in the authority or the query) replaced by ``***``, fit for a message."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            auth, host = netloc.rsplit("@", 1)
            if ":" in auth:
                auth = auth.split(":", 1)[0] + ":***"
            netloc = f"{auth}@{host}"
        query = urlencode(
            [
                (k, "***" if k in _SECRET_PARAMS else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "postgresql://***"


@lru_cache(maxsize=4096)
def _translate(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _configure(raw) -> None:
    from psycopg.types.numeric import NumericLoader

    class WholeNumeric(NumericLoader):
        def load(self, data):
            text = bytes(data)
            if b"." in text or b"N" in text or b"e" in text:
                return super().load(data)
            return int(text)

    raw.adapters.register_loader("numeric", WholeNumeric)
    # Every statement is planned for its own arguments: a prepared statement's generic plan does not know
    # that ``id >= ?`` picks a transaction's last few rows, and may read a whole index instead. (It also
    # keeps connections fit for PgBouncer's transaction mode.)
    raw.prepare_threshold = None


class Connection:
    """One psycopg connection with the subset of ``sqlite3.Connection`` the ledger uses."""

    dialect = POSTGRES

    def __init__(self, raw, pool: Pool | None = None) -> None:
        self.raw = raw
        self._pool = pool

    def execute(self, sql: str, args: Sequence = ()):
        cur = self.raw.cursor()
        cur.execute(_translate(sql), tuple(args))
        return cur

    def executemany(self, sql: str, rows: Iterable[Sequence]):
        rows = [tuple(r) for r in rows]
        cur = self.raw.cursor()
        if rows:
            cur.executemany(_translate(sql), rows)
        return cur

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Bulk insert with ``COPY ... FROM STDIN`` (many times faster than one INSERT per row), through a
        temporary table: row-level security, which a push role writes under, refuses ``COPY`` into its table
        but checks an ``INSERT ... SELECT`` row by row."""
        cols = ", ".join(columns)
        stage = f"tokledger_stage_{table}"
        with self.raw.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS SELECT {cols} FROM {table}"
                        " WITH NO DATA")  # fmt: skip
            with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage}")
            cur.execute(f"TRUNCATE {stage}")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.release(self.raw)
        else:
            self.raw.close()


def _kwargs(options: dict | None) -> dict:
    return {"autocommit": True, "application_name": "tokledger", "connect_timeout": 15, **(options or {})}


def connect(url: str, options: dict | None = None) -> Connection:
    """A connection; ``options`` are libpq parameters beside the URL's (a password, a passfile)."""
    import psycopg

    raw = psycopg.connect(url, **_kwargs(options))
    _configure(raw)
    return Connection(raw)


class Pool:
    """Connections to one team ledger kept open between requests or cycles (psycopg-pool)."""

    def __init__(self, url: str, options: dict | None = None, *, max_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self.migrated = False
        connect(url, options).close()  # a wrong address or password fails here, with libpq's own message
        self._pool = ConnectionPool(url, kwargs=_kwargs(options), min_size=1, max_size=max_size,
                                    configure=_configure, open=False, name="tokledger")  # fmt: skip
        self._pool.open(wait=True, timeout=30)

    def connection(self) -> Connection:
        return Connection(self._pool.getconn(timeout=60), self)

    def release(self, raw) -> None:
        self._pool.putconn(raw)

    def close(self) -> None:
        self._pool.close()
