"""The counter's devices as its heartbeat reports them (hall.devices): the 承诺件 printer and,
where one is wired, the serial call keypad.

The printer is asked for its status on its own worker every heartbeat period (a serial or
network printer can take a second to answer, and the GUI thread never waits for it); the
keypad bus reports its link going up or down from the bus thread, through the keypad bridge in
:mod:`counter.app`. Each keeps its last state here, and a change tells the heartbeat at once
(:attr:`CounterDevices.changed`). A counter with neither sends ``{}``: the beat still says the
program is alive.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from hall.devices import HEARTBEAT_SECONDS, Condition
from hardware.printer.status import printer_health
from ui.worker import run_in_background


class CounterDevices(QObject):
    changed = Signal()

    def __init__(self, printer: Any = None, interval_seconds: float = HEARTBEAT_SECONDS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.printer = printer
        self._states: dict[str, dict[str, str]] = {}
        self._asking = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.timer = QTimer(self)
        self.timer.setInterval(round(interval_seconds * 1000))
        self.timer.timeout.connect(self.poll_printer)

    def states(self) -> dict[str, dict[str, str]]:
        """What the heartbeat sends now (a copy; cheap, GUI thread)."""
        return {name: dict(state) for name, state in self._states.items()}

    def start(self) -> None:
        if self.printer is not None:
            self.timer.start()
            self.poll_printer()

    def stop(self) -> None:
        self.timer.stop()

    def poll_printer(self) -> None:
        if self.printer is None or self._asking:
            return
        self._asking = True
        printer = self.printer
        run_in_background(lambda: printer_health(printer.status()), self._printer_answered, self._printer_failed, self.pool)

    def _printer_answered(self, health: dict[str, str]) -> None:
        self._asking = False
        self.set_state("printer", health)

    def _printer_failed(self, error: Exception) -> None:  # status() never raises; a bug still shows
        self._asking = False
        self.set_state("printer", {"state": Condition.FAILING.value, "detail": str(error)})

    def keypad_status(self, online: bool, detail: str) -> None:
        """The keypad bus's link came up or went down (GUI thread, via the keypad bridge)."""
        self.set_state("keypad", {"state": (Condition.OK if online else Condition.LOST).value, "detail": detail})

    def set_state(self, name: str, state: dict[str, str]) -> None:
        if self._states.get(name) != state:
            self._states[name] = dict(state)
            self.changed.emit()
