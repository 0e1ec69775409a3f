"""The 叮咚 before a call: two bell-like tones (E5 then C5) synthesised with plain math and the
``wave`` module, so every hall has the same chime without shipping a sound file or a TTS engine.
The file is written once per parameter set into the speech cache and reused."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from hardware.speech.wav import write_pcm16


@dataclass(frozen=True)
class ChimeSpec:
    first_hz: float = 659.25      # E5, the 叮
    second_hz: float = 523.25     # C5, the 咚
    note_seconds: float = 0.75
    second_at: float = 0.38       # the second tone starts while the first still rings
    decay: float = 5.0            # exponential decay per second
    volume: float = 0.45          # of full scale; speech from espeak peaks around 0.5-0.9
    rate: int = 22050             # same rate as espeak-ng output, so a player need not resample

    @property
    def seconds(self) -> float:
        return self.second_at + self.note_seconds

    def key(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


def _bell(t: float, hz: float, spec: ChimeSpec) -> float:
    if t < 0 or t >= spec.note_seconds:
        return 0.0
    attack = min(1.0, t / 0.006)              # 6 ms attack: no click
    release = min(1.0, (spec.note_seconds - t) / 0.05)   # 50 ms fade: no click at the end
    envelope = attack * release * math.exp(-spec.decay * t)
    tone = math.sin(2 * math.pi * hz * t) + 0.35 * math.sin(2 * math.pi * 2 * hz * t) + 0.12 * math.sin(2 * math.pi * 3 * hz * t)
    return envelope * tone / 1.47


def chime_samples(spec: ChimeSpec = ChimeSpec()) -> list[int]:
    count = round(spec.seconds * spec.rate)
    scale = 32767 * spec.volume
    out: list[int] = []
    for i in range(count):
        t = i / spec.rate
        value = _bell(t, spec.first_hz, spec) + _bell(t - spec.second_at, spec.second_hz, spec)
        out.append(round(max(-1.0, min(1.0, value)) * scale))
    return out


def chime_wav(directory: Path, spec: ChimeSpec = ChimeSpec()) -> Path:
    """The chime as a WAV file in ``directory``; generated on first use, then reused."""
    path = Path(directory) / f"chime-{spec.key()}.wav"
    if not path.exists():
        write_pcm16(path, chime_samples(spec), spec.rate)
    return path
