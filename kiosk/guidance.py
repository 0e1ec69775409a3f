"""The kiosk's voice: reads the screen's title and choices aloud through the hall's speech backend.

Lines go into the pure :class:`~hardware.speech.guidance.GuidanceQueue` (a new screen replaces the
old reading; lines that waited too long are dropped), are rendered by the speech renderer chosen by
URL like the display's (``tts://``, ``silent://``, ``record://DIR``) on its own worker, and are
played one phrase at a time. Each phrase first takes the PC's shared speaker
(:class:`~hardware.speech.channel.SpeakerChannel`) as *guidance*: it never starts while the hall
display on the same PC has a call waiting or playing. Everything is polled from a Qt timer; the GUI
thread never waits for a render, a lock or the audio.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from hall.announcements import Lang
from hardware.speech import PhraseRenderer
from hardware.speech.channel import Priority, SpeakerChannel
from hardware.speech.guidance import DEFAULT_MAX_WAIT_SECONDS, GuidanceLine, GuidanceQueue
from kiosk.texts import Text
from ui.voice_player import Player

log = logging.getLogger(__name__)

PUMP_MS = 100


class GuidanceSpeaker(QObject):
    """Say a screen's lines on request; ``said`` keeps what was started, for tests and the log."""

    def __init__(
        self,
        renderer: PhraseRenderer,
        player: Player,
        channel: SpeakerChannel | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        tick_ms: int = PUMP_MS,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.player = player
        self.channel = channel
        self.now = now
        self.queue = GuidanceQueue(max_wait_seconds)
        self.said: list[GuidanceLine] = []
        self._renders: dict[GuidanceLine, Future[Path]] = {}
        self._playing: GuidanceLine | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.pump)
        if tick_ms > 0:
            self._timer.start(tick_ms)

    @property
    def available(self) -> bool:
        return self.renderer.status.speaking

    @property
    def unavailable_text(self) -> Text:
        message = self.renderer.status.message
        return Text(f"语音播报不可用：{message.zh}", f"Voice guidance unavailable: {message.en}")

    @property
    def busy(self) -> bool:
        return self._playing is not None or bool(self.queue.waiting)

    def read(self, lines: Iterable[str], language: str) -> None:
        """Read these lines (the current screen, in the kiosk's language) after any phrase playing now."""
        if not self.available:
            return
        lang = Lang.EN if language == "en" else Lang.ZH
        self.queue.read(((line, lang) for line in lines), self.now())
        self._renders = {line: self.renderer.render_phrase(line.phrase) for line in self.queue.waiting}  # warm while waiting
        self.pump()

    def hush(self) -> None:
        """Stop reading the current screen (the phrase on the speaker ends by itself: it is short)."""
        self.queue.clear(self.now())

    def pump(self) -> None:
        if self._playing is not None:
            return
        now = self.now()
        self.queue.expire(now)
        head = self.queue.peek()
        if head is None:
            return
        render = self._renders.get(head)
        if render is None or not render.done():
            return  # take the speaker only with the sound ready: a call never waits for our render
        if self.channel is not None and not self.channel.try_acquire(Priority.GUIDANCE):
            return  # a call is waiting or playing: try again on the next tick
        line = self.queue.next_line(now)
        if line is None:
            self._release()
            return
        try:
            path = render.result()
        except Exception as error:  # a phrase that cannot be rendered is skipped, the screen still shows it
            log.warning("guidance phrase not rendered: %s", error)
            self._release()
            return
        self._playing = line
        self.said.append(line)
        self.player.play(path, lambda: QTimer.singleShot(0, self._finished))

    def _finished(self) -> None:
        self._playing = None
        self.queue.line_finished(self.now())
        self._release()
        self.pump()

    def _release(self) -> None:
        if self.channel is not None:
            self.channel.release()

    def stop(self) -> None:
        self._timer.stop()
        self.queue.clear(self.now())
        self.player.stop()
        self._playing = None
        self._release()
