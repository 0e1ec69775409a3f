"""The manager's 考勤 page against a real hall server: a morning's sign-in, pause, sign-out and an
absent mark show as rows in both languages, the console opens it as a tab (today on first
visit), and the CSV / XLSX / PDF downloads land in files that open."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from manager.app import create_window
from manager.attendance_view import AttendanceView
from manager.window import ManagerWindow
from tests.counter.live import LiveHall, wait_for
from ui.connection import ServerConnection

TUESDAY = date(2026, 11, 17)  # the live hall's business day


def work_a_morning(live: LiveHall) -> None:
    """1003 at window 3 for an hour with a 20-minute 培训 pause; the manager marks 1017 absent."""
    clerk = live.clerk_client(3, "1003")
    live.clock.advance(600)
    clerk.pause(3, "培训")
    live.clock.advance(1200)
    clerk.resume(3)
    live.clock.advance(1800)
    clerk.logout()
    live.client("manager").set_roster("1017", absent=True, reason="病假")


def attendance_page(qtbot: Any, live: LiveHall) -> AttendanceView:
    page = AttendanceView(ServerConnection(live.url, live.token("manager")))
    qtbot.addWidget(page)
    live.widgets.append(page)
    page.set_today(TUESDAY)
    return page


def column(page: AttendanceView, name_zh: str) -> int:
    headers = [page.table.horizontalHeaderItem(index).text() for index in range(page.table.columnCount())]
    return headers.index(name_zh)


def test_a_morning_in_both_languages(qtbot: Any, live: LiveHall) -> None:
    work_a_morning(live)
    page = attendance_page(qtbot, live)
    assert page.period() == (TUESDAY, TUESDAY)
    with qtbot.waitSignal(page.table_shown, timeout=10_000):
        page.query()
    assert page.table.rowCount() == 2
    assert [page.cell_text(row, column(page, "工号")) for row in range(2)] == ["1003", "1017"]
    assert page.cell_text(0, column(page, "实际工作（分钟）")) == "40"
    assert page.cell_text(0, column(page, "暂停原因")) == "培训 1次 20分"
    assert page.cell_text(1, column(page, "状态")) == "缺勤"
    assert "2 条考勤记录" in page.message.text()

    page.toggle_language()
    assert page.cell_text(1, column(page, "Status")) == "absent"
    assert page.cell_text(0, column(page, "Pause reasons")) == "培训 ×1 20 min"
    assert page.query_button.text() == "Show attendance"


def save_through_dialog(qtbot: Any, page: AttendanceView, fmt: str, path: Path) -> None:
    page.export(fmt)
    dialog = page.save_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(page.file_saved, timeout=15_000) as saved:
        dialog.selectFile(str(path))
        dialog.accept()
    assert saved.args == [str(path)]


def test_exports_write_files_that_open(qtbot: Any, live: LiveHall, tmp_path: Path) -> None:
    work_a_morning(live)
    page = attendance_page(qtbot, live)
    save_through_dialog(qtbot, page, "csv", tmp_path / "考勤.csv")
    lines = list(csv.reader(io.StringIO((tmp_path / "考勤.csv").read_text(encoding="utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == ["1003", "1017"]
    save_through_dialog(qtbot, page, "xlsx", tmp_path / "考勤.xlsx")
    values = [cell for line in openpyxl.load_workbook(tmp_path / "考勤.xlsx").worksheets[0].iter_rows(values_only=True) for cell in line]
    assert "1003" in values
    save_through_dialog(qtbot, page, "pdf", tmp_path / "考勤.pdf")
    assert (tmp_path / "考勤.pdf").read_bytes().startswith(b"%PDF")


def test_a_bad_period_is_refused_in_both_languages(qtbot: Any, live: LiveHall) -> None:
    page = attendance_page(qtbot, live)
    page.set_period(TUESDAY, date(2026, 11, 1))
    with qtbot.waitSignal(page.query_failed, timeout=10_000) as failed:
        page.query()
    assert failed.args == ["bad_period"]
    assert "考勤查询失败" in page.message.text() and "Attendance failed" in page.message.text()


def test_the_console_has_an_attendance_tab(qtbot: Any, live: LiveHall) -> None:
    work_a_morning(live)
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    assert window.attendance_page.today == TUESDAY
    with qtbot.waitSignal(window.attendance_page.table_shown, timeout=10_000):
        window.tabs.setCurrentWidget(window.attendance_page)
    assert window.attendance_page.table.rowCount() == 2
