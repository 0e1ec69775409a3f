"""The PC's shared speaker locks and the guidance queue, without Qt."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.announcements import Lang
from hardware.speech.channel import Priority, SpeakerChannel
from hardware.speech.guidance import GuidanceQueue


def test_one_speaker_and_calls_first(tmp_path: Path) -> None:
    display, kiosk = SpeakerChannel(tmp_path), SpeakerChannel(tmp_path)  # two handles, as two processes
    assert kiosk.try_acquire(Priority.GUIDANCE)
    assert not display.try_acquire(Priority.CALL)  # guidance is on the speaker: the call waits
    display.mark_call_waiting(True)
    kiosk.release()
    assert kiosk.calls_waiting() and not kiosk.try_acquire(Priority.GUIDANCE)  # a waiting call goes first
    assert display.try_acquire(Priority.CALL)
    display.release()
    display.mark_call_waiting(False)
    assert not kiosk.calls_waiting() and kiosk.try_acquire(Priority.GUIDANCE)
    kiosk.close()
    assert display.try_acquire(Priority.CALL)  # a closed (or crashed) program leaves the speaker free
    display.close()


def test_guidance_keeps_the_current_screen_and_drops_stale_lines() -> None:
    queue = GuidanceQueue(max_wait_seconds=5)
    queue.read([("请选择办理业务", Lang.ZH), ("A 投资建设项目", Lang.ZH), ("  ", Lang.ZH)], now=0)
    assert [line.phrase.text for line in queue.waiting] == ["请选择办理业务", "A 投资建设项目"]
    first = queue.next_line(now=1)
    assert first is not None and first.phrase.text == "请选择办理业务"
    queue.line_finished(now=2)
    queue.read([("不动产登记：请选择事项", Lang.ZH)], now=2.5)  # the citizen moved on: the old rest is superseded
    assert [d.reason for d in queue.dropped] == ["superseded"]
    assert queue.next_line(now=8) is None  # waited 5.5 s for the speaker: stale, dropped, not said late
    assert [d.reason for d in queue.dropped] == ["superseded", "stale"]
    with pytest.raises(ValueError):
        GuidanceQueue(max_wait_seconds=0)
