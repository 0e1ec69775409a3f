"""岗位公示: the photo of the clerk on duty at one window, for the pad's idle screen and the window
screen, fetched and decoded off the GUI thread.

``want(clerk)`` is called on every render with the clerk card the screen shows; it fetches only
when the clerk or their photo tag changed (clerk cards carry the tag), and ``refresh()`` refetches
when the manager changed a photo (``config_changed`` with what = ``clerk_photo``). The bytes come
from ``GET /api/windows/{n}/clerk-photo`` on the connection's lane; the decoding and the crop to
the frame run on a worker; ``photo_changed`` fires on the GUI thread. Until a photo arrives, or
when there is none or it cannot be read, ``pixmap`` is None and the screen draws the clerk's
initial instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from server.client import ApiError
from ui.connection import ServerConnection
from ui.worker import run_in_background


def cropped_image(content: bytes, frame: QSize) -> QImage | None:
    """The photo scaled to cover ``frame`` and cropped to its centre (a worker may call this)."""
    image = QImage.fromData(content)
    if image.isNull():
        return None
    scaled = image.scaled(frame, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation)
    left, top = (scaled.width() - frame.width()) // 2, (scaled.height() - frame.height()) // 2
    return scaled.copy(QRect(left, top, frame.width(), frame.height()))


class ClerkPhotoLoader(QObject):
    photo_changed = Signal()

    def __init__(self, conn: ServerConnection, window: int, frame: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.conn, self.window, self.frame = conn, window, frame
        self.pixmap: QPixmap | None = None
        self._key: tuple[str, str] | None = None
        self._generation = 0  # an answer for an earlier clerk is dropped
        self._failed = False  # the last fetch failed (offline): retried on the next snapshot

    def want(self, clerk: dict[str, Any] | None) -> None:
        key = (str(clerk.get("staff_no", "")), str(clerk.get("photo", "") or "")) if clerk else None
        if key == self._key:
            return
        self._key = key
        self._fetch()

    def refresh(self) -> None:
        self._fetch()

    def retry_failed(self) -> None:
        """After a (re)connect's snapshot: fetch again if the last try failed, never in a loop."""
        if self._failed:
            self._fetch()

    def _fetch(self) -> None:
        self._generation += 1
        generation = self._generation
        self._failed = False
        had_photo = self.pixmap is not None
        self.pixmap = None
        if had_photo:
            self.photo_changed.emit()
        if self._key is None or not self._key[1]:
            return  # no clerk, or a clerk without a photo: the initial

        def decoded(image: QImage | None) -> None:
            if generation == self._generation and image is not None:
                self.pixmap = QPixmap.fromImage(image)
                self.photo_changed.emit()

        def fetched(content: bytes | None) -> None:
            if generation == self._generation and content:
                run_in_background(lambda: cropped_image(content, self.frame), decoded, lambda _error: None, pool=self.conn.pool)

        def failed(_error: ApiError) -> None:
            if generation == self._generation:
                self._failed = True  # offline or refused: the initial stays until the next snapshot

        self.conn.call("window_clerk_photo", self.window, on_done=fetched, on_error=failed)
