"""The console's settings tab (设置): the hall display's scrolling notices, the few hall rules a duty
manager adjusts during the day, and each category's target wait and expected service time.

What a save sends is :mod:`manager.settings_edits`: only what differs from the published values.
A new snapshot never overwrites what the manager is typing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from manager.actions import ConsoleActions
from manager.advice import ApiCall
from manager.settings_edits import CALL_RULE_CHOICES, RULE_FIELDS, notice_lines, rule_changes, rules_being_edited, target_calls
from manager.widgets import make_table, table_item


class SettingsTab(QWidget):
    """Saves go through ``actions``; ``show_snapshot`` shows what the server publishes."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.snapshot: dict[str, Any] = {}
        layout = QHBoxLayout(self)
        notices = QGroupBox("公告（每行一条，滚动显示）  Notices, one per line")
        n = QVBoxLayout(notices)
        self.notices_edit = QPlainTextEdit()
        self.notices_save = QPushButton("保存公告 Save notices")
        self.notices_save.clicked.connect(self.save_notices)
        n.addWidget(self.notices_edit, 1)
        n.addWidget(self.notices_save)
        left = QVBoxLayout()
        left.addWidget(notices, 1)
        left.addWidget(self._build_rules())
        layout.addLayout(left, 1)
        targets = QGroupBox(
            "各业务目标等候与办理时长（分钟）  Target wait && expected service (min)"
        )  # "&&": a lone & marks a shortcut key
        t = QVBoxLayout(targets)
        self.target_table = make_table(["类别", "业务 Category", "目标等候 Target", "办理时长 Service"])
        self.target_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.target_spins: dict[str, tuple[QDoubleSpinBox, QDoubleSpinBox]] = {}
        self.targets_save = QPushButton("保存目标 Save targets")
        self.targets_save.clicked.connect(self.save_targets)
        t.addWidget(self.target_table, 1)
        t.addWidget(self.targets_save)
        layout.addWidget(targets, 1)
        self._notices_loaded = False

    def _build_rules(self) -> QGroupBox:
        box = QGroupBox("规则  Rules")
        form = QFormLayout(box)
        self.call_rule_box = QComboBox()
        for value, label in CALL_RULE_CHOICES:
            self.call_rule_box.addItem(label, value)
        form.addRow("叫号规则  Call rule", self.call_rule_box)
        self._call_rule_shown: str | None = None
        self.rule_spins: dict[str, QDoubleSpinBox] = {}
        for key, label, unit, lowest, highest, decimals in RULE_FIELDS:
            spin = QDoubleSpinBox()
            spin.setRange(lowest, highest)
            spin.setDecimals(decimals)
            spin.setSuffix(unit)
            form.addRow(label, spin)
            self.rule_spins[key] = spin
        self.rules_save = QPushButton("保存规则 Save rules")
        self.rules_save.clicked.connect(self.save_rules)
        form.addRow(self.rules_save)
        self._rules_shown: dict[str, float] = {}
        return box

    def _rule_values(self) -> dict[str, float]:
        return {key: spin.value() for key, spin in self.rule_spins.items()}

    def _show_rules(self) -> None:
        """The published rules, unless the manager is editing them (a spin box differs from what was shown)."""
        published = self.snapshot.get("rules") or {}
        if rules_being_edited(self._rule_values(), self._rules_shown) or self._call_rule_edited():
            return
        index = self.call_rule_box.findData(published.get("call_rule"))
        if index >= 0:
            self.call_rule_box.setCurrentIndex(index)
            self._call_rule_shown = str(self.call_rule_box.currentData())
        for key, spin in self.rule_spins.items():
            if key in published:
                spin.setValue(float(published[key]))
                self._rules_shown[key] = spin.value()

    def _call_rule_edited(self) -> bool:
        return self._call_rule_shown is not None and self.call_rule_box.currentData() != self._call_rule_shown

    def save_rules(self) -> None:
        changes = rule_changes(self.snapshot.get("rules") or {}, self._rule_values(), str(self.call_rule_box.currentData()))
        self._rules_shown = {}  # show what the server publishes next
        self._call_rule_shown = None
        if not changes:
            self.actions.say(True, "规则未改动  No rule changed")
            return
        self.actions.run([ApiCall("request", ("PUT", "/api/config/hall", {"rules": changes}))], f"规则已保存（{len(changes)} 项）")

    def show_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.snapshot = snapshot
        self._show_rules()
        if not self._notices_loaded or not self.notices_edit.document().isModified():
            self.notices_edit.setPlainText("\n".join(snapshot.get("hall", {}).get("notices") or []))
            self.notices_edit.document().setModified(False)
            self._notices_loaded = True
        categories = snapshot.get("categories", [])
        if set(self.target_spins) != {c["series"] for c in categories}:
            self.target_spins.clear()
            self.target_table.setRowCount(len(categories))
            for r, c in enumerate(categories):
                self.target_table.setItem(r, 0, table_item(c["series"]))
                self.target_table.setItem(r, 1, table_item(c.get("name_zh", "")))
                spins = []
                for col, key in ((2, "target_wait_minutes"), (3, "expected_service_minutes")):
                    spin = QDoubleSpinBox()
                    spin.setRange(0.5, 480)
                    spin.setDecimals(0)
                    spin.setValue(float(c.get(key) or 1))
                    self.target_table.setCellWidget(r, col, spin)
                    spins.append(spin)
                self.target_spins[c["series"]] = (spins[0], spins[1])
            self.target_table.resizeColumnsToContents()

    def save_notices(self) -> None:
        lines = notice_lines(self.notices_edit.toPlainText())
        self.notices_edit.document().setModified(False)
        self.actions.run([ApiCall("request", ("PUT", "/api/config/hall", {"notices": lines}))], f"公告已保存（{len(lines)} 条）")

    def save_targets(self) -> None:
        values = {series: (target.value(), service.value()) for series, (target, service) in self.target_spins.items()}
        calls = target_calls(self.snapshot.get("categories", []), values)
        if not calls:
            self.actions.say(True, "没有改动  Nothing changed")
            return
        self.actions.run(calls, f"已保存 {len(calls)} 项业务的目标  Saved")
