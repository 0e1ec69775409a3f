"""Playing the hall's voice on the Qt side: one WAV file at a time, the end reported by callback.

:class:`QtPlayer` plays through QtMultimedia in a hall; :class:`RecordingPlayer` plays nothing and
remembers each file (tests, offscreen); :class:`TimedRecordingPlayer` "plays" each file for its real
length on a Qt timer and appends what was said, with start and end times, to a JSON-lines log, so
a test with two programs on one speaker can prove they never overlapped. Shared by the display
(calls) and the kiosk (spoken guidance), which is why it lives in ui/ and not in either program.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, QUrl

from hardware.speech import wav_seconds

log = logging.getLogger(__name__)


class Player(Protocol):
    """Plays one file and reports the end (or failure) by calling ``on_finished`` once."""

    def play(self, path: Path, on_finished: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...


class QtPlayer(QObject):
    """QtMultimedia playback of WAV files through the default audio output."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._player.setAudioOutput(self._output)
        self._on_finished: Callable[[], None] | None = None
        self._player.mediaStatusChanged.connect(self._status)
        self._player.errorOccurred.connect(self._error)
        self._ended = QMediaPlayer.MediaStatus.EndOfMedia
        self._invalid = QMediaPlayer.MediaStatus.InvalidMedia

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        self._on_finished = on_finished
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()

    def stop(self) -> None:
        self._on_finished = None
        self._player.stop()

    def _finish(self) -> None:
        callback, self._on_finished = self._on_finished, None
        if callback is not None:
            callback()

    def _status(self, status: object) -> None:
        if status in (self._ended, self._invalid):
            self._finish()

    def _error(self, *_args: object) -> None:
        log.warning("audio playback failed: %s", self._player.errorString())
        self._finish()


class RecordingPlayer:
    """Plays nothing; remembers each file. ``auto_finish`` ends playback at once (a zero-length
    speaker); otherwise the test calls :meth:`finish` when its simulated time says so."""

    def __init__(self, auto_finish: bool = True) -> None:
        self.auto_finish = auto_finish
        self.played: list[Path] = []
        self._pending: Callable[[], None] | None = None

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        assert self._pending is None, "two files played at once"
        self.played.append(path)
        if self.auto_finish:
            on_finished()
        else:
            self._pending = on_finished

    def finish(self) -> None:
        callback, self._pending = self._pending, None
        if callback is not None:
            callback()

    def stop(self) -> None:
        self._pending = None


class TimedRecordingPlayer:
    """Takes each file's real length to "play" it (a Qt timer, never a sleep) and logs
    ``{"source", "file", "start", "end"}`` with :func:`time.monotonic` times (one clock for every
    process on the machine) to ``log_path``, one JSON line per file."""

    _write_lock = threading.Lock()

    def __init__(self, log_path: Path, source: str, *, now: Callable[[], float] = time.monotonic) -> None:
        self.log_path = Path(log_path)
        self.source = source
        self.now = now
        self._timer: QTimer | None = None
        self._on_finished: Callable[[], None] | None = None

    @property
    def busy(self) -> bool:
        return self._on_finished is not None

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        assert self._on_finished is None, "two files played at once"
        started = self.now()
        self._on_finished = on_finished
        timer = QTimer(singleShot=True)
        timer.timeout.connect(lambda: self._end(path, started))
        timer.start(max(1, round(wav_seconds(path) * 1000)))
        self._timer = timer

    def _end(self, path: Path, started: float) -> None:
        record = {"source": self.source, "file": path.name, "start": started, "end": self.now()}
        with self._write_lock, self.log_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        callback, self._on_finished, self._timer = self._on_finished, None, None
        if callback is not None:
            callback()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = None
        self._on_finished = None


def read_play_log(log_path: Path) -> list[dict[str, object]]:
    """The records a :class:`TimedRecordingPlayer` (or several, sharing the file) wrote, by start time."""
    if not log_path.exists():
        return []
    lines = log_path.read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines if line.strip()), key=lambda r: float(r["start"]))
