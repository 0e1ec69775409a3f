"""A recording announcer: a real implementation of the display's speech interface that renders
nothing but remembers every phrase it was asked for and writes a tiny valid WAV for each, so the
demo and the tests run the display's whole speech path without an engine. Opened with
``record://DIR``; the phrases are also appended to ``DIR/phrases.jsonl`` for a person to read."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from hall.announcements import Lang, Phrase
from hall.text import Bilingual
from hardware.speech.announcer import AnnouncerStatus, StatusLevel
from hardware.speech.chime import chime_wav
from hardware.speech.wav import write_pcm16

FAKE_RATE = 8000


class RecordingAnnouncer:
    def __init__(self, directory: Path | str | None = None, *, seconds: float = 0.1) -> None:
        self.directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="hallq-speech-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seconds = seconds
        self.phrases: list[Phrase] = []
        self._lock = threading.Lock()

    @property
    def status(self) -> AnnouncerStatus:
        return AnnouncerStatus(StatusLevel.OK, Bilingual("语音播报（录制模式）", "voice (recording fake)"), str(self.directory))

    @property
    def log_path(self) -> Path:
        return self.directory / "phrases.jsonl"

    def render(self, text: str, lang: Lang | str = Lang.ZH) -> Future[Path]:
        phrase = Phrase(text.strip(), Lang(lang))
        future: Future[Path] = Future()
        if not phrase.text:
            future.set_exception(ValueError("nothing to say"))
            return future
        name = hashlib.sha256(f"{phrase.lang}\0{phrase.text}".encode()).hexdigest()[:20]
        path = self.directory / f"{name}.wav"
        with self._lock:
            self.phrases.append(phrase)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps({"lang": phrase.lang.value, "text": phrase.text}, ensure_ascii=False) + "\n")
            if not path.exists():
                write_pcm16(path, [0] * round(self.seconds * FAKE_RATE), FAKE_RATE)
        future.set_result(path)
        return future

    def render_phrase(self, phrase: Phrase) -> Future[Path]:
        return self.render(phrase.text, phrase.lang)

    def said(self) -> list[str]:
        """The texts asked for so far, in order."""
        with self._lock:
            return [p.text for p in self.phrases]

    def chime_path(self) -> Path | None:
        return chime_wav(self.directory)

    def close(self) -> None:
        pass
