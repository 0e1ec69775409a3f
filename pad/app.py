"""The rating pad's composition root: server connection, event stream, optional 4-key
hardware rater, and the window. ``create_window`` is what the demo calls in-process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from hall.tickets import RatingLevel
from pad.window import PadWindow
from ui import theme
from ui.connection import ServerConnection, add_trust_argument, trust_server
from ui.events import EventStream
from ui.heartbeat import DeviceStates, Heartbeat
from ui.pyside_guard import hold_singletons


class _RaterBridge(QObject):
    """Rater keys arrive on the bus thread; this signal carries them to the GUI thread."""

    pressed = Signal(str)


def create_window(
    server_url: str,
    token: str,
    window_number: int,
    rater_url: str | None = None,
    *,
    rater_windows: Mapping[int, int] | None = None,
    rating_timeout: float = 30.0,
    thanks_seconds: float = 4.0,
    language: str = "zh",
) -> QWidget:
    """A rating pad for ``window_number`` (``token`` is a pad device token bound to it).
    Does not run the event loop. With ``rater_url`` a 4-key serial rater feeds the same path."""
    hold_singletons()  # PySide6 6.12.0 refcount bug: see ui/pyside_guard.py
    conn = ServerConnection(server_url, token)
    events = EventStream(server_url, token)
    window = PadWindow(conn, events, window_number, rating_timeout, thanks_seconds, language)
    conn.setParent(window)
    events.setParent(window)
    window.setWindowTitle(f"hallq 服务评价 / rating pad – {window_number}")
    if rater_url:
        _attach_rater(window, rater_url, rater_windows)
    window.heartbeat = Heartbeat(lambda: conn.client, lambda: _device_states(window), window)  # type: ignore[attr-defined]
    window.heartbeat.start()  # type: ignore[attr-defined]
    window.start()
    return window


def _device_states(window: PadWindow) -> DeviceStates:
    """hall.devices: the serial rater's link, if the pad has one (an on-screen pad has no devices)."""
    bus = getattr(window, "rater_bus", None)
    if bus is None:
        return {}
    return {"rater": {"state": "ok" if bus.online else "lost", "detail": ""}}


def _attach_rater(window: PadWindow, url: str, windows: Mapping[int, int] | None) -> None:
    from hardware.serial import KeypadBus, RaterPressed

    bridge = _RaterBridge(window)
    bridge.pressed.connect(lambda level: window.rater_pressed(RatingLevel(level)))

    def on_message(message: Any) -> None:  # bus thread
        if isinstance(message, RaterPressed) and (message.window is None or message.window == window.flow.window):
            bridge.pressed.emit(message.level.value)

    bus = KeypadBus(url, windows=windows, on_message=on_message)
    window.rater_bus = bus  # type: ignore[attr-defined]
    window.destroyed.connect(bus.stop)
    bus.start()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-pad", description="服务评价器 / rating pad")
    parser.add_argument("--server", default="http://127.0.0.1:8760")
    parser.add_argument("--token", required=True, help="pad device token (enrolled by the manager)")
    add_trust_argument(parser)
    parser.add_argument("--window", type=int, required=True)
    parser.add_argument("--rater", default=None, help="4-key serial rater URL")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--fullscreen", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    trust_server(parser, args.server, args.ca_fingerprint)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args.server, args.token, args.window, args.rater, language=args.lang)
    window.showFullScreen() if args.fullscreen else window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
