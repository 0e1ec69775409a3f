"""Every program's heartbeat: "I am alive, and this is how my devices are" (hall.devices).

Sent every :data:`hall.devices.HEARTBEAT_SECONDS` and at once when the program says a device
changed (:meth:`Heartbeat.changed`), on its own worker so a slow network never delays a call or
a ticket, and never two at once: a beat asked for while one is out is sent when it returns.
A failed heartbeat is not an error for the screen: the program's own connection already shows
"offline, retrying", and the manager sees the silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer

from hall.devices import HEARTBEAT_SECONDS
from server.client import HallClient
from ui.worker import run_in_background

log = logging.getLogger(__name__)

DeviceStates = dict[str, dict[str, str]]


class Heartbeat(QObject):
    """``client`` gives the program's current client (its token may change, e.g. at a clerk's
    login); ``states`` the current state of each device the program drives."""

    def __init__(
        self,
        client: Callable[[], HallClient],
        states: Callable[[], DeviceStates],
        parent: QObject | None = None,
        interval_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._states = states
        self._in_flight = False
        self._again = False
        self.sent: list[DeviceStates] = []       # what was accepted by the server (tests, the demo's log)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.timer = QTimer(self)
        self.timer.setInterval(round(interval_seconds * 1000))
        self.timer.timeout.connect(self.beat)

    def start(self) -> None:
        self.timer.start()
        self.beat()

    def stop(self) -> None:
        self.timer.stop()

    def changed(self) -> None:
        """A device's state changed: tell the server now rather than at the next tick."""
        self.beat()

    def beat(self) -> None:
        if self._in_flight:
            self._again = True
            return
        try:
            states = self._states()
            client = self._client()
        except RuntimeError:   # the program's widgets are being torn down
            return
        self._in_flight = True
        run_in_background(lambda: client.heartbeat(states), lambda _r: self._done(states), self._failed, self.pool)

    def _done(self, states: DeviceStates) -> None:
        self.sent.append(states)
        del self.sent[:-20]
        self._finish()

    def _failed(self, error: Exception) -> None:
        log.debug("heartbeat not delivered: %s", error)
        self._finish()

    def _finish(self) -> None:
        self._in_flight = False
        if self._again:
            self._again = False
            self.beat()
