"""Calls follow the ticket (issue 14): a transfer, a no-show or a park withdraws the call from the
hall display at once; a finished service no longer holds the big call; the window screen says
whether nobody is at the window, a number is called, served, or the window is paused — all
against the real server."""

from __future__ import annotations

from pathlib import Path

from display.app import DisplayWindow
from display.window_screen import CALLED_TITLE, SERVING_TITLE, Phase
from tests.counter.live import LiveHall
from tests.display.test_display import open_display


def _hero(display: DisplayWindow) -> tuple[str, int] | None:
    latest = display.model.latest_call
    return (latest.number, latest.window) if latest else None


def test_a_transfer_withdraws_the_call_from_the_hall_display(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path, voice_url=None)
    qtbot.waitUntil(lambda: display.model.has_snapshot, timeout=10_000)
    ticket = live.issue("A")
    clerk1 = live.clerk_client(1, "1001")
    clerk1.call_next(1)
    qtbot.waitUntil(lambda: _hero(display) == (ticket["number"], 1), timeout=10_000)
    clerk1.transfer(1, to_window=5, note="需不动产窗口")
    # The defect: the hero kept "A002 请到 1 号窗口" until the next call.
    qtbot.waitUntil(lambda: _hero(display) is None, timeout=10_000)
    assert ticket["number"] not in [c.number for c in display.model.recent]
    clerk5 = live.clerk_client(5, "1003")
    clerk5.call_next(5)
    qtbot.waitUntil(lambda: _hero(display) == (ticket["number"], 5), timeout=10_000)
    # A fresh display (snapshot, no events) agrees.
    fresh = open_display(live, windows, tmp_path, voice_url=None)
    qtbot.waitUntil(lambda: fresh.model.has_snapshot, timeout=10_000)
    assert _hero(fresh) == (ticket["number"], 5)


def test_no_show_park_and_finish_release_the_big_call(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path, voice_url=None)
    qtbot.waitUntil(lambda: display.model.has_snapshot, timeout=10_000)
    first, second, third = live.issue("A"), live.issue("A"), live.issue("A")
    clerk = live.clerk_client(1, "1001")
    clerk.call_next(1)
    qtbot.waitUntil(lambda: _hero(display) == (first["number"], 1), timeout=10_000)
    for _ in range(live.hall.store.snapshot(live.hall.hall_id)["rules"]["recall_limit"]):
        clerk.recall(1)
    clerk.no_show(1)
    qtbot.waitUntil(lambda: _hero(display) is None, timeout=10_000)
    assert first["number"] not in [c.number for c in display.model.recent]

    clerk.call_next(1)
    qtbot.waitUntil(lambda: _hero(display) == (second["number"], 1), timeout=10_000)
    clerk.park(1, "回去取材料")
    qtbot.waitUntil(lambda: _hero(display) is None, timeout=10_000)

    clerk.call_next(1)
    qtbot.waitUntil(lambda: _hero(display) == (third["number"], 1), timeout=10_000)
    clerk.start(1)
    clerk.finish(1, "immediate")
    qtbot.waitUntil(lambda: _hero(display) is None, timeout=10_000)
    # A served call stays in the list as history.
    assert third["number"] in [c.number for c in display.model.earlier_calls()]

    clerk.call_back(1, second["id"])
    qtbot.waitUntil(lambda: _hero(display) == (second["number"], 1), timeout=10_000)


def test_window_screen_no_clerk_called_serving_paused(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    screen = open_display(live, windows, tmp_path, mode="window", window_number=5, voice_url=None)
    qtbot.waitUntil(lambda: screen.model.has_snapshot, timeout=10_000)
    view = screen.screen
    # The defect: "正在办理 Now serving / 请稍候" at a window with nobody at it.
    assert view.phase == Phase.UNSTAFFED
    assert "暂无人员在岗" in view.status_text
    assert view.title_text == ""
    clerk = live.clerk_client(5, "1003")
    qtbot.waitUntil(lambda: view.phase == Phase.READY, timeout=10_000)
    ticket = live.issue("C")
    clerk.call_next(5)
    qtbot.waitUntil(lambda: view.phase == Phase.CALLED, timeout=10_000)
    # The defect: "正在办理" while the ticket was only called.
    assert view.title_text == CALLED_TITLE
    assert view.status_text == ticket["number"]
    clerk.start(5)
    qtbot.waitUntil(lambda: view.phase == Phase.SERVING, timeout=10_000)
    assert view.title_text == SERVING_TITLE
    clerk.finish(5, "immediate")
    qtbot.waitUntil(lambda: view.phase == Phase.READY, timeout=10_000)
    clerk.pause(5, "AB岗交接")
    qtbot.waitUntil(lambda: view.phase == Phase.PAUSED, timeout=10_000)
    clerk.resume(5)
    clerk.logout()
    qtbot.waitUntil(lambda: view.phase == Phase.UNSTAFFED, timeout=10_000)


def test_paused_colours_pass_wcag_aa() -> None:
    from display.window_screen import PAUSED_BG, PAUSED_FG

    def luminance(colour) -> float:  # type: ignore[no-untyped-def]
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())

    light, dark = sorted((luminance(PAUSED_BG), luminance(PAUSED_FG)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5
