"""``Vendors``: the providers over one workspace — settings, the ledger as their store, syncing, and the
figures the vendor commands, the tray and the daemon read (billed records, local totals, today's cost).

A workspace makes one when first asked (:attr:`tokledger.workspace.Workspace.vendors`); this is what
:class:`tokledger.cli.vendors.VendorHost` describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tokledger.env import Env
from tokledger.ledger.rows import pusd_to_usd

if TYPE_CHECKING:
    from tokledger.providers import ProviderRecord
    from tokledger.providers.config import ProviderSettings
    from tokledger.providers.reconcile import DayModelTotals
    from tokledger.providers.store import LedgerStore
    from tokledger.providers.sync import ProviderSyncReport
    from tokledger.workspace import Workspace

DASHBOARD_URL = "http://127.0.0.1:8787/"


class Vendors:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def env(self) -> Env:
        return self.workspace.env

    @cached_property
    def settings(self) -> dict[str, ProviderSettings]:
        from tokledger.providers.config import load_provider_settings

        config = self.workspace.config
        return load_provider_settings(config.sections.get("providers"), config.path)

    def provider_settings(self) -> dict[str, ProviderSettings]:
        return self.settings

    def provider_store(self) -> LedgerStore:
        from tokledger.providers.store import LedgerStore

        return LedgerStore(self.workspace.ledger, self.workspace.pricer)

    def sync(self, names: Sequence[str] | None = None, *, only_due: bool = False, now: datetime | None = None,
             **clients: Any) -> list[ProviderSyncReport]:  # fmt: skip
        """Sync the named providers (default: the configured ones); see :func:`sync.sync_configured`
        (``clients``: its ``http_client``, ``clients`` and ``keyring_get``)."""
        from tokledger.providers.sync import sync_configured

        return sync_configured(self.settings, self.env, self.provider_store(), now or datetime.now(UTC),
                               list(names) if names is not None else None, only_due=only_due, **clients)  # fmt: skip

    def billed_records(
        self, providers: Sequence[str], since: date | None, until: date | None
    ) -> list[ProviderRecord]:
        return self.provider_store().records(providers, since, until)

    def billed(self, providers: Sequence[str], since: date | None, until: date | None) -> dict:
        return self.workspace.billed(providers, since, until)

    def local_totals(self, since: date | None, until: date | None) -> list[DayModelTotals]:
        """The local logs (never the billed sources) per UTC day and model, read from the rollups."""
        from zoneinfo import ZoneInfo

        from tokledger.providers.reconcile import DayModelTotals
        from tokledger.reports import Query

        query = Query(tz=ZoneInfo("UTC"), since=since, until=until, mode=self.workspace.config.mode)
        out = []
        for row in self.workspace.report("daily", query).rows:
            day = date.fromisoformat(row.period)
            for (_source, model), t in sorted(row.models.items()):
                priced = t.requests > t.unpriced_requests
                out.append(DayModelTotals(
                    day, model, t.input_tokens, t.output_tokens, t.cache_write_tokens, t.cache_write_1h_tokens,
                    t.cache_read_tokens, pusd_to_usd(t.priced_pusd) if priced else None, t.requests,
                    t.unpriced_requests,
                ))  # fmt: skip
        return out

    def today_cost(self) -> str:
        """Today's cost of the local logs (the configured zone's day), as a table shows it."""
        from tokledger.reports import Query, today
        from tokledger.reports.format import cost_text

        with self.workspace.reader() as reader:
            tz = reader.config.zone()
            day = today(tz)
            query = Query(tz=tz, since=day, until=day, mode=reader.config.mode)
            totals = reader.report("today", query, parts=False).totals
        return cost_text(totals.priced_pusd, totals.unpriced_requests)

    def sync_logs(self) -> None:
        self.workspace.sync()

    def sync_now(self) -> None:
        """Read new usage from the local logs and every configured provider (the tray's "Sync now")."""
        from tokledger.providers import ProviderError

        with self.workspace.reader() as reader:
            reader.sync(jobs=1)
            failed = [r.error for r in reader.vendors.sync() if not r.ok]
        if failed:
            raise ProviderError("; ".join(str(e) for e in failed))

    @property
    def dashboard_url(self) -> str:
        return DASHBOARD_URL

    def status(self) -> list[dict]:
        """``tokledger sources`` rows of the providers that are configured or hold records (accuracy
        ``billed``): records as events, the newest bucket as last event, the last sync and its error."""
        from tokledger.ledger import billed
        from tokledger.providers import PROVIDERS
        from tokledger.providers.sync import error_key, read_watermark
        from tokledger.reports.format import iso, iso_time

        store = self.workspace.ledger  # the state table is all a status needs (no pricer)
        held = billed.summary(store)
        out = []
        for name, provider in PROVIDERS.items():
            records, newest = held.get(name, (0, None))
            if not records and not self.settings[name].configured:
                continue
            mark, error = read_watermark(store, name), store.get_state(error_key(name))
            out.append({
                "source": name, "title": provider.title, "accuracy": "billed", "paths": [], "found": records > 0,
                "files": 0, "events": records, "skipped_lines": 0, "skipped_reasons": {}, "last_event": iso(newest),
                "last_sync": iso_time(mark) if mark else None, "notices": [error] if error else [],
            })  # fmt: skip
        return out
