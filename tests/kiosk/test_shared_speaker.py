"""THE test of one PC, one speaker: the kiosk's spoken guidance and the hall display's calls share
the machine's speaker locks (hardware.speech.channel) and never talk over each other.

Two voices with their own lock handles on one runtime directory (as two processes would have), the
recording speech backend, and players that take each WAV's real length and log start and end on
the machine's monotonic clock into one shared file. A second test runs the display's voice in a
separate Python process.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from display.voice import VoiceController
from hall.announcements import AnnouncementQueue, Call
from hardware.speech import RecordingAnnouncer
from hardware.speech.channel import Priority, SpeakerChannel
from kiosk.guidance import PUMP_MS, GuidanceSpeaker
from ui.voice_player import TimedRecordingPlayer, read_play_log

PHRASE_SECONDS = 0.3  # every recorded phrase WAV lasts this long
GUIDANCE_LINES = [f"第{n}项" for n in range(1, 9)]
# A call waits at most for the guidance phrase already on the speaker, plus one poll of each side.
CALL_DELAY_BOUND = PHRASE_SECONDS + 2 * PUMP_MS / 1000 + 0.25


def assert_disjoint(records: list[dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(records):
        assert float(after["start"]) >= float(before["end"]), f"overlap: {before} and {after}"


def test_guidance_yields_to_calls_and_never_overlaps(qtbot: Any, tmp_path: Path) -> None:
    locks, log = tmp_path / "locks", tmp_path / "spoken.jsonl"
    kiosk_channel, display_channel = SpeakerChannel(locks), SpeakerChannel(locks)
    guidance = GuidanceSpeaker(
        RecordingAnnouncer(tmp_path / "kiosk-voice", seconds=PHRASE_SECONDS),
        TimedRecordingPlayer(log, "kiosk"),
        kiosk_channel,
        max_wait_seconds=30,
    )
    display = VoiceController(
        RecordingAnnouncer(tmp_path / "display-voice", seconds=PHRASE_SECONDS),
        TimedRecordingPlayer(log, "display"),
        AnnouncementQueue(repetitions=2, max_lag_seconds=30),
        tick_ms=PUMP_MS,
        channel=display_channel,
    )
    try:
        guidance.read(GUIDANCE_LINES, "zh")
        qtbot.waitUntil(lambda: len(guidance.said) >= 2, timeout=5000)  # guidance is mid-reading
        called_at = time.monotonic()
        display.announce(Call("A023", 5))
        display.announce(Call("B007", 12))
        qtbot.waitUntil(lambda: not guidance.busy and not display.busy and not display.queue.due, timeout=20_000)
    finally:
        guidance.stop()
        display.stop()

    records = read_play_log(log)
    assert_disjoint(records)
    calls = [r for r in records if r["source"] == "display"]
    kiosk = [r for r in records if r["source"] == "kiosk"]
    # both calls, each said twice (chime + phrase, then phrase), and the whole screen read in the end
    assert len(calls) == 6 and len(kiosk) == len(GUIDANCE_LINES)
    first_call = float(calls[0]["start"])
    assert first_call - called_at <= CALL_DELAY_BOUND, f"call delayed {first_call - called_at:.2f}s"
    # calls have priority: no guidance phrase started between the calls' arrival and their last word
    last_call_end = float(calls[-1]["end"])
    assert not [r for r in kiosk if called_at < float(r["start"]) < last_call_end]
    print(
        f"\ncall started {first_call - called_at:.3f}s after it was queued (bound {CALL_DELAY_BOUND:.2f}s); {len(records)} files, none overlapping"
    )


def test_stale_guidance_is_dropped_not_said_late(qtbot: Any, tmp_path: Path) -> None:
    locks, log = tmp_path / "locks", tmp_path / "spoken.jsonl"
    kiosk_channel, display_channel = SpeakerChannel(locks), SpeakerChannel(locks)
    guidance = GuidanceSpeaker(
        RecordingAnnouncer(tmp_path / "kv", seconds=PHRASE_SECONDS), TimedRecordingPlayer(log, "kiosk"), kiosk_channel, max_wait_seconds=0.5
    )
    try:
        assert display_channel.try_acquire(Priority.CALL)  # a long call holds the speaker
        guidance.read(GUIDANCE_LINES[:3], "zh")
        qtbot.wait(900)
        display_channel.release()
        qtbot.wait(500)
    finally:
        guidance.stop()
    assert guidance.said == [] and read_play_log(log) == []
    assert {d.reason for d in guidance.queue.dropped} == {"stale"}


DISPLAY_PROCESS = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from display.voice import VoiceController
    from hall.announcements import AnnouncementQueue, Call
    from hardware.speech import RecordingAnnouncer
    from hardware.speech.channel import SpeakerChannel
    from ui.voice_player import TimedRecordingPlayer

    locks, log, start_flag = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    app = QCoreApplication([])
    voice = VoiceController(
        RecordingAnnouncer(log.parent / "display-voice", seconds=float(sys.argv[4])),
        TimedRecordingPlayer(log, "display"),
        AnnouncementQueue(repetitions=2, max_lag_seconds=30),
        tick_ms=100,
        channel=SpeakerChannel(locks),
    )
    while not start_flag.exists():
        time.sleep(0.02)
    print(time.monotonic(), flush=True)
    voice.announce(Call("C101", 3))
    deadline = time.monotonic() + 15
    while (voice.busy or voice.queue.due) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    voice.stop()
    """
)


def test_display_in_another_process_shares_the_speaker(qtbot: Any, tmp_path: Path) -> None:
    locks, log, start_flag = tmp_path / "locks", tmp_path / "spoken.jsonl", tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    display = subprocess.Popen(
        [sys.executable, "-c", DISPLAY_PROCESS, str(locks), str(log), str(start_flag), str(PHRASE_SECONDS)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    guidance = GuidanceSpeaker(
        RecordingAnnouncer(tmp_path / "kv", seconds=PHRASE_SECONDS),
        TimedRecordingPlayer(log, "kiosk"),
        SpeakerChannel(locks),
        max_wait_seconds=30,
    )
    try:
        guidance.read(GUIDANCE_LINES, "zh")
        qtbot.waitUntil(lambda: len(guidance.said) >= 2, timeout=5000)
        start_flag.touch()
        qtbot.waitUntil(lambda: display.poll() is not None, timeout=30_000)  # keeps our own Qt loop (and guidance) running
        out, _ = display.communicate()
        called_at = float(out.split()[0])
        qtbot.waitUntil(lambda: not guidance.busy, timeout=20_000)
    finally:
        guidance.stop()
        if display.poll() is None:
            display.kill()
    assert display.returncode == 0
    records = read_play_log(log)
    assert_disjoint(records)
    calls = [r for r in records if r["source"] == "display"]
    assert len(calls) == 3 and len([r for r in records if r["source"] == "kiosk"]) == len(GUIDANCE_LINES)
    assert float(calls[0]["start"]) - called_at <= CALL_DELAY_BOUND
    print(f"\ncross-process: call started {float(calls[0]['start']) - called_at:.3f}s after it was queued")
