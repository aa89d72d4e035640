"""The ``Retry-After`` header (RFC 9110 §10.2.3), read once for every HTTP client of tokledger: the
vendor APIs, the exporters and the alert webhooks.

Delta-seconds (a fractional value is taken too) or an HTTP date; a date without a zone is UTC; a time
already past means no wait. Anything else — absent, unreadable, infinite or NaN — is ``None``, and each
caller then waits by its own backoff (and caps what a server asks for, as it sees fit).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait that ``value`` asks for, or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None
