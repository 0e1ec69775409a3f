"""The console's follow-up tab (差评回访): every bad rating becomes a case to check, fix and call the
citizen back about, within a deadline; overdue cases in red. The manager records the status, the
notes and the citizen's view; the server keeps the deadline and the audit.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from manager.actions import ConsoleActions
from manager.advice import ApiCall
from manager.console_text import FOLLOWUP_STATUS, LEVEL_TEXT, call_values, followup_summary, followup_values
from manager.widgets import make_table, table_item
from ui import theme

OVERDUE_BG = QColor("#fbe3e0")


class FollowupsTab(QWidget):
    """``zone`` is the hall's time zone, set by the window from each snapshot."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.zone: ZoneInfo | None = None
        self.followup_rows: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.followup_summary = QLabel()
        self.followup_summary.setFont(theme.font(12, True))
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_followups)
        top.addWidget(self.followup_summary, 1)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.followup_table = make_table(
            [
                "编号",
                "票号 Ticket",
                "窗口",
                "工作人员 Clerk",
                "评价 Level",
                "原因/留言 Reasons",
                "评价时间 Rated",
                "期限 Deadline",
                "状态 Status",
                "处理记录 Notes",
                "回访电话 Contact",
            ]
        )
        self.followup_table.itemSelectionChanged.connect(self._followup_selected)
        layout.addWidget(self.followup_table, 3)
        box = QGroupBox("处理差评  Handle the selected follow-up")
        form = QFormLayout(box)
        self.followup_status = QComboBox()
        for key, text in FOLLOWUP_STATUS.items():
            self.followup_status.addItem(text, key)
        self.followup_notes = QPlainTextEdit()
        self.followup_notes.setPlaceholderText("核实情况、整改措施、回访记录  What was checked, fixed, and the call back")
        self.followup_notes.setMaximumHeight(90)
        self.followup_view = QLineEdit()
        self.followup_view.setMaxLength(200)
        self.followup_view.setPlaceholderText("群众对整改的意见  The citizen's view of the fix")
        self.followup_save = QPushButton("保存 Save")
        self.followup_save.setMinimumHeight(36)
        self.followup_save.clicked.connect(self.save_followup)
        form.addRow("状态 Status", self.followup_status)
        form.addRow("处理记录 Notes", self.followup_notes)
        form.addRow("回访意见 Citizen", self.followup_view)
        form.addRow("", self.followup_save)
        layout.addWidget(box, 0)
        self._build_call_log(layout)

    def _build_call_log(self, layout: QVBoxLayout) -> None:
        """The selected follow-up's calls, and a row to log one more."""
        box = QGroupBox("回访通话记录  Calls to the citizen")
        inner = QVBoxLayout(box)
        self.call_table = make_table(["时间 Time", "回访人 By", "接通 Reached", "结果 Result", "整改 Rectification", "整改后满意度 After"])
        self.call_table.setMaximumHeight(130)
        inner.addWidget(self.call_table)
        row = QHBoxLayout()
        self.call_reached = QCheckBox("已接通 Reached")
        self.call_result = QLineEdit(placeholderText="通话结果 Result", maxLength=500)
        self.call_rectification = QLineEdit(placeholderText="整改措施 Rectification taken", maxLength=500)
        self.call_satisfaction = QComboBox()
        self.call_satisfaction.addItem("满意度未问 not asked", "")
        for key, text in LEVEL_TEXT.items():
            self.call_satisfaction.addItem(text, key)
        self.call_save = QPushButton("记录通话 Log call")
        self.call_save.clicked.connect(self.log_call)
        for widget, stretch in (
            (self.call_reached, 0),
            (self.call_result, 2),
            (self.call_rectification, 2),
            (self.call_satisfaction, 1),
            (self.call_save, 0),
        ):
            row.addWidget(widget, stretch)
        inner.addLayout(row)
        layout.addWidget(box, 0)

    def load_followups(self) -> None:
        self.actions.conn.call("followups", on_done=self._show_followups, on_error=self.actions.error)

    def _show_followups(self, rows: list[dict[str, Any]]) -> None:
        selected = self.selected_followup()
        self.followup_rows = rows
        table = self.followup_table
        table.blockSignals(True)
        table.setRowCount(len(rows))
        for r, f in enumerate(rows):
            for c, value in enumerate(followup_values(f, self.zone)):
                item = table_item(value)
                if f.get("overdue"):
                    item.setBackground(QBrush(OVERDUE_BG))
                    item.setForeground(QBrush(QColor(theme.RED)))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.blockSignals(False)
        if selected is not None:
            for r, f in enumerate(rows):
                if f["id"] == selected["id"]:
                    table.selectRow(r)
            self._followup_selected()  # the same row stays selected: show its new calls
        self.followup_summary.setText(followup_summary(rows))

    def selected_followup(self) -> dict[str, Any] | None:
        rows = self.followup_table.selectionModel().selectedRows() if self.followup_table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.followup_rows):
            return None
        return self.followup_rows[rows[0].row()]

    def _followup_selected(self) -> None:
        f = self.selected_followup()
        if f is None:
            return
        self.followup_status.setCurrentIndex(max(0, self.followup_status.findData(f.get("status"))))
        self.followup_notes.setPlainText(f.get("notes", ""))
        self.followup_view.setText(f.get("citizen_view", ""))
        calls = f.get("calls") or []
        self.call_table.setRowCount(len(calls))
        for r, call in enumerate(calls):
            for c, value in enumerate(call_values(call, self.zone)):
                self.call_table.setItem(r, c, table_item(value))
        self.call_table.resizeColumnsToContents()

    def log_call(self) -> None:
        f = self.selected_followup()
        if f is None:
            self.actions.say(False, "请先选择一条差评  Select a follow-up first")
            return
        values = (
            int(f["id"]),
            self.call_reached.isChecked(),
            self.call_result.text().strip(),
            self.call_rectification.text().strip(),
            str(self.call_satisfaction.currentData()),
        )
        call = ApiCall("log_followup_call", values)
        self.call_result.clear()
        self.call_rectification.clear()
        self.actions.run([call], f"差评回访 {f['id']} 通话已记录 / call logged", after=self.load_followups)

    def save_followup(self) -> None:
        f = self.selected_followup()
        if f is None:
            self.actions.say(False, "请先选择一条差评  Select a follow-up first")
            return
        status, notes, view = (
            str(self.followup_status.currentData()),
            self.followup_notes.toPlainText().strip(),
            self.followup_view.text().strip(),
        )
        call = ApiCall("update_followup", (int(f["id"]), status, notes, view))
        self.actions.run([call], f"差评回访 {f['id']} 已保存", after=self.load_followups)
