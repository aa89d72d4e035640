"""The one reader of ``Retry-After`` every HTTP client uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tokledger.retry_after import retry_after

NOW = datetime(2025, 10, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("7", 7.0), (" 2.5 ", 2.5), ("0", 0.0), ("-3", 0.0),
    ("Wed, 01 Oct 2025 12:00:30 GMT", 30.0), ("Wed, 01 Oct 2025 11:00:00 GMT", 0.0),
    (None, None), ("", None), ("soon", None), ("inf", None), ("nan", None), ("1e999", None),
])  # fmt: skip
def test_the_forms_a_server_may_send(value, seconds):
    assert retry_after(value, NOW) == seconds
