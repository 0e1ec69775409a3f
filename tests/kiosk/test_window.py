"""The kiosk window on a real hall server: taking numbers, check-in, printer faults, outages, estimates
from the one truth, closed hours with browsing, printer health by heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from db.common import Actor
from hardware.printer import FakeCondition, FaultKind, PrinterFault
from kiosk.flow import PrintState, Step
from server.client import HallClient
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
    for digit in "0000000000":  # no booking code has a 0: unknown for sure
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


# ---------------------------------------------------------------------- one truth, closed hours, printer health


def tile(window: Any, series: str) -> str:
    return window.category_buttons[series].accessibleName()


def label(window: Any, name: str) -> QLabel:
    found = window.page.findChild(QLabel, name)
    assert found is not None, name
    return found


def test_unstaffed_windows_give_no_estimate_until_a_clerk_logs_in(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    hall_server.client().issue("C")
    hall_server.client().issue("C")
    window = make_kiosk()
    qtbot.waitUntil(lambda: "等候 2 人" in tile(window, "C"), timeout=TIMEOUT)
    # windows 5-7 are open for C but nobody is logged in: no window serves it, so no estimate
    for series in window.category_buttons:
        assert "约 0 分钟" not in tile(window, series) and "目前无人等候" not in tile(window, series)
        assert "暂无窗口办理" in tile(window, series)
    assert "分钟" not in tile(window, "C")
    # the confirm page says so too, and still issues (tickets are never capped)
    click(qtbot, window.category_buttons["C"])
    click(qtbot, button(window, "skip-items"))
    assert "没有窗口" in label(window, "unserved-warning").text()
    assert window.confirm_button.isEnabled()
    click(qtbot, button(window, "back"))
    click(qtbot, button(window, "back"))
    assert window.flow.step is Step.HOME
    # a clerk logs in at window 5 (C): the estimate appears
    counter_token = hall_server.hall.store.enroll_device(None, hall_server.hall.hall_id, "counter", "c5", 5)["token"]
    HallClient(hall_server.url, counter_token).login("1001", "1001")
    qtbot.waitUntil(lambda: "等候 2 人 · 约" in tile(window, "C"), timeout=TIMEOUT)
    assert "分钟" in tile(window, "C") and "暂无窗口办理" not in tile(window, "C")
    click(qtbot, window.category_buttons["C"])
    click(qtbot, button(window, "skip-items"))
    assert window.page.findChild(QLabel, "unserved-warning") is None


def test_closed_friday_night_says_when_and_browses_without_issuing(qtbot: Any, make_kiosk: Any, hall_server: HallServer, clock: Any) -> None:
    clock.set(datetime(2026, 11, 20, 13, 0, tzinfo=UTC))  # Friday 21:00 in Shanghai
    window = make_kiosk()
    assert window.flow.hall["period"] == "closed"
    assert label(window, "closed-notice").text() == "当前非办公时间"
    assert "明天11月21日（周六）09:00，仅办理预约" in label(window, "next-opening").text()
    assert "11月23日（周一）08:30" in label(window, "walk-ins").text()
    hours = [found.text() for found in window.page.findChildren(QLabel, "hours-line")]
    assert any("08:30-12:00" in line for line in hours) and any("仅预约" in line for line in hours)
    assert not window.check_in_button.isVisible() and not window.priority_button.isVisible()  # closed: no check-in
    assert not any("预约签到" in found.text() for found in window.page.findChildren(QLabel))
    assert "查看办理事项" in tile(window, "C")
    assert "随到随取" not in window.footer.text()  # no number now: the footer must not promise one
    # browse: category -> items -> materials, with Back instead of a number
    click(qtbot, window.category_buttons["C"])
    assert window.flow.step is Step.ITEMS and window.flow.browsing
    assert window.page.findChild(QPushButton, "skip-items") is None
    assert "11月23日（周一）08:30" in label(window, "tickets-from").text()
    click(qtbot, button(window, "item-C01"))
    assert window.flow.step is Step.MATERIALS and window.flow.materials()
    assert window.page.findChild(QPushButton, "materials-next") is None
    assert "不能取号" in label(window, "tickets-from").text()
    window._confirm()  # nothing can slip a request out of browse mode
    assert window.flow.step is Step.MATERIALS and window.flow.pending is None
    click(qtbot, button(window, "back"))
    click(qtbot, button(window, "back"))
    assert window.flow.step is Step.HOME and not window.flow.browsing
    # a scanner typing a booking code cannot start a check-in while closed
    qtbot.keyClicks(window, "123456")
    assert window.flow.step is Step.HOME
    qtbot.wait(300)
    assert hall_server.ticket_count() == 0
    # in English too
    click(qtbot, window.language_button)
    assert "Sat 21 Nov at 09:00, bookings only" in label(window, "next-opening").text()


def test_saturday_bookings_only_offers_check_in(qtbot: Any, make_kiosk: Any, clock: Any) -> None:
    clock.set(datetime(2026, 11, 21, 2, 0, tzinfo=UTC))  # Saturday 10:00: appointments only
    window = make_kiosk()
    assert window.check_in_button.isVisible() and window.check_in_button.isEnabled()
    assert window.page.findChild(QLabel, "next-opening") is None
    assert "11月23日（周一）08:30" in label(window, "walk-ins").text()
    click(qtbot, window.check_in_button)
    assert window.flow.step is Step.CHECK_IN


def kiosk_printer(hall_server: HallServer) -> dict[str, str]:
    devices = hall_server.hall.store.devices(hall_server.hall.hall_id)
    return next(d for d in devices if d["role"] == "kiosk")["health"].get("printer", {})


def test_printer_health_reaches_the_server_and_the_banner_both_ways(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk("fake://?condition=ready")
    assert window.heartbeat is not None
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "ok", timeout=TIMEOUT)
    window.printer.output.escpos.condition = FakeCondition.PAPER_OUT  # the roll runs out, nobody has pressed yet
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "paper_out", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.banner.isVisible() and "缺纸" in window.banner.text(), timeout=TIMEOUT)
    assert window.flow.printer_trouble is not None
    window.printer.output.escpos.condition = FakeCondition.READY  # refilled
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "ok", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=TIMEOUT)
    assert window.flow.printer_trouble is None
    window.close()
    assert not window.heartbeat.timer.isActive() and not window._printer_timer.isActive()


def test_a_one_slip_printer_fault_still_reaches_the_manager(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk("fake://?condition=ready")
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "ok", timeout=TIMEOUT)
    window._print_failed(PrinterFault(FaultKind.IO_ERROR))  # a cable knocked loose for one slip; the printer answers ready again
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "failing", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: kiosk_printer(hall_server).get("state") == "ok", timeout=TIMEOUT)  # cleared once it was heard
    assert window.flow.printer_trouble is None
