"""The kiosk's spoken guidance as a pure queue: which line of the current screen to read next.

Guidance is a courtesy, a call is not: guidance waits for calls (see
:mod:`hardware.speech.channel`), and what it waited too long to say is no longer worth saying.
So the queue keeps only the screen the citizen is looking at (a new screen replaces what was not
yet read), reads its lines in order, and drops the rest of a reading once the next line has
waited longer than ``max_wait_seconds`` for the speaker. Time is passed in (monotonic seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hall.announcements import Lang, Phrase

DEFAULT_MAX_WAIT_SECONDS = 6.0  # about two calls said twice: after that the citizen has moved on


@dataclass(frozen=True)
class GuidanceLine:
    phrase: Phrase
    reading: int  # which screen reading it belongs to (a new screen starts a new reading)


@dataclass(frozen=True)
class DroppedGuidance:
    line: GuidanceLine
    reason: str  # "stale" (waited too long) or "superseded" (the screen changed)
    at: float


class GuidanceQueue:
    def __init__(self, max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS) -> None:
        if max_wait_seconds <= 0:
            raise ValueError("max_wait_seconds must be positive")
        self.max_wait_seconds = max_wait_seconds
        self.reading = 0
        self._lines: list[GuidanceLine] = []
        self._head_since = 0.0  # when the first waiting line became next in turn
        self.dropped: list[DroppedGuidance] = []

    @property
    def waiting(self) -> list[GuidanceLine]:
        return list(self._lines)

    def read(self, texts: Iterable[tuple[str, Lang]], now: float) -> int:
        """Read a new screen: its lines replace whatever of the last one was not said yet."""
        self.clear(now, reason="superseded")
        self.reading += 1
        self._lines = [GuidanceLine(Phrase(text.strip(), lang), self.reading) for text, lang in texts if text.strip()]
        self._head_since = now
        return self.reading

    def clear(self, now: float, reason: str = "superseded") -> None:
        self.dropped.extend(DroppedGuidance(line, reason, now) for line in self._lines)
        self._lines = []

    def expire(self, now: float) -> bool:
        """Drop the reading when its next line has waited too long (the rest of it is stale too)."""
        if self._lines and now - self._head_since > self.max_wait_seconds:
            self.clear(now, reason="stale")
            return True
        return False

    def next_line(self, now: float) -> GuidanceLine | None:
        """The line to say now, taken off the queue; ``None`` when nothing is left or it went stale."""
        self.expire(now)
        return self._lines.pop(0) if self._lines else None

    def peek(self) -> GuidanceLine | None:
        return self._lines[0] if self._lines else None

    def line_finished(self, now: float) -> None:
        """The speaker finished a line: the next one's wait starts now."""
        self._head_since = now
