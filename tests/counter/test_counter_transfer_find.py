"""Transfer with sight, 查号 and the heartbeat, against a real hall server: what the transfer list
says about each target, the warning before a window nobody serves, a missed ticket found and
put back in the queue or called, and the counter's heartbeat reaching the server."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from counter.flow import CounterState
from db.models import Service, Ticket
from tests.counter.live import LiveHall, wait_for
from tests.counter.test_counter_live import key, make_counter


def called(qtbot, live: LiveHall, counter) -> dict:  # type: ignore[no-untyped-def]
    key(qtbot, counter, Qt.Key.Key_F1)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    return counter.flow.ticket


def open_transfer(qtbot, counter) -> None:  # type: ignore[no-untyped-def]
    key(qtbot, counter, Qt.Key.Key_F6)
    assert counter.prompt == "transfer"


def rows(counter) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = counter.prompts.transfer
    return {target.key: form.target.item(i).text() for i, target in enumerate(form.targets)}


def test_the_transfer_list_shows_who_serves_and_who_waits(qtbot, live: LiveHall) -> None:
    for _ in range(3):
        live.issue("A")
    for _ in range(2):
        live.issue("B")
    live.clerk_client(2, "1002")                      # window 2: serving
    paused = live.clerk_client(4, "1004")
    paused.pause(4, "AB岗临时离开")                     # window 4: paused
    manager = live.client("manager")
    manager.close_window(6, "设备检修")                 # window 6: closed
    counter = make_counter(qtbot, live, staff="1001")
    called(qtbot, live, counter)
    open_transfer(qtbot, counter)
    wait_for(qtbot, lambda: "等候 2 人 · 2 个窗口在办（1、2号）" in rows(counter)["series:A"])  # redrawn from a fresh snapshot
    shown = rows(counter)
    assert "window:1" not in shown, "not to itself"
    assert shown["series:A"].startswith("A 投资建设项目")
    assert "等候 2 人" in shown["series:B"]
    assert "2号窗口" in shown["window:2"] and "服务中 · 等候 2 人（A 2）" in shown["window:2"]
    assert "无人在岗" in shown["window:3"] and "等候 2 人（B 2）" in shown["window:3"]
    assert "暂停" in shown["window:4"]
    assert "关闭 · 不能转入" in shown["window:6"]
    form = counter.prompts.transfer
    closed = form.target.item(form.row_of("window:6"))
    assert not closed.flags() & Qt.ItemFlag.ItemIsEnabled, "a closed window cannot be chosen"
    form.select("window:6")
    assert form.choice() != ("window", "6")
    counter.toggle_language()
    assert "no clerk" in rows(counter)["window:3"] and "serving" in rows(counter)["window:2"]


def test_an_unstaffed_window_asks_first_esc_goes_back_enter_transfers(qtbot, live: LiveHall) -> None:
    ticket = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    called(qtbot, live, counter)
    open_transfer(qtbot, counter)
    counter.prompts.transfer.select("window:5")
    counter.transfer_note.setText("需现场核验")
    key(qtbot, counter.prompts.transfer.target, Qt.Key.Key_Return)
    assert counter.prompt == "confirm"
    assert counter.prompts.title.text() == "⚠ 5号窗口当前无人在岗，转过去的群众可能无人办理。仍要转移吗？"
    key(qtbot, counter, Qt.Key.Key_Escape)  # back: nothing sent, the list as it was
    assert counter.prompt == "transfer"
    assert counter.prompts.transfer.choice() == ("window", "5") and counter.transfer_note.text() == "需现场核验"
    assert counter.flow.state is CounterState.CALLED and not live.rows(Service, Service.end_reason == "transferred")
    key(qtbot, counter.prompts.transfer.target, Qt.Key.Key_Return)
    assert counter.prompt == "confirm"
    key(qtbot, counter.prompts.confirm, Qt.Key.Key_Return)  # go ahead
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert "5号窗口" in counter.message_label.text()
    assert len(live.rows(Service, Service.end_reason == "transferred")) == 1
    row = live.rows(Ticket, Ticket.id == ticket["id"])[0]
    assert row.status == "waiting" and row.note == "需现场核验"


def test_a_category_transfer_never_asks(qtbot, live: LiveHall) -> None:
    live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    called(qtbot, live, counter)
    open_transfer(qtbot, counter)
    counter.prompts.transfer.select("series:C")  # nobody serves C now: still a valid target
    assert "暂无窗口在办" in rows(counter)["series:C"]
    key(qtbot, counter.prompts.transfer.target, Qt.Key.Key_Return)
    assert counter.prompt is None, "no warning for a category"
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert "已转移至C" in counter.message_label.text()


def missed(qtbot, live: LiveHall, counter) -> dict:  # type: ignore[no-untyped-def]
    ticket = called(qtbot, live, counter)
    key(qtbot, counter, Qt.Key.Key_F5)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    return ticket


def find(qtbot, counter, number: str) -> None:  # type: ignore[no-untyped-def]
    assert counter.buttons["F11"].text().endswith("F11") and counter.buttons["F11"].isEnabled()
    key(qtbot, counter, Qt.Key.Key_F11)
    assert counter.prompt == "find"
    qtbot.keyClicks(counter.line_edit, number.lower())
    key(qtbot, counter.line_edit, Qt.Key.Key_Return)


def test_a_missed_ticket_found_and_put_back_in_the_queue(qtbot, live: LiveHall) -> None:
    first = live.issue("A")
    waiting = [live.issue("A") for _ in range(4)]
    counter = make_counter(qtbot, live, staff="1001")
    assert missed(qtbot, live, counter)["number"] == first["number"]
    find(qtbot, counter, first["number"])
    wait_for(qtbot, lambda: counter.prompt == "choices")
    assert "已过号" in counter.prompts.title.text() and first["number"] in counter.prompts.title.text()
    labels = [b.text() for b in counter.prompts.choices.buttons]
    assert labels == ["1 重新排队（回到队首后第 3 位）", "2 立即呼叫到本窗口"]
    key(qtbot, counter, Qt.Key.Key_1)
    wait_for(qtbot, lambda: "已重新排队" in counter.message_label.text())
    assert "前面 3 人" in counter.message_label.text()
    assert live.rows(Ticket, Ticket.id == first["id"])[0].status == "waiting"
    called_numbers = []
    for _ in range(4):
        called_numbers.append(called(qtbot, live, counter)["number"])
        key(qtbot, counter, Qt.Key.Key_F5)
        wait_for(qtbot, lambda: counter.flow.state is CounterState.IDLE)
    assert called_numbers == [waiting[0]["number"], waiting[1]["number"], waiting[2]["number"], first["number"]], "fourth from the head"


def test_a_missed_ticket_called_straight_to_the_window(qtbot, live: LiveHall) -> None:
    first = live.issue("A")
    live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    missed(qtbot, live, counter)
    find(qtbot, counter, first["number"])
    wait_for(qtbot, lambda: counter.prompt == "choices")
    key(qtbot, counter, Qt.Key.Key_2)
    wait_for(qtbot, lambda: counter.flow.state is CounterState.CALLED)
    assert counter.flow.ticket["number"] == first["number"]


def test_a_hall_that_forbids_late_calls_offers_only_the_queue(qtbot, live: LiveHall) -> None:
    live.hall.store.update_hall(live.hall.store.authenticate(live.token("manager")), {"rules": {"late_call_at_window": False}})
    first = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    missed(qtbot, live, counter)
    find(qtbot, counter, first["number"])
    wait_for(qtbot, lambda: counter.prompt == "choices")
    assert [b.text() for b in counter.prompts.choices.buttons] == ["1 重新排队（回到队首后第 3 位）"]
    key(qtbot, counter, Qt.Key.Key_Escape)
    key(qtbot, counter, Qt.Key.Key_F7)  # typed as a plain call instead: the server refuses, in both languages
    qtbot.keyClicks(counter.line_edit, first["number"])
    key(qtbot, counter.line_edit, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: "重新排队" in counter.message_label.text())
    assert "requeue" in counter.message_label.text() and counter.flow.state is CounterState.IDLE


def test_a_waiting_ticket_can_be_called_and_a_busy_window_only_sees_it(qtbot, live: LiveHall) -> None:
    live.issue("A")
    second = live.issue("A")
    counter = make_counter(qtbot, live, staff="1001")
    find(qtbot, counter, second["number"])
    wait_for(qtbot, lambda: counter.prompt == "choices")
    assert "等候中，前面 1 人" in counter.prompts.title.text()
    assert [b.text() for b in counter.prompts.choices.buttons] == ["1 立即呼叫到本窗口"]
    key(qtbot, counter, Qt.Key.Key_1)
    wait_for(qtbot, lambda: counter.flow.ticket and counter.flow.ticket["number"] == second["number"])
    third = live.issue("A")
    find(qtbot, counter, third["number"])  # busy with the second: found, but not callable now
    wait_for(qtbot, lambda: "本窗口空闲时才能立即呼叫" in counter.message_label.text())
    assert counter.prompt is None


@pytest.mark.parametrize(("number", "zh", "en"), [("Z999", "找不到今日号码 Z999", "not found"), ("###", "", "")])
def test_find_errors_are_bilingual(qtbot, live: LiveHall, number: str, zh: str, en: str) -> None:
    counter = make_counter(qtbot, live, staff="1001")
    find(qtbot, counter, number)
    wait_for(qtbot, lambda: " / " in counter.message_label.text())
    text = counter.message_label.text()
    assert zh in text and en in text and counter.prompt is None


def test_the_counter_beats_with_its_printer_and_keypad(qtbot, live: LiveHall) -> None:
    from hardware.serial.fakes import TcpDeviceLine

    device = TcpDeviceLine()
    try:
        counter = make_counter(qtbot, live, keypad_url=device.url, keypad_windows={0x01: 1})
        wait_for(qtbot, lambda: counter.heartbeat.sent and "keypad" in counter.heartbeat.sent[-1])
        beat = counter.heartbeat.sent[-1]
        assert beat["printer"]["state"] == "ok" and beat["keypad"]["state"] == "ok"
        mine = next(d for d in live.hall.store.devices(live.hall.hall_id) if d["role"] == "counter")
        assert mine["health"]["keypad"]["state"] == "ok"
        counter.close()
        assert not counter.heartbeat.timer.isActive(), "stopped with the window"
    finally:
        device.close()


def test_a_counter_without_devices_still_beats(qtbot, live: LiveHall) -> None:
    counter = make_counter(qtbot, live, printer_url="")
    wait_for(qtbot, lambda: counter.heartbeat.sent)
    assert counter.heartbeat.sent[-1] == {}
