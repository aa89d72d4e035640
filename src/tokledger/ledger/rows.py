"""``EventRow``: one event as ingest hands it to the ledger — priced, with its instant in UTC milliseconds.

Parser processes build these and send a whole file's rows back as one msgpack message (an array per row),
which is a fraction of the size and decoding time of pickled objects. The ledger turns the names in a row
into the integer ids of its dimension table when it writes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec

from tokledger.events import UsageEvent

PUSD_PER_USD = 10**12
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def usd_to_pusd(value: Decimal) -> int:
    return int((value * PUSD_PER_USD).to_integral_value())


def pusd_to_usd(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / PUSD_PER_USD


def ms_to_datetime(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def datetime_to_ms(value: datetime) -> int:
    """Exact (no float rounding); a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MS


class EventRow(msgspec.Struct, array_like=True, gc=False):
    source: str
    key: str
    ts: int
    model: str
    provider: str | None
    session: str | None
    project: str | None
    branch: str | None
    request_id: str | None
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_write_1h_tokens: int
    cache_read_tokens: int
    reasoning_tokens: int
    cost_pusd: int | None
    basis: str | None
    logged_cost_pusd: int | None
    primary: bool
    speed: str | None

    @classmethod
    def of(cls, e: UsageEvent, cost_pusd: int | None, basis: str | None) -> EventRow:
        logged = None if e.logged_cost_usd is None else usd_to_pusd(e.logged_cost_usd)
        return cls(
            e.source, e.key, datetime_to_ms(e.timestamp), e.model, e.provider, e.session_id, e.project, e.git_branch,
            e.request_id, e.input_tokens, e.output_tokens, e.cache_write_tokens, e.cache_write_1h_tokens,
            e.cache_read_tokens, e.reasoning_tokens, cost_pusd, basis, logged, e.primary, e.speed,
        )  # fmt: skip

    def event(self) -> UsageEvent:
        return UsageEvent(
            source=self.source, key=self.key, timestamp=ms_to_datetime(self.ts), model=self.model,
            provider=self.provider, session_id=self.session, project=self.project, git_branch=self.branch,
            request_id=self.request_id, input_tokens=self.input_tokens, output_tokens=self.output_tokens,
            cache_write_tokens=self.cache_write_tokens, cache_write_1h_tokens=self.cache_write_1h_tokens,
            cache_read_tokens=self.cache_read_tokens, reasoning_tokens=self.reasoning_tokens,
            logged_cost_usd=pusd_to_usd(self.logged_cost_pusd), primary=self.primary, speed=self.speed,
        )  # fmt: skip

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens


encode_rows = msgspec.msgpack.Encoder().encode
decode_rows = msgspec.msgpack.Decoder(list[EventRow]).decode
