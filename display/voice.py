"""The hall's voice on the Qt side: calls go into the pure :class:`AnnouncementQueue`, phrases
come from the speech :class:`~hardware.speech.PhraseRenderer` (rendered on its own engine
worker; the GUI thread only waits through :func:`ui.worker.run_in_background`), and a
:class:`Player` plays the chime then each phrase, one file at a time, never two utterances at once.

The player is injected: :class:`QtPlayer` (QtMultimedia) in a hall, :class:`RecordingPlayer` in
tests and offscreen, where there may be no audio output (both from :mod:`ui.voice_player`, shared
with the kiosk's spoken guidance). With a :class:`~hardware.speech.channel.SpeakerChannel` the
display shares the PC's speaker with a kiosk on the same machine: while a call is queued it marks
"call waiting" (guidance holds back) and each utterance takes the speaker lock first, polled from
the timer, never waited for. Time is injected too (``now``), so a
test drives a burst of calls through simulated seconds.

Without a voice (no engine, no Chinese voice, ``silent://``) the controller says so through
:attr:`VoiceController.warning` / ``status_changed`` and ignores calls; the screen keeps working.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from hall.announcements import AnnouncementQueue, Call, Dropped, Utterance, phrases_for
from hardware.speech import PhraseRenderer, StatusLevel, wav_seconds
from hardware.speech.channel import Priority, SpeakerChannel
from ui.voice_player import Player, QtPlayer, RecordingPlayer, TimedRecordingPlayer
from ui.worker import run_in_background

__all__ = ["Player", "QtPlayer", "RecordingPlayer", "TimedRecordingPlayer", "VoiceController"]

log = logging.getLogger(__name__)


class VoiceController(QObject):
    utterance_started = Signal(object)   # Utterance
    utterance_finished = Signal(object)  # Utterance
    calls_dropped = Signal(list)         # [Dropped]: shown on screen, not spoken
    status_changed = Signal(str)         # warning text, "" when the voice is fine

    def __init__(
        self,
        renderer: PhraseRenderer,
        player: Player,
        queue: AnnouncementQueue | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        tick_ms: int = 250,
        channel: SpeakerChannel | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self.player = player
        self.queue = queue or AnnouncementQueue()
        self.now = now
        self.channel = channel
        self.spoken: list[Utterance] = []
        self.dropped: list[Dropped] = []
        self._playing: Utterance | None = None
        self._generation = 0
        status = renderer.status
        self.enabled = status.speaking
        self.warning = "" if status.level is StatusLevel.OK else f"{status.message.zh} / {status.message.en}"
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.pump)
        if tick_ms > 0:
            self._timer.start(tick_ms)

    @property
    def busy(self) -> bool:
        return self._playing is not None

    def announce(self, call: Call) -> None:
        """A call to speak (already filtered for staleness by the model)."""
        if not self.enabled:
            return
        self.queue.enqueue(call, self.now())
        for phrase in phrases_for(call, self.queue.style):   # warm the cache while the call waits
            self.renderer.render_phrase(phrase)
        self.pump()

    def pump(self) -> None:
        """Start the next utterance when the speaker is free; report calls the voice gave up."""
        if not self.enabled:
            return
        if self._playing is None:
            utterance = self._next_utterance()
            if utterance is not None:
                self._start(utterance)
        dropped = self.queue.take_dropped()
        if dropped:
            self.dropped.extend(dropped)
            self.calls_dropped.emit(dropped)

    def _next_utterance(self) -> Utterance | None:
        """The queue's next utterance, once the shared speaker (if any) is ours for it."""
        channel = self.channel
        if channel is None:
            return self.queue.next_to_speak(self.now())
        due = self.queue.due
        channel.mark_call_waiting(due)  # re-marked every pump: a guidance probe may have held the file a moment
        if not due or not channel.try_acquire(Priority.CALL):
            return None
        utterance = self.queue.next_to_speak(self.now())
        if utterance is None:
            channel.release()
            channel.mark_call_waiting(self.queue.due)
        return utterance

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1
        self.player.stop()
        self._playing = None
        if self.channel is not None:
            self.channel.release()
            self.channel.mark_call_waiting(False)

    # -- one utterance ----------------------------------------------------------------------

    def _start(self, utterance: Utterance) -> None:
        self._playing = utterance
        self.spoken.append(utterance)
        self.utterance_started.emit(utterance)
        futures = [self.renderer.render_phrase(p) for p in utterance.phrases]
        generation = self._generation
        if all(f.done() for f in futures):
            self._rendered(utterance, generation, futures)
        else:
            run_in_background(
                lambda: [f.result(timeout=60) for f in futures],
                lambda _paths: self._rendered(utterance, generation, futures),
                lambda error: self._failed(utterance, generation, error),
            )

    def _rendered(self, utterance: Utterance, generation: int, futures: list[Future[Path]]) -> None:
        if generation != self._generation:
            return
        try:
            paths = [f.result() for f in futures]
        except Exception as error:
            self._failed(utterance, generation, error)
            return
        for phrase, path in zip(utterance.phrases, paths, strict=True):
            try:
                self.queue.estimator.learn(phrase, wav_seconds(path))
            except Exception:  # an unreadable length only costs the estimate
                pass
        chime = self.renderer.chime_path() if utterance.chime else None
        playlist = ([chime] if chime else []) + paths
        self._play_next(utterance, generation, playlist)

    def _play_next(self, utterance: Utterance, generation: int, playlist: list[Path]) -> None:
        if generation != self._generation:
            return
        if not playlist:
            self._done(utterance)
            return
        head, rest = playlist[0], playlist[1:]
        self.player.play(head, lambda: QTimer.singleShot(0, lambda: self._play_next(utterance, generation, rest)))

    def _failed(self, utterance: Utterance, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        log.warning("could not speak %s: %s", utterance.call.ticket, error)
        status = self.renderer.status
        self.warning = f"{status.message.zh} / {status.message.en}"
        self.status_changed.emit(self.warning)
        self._done(utterance)

    def _done(self, utterance: Utterance) -> None:
        self.queue.finished(self.now())
        self._playing = None
        if self.channel is not None:
            self.channel.mark_call_waiting(self.queue.due)  # before the release: a waiting call keeps its turn
            self.channel.release()
        self.utterance_finished.emit(utterance)
        self.pump()
