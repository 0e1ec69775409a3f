"""The display program's composition root: the event stream, the screen model, the hall or
window screen, and the voice (speech renderer + player), wired from a server URL, a display
token and a few settings.

``create_window(...)`` builds the whole display as one widget for the demo (it never runs the
event loop); ``main()`` is ``hallq-display`` / ``python -m display.app`` on a hall's screen.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from display.hall_screen import HallScreen
from display.led import LedMirror, parse_addresses
from display.model import HallScreenModel, Update
from display.voice import Player, QtPlayer, VoiceController
from display.window_screen import WindowScreen
from hall.announcements import AnnouncementQueue, Zone
from hall.legibility import ViewingSpec, parse_viewing
from hardware.serial.led_strip import LedStrip, WindowStrip
from hardware.speech import PhraseRenderer, open_announcer
from hardware.speech.channel import SpeakerChannel, default_channel_dir
from server.client import HallClient
from ui.connection import ServerConnection, add_trust_argument, trust_server
from ui.events import EventStream
from ui.heartbeat import DeviceStates, Heartbeat
from ui.photo_loader import ClerkPhotoLoader
from ui.theme import apply_theme
from ui.worker import run_in_background

log = logging.getLogger(__name__)

LAYOUTS = {"landscape": (1920, 1080), "portrait": (1080, 1920), "4k": (3840, 2160), "4k-portrait": (2160, 3840)}
RESYNC_EVERY_MS = 60_000   # waiting counts drift with transfers and requeues: refresh now and then


class DisplayWindow(QWidget):
    """One display: hall screen or window monitor, with its stream and (hall mode) its voice."""

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        mode: str = "hall",
        window_number: int | None = None,
        zone: Zone | None = None,
        renderer: PhraseRenderer | None = None,
        player: Player | None = None,
        clock: Callable[[], datetime] | None = None,
        speak_within_seconds: float = 20.0,
        voice_now: Callable[[], float] | None = None,
        led: WindowStrip | None = None,
        led_addresses: dict[int, int] | None = None,
        viewing: ViewingSpec | None = None,
        channel: SpeakerChannel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if mode not in ("hall", "window"):
            raise ValueError("mode must be 'hall' or 'window'")
        if mode == "window" and window_number is None:
            raise ValueError("a window screen needs window_number")
        self.mode = mode
        self.client = HallClient(server_url, token)
        kwargs: dict[str, Any] = {"speak_within_seconds": speak_within_seconds}
        if clock is not None:
            kwargs["clock"] = clock
        zone = zone or Zone()
        self.model = HallScreenModel(zone, **kwargs)
        self.screen: HallScreen | WindowScreen
        if mode == "hall":
            self.screen = HallScreen(self.model, self, viewing)
            self.setWindowTitle("hallq 叫号屏 / hall display")
        else:
            assert window_number is not None
            self.screen = WindowScreen(self.model, window_number, self)
            self.setWindowTitle(f"hallq {window_number} 号窗口屏 / window {window_number}")
        # 岗位公示 on the window screen: the clerk's photo, fetched and decoded off the GUI thread.
        self.photo: ClerkPhotoLoader | None = None
        if isinstance(self.screen, WindowScreen):
            self.photo = ClerkPhotoLoader(ServerConnection(server_url, token, self), self.screen.window_number, QSize(480, 600), self)
            self.photo.photo_changed.connect(self._photo_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.screen)

        self.voice: VoiceController | None = None
        self.renderer = renderer
        if mode == "hall" and renderer is not None:
            queue = AnnouncementQueue(zone=zone, repetitions=2, max_lag_seconds=30)
            voice_kwargs: dict[str, Any] = {}
            if voice_now is not None:
                voice_kwargs["now"] = voice_now
            self.voice = VoiceController(renderer, player or QtPlayer(self), queue, parent=self, channel=channel, **voice_kwargs)
            self.voice.status_changed.connect(self._voice_status)
            if self.voice.warning:
                self._voice_status(self.voice.warning)
        self.not_spoken: list[Any] = []   # calls shown but too old to speak (catch-up)
        # The window strips follow the same model as the screen (a window screen drives its own strip).
        if led is not None and mode == "window" and led_addresses is None:
            assert window_number is not None
            led_addresses = {window_number: window_number}
        self.led = LedMirror(led, led_addresses) if led is not None else None

        self.heartbeat = Heartbeat(lambda: self.client, self.device_states, self)
        self.heartbeat.start()

        self.stream = EventStream(server_url, token, self)
        self.stream.snapshot_received.connect(self._snapshot)
        self.stream.event_received.connect(self._event)
        self.stream.connection_changed.connect(self.screen.set_online)
        self._resync_pending = False
        self._resync_timer = QTimer(self)
        self._resync_timer.timeout.connect(self.refresh_snapshot)
        self._resync_timer.start(RESYNC_EVERY_MS)
        self.stream.start()

    # -- stream ---------------------------------------------------------------------------------

    def _photo_changed(self) -> None:
        if isinstance(self.screen, WindowScreen) and self.photo is not None:
            self.screen.photo = self.photo.pixmap
            self.screen.update()

    def _want_photo(self, message: dict[str, Any] | None = None) -> None:
        if self.photo is None or not isinstance(self.screen, WindowScreen):
            return
        window = self.model.windows.get(self.screen.window_number)
        if message is not None and message.get("kind") == "config_changed" and (message.get("data") or {}).get("what") == "clerk_photo":
            self.photo.refresh()
        else:
            self.photo.want(window.clerk if window is not None else None)

    def _snapshot(self, data: dict[str, Any]) -> None:
        self.screen.model_updated(self.model.apply_snapshot(data))
        self._want_photo()
        if self.photo is not None:
            self.photo.retry_failed()
        self._update_led()

    def _event(self, message: dict[str, Any]) -> None:
        update = self.model.apply_event(message)
        if self.voice is not None:
            for call in update.speak:
                self.voice.announce(call)
        self.not_spoken.extend(update.shown_only)
        if update.resync:
            self.refresh_snapshot()
        self.screen.model_updated(update)
        self._want_photo(message)
        if update.changed & {"calls", "windows"}:
            self._update_led()

    def _update_led(self) -> None:
        if self.led is not None:
            self.led.update(self.model)

    def refresh_snapshot(self) -> None:
        """Fetch the snapshot over HTTP in the background (counts the events cannot carry)."""
        if self._resync_pending:
            return
        self._resync_pending = True

        def done(data: dict[str, Any]) -> None:
            self._resync_pending = False
            if int(data.get("seq", 0)) >= self.model.seq:   # never step back behind events already shown
                self.screen.model_updated(self.model.apply_snapshot(data))
                self._update_led()

        def failed(error: Exception) -> None:
            self._resync_pending = False
            log.info("snapshot refresh failed: %s", error)

        run_in_background(self.client.snapshot, done, failed)

    def _voice_status(self, text: str) -> None:
        if isinstance(self.screen, HallScreen):
            self.screen.set_voice_warning(text)
        if hasattr(self, "heartbeat"):
            self.heartbeat.changed()

    def device_states(self) -> DeviceStates:
        """hall.devices: the voice (hall mode) and the LED strip line, for the heartbeat."""
        states: DeviceStates = {}
        if self.voice is not None:
            warning = self.voice.warning
            states["voice"] = {"state": "failing" if warning else "ok", "detail": warning[:200]}
        if self.led is not None and isinstance(self.led.strip, LedStrip):
            states["led"] = {"state": "ok" if self.led.strip.link.online else "lost", "detail": ""}
        return states

    @property
    def voice_warning(self) -> str:
        return self.screen.voice_warning if isinstance(self.screen, HallScreen) else ""

    def shutdown(self) -> None:
        self.heartbeat.stop()
        self._resync_timer.stop()
        self.stream.stop()
        if self.voice is not None:
            self.voice.stop()
        if self.renderer is not None:
            self.renderer.close()
        if self.led is not None and isinstance(self.led.strip, LedStrip):
            self.led.strip.stop()
        self.client.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def create_window(
    server_url: str,
    token: str,
    mode: str = "hall",
    window_number: int | None = None,
    zone: str | Zone | None = None,
    voice_url: str | None = "tts://",
    layout: str = "landscape",
    *,
    player: Player | None = None,
    clock: Callable[[], datetime] | None = None,
    led: str | WindowStrip | None = None,
    led_addresses: str = "",
    viewing: ViewingSpec | None = None,
    speaker_lock: Path | str | None = None,
) -> DisplayWindow:
    """The display as one widget, sized for ``layout`` (landscape / portrait / 4k / 4k-portrait).
    Hall mode speaks through ``voice_url`` (``tts://``, ``silent://``, ``record://DIR``, or None
    for no voice); window mode never speaks. ``led`` drives the LED window strips: a pyserial URL
    (``/dev/ttyUSB0``, ``socket://host:port``, ``loop://``) or a strip object; ``led_addresses``
    maps windows to strip addresses ("1:11,2:12"; default: address = window number). ``viewing``
    is where the hall screen hangs (distance to the farthest seat, screen diagonal; default 10 m,
    55 inches): no text goes below the legible size for it. ``speaker_lock`` is the directory of
    the PC's shared speaker locks (hardware.speech.channel): a kiosk on the same PC then never
    talks over a call. The caller shows it; no event loop is run here."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}")
    zone_value = zone if isinstance(zone, Zone) else Zone.parse(zone or "")
    renderer = open_announcer(voice_url) if (voice_url and mode == "hall") else None
    addresses = parse_addresses(led_addresses) if led_addresses else None
    strip = LedStrip(led).start() if isinstance(led, str) else led
    window = DisplayWindow(
        server_url, token, mode=mode, window_number=window_number, zone=zone_value, renderer=renderer, player=player, clock=clock,
        led=strip, led_addresses=addresses, viewing=viewing,
        channel=SpeakerChannel(speaker_lock) if (renderer is not None and speaker_lock) else None,
    )
    width, height = LAYOUTS[layout]
    if mode == "window":
        width, height = (1280, 720) if layout == "landscape" else (width // 2, height // 2)
    window.resize(width, height)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-display", description="叫号显示屏 / hall display")
    parser.add_argument("--server", required=True, help="https://host:port of the hall server (http:// on this machine only)")
    parser.add_argument("--token", required=True, help="display device token (enrolled by the manager)")
    add_trust_argument(parser)
    parser.add_argument("--mode", choices=["hall", "window"], default="hall")
    parser.add_argument("--window", type=int, help="window number (window mode)")
    parser.add_argument("--zone", default="", help='windows and series this display covers, e.g. "1-20, V" (default: whole hall)')
    parser.add_argument("--voice", default="tts://", help="speech URL: tts://, silent://, record://DIR")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="landscape")
    parser.add_argument(
        "--speaker-lock", default=str(default_channel_dir()), help="directory of the speaker locks shared with a kiosk on this PC ('' = none)"
    )
    parser.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    parser.add_argument("--led", help="LED window strips on this serial URL, e.g. /dev/ttyUSB0 or socket://10.0.0.5:4001")
    parser.add_argument("--led-addresses", default="", help='window:address pairs, e.g. "1:11,2:12" (default: address = window number)')
    parser.add_argument("--viewing-distance", default="10", help="metres from the screen to the farthest seat (legible text sizes)")
    parser.add_argument("--screen-inches", default="55", help="the screen's diagonal in inches")
    args = parser.parse_args(list(argv) if argv is not None else None)
    trust_server(parser, args.server, args.ca_fingerprint)
    try:
        viewing = parse_viewing(args.viewing_distance, args.screen_inches)
    except ValueError as error:
        parser.error(str(error))
    if args.led_addresses:
        try:
            parse_addresses(args.led_addresses)
        except ValueError as error:
            parser.error(str(error))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    window = create_window(
        args.server, args.token, args.mode, args.window, args.zone, args.voice, args.layout, led=args.led, led_addresses=args.led_addresses,
        viewing=viewing, speaker_lock=args.speaker_lock or None,
    )
    if args.windowed:
        window.show()
    else:
        window.showFullScreen()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["DisplayWindow", "Update", "create_window", "main"]
