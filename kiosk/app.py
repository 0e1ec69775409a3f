"""The kiosk's composition root: server connection, event stream, printer by URL, flow, window, heartbeat.

``create_window`` wires the parts for a running QApplication (the demo calls it in-process);
``main`` is the ``hallq-kiosk`` program: it makes the application, shows the window and runs Qt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from hardware.printer import open_printer
from hardware.speech import open_announcer
from hardware.speech.channel import SpeakerChannel, default_channel_dir
from kiosk.card_reader import CardReaderBridge, ScannerFilter
from kiosk.flow import KioskFlow
from kiosk.guidance import GuidanceSpeaker
from kiosk.window import KioskWindow
from ui.connection import ServerConnection, add_trust_argument, trust_server
from ui.events import EventStream
from ui.heartbeat import Heartbeat
from ui.theme import apply_theme
from ui.voice_player import Player, QtPlayer

DEFAULT_PRINTER_URL = f"preview://{Path(tempfile.gettempdir()) / 'hallq-kiosk-tickets'}"
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def create_window(
    server_url: str,
    token: str,
    printer_url: str = DEFAULT_PRINTER_URL,
    fullscreen: bool = False,
    language: str = "zh",
    portrait: bool | None = None,
    voice_url: str | None = None,
    speaker_lock: Path | str | None = None,
    player: Player | None = None,
    idcard_url: str | None = None,
) -> QWidget:
    """A ready kiosk window (not shown yet: call ``show()``). Needs a QApplication; never runs Qt's loop.

    ``portrait=None`` follows the window's shape; True/False forces the 1080×1920 or 1920×1080 layout.
    The printer URL is opened lazily, so a missing printer shows up as a fault at the first ticket.
    ``voice_url`` (``tts://``, ``silent://``, ``record://DIR``, like the display's; None: no 读给我听)
    gives the spoken guidance; ``speaker_lock`` is the directory of the PC's speaker locks it shares
    with a hall display on the same PC (hardware.speech.channel); ``player`` replaces the audio output.
    ``idcard_url`` (``idcard:serial:/dev/ttyUSB0``, ``idcard:fake:``; None: no reader) opens the ID card
    reader; a QR scanner that types like a keyboard is always listened for (kiosk.card_reader).
    """
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, 14)
    connection = ServerConnection(server_url, token)
    events = EventStream(server_url, token)
    printer = open_printer(printer_url)
    flow = KioskFlow(language="en" if language == "en" else "zh")
    guidance = None
    if voice_url:
        channel = SpeakerChannel(speaker_lock) if speaker_lock else None
        guidance = GuidanceSpeaker(open_announcer(voice_url), player or QtPlayer(), channel)
    window = KioskWindow(connection, printer, flow=flow, events=events, portrait=portrait, guidance=guidance)
    if guidance is not None:
        guidance.setParent(window)
    connection.setParent(window)
    events.setParent(window)
    width, height = PORTRAIT if portrait else LANDSCAPE
    window.resize(width, height)
    if fullscreen:
        window.setWindowState(Qt.WindowState.WindowFullScreen)
        window.setCursor(Qt.CursorShape.BlankCursor)  # a touch screen has no pointer to show
    # The printer's health reaches the manager's device list by the heartbeat (at once on a change);
    # the kiosk keeps issuing on screen meanwhile.
    if idcard_url:
        window.attach_card_reader(CardReaderBridge(idcard_url, parent=window))
    scanner = ScannerFilter(parent=window)
    if isinstance(app, QApplication):
        app.installEventFilter(scanner)
    window.attach_scanner(scanner)
    heartbeat = Heartbeat(lambda: connection.client, window.device_states, parent=window)
    window.attach_heartbeat(heartbeat)
    heartbeat.start()
    events.start()
    window.refresh_snapshot()
    return window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-kiosk", description="取号机 / ticket kiosk")
    parser.add_argument("--server", default="http://127.0.0.1:8760", help="hall server URL")
    parser.add_argument("--token", required=True, help="kiosk device token (hallq enroll kiosk ...)")
    add_trust_argument(parser)
    parser.add_argument(
        "--printer", default=DEFAULT_PRINTER_URL, help="printer URL: usb://VID:PID, tcp://host:9100, dummy://, preview://DIR ..."
    )
    parser.add_argument("--idcard", default="", help="ID card reader URL: idcard:serial:/dev/ttyUSB0?baud=115200, idcard:fake: ('' = none)")
    parser.add_argument("--portrait", action="store_true", help="1080×1920 portrait screen")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--language", choices=("zh", "en"), default="zh")
    parser.add_argument("--voice", default="tts://", help="speech URL for 读给我听: tts://, silent://, record://DIR ('' = no button)")
    parser.add_argument(
        "--speaker-lock", default=str(default_channel_dir()), help="directory of the speaker locks shared with a hall display on this PC ('' = none)"
    )
    args = parser.parse_args(argv)
    trust_server(parser, args.server, args.ca_fingerprint)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = create_window(
        args.server,
        args.token,
        args.printer,
        fullscreen=not args.windowed,
        language=args.language,
        portrait=True if args.portrait else None,
        voice_url=args.voice or None,
        speaker_lock=args.speaker_lock or None,
        idcard_url=args.idcard or None,
    )
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
