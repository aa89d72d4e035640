"""Daemon tests configure the ``tokledger`` logger; put it back as it was after each test."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def restore_tokledger_logger():
    logger = logging.getLogger("tokledger")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved
