"""The Qt voice under a burst: 100 calls in 10 simulated seconds through the real announcement
queue, the recording announcer and a player that takes simulated time to play each file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from display.voice import RecordingPlayer, VoiceController
from hall.announcements import AnnouncementQueue, Call, DropReason, Zone
from hall.text import Bilingual
from hardware.speech import RecordingAnnouncer, SilentAnnouncer

SECONDS_PER_FILE = 1.6     # chime or phrase, as a slow espeak phrase would play


class SimClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def run_burst(qtbot, tmp_path: Path, zone: Zone | None = None) -> tuple[VoiceController, list[Call], RecordingPlayer]:  # type: ignore[no-untyped-def]
    clock = SimClock()
    player = RecordingPlayer(auto_finish=False)
    queue = AnnouncementQueue(zone=zone or Zone(), repetitions=2, max_lag_seconds=30)
    voice = VoiceController(RecordingAnnouncer(tmp_path), player, queue, now=clock, tick_ms=0)
    # 100 calls in 10 s; every 10th call re-calls a ticket called just before at another window.
    calls: list[Call] = []
    for i in range(100):
        if i % 10 == 9:
            calls.append(Call(calls[-1].ticket, window=(i % 20) + 1, recall=False))
        else:
            calls.append(Call(f"{'ABCD'[i % 4]}{i:03d}", window=(i % 20) + 1))
    started_playing = clock.t
    next_call = 0
    end = clock.t + 90
    while clock.t < end:
        while next_call < len(calls) and clock.t >= 1000.0 + next_call * 0.1:
            voice.announce(calls[next_call])
            next_call += 1
        if player.busy and clock.t - started_playing >= SECONDS_PER_FILE:
            player.finish()
        before = len(player.played)
        QCoreApplication.processEvents()
        voice.pump()
        QCoreApplication.processEvents()
        if len(player.played) != before:
            started_playing = clock.t
        clock.t += 0.05
    voice.stop()
    return voice, calls, player


def test_burst_keeps_order_never_overlaps_and_coalesces(qtbot, tmp_path: Path) -> None:
    voice, calls, player = run_burst(qtbot, tmp_path)
    spoken = voice.spoken
    assert spoken, "something was said"
    # Never two at once: RecordingPlayer asserts on overlap; utterances start after the last ended.
    # Repetitions of one call are never interleaved with another call.
    tickets = [u.call.ticket for u in spoken]
    for i in range(1, len(spoken)):
        if spoken[i].repetition > 1:
            assert tickets[i] == tickets[i - 1]
    # First utterances follow arrival order (a merged call keeps the place of the call it replaced).
    firsts = [u.call.ticket for u in spoken if u.repetition == 1]
    order = {c.ticket: i for i, c in reversed(list(enumerate(calls)))}
    assert [order[t] for t in firsts] == sorted(order[t] for t in firsts)
    # No utterance starts more than 30 s after its call.
    assert max(u.lag for u in spoken) <= 30.0 + 1e-9
    # Every call is either spoken or reported; a backlog of 100 calls is coalesced, not spoken late.
    dropped = {d.call.ticket for d in voice.dropped}
    assert {c.ticket for c in calls} <= set(firsts) | dropped
    assert any(d.reason is DropReason.STALE for d in voice.dropped)
    assert any(d.reason is DropReason.SUPERSEDED for d in voice.dropped)
    # Chime first, then the phrase, for each first repetition.
    assert player.played[0].name == voice.renderer.chime_path().name  # type: ignore[union-attr]


def test_burst_speaks_only_its_zone(qtbot, tmp_path: Path) -> None:
    voice, _calls, _player = run_burst(qtbot, tmp_path, Zone.of(windows=range(1, 6)))
    assert voice.spoken
    assert {u.call.window for u in voice.spoken} <= set(range(1, 6))


def test_silent_voice_warns_and_ignores_calls(qtbot) -> None:
    player = RecordingPlayer()
    voice = VoiceController(SilentAnnouncer(Bilingual("没有语音", "no voice")), player, tick_ms=0)
    assert not voice.enabled and "没有语音" in voice.warning
    voice.announce(Call("A001", 1))
    voice.pump()
    assert voice.spoken == [] and player.played == []
