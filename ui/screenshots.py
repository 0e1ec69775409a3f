"""Helpers for the programs' screenshot tools (``python -m kiosk.screenshots docs`` ...)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QApplication


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
