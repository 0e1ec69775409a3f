"""The console's 预约 tab: the bookings calendar, the 电话预约 form and the booking settings.

The calendar page shows the next N days from the server's ``GET /api/bookings/calendar`` (per day
the places booked of the capacity and the fill rate, checked in, no-shows); choosing a day shows
its slots × categories and that day's bookings (``/api/bookings/day``, names and numbers masked by
the server) with a CSV download. The words and the grid come from :mod:`manager.bookings_text`;
the form and the settings are :mod:`manager.phone_booking_page` and
:mod:`manager.booking_settings_page`. Like the reports, the tab has a server connection of its own,
so a long read never delays the live tabs.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from manager.booking_settings_page import BookingSettingsPage
from manager.bookings_text import DAY_LIST_HEADERS, GRID_LEGEND, calendar_rows, day_list_rows, slot_grid
from manager.phone_booking_page import PhoneBookingPage
from manager.widgets import SavesDownloads, ask_save_path, make_table, table_item
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection

DEFAULT_DAYS = 14
MAX_DAYS = 31  # the server's limit (db.booking_staff.MAX_CALENDAR_DAYS)
LEVEL_BACKGROUND = {"full": "#fde2e1", "busy": "#fdf2d0", "closed": "#eceff3"}
CALENDAR_HEADERS = ["日期 Date", "星期 Day", "已约/名额 Booked", "预约率 Fill", "已取号 In", "爽约 No-show"]


def _tint(item: Any, level: str) -> None:
    if level in LEVEL_BACKGROUND:
        item.setBackground(QBrush(QColor(LEVEL_BACKGROUND[level])))


class BookingCalendarPage(QWidget, SavesDownloads):
    """``set_today(day)`` gives it the hall's business day; ``load()`` reads the calendar."""

    calendar_shown = Signal()
    day_shown = Signal()
    query_failed = Signal(str)
    file_saved = Signal(str)

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.today: date | None = None
        self.calendar: dict[str, Any] | None = None
        self.bookings: list[dict[str, Any]] = []
        self.selected_day: str | None = None
        self.save_dialog: QFileDialog | None = None
        self._generation = 0
        self._day_generation = 0

        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        controls = QHBoxLayout()
        self.start_edit = QDateEdit()
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat("yyyy-MM-dd")
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, MAX_DAYS)
        self.days_spin.setValue(DEFAULT_DAYS)
        self.days_spin.setSuffix(" 天 days")
        self.load_button = QPushButton("刷新 Refresh")
        self.load_button.clicked.connect(self.load)
        for widget in (QLabel("起始 From"), self.start_edit, QLabel("共 For"), self.days_spin, self.load_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        legend = QLabel(GRID_LEGEND)
        legend.setStyleSheet(f"color: {theme.GREY};")
        controls.addWidget(legend)
        root.addLayout(controls)
        self.message = QLabel(wordWrap=True)
        root.addWidget(self.message)

        upper = QSplitter(Qt.Orientation.Horizontal)
        self.days_table = make_table(CALENDAR_HEADERS)
        self.days_table.itemSelectionChanged.connect(self._day_chosen)
        upper.addWidget(self.days_table)
        right = QWidget()
        r = QVBoxLayout(right)
        r.setContentsMargins(0, 0, 0, 0)
        self.day_total = QLabel(wordWrap=True)
        self.day_total.setFont(theme.font(11, True))
        self.grid = make_table(["时段 Slot"])
        r.addWidget(self.day_total)
        r.addWidget(self.grid, 1)
        upper.addWidget(right)
        upper.setSizes([560, 1000])

        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        list_bar = QHBoxLayout()
        self.list_label = QLabel("当日预约 The day's bookings")
        self.list_label.setFont(theme.font(11, True))
        self.export_button = QPushButton("导出当日 CSV  Export the day (CSV)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        list_bar.addWidget(self.list_label)
        list_bar.addStretch(1)
        list_bar.addWidget(self.export_button)
        self.list_table = make_table(DAY_LIST_HEADERS)
        low.addLayout(list_bar)
        low.addWidget(self.list_table, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([520, 300])
        root.addWidget(split, 1)

    # ------------------------------------------------------------------ reading

    def set_today(self, day: date) -> None:
        if day != self.today:
            self.today = day
            self.start_edit.setDate(QDate(day.year, day.month, day.day))

    def start(self) -> date:
        return self.start_edit.date().toPython()  # type: ignore[return-value]

    def load(self) -> None:
        start, days = self.start(), self.days_spin.value()
        self._generation += 1
        generation = self._generation  # a late answer to an older query is dropped

        def done(calendar: dict[str, Any]) -> None:
            if generation == self._generation:
                self.show_calendar(calendar)

        def failed(error: ApiError) -> None:
            if generation == self._generation:
                self._say(False, f"预约日历读取失败：{error.zh}", f"The calendar could not be read: {error.en}")
                self.query_failed.emit(error.code)

        self._say(None, "正在读取预约日历…", "Loading the calendar…")
        self.conn.call("bookings_calendar", start, days, on_done=done, on_error=failed)

    def show_calendar(self, calendar: dict[str, Any]) -> None:
        self.calendar = calendar
        rows = calendar_rows(calendar)
        self.days_table.blockSignals(True)
        self.days_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [row.date, row.weekday, row.booked, row.fill, str(row.checked_in), str(row.no_show)]
            for c, text in enumerate(cells):
                item = table_item(text, align_right=c >= 2)
                _tint(item, row.level)
                self.days_table.setItem(r, c, item)
        self.days_table.resizeColumnsToContents()
        self.days_table.blockSignals(False)
        dates = [row.date for row in rows]
        wanted = self.selected_day if self.selected_day in dates else (dates[0] if dates else None)
        booked = sum(int(d.get("booked", 0)) for d in calendar.get("days", []))
        self._say(True, f"{len(rows)} 天内共 {booked} 个预约", f"{booked} bookings in {len(rows)} days")
        self.calendar_shown.emit()
        if wanted is not None:
            self.select_day(wanted)

    def select_day(self, day_iso: str) -> None:
        """Choose a day of the calendar (as a click on its row does)."""
        for r in range(self.days_table.rowCount()):
            item = self.days_table.item(r, 0)
            if item is not None and item.text() == day_iso:
                if self.days_table.currentRow() == r and self.selected_day == day_iso:
                    self._show_day(day_iso)  # the same row again: redraw with the new numbers
                else:
                    self.days_table.selectRow(r)
                return

    def _day_chosen(self) -> None:
        row = self.days_table.currentRow()
        item = self.days_table.item(row, 0) if row >= 0 else None
        if item is not None:
            self._show_day(item.text())

    def _show_day(self, day_iso: str) -> None:
        self.selected_day = day_iso
        grid = slot_grid(self.calendar or {}, day_iso)
        if grid is not None:
            self.day_total.setText(grid.total)
            self.grid.clear()
            self.grid.setColumnCount(len(grid.headers))
            self.grid.setHorizontalHeaderLabels(grid.headers)
            for c, tip in enumerate(grid.header_tips):
                header = self.grid.horizontalHeaderItem(c)
                if header is not None:
                    header.setToolTip(tip)
            self.grid.setRowCount(len(grid.rows))
            for r, (label, cells) in enumerate(grid.rows):
                self.grid.setItem(r, 0, table_item(label))
                for c, cell in enumerate(cells, start=1):
                    item = table_item(cell.text)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    item.setToolTip(cell.tooltip)
                    _tint(item, cell.level)
                    self.grid.setItem(r, c, item)
            self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._load_day(day_iso)

    def _load_day(self, day_iso: str) -> None:
        self._day_generation += 1
        generation = self._day_generation
        self.list_label.setText(f"{day_iso} 的预约 Bookings on {day_iso}")

        def done(bookings: list[dict[str, Any]]) -> None:
            if generation != self._day_generation:
                return
            self.bookings = bookings
            rows = day_list_rows(bookings)
            self.list_table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    self.list_table.setItem(r, c, table_item(text))
            self.list_table.resizeColumnsToContents()
            self.list_label.setText(f"{day_iso} 的预约：{len(rows)} 个  Bookings on {day_iso}: {len(rows)}")
            self.export_button.setEnabled(True)
            self.day_shown.emit()

        def failed(error: ApiError) -> None:
            if generation == self._day_generation:
                self._say(False, f"当日预约读取失败：{error.zh}", f"The day's bookings could not be read: {error.en}")
                self.query_failed.emit(error.code)

        self.conn.call("bookings_day", date.fromisoformat(day_iso), on_done=done, on_error=failed)

    def grid_text(self, slot_start: str, series: str) -> str:
        """The grid's cell for a slot ("14:00") and a category ("C"), as shown."""
        column = next(
            (c for c in range(1, self.grid.columnCount()) if (h := self.grid.horizontalHeaderItem(c)) and h.text().split(" ")[0] == series),
            None,
        )
        for r in range(self.grid.rowCount()):
            label = self.grid.item(r, 0)
            if column is not None and label is not None and label.text().startswith(slot_start):
                cell = self.grid.item(r, column)
                return cell.text() if cell is not None else ""
        return ""

    # ------------------------------------------------------------------ export

    def export(self) -> None:
        """Ask where to save the chosen day's bookings, then fetch the CSV and write it, off the GUI thread."""
        if self.selected_day is None:
            return
        day = date.fromisoformat(self.selected_day)

        def chosen(path: Path) -> None:
            self._say(None, f"正在导出 {path.name}…", f"Exporting {path.name}…")
            self.conn.call("export_bookings_day", day, on_done=lambda download: self._write(download, path), on_error=self._export_failed)

        self.save_dialog = ask_save_path(self, "保存当日预约  Save the day's bookings", f"bookings-{day}.csv", "CSV (*.csv)", chosen)

    def _say(self, ok: bool | None, zh: str, en: str, both: bool = True) -> None:
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(f"{zh}  {en}")


class BookingsTab(QWidget):
    """The 预约 tab: calendar, 电话预约 and settings as three pages. ``set_today`` follows the
    hall's business day; ``load()`` reads what the page on show needs."""

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = ServerConnection(conn.base_url, conn.token, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pages = QTabWidget()
        self.calendar_page = BookingCalendarPage(self.conn)
        self.phone_page = PhoneBookingPage(self.conn)
        self.settings_page = BookingSettingsPage(self.conn)
        self.pages.addTab(self.calendar_page, "预约日历 Calendar")
        self.pages.addTab(self.phone_page, "电话预约 Phone booking")
        self.pages.addTab(self.settings_page, "预约设置 Settings")
        layout.addWidget(self.pages)
        self.pages.currentChanged.connect(lambda _index: self.load())
        self.phone_page.booked.connect(self._booked)
        self.settings_page.saved.connect(self.calendar_page.load)  # capacity and holidays change the calendar
        self.loaded = False

    def set_hall(self, snapshot: dict[str, Any]) -> None:
        """The hall's business day and categories, from the console's snapshot."""
        hall = snapshot.get("hall", {})
        if hall.get("business_day"):
            self.calendar_page.set_today(date.fromisoformat(hall["business_day"]))
        self.settings_page.set_categories([c for c in snapshot.get("categories", []) if c.get("active", True)])

    def load(self) -> None:
        self.loaded = True
        page = self.pages.currentWidget()
        if page is self.calendar_page:
            self.calendar_page.load()
        elif page is self.phone_page:
            self.phone_page.load()
        elif page is self.settings_page:
            self.settings_page.load()

    def bookings_changed(self) -> None:
        """A booking was made, checked in, cancelled or counted a no-show somewhere: redraw what is on show."""
        if self.loaded and self.pages.currentWidget() is self.calendar_page:
            self.calendar_page.load()

    def _booked(self, made: dict[str, Any]) -> None:
        day = str(made.get("date", ""))
        start = self.calendar_page.start()
        if day and start <= date.fromisoformat(day) < start + timedelta(days=self.calendar_page.days_spin.value()):
            self.calendar_page.selected_day = day
        self.calendar_page.load()  # the calendar shows the new booking when the manager looks at it
