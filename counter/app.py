"""The counter program's composition root: server connections, event stream, printer and
call keypad from URLs, the heartbeat with their health, and the window. ``create_window`` is
what the demo calls in-process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from counter.devices import CounterDevices
from counter.window import CounterWindow
from hall.clock import Clock
from ui import theme
from ui.connection import ServerConnection, add_trust_argument, trust_server
from ui.events import EventStream
from ui.heartbeat import Heartbeat


class _KeypadBridge(QObject):
    """Keypad messages arrive on the bus thread; this signal carries them to the GUI thread."""

    pressed = Signal(str)
    link_changed = Signal(bool, str)  # online, the line to show


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
    printer = open_printer(printer_url) if printer_url else None
    window = CounterWindow(device, clerk, reads, events, printer, clock, compact, language)
    for owned in (device, clerk, reads, events):
        owned.setParent(window)
    window.setWindowTitle("hallq 窗口叫号 / counter")
    devices = CounterDevices(printer, parent=window)
    if keypad_url:
        _attach_keypad(window, keypad_url, keypad_windows, devices)
    # The device token, not the clerk's: the counter is alive (and its printer worth knowing
    # about) before anyone logs in and after they leave.
    heartbeat = Heartbeat(lambda: device.client, devices.states, parent=window)
    devices.changed.connect(heartbeat.changed)
    window.devices, window.heartbeat = devices, heartbeat
    window.start()
    devices.start()
    heartbeat.start()
    window.show_login()
    return window


def _attach_keypad(window: CounterWindow, url: str, windows: Mapping[int, int] | None, devices: CounterDevices) -> None:
    from hardware.serial import KeypadBus, KeyPressed
    from hardware.serial.link import LinkStatus

    bridge = _KeypadBridge(window)

    def forward(action: str) -> None:
        window.keypad_pressed(action)

    bridge.pressed.connect(forward)
    bridge.link_changed.connect(devices.keypad_status)

    def on_status(status: LinkStatus) -> None:  # bus thread
        bridge.link_changed.emit(status.online, str(status.message))

    def on_message(message: Any) -> None:  # bus thread
        if isinstance(message, KeyPressed) and (message.window is None or message.window == window.window_number):
            bridge.pressed.emit(message.action.value)

    bus = KeypadBus(url, windows=windows, on_message=on_message, on_status=on_status)  # reports its first open at once
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
    parser.add_argument("--server", default="http://127.0.0.1:8760")
    parser.add_argument("--token", required=True, help="counter device token (enrolled by the manager)")
    add_trust_argument(parser)
    parser.add_argument("--printer", default="dummy://", help="promise-notice printer URL")
    parser.add_argument("--keypad", default=None, help="serial call keypad URL, e.g. serial:///dev/ttyUSB0")
    parser.add_argument("--large", action="store_true", help="start in the larger mode")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    trust_server(parser, args.server, args.ca_fingerprint)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args.server, args.token, args.printer, args.keypad, compact=not args.large, language=args.lang)
    window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
