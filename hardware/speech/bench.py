"""How long speech takes: each phrase rendered cold (fresh cache, real synthesis) and then again
from the cache, with p50/p99 of both and the audio length. Run ``python -m hardware.speech.bench``
(options: ``--url``, ``--calls``). Figures are printed, never asserted (DESIGN.md §7)."""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from hall.announcements import AnnouncementStyle, Call, Phrase, phrases_for
from hardware.speech import PhraseRenderer, open_announcer, wav_seconds


def sample_phrases(calls: int) -> list[Phrase]:
    style = AnnouncementStyle(english=True)
    phrases: list[Phrase] = []
    for i in range(calls):
        call = Call(f"{'ABCDV'[i % 5]}{(i * 37) % 400 + 1:03d}", window=(i * 7) % 40 + 1, recall=i % 4 == 3)
        phrases.extend(phrases_for(call, style))
    return phrases


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: honest for the few samples a bench takes."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def _time_renders(announcer: PhraseRenderer, phrases: list[Phrase]) -> tuple[list[float], list[Path]]:
    seconds: list[float] = []
    paths: list[Path] = []
    for phrase in phrases:
        start = time.perf_counter()
        path = announcer.render_phrase(phrase).result(timeout=60)
        seconds.append(time.perf_counter() - start)
        paths.append(path)
    return seconds, paths


def _line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{label:<8} n={len(ms):<3} p50={percentile(ms, 50):8.2f} ms  p99={percentile(ms, 99):8.2f} ms  max={max(ms):8.2f} ms"


def run(url: str, calls: int) -> int:
    with tempfile.TemporaryDirectory(prefix="hallq-speech-bench-") as cache:
        separator = "&" if "?" in url else "?"
        full_url = f"{url}{separator}{urlencode({'cache': cache})}" if url.startswith("tts:") else url
        announcer = open_announcer(full_url)
        print(f"speech: {announcer.status.message}  [{announcer.status.detail}]")
        if not announcer.status.speaking:
            return 1
        phrases = sample_phrases(calls)
        cold, paths = _time_renders(announcer, phrases)
        cached, _ = _time_renders(announcer, phrases)
        audio = [wav_seconds(p) for p in paths]
        print(f"{len(phrases)} phrases ({calls} calls, Chinese + English)")
        print(_line("cold", cold))
        print(_line("cached", cached))
        print(f"audio    p50={percentile(audio, 50):.2f} s  max={max(audio):.2f} s; "
              f"cold synthesis runs at {statistics.fmean(audio) / statistics.fmean(cold):.0f}x real time")
        announcer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="tts://", help="speech URL (default tts://)")
    parser.add_argument("--calls", type=int, default=12, help="how many calls to render (each gives two phrases)")
    args = parser.parse_args(argv)
    return run(args.url, args.calls)


if __name__ == "__main__":
    raise SystemExit(main())
