"""The price catalogue: every genai-prices provider and model, with its match rules and its price schedule
already in tokledger's integer rates — so pricing a model never needs genai-prices (and pydantic) loaded.

Where it comes from, first found:

1. a catalogue the ledger keeps (``tokledger prices update`` stores the newest published price data there);
2. ``catalogue.json.gz`` shipped with tokledger, when it was compiled from exactly the genai-prices data
   installed (compared by a digest of its ``data.py``);
3. compiled now from the installed genai-prices (``compile_catalogue``, about a second).

Looking a model up follows genai-prices' own ``find_provider_model`` (checked by the test suite against it
for every model id it knows and their variants): the reference is lower-cased; with a provider hint the
provider whose id equals it, else whose ``provider_match`` accepts it; without one the first provider whose
``model_match`` accepts the reference; then the first of its models whose ``match`` accepts it, else the
first such model of its fallback providers (one step), else the same again with a compact date suffix
(``-20251211``) written with dashes (``-2025-12-11``). Match clauses are ``equals``, ``starts_with``,
``ends_with``, ``contains`` (all case-insensitive), ``regex`` (searched in the lower-cased reference), ``or``
and ``and``.

A model whose prices depend on more than the day (time-of-day rates) or on keys the integer rates cannot
express is marked ``dynamic``: it alone is priced by genai-prices itself.

    python -m tokledger.pricing.catalogue   # rebuild catalogue.json.gz from the installed genai-prices
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from dataclasses import dataclass
from datetime import date
from hashlib import blake2b
from pathlib import Path

import msgspec

BUNDLED = Path(__file__).with_name("catalogue.json.gz")
DYNAMIC = "dynamic"


@dataclass(frozen=True)
class Found:
    provider: str
    model: str
    schedules: dict  # speed ("" = standard) -> schedule as JSON data, or "dynamic"


def _match(clause: dict, text: str) -> bool:
    if "equals" in clause:
        return text == clause["equals"].lower()
    if "starts_with" in clause:
        return text.startswith(clause["starts_with"].lower())
    if "ends_with" in clause:
        return text.endswith(clause["ends_with"].lower())
    if "contains" in clause:
        return clause["contains"].lower() in text
    if "regex" in clause:
        return re.search(clause["regex"], text) is not None
    if "or" in clause:
        return any(_match(c, text) for c in clause["or"])
    if "and" in clause:
        return all(_match(c, text) for c in clause["and"])
    raise ValueError(f"unknown match clause {sorted(clause)}")


_COMPACT_DATE = re.compile(r"(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)")


def _dashed_dates(ref: str) -> str:
    def dashed(m: re.Match[str]) -> str:
        year, month, day = int(m.group(2)), int(m.group(3)), int(m.group(4))
        try:
            date(year, month, day)
        except ValueError:
            return m.group(0)
        return f"-{year:04d}-{month:02d}-{day:02d}"

    return _COMPACT_DATE.sub(dashed, ref)


class Catalogue:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.source: dict = data["source"]
        self.providers: list[dict] = data["providers"]
        self._by_id = {p["id"]: p for p in self.providers}

    @classmethod
    def from_bytes(cls, raw: bytes) -> Catalogue:
        return cls(msgspec.json.decode(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw))

    def to_bytes(self) -> bytes:
        return gzip.compress(msgspec.json.encode(self.data), mtime=0)

    def _provider(self, ref: str, hint: str | None) -> dict | None:
        if hint is not None:
            wanted = hint.lower().strip()
            if wanted in self._by_id:
                return self._by_id[wanted]
            for p in self.providers:
                if p["provider_match"] and _match(p["provider_match"], wanted):
                    return p
            if hint.lower() != "litellm":
                return None
        for p in self.providers:
            if p["model_match"] and _match(p["model_match"], ref):
                return p
        return None

    def _model(self, provider: dict, ref: str, fallbacks: bool = True) -> dict | None:
        for m in provider["models"]:
            if _match(m["match"], ref):
                return m
        if fallbacks:
            for other in provider["fallback"] or ():
                found = self._by_id.get(other)
                if found is not None and (m := self._model(found, ref, fallbacks=False)) is not None:
                    return m
        return None

    def find_provider_model(self, ref: str, hint: str | None) -> tuple[dict, dict] | None:
        """As genai-prices' ``DataSnapshot.find_provider_model(ref, None, hint, None)``; None for LookupError."""
        ref = ref.lower()
        if hint and hint.lower() == "litellm" and "/" in ref:
            actual, rest = ref.split("/", 1)
            if actual and (actual in self._by_id or self._provider(actual, actual)):
                hint, ref = actual, rest
        provider = self._provider(ref, hint)
        if provider is None:
            return None
        model = self._model(provider, ref)
        if model is None:
            dashed = _dashed_dates(ref)
            if dashed != ref:
                model = self._model(provider, dashed)
        return None if model is None else (provider, model)

    def find(self, model: str, hint: str | None) -> Found | None:
        """What a source's model reference prices as: the full reference, then the part after the last
        ``/`` (router prefixes), each with the provider hint and then without — as :mod:`.table` does."""
        refs = [model, model.rsplit("/", 1)[1]] if "/" in model else [model]
        for ref in refs:
            for h in [hint, None] if hint else [None]:
                found = self.find_provider_model(ref, h)
                if found is not None:
                    provider, info = found
                    return Found(provider["id"], info["id"], info["schedules"])
        return None


def data_digest() -> str | None:
    """A digest of the installed genai-prices data (its ``data.py``), without importing the package."""
    spec = importlib.util.find_spec("genai_prices")
    if spec is None or spec.origin is None:
        return None
    return blake2b(Path(spec.origin).with_name("data.py").read_bytes(), digest_size=16).hexdigest()


def data_date() -> tuple[str | None, date | None]:
    """The installed genai-prices version and the day its prices date from: when the shipped catalogue was
    compiled from them, else when its data file was installed — without importing the package."""
    from datetime import UTC, datetime
    from importlib import metadata

    spec = importlib.util.find_spec("genai_prices")
    if spec is None or spec.origin is None:
        return None, None
    try:
        version = metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        version = None
    shipped = bundled()
    if shipped is not None and shipped.source.get("compiled"):
        return version, date.fromisoformat(shipped.source["compiled"])
    mtime = Path(spec.origin).with_name("data.py").stat().st_mtime
    return version, datetime.fromtimestamp(mtime, UTC).date()


def bundled() -> Catalogue | None:
    """The shipped catalogue, when it was compiled from the genai-prices data installed."""
    try:
        catalogue = Catalogue.from_bytes(BUNDLED.read_bytes())
    except (OSError, ValueError, msgspec.DecodeError):
        return None
    return catalogue if catalogue.source.get("data_digest") == data_digest() else None


def _clause(logic) -> dict:
    """genai-prices' match clause objects as plain data."""
    name = type(logic).__name__
    if name == "ClauseOr":
        return {"or": [_clause(c) for c in logic.or_]}
    if name == "ClauseAnd":
        return {"and": [_clause(c) for c in logic.and_]}
    for key in ("equals", "starts_with", "ends_with", "contains", "regex"):
        if hasattr(logic, key):
            return {key: getattr(logic, key)}
    raise ValueError(f"unknown match clause {name}")


def compile_catalogue(snapshot=None, source: dict | None = None) -> Catalogue:
    """Compile genai-prices' snapshot (default: the installed data) into a catalogue."""
    import genai_prices

    from tokledger.pricing import Schedule, table

    snapshot = snapshot or table.snapshot()
    providers = []
    for p in snapshot.providers:
        models = []
        for info in p.models:
            speeds = {""} | {
                str(v.when["speed"])
                for v in info.price_variants or ()
                if isinstance(v.when, dict) and "speed" in v.when
            }
            schedules = {}
            for speed in sorted(speeds):
                periods = table.schedule((p, info), speed or None)
                schedules[speed] = DYNAMIC if periods is None else msgspec.json.decode(
                    Schedule(tuple(s for s, _ in periods), tuple(e for _, e in periods)).to_json()
                )  # fmt: skip
            models.append({"id": info.id, "match": _clause(info.match), "schedules": schedules})
        providers.append({
            "id": p.id,
            "model_match": p.model_match and _clause(p.model_match),
            "provider_match": p.provider_match and _clause(p.provider_match),
            "fallback": list(p.fallback_model_providers or ()),
            "models": models,
        })  # fmt: skip
    source = source or {"genai_prices": genai_prices.__version__, "data_digest": data_digest()}
    return Catalogue({"source": source, "providers": providers})


if __name__ == "__main__":
    shipped = compile_catalogue()
    shipped.source["compiled"] = date.today().isoformat()  # how old the shipped prices are (`prices MODEL`)
    BUNDLED.write_bytes(shipped.to_bytes())
    print(f"wrote {BUNDLED} ({BUNDLED.stat().st_size:,} bytes)")
