"""The 叮咚 chime, WAV helpers, and the recording fake the demo uses."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from hall.announcements import Lang, Phrase
from hardware.speech import RecordingAnnouncer, open_announcer, read_wav_info
from hardware.speech.chime import ChimeSpec, chime_samples, chime_wav
from hardware.speech.wav import write_pcm16


def _strength(samples: list[int], rate: int, hz: float) -> float:
    """Goertzel-style magnitude of one frequency in a stretch of samples."""
    re = sum(s * math.cos(2 * math.pi * hz * i / rate) for i, s in enumerate(samples))
    im = sum(s * math.sin(2 * math.pi * hz * i / rate) for i, s in enumerate(samples))
    return math.hypot(re, im) / len(samples)


def test_chime_is_two_tones_high_then_low(tmp_path: Path) -> None:
    spec = ChimeSpec()
    path = chime_wav(tmp_path, spec)
    info = read_wav_info(path)
    assert info.rate == spec.rate and info.channels == 1
    assert info.seconds == pytest.approx(spec.seconds, abs=0.01)
    assert 0.02 < info.rms and info.peak < 0.99       # audible, not clipped
    samples = chime_samples(spec)
    ding = samples[: int(0.3 * spec.rate)]
    dong = samples[int((spec.second_at + 0.15) * spec.rate): int((spec.second_at + 0.45) * spec.rate)]
    assert _strength(ding, spec.rate, spec.first_hz) > 5 * _strength(ding, spec.rate, spec.second_hz)
    assert _strength(dong, spec.rate, spec.second_hz) > 2 * _strength(dong, spec.rate, spec.first_hz)
    assert abs(samples[0]) < 200 and abs(samples[-1]) < 200     # no click at either end


def test_chime_is_generated_once(tmp_path: Path) -> None:
    first = chime_wav(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert chime_wav(tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert chime_wav(tmp_path, ChimeSpec(first_hz=700.0)) != first


def test_write_pcm16_round_trip(tmp_path: Path) -> None:
    path = write_pcm16(tmp_path / "x.wav", [0, 16384, -16384, 40000], 8000)
    info = read_wav_info(path)
    assert (info.frames, info.rate, info.peak) == (4, 8000, pytest.approx(32767 / 32768))
    assert list(tmp_path.iterdir()) == [path]          # no temporary file left behind


def test_recording_announcer_records_phrases_and_writes_valid_wavs(tmp_path: Path) -> None:
    fake = open_announcer(f"record://{tmp_path}")
    assert isinstance(fake, RecordingAnnouncer) and fake.status.speaking
    a = fake.render("请A零二三号到五号窗口办理").result(1)
    b = fake.render_phrase(Phrase("Number A, zero two three, please go to window 5.", Lang.EN)).result(1)
    again = fake.render("请A零二三号到五号窗口办理").result(1)
    assert a == again and a != b
    assert read_wav_info(a).frames > 0
    assert fake.said() == ["请A零二三号到五号窗口办理", "Number A, zero two three, please go to window 5.", "请A零二三号到五号窗口办理"]
    lines = [json.loads(line) for line in fake.log_path.read_text(encoding="utf-8").splitlines()]
    assert lines[1] == {"lang": "en", "text": "Number A, zero two three, please go to window 5."}
    chime = fake.chime_path()
    assert chime is not None and chime.exists()
    with pytest.raises(ValueError):
        fake.render("  ").result(1)


def test_record_url_with_relative_and_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_announcer("record://voice/out")
    assert isinstance(relative, RecordingAnnouncer) and relative.directory == Path("voice/out")
    anywhere = open_announcer("record://")
    assert isinstance(anywhere, RecordingAnnouncer) and anywhere.directory.is_dir()
