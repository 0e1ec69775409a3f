"""The 预约 settings: the share of each slot held for bookings (the hall's default and per
category), how far ahead bookings open, the weekly limit per number, the 爽约 rule, and the
holiday calendar (holidays and 调休 make-up working days).

Read from ``GET /api/bookings/settings``; a save sends ``PUT /api/config/hall`` with only what
differs (:mod:`manager.bookings_text`). The server checks every value; its refusal, in Chinese and
English, is shown under the field it names, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from manager.bookings_text import (
    BOOKING_FIELDS,
    DEFAULT_SHARE,
    booking_changes,
    error_field,
    holiday_text,
    hours_changes,
    share_percent,
)
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection

SPIN_LIMIT = 9999  # the boxes take any whole number; the server says what the hall allows


def _error_label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setStyleSheet(f"color: {theme.RED};")
    label.setVisible(False)
    return label


class BookingSettingsPage(QWidget):
    """``load()`` reads the settings; ``saved`` after the server took a change."""

    loaded = Signal()
    saved = Signal()
    refused = Signal(str)

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.published: dict[str, Any] = {}
        self.errors: dict[str, QLabel] = {}

        root = QHBoxLayout(self)
        left = QVBoxLayout()
        capacity = QGroupBox("名额与爽约  Capacity and no-shows")
        form = QFormLayout(capacity)
        self.share_spin = QSpinBox()
        self.share_spin.setRange(-SPIN_LIMIT, SPIN_LIMIT)
        self.share_spin.setSuffix(" %")
        form.addRow("预约占比（默认）  Share held for bookings", self.share_spin)
        self._add_error(form, "share")
        self.number_spins: dict[str, QSpinBox] = {}
        for key, label, unit in BOOKING_FIELDS:
            spin = QSpinBox()
            spin.setRange(-SPIN_LIMIT, SPIN_LIMIT)
            spin.setSuffix(unit)
            form.addRow(label, spin)
            self._add_error(form, key)
            self.number_spins[key] = spin
        left.addWidget(capacity)
        shares = QGroupBox("各业务预约占比  Share per category")
        self.shares_form = QFormLayout(shares)
        self.share_spins: dict[str, QSpinBox] = {}
        self.categories: list[dict[str, Any]] = []
        self.shares_error = _error_label()
        self.errors["shares"] = self.shares_error
        self.shares_form.addRow(self.shares_error)
        left.addWidget(shares)
        left.addStretch(1)
        root.addLayout(left, 1)

        right = QVBoxLayout()
        holidays = QGroupBox("节假日与调休  Holidays and make-up working days")
        h = QVBoxLayout(holidays)
        hint = QLabel("每行一个日期，如 2026-10-01  One date a line, e.g. 2026-10-01")
        hint.setStyleSheet(f"color: {theme.GREY};")
        h.addWidget(hint)
        lists = QHBoxLayout()
        self.holiday_edits: dict[str, QPlainTextEdit] = {}
        for key, title in (("closed_dates", "休息日（不办理、不可预约）  Holidays (closed)"), ("extra_workdays", "调休上班日  Make-up working days")):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            column.addWidget(edit, 1)
            error = _error_label()
            self.errors[key] = error
            column.addWidget(error)
            lists.addLayout(column)
            self.holiday_edits[key] = edit
        h.addLayout(lists, 1)
        self.hours_error = _error_label()  # a day in both lists
        self.errors["hours"] = self.hours_error
        h.addWidget(self.hours_error)
        right.addWidget(holidays, 1)
        bar = QHBoxLayout()
        self.save_button = QPushButton("保存预约设置  Save booking settings")
        self.save_button.clicked.connect(self.save)
        self.reload_button = QPushButton("重新读取  Reload")
        self.reload_button.clicked.connect(self.load)
        bar.addWidget(self.save_button)
        bar.addWidget(self.reload_button)
        bar.addStretch(1)
        right.addLayout(bar)
        self.message = QLabel(wordWrap=True)
        self.message.setFont(theme.font(11, True))
        right.addWidget(self.message)
        root.addLayout(right, 1)

    def _add_error(self, form: QFormLayout, key: str) -> None:
        label = _error_label()
        self.errors[key] = label
        form.addRow("", label)

    # ------------------------------------------------------------------ reading

    def load(self) -> None:
        self.conn.call("bookings_settings", on_done=self.show_settings, on_error=self._failed_to_read)

    def _failed_to_read(self, error: ApiError) -> None:
        self._say(False, f"无法读取预约设置：{error.zh}", f"The booking settings could not be read: {error.en}")

    def show_settings(self, settings: dict[str, Any]) -> None:
        self.published = settings
        booking = settings.get("booking", {})
        self.share_spin.setValue(share_percent(float(booking.get("share", 0.0))))
        for key, spin in self.number_spins.items():
            spin.setValue(int(booking.get(key, 0)))
        self._show_shares(self.categories or self._series_from(booking), booking)
        for key, edit in self.holiday_edits.items():
            edit.setPlainText(holiday_text(settings.get(key) or []))
        self._clear_errors()
        self.loaded.emit()

    @staticmethod
    def _series_from(booking: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"series": series, "name_zh": ""} for series in sorted(booking.get("shares") or {})]

    def set_categories(self, categories: list[dict[str, Any]]) -> None:
        """The hall's categories (from the snapshot), one share box each."""
        if [c["series"] for c in categories] != [c["series"] for c in self.categories]:
            self.categories = list(categories)
            if self.published:
                self._show_shares(self.categories, self.published.get("booking", {}))

    def _show_shares(self, categories: list[dict[str, Any]], booking: dict[str, Any]) -> None:
        if not categories:
            return
        while self.shares_form.rowCount():
            self.shares_form.removeRow(0)
        self.share_spins = {}
        shares = booking.get("shares") or {}
        for c in categories:
            spin = QSpinBox()
            spin.setRange(DEFAULT_SHARE, SPIN_LIMIT)
            spin.setSpecialValueText("按默认 default")
            spin.setSuffix(" %")
            series = str(c["series"])
            spin.setValue(share_percent(float(shares[series])) if series in shares else DEFAULT_SHARE)
            self.shares_form.addRow(f"{series} {c.get('name_zh', '')}", spin)
            self.share_spins[series] = spin
        self.shares_error = _error_label()
        self.errors["shares"] = self.shares_error
        self.shares_form.addRow(self.shares_error)

    # ------------------------------------------------------------------ saving

    def changes(self) -> dict[str, Any]:
        """What a save would send: only what differs from the published settings."""
        body: dict[str, Any] = {}
        booking = booking_changes(
            self.published.get("booking", {}),
            {key: spin.value() for key, spin in self.number_spins.items()},
            self.share_spin.value(),
            {series: spin.value() for series, spin in self.share_spins.items()},
        )
        if booking:
            body["booking"] = booking
        hours = hours_changes(self.published, {key: edit.toPlainText() for key, edit in self.holiday_edits.items()})
        if hours:
            body["hours"] = hours
        return body

    def save(self) -> None:
        body = self.changes()
        self._clear_errors()
        if not body:
            self._say(True, "没有改动", "Nothing changed")
            return
        self.save_button.setEnabled(False)
        self._say(None, "正在保存…", "Saving…")
        self.conn.call("request", "PUT", "/api/config/hall", body, on_done=lambda _r: self._saved(body), on_error=self._refused)

    def _saved(self, body: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        count = len(body.get("booking", {})) + len(body.get("hours", {}))
        self._say(True, f"预约设置已保存（{count} 项）", f"Booking settings saved ({count})")
        self.saved.emit()
        self.conn.call("bookings_settings", on_done=self._reloaded, on_error=self._failed_to_read)

    def _reloaded(self, settings: dict[str, Any]) -> None:
        message = self.message.text(), self.message.styleSheet()
        self.show_settings(settings)
        self.message.setText(message[0])
        self.message.setStyleSheet(message[1])

    def _refused(self, error: ApiError) -> None:
        self.save_button.setEnabled(True)
        text = f"{error.zh}\n{error.en}"
        field = error_field(error.zh)
        label = self.errors.get(field) if field is not None else None
        if label is not None:
            label.setText(text)
            label.setVisible(True)
            self._say(False, "未保存：请看标红的设置", "Not saved: see the setting marked in red")
        else:
            self._say(False, f"未保存：{error.zh}", f"Not saved: {error.en}")
        self.refused.emit(field or error.code)

    def error_text(self, field: str) -> str:
        label = self.errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)

    def _say(self, ok: bool | None, zh: str, en: str) -> None:
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(f"{zh}  {en}")
