"""Injected time. The server, programs and simulator never call ``datetime.now()`` directly,
so a test or the simulator can run a whole hall day in seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to; thread-safe so a live test server can share it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant


class SteadyClock:
    """Hall time that never runs backwards. When NTP steps the machine's clock back, hall time
    holds (moving on by a microsecond per reading) until the clock catches up, so a ticket issued
    after the step is never stamped earlier than one issued before it — the queue is ordered by
    those stamps. A step forward passes through: the time really is later. Each step back is
    reported once through ``on_step_back`` (the server logs it)."""

    TICK = timedelta(microseconds=1)

    def __init__(self, inner: Clock, on_step_back: Callable[[timedelta], None] | None = None) -> None:
        self._inner = inner
        self._on_step_back = on_step_back
        self._last: datetime | None = None
        self._holding = False
        self._lock = threading.Lock()

    def now(self) -> datetime:
        reading = self._inner.now()
        with self._lock:
            if self._last is None or reading > self._last:
                self._last, self._holding = reading, False
                return reading
            stepped_back = not self._holding and self._last - reading > self.TICK
            self._holding = True
            self._last += self.TICK
            held = self._last
        if stepped_back and self._on_step_back is not None:
            self._on_step_back(held - reading)
        return held
