"""Background work for the GUI: network calls, printing and speech never run on the GUI thread.

``run_in_background(fn, on_done, on_error)`` runs ``fn`` on a plain Python thread and calls
``on_done(result)`` or ``on_error(exception)`` later *on the GUI thread*.

Why not QRunnable + a queued Signal: PySide6 6.12.0 loses references when a Python ``run()``
override returns and when a signal is emitted from Python (see ``ui.pyside_guard``); under
load that corrupted memory and crashed programs and tests. Here worker threads never touch Qt:
they put the outcome on a queue, and a timer on the GUI thread drains it while jobs are out.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer

DRAIN_INTERVAL_MS = 5
log = logging.getLogger(__name__)


class _GuiDispatcher(QObject):
    """Runs callbacks on the GUI thread; polls only while background jobs are outstanding."""

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self._outbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._outstanding = 0
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self._drain)

    def submitted(self) -> None:
        self._outstanding += 1
        if not self._timer.isActive():
            self._timer.start()

    def post(self, callback: Callable[[], None]) -> None:   # any thread
        self._outbox.put(callback)

    def _drain(self) -> None:
        while True:
            try:
                callback = self._outbox.get_nowait()
            except queue.Empty:
                break
            self._outstanding -= 1
            try:
                callback()
            except RuntimeError as error:   # the widget that asked was closed meanwhile
                log.debug("background result for a closed widget dropped: %s", error)
        if self._outstanding <= 0:
            self._outstanding = 0
            self._timer.stop()


_dispatcher: _GuiDispatcher | None = None
_default_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hallq-bg")
# A caller's QThreadPool (one per connection or printer) maps to its own executor of the same
# width, so "one at a time, in order" lanes keep their meaning.
_lanes: weakref.WeakKeyDictionary[Any, ThreadPoolExecutor] = weakref.WeakKeyDictionary()
_lanes_lock = threading.Lock()


def _executor_for(pool: Any) -> ThreadPoolExecutor:
    if pool is None:
        return _default_executor
    if isinstance(pool, ThreadPoolExecutor):
        return pool
    with _lanes_lock:
        executor = _lanes.get(pool)
        if executor is None:
            width = pool.maxThreadCount() if isinstance(pool, QThreadPool) else 1
            executor = ThreadPoolExecutor(max_workers=max(1, width), thread_name_prefix="hallq-lane")
            _lanes[pool] = executor
        return executor


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    pool: Any = None,
) -> None:
    """Call from the GUI thread. ``pool`` (a QThreadPool or an executor) picks the lane."""
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _GuiDispatcher()
    dispatcher = _dispatcher
    dispatcher.submitted()

    def job() -> None:
        try:
            result = fn()
        except Exception as error:  # delivered to the GUI as a value, never raised in a worker
            captured = error
            dispatcher.post(lambda: on_error(captured) if on_error is not None else None)
        else:
            dispatcher.post(lambda: on_done(result) if on_done is not None else None)

    _executor_for(pool).submit(job)
