"""The real announcer: pyttsx3 driving espeak-ng, writing WAV files into a cache, on one worker
thread. These tests synthesise speech for real (a phrase takes a few tens of milliseconds)."""

from __future__ import annotations

import ctypes.util
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hall.announcements import AnnouncementStyle, Call, Lang, phrases_for
from hardware.speech import (
    Announcer,
    SilentAnnouncer,
    SpeechUnavailable,
    StatusLevel,
    open_announcer,
    read_wav_info,
)
from hardware.speech.bench import main as bench_main
from hardware.speech.engine import ThreadBoundEngine, WrongThreadError

needs_espeak = pytest.mark.skipif(
    ctypes.util.find_library("espeak-ng") is None, reason="libespeak-ng is not installed (apt install espeak-ng)"
)

CHINESE = "请A零二三号到五号窗口办理"
ENGLISH = "Number A, zero two three, please go to window 5."


@pytest.fixture
def announcer(tmp_path: Path) -> Any:
    a = Announcer(cache_dir=tmp_path / "speech")
    yield a
    a.close()


@needs_espeak
def test_real_chinese_wav_from_espeak_is_speech(announcer: Announcer) -> None:
    assert announcer.voices[Lang.ZH] == "sit/cmn-latn-pinyin"
    assert announcer.status.level is StatusLevel.OK
    path = announcer.render(CHINESE, Lang.ZH).result(timeout=30)
    info = read_wav_info(path)
    assert info.channels == 1 and info.rate >= 16000
    assert 1.0 < info.seconds < 8.0
    assert info.rms > 0.02, "the WAV is (nearly) silent"
    assert path.parent == announcer.cache_dir and path.suffix == ".wav"


@needs_espeak
def test_real_english_wav_and_a_whole_call(announcer: Announcer) -> None:
    english = read_wav_info(announcer.render(ENGLISH, "en").result(timeout=30))
    assert 1.0 < english.seconds < 8.0 and english.rms > 0.02
    futures = [announcer.render_phrase(p) for p in phrases_for(Call("B107", 12, recall=True), AnnouncementStyle(english=True))]
    paths = [f.result(timeout=30) for f in futures]
    assert len(set(paths)) == 2 and all(read_wav_info(p).rms > 0.02 for p in paths)


@needs_espeak
def test_rate_changes_the_length_every_time(tmp_path: Path) -> None:
    # Alternating rates on the shared engine: a lost rate change (espeak-ng's command queue
    # cancelled by pyttsx3) shows up as two files of the same length.
    slow = Announcer(cache_dir=tmp_path, rate=110)
    fast = Announcer(cache_dir=tmp_path, rate=220)
    for n in range(8):
        text = f"请A{n:03d}号到五号窗口办理"
        slow_path, fast_path = slow.render(text).result(30), fast.render(text).result(30)
        assert slow_path != fast_path                                  # the rate is part of the cache key
        assert read_wav_info(slow_path).seconds > 1.5 * read_wav_info(fast_path).seconds


@needs_espeak
def test_cache_hit_returns_the_same_file_without_synthesis(announcer: Announcer) -> None:
    first = announcer.render(CHINESE).result(timeout=30)
    stamp = first.stat().st_mtime_ns
    synthesised = announcer.synthesised
    again = announcer.render(CHINESE)
    assert again.done()                                               # straight from the cache
    assert again.result() == first and first.stat().st_mtime_ns == stamp
    assert announcer.synthesised == synthesised and announcer.cache_hits >= 1


@needs_espeak
def test_a_second_announcer_finds_the_files_on_disk(tmp_path: Path) -> None:
    one = Announcer(cache_dir=tmp_path)
    path = one.render("请C三零一号到二十号窗口办理").result(30)
    two = Announcer(cache_dir=tmp_path)
    assert two.render("请C三零一号到二十号窗口办理").result(0) == path and two.synthesised == 0


@needs_espeak
def test_only_the_worker_thread_touches_the_engine(announcer: Announcer) -> None:
    texts = [f"请A{n:03d}号到{n % 9 + 1}号窗口办理" for n in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:                   # many callers at once
        futures = list(pool.map(announcer.render, texts))
    paths = [f.result(timeout=60) for f in futures]
    assert len(set(paths)) == len(texts) and all(p.exists() for p in paths)
    worker = announcer.worker_thread_ident
    assert worker is not None and worker != threading.get_ident()
    assert announcer.engine_touched_by == frozenset({worker})


@needs_espeak
def test_the_same_new_phrase_asked_twice_is_synthesised_once(announcer: Announcer) -> None:
    before = announcer.synthesised
    first, second = announcer.render("请D零九九号到七号窗口办理"), announcer.render("请D零九九号到七号窗口办理")
    assert first.result(30) == second.result(30)
    assert announcer.synthesised == before + 1


class _StubEngine:
    def connect(self, topic: str, callback: object) -> None:
        pass

    def getProperty(self, name: str) -> object:   # pyttsx3 spells it so
        return []


def test_the_engine_guard_refuses_other_threads() -> None:
    guarded = ThreadBoundEngine(_StubEngine(), "stub")     # owned by this thread
    errors: list[BaseException] = []

    def intruder() -> None:
        try:
            guarded.voices()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=intruder)
    thread.start()
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], WrongThreadError)
    assert guarded.voices() == []


def test_bad_driver_falls_back_to_silent_with_a_bilingual_reason(tmp_path: Path) -> None:
    silent = open_announcer(f"tts://no_such_driver?cache={tmp_path}")
    assert isinstance(silent, SilentAnnouncer)
    assert silent.status.level is StatusLevel.UNAVAILABLE and not silent.status.speaking
    assert "语音" in silent.status.message.zh and "no voice" in silent.status.message.en
    assert "no_such_driver" in silent.status.detail
    with pytest.raises(SpeechUnavailable) as raised:
        silent.render(CHINESE).result(1)
    assert raised.value.reason == silent.status.message
    assert silent.chime_path() is None


@needs_espeak
def test_missing_chinese_voice_falls_back_to_silent(tmp_path: Path) -> None:
    silent = open_announcer(f"tts://?voice=no-such-voice&cache={tmp_path}")
    assert isinstance(silent, SilentAnnouncer)
    assert "中文语音" in silent.status.message.zh


@needs_espeak
def test_missing_english_voice_is_a_warning_and_chinese_still_speaks(tmp_path: Path) -> None:
    a = open_announcer(f"tts://espeak?voice=sit/cmn-latn-pinyin&voice_en=no-such-voice&rate=160&cache={tmp_path}")
    assert isinstance(a, Announcer) and a.rate == 160
    assert a.status.level is StatusLevel.WARNING and a.status.speaking
    assert a.render(CHINESE).result(30).exists()
    with pytest.raises(SpeechUnavailable):
        a.render(ENGLISH, Lang.EN).result(1)


def test_silent_url_and_bad_urls() -> None:
    assert open_announcer("silent://").status.level is StatusLevel.UNAVAILABLE
    with pytest.raises(ValueError):
        open_announcer("beep://")
    with pytest.raises(ValueError):
        open_announcer("tts://?volume=3")
    with pytest.raises(ValueError):
        open_announcer("tts://?rate=fast")


@needs_espeak
def test_bad_rate_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        open_announcer(f"tts://?rate=9000&cache={tmp_path}")


@needs_espeak
def test_chime_lives_beside_the_phrases(announcer: Announcer) -> None:
    chime = announcer.chime_path()
    assert chime is not None and chime.parent == announcer.cache_dir and read_wav_info(chime).rms > 0.02


@needs_espeak
def test_bench_prints_cold_and_cached_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["--calls", "2"]) == 0
    out = capsys.readouterr().out
    assert "cold" in out and "cached" in out and "p99" in out
