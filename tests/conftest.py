"""Shared fixtures. Qt must be told to draw offscreen before anything imports it, or pytest
aborts without a report on a machine with no display."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

# Each test process its own runtime directory, inherited by the programs it starts: the speaker
# locks (hardware/speech/channel.py) live there, and the displays and kiosks of two pytest-xdist
# workers must not yield to each other's calls.
os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="hallq-test-runtime-")

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from argon2 import PasswordHasher
from pytestqt.qtbot import QtBot

import db.security
from hall.clock import FakeClock
from hall.config import HallConfig, load_sample_hall
from hallq.logs import CHATTY_LIBRARIES
from tests.serial_modules import LONG_MODULES, SERIAL_MODULES
from tests.support.pg import PgCluster, unavailable_reason

atexit.register(shutil.rmtree, os.environ["XDG_RUNTIME_DIR"], ignore_errors=True)


class _OneHashPerPin(PasswordHasher):
    """argon2 with the hall's own parameters, but each PIN hashed once per test process: every hall
    a test prepares hashes its clerks' demo PINs (53 ms each, 1.1 s of a sample hall's 2 s), and
    the suite prepares a thousand halls. The hashes stay real and verifying stays full price;
    only the salt is shared between the throwaway halls of one run."""

    _made: ClassVar[dict[str, str]] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None or not isinstance(password, str):
            return super().hash(password, salt=salt)
        if password not in self._made:
            self._made[password] = super().hash(password)
        return self._made[password]


# Waits are upper bounds: under pytest-xdist four test processes share two cores, and a screen drawn
# in 1 s alone took over 5 s (pytest-qt's default) beside the others. Scale every wait, not the tests.
WAIT_SCALE = 3
_qtbot_wait_until, _qtbot_wait_signal, _qtbot_wait_signals = QtBot.waitUntil, QtBot.waitSignal, QtBot.waitSignals


def _scaled(timeout: int | None) -> int | None:
    return timeout * WAIT_SCALE if timeout and timeout > 0 else timeout


QtBot.waitUntil = lambda self, callback, *, timeout=5000: _qtbot_wait_until(self, callback, timeout=_scaled(timeout))  # type: ignore[method-assign]
QtBot.waitSignal = lambda self, signal, *, timeout=5000, **kw: _qtbot_wait_signal(self, signal, timeout=_scaled(timeout), **kw)  # type: ignore[method-assign]
QtBot.waitSignals = lambda self, signals, *, timeout=5000, **kw: _qtbot_wait_signals(self, signals, timeout=_scaled(timeout), **kw)  # type: ignore[method-assign]

db.security._hasher = _OneHashPerPin(
    time_cost=db.security._hasher.time_cost,
    memory_cost=db.security._hasher.memory_cost,
    parallelism=db.security._hasher.parallelism,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the serial modules; puts the long ones first, so pytest-xdist starts them while the
    short tests fill the other workers instead of finishing on one alone."""
    for item in items:
        if _module(item) in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)
    first = {module: place for place, module in enumerate(LONG_MODULES)}
    items.sort(key=lambda item: first.get(_module(item), len(first)))


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


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


@pytest.fixture(autouse=True)
def logging_left_as_found() -> Iterator[None]:
    """``hallq`` commands run in-process (``main([...])``) install their own root handlers on the
    stream pytest captured for that test, and --verbose turns SQLAlchemy's statement log on: later
    tests would write every statement to a closed file. Put the root logger and the libraries'
    levels back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    library_levels = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, library_level in library_levels.items():
        logging.getLogger(name).setLevel(library_level)


@pytest.fixture(autouse=True, scope="module")
def leftovers_collected_on_the_main_thread() -> Iterator[None]:
    """Collect a test module's reference cycles (Qt widgets, speech engines, stores) on the main
    thread as the module ends. Left to the collector, they are freed whenever a later test's
    allocations trigger it, on whichever thread that is — a server or worker thread deleting a
    Qt object it does not own. Two full runs segfaulted a few tests after the heavy attack tests,
    with no Python thread marked current; collecting here puts such frees in a known place.

    What survives is then frozen (``gc.freeze``): a full collection walks every tracked object, and
    late in a run each took 2 s or more. Later collections walk only what was made since; a frozen
    cycle that becomes garbage later is never collected, on no thread — what this fixture is for."""
    yield
    gc.collect()
    gc.freeze()
