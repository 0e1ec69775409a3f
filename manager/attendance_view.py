"""The manager console's 考勤 page: each clerk's sign-in, sign-out, pauses, lunch and A/B cover
per day, for a period, with CSV / XLSX / PDF downloads.

The server computes the table (``GET /api/reports/attendance``, rules in hall/attendance.py): its
columns and cells arrive in both languages and this page only picks one. Like the reports page
it has a server connection of its own, so a long period never delays the live tabs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from manager.report_rules import PERIOD_NAMES, Period, period_dates
from manager.widgets import SavesDownloads
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.text import Language

EXPORT_FILTERS = {"csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}
PERIODS = (Period.TODAY, Period.THIS_WEEK, Period.THIS_MONTH, Period.LAST_MONTH, Period.CUSTOM)


class AttendanceView(QWidget, SavesDownloads):
    """``set_today(day)`` gives it the hall's business day; ``query()`` asks the server."""

    table_shown = Signal()
    query_failed = Signal(str)
    file_saved = Signal(str)

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None, language: str = "zh") -> None:
        super().__init__(parent)
        self.conn = ServerConnection(conn.base_url, conn.token, self)
        self.lang = Language(language)
        self.today = date.today()
        self.data: dict[str, Any] | None = None
        self.save_dialog: QFileDialog | None = None
        self._generation = 0
        self._message: tuple[bool | None, str, str, bool] | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        controls = QHBoxLayout()
        big = theme.font(12)
        self.period_label = QLabel()
        self.period_box = QComboBox()
        for period in PERIODS:
            self.period_box.addItem("", period.value)
        self.period_box.setCurrentIndex(PERIODS.index(Period.TODAY))
        self.period_box.currentIndexChanged.connect(self._period_changed)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.query_button = QPushButton()
        self.query_button.setMinimumHeight(36)
        self.query_button.clicked.connect(self.query)
        self.export_buttons = {fmt: QPushButton(fmt.upper()) for fmt in EXPORT_FILTERS}
        for fmt, button in self.export_buttons.items():
            button.clicked.connect(lambda _=False, f=fmt: self.export(f))
        self.lang_button = QPushButton()
        self.lang_button.clicked.connect(self.toggle_language)
        for widget in (self.period_label, self.period_box, self.start_edit, QLabel("—"), self.end_edit, self.query_button):
            widget.setFont(big)
            controls.addWidget(widget)
        controls.addStretch(1)
        self.export_label = QLabel()
        controls.addWidget(self.export_label)
        for button in self.export_buttons.values():
            controls.addWidget(button)
        controls.addWidget(self.lang_button)
        root.addLayout(controls)

        self.message = QLabel(wordWrap=True)
        self.message.setFont(theme.font(11, True))
        root.addWidget(self.message)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        root.addWidget(self.table, 1)
        self.retranslate()
        self._period_changed()

    # ------------------------------------------------------------------ language

    def _t(self, zh: str, en: str) -> str:
        return self.lang.pick(zh, en)

    def toggle_language(self) -> None:
        self.lang.toggle()
        self.retranslate()

    def retranslate(self) -> None:
        self.period_label.setText(self._t("期间", "Period"))
        for index, period in enumerate(PERIODS):
            self.period_box.setItemText(index, self._t(PERIOD_NAMES[period].zh, PERIOD_NAMES[period].en))
        self.query_button.setText(self._t("查询考勤", "Show attendance"))
        self.export_label.setText(self._t("导出：", "Export:"))
        self.lang_button.setText("EN" if self.lang.code == "zh" else "中")
        if self._message is not None:
            self._say(*self._message)
        self._fill_table()

    # ------------------------------------------------------------------ period

    def set_today(self, day: date) -> None:
        if day != self.today:
            self.today = day
            self._period_changed()

    def _period_changed(self) -> None:
        period = Period(self.period_box.currentData())
        custom = period is Period.CUSTOM
        for edit in (self.start_edit, self.end_edit):
            edit.setEnabled(custom)
        if not custom:
            start, end = period_dates(period, self.today)
            self.start_edit.setDate(QDate(start.year, start.month, start.day))
            self.end_edit.setDate(QDate(end.year, end.month, end.day))

    def set_period(self, start: date, end: date) -> None:
        self.period_box.setCurrentIndex(PERIODS.index(Period.CUSTOM))
        self.start_edit.setDate(QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QDate(end.year, end.month, end.day))

    def period(self) -> tuple[date, date]:
        return self.start_edit.date().toPython(), self.end_edit.date().toPython()  # type: ignore[return-value]

    # ------------------------------------------------------------------ query and table

    def query(self) -> None:
        start, end = self.period()
        self._generation += 1
        generation = self._generation  # a late answer to an older query is dropped
        self._say(None, "正在查询考勤…", "Loading attendance…")

        def done(data: dict[str, Any]) -> None:
            if generation != self._generation:
                return
            self.data = data
            self._fill_table()
            count = len(data.get("rows", []))
            self._say(True, f"{start} 至 {end}：{count} 条考勤记录", f"{start} to {end}: {count} attendance rows")
            self.table_shown.emit()

        def failed(error: ApiError) -> None:
            if generation == self._generation:
                self._say(False, f"考勤查询失败：{error.zh}", f"Attendance failed: {error.en}", both=True)
                self.query_failed.emit(error.code)

        self.conn.call("attendance", start, end, on_done=done, on_error=failed)

    def _fill_table(self) -> None:
        data = self.data or {"columns": [], "rows": []}
        columns = data.get("columns", [])
        rows = data.get("rows", [])
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([self.lang.of(column) for column in columns])
        self.table.setRowCount(len(rows))
        for line, row in enumerate(rows):
            for index, cell in enumerate(row.get("cells", [])):
                item = QTableWidgetItem(self.lang.of(cell))
                item.setToolTip(f"{cell.get('zh', '')}\n{cell.get('en', '')}")
                self.table.setItem(line, index, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if columns:
            header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)  # A/B cover: the longest text
        self.table.resizeRowsToContents()

    def cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    # ------------------------------------------------------------------ exports

    def export(self, fmt: str) -> None:
        """Ask where to save, then fetch the file from the server and write it, both off the GUI thread."""
        start, end = self.period()
        name = f"attendance-{start}_{end}.{fmt}"
        dialog = QFileDialog(self, self._t("保存考勤报表", "Save the attendance report"), name, EXPORT_FILTERS[fmt])
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # the same everywhere, and testable
        dialog.selectFile(name)

        def chosen(selected: str) -> None:
            path = Path(selected)
            self._say(None, f"正在导出 {path.name}…", f"Exporting {path.name}…")
            self.conn.call(
                "export_attendance", fmt, start, end, on_done=lambda download: self._write(download, path), on_error=self._export_failed
            )

        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def _say(self, ok: bool | None, zh: str, en: str, both: bool = False) -> None:
        """A status line; errors always in both languages."""
        self._message = (ok, zh, en, both)
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(f"{zh}  {en}" if both else self._t(zh, en))
