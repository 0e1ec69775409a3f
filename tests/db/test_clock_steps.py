"""The server's clock stepped by NTP in the middle of a hall day. Without help a ticket issued
after a step back is stamped earlier than the ones before it and jumps the queue; the server's
SteadyClock (hall/clock.py) holds hall time until the clock catches up, so the order of arrival
stands, numbering goes on without a repeat, no ticket is lost, and the step is logged once."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from hall.clock import FakeClock, SteadyClock
from server.runner import prepare_hall
from tests.db.conftest import START, HallEnv
from tests.db.test_calling import numbers_called


def test_a_step_back_keeps_the_order_of_arrival(template_db: Path, tmp_path: Path, clock: FakeClock) -> None:
    shutil.copyfile(template_db, tmp_path / "hall.db")
    steps: list[timedelta] = []
    hall = prepare_hall(f"sqlite:///{tmp_path}/hall.db", clock=SteadyClock(clock, steps.append), synchronous="NORMAL")
    env = HallEnv(hall, clock)
    try:
        issued = [env.issue("A", advance=60)["number"] for _ in range(3)]
        clock.advance(timedelta(minutes=-30))  # NTP steps the clock back half an hour
        issued += [env.issue("A", advance=60)["number"] for _ in range(2)]
        clock.advance(timedelta(hours=2))  # and later forward two hours
        issued += [env.issue("A", advance=60)["number"] for _ in range(2)]
        assert len(set(issued)) == len(issued) == 7
        assert numbers_called(env, 2, env.clerk(2), 10) == issued
        assert len(steps) == 1 and timedelta(minutes=27) < steps[0] <= timedelta(minutes=30)
    finally:
        hall.engines.dispose()


def test_the_steady_clock_holds_then_follows() -> None:
    fake = FakeClock(START)
    steady = SteadyClock(fake)
    first = steady.now()
    fake.advance(-600)
    held = [steady.now() for _ in range(3)]
    assert all(a < b for a, b in zip([first, *held], held, strict=False))  # strictly later each reading
    fake.advance(700)
    assert steady.now() == fake.now()  # caught up: real time again
