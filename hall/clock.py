"""Injected time. The server, programs and simulator never call ``datetime.now()`` directly,
so a test or the simulator can run a whole hall day in seconds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
        with self._lock:
            # Read inside the lock: two threads reading outside it may enter in the other order,
            # and the later one would look like a step back (the soak's accelerated clock showed it).
            reading = self._inner.now()
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


class FileClock:
    """Accelerated hall time shared by several processes through a small file, for the soak
    (workbench/soak): the file holds an anchor — a hall instant, the wall time it was written and
    a rate — and hall time runs ``rate`` times faster than the wall from there. The soak's
    conductor rewrites the anchor to jump a night; every process (server, programs, simulated
    floor) reads the same file, like machines kept in step by NTP. The file is re-read only when
    it changes (one ``stat`` per reading)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._anchor = (datetime.now(UTC), time.time(), 1.0)
        self._lock = threading.Lock()

    @staticmethod
    def write(path: Path, instant: datetime, rate: float) -> None:
        """Sets hall time to ``instant``, running ``rate`` times the wall from now (atomically)."""
        if instant.tzinfo is None:
            raise ValueError("FileClock needs a timezone-aware instant")
        scratch = path.with_name(path.name + ".new")
        scratch.write_text(json.dumps({"hall": instant.isoformat(), "wall": time.time(), "rate": rate}), encoding="utf-8")
        scratch.replace(path)

    @staticmethod
    def change_rate(path: Path, rate: float, margin: float = 0.05) -> datetime:
        """Holds (rate 0) or runs on hall time from where it is, without a step back: the new
        anchor is taken ``margin`` wall seconds ahead, so a process that read the old file just
        before the change never read a later time than the new one gives. Returns the anchor."""
        anchor = json.loads(path.read_text(encoding="utf-8"))
        wall = time.time() + margin
        instant = datetime.fromisoformat(anchor["hall"]) + timedelta(seconds=(wall - float(anchor["wall"])) * float(anchor["rate"]))
        scratch = path.with_name(path.name + ".new")
        scratch.write_text(json.dumps({"hall": instant.isoformat(), "wall": wall, "rate": rate}), encoding="utf-8")
        scratch.replace(path)
        return instant

    def now(self) -> datetime:
        with self._lock:
            status = self._path.stat()
            stamp = (status.st_ino, status.st_mtime_ns)  # each write replaces the file: a new inode
            if stamp != self._stamp:
                anchor = json.loads(self._path.read_text(encoding="utf-8"))
                self._anchor = (datetime.fromisoformat(anchor["hall"]), float(anchor["wall"]), float(anchor["rate"]))
                self._stamp = stamp
            hall, wall, rate = self._anchor
        return hall + timedelta(seconds=(time.time() - wall) * rate)
