"""One loudspeaker shared by the programs on one PC: the display's calls and the kiosk's guidance.

When the hall display and a kiosk run on the same machine they play through the same speaker, so
they must never talk over each other, and a call (a citizen's number) matters more than guidance
(a screen read aloud). Two small lock files in a runtime directory make that rule hold across
processes without a broker:

* ``speaker.lock`` — held (exclusively) by whoever is playing, one utterance or phrase at a time;
* ``calls-waiting.lock`` — held (shared) by every display that has a call queued. Guidance starts
  only when no one holds it, so a waiting call always goes next; guidance already playing finishes
  its one short phrase first (that is the most a call waits for guidance).

Everything is non-blocking (``try_*``): the Qt programs poll from their timers and never stall the
GUI thread on a lock. The locks are ``flock`` locks, bound to the open file: a crashed program
drops them with its file descriptors, so a dead process never silences the hall.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO

try:  # POSIX (the hall PCs run Debian)
    import fcntl
except ImportError:  # pragma: no cover - Windows development machines
    fcntl = None  # type: ignore[assignment]

SPEAKER_FILE = "speaker.lock"
CALLS_WAITING_FILE = "calls-waiting.lock"


class Priority(StrEnum):
    CALL = "call"  # the display calling a number: goes before any guidance
    GUIDANCE = "guidance"  # the kiosk reading a screen: only when no call waits


def default_channel_dir() -> Path:
    """The machine's runtime directory for the speaker locks (per user: programs of one hall user share it)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "hallq-speaker"
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"hallq-speaker-{uid}"


class _FileLock:
    """A non-blocking flock on one file, opened once and kept open for the program's life."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self.held: str = ""  # "", "shared" or "exclusive"

    def _handle(self) -> IO[bytes]:
        if self._file is None:
            self._file = self.path.open("a+b")
        return self._file

    def try_lock(self, shared: bool = False) -> bool:
        wanted = "shared" if shared else "exclusive"
        if self.held == wanted:
            return True
        if fcntl is None:  # pragma: no cover - no cross-process lock: this process alone decides
            self.held = wanted
            return True
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
        try:
            fcntl.flock(self._handle().fileno(), mode)
        except BlockingIOError:
            return False
        self.held = wanted
        return True

    def unlock(self) -> None:
        if not self.held:
            return
        if fcntl is not None and self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self.held = ""

    def close(self) -> None:
        self.unlock()
        if self._file is not None:
            self._file.close()
            self._file = None


class SpeakerChannel:
    """This program's handle on the machine's one speaker. Open one per program (or per app in a test:
    two handles in one process exclude each other just like two processes do)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory else default_channel_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._speaker = _FileLock(self.directory / SPEAKER_FILE)
        self._calls_waiting = _FileLock(self.directory / CALLS_WAITING_FILE)

    @property
    def speaking(self) -> bool:
        """Whether this handle holds the speaker now."""
        return bool(self._speaker.held)

    def mark_call_waiting(self, waiting: bool) -> None:
        """A display says it has (or no longer has) a call queued; guidance holds back meanwhile."""
        if waiting:
            self._calls_waiting.try_lock(shared=True)  # shared: several displays may wait at once
        else:
            self._calls_waiting.unlock()

    def calls_waiting(self) -> bool:
        """Whether some program on the machine has a call queued (never true for our own guidance)."""
        if self._calls_waiting.held:
            return True
        if not self._calls_waiting.try_lock(shared=False):
            return True
        self._calls_waiting.unlock()
        return False

    def try_acquire(self, priority: Priority) -> bool:
        """Take the speaker for one utterance, or say no at once. Guidance yields to waiting calls."""
        if priority is Priority.GUIDANCE and self.calls_waiting():
            return False
        return self._speaker.try_lock()

    def release(self) -> None:
        self._speaker.unlock()

    def close(self) -> None:
        self._speaker.close()
        self._calls_waiting.close()
