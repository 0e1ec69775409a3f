"""The pad's 差评 detail screens: the comment keyboard and the 回访 phone number with consent.

Widgets only: they show what they are given and emit intents. Typing uses
:class:`pad.pinyin.CommentInput` (plain Python); whether a number may be kept is
:class:`pad.flow.PadFlow`'s decision.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pad.pinyin import COMPLAINT_PHRASES, CommentInput
from ui import theme

KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
PRIMARY = f"QPushButton {{ background: {theme.BLUE}; color: white; border-radius: 10px; }} QPushButton:disabled {{ background: #b3bcc5; }}"
SECONDARY = f"QPushButton {{ background: white; color: {theme.BLUE_DARK}; border: 2px solid {theme.BLUE}; border-radius: 10px; }}"
KEY = "QPushButton { background: white; border: 1px solid #9aa7b4; border-radius: 8px; }"
CANDIDATE = f"QPushButton {{ background: #fff8e1; color: {theme.BLUE_DARK}; border: 1px solid {theme.AMBER}; border-radius: 8px; }}"


def key_button(text: str, point_size: int, height: int, style: str, on_click: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setFont(theme.font(point_size, bold=True))
    button.setMinimumHeight(height)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setStyleSheet(style)
    button.clicked.connect(lambda _checked=False: on_click())  # clicked(bool) would fill a default argument
    return button


class CommentPage(QWidget):
    """A short comment: tap a common phrase, or type pinyin and pick characters."""

    confirmed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = CommentInput()
        box = QVBoxLayout(self)
        box.setSpacing(8)
        self.title = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.title.setFont(theme.font(18, True))
        self.title.setStyleSheet(f"color: {theme.BLUE_DARK};")
        box.addWidget(self.title)
        self.shown_text = QLabel()
        self.shown_text.setFont(theme.font(18))
        self.shown_text.setMinimumHeight(52)
        self.shown_text.setStyleSheet("background: white; border: 2px solid #9aa7b4; border-radius: 8px; padding: 4px 10px;")
        box.addWidget(self.shown_text)
        phrases = QGridLayout()
        phrases.setSpacing(6)
        self.phrase_buttons: dict[str, QPushButton] = {}
        for index, phrase in enumerate(COMPLAINT_PHRASES):
            self.phrase_buttons[phrase] = key_button(phrase, 13, 46, KEY, lambda p=phrase: self._pick(p))
            phrases.addWidget(self.phrase_buttons[phrase], index // 5, index % 5)
        box.addLayout(phrases)
        self.candidate_row = QHBoxLayout()
        self.candidate_row.setSpacing(6)
        self.candidate_buttons: list[QPushButton] = []
        for _ in range(12):
            button = key_button("", 18, 50, CANDIDATE, lambda: None)
            button.clicked.disconnect()
            button.clicked.connect(lambda _=False, b=button: self._pick(b.text()))
            self.candidate_buttons.append(button)
            self.candidate_row.addWidget(button)
        box.addLayout(self.candidate_row)
        self.letter_buttons: dict[str, QPushButton] = {}
        for row_letters in KEY_ROWS:
            row = QHBoxLayout()
            row.setSpacing(6)
            row.addStretch(len(KEY_ROWS[0]) - len(row_letters))
            for letter in row_letters:
                button = key_button(letter, 16, 50, KEY, lambda ch=letter: self._type(ch))
                self.letter_buttons[letter] = button
                row.addWidget(button, 2)
            if row_letters == KEY_ROWS[-1]:
                self.backspace_button = key_button("⌫", 16, 50, KEY, self._backspace)
                row.addWidget(self.backspace_button, 3)
            row.addStretch(len(KEY_ROWS[0]) - len(row_letters))
            box.addLayout(row)
        actions = QHBoxLayout()
        self.cancel_button = key_button("", 16, 64, SECONDARY, self.cancelled.emit)
        self.clear_button = key_button("", 16, 64, SECONDARY, self._clear)
        self.ok_button = key_button("", 16, 64, PRIMARY, lambda: self.confirmed.emit(self.input.text))
        actions.addWidget(self.cancel_button, 1)
        actions.addWidget(self.clear_button, 1)
        actions.addWidget(self.ok_button, 2)
        box.addLayout(actions)

    def start(self, text: str) -> None:
        self.input.clear()
        self.input.pick(text)
        self.refresh()

    def retranslate(self, pick: Callable[[str, str], str]) -> None:
        self.title.setText(pick("请点选常用语，或用拼音输入（可不填）", "Tap a phrase or type pinyin (optional)"))
        self.cancel_button.setText(pick("返回", "Back"))
        self.clear_button.setText(pick("清空", "Clear"))
        self.ok_button.setText(pick("确定", "OK"))
        self._placeholder = pick("（未填写）", "(nothing yet)")
        self.refresh()

    def refresh(self) -> None:
        typed = self.input.text + (f" {self.input.letters}_" if self.input.letters else "")
        self.shown_text.setText(typed or getattr(self, "_placeholder", ""))
        found = self.input.candidates
        for index, button in enumerate(self.candidate_buttons):
            button.setText(found[index] if index < len(found) else "")
            button.setVisible(index < len(found))

    def _type(self, letter: str) -> None:
        self.input.type_letter(letter)
        self.refresh()

    def _pick(self, chars: str) -> None:
        if chars:
            self.input.pick(chars)
            self.refresh()

    def _backspace(self) -> None:
        self.input.backspace()
        self.refresh()

    def _clear(self) -> None:
        self.input.clear()
        self.refresh()


class ContactPage(QWidget):
    """The 回访 number on a digit pad, kept only with the consent box ticked."""

    digit_pressed = Signal(str)
    digit_deleted = Signal()
    consent_changed = Signal(bool)
    confirmed = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.title = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.title.setFont(theme.font(18, True))
        self.title.setStyleSheet(f"color: {theme.BLUE_DARK};")
        self.number = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.number.setFont(theme.font(30, True))
        self.number.setMinimumHeight(70)
        self.number.setStyleSheet("background: white; border: 2px solid #9aa7b4; border-radius: 8px; letter-spacing: 2px;")
        self.consent = QCheckBox()
        self.consent.setFont(theme.font(16, True))
        self.consent.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.consent.setStyleSheet("QCheckBox { spacing: 14px; } QCheckBox::indicator { width: 40px; height: 40px; }")
        self.consent.toggled.connect(self.consent_changed.emit)
        self.note = QLabel(wordWrap=True)
        self.note.setFont(theme.font(13))
        self.note.setStyleSheet(f"color: {theme.GREY};")
        left.addWidget(self.title)
        left.addWidget(self.number)
        left.addSpacing(8)
        left.addWidget(self.consent)
        left.addWidget(self.note)
        left.addStretch(1)
        actions = QHBoxLayout()
        self.cancel_button = key_button("", 16, 72, SECONDARY, self.cancelled.emit)
        self.ok_button = key_button("", 16, 72, PRIMARY, self.confirmed.emit)
        actions.addWidget(self.cancel_button, 1)
        actions.addWidget(self.ok_button, 1)
        left.addLayout(actions)
        outer.addLayout(left, 3)
        pad = QGridLayout()
        pad.setSpacing(8)
        self.digit_buttons: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            self.digit_buttons[digit] = key_button(digit, 26, 84, KEY, lambda d=digit: self.digit_pressed.emit(d))
            pad.addWidget(self.digit_buttons[digit], index // 3, index % 3)
        self.digit_buttons["0"] = key_button("0", 26, 84, KEY, lambda: self.digit_pressed.emit("0"))
        pad.addWidget(self.digit_buttons["0"], 3, 1)
        self.delete_button = key_button("⌫", 22, 84, KEY, self.digit_deleted.emit)
        pad.addWidget(self.delete_button, 3, 2)
        outer.addLayout(pad, 2)

    def show_state(self, pick: Callable[[str, str], str], phone: str, consent: bool, ready: bool) -> None:
        self.title.setText(pick("留下手机号码，便于我们回访（可不填）", "Your mobile number for a call back (optional)"))
        self.number.setText(phone or "—")
        # The consent is stated in both languages, whichever is shown: it is what the citizen agrees to.
        zh, en = "同意工作人员就本次评价回访", "I agree to be contacted about this rating"
        self.consent.setText(pick(f"{zh}\n{en}", f"{en}\n{zh}"))
        if self.consent.isChecked() != consent:
            self.consent.blockSignals(True)
            self.consent.setChecked(consent)
            self.consent.blockSignals(False)
        self.note.setText(
            pick(
                "号码只用于本次差评的回访，对其他人员显示为 138****5678。需填写11位手机号并勾选同意。",
                "Used only to follow up this rating; shown masked to others. Enter 11 digits and tick the box.",
            )
        )
        self.cancel_button.setText(pick("不留电话，返回", "No number, back"))
        self.ok_button.setText(pick("确定", "OK"))
        self.ok_button.setEnabled(ready)
