"""电话预约: a booking the manager makes for a citizen who phones in (``POST /api/bookings/phone``).

Item → day → slot (each with the places left, from the same lists the /b page offers) → the
caller's name and mobile number → 预约 (Enter in any field submits). The answer is the booking
code, in large type and grouped in fives, to read to the caller; the typed name and number are
then cleared (the answer shows them masked). The server applies every rule
(places left, one booking per category and day, the weekly limit, a 爽约 suspension) and its
refusal is shown in Chinese and English; the form's choices and words are
:mod:`manager.bookings_text`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from manager.bookings_text import Choice, booking_answer, day_choices, item_choices, missing_fields, slot_choices
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection


def _fill(box: QComboBox, choices: list[Choice]) -> None:
    """Replace a box's entries; the ones that cannot be chosen stay listed, greyed out. The entry
    chosen before stays chosen while it can be."""
    kept = next((c.value for c in choices if c.enabled and c.value == box.currentData()), None)
    box.blockSignals(True)
    box.clear()
    first = -1
    for index, choice in enumerate(choices):
        box.addItem(choice.text, choice.value)
        if not choice.enabled:
            model = box.model()
            if isinstance(model, QStandardItemModel):
                entry = model.item(index)
                if entry is not None:
                    entry.setEnabled(False)
        elif first < 0:
            first = index
    box.setCurrentIndex(box.findData(kept) if kept is not None else first)
    box.blockSignals(False)


class PhoneBookingPage(QWidget):
    """``load()`` reads the items; ``booked`` carries the server's answer after a booking."""

    booked = Signal(dict)
    refused = Signal(str)
    choices_shown = Signal()

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.last: dict[str, Any] | None = None
        self._busy = False
        self._generation = 0
        big = theme.font(13)

        root = QHBoxLayout(self)
        box = QGroupBox("来电人预约  Booking for a caller")
        form = QFormLayout(box)
        self.item_box, self.day_box, self.slot_box = QComboBox(), QComboBox(), QComboBox()
        self.name_edit, self.phone_edit = QLineEdit(), QLineEdit()
        self.name_edit.setMaxLength(40)
        self.name_edit.setPlaceholderText("如 张三  e.g. Zhang San")
        self.phone_edit.setMaxLength(20)
        self.phone_edit.setPlaceholderText("11 位手机号  11-digit mobile number")
        self.submit_button = QPushButton("预约 Book")
        self.submit_button.setDefault(True)
        self.submit_button.setAutoDefault(True)
        self.clear_button = QPushButton("下一位来电 Next caller")
        for widget in (self.item_box, self.day_box, self.slot_box, self.name_edit, self.phone_edit, self.submit_button):
            widget.setFont(big)
            widget.setMinimumHeight(36)
        for widget in (self.item_box, self.day_box, self.slot_box):
            widget.setMinimumWidth(460)
        form.addRow("事项 Item", self.item_box)
        form.addRow("日期 Day", self.day_box)
        form.addRow("时段 Slot", self.slot_box)
        form.addRow("姓名 Name", self.name_edit)
        form.addRow("手机 Mobile", self.phone_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.message = QLabel(wordWrap=True)
        self.message.setFont(theme.font(12, True))
        form.addRow(self.message)
        left = QVBoxLayout()
        left.addWidget(box)
        left.addStretch(1)
        root.addLayout(left, 3)

        answer = QGroupBox("请读给来电人  Read to the caller")
        a = QVBoxLayout(answer)
        code_title = QLabel("预约码  Booking code")
        code_title.setFont(theme.font(13, True))
        a.addWidget(code_title)
        self.code_label = QLabel("—")
        self.code_label.setFont(theme.font(30, True))
        self.code_label.setStyleSheet(f"color: {theme.BLUE_DARK};")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label = QLabel(wordWrap=True)
        self.details_label.setFont(theme.font(12))
        a.addWidget(self.code_label)
        a.addWidget(self.details_label)
        right = QVBoxLayout()
        right.addWidget(answer)
        right.addStretch(1)
        root.addLayout(right, 2)

        QWidget.setTabOrder(self.item_box, self.day_box)
        QWidget.setTabOrder(self.day_box, self.slot_box)
        QWidget.setTabOrder(self.slot_box, self.name_edit)
        QWidget.setTabOrder(self.name_edit, self.phone_edit)
        QWidget.setTabOrder(self.phone_edit, self.submit_button)
        QWidget.setTabOrder(self.submit_button, self.clear_button)
        self.item_box.currentIndexChanged.connect(lambda _i: self._load_days())
        self.day_box.currentIndexChanged.connect(lambda _i: self._load_slots())
        self.name_edit.returnPressed.connect(self.submit)
        self.phone_edit.returnPressed.connect(self.submit)
        self.submit_button.clicked.connect(self.submit)
        self.clear_button.clicked.connect(self.next_caller)

    # ------------------------------------------------------------------ choices

    def load(self) -> None:
        """Read the items (then the chosen item's days and the chosen day's slots)."""
        self.conn.call("booking_items", on_done=self._show_items, on_error=self._failed_to_read)

    def _show_items(self, catalogue: dict[str, Any]) -> None:
        _fill(self.item_box, item_choices(catalogue))
        self._load_days()

    def _load_days(self) -> None:
        item = self.item_box.currentData()
        self._generation += 1
        generation = self._generation
        if not item:
            return

        def done(days: dict[str, Any]) -> None:
            if generation == self._generation:
                _fill(self.day_box, day_choices(days))
                self._load_slots()

        self.conn.call("booking_days", str(item), on_done=done, on_error=self._failed_to_read)

    def _load_slots(self) -> None:
        item, day = self.item_box.currentData(), self.day_box.currentData()
        self._generation += 1
        generation = self._generation
        if not item or not day:
            self.slot_box.clear()
            self.choices_shown.emit()
            return

        def done(slots: dict[str, Any]) -> None:
            if generation == self._generation:
                _fill(self.slot_box, slot_choices(slots))
                self.choices_shown.emit()

        self.conn.call("booking_slots", str(item), date.fromisoformat(str(day)), on_done=done, on_error=self._failed_to_read)

    def _failed_to_read(self, error: ApiError) -> None:
        self._say(False, f"无法读取可预约时段：{error.zh}", f"The booking choices could not be read: {error.en}")

    def choose(self, item: str, day: str, start: str) -> None:
        """Pick an item, day and slot already listed (as the manager does with the boxes)."""
        for box, value in ((self.item_box, item), (self.day_box, day), (self.slot_box, start)):
            index = box.findData(value)
            if index >= 0:
                box.setCurrentIndex(index)

    # ------------------------------------------------------------------ booking

    def submit(self) -> None:
        if self._busy:
            return
        item, day, start = (str(box.currentData() or "") for box in (self.item_box, self.day_box, self.slot_box))
        name, phone = self.name_edit.text(), self.phone_edit.text()
        missing = missing_fields(item, day, start, name, phone)
        if missing is not None:
            self._say(False, *missing)
            return
        self._busy = True
        self.submit_button.setEnabled(False)
        self._say(None, "正在预约…", "Booking…")
        self.conn.call("phone_booking", item, date.fromisoformat(day), start, name, phone, on_done=self._done, on_error=self._refused)

    def _done(self, made: dict[str, Any]) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        self.last = made
        code, details = booking_answer(made)
        self.code_label.setText(code)
        self.details_label.setText(details)
        self.name_edit.clear()  # the caller's number stays on screen only masked
        self.phone_edit.clear()
        self._say(True, "预约成功，请把预约码读给来电人", "Booked: read the code to the caller")
        self._load_days()  # the day and the slot show one place fewer
        self.booked.emit(made)

    def _refused(self, error: ApiError) -> None:
        self._busy = False
        self.submit_button.setEnabled(True)
        self._say(False, f"未能预约：{error.zh}", f"Not booked: {error.en}")
        self._load_days()
        self.refused.emit(error.code)

    def next_caller(self) -> None:
        self.name_edit.clear()
        self.phone_edit.clear()
        self.code_label.setText("—")
        self.details_label.clear()
        self.message.clear()
        self.item_box.setFocus()

    def _say(self, ok: bool | None, zh: str, en: str) -> None:
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(f"{zh}\n{en}")
