"""Turning phrases into WAV files for the display to play.

The display never waits on speech: :meth:`Announcer.render` returns a ``Future[Path]`` at once
and the WAV is produced by the engine worker (see :mod:`hardware.speech.engine`). Rendered files
are kept in an on-disk cache keyed by a hash of driver, voice, rate and text, so a hall's few
hundred distinct calls are synthesised once and then cost a file lookup. Playback is not here:
the display plays the files with QtMultimedia.

When there is no engine (pyttsx3 missing, driver or espeak-ng library not loadable, no Chinese
voice) the display gets a :class:`SilentAnnouncer` whose :attr:`status` says why, in Chinese and
English, and keeps showing calls on screen.
"""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hall.announcements import Lang, Phrase
from hall.text import Bilingual
from hardware.speech.chime import chime_wav
from hardware.speech.engine import (
    EngineWorker,
    RenderJob,
    SpeechError,
    acquire_worker,
    default_driver,
)
from hardware.speech.voices import pick_voice

CACHE_FORMAT = 1          # bump to invalidate every cached phrase after a change in rendering
DEFAULT_RATE = 150        # words per minute in pyttsx3 terms; espeak's default 175 is hurried for calls


class SpeechUnavailable(SpeechError):
    """No voice for this request. Carries a bilingual reason for the display's status line."""

    def __init__(self, reason: Bilingual) -> None:
        super().__init__(str(reason))
        self.reason = reason


class StatusLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"          # speaking, but something is off (e.g. no English voice)
    UNAVAILABLE = "unavailable"  # silent: calls are shown, not spoken


@dataclass(frozen=True)
class AnnouncerStatus:
    level: StatusLevel
    message: Bilingual
    detail: str = ""             # technical detail for the log, not for the hall

    @property
    def speaking(self) -> bool:
        return self.level is not StatusLevel.UNAVAILABLE


class PhraseRenderer(Protocol):
    """What the display holds: :class:`Announcer`, :class:`SilentAnnouncer` or the recording fake."""

    @property
    def status(self) -> AnnouncerStatus: ...

    def render(self, text: str, lang: Lang | str = Lang.ZH) -> Future[Path]: ...

    def render_phrase(self, phrase: Phrase) -> Future[Path]: ...

    def chime_path(self) -> Path | None: ...

    def close(self) -> None: ...


def _done(path: Path) -> Future[Path]:
    future: Future[Path] = Future()
    future.set_result(path)
    return future


def _failed(exc: BaseException) -> Future[Path]:
    future: Future[Path] = Future()
    future.set_exception(exc)
    return future


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("hallq")) / "speech"


def cache_key(text: str, voice: str, rate: int, driver: str) -> str:
    payload = json.dumps([CACHE_FORMAT, driver, voice, rate, text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Announcer:
    """Speech through pyttsx3: espeak-ng on Linux, SAPI5 on Windows, voices picked by language.

    Raises :class:`SpeechUnavailable` when the engine cannot start or has no Chinese voice;
    :func:`hardware.speech.open_announcer` turns that into a :class:`SilentAnnouncer`."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        driver: str | None = None,
        voice_zh: str | None = None,
        voice_en: str | None = None,
        rate: int = DEFAULT_RATE,
        start_timeout: float = 15.0,
    ) -> None:
        if not 50 <= rate <= 500:
            raise ValueError(f"speech rate {rate} is outside 50..500 words per minute")
        try:
            self.driver = driver or default_driver()
            self._worker: EngineWorker | None = acquire_worker(self.driver, start_timeout)
        except ImportError as exc:
            raise SpeechUnavailable(Bilingual("未安装 pyttsx3，语音播报不可用", "pyttsx3 is not installed: no voice")) from exc
        except SpeechError as exc:
            raise SpeechUnavailable(Bilingual(
                f"语音引擎“{driver or '默认'}”无法启动，语音播报不可用",
                f"speech engine '{driver or 'default'}' cannot start: no voice",
            )) from exc
        worker = self._worker
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.rate = rate
        self.voices: dict[Lang, str | None] = {
            Lang.ZH: pick_voice(worker.voices, Lang.ZH, voice_zh),
            Lang.EN: pick_voice(worker.voices, Lang.EN, voice_en),
        }
        if self.voices[Lang.ZH] is None:
            self.close()
            wanted_zh = f"“{voice_zh}”" if voice_zh else ""
            wanted_en = f" '{voice_zh}'" if voice_zh else ""
            raise SpeechUnavailable(Bilingual(
                f"未找到中文语音{wanted_zh}，语音播报不可用（Linux 请安装 espeak-ng）",
                f"no Chinese voice{wanted_en} found: no voice (on Linux install espeak-ng)",
            ))
        self.cache_hits = 0
        self.synthesised = 0
        self.failures = 0
        self._last_error = ""
        self._lock = threading.Lock()
        self._in_flight: dict[str, Future[Path]] = {}

    # -- status -----------------------------------------------------------------------------

    @property
    def status(self) -> AnnouncerStatus:
        detail = f"driver={self.driver} zh={self.voices[Lang.ZH]} en={self.voices[Lang.EN]} rate={self.rate}"
        if self._worker is None:
            return AnnouncerStatus(StatusLevel.UNAVAILABLE, Bilingual("语音播报已关闭", "voice closed"), detail)
        if self._last_error:
            return AnnouncerStatus(
                StatusLevel.WARNING,
                Bilingual("最近一次语音合成失败，该次呼叫仅在屏幕显示", "the last phrase failed to render: shown on screen only"),
                f"{detail}; {self._last_error}",
            )
        if self.voices[Lang.EN] is None:
            return AnnouncerStatus(
                StatusLevel.WARNING, Bilingual("中文语音正常，未找到英语语音", "Chinese voice ready, no English voice"), detail
            )
        return AnnouncerStatus(StatusLevel.OK, Bilingual("语音播报正常", "voice ready"), detail)

    @property
    def worker_thread_ident(self) -> int | None:
        return self._worker.thread_ident if self._worker else None

    @property
    def engine_touched_by(self) -> frozenset[int]:
        """Threads that ever called into the engine: only ever the worker's."""
        return self._worker.engine_touched_by if self._worker else frozenset()

    # -- rendering --------------------------------------------------------------------------

    def cached_path(self, text: str, lang: Lang | str = Lang.ZH) -> Path:
        voice = self.voices.get(Lang(lang)) or ""
        return self.cache_dir / f"{cache_key(text.strip(), voice, self.rate, self.driver)}.wav"

    def render(self, text: str, lang: Lang | str = Lang.ZH) -> Future[Path]:
        """The WAV for ``text`` in ``lang``: done at once from the cache, else rendered by the worker.
        Safe to call from any thread (the GUI thread included): it never touches the engine."""
        lang = Lang(lang)
        text = text.strip()
        if not text:
            return _failed(ValueError("nothing to say"))
        worker = self._worker
        if worker is None:
            return _failed(SpeechUnavailable(Bilingual("语音播报已关闭", "voice closed")))
        voice = self.voices.get(lang)
        if voice is None:
            language = "英语" if lang is Lang.EN else "中文"
            return _failed(SpeechUnavailable(Bilingual(f"没有{language}语音", f"no {lang.value} voice")))
        target = self.cached_path(text, lang)
        key = target.stem
        with self._lock:
            if key in self._in_flight:
                return self._in_flight[key]
            if target.exists():
                self.cache_hits += 1
                return _done(target)
            future: Future[Path] = Future()
            self._in_flight[key] = future
        future.add_done_callback(lambda f, key=key: self._settled(key, f))
        worker.submit(RenderJob(text=text, voice=voice, rate=self.rate, target=target, future=future))
        return future

    def render_phrase(self, phrase: Phrase) -> Future[Path]:
        return self.render(phrase.text, phrase.lang)

    def _settled(self, key: str, future: Future[Path]) -> None:
        with self._lock:
            self._in_flight.pop(key, None)
            if future.cancelled():
                return
            error = future.exception()
            if error is None:
                self.synthesised += 1
                self._last_error = ""
            else:
                self.failures += 1
                self._last_error = str(error)

    def chime_path(self) -> Path | None:
        return chime_wav(self.cache_dir)

    def close(self) -> None:
        """Stop rendering through this announcer. The shared engine worker stays for the process
        (see :func:`hardware.speech.engine.acquire_worker`)."""
        self._worker = None

    def __enter__(self) -> Announcer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SilentAnnouncer:
    """No voice: every render fails with :class:`SpeechUnavailable` carrying the reason, and the
    status says why, so the display shows a visible warning and keeps working."""

    def __init__(self, reason: Bilingual, detail: str = "", level: StatusLevel = StatusLevel.UNAVAILABLE) -> None:
        self._status = AnnouncerStatus(level, reason, detail)

    @property
    def status(self) -> AnnouncerStatus:
        return self._status

    def render(self, text: str, lang: Lang | str = Lang.ZH) -> Future[Path]:
        return _failed(SpeechUnavailable(self._status.message))

    def render_phrase(self, phrase: Phrase) -> Future[Path]:
        return self.render(phrase.text, phrase.lang)

    def chime_path(self) -> Path | None:
        return None

    def close(self) -> None:
        pass
