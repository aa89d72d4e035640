"""Every report test runs on both engines: a SQLite file and a PostgreSQL database."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _on_both_engines(backend: str) -> str:
    return backend
