"""A background WebSocket subscriber for tests: collects every event with its arrival time."""

from __future__ import annotations

import threading
import time
from typing import Any

from server.client import HallClient


class EventReader:
    def __init__(self, client: HallClient, after: int) -> None:
        self.client = client
        self.after = after
        self.events: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        self.errors: list[BaseException] = []
        self.connects = 0
        self._stop = threading.Event()
        self._target: int | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="event-reader", daemon=True)

    def start(self) -> EventReader:
        self._thread.start()
        return self

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else self.after

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.connects += 1
                # Silence ends the generator after `timeout`; reconnect from the last seq seen.
                for message in self.client.events_after(self.last_seq, timeout=1.0):
                    now = time.monotonic()
                    with self._changed:
                        self.events.append(message)
                        self.arrivals.append(now)
                        self._changed.notify_all()
                    if self._stop.is_set() and self._target is not None and message.get("seq", 0) >= self._target:
                        return
            except Exception as error:  # recorded; the test decides
                self.errors.append(error)
                time.sleep(0.1)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.events):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def stop(self, target_seq: int, timeout: float = 15.0) -> None:
        """Stop once every event up to ``target_seq`` has arrived (or after ``timeout``)."""
        self.wait_for(lambda events: bool(events) and events[-1]["seq"] >= target_seq, timeout)
        self._target = target_seq
        self._stop.set()
        self._thread.join(timeout=5)
