"""The staffing plan tab (排班建议) against a real hall server with a week of history: the table of
slots × categories, the shortfall in red, the lunch turns, the day choices, CSV and PDF exports.
The tab's words (manager/staffing_text.py) are checked first, without Qt."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from manager.app import create_window
from manager.staffing_tab import SHORT_BACKGROUND, StaffingTab
from manager.staffing_text import cell_text, day_choices
from manager.window import ManagerWindow
from tests.counter.live import LiveHall, wait_for

TUESDAY = date(2026, 11, 17)  # the live hall's first day, 10:00


def test_day_choices_are_today_tomorrow_and_the_next_weekend_day() -> None:
    assert [d for _, d in day_choices(TUESDAY)] == [TUESDAY, date(2026, 11, 18), date(2026, 11, 21)]
    saturday = date(2026, 11, 21)
    assert [d for _, d in day_choices(saturday)] == [saturday, date(2026, 11, 22), date(2026, 11, 22)]
    assert [n.zh for n, _ in day_choices(TUESDAY)] == ["今天", "明天", "下一个周末日"]
    assert (cell_text(3, 16.4), cell_text(0, 0.0), cell_text(1, 0.3)) == ("3 (16)", "—", "1 (0)")


def build_rush_history(live: LiveHall) -> None:
    """25 户籍出入境 (G) tickets between 10:00 and 10:25 on five workdays (Tue 17th to Mon 23rd);
    the console is then opened on Tuesday the 24th at 09:50. The G forecast at 10:00 is 50 an
    hour × 7 minutes, a load of 5.8: six windows would leave a mean wait of 39 minutes, seven give
    3.4 minutes and 95 % within the 15-minute target. Five clerks are trained for G, so the 10:00
    slot goes 2 short in G."""
    day = TUESDAY
    while day < date(2026, 11, 24):
        if day.isoweekday() <= 5:
            for _ in range(25):
                live.issue("G", advance=60)
        live.clock.advance(timedelta(days=1))
        live.clock.advance(-timedelta(minutes=25) if day.isoweekday() <= 5 else timedelta(0))
        day += timedelta(days=1)
    live.clock.advance(-timedelta(minutes=10))


def staffing_tab(qtbot: Any, live: LiveHall) -> tuple[ManagerWindow, StaffingTab]:
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    window.resize(1600, 1000)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    page = window.staffing_page
    with qtbot.waitSignal(page.plan_shown, timeout=15_000):
        window.tabs.setCurrentWidget(page)
    return window, page


def test_the_tab_shows_the_plan_and_the_shortfall_in_red(qtbot: Any, live: LiveHall, tmp_path: Path) -> None:
    build_rush_history(live)
    window, page = staffing_tab(qtbot, live)
    assert window.tabs.tabText(window.tabs.indexOf(page)).startswith("排班建议")
    assert page.today == date(2026, 11, 24) and page.plan is not None and page.plan["date"] == "2026-11-24"
    assert page.short_slots() == ["10:00"]
    table = page.table
    heads = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    g_column = heads.index("G 户籍出入境")
    assert table.horizontalHeaderItem(g_column).toolTip() == "G Household Registration & Exit-Entry"
    starts = [table.item(r, 0).text()[:5] for r in range(table.rowCount())]
    ten = starts.index("10:00")
    assert table.item(ten, g_column).text() == "7 (50)"
    assert table.item(ten, g_column).background().color() == QColor(SHORT_BACKGROUND)
    assert table.item(ten, heads.index("缺口")).text() == "2"
    assert table.item(starts.index("09:30"), g_column).text() == "—"
    assert "上午高峰 10:00 需 7 个窗口" in page.summary_label.text() and "Morning peak 10:00" in page.summary_label.text()
    assert "第1批午休 11:30–12:30" in page.lunch_label.text()
    assert "1 个时段人手不足" in page.message.text() and "1 slots go short" in page.message.text()

    with qtbot.waitSignal(page.file_saved, timeout=15_000):
        page.save_csv(tmp_path / "plan.csv")
    lines = list(csv.reader(io.StringIO((tmp_path / "plan.csv").read_text(encoding="utf-8-sig"))))
    assert lines[0] == ["排班建议 Staffing plan 2026-11-24"] and lines[1][0] == "时段 Slot"
    ten_line = next(line for line in lines if line[0] == "10:00-10:30")
    g_windows = lines[1].index("G 户籍出入境 窗口 windows")
    assert (ten_line[g_windows], ten_line[g_windows + 1], ten_line[-1]) == ("7", "50.0", "2")

    page.ask_path("pdf")
    dialog = page.save_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(page.file_saved, timeout=15_000):
        dialog.selectFile(str(tmp_path / "plan.pdf"))
        dialog.accept()
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF")

    with qtbot.waitSignal(page.plan_shown, timeout=15_000):
        page.choose(2)  # the next weekend day: appointments only, no G rush
    assert page.plan["date"] == "2026-11-28" and page.short_slots() == []
    assert table.item(0, 1).text() == "预约"


def test_a_server_that_went_away_is_said_in_both_languages(qtbot: Any, live: LiveHall) -> None:
    _window, page = staffing_tab(qtbot, live)
    assert "尚无办件历史" in page.summary_label.text() and "No history yet" in page.summary_label.text()
    live.server.stop()
    with qtbot.waitSignal(page.plan_failed, timeout=15_000):
        page.load()
    assert "排班建议无法读取" in page.message.text() and "could not be read" in page.message.text()
    assert page.refresh_button.isEnabled() and page.plan is not None  # the last plan stays


def test_cross_training_is_simulated_on_the_hall_as_it_is_shown_and_printed(qtbot: Any, live: LiveHall) -> None:
    """交叉培训建议: the server builds the hall from its database (not the file it started from),
    screens every clerk × untrained category and simulates the best three on 5 seeds."""
    from db.cross_training import hall_config

    with live.hall.store.read() as session:
        config = hall_config(session, live.hall.hall_id)
    skills = {c.staff_no: set(c.skills) for c in config.clerks}
    assert [w.number for w in config.windows] == list(range(1, 21)) and len(config.categories) == 9

    _window, page = staffing_tab(qtbot, live)
    with qtbot.waitSignal(page.training_shown, timeout=180_000):
        qtbot.mouseClick(page.training_button, Qt.MouseButton.LeftButton)
    training = page.training
    assert training is not None and training["seeds"] == 5 and training["days_observed"] == 0
    suggestions = training["suggestions"]
    assert 1 <= len(suggestions) <= 3
    for suggestion in suggestions:
        assert suggestion["train_in"] not in skills[suggestion["staff_no"]]  # a category the clerk cannot serve yet
        before, after, saving = suggestion["mean_before"], suggestion["mean_after"], suggestion["saving"]
        assert abs((before["value"] - after["value"]) - saving["value"]) < 0.01  # paired by seed: the mean of the differences
    savings = [s["saving"]["value"] for s in suggestions]
    assert savings == sorted(savings, reverse=True)
    assert not page.training_table.isHidden() and page.training_table.rowCount() == len(suggestions)
    first = suggestions[0]
    assert page.training_table.item(0, 0).text() == f"{first['staff_no']} {first['name']}"
    assert page.training_table.item(0, 2).text() == f"{first['train_in']} {first['train_in_zh']}"
    assert "尚无历史数据" in page.training_label.text()
    printed = page._document().toPlainText()
    assert "交叉培训建议 Cross-training" in printed and f"{first['staff_no']} {first['name']}" in printed
