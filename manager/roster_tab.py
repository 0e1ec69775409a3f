"""The console's roster tab (在岗): who is on duty today — at which window, free to open a closed
one, at lunch, signed off or absent — and each clerk's lunch turn.

The state is the server's (hall.roster, db.roster); the manager marks a clerk absent for today (or
back on duty) and sets a clerk's own lunch turn, each change audited by the server. The advisor's
"spare clerk" proposals come from the same roster, so what this tab shows is what it counts on.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hall.roster import DutyState
from manager.actions import ConsoleActions
from manager.advice import ApiCall
from manager.widgets import make_table, table_item
from ui import theme

STATE_COLOUR = {
    DutyState.AT_WINDOW.value: theme.GREEN,
    DutyState.FREE.value: theme.BLUE_DARK,
    DutyState.AT_LUNCH.value: theme.AMBER,
    DutyState.SIGNED_OFF.value: theme.GREY,
    DutyState.ABSENT.value: theme.RED,
    DutyState.NOT_IN.value: theme.GREY,
}
# The lunch turns offered in the drop-down ("" = the hall's lunch hours); any other range can be typed.
LUNCH_TURNS = ("", "11:30-12:30", "12:00-13:00", "12:30-13:30")


def roster_summary(clerks: list[dict[str, Any]]) -> str:
    """"在窗口 15 · 待命 2 · 午休 1 · 签退 1 · 缺勤 1 · 未到岗 0"."""
    count = {state.value: 0 for state in DutyState}
    for clerk in clerks:
        count[clerk.get("state", "")] = count.get(clerk.get("state", ""), 0) + 1
    parts = [
        ("在窗口", DutyState.AT_WINDOW),
        ("待命", DutyState.FREE),
        ("午休", DutyState.AT_LUNCH),
        ("签退", DutyState.SIGNED_OFF),
        ("缺勤", DutyState.ABSENT),
        ("未到岗", DutyState.NOT_IN),
    ]
    return " · ".join(f"{zh} {count[state.value]}" for zh, state in parts)


class RosterTab(QWidget):
    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.clerks: list[dict[str, Any]] = []
        self._loading = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setFont(theme.font(12, True))
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_roster)
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.table = make_table(["工号 No.", "姓名 Name", "状态 State", "窗口 Window", "午休 Lunch", "技能 Skills"])
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        box = QGroupBox("调整选中人员（今日）  Change the selected clerk (today)")
        form = QFormLayout(box)
        self.chosen = QLabel("—")
        self.reason = QLineEdit(maxLength=300)
        self.reason.setPlaceholderText("原因，如 病假、外出培训  Reason, e.g. sick leave, on a course")
        absent_row = QHBoxLayout()
        self.absent_button = QPushButton("标记今日缺勤  Mark absent today")
        self.absent_button.clicked.connect(lambda: self._set_absent(True))
        self.back_button = QPushButton("恢复在岗  Back on duty")
        self.back_button.clicked.connect(lambda: self._set_absent(False))
        absent_row.addWidget(self.absent_button)
        absent_row.addWidget(self.back_button)
        absent_row.addStretch(1)
        lunch_row = QHBoxLayout()
        self.lunch = QComboBox(editable=True)
        for turn in LUNCH_TURNS:
            self.lunch.addItem(turn or "大厅午间时段  the hall's lunch hours", turn)
        self.lunch_button = QPushButton("设置午休  Set lunch turn")
        self.lunch_button.clicked.connect(self._set_lunch)
        lunch_row.addWidget(self.lunch, 1)
        lunch_row.addWidget(self.lunch_button)
        form.addRow("人员 Clerk", self.chosen)
        form.addRow("原因 Reason", self.reason)
        form.addRow("出勤 Attendance", absent_row)
        form.addRow("午休 Lunch", lunch_row)
        layout.addWidget(box)
        self._selected()

    # ------------------------------------------------------------------ reading

    def load_roster(self) -> None:
        if self._loading:
            return
        self._loading = True
        self.actions.conn.call("roster", on_done=self.show_roster, on_error=self._failed)

    def _failed(self, _error: Any) -> None:
        self._loading = False  # the offline banner tells when the server is away

    def show_roster(self, roster: dict[str, Any]) -> None:
        self._loading = False
        chosen = self.selected_staff_no()
        self.clerks = list(roster.get("clerks", []))
        self.summary.setText(roster_summary(self.clerks))
        table = self.table
        table.setRowCount(len(self.clerks))
        for row, clerk in enumerate(self.clerks):
            text = clerk.get("state_text") or {}
            lunch = clerk.get("lunch", "") + ("" if clerk.get("own_lunch") else "（大厅）")
            values = [
                clerk.get("staff_no", ""),
                clerk.get("name", ""),
                f"{text.get('zh', '')} {text.get('en', '')}",
                f"{clerk['window']}号" if clerk.get("window") else "",
                lunch if clerk.get("lunch") else "",
                "、".join(clerk.get("skills", [])),
            ]
            for column, value in enumerate(values):
                item = table_item(value)
                if column == 2:
                    item.setForeground(QBrush(QColor(STATE_COLOUR.get(clerk.get("state", ""), theme.GREY))))
                table.setItem(row, column, item)
            if clerk.get("staff_no") == chosen:
                table.selectRow(row)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        self._selected()  # the buttons follow the clerk's new state even when the selection stayed

    # ------------------------------------------------------------------ changing

    def selected_staff_no(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.clerks):
            return None
        return str(self.clerks[rows[0].row()]["staff_no"])

    def select_clerk(self, staff_no: str) -> None:
        for row, clerk in enumerate(self.clerks):
            if clerk.get("staff_no") == staff_no:
                self.table.selectRow(row)

    def _selected(self) -> None:
        staff_no = self.selected_staff_no()
        clerk = next((c for c in self.clerks if c.get("staff_no") == staff_no), None)
        self.chosen.setText(f"{clerk['name']}（{clerk['staff_no']}）" if clerk else "请在上表选择  Select a clerk above")
        state = (clerk or {}).get("state")
        self.absent_button.setEnabled(clerk is not None and state not in (DutyState.AT_WINDOW.value, DutyState.ABSENT.value))
        self.back_button.setEnabled(clerk is not None and state in (DutyState.ABSENT.value, DutyState.SIGNED_OFF.value))
        self.lunch_button.setEnabled(clerk is not None)
        if clerk is not None:
            own = clerk.get("lunch", "") if clerk.get("own_lunch") else ""
            index = self.lunch.findData(own)
            if index >= 0:
                self.lunch.setCurrentIndex(index)
            else:
                self.lunch.setEditText(own)

    def _set_absent(self, absent: bool) -> None:
        staff_no = self.selected_staff_no()
        if staff_no is None:
            self.actions.say(False, "请先选择人员  Select a clerk first")
            return
        reason = self.reason.text().strip()
        if absent and not reason:
            self.actions.say(False, "请填写缺勤原因  Give the reason for the absence")
            return
        done = f"{staff_no} 已标记今日缺勤" if absent else f"{staff_no} 已恢复在岗"
        self.actions.run([ApiCall("set_roster", (staff_no, absent, None, reason))], done, after=self._changed)

    def _set_lunch(self) -> None:
        staff_no = self.selected_staff_no()
        if staff_no is None:
            self.actions.say(False, "请先选择人员  Select a clerk first")
            return
        index = self.lunch.currentIndex()
        typed = self.lunch.currentText().strip()
        lunch = str(self.lunch.itemData(index)) if index >= 0 and self.lunch.itemText(index) == typed else typed
        done = f"{staff_no} 午休改为 {lunch or '大厅午间时段'}"
        self.actions.run([ApiCall("set_roster", (staff_no, None, lunch, self.reason.text().strip()))], done, after=self._changed)

    def _changed(self) -> None:
        self.reason.clear()
        self.load_roster()
