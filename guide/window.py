"""The guide desk's screen (导办台): take a number for a citizen (item, priority reason, 代办/帮办),
book a slot for them, look up a ticket and put a missed one back in its queue, and the hall's waits.

Every server call runs on the connection's worker and the slip on the printer's own one-thread
pool; the waits refresh on a timer from the snapshot. Rules live in guide/desk.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from guide.desk import ItemChoice, issue_request, item_choices, may_requeue, search_items, wait_rows
from hall.text import HallRuleError
from hall.tickets import ASSIST_MODES, PRIORITY_REASONS
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.slip import ticket_slip
from ui.text import both
from ui.worker import run_in_background

OVER_TARGET = QColor("#b3261e")  # a category waiting past its target, in the theme's alert red
REFRESH_MS = 10_000  # the waits are a glance, not a live board: every 10 s is fresh enough
WAIT_HEADERS = (
    ("类别", "Category"),
    ("等候", "Waiting"),
    ("最长等候(分)", "Longest (min)"),
    ("预计(分)", "Est. (min)"),
    ("窗口", "Windows"),
)


class GuideWindow(QWidget):
    """``issued``/``booked``/``requeued``/``failed`` report what happened (tests and the demo)."""

    issued = Signal(dict)
    booked = Signal(dict)
    found = Signal(dict)
    requeued = Signal(dict)
    waits_shown = Signal(list)
    failed = Signal(str, str)  # code, bilingual message
    printed = Signal(str)  # the number whose slip printed

    def __init__(self, connection: ServerConnection, printer: Any | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connection = connection
        self.printer = printer
        self.print_pool = QThreadPool(self)
        self.print_pool.setMaxThreadCount(1)  # one slip at a time, never on the GUI thread
        self.snapshot: dict[str, Any] = {}
        self.choices: list[ItemChoice] = []
        self.last_found: dict[str, Any] | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        connection.online_changed.connect(self._online_changed)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        self.setWindowTitle("hallq 导办台 / guide desk")
        title = QLabel(both("导办台", "guide desk"))
        title.setFont(theme.font(18, bold=True))
        self.status = QLabel(both("正在连接服务器…", "connecting…"))
        self.status.setWordWrap(True)

        self.search = QLineEdit(placeholderText=both("搜索事项、编码或类别", "search items"))
        self.search.textChanged.connect(self._filter_items)
        self.item_list = QListWidget()
        self.item_list.setMinimumHeight(160)
        self.priority = QComboBox()
        self.priority.addItem(both("无", "none"), None)
        for code, text in PRIORITY_REASONS.items():
            self.priority.addItem(both(text.zh, text.en), code)
        self.assist_group = QButtonGroup(self)
        assist_row = QHBoxLayout()
        self.assist_buttons: dict[str, QRadioButton] = {}
        for code, text in (("", both("自助", "self")), *((c, both(t.zh, c)) for c, t in ASSIST_MODES.items())):
            button = QRadioButton(text)
            if code:
                button.setToolTip(both(ASSIST_MODES[code].zh, ASSIST_MODES[code].en))
            self.assist_group.addButton(button)
            self.assist_buttons[code] = button
            assist_row.addWidget(button)
        self.assist_buttons[""].setChecked(True)
        self.issue_button = QPushButton(both("取号并打印", "take number and print"))
        self.issue_button.clicked.connect(self.issue)
        self.issued_label = QLabel("")
        self.issued_label.setFont(theme.font(16, bold=True))
        issue_box = QGroupBox(both("代取号", "take a number"))
        issue_form = QFormLayout(issue_box)
        issue_form.addRow(self.search)
        issue_form.addRow(self.item_list)
        issue_form.addRow(both("绿色通道", "priority"), self.priority)
        issue_form.addRow(both("服务方式", "service"), assist_row)
        issue_form.addRow(self.issue_button)
        issue_form.addRow(self.issued_label)

        self.slot = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.slot.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.slot.setCalendarPopup(True)
        self.book_name = QLineEdit(placeholderText=both("姓名（可选）", "name (optional)"))
        self.book_phone = QLineEdit(placeholderText=both("手机（可选）", "phone (optional)"))
        self.book_button = QPushButton(both("为群众预约所选事项", "book the chosen item"))
        self.book_button.clicked.connect(self.book)
        self.booked_label = QLabel("")
        book_box = QGroupBox(both("代预约", "book for the citizen"))
        book_form = QFormLayout(book_box)
        book_form.addRow(both("时段", "slot"), self.slot)
        book_form.addRow(both("姓名", "name"), self.book_name)
        book_form.addRow(both("手机", "phone"), self.book_phone)
        book_form.addRow(self.book_button)
        book_form.addRow(self.booked_label)

        self.lookup_number = QLineEdit(placeholderText=both("号码，如 A005", "number"))
        self.lookup_number.setMinimumWidth(150)  # a number and its placeholder stay readable on a narrow desk
        self.lookup_number.returnPressed.connect(self.look_up)
        self.lookup_button = QPushButton(both("查询", "look up"))
        self.lookup_button.clicked.connect(self.look_up)
        self.requeue_button = QPushButton(both("重新排队", "requeue"))
        self.requeue_button.setEnabled(False)
        self.requeue_button.clicked.connect(self.requeue)
        self.found_label = QLabel("")
        self.found_label.setWordWrap(True)
        lookup_box = QGroupBox(both("查号与重新排队", "look up and requeue"))
        lookup_row = QHBoxLayout()
        lookup_row.addWidget(self.lookup_number, 1)
        lookup_row.addWidget(self.lookup_button)
        lookup_row.addWidget(self.requeue_button)
        lookup_layout = QVBoxLayout(lookup_box)
        lookup_layout.addLayout(lookup_row)
        lookup_layout.addWidget(self.found_label)

        self.waits = QTableWidget(0, len(WAIT_HEADERS))
        self.waits.setHorizontalHeaderLabels([f"{zh}\n{en}" for zh, en in WAIT_HEADERS])
        self.waits.verticalHeader().setVisible(False)
        self.waits.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.waits.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # the figures never clip
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        waits_box = QGroupBox(both("大厅等候情况", "the hall's waits"))
        QVBoxLayout(waits_box).addWidget(self.waits)

        left = QVBoxLayout()
        left.addWidget(issue_box, 3)
        left.addWidget(book_box, 2)
        right = QVBoxLayout()
        right.addWidget(lookup_box)
        right.addWidget(waits_box, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 4)
        columns.addLayout(right, 5)  # the waits table needs the room for its five figures
        root = QVBoxLayout(self)
        root.addWidget(title)
        root.addWidget(self.status)
        root.addLayout(columns, 1)

    # ------------------------------------------------------------------ waits

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        self.connection.call("snapshot", on_done=self._snapshot_arrived, on_error=self._failed)

    def _snapshot_arrived(self, snapshot: dict[str, Any]) -> None:
        first = not self.snapshot
        self.snapshot = snapshot
        if first:
            self._default_slot(str((snapshot.get("hall") or {}).get("business_day") or ""))
        categories = list(snapshot.get("categories") or [])
        choices = item_choices(categories)
        if choices != self.choices:
            self.choices = choices
            self._filter_items(self.search.text())
        rows = wait_rows(categories)
        self.waits.setRowCount(len(rows))
        for index, row in enumerate(rows):
            estimate = "—" if row.estimated_wait_minutes is None else f"{row.estimated_wait_minutes:.0f}"
            cells = (
                f"{row.series} {row.name_zh}",
                str(row.waiting),
                f"{row.longest_wait_minutes:.0f}",
                estimate,
                f"{row.windows_serving:g}",
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if row.over_target:
                    cell.setForeground(OVER_TARGET)
                self.waits.setItem(index, column, cell)
        self.status.setText(both("已连接", "online") + f" · {datetime.now().strftime('%H:%M:%S')}")
        self.waits_shown.emit(rows)

    def _default_slot(self, business_day: str) -> None:
        """Booking starts at 09:00 on the hall's next day (its clock, not this PC's)."""
        today = QDateTime.fromString(f"{business_day} 09:00", "yyyy-MM-dd HH:mm")
        if today.isValid():
            self.slot.setDateTime(today.addDays(1))

    def _online_changed(self, online: bool) -> None:
        if not online:
            self.status.setText(both("离线，正在重试", "offline, retrying"))

    # ------------------------------------------------------------------ take a number

    def _filter_items(self, text: str) -> None:
        self.item_list.clear()
        for choice in search_items(self.choices, text):
            entry = QListWidgetItem(choice.label("zh"))
            entry.setData(Qt.ItemDataRole.UserRole, choice)
            self.item_list.addItem(entry)
        if self.item_list.count():
            self.item_list.setCurrentRow(0)

    def chosen_item(self) -> ItemChoice | None:
        entry = self.item_list.currentItem()
        return entry.data(Qt.ItemDataRole.UserRole) if entry is not None else None

    def chosen_assist(self) -> str:
        return next((code for code, button in self.assist_buttons.items() if button.isChecked()), "")

    def issue(self) -> None:
        try:
            body = issue_request(self.chosen_item(), self.priority.currentData(), self.chosen_assist())
        except HallRuleError as error:
            self._refused(error.code, both(error.message.zh, error.message.en))
            return
        self.issue_button.setEnabled(False)
        self.connection.call(
            "guide_issue",
            body["series"],
            body["items"],
            body["priority_reason"],
            body["assist"],
            on_done=self._issued,
            on_error=self._failed,
        )

    def _issued(self, ticket: dict[str, Any]) -> None:
        self.issue_button.setEnabled(True)
        mode = ASSIST_MODES.get(str(ticket.get("assist") or ""))
        marks = "".join(f"【{text}】" for text in (mode.zh if mode else "", "优先" if ticket.get("priority") else "") if text)
        ahead = int(ticket.get("people_ahead") or 0)
        self.issued_label.setText(f"{ticket['number']} {marks}  " + both(f"前面 {ahead} 人", f"{ahead} ahead"))
        self.assist_buttons[""].setChecked(True)
        self.priority.setCurrentIndex(0)
        self.issued.emit(ticket)
        self._print(ticket)
        self.refresh()

    def _print(self, ticket: dict[str, Any]) -> None:
        """Printed on the desk's printer; without one the number is handed over as shown."""
        if self.printer is None:
            return
        slip = ticket_slip(ticket, dict(self.snapshot.get("hall") or {}), list(self.snapshot.get("categories") or []))
        printer = self.printer
        number = str(ticket["number"])
        run_in_background(
            lambda: printer.print_ticket(slip),
            lambda _status: self.printed.emit(number),
            lambda error: self._refused(
                "print_failed", both(f"打印失败：{error}，请口头告知号码", f"printing failed: {error}; hand the number over")
            ),
            self.print_pool,
        )

    # ------------------------------------------------------------------ book

    def book(self) -> None:
        choice = self.chosen_item()
        if choice is None:
            self._refused("no_item", both("请先选择办理事项", "choose the item first"))
            return
        slot = self.slot.dateTime().toPython()
        zone = self.snapshot.get("hall", {}).get("timezone")
        slot_text = _with_zone(slot, zone)
        self.book_button.setEnabled(False)
        self.connection.call(
            "guide_book",
            choice.series,
            slot_text,
            self.book_name.text().strip(),
            self.book_phone.text().strip(),
            choice.code,
            on_done=self._booked,
            on_error=self._failed,
        )

    def _booked(self, booking: dict[str, Any]) -> None:
        self.book_button.setEnabled(True)
        self.booked_label.setText(both(f"预约码 {booking['code']}", f"booking code {booking['code']}"))
        self.book_name.clear()
        self.book_phone.clear()
        self.booked.emit(booking)

    # ------------------------------------------------------------------ look up and requeue

    def look_up(self) -> None:
        number = self.lookup_number.text().strip().upper()
        if not number:
            self._refused("no_number", both("请输入号码", "enter a number"))
            return
        self.requeue_button.setEnabled(False)
        self.connection.call("find_ticket", number, on_done=self._found, on_error=self._failed)

    def _found(self, ticket: dict[str, Any]) -> None:
        self.last_found = ticket
        window = ticket.get("window") or {}
        where = f" · {window.get('number')}号窗口 / window {window.get('number')}" if window else ""
        self.found_label.setText(f"{ticket['number']} · {_STATUS.get(str(ticket['status']), str(ticket['status']))}{where}")
        self.requeue_button.setEnabled(may_requeue(ticket))
        self.found.emit(ticket)

    def requeue(self) -> None:
        if self.last_found is None:
            return
        self.requeue_button.setEnabled(False)
        self.connection.call("requeue", int(self.last_found["id"]), on_done=self._requeued, on_error=self._failed)

    def _requeued(self, ticket: dict[str, Any]) -> None:
        ahead = int(ticket.get("people_ahead") or 0)
        self.found_label.setText(
            both(f"{ticket['number']} 已重新排队，前面 {ahead} 人", f"{ticket['number']} is back in the queue, {ahead} ahead")
        )
        self.last_found = None
        self.requeued.emit(ticket)
        self.refresh()

    # ------------------------------------------------------------------ errors

    def _failed(self, error: ApiError) -> None:
        self.issue_button.setEnabled(True)
        self.book_button.setEnabled(True)
        self._refused(error.code, both(error.zh, error.en))

    def _refused(self, code: str, message: str) -> None:
        self.status.setText(message)
        self.failed.emit(code, message)


_STATUS = {
    "waiting": "等候中 / waiting",
    "called": "已叫号 / called",
    "serving": "办理中 / being served",
    "done": "已办结 / done",
    "no_show": "过号 / missed",
    "parked": "挂起 / parked",
    "expired": "已过期 / expired",
}


def _with_zone(slot: datetime, zone_name: Any) -> str:
    """The chosen slot as the hall's local time with its offset (the server refuses naive times)."""
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(str(zone_name or "Asia/Shanghai"))
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Shanghai")
    return slot.replace(second=0, microsecond=0, tzinfo=zone).isoformat()


__all__ = ["GuideWindow"]
