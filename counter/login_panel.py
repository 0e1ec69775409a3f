"""The counter's login panel: staff number, PIN and the A/B handover box.

It only draws and reports: Enter on the PIN or the login button emits :attr:`submitted`, the
window checks the fields and talks to the server. Shown at start, after logout and for an
A/B handover (F10), when :attr:`cancel_button` takes the clerk back to work.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from hall.text import Bilingual
from ui import theme


class LoginPanel(QWidget):
    submitted = Signal()
    cancelled = Signal()
    language_toggled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QGridLayout(self)
        self.title = QLabel()
        self.title.setFont(theme.font(14, bold=True))
        self.holder = QLabel()
        self.staff_edit = QLineEdit(maxLength=32)
        self.pin_edit = QLineEdit(maxLength=64, echoMode=QLineEdit.EchoMode.Password)
        self.staff_label, self.pin_label = QLabel(), QLabel()
        self.handover_box = QCheckBox()
        self.login_button = QPushButton(objectName="primary")
        self.cancel_button = QPushButton()
        self.message = QLabel(wordWrap=True)
        self.lang_button = QPushButton()
        form.addWidget(self.title, 0, 0, 1, 3)
        form.addWidget(self.lang_button, 0, 3)
        form.addWidget(self.holder, 1, 0, 1, 4)
        form.addWidget(self.staff_label, 2, 0)
        form.addWidget(self.staff_edit, 2, 1, 1, 3)
        form.addWidget(self.pin_label, 3, 0)
        form.addWidget(self.pin_edit, 3, 1, 1, 3)
        form.addWidget(self.handover_box, 4, 0, 1, 4)
        form.addWidget(self.login_button, 5, 0, 1, 2)
        form.addWidget(self.cancel_button, 5, 2, 1, 2)
        form.addWidget(self.message, 6, 0, 1, 4)
        self.login_button.clicked.connect(self.submitted)
        self.pin_edit.returnPressed.connect(self.submitted)
        self.staff_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.cancel_button.clicked.connect(self.cancelled)
        self.lang_button.clicked.connect(self.language_toggled)

    def reset(self, handover: bool) -> None:
        """A fresh form: nothing typed, no message, the handover box as asked."""
        self.handover_box.setChecked(handover)
        self.staff_edit.clear()
        self.pin_edit.clear()
        self.message.setText("")
        self.staff_edit.setFocus()

    def render(self, t: Callable[[str, str], str], lang_code: str, window_number: int | None, holder: Bilingual, can_cancel: bool) -> None:
        self.title.setText(t(f"{window_number or ''}号窗口 工作人员登录", f"Window {window_number or ''} – clerk login"))
        self.lang_button.setText("English" if lang_code == "zh" else "中文")
        self.staff_label.setText(t("工号", "Staff no."))
        self.pin_label.setText(t("密码", "PIN"))
        self.handover_box.setText(t("AB岗交接（接替本窗口当前工作人员）", "A/B handover (take over from the clerk logged in here)"))
        self.login_button.setText(t("登录  Enter", "Log in  Enter"))
        self.cancel_button.setText(t("取消  Esc", "Cancel  Esc"))
        self.cancel_button.setVisible(can_cancel)
        self.holder.setText(t(holder.zh, holder.en))
