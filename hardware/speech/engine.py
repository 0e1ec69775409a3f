"""The one thread that owns the pyttsx3 engine.

pyttsx3 is not thread-safe: two threads driving an engine crash the process. Worse, the espeak
driver keeps process-wide state (espeak-ng is initialised once per process and its synthesis
callback points at the *latest* driver created), so two engines in one process — even on one
thread each — steal each other's audio. Hence one :class:`EngineWorker` per driver per process,
shared by every :class:`~hardware.speech.announcer.Announcer` through :func:`acquire_worker` and
living until the process exits. Jobs arrive on a queue; each job is one ``save_to_file`` followed
by one ``runAndWait``, and the next job starts only when the file is complete and espeak-ng is idle
(see :class:`ThreadBoundEngine` for the two pyttsx3 2.99 races this avoids). Nothing else in the
process may create a pyttsx3 engine.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import tempfile
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.speech.voices import VoiceInfo
from hardware.speech.wav import read_wav_info

log = logging.getLogger(__name__)


class SpeechError(RuntimeError):
    """A phrase could not be rendered."""


class WrongThreadError(RuntimeError):
    """Something other than the worker thread tried to touch the engine."""


class ThreadBoundEngine:
    """The pyttsx3 engine behind a guard: every call checks it comes from the owning thread and
    records the caller, so tests can show that only the worker ever called into it.

    On Linux pyttsx3 2.99 starts espeak-ng in ``AUDIO_OUTPUT_RETRIEVAL`` mode, which is
    asynchronous: parameter changes and synthesis go through libespeak-ng's own command thread,
    and the driver's callback that writes the WAV runs there. Two races follow, both seen here:

    * ``runAndWait()`` can return before the file exists (always on a fresh engine, which starts
      "busy"). So :meth:`render` waits for the driver's ``finished-utterance`` notification and
      then for espeak-ng to go idle (``espeak_Synchronize``); the worker also warms the engine up
      with one throwaway phrase.
    * ``runAndWait()`` calls ``espeak_Cancel()`` when the command thread is still busy, which
      drops a rate change queued just before (phrases came out at the previous rate, or empty:
      10 of 60 alternating-rate renders). So :meth:`render` waits for idle before ``runAndWait``.

    Only the worker thread calls into the engine; the espeak callback thread only runs the
    driver's own code and sets an event here."""

    def __init__(self, engine: Any, driver: str) -> None:
        self._engine = engine
        self.driver = driver
        self.owner = threading.get_ident()
        self.touched_by: set[int] = set()
        self._finished = threading.Event()
        engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, **_: object) -> None:
        self._finished.set()   # may run on espeak-ng's thread: only sets an event

    def _check(self) -> Any:
        ident = threading.get_ident()
        self.touched_by.add(ident)
        if ident != self.owner:
            raise WrongThreadError("the speech engine may only be used by its worker thread")
        return self._engine

    def voices(self) -> list[VoiceInfo]:
        found = []
        for voice in self._check().getProperty("voices") or []:
            languages = tuple(str(code) for code in (getattr(voice, "languages", None) or ()) if code)
            found.append(VoiceInfo(id=str(voice.id), name=str(getattr(voice, "name", "") or ""), languages=languages))
        return found

    def current_voice(self) -> str:
        return str(self._check().getProperty("voice") or "")

    def connect(self, topic: str, callback: Any) -> None:
        self._check().connect(topic, callback)

    def _espeak_idle(self) -> None:
        if self.driver == "espeak":
            from pyttsx3.drivers import _espeak

            _espeak.Synchronize()   # returns when espeak-ng's command thread is idle

    def render(self, text: str, voice: str | None, rate: int, target: Path, timeout: float) -> None:
        engine = self._check()
        self._finished.clear()
        if voice:
            engine.setProperty("voice", voice)
        engine.setProperty("rate", rate)
        # espeak-ng applies the rate through its command thread, and pyttsx3's runAndWait() calls
        # espeak_Cancel() when that thread is busy — which throws the pending rate change away
        # (seen as phrases rendered at the previous rate). Wait for it to be applied first.
        self._espeak_idle()
        engine.save_to_file(text, str(target))
        engine.runAndWait()
        if not self._finished.wait(timeout):
            raise SpeechError(f"speech engine did not finish within {timeout:.0f} s")
        self._espeak_idle()         # espeak-ng's thread has left the driver's callback

    def warm_up(self, scratch: Path, timeout: float) -> None:
        """One throwaway render. A fresh pyttsx3 engine starts 'busy', so its first run only queues
        the property changes and returns before synthesis; after one run it behaves."""
        try:
            self.render("一", None, 150, scratch, timeout)
        finally:
            scratch.unlink(missing_ok=True)


@dataclass
class RenderJob:
    text: str
    voice: str | None
    rate: int
    target: Path
    future: Future[Path]


def _quiet_driver_print(*args: object, **_kwargs: object) -> None:
    # pyttsx3 2.99's espeak driver prints "Audio saved to ..." for every file; send it to the log.
    log.debug("pyttsx3: %s", " ".join(str(a) for a in args))


class EngineWorker:
    """A daemon thread that creates the engine, warms it up, then renders jobs one at a time."""

    def __init__(self, driver: str) -> None:
        self.driver = driver
        self.voices: list[VoiceInfo] = []
        self.init_error: BaseException | None = None
        self.rendered = 0
        self.render_timeout = 30.0
        self._engine: ThreadBoundEngine | None = None
        self._errors: list[BaseException] = []
        self._jobs: queue.SimpleQueue[RenderJob | None] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"hallq-speech-{driver}", daemon=True)

    @property
    def thread_ident(self) -> int | None:
        return self._thread.ident

    @property
    def engine_touched_by(self) -> frozenset[int]:
        return frozenset(self._engine.touched_by) if self._engine else frozenset()

    def start(self, timeout: float) -> None:
        """Start the thread and wait for the engine; raises :class:`SpeechError` if it cannot start."""
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SpeechError(f"speech engine {self.driver!r} did not start within {timeout:.0f} s")
        if self.init_error is not None:
            raise SpeechError(f"speech engine {self.driver!r} unavailable: {self.init_error}") from self.init_error

    def submit(self, job: RenderJob) -> None:
        self._jobs.put(job)

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            import pyttsx3.engine

            engine = ThreadBoundEngine(pyttsx3.engine.Engine(self.driver), self.driver)
            driver_module = sys.modules.get(f"pyttsx3.drivers.{self.driver}")
            if driver_module is not None and self.driver == "espeak":
                driver_module.print = _quiet_driver_print  # type: ignore[attr-defined]
            engine.connect("error", self._on_error)
            engine.warm_up(Path(tempfile.gettempdir()) / f"hallq-speech-warmup-{uuid.uuid4().hex}.wav", self.render_timeout)
            self.voices = engine.voices()
            self._engine = engine
        except BaseException as exc:  # any failure to load the driver means "no voice here"
            self.init_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while (job := self._jobs.get()) is not None:
                if job.future.set_running_or_notify_cancel():
                    try:
                        job.future.set_result(self._render(engine, job))
                    except BaseException as exc:
                        job.future.set_exception(exc)
        finally:
            self._engine = None
            # Drop pending jobs with a clear error rather than leaving their futures hanging.
            while True:
                try:
                    pending = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if pending is not None and pending.future.set_running_or_notify_cancel():
                    pending.future.set_exception(SpeechError("speech engine stopped"))

    def _on_error(self, name: object = None, exception: BaseException | None = None, **_: object) -> None:
        self._errors.append(exception or SpeechError(f"engine error in {name!r}"))

    def _render(self, engine: ThreadBoundEngine, job: RenderJob) -> Path:
        job.target.parent.mkdir(parents=True, exist_ok=True)
        tmp = job.target.with_name(f".{job.target.stem}.{uuid.uuid4().hex}.tmp.wav")
        self._errors.clear()
        try:
            engine.render(job.text, job.voice, job.rate, tmp, self.render_timeout)
            if self._errors:
                raise SpeechError(f"speech engine failed: {self._errors[0]}") from self._errors[0]
            if job.voice and engine.current_voice().lower() != job.voice.lower():
                raise SpeechError(f"speech engine did not switch to voice {job.voice!r} (it has {engine.current_voice()!r})")
            if not tmp.exists():
                raise SpeechError("speech engine wrote no file")
            info = read_wav_info(tmp)
            if info.frames == 0:
                raise SpeechError("speech engine wrote an empty file")
            os.replace(tmp, job.target)
            self.rendered += 1
            return job.target
        finally:
            tmp.unlink(missing_ok=True)


_workers: dict[str, EngineWorker] = {}
_workers_lock = threading.Lock()


def default_driver() -> str:
    """pyttsx3's driver for this platform: sapi5 on Windows, nsss on macOS, espeak elsewhere."""
    from pyttsx3.engine import default_engine_by_sys_platform

    return default_engine_by_sys_platform()


def acquire_worker(driver: str, start_timeout: float = 15.0) -> EngineWorker:
    """The process's worker for ``driver``, started on first use and kept until the process exits.

    It is never stopped and restarted in between: a discarded espeak engine, whenever the garbage
    collector gets to it, resets espeak-ng's process-wide synthesis callback and would silence
    the engine that replaced it. An idle worker costs one blocked thread."""
    with _workers_lock:
        worker = _workers.get(driver)
        if worker is None:
            worker = EngineWorker(driver)
            worker.start(start_timeout)   # raises SpeechError; nothing is registered then
            _workers[driver] = worker
        return worker


@atexit.register
def _stop_all_workers() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop(timeout=2.0)
