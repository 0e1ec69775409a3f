"""A hall day, driven through every program at once (issue 14): opening, arrivals at the kiosk,
calls, a transfer, a no-show requeued, a pause with an AB handover, a printer out of paper and
refilled, a clerk logging out with people waiting, lunch service, a reallocation from the console,
ratings including a 差评, closing, and the next day's rollover. After every step each screen is
checked against the server's own state (:meth:`HallDay.disagreements`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from counter.flow import CounterAction, CounterState
from hall.advisor import MoveKind
from hall.tickets import RatingLevel
from hardware.printer import FakeCondition
from kiosk.flow import Step
from pad.flow import PadState
from server.client import HallClient
from tests.acceptance.hall_day import TIMEOUT, HallDay, local, start_hall_day

DAY, NEXT_DAY = "2026-11-17", "2026-11-18"   # a Tuesday and the Wednesday after


@pytest.fixture
def hall_day(qtbot: Any, tmp_path: Path) -> Iterator[HallDay]:
    day = start_hall_day(tmp_path, local(DAY, "08:00"))
    try:
        day.open_programs(qtbot)
        yield day
    finally:
        day.close()
        day.server.stop()
        day.hall.engines.dispose()


def click(qtbot: Any, widget: QPushButton) -> None:
    assert widget.isEnabled() and widget.isVisible(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def take_number(qtbot: Any, day: HallDay, series: str, item: str | None = None) -> dict[str, Any]:
    """A citizen at the kiosk: category, item and its materials, confirm; the ticket prints."""
    kiosk = day.kiosk
    qtbot.waitUntil(
        lambda: kiosk.flow.step is Step.HOME and kiosk.flow.accepts_walk_ins and series in kiosk.category_buttons
        and kiosk.category_buttons[series].isEnabled(),
        timeout=TIMEOUT,
    )
    click(qtbot, kiosk.category_buttons[series])
    if kiosk.flow.step is Step.ITEMS:
        if item:
            click(qtbot, kiosk.page.findChild(QPushButton, f"item-{item}"))
            qtbot.waitUntil(lambda: kiosk.flow.step is Step.MATERIALS, timeout=TIMEOUT)
            click(qtbot, kiosk.page.findChild(QPushButton, "materials-next"))
        else:
            kiosk.flow.skip_items()
            kiosk.render()
    assert kiosk.flow.step is Step.CONFIRM
    click(qtbot, kiosk.confirm_button)
    qtbot.waitUntil(lambda: kiosk.flow.step is Step.DONE, timeout=TIMEOUT)
    ticket = dict(kiosk.flow.ticket or {})
    click(qtbot, kiosk.page.findChild(QPushButton, "finish"))
    day.clock.advance(60)
    return ticket


def log_in(qtbot: Any, day: HallDay, window: int, staff_no: str, handover: bool = False) -> None:
    counter = day.counter(window)
    if handover:
        counter.do(CounterAction.HANDOVER)
    panel = counter.login_panel
    panel.staff_edit.setText(staff_no)
    panel.pin_edit.setText(staff_no)
    click(qtbot, panel.login_button)
    qtbot.waitUntil(lambda: counter.flow.state is not CounterState.LOGGED_OUT and (counter.flow.clerk or {}).get("staff_no") == staff_no,
                    timeout=TIMEOUT)


def press(qtbot: Any, day: HallDay, window: int, action: CounterAction, until: CounterState | None = None) -> None:
    counter = day.counter(window)
    assert counter.flow.can(action), (window, action, counter.flow.state)
    counter.do(action)
    if until is not None:
        qtbot.waitUntil(lambda: counter.flow.state is until, timeout=TIMEOUT)


def finish(qtbot: Any, day: HallDay, window: int) -> None:
    press(qtbot, day, window, CounterAction.FINISH)
    day.counter(window).choose_outcome(1)   # 即办件
    qtbot.waitUntil(lambda: day.counter(window).flow.state is CounterState.IDLE, timeout=TIMEOUT)


def test_a_hall_day_through_every_program(qtbot: Any, hall_day: HallDay) -> None:
    day = hall_day
    day.check(qtbot, "before opening")
    assert day.snapshot()["hall"]["period"] == "closed"
    assert day.kiosk.flow.closed_notice().opening.zh == "下次开放：今天11月17日（周二）08:30"

    # -- 08:30 opening: two clerks sign in at their counters.
    day.at(qtbot, local(DAY, "08:30"))
    log_in(qtbot, day, 1, "1001")
    log_in(qtbot, day, 5, "1003")
    day.check(qtbot, "opening")
    # Only windows 1 and 5 have a clerk: the others are no capacity anywhere (hall.serving).
    staffing = {w["number"]: w["staffing"] for w in day.snapshot()["windows"]}
    assert (staffing[1], staffing[5], staffing[2], staffing[20]) == ("serving", "serving", "unstaffed", "closed")
    assert "无人在岗" in day.manager.live_page.cards[2].state.text()
    assert "暂无窗口办理" in day.kiosk.category_buttons["H"].accessibleName()   # nobody serves 社会事务 now

    # -- arrivals: citizens take numbers at the kiosk; the tickets print.
    a1 = take_number(qtbot, day, "A", "A01")
    a2 = take_number(qtbot, day, "A")
    a3 = take_number(qtbot, day, "A")
    c1 = take_number(qtbot, day, "C")
    assert [a1["number"], a2["number"], a3["number"], c1["number"]] == ["A001", "A002", "A003", "C001"]
    assert len(day.kiosk_printer.printed) > 0
    day.check(qtbot, "arrivals")

    # -- a call: the display shows and speaks it, the LED strip and the phone status follow.
    press(qtbot, day, 1, CounterAction.CALL_NEXT, CounterState.CALLED)
    day.check(qtbot, "A001 called at window 1")
    assert day.display.model.latest_call.number == "A001"
    assert day.store.ticket_status(day.hall.hall_id, ticket_id=a1["id"])["window"]["number"] == 1

    # -- a transfer from window 1 to window 5: every screen withdraws the call at once.

    qtbot.keyClick(day.counter(1), Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "无人在岗" in transfer_row(day, 1, "window:2"), timeout=TIMEOUT)   # the defect: offered silently
    assert "服务中" in transfer_row(day, 1, "window:5") and "关闭" in transfer_row(day, 1, "window:20")
    day.counter(1).prompts.transfer.select("window:2")
    qtbot.keyClick(day.counter(1).prompts.transfer.target, Qt.Key.Key_Return)
    assert day.counter(1).prompt == "confirm" and "无人在岗" in day.counter(1).prompts.title.text()
    qtbot.keyClick(day.counter(1), Qt.Key.Key_Escape)   # back to the list: nothing was sent
    qtbot.keyClick(day.counter(1), Qt.Key.Key_Escape)
    assert day.counter(1).flow.state is CounterState.CALLED
    transfer_to_window(qtbot, day, 1, 5, expect_warning=False)
    day.check(qtbot, "A001 transferred to window 5")
    assert day.display.model.latest_call is None
    press(qtbot, day, 5, CounterAction.CALL_NEXT, CounterState.CALLED)
    day.check(qtbot, "window 5 calls the transferred A001")
    assert (day.display.model.latest_call.number, day.display.model.latest_call.window) == ("A001", 5)
    press(qtbot, day, 5, CounterAction.START, CounterState.SERVING)
    day.check(qtbot, "A001 served at window 5")

    # -- ratings: the pad at window 5 asks; the citizen gives a 差评 with a reason.
    finish(qtbot, day, 5)
    qtbot.waitUntil(lambda: day.pad.flow.state is PadState.RATING, timeout=TIMEOUT)
    day.pad.choose(RatingLevel.VERY_DISSATISFIED)
    qtbot.waitUntil(lambda: day.pad.flow.state is PadState.REASONS, timeout=TIMEOUT)
    day.pad.toggle_reason("wait")
    day.pad.submit()
    qtbot.waitUntil(lambda: day.pad.flow.state is PadState.THANKS, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: any(f["ticket"] == "A001" for f in day.store.followups(day.hall.hall_id)), timeout=TIMEOUT)
    day.check(qtbot, "A001 rated")

    # -- a no-show: window 1 calls A002, recalls until the hall's limit, marks it missed.
    press(qtbot, day, 1, CounterAction.CALL_NEXT, CounterState.CALLED)
    press(qtbot, day, 1, CounterAction.NO_SHOW, CounterState.IDLE)
    day.check(qtbot, "A002 missed")
    assert day.display.model.latest_call is None or day.display.model.latest_call.number != "A002"
    # ... and comes back late: the clerk finds A002 (F11) and puts it back by the hall's rule.
    offered = find_and_choose(qtbot, day, 1, "A002", 1)
    assert offered.startswith("1 重新排队（回到队首后第 3 位）")
    qtbot.waitUntil(lambda: day.store.find_ticket(day.hall.hall_id, "A002")["status"] == "waiting", timeout=TIMEOUT)
    day.check(qtbot, "A002 requeued")

    # -- a pause with an AB handover at window 5.
    day.counter(5).pause("AB岗交接")
    qtbot.waitUntil(lambda: day.counter(5).flow.state is CounterState.PAUSED, timeout=TIMEOUT)
    day.check(qtbot, "window 5 paused")
    log_in(qtbot, day, 5, "1005", handover=True)
    day.check(qtbot, "B post took over window 5")
    assert day.window_screen.model.windows[5].clerk["staff_no"] == "1005"   # 岗位公示 follows the handover
    press(qtbot, day, 5, CounterAction.RESUME, CounterState.IDLE)
    day.check(qtbot, "window 5 serving again")

    # -- the kiosk's printer runs out of paper, then is refilled: the kiosk warns citizens, the
    #    manager's alert comes within 10 s and goes when the roll is changed.
    printer_alert = [f"device:{d['id']}:printer" for d in day.devices() if d["name"] == "kiosk-1"]
    day.kiosk_printer.condition = FakeCondition.PAPER_OUT
    qtbot.waitUntil(lambda: printer_alert[0] in day.manager.alert_keys(), timeout=10_000)
    assert day.kiosk.flow.printer_trouble is not None
    day.check(qtbot, "kiosk printer out of paper")
    day.kiosk_printer.condition = FakeCondition.READY
    qtbot.waitUntil(lambda: printer_alert[0] not in day.manager.alert_keys(), timeout=10_000)
    day.check(qtbot, "kiosk printer refilled")
    assert day.kiosk.flow.printer_trouble is None

    # -- the clerk at window 1 logs out with people waiting for A: nobody serves A now.
    press(qtbot, day, 1, CounterAction.LOGOUT, CounterState.LOGGED_OUT)
    day.check(qtbot, "window 1 left with A waiting")
    assert "unserved:A:" in day.manager.alert_keys()

    # -- the duty manager moves A to window 5 from the console: A is served again.
    manager = day.manager
    manager.tabs.setCurrentWidget(manager.reallocate_page)
    manager.select_window(5)
    manager.reallocate_page.secondary_boxes["A"].setChecked(True)
    manager.reallocate_page.realloc_reason.setText("1号窗口人员离岗，A 类由 5 号兼办")
    with qtbot.waitSignal(manager.action_finished, timeout=TIMEOUT) as blocker:
        click(qtbot, manager.reallocate_page.apply_categories_button)
    assert blocker.args[0] is True, manager.message.text()
    day.check(qtbot, "A reallocated to window 5")
    assert "unserved:A:" not in day.manager.alert_keys()
    for expected in ("C001", "A003"):   # its own category first (primary first), then A
        press(qtbot, day, 5, CounterAction.CALL_NEXT, CounterState.CALLED)
        assert day.counter(5).flow.ticket["number"] == expected
        day.check(qtbot, f"window 5 calls {expected}")
        press(qtbot, day, 5, CounterAction.START, CounterState.SERVING)
        finish(qtbot, day, 5)
        qtbot.waitUntil(lambda: day.pad.flow.state is PadState.RATING, timeout=TIMEOUT)
        day.pad.choose(RatingLevel.VERY_SATISFIED)
        qtbot.waitUntil(lambda: day.pad.flow.state in (PadState.THANKS, PadState.IDLE), timeout=TIMEOUT)
        day.check(qtbot, f"{expected} rated 非常满意 at window 5")

    # -- lunch service.
    day.at(qtbot, local(DAY, "12:10"))
    day.check(qtbot, "lunch")
    assert day.snapshot()["hall"]["period"] == "lunch"

    # -- closing, then the next morning's rollover.
    day.at(qtbot, local(DAY, "19:10"))
    day.check(qtbot, "closed for the night")
    assert day.kiosk.flow.closed_notice().opening.zh == "下次开放：明天11月18日（周三）08:30"
    assert day.window_screen.screen.phase  # the window screens stay truthful overnight (checked above)
    day.at(qtbot, local(NEXT_DAY, "08:31"))
    first = take_number(qtbot, day, "A")
    assert first["number"] == "A001" and first["business_day"] == NEXT_DAY
    day.check(qtbot, "the next morning")
    assert day.display.model.latest_call is None


def transfer_to_window(qtbot: Any, day: HallDay, window: int, to_window: int, expect_warning: bool) -> None:
    """The clerk opens the transfer list (F6), sees each target's state, picks a window; a window
    nobody serves asks first (Enter goes ahead)."""
    counter = day.counter(window)
    qtbot.keyClick(counter, Qt.Key.Key_F6)
    assert counter.prompt == "transfer"
    form = counter.prompts.transfer
    form.select(f"window:{to_window}")
    qtbot.keyClick(form.target, Qt.Key.Key_Return)
    if expect_warning:
        assert counter.prompt == "confirm", "a window nobody serves must ask first"
        qtbot.keyClick(counter.prompts.confirm, Qt.Key.Key_Return)
    else:
        assert counter.prompt != "confirm"
    qtbot.waitUntil(lambda: counter.flow.state is CounterState.IDLE, timeout=TIMEOUT)


def transfer_row(day: HallDay, window: int, key: str) -> str:
    form = day.counter(window).prompts.transfer
    return form.target.item(form.row_of(key)).text()


def find_and_choose(qtbot: Any, day: HallDay, window: int, number: str, choice: int) -> str:
    """查号 (F11): type the number, read what the counter offers, press the choice's digit."""
    counter = day.counter(window)
    qtbot.keyClick(counter, Qt.Key.Key_F11)
    assert counter.prompt == "find"
    qtbot.keyClicks(counter.line_edit, number)
    qtbot.keyClick(counter.line_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.prompt == "choices", timeout=TIMEOUT)
    offered = " / ".join(b.text() for b in counter.prompts.choices.buttons)
    qtbot.keyClick(counter, getattr(Qt.Key, f"Key_{choice}"))
    return offered


def test_a_clerk_who_leaves_a_window_but_stays_on_duty_opens_the_reserve_window(qtbot: Any, hall_day: HallDay) -> None:
    """The roster in the console: 罗斌 (1020) logs out at counter 1 without signing off, so he is
    on duty and free; when the 不动产 (C) queue outgrows window 5 the manager's advisor proposes
    opening the closed reserve window 20 with him, one click carries it out, and he serves there."""
    day = hall_day
    day.at(qtbot, local(DAY, "09:00"))
    log_in(qtbot, day, 5, "1003")
    log_in(qtbot, day, 1, "1020")
    press(qtbot, day, 1, CounterAction.LOGOUT, CounterState.LOGGED_OUT)
    kiosk = day.client("kiosk", "kiosk-1")
    for _ in range(20):  # C citizens over the last 40 minutes
        kiosk.issue("C")
        day.clock.advance(120)
    day.check(qtbot, "a C queue and a free clerk")

    def proposal() -> Any:
        day.manager.refresh()
        cards = day.manager.recommendations_page.rec_cards
        return next((c for c in cards if c.recommendation.kind is MoveKind.OPEN_WINDOW and c.recommendation.clerk == "1020"), None)

    qtbot.waitUntil(lambda: proposal() is not None, timeout=TIMEOUT)
    card = proposal()
    assert card.recommendation.window == 20 and "1020" in card.recommendation.reason.zh
    card.apply_button.click()
    qtbot.waitUntil(lambda: {w["number"]: w["state"] for w in day.snapshot()["windows"]}[20] == "open", timeout=TIMEOUT)
    window_20 = {w["number"]: w for w in day.snapshot()["windows"]}[20]
    assert "C" in window_20["primary"] + window_20["secondary"]

    # 罗斌 logs in at window 20's counter and calls the next C citizen.
    token = day.client("counter", "counter-20", 20).login("1020", "1020")["token"]
    called = HallClient(day.url, token).call_next(20)
    assert called["ticket"]["number"].startswith("C")
    day.check(qtbot, "window 20 opened for C with 1020")
    assert {c["staff_no"]: c["state"] for c in day.store.roster(day.hall.hall_id)["clerks"]}["1020"] == "at_window"
