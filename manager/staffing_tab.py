"""The console's staffing plan tab (排班建议): for today, tomorrow or the next weekend day, how many
windows each category needs in every half hour (forecast arrivals in brackets), the total against
the clerks at their windows, the pooled figure, the lunch turns (午间错峰) and the slots that go
short, in red. Print (the system dialog or a PDF) and CSV export.

The plan is the server's (``/api/staffing-plan``, :mod:`hall.staffing_plan`); the words are
:mod:`manager.staffing_text`'s. The request runs on the connection's worker and the CSV is written
on a background thread; the page is laid out for printing on the GUI thread (QTextDocument is a
GUI object) — a one-page table, a few milliseconds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPageLayout, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from manager.staffing_text import (
    FIXED_HEADERS,
    TOTAL_HEADERS,
    TRAINING_HEADERS,
    choice_label,
    day_choices,
    headers,
    lunch_lines,
    plan_csv,
    plan_html,
    rows,
    short_cells,
    summary,
    training_html,
    training_rows,
    training_summary,
)
from manager.widgets import make_table, table_item
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.worker import run_in_background

SHORT_BACKGROUND = "#fde2e1"


class StaffingTab(QWidget):
    """``conn`` reads the plan; the window tells it the business day (:meth:`set_today`)."""

    plan_shown = Signal()
    training_shown = Signal()
    plan_failed = Signal(str)  # the error code
    file_saved = Signal(str)

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.today: date | None = None
        self.hall_name = ""
        self.plan: dict[str, Any] | None = None
        self.training: dict[str, Any] | None = None
        self.save_dialog: QFileDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("日期 Day"))
        self.day_box = QComboBox()
        self.day_box.setMinimumWidth(300)
        self.day_box.activated.connect(lambda _index: self.load())
        top.addWidget(self.day_box)
        self.refresh_button = QPushButton("刷新 Refresh")
        self.refresh_button.clicked.connect(self.load)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        self.print_button = QPushButton("打印 Print…")
        self.print_button.clicked.connect(self.print_dialog)
        self.pdf_button = QPushButton("导出 PDF")
        self.pdf_button.clicked.connect(lambda: self.ask_path("pdf"))
        self.csv_button = QPushButton("导出 CSV")
        self.csv_button.clicked.connect(lambda: self.ask_path("csv"))
        for button in (self.print_button, self.pdf_button, self.csv_button):
            button.setEnabled(False)
            top.addWidget(button)
        layout.addLayout(top)
        self.summary_label = QLabel("选择日期后显示排班建议。  Pick a day to see its plan.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary_label)
        legend = QLabel(
            "单元格：所需窗口数（预测每小时到达人数）；红色：在岗人员按技能排不满。  Cell: windows needed (forecast arrivals an hour); red: the clerks at windows cannot staff it by skill."
        )
        legend.setWordWrap(True)
        legend.setStyleSheet(f"color: {theme.GREY};")
        layout.addWidget(legend)
        self.table = make_table([])
        layout.addWidget(self.table, 1)
        self.lunch_label = QLabel()
        self.lunch_label.setWordWrap(True)
        layout.addWidget(self.lunch_label)
        training_bar = QHBoxLayout()
        self.training_button = QPushButton("交叉培训建议 Suggest cross-training")
        self.training_button.setToolTip("仿真约需数秒 Simulating takes a few seconds")
        self.training_button.clicked.connect(self.load_training)
        training_bar.addWidget(self.training_button)
        self.training_label = QLabel()
        self.training_label.setWordWrap(True)
        training_bar.addWidget(self.training_label, 1)
        layout.addLayout(training_bar)
        self.training_table = make_table([h.zh for h in TRAINING_HEADERS])
        for column, name in enumerate(TRAINING_HEADERS):
            header_item = self.training_table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(name.en)
        self.training_table.setMaximumHeight(140)
        self.training_table.horizontalHeader().setStretchLastSection(False)  # the figures next to their names
        self.training_table.hide()
        layout.addWidget(self.training_table)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    # ------------------------------------------------------------------ the day and the plan

    def set_today(self, today: date, hall_name: str = "") -> None:
        """The hall's business day (from the snapshot): the day choices follow it."""
        self.hall_name = hall_name or self.hall_name
        if today == self.today:
            return
        chosen = self.chosen_day()
        self.today = today
        self.day_box.clear()
        for name, day in day_choices(today):
            self.day_box.addItem(choice_label(name, day), day)
        if chosen is not None:
            index = self.day_box.findData(chosen)
            self.day_box.setCurrentIndex(max(0, index))

    def chosen_day(self) -> date | None:
        day = self.day_box.currentData()
        return day if isinstance(day, date) else None

    def choose(self, index: int) -> None:
        """Pick the ``index``-th day choice (0 today, 1 tomorrow, 2 the next weekend day) and load it."""
        self.day_box.setCurrentIndex(index)
        self.load()

    def load(self) -> None:
        day = self.chosen_day()
        self.refresh_button.setEnabled(False)
        self._say(None, "正在计算排班建议…", "Computing the plan…")
        self.conn.call("staffing_plan", day, on_done=self._show, on_error=self._failed)

    def _failed(self, error: ApiError) -> None:
        self.refresh_button.setEnabled(True)
        self._say(False, f"排班建议无法读取：{error.zh}", f"The plan could not be read: {error.en}")
        self.plan_failed.emit(error.code)

    def _show(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.refresh_button.setEnabled(True)
        for button in (self.print_button, self.pdf_button, self.csv_button):
            button.setEnabled(True)
        self.summary_label.setText("<br>".join(f"{line.zh}  <span style='color:{theme.GREY}'>{line.en}</span>" for line in summary(plan)))
        names = headers(plan)
        table = self.table
        table.clear()
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels([n.zh for n in names])
        for column, name in enumerate(names):
            header = table.horizontalHeaderItem(column)
            if header is not None:
                header.setToolTip(name.en)
        lines = rows(plan)
        marked = short_cells(plan)
        table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            for c, text in enumerate(line):
                item = table_item(text, align_right=c >= 2)
                if (r, c) in marked:
                    item.setBackground(QBrush(QColor(SHORT_BACKGROUND)))
                    item.setForeground(QBrush(QColor(theme.RED)))
                table.setItem(r, c, item)
        # the slot and total columns as wide as their figures, the categories share the rest (a
        # category's name is never cut: the table scrolls sideways before that)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        categories = range(len(FIXED_HEADERS), len(names) - len(TOTAL_HEADERS))
        for column in range(len(names)):
            mode = QHeaderView.ResizeMode.Stretch if column in categories else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        turns = lunch_lines(plan)
        notes = plan["notes"]
        self.lunch_label.setText("\n".join(line.zh for line in turns))
        self.lunch_label.setToolTip("\n".join(line.en for line in turns))
        if notes:
            self._say(False, f"{len(notes)} 个时段人手不足：{notes[0]['zh']}", f"{len(notes)} slots go short: {notes[0]['en']}")
        else:
            self._say(True, "各时段人手充足。", "Every slot is staffed.")
        self.plan_shown.emit()

    def load_training(self) -> None:
        """Simulated on the server (a few seconds the first time), off the GUI thread."""
        self.training_button.setEnabled(False)
        self.training_label.setText("正在仿真交叉培训…  Simulating cross-training…")
        self.conn.call("cross_training", on_done=self._show_training, on_error=self._training_failed)

    def _training_failed(self, error: ApiError) -> None:
        self.training_button.setEnabled(True)
        self.training_label.setText(f"交叉培训建议无法计算：{error.zh}  Cross-training could not be computed: {error.en}")

    def _show_training(self, training: dict[str, Any]) -> None:
        self.training = training
        self.training_button.setEnabled(True)
        line = training_summary(training)
        self.training_label.setText(line.zh)
        self.training_label.setToolTip(line.en)
        lines = training_rows(training)
        self.training_table.setRowCount(len(lines))
        for r, values in enumerate(lines):
            for c, text in enumerate(values):
                self.training_table.setItem(r, c, table_item(text, align_right=c >= 3))
        self.training_table.resizeColumnsToContents()
        self.training_table.setVisible(bool(lines))
        self.training_shown.emit()

    def short_slots(self) -> list[str]:
        """Slot starts that go short (what the red cells say), for tests and tools."""
        return [s["start"] for s in (self.plan or {}).get("slots", []) if s["shortfall"]]

    # ------------------------------------------------------------------ print and export

    def _document(self) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(theme.font(8))
        document.setHtml(plan_html(self.plan or {}, self.hall_name) + training_html(self.training))
        return document

    def _landscape(self, printer: QPrinter) -> None:
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)

    def print_dialog(self) -> None:
        if self.plan is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self._landscape(printer)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            self._document().print_(printer)
            self._say(True, "已发送到打印机。", "Sent to the printer.")

    def save_pdf(self, path: Path) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        self._landscape(printer)
        self._document().print_(printer)
        self._say(True, f"已保存 {path}", f"Saved {path}")
        self.file_saved.emit(str(path))

    def save_csv(self, path: Path) -> None:
        text = plan_csv(self.plan or {"slots": [], "categories": []})

        def saved(_result: Any) -> None:
            self._say(True, f"已保存 {path}", f"Saved {path}")
            self.file_saved.emit(str(path))

        def failed(error: Exception) -> None:
            self._say(False, f"文件无法保存：{error}", f"The file could not be saved: {error}")

        # utf-8 with a BOM: Excel on a Chinese Windows reads it as UTF-8, not GBK
        run_in_background(lambda: path.write_text(text, encoding="utf-8-sig"), saved, failed)

    def ask_path(self, kind: str) -> None:
        if self.plan is None:
            return
        name = f"staffing-plan-{self.plan['date']}.{kind}"
        dialog = QFileDialog(self, "保存排班建议 Save the plan", name, "PDF (*.pdf)" if kind == "pdf" else "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # the same on every desktop, and testable
        dialog.selectFile(name)
        dialog.fileSelected.connect(lambda selected: self.save_pdf(Path(selected)) if kind == "pdf" else self.save_csv(Path(selected)))
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def _say(self, ok: bool | None, zh: str, en: str) -> None:
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message.setText(f"{zh}  {en}")
