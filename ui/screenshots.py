"""Helpers for the programs' screenshot tools (``python -m kiosk.screenshots docs`` ...)."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall
from ui.theme import apply_theme

# The screenshots' hall morning: a Tuesday at 10:00 Beijing time, so every run draws the same.
SCREENSHOT_MORNING = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


@dataclass
class ScreenshotHall:
    """What a screenshot tool drives: the Qt app, the folder to write to, the hall's fake clock,
    the prepared hall and its server on a loopback port."""

    app: QApplication
    out: Path
    clock: FakeClock
    hall: Hall
    server: ServerThread

    def enroll(self, role: str, name: str, window: int | None = None) -> HallClient:
        """A device of ``role`` enrolled on the hall, as a client of its server."""
        token = self.hall.store.enroll_device(None, self.hall.hall_id, role, name, window)["token"]
        return HallClient(self.server.url, token)


@contextmanager
def screenshot_hall(argv: list[str] | None, start: datetime = SCREENSHOT_MORNING) -> Iterator[ScreenshotHall]:
    """A themed app and a hall server in-process on a throwaway database, its clock at ``start``,
    stopped afterwards. ``argv``'s first item is the output folder (``docs`` by default)."""
    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    clock = FakeClock(start)
    with tempfile.TemporaryDirectory() as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            yield ScreenshotHall(app, out, clock, hall, server)  # type: ignore[arg-type]
        finally:
            server.stop()
            hall.engines.dispose()


def wait_until(app: QApplication, condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Run Qt's events until ``condition()`` holds, then a few more so the screen is drawn."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state / 界面未达到预期状态")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
