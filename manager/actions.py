"""The console's one way of changing the hall: API calls carried out one after another on the
console's server connection, stopping at the first error and saying why.

Every tab that changes something goes through :class:`ConsoleActions`, so there is one "busy"
flag (a recommendation is not applied twice while the first is still on its way, and auto-apply
waits) and one message line. The window listens to :attr:`ConsoleActions.calls_settled` to redraw
from the server, which validated and audited the change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from manager.advice import ApiCall
from server.client import ApiError
from ui.connection import ServerConnection


class ConsoleActions(QObject):
    """``conn`` makes the calls; tabs read and load through ``conn`` too."""

    said = Signal(bool, str)  # a line for the console's message bar: (ok, text)
    action_finished = Signal(bool, str)
    calls_settled = Signal(bool)  # the calls ended (True: all done); the window refreshes

    def __init__(self, conn: ServerConnection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.busy = False

    def say(self, ok: bool, text: str) -> None:
        self.said.emit(ok, text)

    def error(self, error: ApiError) -> None:
        self.say(False, f"操作失败：{error.zh}  {error.en}")

    def run(self, calls: Sequence[ApiCall], done_text: str, after: Callable[[], None] | None = None) -> None:
        """Carry out API calls one after another; stop at the first error and say why."""
        remaining = list(calls)

        def step(_result: Any = None) -> None:
            if not remaining:
                self.busy = False
                self.say(True, done_text)
                self.action_finished.emit(True, done_text)
                if after is not None:
                    after()
                self.calls_settled.emit(True)
                return
            call = remaining.pop(0)
            self.conn.call(call.method, *call.args, on_done=step, on_error=failed)

        def failed(error: ApiError) -> None:
            self.busy = False
            self.error(error)
            self.action_finished.emit(False, error.zh)
            self.calls_settled.emit(False)

        self.busy = True
        step()
