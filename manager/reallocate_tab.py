"""The console's reallocation tab (窗口调整): pick a window, tick the categories it serves first (主办)
and also (兼办), give a reason, apply; or open, close, pause or resume it.

The ticks follow the server until the manager edits them: a new snapshot re-ticks the boxes only
when another window is picked or the server's categories for this one changed. A clerk without
the skill for a ticked category gets a warning, not a refusal (the hall may still decide so).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from manager.actions import ConsoleActions
from manager.advice import ApiCall, skill_gaps
from manager.console_text import skill_warning_text, window_choice_text, window_description
from manager.widgets import make_table, table_item
from ui import theme


class ReallocateTab(QWidget):
    """Changes go through ``actions``; ``show_snapshot`` redraws from the server's state."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.snapshot: dict[str, Any] = {}
        self._loaded_window: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        pick = QHBoxLayout()
        pick.addWidget(QLabel("窗口 Window"))
        self.realloc_window = QComboBox()
        self.realloc_window.setMinimumWidth(320)
        self.realloc_window.currentIndexChanged.connect(lambda _i: self._load_window_categories(force=True))
        pick.addWidget(self.realloc_window, 1)
        left.addLayout(pick)
        self.realloc_info = QLabel()
        self.realloc_info.setWordWrap(True)
        self.realloc_info.setFont(theme.font(12))
        left.addWidget(self.realloc_info)
        self.realloc_table = make_table(["类别", "业务 Category", "主办 Primary", "兼办 Secondary", "等候 Waiting", "技能 Skill"])
        self.realloc_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        left.addWidget(self.realloc_table, 1)
        self.primary_boxes: dict[str, QCheckBox] = {}
        self.secondary_boxes: dict[str, QCheckBox] = {}
        self.skill_warning = QLabel()
        self.skill_warning.setStyleSheet(f"color: {theme.AMBER}; font-weight: bold;")
        self.skill_warning.setWordWrap(True)
        left.addWidget(self.skill_warning)
        layout.addLayout(left, 3)

        right = QVBoxLayout()
        box = QGroupBox("调整原因（记入审计日志） Reason — audited")
        form = QVBoxLayout(box)
        self.realloc_reason = QLineEdit()
        self.realloc_reason.setPlaceholderText("例如：不动产登记等候人数多，临时增开")
        self.realloc_reason.setMaxLength(300)
        form.addWidget(self.realloc_reason)
        right.addWidget(box)
        self.apply_categories_button = QPushButton("应用业务调整  Apply categories")
        self.open_button = QPushButton("开放窗口  Open")
        self.close_button = QPushButton("关闭窗口  Close")
        self.pause_button = QPushButton("暂停服务  Pause")
        self.resume_button = QPushButton("恢复服务  Resume")
        for button in (self.apply_categories_button, self.open_button, self.close_button, self.pause_button, self.resume_button):
            button.setMinimumHeight(44)
            right.addWidget(button)
        self.apply_categories_button.setStyleSheet(f"background: {theme.BLUE}; color: white; font-weight: bold;")
        self.apply_categories_button.clicked.connect(self.apply_categories)
        self.open_button.clicked.connect(lambda: self._window_action("open_window", "开放"))
        self.close_button.clicked.connect(lambda: self._window_action("close_window", "关闭"))
        self.pause_button.clicked.connect(lambda: self._window_action("pause", "暂停"))
        self.resume_button.clicked.connect(lambda: self._window_action("resume", "恢复"))
        note = QLabel(
            "勾选主办、兼办业务后应用，立即生效：窗口下一次叫号即按新业务叫号。\nChanges apply at once: the window's next call follows them."
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {theme.GREY};")
        right.addWidget(note)
        right.addStretch(1)
        layout.addLayout(right, 2)

    def selected_window(self) -> dict[str, Any] | None:
        number = self.realloc_window.currentData()
        for w in self.snapshot.get("windows", []):
            if w["number"] == number:
                return w
        return None

    def select_window(self, number: int) -> None:
        index = self.realloc_window.findData(number)
        if index >= 0:
            self.realloc_window.setCurrentIndex(index)

    def show_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.snapshot = snapshot
        windows = snapshot.get("windows", [])
        combo = self.realloc_window
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for w in windows:
            combo.addItem(window_choice_text(w), w["number"])
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)
        categories = snapshot.get("categories", [])
        if self.realloc_table.rowCount() != len(categories):
            self._build_category_rows(categories)
        for row, c in enumerate(categories):
            self.realloc_table.setItem(row, 4, table_item(c.get("waiting", 0), align_right=True))
        self._load_window_categories(force=False)

    def _build_category_rows(self, categories: list[dict[str, Any]]) -> None:
        table = self.realloc_table
        table.setRowCount(len(categories))
        self.primary_boxes.clear()
        self.secondary_boxes.clear()
        for row, c in enumerate(categories):
            series = c["series"]
            table.setItem(row, 0, table_item(series))
            table.setItem(row, 1, table_item(f"{c.get('name_zh', '')}  {c.get('name_en', '')}"))
            for col, boxes in ((2, self.primary_boxes), (3, self.secondary_boxes)):
                holder = QWidget()
                h = QHBoxLayout(holder)
                h.setContentsMargins(0, 0, 0, 0)
                h.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box = QCheckBox()
                h.addWidget(box)
                boxes[series] = box
                table.setCellWidget(row, col, holder)
            self.primary_boxes[series].toggled.connect(lambda on, s=series: on and self.secondary_boxes[s].setChecked(False))
            self.secondary_boxes[series].toggled.connect(lambda on, s=series: on and self.primary_boxes[s].setChecked(False))
            self.primary_boxes[series].toggled.connect(self._update_skill_warning)
            self.secondary_boxes[series].toggled.connect(self._update_skill_warning)
        table.resizeColumnsToContents()
        # The category's name takes the spare width, not the narrow skill mark, so that a long
        # bilingual name is never cut off.
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)

    def _load_window_categories(self, force: bool) -> None:
        """Tick the boxes from the server's state — when another window is picked, or when the
        server's categories for this window changed (not while the manager edits unchanged ones)."""
        w = self.selected_window()
        if w is None:
            return
        key = (int(w["number"]), tuple(w.get("primary", [])), tuple(w.get("secondary", [])))
        if not force and key == self._loaded_window:
            self._describe_window(w)
            return
        self._loaded_window = key
        for series, box in self.primary_boxes.items():
            box.setChecked(series in key[1])
        for series, box in self.secondary_boxes.items():
            box.setChecked(series in key[2])
        clerk = w.get("clerk")
        skills = set(clerk.get("skills") or ()) if clerk else set()
        for row in range(self.realloc_table.rowCount()):
            series_item = self.realloc_table.item(row, 0)
            series = series_item.text() if series_item else ""
            self.realloc_table.setItem(row, 5, table_item("✓" if series in skills else ("—" if not clerk else "无")))
        self._describe_window(w)

    def _describe_window(self, w: dict[str, Any]) -> None:
        self.realloc_info.setText(window_description(w))
        self._update_skill_warning()

    def ticked(self) -> tuple[list[str], list[str]]:
        primary = [s for s, box in self.primary_boxes.items() if box.isChecked()]
        secondary = [s for s, box in self.secondary_boxes.items() if box.isChecked()]
        return primary, secondary

    def _update_skill_warning(self, *_args: Any) -> None:
        w = self.selected_window()
        if w is None:
            return
        primary, secondary = self.ticked()
        self.skill_warning.setText(skill_warning_text(skill_gaps(w, primary + secondary)))

    def _reason(self, default: str) -> str:
        return self.realloc_reason.text().strip() or default

    def apply_categories(self) -> None:
        w = self.selected_window()
        if w is None or self.actions.busy:
            return
        primary, secondary = self.ticked()
        if not primary and not secondary:
            self.actions.say(False, "至少选择一项业务  Tick at least one category (or close the window)")
            return
        call = ApiCall("set_window_categories", (int(w["number"]), primary, secondary, self._reason("管理员调整窗口业务")))
        done = f"{w['number']}号窗口已调整：主办 {'、'.join(primary) or '—'}，兼办 {'、'.join(secondary) or '—'}"
        self.actions.run([call], done, after=self.realloc_reason.clear)

    def _window_action(self, method: str, verb: str) -> None:
        w = self.selected_window()
        if w is None or self.actions.busy:
            return
        number = int(w["number"])
        args: tuple[Any, ...] = (number,) if method == "resume" else (number, self._reason(f"管理员{verb}窗口"))
        self.actions.run([ApiCall(method, args)], f"{number}号窗口已{verb}", after=self.realloc_reason.clear)
