"""hall.clock.FileClock: the soak's accelerated hall time shared through a file, and SteadyClock
read from several threads at once (no false "step back" between them)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hall.clock import FileClock, SteadyClock

START = datetime(2027, 3, 1, 0, 20, tzinfo=UTC)


def test_hall_time_runs_at_the_rate_and_jumps_when_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    FileClock.write(path, START, rate=1000.0)
    clock = FileClock(path)
    first = clock.now()
    time.sleep(0.05)
    second = clock.now()
    assert timedelta(seconds=30) <= second - first <= timedelta(seconds=60 * 10)  # ~50 hall seconds, loose for a busy machine
    FileClock.write(path, START + timedelta(days=1), rate=0.0)  # another process moves the night on
    assert clock.now() == START + timedelta(days=1)
    assert clock.now() == START + timedelta(days=1)  # held: rate 0


def test_a_naive_instant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FileClock.write(tmp_path / "clock.json", datetime(2027, 3, 1, 8, 0), rate=1.0)


def test_steady_clock_shared_by_threads_reports_no_step_back(tmp_path: Path) -> None:
    """Threads reading an accelerated clock outside SteadyClock's lock could enter it in the other
    order and look like a step back of (scheduling delay x rate): the soak's server logged one."""
    path = tmp_path / "clock.json"
    FileClock.write(path, START, rate=100_000.0)
    steps: list[timedelta] = []
    clock = SteadyClock(FileClock(path), steps.append)

    def read() -> None:
        for _ in range(2000):
            clock.now()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert steps == []
