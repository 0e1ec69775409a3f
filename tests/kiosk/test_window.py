"""The kiosk window on a real hall server: taking numbers, check-in, printer faults, outages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from db.common import Actor
from hardware.printer import FakeCondition
from kiosk.flow import PrintState, Step
from tests.kiosk.conftest import HallServer

TIMEOUT = 10_000


def button(window: Any, name: str) -> QPushButton:
    found = window.page.findChild(QPushButton, name)  # the current page: old pages are deleted later
    assert found is not None, name
    return found


def click(qtbot: Any, widget: QPushButton) -> None:
    assert widget.isEnabled() and widget.isVisible(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def take_ticket(qtbot: Any, window: Any, series: str = "C", item: str | None = "C01") -> dict[str, Any]:
    click(qtbot, window.category_buttons[series])
    if item:
        click(qtbot, button(window, f"item-{item}"))
        assert window.flow.step is Step.MATERIALS
        click(qtbot, button(window, "materials-next"))
    assert window.flow.step is Step.CONFIRM
    click(qtbot, window.confirm_button)
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    return window.flow.ticket


def test_plain_path_prints_after_commit(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk("dummy://?mode=raster")
    assert all(b.minimumHeight() >= 90 for b in window.category_buttons.values())
    ticket = take_ticket(qtbot, window)
    assert ticket["number"] == "C001" and ticket["items"] == ["C01"]
    assert window.page.findChild(QLabel, "ticket-number").text() == "C001"
    assert not window.page.findChild(QLabel, "ticket-qr").pixmap().isNull()
    assert window.flow.print_state is PrintState.PRINTED
    assert len(window.printer.output.escpos.output) > 1000  # raster slip bytes reached the printer
    assert hall_server.ticket_count() == 1
    click(qtbot, button(window, "finish"))
    assert window.flow.step is Step.HOME


def test_category_buttons_follow_the_live_queue(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    hall_server.client().issue("B")
    hall_server.client().issue("B")
    qtbot.waitUntil(lambda: "等候 2 人" in window.category_buttons["B"].accessibleName(), timeout=TIMEOUT)


def test_skip_items_takes_a_plain_number(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.category_buttons["A"])
    click(qtbot, button(window, "skip-items"))
    click(qtbot, window.confirm_button)
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    assert window.flow.ticket["items"] == []


def test_priority_lane(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.priority_button)
    click(qtbot, button(window, "priority-elderly"))
    assert window.flow.step is Step.HOME and window.flow.priority_reason == "elderly"
    ticket = take_ticket(qtbot, window, "D", None if not window.flow.category("D")["items"] else window.flow.category("D")["items"][0]["code"])
    assert ticket["priority"] is True and ticket["priority_reason"] == "elderly"
    click(qtbot, button(window, "finish"))
    assert window.flow.priority_reason is None


def test_appointment_check_in_by_scanner(qtbot: Any, make_kiosk: Any, hall_server: HallServer, clock: Any) -> None:
    manager = Actor(hall_id=hall_server.hall.hall_id, role="manager", name="test")
    appointment = hall_server.hall.store.add_appointment(manager, "C", clock.now() + timedelta(minutes=20))
    window = make_kiosk()
    qtbot.keyClicks(window, appointment["code"])  # a scanner types digits ...
    assert window.flow.step is Step.CHECK_IN and window.flow.code == appointment["code"]
    qtbot.keyClick(window, Qt.Key.Key_Return)  # ... and Enter
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    assert window.flow.ticket["appointment_at"] is not None and window.flow.ticket["series"] == "C"


def test_check_in_with_unknown_code_says_so(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.check_in_button)
    for digit in "000000":
        click(qtbot, button(window, f"key-{digit}"))
    click(qtbot, button(window, "submit-code"))
    qtbot.waitUntil(lambda: window.flow.message is not None, timeout=TIMEOUT)
    assert window.flow.step is Step.CHECK_IN and "预约码" in window.flow.message.zh
    assert hall_server.ticket_count() == 0


def test_language_switch(qtbot: Any, make_kiosk: Any) -> None:
    window = make_kiosk()
    assert "投资建设项目" in window.category_buttons["A"].accessibleName()
    click(qtbot, window.language_button)
    assert "Investment" in window.category_buttons["A"].accessibleName()
    assert window.language_button.text() == "中文"
    click(qtbot, window.language_button)
    assert "投资建设项目" in window.category_buttons["A"].accessibleName()


def test_large_text_mode(qtbot: Any, make_kiosk: Any) -> None:
    window = make_kiosk()
    before = window.hall_label.font().pointSize()
    click(qtbot, window.large_text_button)
    assert window.flow.large_text and window.hall_label.font().pointSize() > before


def test_idle_kiosk_goes_home(qtbot: Any, make_kiosk: Any) -> None:
    window = make_kiosk()
    now = [5000.0]
    window.flow.now = lambda: now[0]
    click(qtbot, window.category_buttons["A"])
    click(qtbot, button(window, "item-A01"))
    assert window.flow.step is Step.MATERIALS
    now[0] += window.flow.IDLE_SECONDS + 1
    window._tick()
    assert window.flow.step is Step.HOME and window.category_buttons  # home page redrawn


def test_printer_fault_shows_the_ticket_and_keeps_issuing(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk("fake://?condition=paper_out")
    faults: list[str] = []
    window.printer_fault_reported.connect(faults.append)
    ticket = take_ticket(qtbot, window)
    assert window.flow.print_state is PrintState.FAULT and "缺纸" in window.flow.print_fault.zh
    assert window.page.findChild(QLabel, "ticket-number").text() == ticket["number"]
    assert not window.page.findChild(QLabel, "ticket-qr").pixmap().isNull()
    assert faults == ["paper_out"]
    assert window.printer.output.escpos.printed == b""  # nothing sent to a printer without paper
    click(qtbot, button(window, "finish"))
    assert window.banner.isVisible() and "缺纸" in window.banner.text()
    second = take_ticket(qtbot, window)  # on-screen tickets keep coming
    assert second["number"] == "C002" and hall_server.ticket_count() == 2
    # paper loaded: a reprint of the same ticket prints and the warning goes away
    window.printer.output.escpos.condition = FakeCondition.READY
    click(qtbot, button(window, "reprint"))
    qtbot.waitUntil(lambda: window.flow.print_state is PrintState.PRINTED, timeout=TIMEOUT)
    assert window.flow.printer_trouble is None and len(window.printer.output.escpos.printed) > 0
    assert hall_server.ticket_count() == 2


def test_server_down_pauses_without_a_ghost_ticket_then_recovers(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.category_buttons["A"])
    click(qtbot, button(window, "skip-items"))
    hall_server.stop()
    click(qtbot, window.confirm_button)
    qtbot.waitUntil(lambda: window.flow.step is Step.PAUSED, timeout=TIMEOUT)
    paused = window.page.findChild(QLabel, "paused")
    assert paused is not None and paused.text() == "暂停取号，请稍候"
    assert window.flow.ticket is None and hall_server.ticket_count() == 0
    hall_server.restart()
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)  # the same request, resent
    assert hall_server.ticket_count() == 1 and window.flow.ticket["number"] == "A001"
    click(qtbot, button(window, "finish"))
    assert take_ticket(qtbot, window, "A", "A01")["number"] == "A002"


def test_server_down_on_home_pauses_and_cancelled_request_is_never_sent(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.category_buttons["J"])
    if window.flow.step is Step.ITEMS:
        click(qtbot, button(window, "skip-items"))
    hall_server.stop()
    click(qtbot, window.confirm_button)
    qtbot.waitUntil(lambda: window.flow.step is Step.PAUSED, timeout=TIMEOUT)
    click(qtbot, button(window, "cancel-pending"))
    hall_server.restart()
    qtbot.waitUntil(lambda: window.flow.step is Step.HOME and window.flow.online, timeout=TIMEOUT)
    qtbot.wait(300)
    assert hall_server.ticket_count() == 0


def test_double_press_gives_one_ticket(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    click(qtbot, window.category_buttons["A"])
    click(qtbot, button(window, "skip-items"))
    confirm = window.confirm_button
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)  # the old button, if still there, is disabled
    window._confirm()  # even a press that slips past the disabled button sends nothing
    if window.confirm_button is not None:
        assert not window.confirm_button.isEnabled()
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    qtbot.wait(300)
    assert hall_server.ticket_count() == 1
