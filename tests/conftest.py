"""Shared fixtures. Qt must be told to draw offscreen before anything imports it, or pytest
aborts without a report on a machine with no display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from datetime import UTC, datetime

import pytest

from hall.clock import FakeClock
from hall.config import HallConfig, load_sample_hall


@pytest.fixture(scope="session")
def sample_hall() -> HallConfig:
    return load_sample_hall()


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday, 10:00 in Asia/Shanghai: the hall is in regular hours.
    return FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
