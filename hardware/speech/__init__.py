"""Speech for the hall display: phrases rendered to cached WAV files by one engine worker,
chosen by URL like every hallq device.

``open_announcer(url)``:

* ``tts://`` — pyttsx3 on the platform's engine (espeak-ng on Linux, SAPI5 on Windows);
  ``tts://espeak`` or ``tts://?driver=sapi5`` picks the driver; query options ``voice`` (the
  Chinese voice, alias ``voice_zh``), ``voice_en``, ``rate`` (words per minute) and ``cache``
  (directory). Falls back to a :class:`SilentAnnouncer` with a bilingual reason when no engine or
  no Chinese voice is available.
* ``silent://`` — no voice, on purpose.
* ``record://DIR`` — :class:`~hardware.speech.fakes.RecordingAnnouncer` (demo and tests).

How the display uses it together with :class:`hall.announcements.AnnouncementQueue`::

    speech = open_announcer(settings.speech_url)        # show speech.status when not OK
    queue = AnnouncementQueue(style=..., zone=Zone.parse(settings.zone), repetitions=2, max_lag_seconds=30)
    # on a call event (recall=True for 重呼):
    queue.enqueue(Call(ticket, window, recall), time.monotonic())
    for phrase in phrases_for(call, queue.style):        # warm the cache while the call waits
        speech.render_phrase(phrase)
    # whenever the player is idle, and on a timer:
    u = queue.next_to_speak(time.monotonic())
    if u: play speech.chime_path() if u.chime, then each speech.render_phrase(p).result() in order;
          queue.estimator.learn(p, wav_seconds(path)) for each; queue.finished(now) at the end
          (also at once when a render fails with SpeechUnavailable or playback errors).
    # log / mark on screen: queue.take_dropped()  (the calls the voice skipped, with a reason)
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hall.text import Bilingual
from hardware.speech.announcer import (
    DEFAULT_RATE,
    Announcer,
    AnnouncerStatus,
    PhraseRenderer,
    SilentAnnouncer,
    SpeechUnavailable,
    StatusLevel,
    default_cache_dir,
)
from hardware.speech.chime import ChimeSpec, chime_wav
from hardware.speech.engine import SpeechError
from hardware.speech.fakes import RecordingAnnouncer
from hardware.speech.wav import WavInfo, read_wav_info, wav_seconds

__all__ = [
    "Announcer",
    "AnnouncerStatus",
    "ChimeSpec",
    "PhraseRenderer",
    "RecordingAnnouncer",
    "SilentAnnouncer",
    "SpeechError",
    "SpeechUnavailable",
    "StatusLevel",
    "WavInfo",
    "chime_wav",
    "default_cache_dir",
    "open_announcer",
    "read_wav_info",
    "wav_seconds",
]

_QUERY_KEYS = {"voice", "voice_zh", "voice_en", "rate", "driver", "cache"}


def open_announcer(url: str = "tts://", *, cache_dir: Path | None = None) -> PhraseRenderer:
    """The display's speech, chosen by URL. Never raises for a missing engine (that gives a
    :class:`SilentAnnouncer` whose status explains); raises ``ValueError`` for a malformed URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "silent":
        return SilentAnnouncer(Bilingual("语音播报已关闭（silent://）", "voice turned off (silent://)"))
    if scheme == "record":
        location = unquote(parts.netloc + parts.path)
        return RecordingAnnouncer(Path(location) if location else None)
    if scheme != "tts":
        raise ValueError(f"unknown speech URL {url!r}: use tts://, silent:// or record://DIR")
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - _QUERY_KEYS
    if unknown:
        raise ValueError(f"speech URL {url!r}: unknown option(s) {sorted(unknown)}; known: {sorted(_QUERY_KEYS)}")
    try:
        rate = int(query.get("rate") or 0) or None
    except ValueError as exc:
        raise ValueError(f"speech URL {url!r}: rate must be a whole number of words per minute") from exc
    driver = parts.netloc or query.get("driver") or None
    cache = Path(query["cache"]) if query.get("cache") else cache_dir
    try:
        return Announcer(
            cache_dir=cache,
            driver=driver,
            voice_zh=query.get("voice_zh") or query.get("voice") or None,
            voice_en=query.get("voice_en") or None,
            rate=rate or DEFAULT_RATE,
        )
    except SpeechUnavailable as exc:
        cause = exc.__cause__
        return SilentAnnouncer(exc.reason, detail=f"{exc.reason.en}: {cause!r}" if cause else exc.reason.en)
