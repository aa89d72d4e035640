"""``Workspace``: what every face opens — the environment, the configuration, the ledger, the pricer, and sync.

The command line, the web dashboard, the live dashboard and every later face (daemon, hooks, status line,
exporters, MCP) hold one of these and nothing below it: they never build a ledger, a pricer or a price
fingerprint themselves, so they all sync the same way and fill the same price cache. Parts are opened
when first used, so a command that only prints help touches nothing.

A workspace's connection belongs to the thread that uses it; a threaded face (the web server) takes a
:meth:`reader` per request, which shares the configuration but has its own connection (for a PostgreSQL
ledger, one lent by a connection pool the readers share).

The ledger is ``db_path`` (``--db``), else ``TOKLEDGER_DB``, else ``ledger`` in the configuration, else
the personal SQLite file; a ``postgresql://`` URL is a team ledger (:mod:`tokledger.team`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Self

from tokledger.config import Config, load_config
from tokledger.env import Env
from tokledger.errors import LedgerError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from tokledger.ingest import ProgressFn, SyncReport
    from tokledger.ledger import Ledger
    from tokledger.ledger.pg import Pool
    from tokledger.pricing import PriceEntry, Pricer
    from tokledger.reports import Query, Report
    from tokledger.team import Team
    from tokledger.team.push import PushReport

AfterSync = Callable[["Workspace", "SyncReport"], None]


class Workspace:
    def __init__(self, env: Env, *, db_path: Path | str | None = None, config_path: Path | None = None,
                 config: Config | None = None) -> None:  # fmt: skip
        self.env = env
        self._db = db_path or env.ledger_location
        self._pool: Pool | None = None
        self._owns_pool = False
        self._push_pools: dict[str, Pool] = {}
        self.config_path = config_path or env.config_path
        self._explicit_config = config_path is not None
        self._config = config
        self._ledger: Ledger | None = None
        self._pricer: Pricer | None = None
        self._day_zones: set[str] = set()
        self.after_sync: list[AfterSync] = []
        """Called after every sync that recorded something, whoever asked for it."""

    @classmethod
    def from_os(cls, *, db_path: Path | str | None = None, config_path: Path | None = None) -> Workspace:
        return cls(Env.from_os(), db_path=db_path, config_path=config_path)

    # -- parts ---------------------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=self._explicit_config)
        return self._config

    @property
    def db_path(self) -> Path | str:
        """The ledger's location: a path, or a ``postgresql://`` URL."""
        from tokledger.ledger.pg import is_url
        from tokledger.team import ledger_location

        location = self._db or ledger_location(self.config)
        if location is None:
            return self.env.data_dir / "ledger.db"
        if is_url(location):
            return str(location)
        return location if isinstance(location, Path) else self.env.expand(str(location))

    @cached_property
    def team(self) -> Team:
        """Who this machine and person are, and where ``push`` sends (``[team]``)."""
        from tokledger.team import team_of

        return team_of(self.config, self.env)

    def connection_options(self, url: str) -> dict[str, str]:
        """libpq options for a team ledger at ``url`` (its password, from where passwords are kept)."""
        from tokledger.team.secrets import connection_options

        return connection_options(url, self.env, self.team.password_file)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            from tokledger.ledger import Ledger
            from tokledger.ledger.pg import is_url

            location = self.db_path
            options = self.connection_options(location) if is_url(location) else None
            self._ledger = Ledger.open(location, host=self.team.host, user=self.team.user, options=options,
                                       pool=self._pool)  # fmt: skip
        return self._ledger

    @cached_property
    def fingerprint(self) -> str:
        from tokledger.pricing import table_fingerprint

        return table_fingerprint()

    @property
    def pricer(self) -> Pricer:
        if self._pricer is None:
            from tokledger.pricing import Pricer

            self._pricer = Pricer(self.config.prices, cached=self.ledger.price_cache(self.fingerprint))
        return self._pricer

    def reader(self) -> Workspace:
        """Another workspace on the same ledger and configuration, with its own connection."""
        from tokledger.ledger.pg import is_url

        reader = Workspace(self.env, db_path=self.db_path, config_path=self.config_path, config=self.config)
        location = reader.db_path
        if is_url(location):
            if self._pool is None:
                self._pool, self._owns_pool = self._open_pool(location, max_size=8), True
            reader._pool = self._pool
        return reader

    def _open_pool(self, url: str, *, max_size: int) -> Pool:
        from tokledger.ledger.pg import Pool, redact

        options = self.connection_options(url)
        try:
            return Pool(url, options, max_size=max_size)
        except Exception as exc:  # noqa: BLE001 -- libpq's message, in one line, without the password
            raise LedgerError(
                f"cannot open the team ledger {redact(url)}: {str(exc).splitlines()[0]}"
            ) from None

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._owns_pool and self._pool is not None:
            self._pool.close()
            self._pool, self._owns_pool = None, False
        for pool in self._push_pools.values():
            pool.close()
        self._push_pools.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- keeping the ledger --------------------------------------------------------------------------

    def sync(self, only: Sequence[str] | None = None, *, jobs: int | None = None, strict: bool = False,
             progress: ProgressFn | None = None) -> SyncReport:  # fmt: skip
        """Read new usage from every source (or ``only`` these) into the ledger; see :func:`ingest.sync`."""
        from tokledger.ingest import sync

        report = sync(self.ledger, self.env, self.pricer, only=only, jobs=jobs, strict=strict, progress=progress,
                      fingerprint=self.fingerprint)  # fmt: skip
        if report.changed:
            for hook in self.after_sync:
                hook(self, report)
        return report

    def reprice(self) -> tuple[int, int]:
        """Recompute every stored cost with the current table and overrides; (events, changed)."""
        from tokledger.ingest import reprice
        from tokledger.pricing import Pricer

        self._pricer = None
        return reprice(self.ledger, Pricer(self.config.prices), self.fingerprint)

    def price_entry(self, model: str, when: datetime, provider: str | None = None) -> PriceEntry | None:
        return self.pricer.entry(model, when, provider)

    # -- reading it ------------------------------------------------------------------------------------

    @property
    def source_names(self) -> list[str]:
        """Every source tokledger reads, in registry order."""
        from tokledger.sources import SOURCES

        return list(SOURCES)

    def known_sources(self) -> list[str]:
        """Every registered source and every source the ledger holds events of (history outlives modules)."""
        from tokledger.ledger import queries

        return sorted(set(self.source_names) | set(queries.source_counts(self.ledger)))

    def query(self, params: Mapping[str, object], *, known: Collection[str] | None = None, dated: bool = True,
              label: Callable[[str], str] = str) -> Query:  # fmt: skip
        """A report query from CLI options or web parameters (see :func:`reports.query.query_from`)."""
        from tokledger.reports.query import query_from

        known = self.source_names if known is None else known
        return query_from(params, self.config, known_sources=known, dated=dated, label=label)

    def keep_days(self, tz: ZoneInfo) -> None:
        """Have the ledger keep sums per local day of this zone (the zone of a face that stays open), so
        its daily, weekly, monthly, model and project reports read those instead of quarter-hours."""
        if tz.key in self._day_zones:
            return
        self._day_zones.add(tz.key)
        try:
            self.ledger.keep_days(tz.key)
        except LedgerError:  # a read-only ledger: the quarter-hours still answer, a little slower
            pass

    def report(self, kind: str, query: Query, *, parts: bool = True) -> Report:
        """A report of one of :data:`reports.KINDS` (``parts``: with the per source and model breakdown);
        the configured zone's days are kept as sums."""
        from tokledger.reports import usage_report

        if query.tz.key == self.config.zone().key:
            self.keep_days(query.tz)
        return usage_report(self.ledger, kind, query, parts=parts)

    def blocks(self, query: Query, **options) -> Report:
        from tokledger.reports.blocks import blocks_report

        return blocks_report(self.ledger, query, **options)

    def events(self, query: Query, limit: int | None) -> list[dict]:
        from tokledger.reports.events import event_list

        return event_list(self.ledger, query, limit)

    def sources(self) -> list[dict]:
        from tokledger.reports.status import source_status

        return source_status(self.ledger)

    def changed_elsewhere(self) -> int:
        """A number that changes whenever another connection commits to the ledger."""
        return self.ledger.data_version()

    # -- the team --------------------------------------------------------------------------------------

    def hosts(self) -> list[str]:
        """The hosts the ledger holds events of (one for a personal ledger)."""
        from tokledger.ledger import queries

        return queries.names_of(self.ledger, "host")

    def push(self, to: str | None = None, *, batch: int | None = None,
             progress: Callable[[int], None] | None = None) -> PushReport:  # fmt: skip
        """Send this ledger's new and changed events to the team ledger ``to`` (default ``[team] ledger``);
        the connection pool is kept for the next push. A daemon pushes on each cycle when ``self.team.push``
        is set."""
        from tokledger.errors import ConfigError
        from tokledger.ledger.pg import is_url
        from tokledger.team.push import DEFAULT_BATCH, push

        url = to or self.team.ledger
        if not url:
            raise ConfigError("no team ledger to push to: give --to postgresql://... or set [team] ledger")
        if not is_url(url):
            raise ConfigError("push sends to a team ledger: a postgresql:// URL")
        pool = self._push_pools.get(url)
        if pool is None:
            pool = self._push_pools[url] = self._open_pool(url, max_size=2)
        return push(
            self.ledger, url, pool, self.team, self.pricer, batch=batch or DEFAULT_BATCH, progress=progress
        )
