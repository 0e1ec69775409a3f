"""短信提醒 at the kiosk (optional): after a ticket is issued its holder may type a mobile number on
a big keypad to get 即将到号 (3 people ahead) and 请到 N 号窗口 by text message (server.notify).

:class:`PhoneEntry` is the plain state (digits typed, checked with hall.booking's rule, the answer);
:class:`PhoneDialog` only draws it. The number goes to the server once and is then cleared here;
the server keeps it hashed and masked, in clear only until its last message is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hall.booking import normalize_phone
from hall.text import HallRuleError

PHONE_DIGITS = 11


@dataclass
class PhoneEntry:
    """The keypad's state for one ticket."""

    ticket_id: int
    digits: str = ""
    sending: bool = False
    done: str = ""  # the masked number the server confirmed
    error: tuple[str, str] | None = None  # (zh, en)

    def key(self, digit: str) -> None:
        if digit.isdigit() and len(digit) == 1 and len(self.digits) < PHONE_DIGITS and not self.sending and not self.done:
            self.digits += digit
            self.error = None

    def backspace(self) -> None:
        if not self.sending:
            self.digits = self.digits[:-1]

    def clear(self) -> None:
        if not self.sending:
            self.digits = ""

    def shown(self) -> str:
        """The digits as typed, grouped 3-4-4 (138 1234 5678), underscores for what is missing."""
        text = self.digits.ljust(PHONE_DIGITS, "_")
        return f"{text[:3]} {text[3:7]} {text[7:]}"

    def submit(self) -> str | None:
        """The number to send, or None (with a bilingual error) when it is not a mobile number."""
        if self.sending or self.done:
            return None
        try:
            phone = normalize_phone(self.digits)
        except HallRuleError as error:
            self.error = (error.message.zh, error.message.en)
            return None
        self.sending, self.error = True, None
        return phone

    def accepted(self, answer: dict[str, Any]) -> None:
        self.sending, self.digits, self.done = False, "", str(answer.get("phone", ""))

    def refused(self, zh: str, en: str) -> None:
        self.sending, self.error = False, (zh, en)


class PhoneDialog(QDialog):
    """The big keypad over the ticket page. ``send(phone, on_done, on_error)`` is the window's
    background call; ``language`` "zh" or "en" decides which text comes first."""

    def __init__(self, entry: PhoneEntry, send: Callable[..., None], language: str = "zh", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry, self.send, self.language = entry, send, language
        self.setObjectName("phone-dialog")
        self.setWindowTitle(self.t("短信提醒", "SMS alert"))
        self.setModal(True)
        self.setFixedWidth(760)  # a kiosk's touch keypad: big keys, the same size whatever the text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(14)
        title = QLabel(
            self.t(
                "短信提醒（可选）：输入手机号，前面还有 3 人和叫号时发短信给您",
                "SMS alert (optional): enter your mobile number for a text when 3 are ahead and when called",
            )
        )
        title.setWordWrap(True)
        title.setStyleSheet("font-size: 26px; font-weight: bold;")
        layout.addWidget(title)
        self.number = QLabel(objectName="phone-number")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number.setStyleSheet("font-size: 54px; font-weight: bold;")
        layout.addWidget(self.number)
        self.message = QLabel(objectName="phone-message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-size: 22px;")
        layout.addWidget(self.message)
        pad = QGridLayout()
        pad.setSpacing(12)
        self.keys: list[QPushButton] = []
        for index, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]):
            text = {"clear": self.t("清除", "Clear"), "back": "⌫"}.get(key, key)
            button = QPushButton(text, objectName=f"phone-key-{key}")
            button.setMinimumSize(200, 96)
            button.setStyleSheet("font-size: 34px;")
            action = {"clear": entry.clear, "back": entry.backspace}.get(key) or (lambda k=key: entry.key(k))
            button.clicked.connect(lambda _checked=False, a=action: self._then(a))
            self.keys.append(button)
            pad.addWidget(button, index // 3, index % 3)
        layout.addLayout(pad)
        row = QHBoxLayout()
        self.cancel = QPushButton(self.t("不需要", "No thanks"), objectName="phone-cancel")
        self.cancel.clicked.connect(self.reject)
        self.ok = QPushButton(self.t("确定", "OK"), objectName="phone-ok")
        self.ok.clicked.connect(self.submit)
        for button in (self.cancel, self.ok):
            button.setMinimumHeight(90)
            button.setStyleSheet("font-size: 28px;")
        row.addWidget(self.cancel, 1)
        row.addWidget(self.ok, 2)
        layout.addLayout(row)
        self.render()

    def t(self, zh: str, en: str) -> str:
        return f"{en}  {zh}" if self.language == "en" else f"{zh}  {en}"

    def _then(self, action: Callable[[], None]) -> None:
        action()
        self.render()

    def render(self) -> None:
        entry = self.entry
        self.number.setText(f"✓ {entry.done}" if entry.done else entry.shown())
        if entry.error is not None:
            self.message.setText(self.t(*entry.error))
            self.message.setStyleSheet("font-size: 22px; color: #c0392b;")
        elif entry.done:
            self.message.setText(
                self.t(
                    "已登记。将在即将到号和叫号时发短信，号码用后即删除",
                    "Registered: a text when 3 are ahead and when called; the number is deleted after use",
                )
            )
            self.message.setStyleSheet("font-size: 22px; color: #1e8449;")
        else:
            self.message.setText(self.t("号码仅用于本次叫号提醒", "Used only for this ticket's alerts"))
            self.message.setStyleSheet("font-size: 22px;")
        busy = entry.sending or bool(entry.done)
        for key in self.keys:
            key.setEnabled(not busy)
        self.ok.setEnabled(not entry.sending and (bool(entry.done) or len(entry.digits) == 11))
        self.ok.setText(
            self.t("完成", "Done") if entry.done else self.t("正在提交…", "Sending…") if entry.sending else self.t("确定", "OK")
        )
        self.cancel.setVisible(not entry.done)

    def submit(self) -> None:
        if self.entry.done:
            self.accept()
            return
        phone = self.entry.submit()
        self.render()
        if phone is not None:
            self.send(phone, self._accepted, self._refused)

    def _accepted(self, answer: dict[str, Any]) -> None:
        self.entry.accepted(answer)
        self.render()

    def _refused(self, error: Any) -> None:
        self.entry.refused(getattr(error, "zh", "") or "提交失败，请重试", getattr(error, "en", "") or "could not send; please retry")
        self.render()


__all__ = ["PhoneDialog", "PhoneEntry"]
