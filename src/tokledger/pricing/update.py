"""Prices that stay current: fetch the newest published genai-prices data file and compile it into a catalogue.

genai-prices publishes its whole price table as one JSON file — a list of providers, each with its match
rules and models — at :data:`DEFAULT_URL`, the file its own ``UpdatePrices.fetch`` reads (and validates with
``genai_prices.types._providers_from_raw`` before building a ``DataSnapshot`` of it). :func:`fetch` asks for
it with the ETag of the copy already kept (``If-None-Match``), so an unchanged file costs one short answer
(HTTP 304); a new one is validated the same way and compiled by :func:`catalogue.compile_catalogue` into
tokledger's integer rates. Each price entry's basis then names the data and the day it was fetched.

The workspace keeps the compiled catalogue in the ledger (its ``state`` table) with what :class:`Kept`
records — where it came from, its ETag and ``Last-Modified``, when it was fetched, a digest — and prices
with it from then on; the digest is part of the price fingerprint, so costs cached for the previous data
are not reused. Offline nothing changes: the kept (or else the bundled) prices stay in use. The few models
whose prices depend on more than the day (``dynamic`` in the catalogue) are still priced by the installed
genai-prices itself.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from hashlib import blake2b

from tokledger.errors import TokledgerError
from tokledger.pricing.catalogue import Catalogue

DEFAULT_URL = (
    "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json"
)
MAX_BYTES = 64 << 20
TIMEOUT_S = 30.0
STATE_CATALOGUE = "prices.catalogue"
STATE_META = "prices.meta"


@dataclass(frozen=True)
class Kept:
    """What the ledger records about the price data it keeps."""

    url: str
    etag: str | None
    last_modified: str | None  # ISO date of the server's Last-Modified, when it sent one
    fetched: str  # ISO instant (UTC)
    checked: str  # ISO instant of the last look, changed or not
    digest: str
    providers: int
    models: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Kept | None:
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None

    @property
    def data_date(self) -> date:
        """The day the data dates from: its Last-Modified, else the day it was fetched."""
        return date.fromisoformat((self.last_modified or self.fetched)[:10])


@dataclass(frozen=True)
class Fetched:
    """The answer to one look: ``catalogue`` is None when the kept data is still the newest (HTTP 304)."""

    kept: Kept
    catalogue: Catalogue | None


def fetch(url: str, previous: Kept | None, *, now: datetime | None = None) -> Fetched:
    """Look for newer price data at ``url``; a one-line :class:`TokledgerError` when it cannot be had."""
    import urllib.error
    import urllib.request

    now = now or datetime.now(UTC)
    headers = {"Accept": "application/json", "User-Agent": "tokledger"}
    if previous is not None and previous.etag and previous.url == url:
        headers["If-None-Match"] = previous.etag
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read(MAX_BYTES + 1)
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and previous is not None:
            return Fetched(Kept(**{**asdict(previous), "checked": _iso(now)}), None)
        raise TokledgerError(f"cannot fetch price data from {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise TokledgerError(
            f"cannot fetch price data from {url}: {reason}; the prices in use stay"
        ) from None
    if len(body) > MAX_BYTES:
        raise TokledgerError(f"the price data at {url} is larger than {MAX_BYTES >> 20} MiB; not used")
    digest = blake2b(body, digest_size=16).hexdigest()
    if previous is not None and previous.digest == digest:
        return Fetched(Kept(**{**asdict(previous), "etag": etag, "checked": _iso(now)}), None)
    catalogue = compile_data(body, f"genai-prices data of {now.date().isoformat()}")
    models = sum(len(p["models"]) for p in catalogue.providers)
    kept = Kept(url=url, etag=etag, last_modified=_modified(modified), fetched=_iso(now), checked=_iso(now),
                digest=digest, providers=len(catalogue.providers), models=models)  # fmt: skip
    catalogue.source.update({"url": url, "digest": digest, "fetched": kept.fetched})
    return Fetched(kept, catalogue)


def compile_data(body: bytes, label: str) -> Catalogue:
    """A genai-prices data file (JSON) as a catalogue whose price bases name ``label``."""
    from genai_prices import data_snapshot
    from genai_prices.types import _providers_from_raw

    from tokledger.pricing import table
    from tokledger.pricing.catalogue import compile_catalogue

    try:
        raw = json.loads(body)
        if not isinstance(raw, list) or not raw:
            raise ValueError("expected a list of providers")
        snapshot = data_snapshot.DataSnapshot(_providers_from_raw(raw), from_auto_update=True)
        catalogue = compile_catalogue(snapshot, {"label": label})
    except Exception as exc:  # noqa: BLE001 -- whatever the file holds, one line and the old prices stay
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TokledgerError(f"the price data is not genai-prices data ({first[:120]}); not used") from None
    for provider in catalogue.providers:
        for model in provider["models"]:
            for schedule in model["schedules"].values():
                for _, entry in schedule if isinstance(schedule, list) else ():
                    entry["basis"] = entry["basis"].replace(table.VERSION, label, 1)
    return catalogue


def encode(catalogue: Catalogue) -> str:
    """A catalogue as text for the ledger's ``state`` table."""
    return base64.b64encode(catalogue.to_bytes()).decode("ascii")


def decode(text: str) -> Catalogue | None:
    try:
        return Catalogue.from_bytes(base64.b64decode(text))
    except (ValueError, TypeError, OSError):
        return None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _modified(header: str | None) -> str | None:
    if not header:
        return None
    try:
        from email.utils import parsedate_to_datetime  # only for a fetched answer

        return parsedate_to_datetime(header).date().isoformat()
    except (TypeError, ValueError):
        return None
