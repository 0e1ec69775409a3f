"""The counter program's composition root: server connections, event stream, printer and
call keypad from URLs, and the window. ``create_window`` is what the demo calls in-process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from counter.window import CounterWindow
from hall.clock import Clock
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream


class _KeypadBridge(QObject):
    """Keypad messages arrive on the bus thread; this signal carries them to the GUI thread."""

    pressed = Signal(str)


def create_window(
    server_url: str,
    token: str,
    printer_url: str = "dummy://",
    keypad_url: str | None = None,
    compact: bool = True,
    *,
    keypad_windows: Mapping[int, int] | None = None,
    clock: Clock | None = None,
    language: str = "zh",
) -> QWidget:
    """A counter for the window ``token`` (a counter device token) is bound to. Does not run
    the event loop. With ``keypad_url`` the serial call keypad drives the same actions
    (``keypad_windows`` maps bus addresses to windows; without it every keypad counts)."""
    from ui.pyside_guard import hold_singletons

    hold_singletons()  # PySide6 6.12.0 refcount bug: see ui/pyside_guard.py
    from hardware.printer import open_printer

    device = ServerConnection(server_url, token)
    clerk = ServerConnection(server_url, None)
    reads = ServerConnection(server_url, token)
    events = EventStream(server_url, token)
    window = CounterWindow(device, clerk, reads, events, open_printer(printer_url), clock, compact, language)
    for owned in (device, clerk, reads, events):
        owned.setParent(window)
    window.setWindowTitle("hallq 窗口叫号 / counter")
    if keypad_url:
        _attach_keypad(window, keypad_url, keypad_windows)
    window.start()
    window.show_login()
    return window


def _attach_keypad(window: CounterWindow, url: str, windows: Mapping[int, int] | None) -> None:
    from hardware.serial import KeypadBus, KeyPressed

    bridge = _KeypadBridge(window)

    def forward(action: str) -> None:
        window.keypad_pressed(action)

    bridge.pressed.connect(forward)

    def on_message(message: Any) -> None:  # bus thread
        if isinstance(message, KeyPressed) and (message.window is None or message.window == window.window_number):
            bridge.pressed.emit(message.action.value)

    bus = KeypadBus(url, windows=windows, on_message=on_message)
    window.keypad_bus = bus  # type: ignore[attr-defined]
    window.destroyed.connect(bus.stop)
    bus.start()

    def show(number: str) -> None:
        addr = bus.address_of(window.window_number or 0) if windows else None
        if addr is not None:
            bus.show_number(addr, number or "")

    window.ticket_shown.connect(show)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-counter", description="窗口叫号 / counter")
    parser.add_argument("--server", default="http://127.0.0.1:8765")
    parser.add_argument("--token", required=True, help="counter device token (enrolled by the manager)")
    parser.add_argument("--printer", default="dummy://", help="promise-notice printer URL")
    parser.add_argument("--keypad", default=None, help="serial call keypad URL, e.g. serial:///dev/ttyUSB0")
    parser.add_argument("--large", action="store_true", help="start in the larger mode")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args.server, args.token, args.printer, args.keypad, compact=not args.large, language=args.lang)
    window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
