"""How the console keeps watch on the hall's devices, without Qt.

The devices list (``GET /api/devices``) says what each device last reported and when the server
last heard from it (``last_seen_at``, server clock). Whether a device has gone silent is a
question of *the server's* time, which the console only learns from each snapshot's ``now``.
Between snapshots (every 30 s, or on an event) :class:`ServerClock` carries that time forward by
what this console's own monotonic clock measured, so a program that stops beating shows as
offline within seconds although a silent device raises no event. A console whose own wall clock is
wrong (a hall PC set to another zone, or minutes off) still judges silence correctly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEVICE_POLL_SECONDS = 3.0  # how often the console re-reads the devices list (hall.devices.SILENT_SECONDS is 9)


@dataclass
class ServerClock:
    """The server's time as last told, moved on by the console's monotonic clock since."""

    monotonic: Callable[[], float] = field(default=time.monotonic)
    _told: datetime | None = None
    _told_at: float = 0.0

    def set(self, server_now: datetime) -> None:
        self._told, self._told_at = server_now, self.monotonic()

    def now(self) -> datetime | None:
        """The server's time now; None until the first snapshot said it (the console's own clock
        may be far off, and would call every device silent or none)."""
        if self._told is None:
            return None
        return self._told + timedelta(seconds=max(0.0, self.monotonic() - self._told_at))
