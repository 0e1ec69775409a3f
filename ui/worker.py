"""Background work for the GUI: network calls, printing and speech never run on the GUI thread.

``run_in_background(fn, on_done, on_error)`` runs ``fn`` on Qt's global thread pool and delivers
its result (or exception) back on the GUI thread through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn, self.relay = fn, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as error:  # delivered to the GUI as a value, never raised in a worker
            self.relay.failed.emit(error)
        else:
            self.relay.done.emit(result)


_live_relays: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    pool: QThreadPool | None = None,
) -> None:
    relay = _Relay()
    _live_relays.add(relay)  # keep the relay alive until the job reports

    @Slot(object)
    def finished(result: Any) -> None:
        _live_relays.discard(relay)
        if on_done is not None:
            on_done(result)

    @Slot(object)
    def failed(error: Exception) -> None:
        _live_relays.discard(relay)
        if on_error is not None:
            on_error(error)

    relay.done.connect(finished)
    relay.failed.connect(failed)
    (pool or QThreadPool.globalInstance()).start(_Job(fn, relay))
