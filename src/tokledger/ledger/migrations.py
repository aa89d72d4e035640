"""Numbered schema migrations of the ledger, shared by SQLite and PostgreSQL, applied in order.

The version is SQLite's ``user_version`` or PostgreSQL's ``tokledger_schema`` table. Migrations are written in
SQLite's spelling and translated statement by statement (:meth:`tokledger.ledger.dialect.Dialect.ddl`).
A migration is never changed in what it does once released; a change to the schema is a new entry at the
end. The rollups are derived data: a migration that changes them is named in :data:`REBUILDS_ROLLUPS`, and
once the migrations are applied every rollup table is dropped, created again from
:func:`tokledger.ledger.rollups.create_sql` and filled from the events (the kept zones' days too).
Times are UTC milliseconds since the epoch; money is integer picodollars (1e-12 USD), so sums are exact.
"""

from __future__ import annotations

import sqlite3

from tokledger.errors import LedgerError
from tokledger.ledger import rollups
from tokledger.ledger.dialect import of as dialect_of

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_events_and_files",
        """
        CREATE TABLE files (
            id           INTEGER PRIMARY KEY,
            source       TEXT    NOT NULL,
            path         TEXT    NOT NULL UNIQUE,
            size         INTEGER NOT NULL,
            mtime_ns     INTEGER NOT NULL,
            inode        INTEGER NOT NULL,
            offset       INTEGER NOT NULL,   -- bytes read: the end of the last complete line
            tail_hash    BLOB,               -- digest of the bytes just before offset (detects rewrites)
            events       INTEGER NOT NULL DEFAULT 0,
            skipped      INTEGER NOT NULL DEFAULT 0,
            synced_ms    INTEGER NOT NULL
        );
        CREATE TABLE events (
            id                    INTEGER PRIMARY KEY,
            source                TEXT    NOT NULL,
            event_key             TEXT    NOT NULL,
            ts                    INTEGER NOT NULL,
            model                 TEXT    NOT NULL,
            provider              TEXT,
            session_id            TEXT,
            project               TEXT,
            git_branch            TEXT,
            request_id            TEXT,
            input_tokens          INTEGER NOT NULL,
            output_tokens         INTEGER NOT NULL,
            cache_write_tokens    INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens     INTEGER NOT NULL,
            reasoning_tokens      INTEGER NOT NULL,
            cost_pusd             INTEGER,   -- calculated at ingest; NULL when the model has no price
            price_basis           TEXT,      -- which price entry and rule produced cost_pusd
            logged_cost_pusd      INTEGER,   -- the cost the source itself recorded, if any
            is_primary            INTEGER NOT NULL DEFAULT 1,
            speed                 TEXT,
            file_id               INTEGER REFERENCES files(id),
            UNIQUE (source, event_key)
        );
        -- Covers the report queries (time range, grouping, sums) so they never read the wide rows.
        CREATE INDEX events_report ON events (ts, source, model, input_tokens, output_tokens,
            cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, reasoning_tokens, cost_pusd,
            logged_cost_pusd);
        """,
    ),
    (
        "0002_source_status_and_price_cache",
        """
        CREATE TABLE source_status (
            source     TEXT PRIMARY KEY,
            synced_ms  INTEGER NOT NULL,
            roots      TEXT NOT NULL,       -- JSON list of the paths looked at
            notices    TEXT NOT NULL        -- JSON list of one-line notices from the last sync
        );
        CREATE TABLE price_cache (
            fingerprint TEXT NOT NULL,       -- which price table (and tokledger) computed it
            key         TEXT NOT NULL,       -- model, provider hint and speed
            schedule    TEXT NOT NULL,       -- JSON price periods, or null for an unpriced model
            PRIMARY KEY (fingerprint, key)
        );
        """,
    ),
]


def _interned(kind: str, column: str) -> str:
    return f"INSERT OR IGNORE INTO dims (kind, value) SELECT DISTINCT '{kind}', {column} FROM events WHERE {column} IS NOT NULL;"


def _lookup(alias: str, kind: str, column: str) -> str:
    return f"LEFT JOIN dims {alias} ON {alias}.kind = '{kind}' AND {alias}.value = e.{column}"


# Schema 3: events keep integer ids of interned names (a third of the bytes), the wide covering index goes,
# and the rollups answer the reports. ``events`` stays as a view with the names, for SQL by hand.
MIGRATIONS.append(
    (
        "0003_dimensions_and_rollups",
        f"""
        CREATE TABLE dims (
            id    INTEGER PRIMARY KEY,
            kind  TEXT NOT NULL,      -- source, model, provider, session, project, branch, basis, speed
            value TEXT NOT NULL,
            UNIQUE (kind, value)
        );
        {_interned("source", "source")}
        {_interned("model", "model")}
        {_interned("provider", "provider")}
        {_interned("session", "session_id")}
        {_interned("project", "project")}
        {_interned("branch", "git_branch")}
        {_interned("basis", "price_basis")}
        {_interned("speed", "speed")}
        CREATE TABLE entries (
            id                    INTEGER PRIMARY KEY,
            source_id             INTEGER NOT NULL,
            event_key             TEXT    NOT NULL,
            ts                    INTEGER NOT NULL,   -- UTC milliseconds
            model_id              INTEGER NOT NULL,
            provider_id           INTEGER,
            session_id            INTEGER,
            project_id            INTEGER,
            branch_id             INTEGER,
            request_id            TEXT,
            input_tokens          INTEGER NOT NULL,
            output_tokens         INTEGER NOT NULL,
            cache_write_tokens    INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens     INTEGER NOT NULL,
            reasoning_tokens      INTEGER NOT NULL,
            cost_pusd             INTEGER,            -- calculated at ingest; NULL when the model has no price
            basis_id              INTEGER,            -- which price entry and rule produced cost_pusd
            logged_cost_pusd      INTEGER,            -- the cost the source itself recorded, if any
            is_primary            INTEGER NOT NULL DEFAULT 1,
            speed_id              INTEGER,
            file_id               INTEGER
        );
        INSERT INTO entries (id, source_id, event_key, ts, model_id, provider_id, session_id, project_id, branch_id,
            request_id, input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
            reasoning_tokens, cost_pusd, basis_id, logged_cost_pusd, is_primary, speed_id, file_id)
        SELECT e.id, s.id, e.event_key, e.ts, m.id, pv.id, se.id, pr.id, br.id, e.request_id, e.input_tokens,
            e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens, e.reasoning_tokens,
            e.cost_pusd, ba.id, e.logged_cost_pusd, e.is_primary, sp.id, e.file_id
        FROM events e {_lookup("s", "source", "source")} {_lookup("m", "model", "model")}
            {_lookup("pv", "provider", "provider")} {_lookup("se", "session", "session_id")}
            {_lookup("pr", "project", "project")} {_lookup("br", "branch", "git_branch")}
            {_lookup("ba", "basis", "price_basis")} {_lookup("sp", "speed", "speed")};
        DROP TABLE events;
        CREATE UNIQUE INDEX entries_key ON entries (source_id, event_key);
        CREATE INDEX entries_ts ON entries (ts);
        CREATE VIEW events AS
        SELECT e.id, s.value AS source, e.event_key, e.ts, m.value AS model, pv.value AS provider,
            se.value AS session_id, pr.value AS project, br.value AS git_branch, e.request_id, e.input_tokens,
            e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
            e.reasoning_tokens, e.cost_pusd, ba.value AS price_basis, e.logged_cost_pusd, e.is_primary,
            sp.value AS speed, e.file_id
        FROM entries e JOIN dims s ON s.id = e.source_id JOIN dims m ON m.id = e.model_id
            LEFT JOIN dims pv ON pv.id = e.provider_id LEFT JOIN dims se ON se.id = e.session_id
            LEFT JOIN dims pr ON pr.id = e.project_id LEFT JOIN dims br ON br.id = e.branch_id
            LEFT JOIN dims ba ON ba.id = e.basis_id LEFT JOIN dims sp ON sp.id = e.speed_id;
        CREATE TABLE state (
            key    TEXT PRIMARY KEY,  -- one namespace per subsystem, e.g. "daemon.last_cycle"
            value  TEXT NOT NULL
        );
        {rollups.ZONES_SQL};
        """,
    )
)

# Schema 4: what the vendors billed (see :mod:`tokledger.ledger.billed`). Every provider record is kept in
# ``billed`` with its bucket and figures; one that counts tokens is also an event in ``entries`` (so the rollups
# sum it, under its provider's source), and its source is listed in ``billed_sources``, which keeps it out of
# every report that does not name it. The providers' sources are listed here, before any is synced, so a
# connection reads that list once (a provider added later comes with a migration of its own).
_PROVIDER_SOURCES = ("anthropic_api", "openai_api", "cursor", "bedrock", "vertex")
_VALUES = ", ".join(f"('source', '{name}')" for name in _PROVIDER_SOURCES)
_NAMES = ", ".join(f"'{name}'" for name in _PROVIDER_SOURCES)
MIGRATIONS.append(
    (
        "0004_billed_records",
        f"""
        CREATE TABLE billed_sources (
            source_id  INTEGER PRIMARY KEY     -- dims id of a source whose events are billed usage
        );
        CREATE TABLE billed (
            id                    INTEGER PRIMARY KEY,
            source_id             INTEGER NOT NULL,
            event_key             TEXT    NOT NULL,   -- the event's key in entries, when it counts tokens
            ts                    INTEGER NOT NULL,   -- the bucket's start, UTC milliseconds
            bucket_seconds        INTEGER NOT NULL,   -- the bucket's width (0: a single request)
            report                TEXT    NOT NULL,   -- the vendor report it came from
            counts                INTEGER NOT NULL,   -- 1: its tokens count toward the bill, 2: its cost does
            model_id              INTEGER NOT NULL,
            provider_id           INTEGER,
            project_id            INTEGER,
            input_tokens          INTEGER NOT NULL,
            output_tokens         INTEGER NOT NULL,
            cache_write_tokens    INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            cache_read_tokens     INTEGER NOT NULL,
            reasoning_tokens      INTEGER NOT NULL,
            cost_pusd             INTEGER,            -- the vendor's cost; NULL when it gave none
            requests              INTEGER,            -- the vendor's request count; NULL when it gave none
            dims                  TEXT    NOT NULL,   -- JSON object of the grouping dimensions
            UNIQUE (source_id, event_key)
        );
        CREATE INDEX billed_ts ON billed (ts);
        INSERT OR IGNORE INTO dims (kind, value) VALUES {_VALUES};
        INSERT INTO billed_sources (source_id) SELECT id FROM dims WHERE kind = 'source' AND value IN ({_NAMES});
        """,
    )
)

# Schema 5: why each file's skipped records were skipped (reason → count, JSON), for `sources` and `sync`.
MIGRATIONS.append(
    (
        "0005_skip_reasons",
        """
        ALTER TABLE files ADD COLUMN skip_reasons TEXT NOT NULL DEFAULT '{}';
        """,
    )
)

# Budget alerts: a level of a limit in a period alerts once, whichever process notices it first.
MIGRATIONS.append(
    (
        "0006_alerts",
        """
        CREATE TABLE alerts (
            key        TEXT PRIMARY KEY,  -- limit, period start and level (see tokledger.alerts); claimed once
            claimed_ms INTEGER NOT NULL
        );
        """,
    )
)

# The plan's own usage windows as Claude Code reports them (the status line's rate_limits): the latest
# figures of each window, one row per window and reset time.
MIGRATIONS.append(
    (
        "0007_rate_limits",
        """
        CREATE TABLE rate_limits (
            kind         TEXT    NOT NULL,  -- the window: five_hour | seven_day
            resets_ms    INTEGER NOT NULL,  -- when the window resets (UTC ms); 0 when not reported
            used_percent REAL    NOT NULL,  -- 0..100
            observed_ms  INTEGER NOT NULL,  -- when these figures were seen
            session      TEXT,              -- the Claude Code session that reported them
            PRIMARY KEY (kind, resets_ms)
        );
        """,
    )
)

# Schema 8: events carry their host and user (a personal ledger's own are the names -1 and -2, renamed with
# the configuration, so its history keeps one identity); file checkpoints and source status are per host;
# ``entry_changes`` lists stored events changed after they were written, for ``push``; ``pushes`` holds, in
# a team ledger, each pushing ledger's host, user and how far it has pushed.
MIGRATIONS.append(
    (
        "0008_hosts_and_users",
        """
        ALTER TABLE entries ADD COLUMN host_id INTEGER NOT NULL DEFAULT -1;
        ALTER TABLE entries ADD COLUMN user_id INTEGER NOT NULL DEFAULT -2;
        DROP INDEX entries_key;
        CREATE UNIQUE INDEX entries_key ON entries (host_id, source_id, event_key);
        CREATE TABLE files_per_host (
            id           INTEGER PRIMARY KEY,
            host_id      INTEGER NOT NULL,
            source       TEXT    NOT NULL,
            path         TEXT    NOT NULL,
            size         INTEGER NOT NULL,
            mtime_ns     INTEGER NOT NULL,
            inode        INTEGER NOT NULL,
            offset       INTEGER NOT NULL,
            tail_hash    BLOB,
            events       INTEGER NOT NULL DEFAULT 0,
            skipped      INTEGER NOT NULL DEFAULT 0,
            synced_ms    INTEGER NOT NULL,
            skip_reasons TEXT    NOT NULL DEFAULT '{}',
            UNIQUE (host_id, path)
        );
        INSERT INTO files_per_host (id, host_id, source, path, size, mtime_ns, inode, "offset", tail_hash, events,
            skipped, synced_ms, skip_reasons)
        SELECT id, -1, source, path, size, mtime_ns, inode, "offset", tail_hash, events, skipped, synced_ms,
            skip_reasons FROM files;
        DROP TABLE files;
        ALTER TABLE files_per_host RENAME TO files;
        CREATE TABLE source_status_per_host (
            host_id    INTEGER NOT NULL,
            source     TEXT NOT NULL,
            synced_ms  INTEGER NOT NULL,
            roots      TEXT NOT NULL,
            notices    TEXT NOT NULL,
            PRIMARY KEY (host_id, source)
        );
        INSERT INTO source_status_per_host (host_id, source, synced_ms, roots, notices)
        SELECT -1, source, synced_ms, roots, notices FROM source_status;
        DROP TABLE source_status;
        ALTER TABLE source_status_per_host RENAME TO source_status;
        CREATE TABLE entry_changes (
            entry_id  INTEGER PRIMARY KEY,
            rev       INTEGER NOT NULL        -- grows with every write transaction that changed stored events
        );
        CREATE INDEX entry_changes_rev ON entry_changes (rev);
        CREATE TABLE pushes (
            uid        TEXT PRIMARY KEY,      -- the pushing ledger's own random id
            host_id    INTEGER NOT NULL,
            user_id    INTEGER NOT NULL,
            last_id    INTEGER NOT NULL,      -- its events up to this id are here
            last_rev   INTEGER NOT NULL,      -- and its changes up to this revision
            rev_entry  INTEGER NOT NULL,      -- and, of that revision, up to this event id
            pushed_ms  INTEGER NOT NULL
        );
        DROP VIEW events;
        CREATE VIEW events AS
        SELECT e.id, ho.value AS host, us.value AS "user", s.value AS source, e.event_key, e.ts, m.value AS model,
            pv.value AS provider, se.value AS session_id, pr.value AS project, br.value AS git_branch, e.request_id,
            e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
            e.reasoning_tokens, e.cost_pusd, ba.value AS price_basis, e.logged_cost_pusd, e.is_primary,
            sp.value AS speed, e.file_id
        FROM entries e JOIN dims s ON s.id = e.source_id JOIN dims m ON m.id = e.model_id
            LEFT JOIN dims ho ON ho.id = e.host_id LEFT JOIN dims us ON us.id = e.user_id
            LEFT JOIN dims pv ON pv.id = e.provider_id LEFT JOIN dims se ON se.id = e.session_id
            LEFT JOIN dims pr ON pr.id = e.project_id LEFT JOIN dims br ON br.id = e.branch_id
            LEFT JOIN dims ba ON ba.id = e.basis_id LEFT JOIN dims sp ON sp.id = e.speed_id;
        """,
    )
)
REBUILDS_ROLLUPS = {"0003_dimensions_and_rollups", "0008_hosts_and_users"}

SCHEMA_VERSION = len(MIGRATIONS)


def _statements(sql: str) -> list[str]:
    """Split a script into statements (comments dropped first, so they may hold semicolons)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to ``target``; safe when several processes open a new ledger at once."""
    d = dialect_of(conn)
    version = d.schema_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger has schema version {version}, newer than this tokledger knows ({SCHEMA_VERSION}); "
            "upgrade tokledger"
        )
    if version >= target:
        return version
    for statement in d.begin_write:
        conn.execute(statement)
    try:
        d.lock_schema(conn)
        version = d.schema_version(conn)
        rebuild = False
        for number in range(version, target):
            name, sql = MIGRATIONS[number]
            for statement in _statements(sql):
                conn.execute(d.ddl(statement))
            rebuild |= name in REBUILDS_ROLLUPS
            d.set_schema_version(conn, number + 1)
        if rebuild and target == SCHEMA_VERSION:  # rollups only ever have the current code's shape
            _recreate_rollups(conn, d)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target


def _recreate_rollups(conn, d) -> None:
    """Drop every rollup table, create it as the current code has it, fill it from the events."""
    from zoneinfo import ZoneInfo

    from tokledger.ledger.zones import QuarterDays

    for name in rollups.TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
    for statement in rollups.create_sql():
        conn.execute(d.ddl(statement))
    zones = [
        (i, QuarterDays(ZoneInfo(name))) for i, name in conn.execute("SELECT id, name FROM rollup_zones")
    ]
    rollups.rebuild_all(conn, zones)
