"""The 承诺件 prompt: applicant's name and phone for the 承诺件告知单, and its 承诺时限.

The name and phone stay on this machine: typed here, printed, shown only masked
(:func:`~hardware.printer.layout.mask_name`), and cleared when the prompt closes. The 承诺时限
starts from the item's (or the hall's default) so the clerk can check or change it before it
is printed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from hall.tickets import MAX_PROMISED_WORKING_DAYS
from hardware.printer.layout import mask_name, mask_phone
from ui.text import Language


class PromiseForm(QWidget):
    submitted = Signal()

    def __init__(self, lang: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.applicant_edit = QLineEdit(maxLength=40, echoMode=QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.phone_edit = QLineEdit(maxLength=20, echoMode=QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.applicant_label, self.phone_label = QLabel(), QLabel()
        self.masked_preview = QLabel()
        self.ok_button = QPushButton(objectName="primary")
        self.days_label = QLabel()
        self.days_spin = QSpinBox(minimum=1, maximum=MAX_PROMISED_WORKING_DAYS)
        grid.addWidget(self.applicant_label, 0, 0)
        grid.addWidget(self.applicant_edit, 0, 1)
        grid.addWidget(self.phone_label, 0, 2)
        grid.addWidget(self.phone_edit, 0, 3)
        grid.addWidget(self.days_label, 1, 0)
        grid.addWidget(self.days_spin, 1, 1)
        grid.addWidget(self.masked_preview, 2, 0, 1, 3)
        grid.addWidget(self.ok_button, 2, 3)
        self.applicant_edit.textChanged.connect(self.update_masked)
        self.phone_edit.textChanged.connect(self.update_masked)
        self.applicant_edit.returnPressed.connect(self.phone_edit.setFocus)
        self.phone_edit.returnPressed.connect(self.submitted)
        self.ok_button.clicked.connect(self.submitted)

    def start(self, days: int) -> None:
        """An empty form for a new notice, its 承诺时限 at ``days``."""
        self.clear()
        self.days_spin.setValue(days)
        self.update_masked()

    def clear(self) -> None:
        self.applicant_edit.clear()
        self.phone_edit.clear()

    def applicant(self) -> tuple[str, str]:
        return self.applicant_edit.text().strip(), self.phone_edit.text().strip()

    def update_masked(self) -> None:
        name, phone = self.applicant_edit.text(), self.phone_edit.text()
        self.masked_preview.setText(
            self.lang.pick(f"告知单上显示：{mask_name(name)}  {mask_phone(phone)}", f"printed as: {mask_name(name)}  {mask_phone(phone)}")
        )

    def render(self) -> None:
        t = self.lang.pick
        self.applicant_label.setText(t("申请人", "Applicant"))
        self.phone_label.setText(t("电话", "Phone"))
        self.ok_button.setText(t("办结并打印告知单", "Finish and print notice"))
        self.days_label.setText(t("承诺时限", "Promised within"))
        self.days_spin.setSuffix(t(" 个工作日", " working days"))
