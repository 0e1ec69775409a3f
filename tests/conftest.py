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

import pytest

from hall.clock import FakeClock
from hall.config import HallConfig, load_sample_hall
from hallq.logs import CHATTY_LIBRARIES
from tests.serial_modules import LONG_MODULES, SERIAL_MODULES
from tests.support.pg import PgCluster, unavailable_reason

atexit.register(shutil.rmtree, os.environ["XDG_RUNTIME_DIR"], ignore_errors=True)


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
