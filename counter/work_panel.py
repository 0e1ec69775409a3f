"""The counter's work panel: what a logged-in clerk sees, as a compact bar or in large mode.

Top to bottom: the window and its queues, the ticket on the counter, the pause timer, the
prompt panel, one button per function key (F1–F11, and 退出), the clerk's figures for the day
(large mode only) and the last message. Compact and large are the same widgets laid out
differently (:meth:`WorkPanel.apply_mode`); the buttons report keys, the window acts on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from counter import texts
from counter.flow import ACTION_NAMES, KEYS, STATE_NAMES, CounterAction, CounterFlow, CounterState, ticket_notes
from counter.prompts import PromptPanel
from counter.snapshot import find_item, hall_timezone
from ui import theme
from ui.text import Language


class WorkPanel(QWidget):
    key_pressed = Signal(str)  # "F1".."F11", from a button click
    logout_requested = Signal()
    language_toggled = Signal()
    size_toggled = Signal()

    def __init__(self, lang: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        header = QHBoxLayout()
        self.window_label = QLabel()
        self.window_label.setFont(theme.font(11, bold=True))
        self.waiting_label = QLabel()
        self.online_label = QLabel()
        self.lang_button = QPushButton()
        self.size_button = QPushButton()
        self.lang_button.clicked.connect(self.language_toggled)
        self.size_button.clicked.connect(self.size_toggled)
        for button in (self.lang_button, self.size_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header.addWidget(self.window_label)
        header.addWidget(self.waiting_label, 1)
        header.addWidget(self.online_label)
        header.addWidget(self.lang_button)
        header.addWidget(self.size_button)
        layout.addLayout(header)

        ticket_row = QHBoxLayout()
        self.number_label = QLabel()
        self.number_label.setMinimumWidth(90)
        self.ticket_info = QLabel(wordWrap=True)
        self.ticket_info.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        ticket_row.addWidget(self.number_label)
        ticket_row.addWidget(self.ticket_info, 1)
        layout.addLayout(ticket_row)

        self.pause_label = QLabel(wordWrap=True)
        layout.addWidget(self.pause_label)

        self.prompts = PromptPanel(lang)
        layout.addWidget(self.prompts)

        self.button_grid = QGridLayout()
        self.button_grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        for key in KEYS:
            button = QPushButton(objectName="primary" if key == "F1" else "")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self.key_pressed.emit(k))
            self.buttons[key] = button
        self.logout_button = QPushButton()
        self.logout_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.logout_button.clicked.connect(self.logout_requested)
        layout.addLayout(self.button_grid)

        self.figures_label = QLabel(wordWrap=True)
        layout.addWidget(self.figures_label)
        self.message_label = QLabel(wordWrap=True)
        layout.addWidget(self.message_label)

    def apply_mode(self, compact: bool) -> None:
        """A bar of all the buttons in one row, or a large panel of four columns and big digits."""
        while self.button_grid.count():
            self.button_grid.takeAt(0)
        widgets = [*self.buttons.values(), self.logout_button]
        columns = len(widgets) if compact else 4
        for index, button in enumerate(widgets):
            self.button_grid.addWidget(button, index // columns, index % columns)
            button.setFont(theme.font(10 if compact else 13, bold=button is self.buttons["F1"]))
            button.setMinimumHeight(30 if compact else 56)
        self.number_label.setFont(theme.font(20 if compact else 44, bold=True))
        self.ticket_info.setFont(theme.font(10 if compact else 13))
        self.pause_label.setFont(theme.font(10 if compact else 14, bold=True))
        self.figures_label.setVisible(not compact)
        self.figures_label.setFont(theme.font(12))
        self.message_label.setFont(theme.font(10 if compact else 12))

    # ------------------------------------------------------------------ drawing

    def render_header(self, window_number: int | None, flow: CounterFlow, waiting: dict[str, int], online: bool, compact: bool) -> None:
        t = self.lang.pick
        name = (flow.clerk or {}).get("name", "")
        self.window_label.setText(
            t(f"{window_number or ''}号窗口 {name} {flow.post or ''}岗", f"Window {window_number or ''} · {name} · post {flow.post or ''}")
        )
        counts = texts.waiting_text(waiting)
        self.waiting_label.setText(t(counts.zh, counts.en))
        self.online_label.setText("" if online else t("⚠ 离线，正在重连", "⚠ offline, reconnecting"))
        self.online_label.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        self.lang_button.setText("EN" if self.lang.code == "zh" else "中")
        self.size_button.setText(t("大", "Large") if compact else t("小", "Compact"))

    def render_ticket(self, flow: CounterFlow, snapshot: dict[str, Any]) -> None:
        t, lang = self.lang.pick, self.lang
        ticket = flow.ticket
        state = STATE_NAMES[flow.state]
        if not ticket:
            self.number_label.setText("—")
            self.number_label.setStyleSheet(f"color: {theme.GREY};")
            self.ticket_info.setText(state.zh if lang.code == "zh" else state.en)
            return
        self.number_label.setText(ticket.get("number", ""))
        self.number_label.setStyleSheet(f"color: {theme.RED if ticket.get('priority') else theme.BLUE_DARK};")
        parts = [t(state.zh, state.en)]
        category = ticket.get("category")
        if category:
            parts.append(lang.of(category))
        waited = flow.waited_minutes()
        if waited is not None:
            parts.append(t(f"等候 {waited:.0f} 分钟", f"waited {waited:.0f} min"))
        if flow.state is CounterState.CALLED:
            parts.append(t(f"已重呼 {flow.recall_count} 次，余 {flow.recalls_left} 次", f"recalled {flow.recall_count}, {flow.recalls_left} left"))
        items = ticket.get("items") or []
        if items:
            parts.append(t("事项 ", "item ") + ", ".join(self._item_name(snapshot, code) for code in items))
        notes = [t(n.zh, n.en) for n in ticket_notes(ticket, hall_timezone(snapshot))]
        line = " · ".join(parts)
        if notes:
            line += f"  <b style='color:{theme.RED}'>" + " · ".join(notes) + "</b>"
        self.ticket_info.setText(line)

    def _item_name(self, snapshot: dict[str, Any], code: str) -> str:
        item = find_item(snapshot, code)
        return self.lang.of(item) if item is not None else code

    def render_pause(self, flow: CounterFlow, now: datetime) -> None:
        if flow.state is not CounterState.PAUSED:
            self.pause_label.hide()
            return
        text, overdue = texts.pause_text(flow, now)
        if overdue:
            self.pause_label.setStyleSheet(f"color: white; background: {theme.RED}; padding: 3px;")
        else:
            self.pause_label.setStyleSheet(f"color: {theme.AMBER}; padding: 3px;")
        self.pause_label.setText(self.lang.pick(text.zh, text.en))
        self.pause_label.show()

    def render_buttons(self, flow: CounterFlow, compact: bool, prompt_open: bool) -> None:
        for key, button in self.buttons.items():
            action = flow.action_for_key(key) or KEYS[key][0]
            name = ACTION_NAMES[action]
            label = self.lang.pick(name.zh, name.en)
            button.setText(f"{label} {key}" if compact else f"{label}\n{key}")
            button.setEnabled(flow.action_for_key(key) is not None and not flow.busy and not prompt_open)
            button.setToolTip(f"{name.zh} / {name.en}  ({key})")
        self.logout_button.setText(self.lang.pick("退出", "Log out"))
        self.logout_button.setEnabled(flow.can(CounterAction.LOGOUT) and not prompt_open)

    def render_figures(self, today: dict[str, Any]) -> None:
        text = texts.figures_text(today or {})
        self.figures_label.setText(self.lang.pick(text.zh, text.en))

    def render_message(self, text: str, is_error: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"color: {theme.RED if is_error else theme.GREEN};")
        self.message_label.setVisible(bool(text))
