"""The hall display against a real server: events redraw the screen, zones filter, the window
screen shows a pause, a reconnect catches up without speaking stale calls, and no voice means
a visible warning, not a broken display. The voice runs the real queue, the recording
announcer and a recording player (offscreen there may be no audio output)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from display.app import DisplayWindow, create_window
from display.voice import RecordingPlayer
from hardware.speech import RecordingAnnouncer
from server.client import HallClient
from server.runner import ServerThread
from tests.counter.live import LiveHall


def open_display(live: LiveHall, windows: list[DisplayWindow], tmp_path: Path, **kwargs) -> DisplayWindow:  # type: ignore[no-untyped-def]
    kwargs.setdefault("voice_url", f"record://{tmp_path / 'voice'}")
    kwargs.setdefault("player", RecordingPlayer())
    window = create_window(live.url, live.token("display"), clock=live.clock.now, **kwargs)
    windows.append(window)
    window.show()
    return window


def said(window: DisplayWindow) -> list[str]:
    assert window.voice is not None
    return [u.call.ticket for u in window.voice.spoken if u.repetition == 1]


def test_a_call_shows_large_and_is_spoken(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path)
    qtbot.waitUntil(lambda: display.model.has_snapshot and display.screen.online, timeout=10_000)
    ticket = live.issue("A")
    waiting_before = display.model.categories["A"].waiting
    qtbot.waitUntil(lambda: display.model.categories["A"].waiting == waiting_before + 1, timeout=10_000)
    live.clerk_client(1, "1001").call_next(1)
    qtbot.waitUntil(lambda: display.model.latest_call is not None, timeout=10_000)
    latest = display.model.latest_call
    assert (latest.number, latest.window) == (ticket["number"], 1)
    assert display.model.categories["A"].waiting == waiting_before
    assert display.model.windows[1].current == ticket["number"]
    display.screen.repaint()
    assert display.screen.number_rect.height() >= display.screen.height() / 6
    qtbot.waitUntil(lambda: said(display) == [ticket["number"]], timeout=5_000)
    assert isinstance(display.renderer, RecordingAnnouncer)
    assert any("一号窗口" in text for text in display.renderer.said())


def test_zone_shows_and_speaks_only_its_windows(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path, zone="1-4")
    qtbot.waitUntil(lambda: display.model.has_snapshot, timeout=10_000)
    a = live.issue("A")
    live.issue("C")
    live.clerk_client(5, "1003").call_next(5)     # window 5: outside the zone
    live.clerk_client(1, "1001").call_next(1)
    qtbot.waitUntil(lambda: display.model.latest_call is not None, timeout=10_000)
    qtbot.wait(300)
    assert [c.number for c in display.model.recent] == [a["number"]]
    assert said(display) == [a["number"]]
    assert {w.number for w in display.model.visible_windows()} >= {1, 2, 3, 4}
    assert 5 not in {w.number for w in display.model.visible_windows()} or "C" in display.model.zone.series


def test_window_screen_shows_current_then_paused(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    screen = open_display(live, windows, tmp_path, mode="window", window_number=5, voice_url=None)
    assert screen.voice is None
    qtbot.waitUntil(lambda: screen.model.has_snapshot, timeout=10_000)
    clerk = live.clerk_client(5, "1003")
    qtbot.waitUntil(lambda: (screen.model.windows[5].clerk or {}).get("staff_no") == "1003", timeout=10_000)
    ticket = live.issue("C")
    clerk.call_next(5)
    qtbot.waitUntil(lambda: screen.screen.status_text == ticket["number"], timeout=10_000)
    clerk.start(5)
    clerk.finish(5, "immediate")
    qtbot.waitUntil(lambda: screen.screen.status_text == "", timeout=10_000)
    clerk.pause(5, "AB岗交接")
    qtbot.waitUntil(lambda: screen.screen.status_text == "暂停服务 / Paused", timeout=10_000)
    assert screen.model.windows[5].pause_reason == "AB岗交接"
    clerk.resume(5)
    qtbot.waitUntil(lambda: screen.screen.status_text == "", timeout=10_000)


def test_reconnect_catches_up_without_speaking_stale_calls(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path)
    qtbot.waitUntil(lambda: display.model.has_snapshot and display.screen.online, timeout=10_000)
    stale, fresh = live.issue("A", advance=1), live.issue("A", advance=1)
    clerk1, clerk2 = live.clerk_client(1, "1001"), live.clerk_client(2, "1002")
    port = live.server.port
    live.server.stop()
    qtbot.waitUntil(lambda: not display.screen.online, timeout=10_000)
    assert "重新连接" in display.screen.banner_text
    # While the display's server is down, counters reach the hall through a second server
    # process on the same database (as in a multi-process deployment).
    other = ServerThread(live.hall.store, poll_seconds=0.2).start()
    try:
        HallClient(other.url, clerk1.token).call_next(1)
        live.clock.advance(120)                           # two minutes pass: that call is stale
        HallClient(other.url, clerk2.token).call_next(2)
    finally:
        other.stop()
    assert display.model.latest_call is None or display.model.latest_call.number != fresh["number"]
    live.server = ServerThread(live.hall.store, port=port, poll_seconds=0.2).start()
    qtbot.waitUntil(lambda: display.screen.online, timeout=15_000)
    qtbot.waitUntil(lambda: [c.number for c in display.model.recent[:2]] == [fresh["number"], stale["number"]], timeout=10_000)
    qtbot.waitUntil(lambda: said(display) == [fresh["number"]], timeout=5_000)
    qtbot.wait(300)
    assert said(display) == [fresh["number"]]
    assert [c.number for c in display.not_spoken] == [stale["number"]]
    assert display.screen.banner_text == ""


def test_no_voice_shows_a_warning_and_keeps_showing_calls(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path, voice_url="silent://")
    assert display.voice is not None and not display.voice.enabled
    assert "语音" in display.voice_warning
    qtbot.waitUntil(lambda: display.model.has_snapshot, timeout=10_000)
    ticket = live.issue("A")
    live.clerk_client(1, "1001").call_next(1)
    qtbot.waitUntil(lambda: display.model.latest_call is not None, timeout=10_000)
    assert display.model.latest_call.number == ticket["number"]
    assert display.voice.spoken == []
    QCoreApplication.processEvents()
    image = display.grab().toImage()
    assert not image.isNull()
