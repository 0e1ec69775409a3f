"""The hall's event stream as Qt signals, over a WebSocket that reconnects by itself.

On first connect the server sends a snapshot; after a drop the stream reconnects with the last
seq it saw and the server replays exactly what was missed, so no call is lost because a
display blinked. Screens get ``snapshot_received`` (redraw everything) and ``event_received``
(apply one change), plus ``connection_changed`` to show an offline state.

The server's close codes (server.events): 4408 "too far behind" — reconnect at once with
``after=<last seq>``; 4400 "bad after=" — reconnect without it, for a fresh snapshot; 4401
"revoked" — the token is no longer honoured: ``refused`` is set and the stream keeps trying only
slowly, showing offline, until the device is enrolled again.

Over wss:// the socket trusts only the hall CA pinned for that server (server/tls.py), the same
one the HTTP client checks; a CA that is not the pinned one is ``trust_failed`` and no socket
is opened.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkRequest, QSsl, QSslCertificate, QSslConfiguration, QSslSocket
from PySide6.QtWebSockets import QWebSocket

from server.tls import CaFetchFailed, CaPin, TrustError, pin_for

log = logging.getLogger(__name__)

CLOSE_BAD_AFTER = 4400
CLOSE_REVOKED = 4401
CLOSE_RESUME = 4408


class EventStream(QObject):
    snapshot_received = Signal(dict)
    event_received = Signal(dict)
    connection_changed = Signal(bool)
    trust_failed = Signal(str, str)  # zh, en: the server is not the pinned hall's

    MAX_BACKOFF_MS = 5000
    REFUSED_RETRY_MS = 30_000

    def __init__(self, base_url: str, token: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.last_seq: int | None = None
        self.connected = False
        self._backoff_ms = 250
        self._stopped = False
        self.refused = False  # the server closed the stream with 4401: this token was revoked
        self._socket = QWebSocket()
        self._socket.setParent(self)
        self._socket.connected.connect(self._on_connected)
        self._socket.disconnected.connect(self._on_disconnected)
        self._socket.textMessageReceived.connect(self._on_message)
        self._socket.errorOccurred.connect(self._on_error)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)
        self._pin: CaPin | None = pin_for(self.base_url) if self.base_url.startswith("https") else None
        self._trusted_pem: bytes | None = None

    def start(self) -> None:
        self._stopped = False
        self._open()

    def stop(self) -> None:
        self._stopped = True
        self._retry.stop()
        self._socket.close()

    def resync(self) -> None:
        """Ask for a fresh snapshot (e.g. after the screen changed zone)."""
        self.last_seq = None
        self._socket.close()

    def _open(self) -> None:
        if self._stopped:
            return
        ws = self.base_url.replace("http", "ws", 1) + "/ws/events"
        if self.last_seq is not None:
            ws += f"?after={self.last_seq}"
        if self._pin is not None and not self._trust_pinned_ca(self._pin):
            return
        request = QNetworkRequest(QUrl(ws))
        request.setRawHeader(b"Authorization", f"Bearer {self.token}".encode())
        self._socket.open(request)

    def _trust_pinned_ca(self, pin: CaPin) -> bool:
        """Give the socket the pinned CA as its only trust anchor; False (and a retry or a
        ``trust_failed``) when the CA cannot be fetched or is not the pinned one."""
        try:
            pem = pin.ensure()
        except CaFetchFailed:
            self._on_disconnected()
            return False
        except TrustError as error:
            log.error("%s / %s", error.zh, error.en)
            self.trust_failed.emit(error.zh, error.en)
            self._on_disconnected()
            return False
        if pem != self._trusted_pem:
            config = QSslConfiguration.defaultConfiguration()
            config.setCaCertificates(QSslCertificate.fromData(pem, QSsl.EncodingFormat.Pem))
            config.setPeerVerifyMode(QSslSocket.PeerVerifyMode.VerifyPeer)
            self._socket.setSslConfiguration(config)
            self._trusted_pem = pem
        return True

    def _on_connected(self) -> None:
        self._backoff_ms = 250
        self.refused = False
        self.connected = True
        self.connection_changed.emit(True)

    def _on_disconnected(self) -> None:
        if self.connected:
            self.connected = False
            self.connection_changed.emit(False)
        if self._stopped:
            return
        close_code = self._socket.closeCode()
        code = int(getattr(close_code, "value", close_code))
        if code == CLOSE_RESUME:
            self._retry.start(0)  # resume at once from last_seq: the server replays what was missed
            return
        if code == CLOSE_BAD_AFTER:
            self.last_seq = None  # start over from a snapshot
        if code == CLOSE_REVOKED:
            self.refused = True
            self._retry.start(self.REFUSED_RETRY_MS)
            return
        self._retry.start(self._backoff_ms)
        self._backoff_ms = min(self._backoff_ms * 2, self.MAX_BACKOFF_MS)

    def _on_error(self, _error: QAbstractSocket.SocketError) -> None:
        if self._socket.state() == QAbstractSocket.SocketState.UnconnectedState and not self._retry.isActive() and not self._stopped:
            self._on_disconnected()

    def _on_message(self, text: str) -> None:
        try:
            message: dict[str, Any] = json.loads(text)
        except ValueError:
            return
        if message.get("type") == "snapshot":
            self.last_seq = int(message.get("seq", 0))
            self.snapshot_received.emit(message["data"])
        elif message.get("type") == "event":
            seq = int(message.get("seq", 0))
            if self.last_seq is not None and seq <= self.last_seq:
                return
            self.last_seq = seq
            self.event_received.emit(message)
