"""Small WAV helpers on the standard ``wave`` module: read a file's length and loudness (to learn
phrase durations and to check that a render is not silent) and write 16-bit PCM atomically (a
half-written file in the cache would be played as noise forever)."""

from __future__ import annotations

import array
import math
import os
import sys
import uuid
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WavInfo:
    seconds: float
    frames: int
    rate: int
    channels: int
    rms: float        # root mean square of the samples, 0.0 (silence) .. 1.0 (full scale)
    peak: float       # largest absolute sample, 0.0 .. 1.0


def read_wav_info(path: Path | str) -> WavInfo:
    """Length and loudness of a 16-bit PCM WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported, not {8 * wav.getsampwidth()}-bit")
        frames, rate, channels = wav.getnframes(), wav.getframerate(), wav.getnchannels()
        data = wav.readframes(frames)
    samples = array.array("h")
    samples.frombytes(data[: len(data) - len(data) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if samples:
        rms = math.sqrt(math.fsum(s * s for s in samples) / len(samples)) / 32768.0
        peak = max(abs(min(samples)), abs(max(samples))) / 32768.0
    else:
        rms = peak = 0.0
    return WavInfo(seconds=frames / rate if rate else 0.0, frames=frames, rate=rate, channels=channels, rms=rms, peak=peak)


def wav_seconds(path: Path | str) -> float:
    """Just the length, without reading the samples (what the display feeds to the estimator)."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        return wav.getnframes() / rate if rate else 0.0


def write_pcm16(path: Path, samples: Iterable[int], rate: int) -> Path:
    """Write mono 16-bit samples to ``path`` via a temporary file and an atomic rename."""
    pcm = array.array("h", (max(-32768, min(32767, int(s))) for s in samples))
    if sys.byteorder == "big":
        pcm.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.tmp")
    try:
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm.tobytes())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
