"""Shared fixtures. Qt must be told to draw offscreen before anything imports it, or pytest
aborts without a report on a machine with no display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hall.clock import FakeClock
from hall.config import HallConfig, load_sample_hall
from tests.support.pg import PgCluster, unavailable_reason


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the whole run; each test creates its own database in it."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    cluster = PgCluster(max_connections=300).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sample_hall() -> HallConfig:
    return load_sample_hall()


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday, 10:00 in Asia/Shanghai: the hall is in regular hours.
    return FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
