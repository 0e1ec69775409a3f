"""LED window strips follow the display's model: a call shows "请A001号" on that window's strip,
a pause shows 暂停服务, a close 暂停办理, and only changed texts go down the (slow) serial line.
The strip is the shipped RecordingLedStrip, which renders the exact GBK frames a real strip gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from display.app import create_window
from display.led import LedMirror, led_text, parse_addresses
from display.model import HallScreenModel, WindowView
from hall.announcements import Zone
from hardware.serial.fakes import RecordingLedStrip
from hardware.serial.led_strip import DEFAULT_AREA, LedFrameFormat, encode_text
from tests.counter.live import LiveHall

CLERK = {"staff_no": "1003", "name": "王芳"}


def test_led_text_by_window_state() -> None:
    assert led_text(WindowView(3, name_zh="社保服务", clerk=CLERK)) == "社保服务"
    assert led_text(WindowView(3, clerk=CLERK)) == "欢迎光临"
    assert led_text(WindowView(3, current="A023", clerk=CLERK)) == "请A023号"
    assert led_text(WindowView(3, current="A023", current_status="serving", clerk=CLERK)) == "A023办理中"
    assert led_text(WindowView(3, state="paused", clerk=CLERK)) == "暂停服务"
    assert led_text(WindowView(3, state="closed")) == "暂停办理"


def test_a_window_nobody_staffs_never_invites_citizens() -> None:
    """hall.serving: open but no clerk logged in is not serving, whatever the window's name says."""
    assert led_text(WindowView(3, name_zh="社保服务")) == "暂无人员"
    assert led_text(WindowView(3, name_zh="社保服务", state="closed")) == "暂停办理"


def test_only_changed_texts_are_sent_and_addresses_map() -> None:
    model = HallScreenModel(Zone())
    model.windows = {1: WindowView(1, name_zh="综合受理", clerk=CLERK), 2: WindowView(2, name_zh="不动产", clerk=CLERK)}
    strip = RecordingLedStrip()
    mirror = LedMirror(strip, {1: 11, 2: 12})
    assert mirror.update(model) == [(11, "综合受理"), (12, "不动产")]
    assert mirror.update(model) == []
    model.windows[2].current = "C005"
    assert mirror.update(model) == [(12, "请C005号")]
    expected = LedFrameFormat("{STX}{addr:02d}{area}{text}{ETX}{sum}").render(12, DEFAULT_AREA, encode_text("请C005号"))
    assert strip.frames[-1] == expected


def test_a_name_the_strip_cannot_encode_falls_back() -> None:
    model = HallScreenModel(Zone())
    model.windows = {1: WindowView(1, name_zh="办证😀", clerk=CLERK)}
    strip = RecordingLedStrip()
    assert LedMirror(strip).update(model) == [(1, "欢迎光临")]


@pytest.mark.parametrize("text", ["1", "a:1", "1:b", "1;2"])
def test_bad_address_lists_are_refused_in_both_languages(text: str) -> None:
    with pytest.raises(ValueError, match=r"条屏地址.*LED addresses"):
        parse_addresses(text)


def test_strips_follow_calls_and_pauses_on_the_real_server(qtbot, live: LiveHall, tmp_path: Path) -> None:
    strip = RecordingLedStrip()
    display = create_window(live.url, live.token("display"), voice_url=None, clock=live.clock.now, led=strip)
    display.show()
    try:
        qtbot.waitUntil(lambda: display.model.has_snapshot, timeout=10_000)
        assert strip.current[5] == "暂无人员"   # nobody logged in at window 5 yet
        ticket = live.issue("C")
        clerk = live.clerk_client(5, "1003")
        qtbot.waitUntil(lambda: strip.current.get(5) == display.model.windows[5].name_zh, timeout=10_000)
        clerk.call_next(5)
        qtbot.waitUntil(lambda: strip.current.get(5) == f"请{ticket['number']}号", timeout=10_000)
        clerk.start(5)
        qtbot.waitUntil(lambda: strip.current.get(5) == f"{ticket['number']}办理中", timeout=10_000)
        clerk.finish(5, "immediate")
        qtbot.waitUntil(lambda: strip.current.get(5) == display.model.windows[5].name_zh, timeout=10_000)
        clerk.pause(5, "AB岗交接")
        qtbot.waitUntil(lambda: strip.current.get(5) == "暂停服务", timeout=10_000)
        sent_to_others = [addr for addr, _ in strip.shown if addr != 5]
        assert len(sent_to_others) == len(display.model.visible_windows()) - 1   # the others got their text once
    finally:
        display.close()
        display.deleteLater()
