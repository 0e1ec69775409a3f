"""The kiosk's ID card reader and QR scanner in Qt: the reader's thread to the GUI by signal, and an
application-wide key filter that catches a scanner's bursts on any page.

:class:`CardReaderBridge` opens the reader by URL (``idcard:serial:/dev/ttyUSB0``, ``idcard:fake:``;
hardware.idcard) whose I/O thread calls back with each card; the bridge turns the card into a
:class:`~kiosk.card.CardHolder` (keyed hash + mask) right there, on the reader's thread, and emits
``holder_read``: the clear number never crosses into the GUI thread. ``health_state`` joins the
kiosk's device heartbeat.

:class:`ScannerFilter` sits on the QApplication. It watches key presses delivered to the kiosk's
top-level window (each key press passes there once, before any widget sees it): characters go on
as usual; an Enter that ends a fast burst (kiosk.card.ScanDetector) is taken away from the widgets
and the burst is emitted as ``scanned``. A person typing slowly keeps Enter; touch is unaffected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QWindow
from PySide6.QtWidgets import QWidget

from hall.text import HallRuleError
from hardware.idcard import Health, IdCard, IdCardReader, open_idcard_reader
from hardware.idcard.fakes import sample_card
from kiosk.card import BAD_CARD_TEXT, NO_KEY_TEXT, ScanDetector, holder_from_card

log = logging.getLogger(__name__)


class CardReaderBridge(QObject):
    """One ID card reader for the kiosk. Set the hall key (``set_key``) before cards count."""

    holder_read = Signal(object)     # CardHolder
    card_refused = Signal(object)    # Text: no key yet, a number that fails its check
    key_wanted = Signal()            # a card came before the key: ask the server again

    def __init__(self, url: str, opener: Callable[..., IdCardReader] = open_idcard_reader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self._key = ""
        self._lock = threading.Lock()
        self.reader = opener(url, self._on_card)

    def set_key(self, key: str) -> None:
        with self._lock:
            self._key = key

    @property
    def has_key(self) -> bool:
        with self._lock:
            return bool(self._key)

    def _on_card(self, card: IdCard) -> None:
        """On the reader's thread: hash and mask at once; only the holder goes on."""
        with self._lock:
            key = self._key
        if not key:
            self.card_refused.emit(NO_KEY_TEXT)
            self.key_wanted.emit()
            return
        try:
            holder = holder_from_card(key, card)
        except HallRuleError:
            log.warning("ID card with an invalid number (%s)", card.masked)
            self.card_refused.emit(BAD_CARD_TEXT)
            return
        self.holder_read.emit(holder)

    def health_state(self) -> dict[str, str]:
        """For the heartbeat (hall.devices): ``ok``, ``lost`` (port gone), ``offline`` (not answering)."""
        health = self.reader.health()
        state = {Health.OK: "ok", Health.OFFLINE: "lost", Health.NOT_ANSWERING: "offline"}[health]
        return {"state": state, "detail": self.reader.health_state()["zh"]}

    def swipe_sample(self, seq: int = 123) -> bool:
        """``idcard:fake:`` only (demo, screenshots): lay a made-up card on the fake reader once."""
        device = self.reader.fake_device
        if device is None:
            return False
        device.swipe(sample_card(seq))
        return True

    def stop(self) -> None:
        self.reader.stop()


class ScannerFilter(QObject):
    """Application-level: a keyboard-wedge scanner's burst + Enter becomes ``scanned(text)``."""

    scanned = Signal(str)

    def __init__(self, detector: ScanDetector | None = None, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detector = detector or ScanDetector()
        self._clock = clock

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWindow) or not isinstance(event, QKeyEvent):
            return False
        now = self._clock()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            burst = self.detector.enter(now)
            if burst is None:
                return False
            self.scanned.emit(burst)
            return True   # the scanner's Enter is not also a press of the focused button
        text = event.text()
        if text and text.isprintable():
            self.detector.key(text, now)
        return False


DEMO_SWIPE_KEYS = {"F2": 123, "F3": 124}  # the demo's two made-up citizens (hardware.idcard.fakes.sample_card)


def add_swipe_keys(window: QWidget) -> list[QShortcut]:
    """The demo's hand on the fake reader: F2 and F3 lay one of two made-up cards on it (``idcard:fake:`` only)."""
    reader = getattr(window, "card_reader", None)
    if not isinstance(reader, CardReaderBridge) or reader.reader.fake_device is None:
        return []
    shortcuts = []
    for key, seq in DEMO_SWIPE_KEYS.items():
        shortcut = QShortcut(QKeySequence(key), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(lambda seq=seq: reader.swipe_sample(seq))
        shortcuts.append(shortcut)
    return shortcuts
