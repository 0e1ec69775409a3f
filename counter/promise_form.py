"""The 承诺件 prompt: who applied, for which item (事项), which materials were handed in, and
the 承诺时限 — everything the 承诺件告知单 says.

The item list is the ticket's category's items, starting at the item the citizen chose at the
kiosk; the 承诺时限 follows the chosen item (else the hall's default) and the clerk can still
change it. Materials are the chosen item's list, each a check box, none ticked: the clerk ticks
what was actually handed in (space toggles the focused box), and only that is printed.

The name and phone stay on this machine: typed here, printed, shown only masked
(:func:`~hardware.printer.layout.mask_name`), and cleared when the prompt closes. The name is a
plain visible field — the clerk must be able to read back what they typed.

Keys: Enter in the name goes to the phone, Enter in the phone goes to the item; Enter anywhere
else (item, a material, the days) finishes and prints. Tab walks the fields in that order.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from hall.tickets import MAX_PROMISED_WORKING_DAYS, promised_working_days
from hardware.printer.layout import mask_name, mask_phone
from ui.text import Language

MATERIAL_COLUMNS = 2


class PromiseForm(QWidget):
    submitted = Signal()

    def __init__(self, lang: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.items: list[dict[str, Any]] = []
        self.hall_default_days = 5
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        self.applicant_edit = QLineEdit(maxLength=40)
        self.phone_edit = QLineEdit(maxLength=20)
        self.applicant_label, self.phone_label = QLabel(), QLabel()
        self.item_label = QLabel()
        self.item_combo = QComboBox()
        self.days_label = QLabel()
        self.days_spin = QSpinBox(minimum=1, maximum=MAX_PROMISED_WORKING_DAYS)
        self.materials_label = QLabel()
        self.materials_box = QWidget()
        self.materials_grid = QGridLayout(self.materials_box)
        self.materials_grid.setContentsMargins(0, 0, 0, 0)
        self.materials_grid.setVerticalSpacing(0)
        self.material_boxes: list[QCheckBox] = []
        self.no_materials_label = QLabel()
        self.materials_grid.addWidget(self.no_materials_label, 0, 0)
        self.masked_preview = QLabel()
        self.ok_button = QPushButton(objectName="primary")
        grid.addWidget(self.applicant_label, 0, 0)
        grid.addWidget(self.applicant_edit, 0, 1)
        grid.addWidget(self.phone_label, 0, 2)
        grid.addWidget(self.phone_edit, 0, 3)
        grid.addWidget(self.item_label, 1, 0)
        grid.addWidget(self.item_combo, 1, 1)
        grid.addWidget(self.days_label, 1, 2)
        grid.addWidget(self.days_spin, 1, 3)
        grid.addWidget(self.materials_label, 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.materials_box, 2, 1, 1, 3)
        grid.addWidget(self.masked_preview, 3, 0, 1, 3)
        grid.addWidget(self.ok_button, 3, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self.applicant_edit.textChanged.connect(self.update_masked)
        self.phone_edit.textChanged.connect(self.update_masked)
        self.item_combo.currentIndexChanged.connect(self._item_changed)
        self.ok_button.clicked.connect(self.submitted)
        # A line edit reports Enter and then lets the key press travel on to this form; the flag
        # keeps that one press from also finishing the case.
        self._enter_taken = False
        self.applicant_edit.returnPressed.connect(lambda: self._move_on(self.phone_edit))
        self.phone_edit.returnPressed.connect(lambda: self._move_on(self.item_combo))

    def _move_on(self, widget: QWidget) -> None:
        self._enter_taken = True
        widget.setFocus()

    # ------------------------------------------------------------------ filling

    def start(self, items: list[dict[str, Any]], chosen_code: str | None, hall_default_days: int) -> None:
        """An empty form for a new notice: ``items`` to choose from, ``chosen_code`` first (the
        ticket's item), the 承诺时限 of that item (else ``hall_default_days``)."""
        self.clear()
        self.items = list(items)
        self.hall_default_days = hall_default_days
        self.item_combo.blockSignals(True)
        self.item_combo.clear()
        self.item_combo.addItem("", None)  # "choose the item": a ticket taken without one
        for item in self.items:
            self.item_combo.addItem(self.lang.of(item), item.get("code"))
        index = self.item_combo.findData(chosen_code) if chosen_code else -1
        self.item_combo.setCurrentIndex(max(index, 0))
        self.item_combo.blockSignals(False)
        self.item_combo.setEnabled(bool(self.items))
        self._item_changed()
        self.update_masked()

    def _item_changed(self, _index: int = 0) -> None:
        item = self.chosen_item()
        self.days_spin.setValue(promised_working_days(None, (item or {}).get("promised_days"), self.hall_default_days))
        self._show_materials(list((item or {}).get("materials") or []))

    def _show_materials(self, materials: list[str]) -> None:
        for box in self.material_boxes:
            self.materials_grid.removeWidget(box)
            box.deleteLater()
        self.material_boxes = []
        for index, material in enumerate(materials):
            box = QCheckBox(material)
            self.materials_grid.addWidget(box, index // MATERIAL_COLUMNS, index % MATERIAL_COLUMNS)
            self.material_boxes.append(box)
        self.no_materials_label.setVisible(not self.material_boxes)
        order = [self.applicant_edit, self.phone_edit, self.item_combo, *self.material_boxes, self.days_spin, self.ok_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.render()

    def clear(self) -> None:
        self.applicant_edit.clear()
        self.phone_edit.clear()

    # ------------------------------------------------------------------ what was entered

    def applicant(self) -> tuple[str, str]:
        return self.applicant_edit.text().strip(), self.phone_edit.text().strip()

    def chosen_item(self) -> dict[str, Any] | None:
        index = self.item_combo.currentIndex() - 1  # after the "choose" row
        return self.items[index] if 0 <= index < len(self.items) else None

    def needs_item(self) -> bool:
        """The category has items and none is chosen: the notice would not say what was applied for."""
        return bool(self.items) and self.chosen_item() is None

    def materials_received(self) -> list[str]:
        """The ticked materials, in the item's order."""
        return [box.text() for box in self.material_boxes if box.isChecked()]

    # ------------------------------------------------------------------ keys and drawing

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self._enter_taken:
                self.submitted.emit()
            self._enter_taken = False
            event.accept()
            return
        super().keyPressEvent(event)

    def update_masked(self) -> None:
        name, phone = self.applicant_edit.text(), self.phone_edit.text()
        self.masked_preview.setText(
            self.lang.pick(f"告知单上显示：{mask_name(name)}  {mask_phone(phone)}", f"printed as: {mask_name(name)}  {mask_phone(phone)}")
        )

    def render(self) -> None:
        t = self.lang.pick
        self.applicant_label.setText(t("申请人", "Applicant"))
        self.phone_label.setText(t("电话", "Phone"))
        self.item_label.setText(t("事项", "Item"))
        self.materials_label.setText(t("已收材料", "Received"))
        self.no_materials_label.setText(t("该事项没有材料清单", "this item lists no materials"))
        self.ok_button.setText(t("办结并打印告知单", "Finish and print notice"))
        self.days_label.setText(t("承诺时限", "Promised within"))
        self.days_spin.setSuffix(t(" 个工作日", " working days"))
        if self.item_combo.count():
            self.item_combo.setItemText(0, t("— 请选择办理事项 —", "— choose the item —"))
        for index, item in enumerate(self.items, start=1):
            self.item_combo.setItemText(index, self.lang.of(item))
