"""The console's 预约 tab against a real hall server on 127.0.0.1 (offscreen): the calendar shows
the numbers the API gives (bookings, a check-in, a no-show), a phone booking made through the form
takes a place, a refusal is shown in both languages, a settings change round-trips (and a bad
value is refused under its field, changing nothing), the day's CSV is saved masked, and a
non-manager's connection gets none of the data."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from manager.app import create_window
from manager.bookings_tab import BookingsTab
from manager.window import ManagerWindow
from server.client import HallClient
from tests.counter.live import LiveHall, wait_for
from ui.connection import ServerConnection

PHONE = "13812345678"


def book(manager: HallClient, day: str, start: str, phone: str, name: str = "张三") -> dict[str, Any]:
    return manager.request("POST", "/api/bookings/phone", {"item": "C02", "day": day, "start": start, "name": name, "phone": phone})


def bookings_tab(qtbot: Any, live: LiveHall) -> tuple[ManagerWindow, BookingsTab]:
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    window.resize(1600, 1000)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    tab = window.bookings_page
    with qtbot.waitSignal(tab.calendar_page.day_shown, timeout=15_000):
        window.tabs.setCurrentWidget(tab)
    return window, tab


def test_the_calendar_shows_what_the_api_gives(qtbot: Any, live: LiveHall, tmp_path: Path) -> None:
    manager = live.client("manager")
    missed = book(manager, "2026-11-17", "10:30", "13900000001")
    came = book(manager, "2026-11-17", "10:30", "13900000002")
    book(manager, "2026-11-17", "14:00", "13900000003")
    book(manager, "2026-11-18", "09:30", "13900000004")
    live.client("kiosk").check_in(came["code"])
    live.clock.advance(95 * 60)  # 11:35: the 10:30 slot ended 35 minutes ago
    assert manager.request("POST", "/api/bookings/housekeeping")["no_shows"] == 1
    api = manager.bookings_calendar(date(2026, 11, 17), 14)

    window, tab = bookings_tab(qtbot, live)
    page = tab.calendar_page
    assert window.tabs.tabText(window.tabs.indexOf(tab)).startswith("预约")
    assert page.days_table.rowCount() == 14
    today = api["days"][0]
    cells = [page.days_table.item(0, c).text() for c in range(6)]
    assert cells == ["2026-11-17", "周二 Tue", f"3 / {today['capacity']}", f"{round(today['fill'] * 100)}%", "1", "1"]
    assert page.grid_text("10:30", "C") == "2/3 ✔1 ✘1"
    assert page.grid_text("14:00", "C") == "1/3"
    assert "爽约 1" in page.day_total.text()
    listed = {page.list_table.item(r, 1).text(): page.list_table.item(r, 4).text() for r in range(page.list_table.rowCount())}
    assert listed[came["code"]] == "已取号 Checked in" and listed[missed["code"]] == "爽约 No-show"
    assert all("****" in page.list_table.item(r, 7).text() for r in range(page.list_table.rowCount()))

    with qtbot.waitSignal(page.day_shown, timeout=10_000):
        page.select_day("2026-11-18")
    assert page.grid_text("09:30", "C") == "1/3" and page.list_table.rowCount() == 1

    page.export()
    dialog = page.save_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "预约.csv"
    with qtbot.waitSignal(page.file_saved, timeout=15_000):
        dialog.selectFile(str(target))
        dialog.accept()
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert lines[0][0] == "预约码 Code" and len(lines) == 2 and lines[1][7] == "139****0004"
    assert "13900000004" not in target.read_text(encoding="utf-8-sig")


def test_a_phone_booking_through_the_form_takes_a_place_and_a_refusal_is_shown(qtbot: Any, live: LiveHall) -> None:
    manager = live.client("manager")
    _window, tab = bookings_tab(qtbot, live)
    form = tab.phone_page
    with qtbot.waitSignal(form.choices_shown, timeout=10_000):
        tab.pages.setCurrentWidget(form)
    with qtbot.waitSignal(form.choices_shown, timeout=10_000):
        form.choose("C02", "2026-11-18", "")
    form.choose("C02", "2026-11-18", "14:00")
    assert form.slot_box.currentData() == "14:00" and "余 3 个 left" in form.slot_box.currentText()
    chain, widget = [form.item_box], form.item_box.nextInFocusChain()
    while len(chain) < 6 and widget is not form.item_box:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled():
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == [form.item_box, form.day_box, form.slot_box, form.name_edit, form.phone_edit, form.submit_button]  # Tab runs down the form
    form.name_edit.insert("李四")  # QTest cannot type CJK (it aborts); the digits below are typed as keys
    qtbot.keyClicks(form.phone_edit, PHONE)
    with qtbot.waitSignal(form.booked, timeout=10_000) as made:
        qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)  # Enter submits
    code = made.args[0]["code"]
    assert code.replace(" ", "") in form.code_label.text().replace(" ", "")
    assert "138****5678" in form.details_label.text() and PHONE not in form.details_label.text()
    slots = manager.booking_slots("C02", date(2026, 11, 18))["slots"]
    assert next(s for s in slots if s["start"] == "14:00")["left"] == 2
    wait_for(qtbot, lambda: "余 2 个 left" in form.slot_box.currentText())
    left = next(d["left"] for d in manager.booking_days("C02")["days"] if d["date"] == "2026-11-18")
    assert form.day_box.currentData() == "2026-11-18" and f"余 {left} 个 left" in form.day_box.currentText()
    listed = manager.bookings_day(date(2026, 11, 18))
    assert [(b["code"], b["channel"], b["phone"]) for b in listed] == [(code, "phone", "138****5678")]

    assert form.name_edit.text() == "" and form.phone_edit.text() == ""  # only the masked number stays on screen
    # the same number again that day and category: refused by the server, in both languages
    form.name_edit.setText("李四")
    form.phone_edit.setText(PHONE)
    form.choose("C02", "2026-11-18", "14:30")
    with qtbot.waitSignal(form.refused, timeout=10_000):
        form.submit()
    text = form.message.text()
    assert text.startswith("未能预约：") and "\nNot booked: " in text
    # the slot filled by others while the manager was on the phone
    form.name_edit.setText("王五")
    form.phone_edit.setText("13700000000")
    form.choose("C02", "2026-11-18", "15:00")
    for n in range(3):
        book(manager, "2026-11-18", "15:00", f"1360000000{n}")
    with qtbot.waitSignal(form.refused, timeout=10_000) as refused:
        form.submit()
    assert refused.args == ["slot_full"]
    assert "已约满" in form.message.text() and "fully booked" in form.message.text()
    assert len(manager.bookings_day(date(2026, 11, 18))) == 4


def test_settings_round_trip_and_a_bad_value_is_refused_under_its_field(qtbot: Any, live: LiveHall) -> None:
    manager = live.client("manager")
    _window, tab = bookings_tab(qtbot, live)
    page = tab.settings_page
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        tab.pages.setCurrentWidget(page)
    published = manager.bookings_settings()["booking"]
    assert page.number_spins["per_week"].value() == published["per_week"] == 2
    assert page.share_spin.value() == round(published["share"] * 100) and "C" in page.share_spins
    page.number_spins["per_week"].setValue(4)
    page.share_spins["C"].setValue(65)
    page.holiday_edits["closed_dates"].setPlainText("2026-11-19")
    page.holiday_edits["extra_workdays"].setPlainText("2026-11-22")
    assert page.changes() == {"booking": {"per_week": 4, "shares": {**published["shares"], "C": 0.65}}, "hours": {"closed_dates": ["2026-11-19"], "extra_workdays": ["2026-11-22"]}}
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.save()
    settings = manager.bookings_settings()
    assert settings["booking"]["per_week"] == 4 and settings["booking"]["shares"]["C"] == 0.65
    assert settings["closed_dates"] == ["2026-11-19"] and settings["extra_workdays"] == ["2026-11-22"]
    assert page.number_spins["per_week"].value() == 4 and page.share_spins["C"].value() == 65
    assert "已保存" in page.message.text() and page.changes() == {}
    days = [d["date"] for d in manager.booking_days("C02")["days"]]
    assert "2026-11-19" not in days and "2026-11-22" in days  # the holiday closed, the 调休 Sunday open

    page.number_spins["per_week"].setValue(0)
    with qtbot.waitSignal(page.refused, timeout=10_000) as refused:
        page.save()
    assert refused.args == ["per_week"]
    assert "booking.per_week" in page.error_text("per_week") and "should be a whole number" in page.error_text("per_week")
    assert manager.bookings_settings()["booking"]["per_week"] == 4

    page.number_spins["per_week"].setValue(4)
    page.holiday_edits["closed_dates"].setPlainText("2026-11-19\n2026-13-01")
    with qtbot.waitSignal(page.refused, timeout=10_000) as refused:
        page.save()
    assert refused.args == ["closed_dates"] and "2026-13-01" in page.error_text("closed_dates") and page.error_text("per_week") == ""
    assert manager.bookings_settings()["closed_dates"] == ["2026-11-19"]


def test_a_non_manager_connection_gets_none_of_the_data(qtbot: Any, live: LiveHall) -> None:
    book(live.client("manager"), "2026-11-17", "14:00", PHONE)
    for role, window in (("kiosk", None), ("counter", 3), ("display", None)):
        tab = BookingsTab(ServerConnection(live.url, live.token(role, window)))
        qtbot.addWidget(tab)
        live.widgets.append(tab)
        with qtbot.waitSignal(tab.calendar_page.query_failed, timeout=10_000) as failed:
            tab.load()
        assert failed.args == ["forbidden"]
        assert tab.calendar_page.days_table.rowCount() == 0 and tab.calendar_page.list_table.rowCount() == 0
        assert "无权" in tab.calendar_page.message.text()
        with qtbot.waitSignal(tab.settings_page.refused, timeout=10_000):
            tab.settings_page.published = {"booking": {"per_week": 2}}
            tab.settings_page.number_spins["per_week"].setValue(9)
            tab.settings_page.save()
        assert "无权" in tab.settings_page.message.text()
