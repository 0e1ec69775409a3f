"""The counter and the pad against a real hall server: HTTP for actions, WebSocket for events,
function keys pressed as a clerk would. Results are checked in the hall database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter.app import create_window
from counter.flow import CounterState
from db.models import Clerk, Pause, Rating, Service, Ticket, Window
from hall.calendar import add_days
from hall.config import load_sample_hall
from hall.tickets import Outcome, RatingLevel
from pad.app import create_window as create_pad
from server.client import ApiError
from tests.counter.live import LiveHall, wait_for

OUTCOME_KEYS = {o: getattr(Qt.Key, f"Key_{i}") for i, o in enumerate(Outcome, start=1)}


def make_counter(qtbot, live: LiveHall, window: int = 1, staff: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    counter = create_window(live.url, live.token("counter", window), clock=live.clock, **kwargs)
    qtbot.addWidget(counter)
    live.widgets.append(counter)
    counter.show()
    wait_for(qtbot, lambda: counter.window_number == window and counter.snapshot)
    if staff:
        seen = counter.snapshots_applied
        counter.login(staff, staff)
        wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE and counter.snapshots_applied > seen)
    return counter


def make_pad(qtbot, live: LiveHall, window: int = 1, **kwargs):  # type: ignore[no-untyped-def]
    pad = create_pad(live.url, live.token("pad", window), window, **kwargs)
    qtbot.addWidget(pad)
    live.widgets.append(pad)
    pad.show()
    wait_for(qtbot, lambda: pad.events.connected and pad.flow.window_info)
    return pad


def key(qtbot, widget, k) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(widget, k)


def ids(live: LiveHall, staff_no: str) -> int:
    with live.session() as s:
        return int(s.scalar(select(Clerk.id).where(Clerk.staff_no == staff_no)))


def window_id(live: LiveHall, number: int) -> int:
    with live.session() as s:
        return int(s.scalar(select(Window.id).where(Window.number == number)))


@pytest.mark.parametrize("outcome", list(Outcome))
def test_full_service_by_keyboard_and_rating_on_the_pad(qtbot, live: LiveHall, outcome: Outcome) -> None:
    ticket = live.issue("A", items=["A01"])
    counter = make_counter(qtbot, live, staff="1001")
    pad = make_pad(qtbot, live)
    assert counter.waiting["A"] == 1

    key(qtbot, counter, Qt.Key.Key_F1)  # call next
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    assert counter.number_label.text() == ticket["number"]
    wait_for(qtbot, lambda: pad.flow.ticket and pad.flow.ticket["number"] == ticket["number"])
    key(qtbot, counter, Qt.Key.Key_F3)  # start
    wait_for(qtbot, lambda: counter.flow.state is CounterState.SERVING)
    live.clock.advance(300)
    key(qtbot, counter, Qt.Key.Key_F4)  # finish -> outcome chooser
    assert counter.prompt == "outcome"
    printed = []
    counter.notice_printed.connect(printed.append)
    key(qtbot, counter, OUTCOME_KEYS[outcome])
    if outcome is Outcome.PROMISED:
        assert counter.prompt == "promise"
        assert counter.promised_days_spin.value() == 2  # A01's 承诺时限, from the hall snapshot
        counter.promised_days_spin.setValue(4)  # the clerk gives more time
        counter.applicant_edit.setText("张三丰")
        qtbot.keyClicks(counter.phone_edit, "13812345678")
        assert "张*丰" in counter.masked_preview.text() and "138****5678" in counter.masked_preview.text()
        key(qtbot, counter.phone_edit, Qt.Key.Key_Return)  # on to the item, not yet finished
        assert counter.prompt == "promise"
        key(qtbot, counter.item_combo, Qt.Key.Key_Return)  # item A01 as taken at the kiosk, nothing ticked: print
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    wait_for(qtbot, lambda: pad.flow.state.value == "rating")
    assert not any(b.isChecked() for b in pad.level_buttons.values()), "no level pre-selected"
    if outcome is Outcome.PROMISED:
        wait_for(qtbot, lambda: printed)
        assert printed[0].applicant == "张三丰" and printed[0].promised_date.isoformat() == counter.flow.last_service["promised_date"]
        business_day = date.fromisoformat(ticket["business_day"])
        assert printed[0].promised_date == add_days(load_sample_hall().hours, business_day, 4, working=True)
        assert "张三丰" not in counter.message_label.text() and "张*丰" in counter.message_label.text()
        assert counter.applicant_edit.text() == "" and counter.phone_edit.text() == "", "personal data is not kept"

    qtbot.mouseClick(pad.level_buttons[RatingLevel.SATISFIED], Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: pad.flow.state.value == "thanks")
    rating = live.rows(Rating)
    assert len(rating) == 1
    rating = rating[0]
    service = live.rows(Service, Service.id == rating.service_id)[0]
    assert rating.ticket_id == ticket["id"] and rating.level == "satisfied" and rating.channel == "pad"
    assert rating.clerk_id == ids(live, "1001") and rating.window_id == window_id(live, 1) and rating.item_code == "A01"
    assert service.outcome == outcome.value and service.ticket_id == ticket["id"]
    counter.refresh_figures()
    wait_for(qtbot, lambda: counter.today.get("served") == 1 and counter.today.get("ratings", {}).get("satisfied") == 1)
    assert counter.today["average_service_minutes"] == 5.0


def test_recall_limit_then_no_show(qtbot, live: LiveHall) -> None:
    ticket = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    for n in (1, 2, 3):
        key(qtbot, counter, Qt.Key.Key_F2)
        wait_for(qtbot, lambda n=n: counter.flow.recall_count == n)
    key(qtbot, counter, Qt.Key.Key_F2)  # past the limit: no-show
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert "过号" in counter.message_label.text()
    assert live.rows(Ticket, Ticket.id == ticket["id"])[0].status == "no_show"


def test_no_show_key(qtbot, live: LiveHall) -> None:
    ticket = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    key(qtbot, counter, Qt.Key.Key_F5)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert live.rows(Ticket, Ticket.id == ticket["id"])[0].status == "no_show"


def test_transfer_keeps_the_waiting_time(qtbot, live: LiveHall) -> None:
    ticket = live.issue("A", advance=600)  # waits ten minutes
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    key(qtbot, counter, Qt.Key.Key_F6)
    assert counter.prompt == "transfer"
    counter.prompts.transfer.select("window:2")
    counter.transfer_note.setText("需住建局会签")
    key(qtbot, counter.transfer_note, Qt.Key.Key_Return)
    assert counter.prompt == "confirm", "nobody is at window 2 yet: the clerk is asked first"
    key(qtbot, counter.prompts.confirm, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert "保留原等候时间" in counter.message_label.text()
    live.clock.advance(120)
    other = make_counter(qtbot, live, window=2, staff="1002")
    key(qtbot, other, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: other.flow.state is CounterState.CALLED)
    assert other.flow.ticket["number"] == ticket["number"]
    assert other.flow.waited_minutes() == 12.0, "ten minutes in the queue + two after the transfer, from the original take"
    assert "转来 1 次" in other.ticket_info.text() and "需住建局会签" in other.ticket_info.text()
    services = live.rows(Service, Service.ticket_id == ticket["id"])
    assert [s.end_reason for s in services] == ["transferred", ""]
    assert services[1].waited_seconds == pytest.approx(720, abs=1)


def test_the_promise_prompt_starts_from_the_halls_default(qtbot, live: LiveHall) -> None:
    """An item without a 承诺时限 of its own: the prompt shows the hall's rules.promised_working_days."""
    live.hall.store.update_hall(live.hall.store.authenticate(live.token("manager")), {"rules": {"promised_working_days": 7}})
    live.issue("A")  # no item chosen
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    key(qtbot, counter, Qt.Key.Key_F3)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.SERVING)
    key(qtbot, counter, Qt.Key.Key_F4)
    key(qtbot, counter, OUTCOME_KEYS[Outcome.PROMISED])
    assert counter.prompt == "promise" and counter.promised_days_spin.value() == 7


def test_call_number_park_and_call_back(qtbot, live: LiveHall) -> None:
    live.issue("A")
    second = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F7)
    qtbot.keyClicks(counter.line_edit, second["number"].lower())
    key(qtbot, counter.line_edit, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: counter.flow.ticket and counter.flow.ticket["number"] == second["number"])
    key(qtbot, counter, Qt.Key.Key_F8)  # park with a note
    assert counter.prompt == "park"
    counter.line_edit.setText("回去取材料")
    key(qtbot, counter.line_edit, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert live.rows(Ticket, Ticket.id == second["id"])[0].status == "parked"
    key(qtbot, counter, Qt.Key.Key_F8)  # now: call back
    wait_for(qtbot, lambda: counter.prompt == "choices")
    key(qtbot, counter, Qt.Key.Key_1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    assert counter.flow.ticket["number"] == second["number"]


def test_pause_resume_and_the_three_minute_warning(qtbot, live: LiveHall) -> None:
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F9)
    assert counter.prompt == "choices"
    key(qtbot, counter, Qt.Key.Key_1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.PAUSED)
    assert not counter.buttons["F1"].isEnabled()
    live.clock.advance(170)
    counter._on_tick()
    assert "02:50" in counter.pause_label.text() and "⚠" not in counter.pause_label.text()
    live.clock.advance(20)
    counter._on_tick()
    assert "03:10" in counter.pause_label.text() and "超过 3 分钟" in counter.pause_label.text()
    key(qtbot, counter, Qt.Key.Key_F9)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert "3 分 10 秒" in counter.message_label.text()
    pause = live.rows(Pause)[0]
    assert (pause.ended_at - pause.started_at) == timedelta(seconds=190) and pause.reason == "AB岗临时离开"


def test_ab_handover_records_who_served(qtbot, live: LiveHall) -> None:
    ticket = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    key(qtbot, counter, Qt.Key.Key_F3)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.SERVING)
    key(qtbot, counter, Qt.Key.Key_F10)  # B clerk takes over
    assert counter.pages.currentIndex() == 0 and counter.handover_box.isChecked()
    qtbot.keyClicks(counter.staff_edit, "1002")
    qtbot.keyClicks(counter.pin_edit, "1002")
    key(qtbot, counter.pin_edit, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: counter.flow.clerk and counter.flow.clerk["staff_no"] == "1002" and counter.flow.state is CounterState.SERVING)
    assert counter.flow.post == "B" and counter.flow.ticket["number"] == ticket["number"]
    key(qtbot, counter, Qt.Key.Key_F4)
    key(qtbot, counter, Qt.Key.Key_1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    service = live.rows(Service, Service.ticket_id == ticket["id"])[0]
    assert service.called_by_clerk_id == ids(live, "1001") and service.clerk_id == ids(live, "1002")


def test_login_refused_without_handover_is_shown_in_both_languages(qtbot, live: LiveHall) -> None:
    live.clerk_client(1, "1001")
    counter = make_counter(qtbot, live)
    assert counter.handover_box.isChecked(), "someone is logged in here: handover is offered"
    counter.handover_box.setChecked(False)
    counter.login("1002", "1002")
    wait_for(qtbot, lambda: "AB" in counter.login_message.text())
    assert "handover" in counter.login_message.text()
    counter.login("1002", "wrong", True)
    wait_for(qtbot, lambda: "密码错误" in counter.login_message.text() and "PIN" in counter.login_message.text())


def test_second_rating_and_other_windows_pad_are_refused(qtbot, live: LiveHall) -> None:
    live.issue("A")
    clerk = live.clerk_client(1, "1001")
    pad = make_pad(qtbot, live)
    clerk.call_next(1)
    clerk.start(1)
    service_id = clerk.finish(1, "immediate")["service_id"]
    wait_for(qtbot, lambda: pad.flow.state.value == "rating")
    pad.choose(RatingLevel.VERY_SATISFIED)
    wait_for(qtbot, lambda: pad.flow.state.value == "thanks")
    with pytest.raises(ApiError) as again:
        live.client("pad", 1).rate(service_id, "dissatisfied")
    assert again.value.code == "already_rated"
    with pytest.raises(ApiError) as other:
        live.client("pad", 2).rate(service_id, "satisfied")
    assert other.value.code == "other_window"
    assert [r.level for r in live.rows(Rating)] == ["very_satisfied"]


def test_bad_rating_reasons_and_comment(qtbot, live: LiveHall) -> None:
    live.issue("A")
    clerk = live.clerk_client(1, "1001")
    pad = make_pad(qtbot, live)
    clerk.call_next(1)
    clerk.start(1)
    clerk.finish(1, "refused")
    wait_for(qtbot, lambda: pad.flow.state.value == "rating")
    qtbot.mouseClick(pad.level_buttons[RatingLevel.DISSATISFIED], Qt.MouseButton.LeftButton)
    assert pad.flow.state.value == "reasons"
    qtbot.mouseClick(pad.reason_buttons["slow"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.reason_buttons["unclear"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.comment_button, Qt.MouseButton.LeftButton)  # the on-screen keyboard
    qtbot.mouseClick(pad.comment_page.phrase_buttons["材料要求没有一次说清"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.comment_page.ok_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pad.submit_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: pad.flow.state.value == "thanks")
    rating = live.rows(Rating)[0]
    assert rating.level == "dissatisfied" and sorted(rating.reasons) == ["slow", "unclear"] and rating.comment == "材料要求没有一次说清"


def test_pad_timeout_records_not_rated(qtbot, live: LiveHall) -> None:
    live.issue("A")
    clerk = live.clerk_client(1, "1001")
    pad = make_pad(qtbot, live, rating_timeout=0.6)
    clerk.call_next(1)
    clerk.start(1)
    clerk.finish(1, "immediate")
    wait_for(qtbot, lambda: pad.flow.state.value == "rating")
    wait_for(qtbot, lambda: live.rows(Rating))
    rating = live.rows(Rating)[0]
    assert rating.level is None and rating.channel == "timeout"
    wait_for(qtbot, lambda: pad.flow.state.value == "idle")


def test_pad_recovers_after_a_network_drop(qtbot, live: LiveHall) -> None:
    live.issue("A")
    clerk = live.clerk_client(1, "1001")
    pad = make_pad(qtbot, live)
    pad.events._socket.abort()  # the network blinks
    clerk.call_next(1)
    clerk.start(1)
    clerk.finish(1, "immediate")
    wait_for(qtbot, lambda: pad.flow.state.value == "rating", timeout=8000)
    assert pad.events.connected


def test_hardware_rater_feeds_the_same_path(qtbot, live: LiveHall) -> None:
    from hardware.serial.fakes import FakeKeypadLine, TcpDeviceLine

    device = TcpDeviceLine()
    try:
        live.issue("A")
        clerk = live.clerk_client(1, "1001")
        pad = make_pad(qtbot, live, rater_url=device.url, rater_windows={0x11: 1})
        assert device.wait_connected()
        clerk.call_next(1)
        clerk.start(1)
        clerk.finish(1, "immediate")
        wait_for(qtbot, lambda: pad.flow.state.value == "rating")
        FakeKeypadLine(device).keypad(0x11).rate(RatingLevel.BASIC)
        wait_for(qtbot, lambda: live.rows(Rating))
        rating = live.rows(Rating)[0]
        assert rating.level == "basically_satisfied" and rating.channel == "rater"
        pad.rater_bus.stop()
    finally:
        device.close()


def test_keypad_drives_the_counter(qtbot, live: LiveHall) -> None:
    from hardware.serial.fakes import FakeKeypadLine, TcpDeviceLine
    from hardware.serial.keypad_protocol import KeyAction

    device = TcpDeviceLine()
    try:
        ticket = live.issue("A")
        counter = make_counter(qtbot, live, staff="1001", keypad_url=device.url, keypad_windows={0x01: 1})
        assert device.wait_connected()
        keypad = FakeKeypadLine(device).keypad(0x01)
        keypad.press(KeyAction.CALL_NEXT)
        wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
        keypad.press(KeyAction.FINISH)  # start + finish as 即办件
        wait_for(qtbot, lambda: live.rows(Service, Service.end_reason == "finished"))
        assert live.rows(Ticket, Ticket.id == ticket["id"])[0].status == "done"
        counter.keypad_bus.stop()
    finally:
        device.close()


def test_leaving_asks_log_out_or_sign_off_and_sign_off_marks_the_clerk_off_duty(qtbot, live: LiveHall) -> None:
    counter = make_counter(qtbot, live, window=1, staff="1001")
    counter.work.logout_button.click()
    assert counter.prompt == "choices" and "签退" in counter.prompts.choices.buttons[1].text()
    key(qtbot, counter, Qt.Key.Key_Escape)  # changed their mind: still logged in
    assert counter.prompt is None and counter.flow.state is CounterState.IDLE

    counter.work.logout_button.click()
    key(qtbot, counter, Qt.Key.Key_1)  # a short absence: logged out, still on duty today
    wait_for(qtbot, lambda: counter.flow.state is CounterState.LOGGED_OUT)
    with live.session() as s:
        assert s.scalar(select(Clerk.off_duty_day).where(Clerk.staff_no == "1001")) is None

    seen = counter.snapshots_applied
    counter.login("1001", "1001")
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE and counter.snapshots_applied > seen)
    counter.work.logout_button.click()
    key(qtbot, counter, Qt.Key.Key_2)  # 签退: off duty for the rest of the day
    wait_for(qtbot, lambda: counter.flow.state is CounterState.LOGGED_OUT)
    assert "已签退" in counter.login_message.text()
    with live.session() as s:
        clerk = s.scalars(select(Clerk).where(Clerk.staff_no == "1001")).one()
        assert clerk.off_duty_day is not None and clerk.off_duty_reason == "signed_off"
