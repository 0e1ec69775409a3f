"""The clerk's counter: a compact always-on-top bar (or a larger panel) at a service window.

The widget holds no rules: :class:`counter.flow.CounterFlow` says which buttons are enabled,
every request goes through :class:`ui.connection.ServerConnection` (never on the GUI thread),
and the answers move the flow. Every button shows its function key; F1–F10 work from anywhere
in the window, digits pick an outcome (1–5) or a pause reason (1–4) while those choices are open.

Personal data for a 承诺件告知单 (applicant's name and phone) stays on this machine: it is typed
in, printed, shown only masked, and forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter.flow import (
    ACTION_NAMES,
    KEYS,
    PAUSE_REASONS,
    STATE_NAMES,
    CounterAction,
    CounterFlow,
    CounterState,
    FlowError,
    ticket_notes,
)
from hall.clock import Clock, SystemClock
from hall.text import HallRuleError
from hall.tickets import MAX_PROMISED_WORKING_DAYS, OUTCOME_NAMES, RATING_NAMES, Outcome, RatingLevel, promised_working_days
from hardware.printer.layout import PromiseNotice, mask_name, mask_phone
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.text import Language
from ui.worker import run_in_background

A = CounterAction
FUNCTION_KEYS = {getattr(Qt.Key, f"Key_F{n}"): f"F{n}" for n in range(1, 11)}
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}
OUTCOMES = list(Outcome)
COUNT_EVENTS = {"ticket_called", "ticket_transferred", "ticket_requeued", "ticket_no_show", "day_rolled", "window_categories_changed"}


def _error_text(error: Exception) -> str:
    if isinstance(error, ApiError):
        return f"{error.zh} / {error.en}" if error.en else error.zh
    if isinstance(error, HallRuleError):
        return str(error.message)
    return f"出错了 / error: {error}"


class CounterWindow(QWidget):
    """One window's counter. Facts for tests and the demo are signals in the past tense."""

    state_changed = Signal(str)
    ticket_shown = Signal(str)  # the number now on the counter, "" when none
    notice_printed = Signal(object)  # the PromiseNotice (masked when shown, full only on paper)
    error_shown = Signal(str)

    def __init__(
        self,
        device: ServerConnection,
        clerk: ServerConnection,
        reads: ServerConnection,
        events: EventStream,
        printer: Any = None,
        clock: Clock | None = None,
        compact: bool = True,
        language: str = "zh",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.device, self.clerk_conn, self.reads, self.events = device, clerk, reads, events
        self.printer = printer
        self.clock = clock or SystemClock()
        self.lang = Language(language)
        self.flow = CounterFlow()
        self.compact = compact
        self.snapshot: dict[str, Any] = {}
        self.window_number: int | None = None
        self.waiting: dict[str, int] = {}
        self.today: dict[str, Any] = {}
        self.message = ("", False)
        self.online = True
        self.prompt: str | None = None
        self.parked: list[dict[str, Any]] = []
        self._last_shown = ""
        self.snapshots_applied = 0
        self.setObjectName("counter")
        self.setStyleSheet(
            f"QWidget#counter {{ background: {theme.BACKGROUND}; }}"
            f"QPushButton {{ padding: 4px 8px; }} QPushButton:disabled {{ color: #9aa4ae; }}"
            f"QPushButton#primary {{ background: {theme.BLUE}; color: white; font-weight: bold; }}"
            f"QPushButton#primary:disabled {{ background: #9bb4d1; color: #eef2f7; }}"
        )
        self._build()
        self._count_timer = QTimer(self, singleShot=True, interval=300)
        self._count_timer.timeout.connect(self._refresh_counts)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        events.snapshot_received.connect(self._on_snapshot)
        events.event_received.connect(self._on_event)
        events.connection_changed.connect(self._on_online)
        for conn in (device, clerk, reads):
            conn.online_changed.connect(self._on_online)
        self.set_compact(compact)
        self.render()

    # ================================================================== building

    def _t(self, zh: str, en: str) -> str:
        return self.lang.pick(zh, en)

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)

        # ---- login page
        login = QWidget()
        form = QGridLayout(login)
        self.login_title = QLabel()
        self.login_title.setFont(theme.font(14, bold=True))
        self.login_holder = QLabel()
        self.staff_edit = QLineEdit(maxLength=32)
        self.pin_edit = QLineEdit(maxLength=64, echoMode=QLineEdit.EchoMode.Password)
        self.staff_label, self.pin_label = QLabel(), QLabel()
        self.handover_box = QCheckBox()
        self.login_button = QPushButton(objectName="primary")
        self.cancel_login = QPushButton()
        self.login_message = QLabel(wordWrap=True)
        self.login_lang = QPushButton()
        form.addWidget(self.login_title, 0, 0, 1, 3)
        form.addWidget(self.login_lang, 0, 3)
        form.addWidget(self.login_holder, 1, 0, 1, 4)
        form.addWidget(self.staff_label, 2, 0)
        form.addWidget(self.staff_edit, 2, 1, 1, 3)
        form.addWidget(self.pin_label, 3, 0)
        form.addWidget(self.pin_edit, 3, 1, 1, 3)
        form.addWidget(self.handover_box, 4, 0, 1, 4)
        form.addWidget(self.login_button, 5, 0, 1, 2)
        form.addWidget(self.cancel_login, 5, 2, 1, 2)
        form.addWidget(self.login_message, 6, 0, 1, 4)
        self.login_button.clicked.connect(self.submit_login)
        self.pin_edit.returnPressed.connect(self.submit_login)
        self.staff_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.cancel_login.clicked.connect(self._cancel_handover)
        self.login_lang.clicked.connect(self.toggle_language)
        self.pages.addWidget(login)

        # ---- work page
        work = QWidget()
        self.work_layout = QVBoxLayout(work)
        self.work_layout.setContentsMargins(0, 0, 0, 0)
        self.work_layout.setSpacing(4)

        header = QHBoxLayout()
        self.window_label = QLabel()
        self.window_label.setFont(theme.font(11, bold=True))
        self.waiting_label = QLabel()
        self.online_label = QLabel()
        self.lang_button = QPushButton()
        self.size_button = QPushButton()
        self.lang_button.clicked.connect(self.toggle_language)
        self.size_button.clicked.connect(lambda: self.set_compact(not self.compact))
        for button in (self.lang_button, self.size_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header.addWidget(self.window_label)
        header.addWidget(self.waiting_label, 1)
        header.addWidget(self.online_label)
        header.addWidget(self.lang_button)
        header.addWidget(self.size_button)
        self.work_layout.addLayout(header)

        ticket_row = QHBoxLayout()
        self.number_label = QLabel()
        self.number_label.setMinimumWidth(90)
        self.ticket_info = QLabel(wordWrap=True)
        self.ticket_info.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        ticket_row.addWidget(self.number_label)
        ticket_row.addWidget(self.ticket_info, 1)
        self.work_layout.addLayout(ticket_row)

        self.pause_label = QLabel(wordWrap=True)
        self.work_layout.addWidget(self.pause_label)

        self.prompt_frame = QFrame(frameShape=QFrame.Shape.StyledPanel)
        self.prompt_frame.setStyleSheet("QFrame { background: #fffbe8; }")
        prompt_layout = QVBoxLayout(self.prompt_frame)
        prompt_layout.setContentsMargins(6, 4, 6, 4)
        self.prompt_title = QLabel(wordWrap=True)
        self.prompt_title.setFont(theme.font(11, bold=True))
        prompt_layout.addWidget(self.prompt_title)
        self.prompt_pages = QStackedWidget()
        prompt_layout.addWidget(self.prompt_pages)
        self._build_prompts()
        self.work_layout.addWidget(self.prompt_frame)

        self.button_grid = QGridLayout()
        self.button_grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        for key in KEYS:
            button = QPushButton(objectName="primary" if key == "F1" else "")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self.press_key(k))
            self.buttons[key] = button
        self.logout_button = QPushButton()
        self.logout_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.logout_button.clicked.connect(lambda: self.do(A.LOGOUT))
        self.work_layout.addLayout(self.button_grid)

        self.figures_label = QLabel(wordWrap=True)
        self.work_layout.addWidget(self.figures_label)
        self.message_label = QLabel(wordWrap=True)
        self.work_layout.addWidget(self.message_label)
        self.pages.addWidget(work)

    def _build_prompts(self) -> None:
        # outcome chooser: 1-5
        outcome = QWidget()
        row = QHBoxLayout(outcome)
        row.setContentsMargins(0, 0, 0, 0)
        self.outcome_buttons: list[QPushButton] = []
        for index, value in enumerate(OUTCOMES, start=1):
            button = QPushButton()
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, i=index: self.choose_outcome(i))
            self.outcome_buttons.append(button)
            row.addWidget(button)
            button.setProperty("outcome", value.value)
        self.prompt_pages.addWidget(outcome)

        # promise notice: applicant name + phone (local only)
        promise = QWidget()
        grid = QGridLayout(promise)
        grid.setContentsMargins(0, 0, 0, 0)
        self.applicant_edit = QLineEdit(maxLength=40, echoMode=QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.phone_edit = QLineEdit(maxLength=20, echoMode=QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.applicant_label, self.phone_label = QLabel(), QLabel()
        self.masked_preview = QLabel()
        self.promise_ok = QPushButton(objectName="primary")
        # 承诺时限: the item's, or the default, shown so the clerk can check or change it before it is printed
        self.promised_days_label = QLabel()
        self.promised_days_spin = QSpinBox(minimum=1, maximum=MAX_PROMISED_WORKING_DAYS)
        grid.addWidget(self.applicant_label, 0, 0)
        grid.addWidget(self.applicant_edit, 0, 1)
        grid.addWidget(self.phone_label, 0, 2)
        grid.addWidget(self.phone_edit, 0, 3)
        grid.addWidget(self.promised_days_label, 1, 0)
        grid.addWidget(self.promised_days_spin, 1, 1)
        grid.addWidget(self.masked_preview, 2, 0, 1, 3)
        grid.addWidget(self.promise_ok, 2, 3)
        self.applicant_edit.textChanged.connect(self._update_masked)
        self.phone_edit.textChanged.connect(self._update_masked)
        self.applicant_edit.returnPressed.connect(self.phone_edit.setFocus)
        self.phone_edit.returnPressed.connect(self.submit_promise)
        self.promise_ok.clicked.connect(self.submit_promise)
        self.prompt_pages.addWidget(promise)

        # transfer: to a category or a window, with a note
        transfer = QWidget()
        row = QHBoxLayout(transfer)
        row.setContentsMargins(0, 0, 0, 0)
        self.transfer_target = QComboBox()
        self.transfer_note = QLineEdit(maxLength=200)
        self.transfer_ok = QPushButton(objectName="primary")
        row.addWidget(self.transfer_target, 2)
        row.addWidget(self.transfer_note, 2)
        row.addWidget(self.transfer_ok)
        self.transfer_note.returnPressed.connect(self.submit_transfer)
        self.transfer_ok.clicked.connect(lambda: self.submit_transfer())
        self.prompt_pages.addWidget(transfer)

        # call a number / park with a note: one line edit
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        self.line_edit = QLineEdit(maxLength=200)
        self.line_ok = QPushButton(objectName="primary")
        row.addWidget(self.line_edit, 1)
        row.addWidget(self.line_ok)
        self.line_edit.returnPressed.connect(self.submit_line)
        self.line_ok.clicked.connect(self.submit_line)
        self.prompt_pages.addWidget(line)

        # choices: pause reasons or parked tickets, picked by digit
        choices = QWidget()
        self.choice_row = QHBoxLayout(choices)
        self.choice_row.setContentsMargins(0, 0, 0, 0)
        self.choice_buttons: list[QPushButton] = []
        self.prompt_pages.addWidget(choices)
        self._choices: list[tuple[str, Callable[[], None]]] = []

    # ================================================================== modes and language

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        flags = self.windowFlags()
        on_top = bool(flags & Qt.WindowType.WindowStaysOnTopHint)
        if compact != on_top:
            visible = self.isVisible()
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, compact)
            if visible:
                self.show()
        while self.button_grid.count():
            self.button_grid.takeAt(0)
        columns = 11 if compact else 4
        widgets = [*self.buttons.values(), self.logout_button]
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
        self.render()
        self._fit()

    def _fit(self) -> None:
        """Only the page on show takes space, so the compact bar stays a bar."""
        for index in range(self.pages.count()):
            page = self.pages.widget(index)
            policy = QSizePolicy.Policy.Preferred if index == self.pages.currentIndex() else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.adjustSize()
        self.adjustSize()
        if self.compact:  # a bar: exactly as tall as its content
            self.resize(max(self.width(), self.sizeHint().width()), self.minimumSizeHint().height())

    def toggle_language(self) -> None:
        self.lang.toggle()
        if self.prompt == "choices" and self._choice_kind == "pause":
            self._open_pause_reasons()
        self.render()

    # ================================================================== rendering

    def render(self) -> None:
        """Draw everything from the flow and the last snapshot (cheap; called after each change)."""
        t = self._t
        flow = self.flow
        logged_in = flow.state is not CounterState.LOGGED_OUT and self.pages.currentIndex() == 1
        # login page
        self.login_title.setText(t(f"{self.window_number or ''}号窗口 工作人员登录", f"Window {self.window_number or ''} – clerk login"))
        self.login_lang.setText("English" if self.lang.code == "zh" else "中文")
        self.staff_label.setText(t("工号", "Staff no."))
        self.pin_label.setText(t("密码", "PIN"))
        self.handover_box.setText(t("AB岗交接（接替本窗口当前工作人员）", "A/B handover (take over from the clerk logged in here)"))
        self.login_button.setText(t("登录  Enter", "Log in  Enter"))
        self.cancel_login.setText(t("取消  Esc", "Cancel  Esc"))
        self.cancel_login.setVisible(flow.state is not CounterState.LOGGED_OUT)
        holder = self._window_entry().get("clerk")
        post = self._window_entry().get("post")
        self.login_holder.setText(
            t(f"当前在岗：{holder['name']}（{holder['staff_no']}，{post}岗）", f"Logged in here: {holder['name']} ({holder['staff_no']}, post {post})")
            if holder
            else t("本窗口当前无人登录", "nobody is logged in at this window")
        )
        # work page
        clerk = flow.clerk or {}
        name = clerk.get("name", "")
        self.window_label.setText(
            t(f"{self.window_number or ''}号窗口 {name} {flow.post or ''}岗", f"Window {self.window_number or ''} · {name} · post {flow.post or ''}")
        )
        counts = "  ".join(f"{series} {count}" for series, count in self.waiting.items())
        self.waiting_label.setText(t(f"等候：{counts}", f"waiting: {counts}") if counts else t("等候：—", "waiting: –"))
        self.online_label.setText("" if self.online else t("⚠ 离线，正在重连", "⚠ offline, reconnecting"))
        self.online_label.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        self.lang_button.setText("EN" if self.lang.code == "zh" else "中")
        self.size_button.setText(t("大", "Large") if self.compact else t("小", "Compact"))
        self._render_ticket()
        self._render_pause()
        self._render_buttons()
        self._render_figures()
        self._render_prompt()
        text, is_error = self.message
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"color: {theme.RED if is_error else theme.GREEN};")
        self.message_label.setVisible(bool(text))
        shown = (flow.ticket or {}).get("number", "") if logged_in else ""
        if shown != self._last_shown:
            self._last_shown = shown
            self.ticket_shown.emit(shown)

    def _render_ticket(self) -> None:
        t, flow = self._t, self.flow
        ticket = flow.ticket
        if not ticket:
            self.number_label.setText("—")
            self.number_label.setStyleSheet(f"color: {theme.GREY};")
            self.ticket_info.setText(STATE_NAMES[flow.state].zh if self.lang.code == "zh" else STATE_NAMES[flow.state].en)
            return
        self.number_label.setText(ticket.get("number", ""))
        self.number_label.setStyleSheet(f"color: {theme.RED if ticket.get('priority') else theme.BLUE_DARK};")
        parts = [self.lang.pick(STATE_NAMES[flow.state].zh, STATE_NAMES[flow.state].en)]
        category = ticket.get("category")
        if category:
            parts.append(self.lang.of(category))
        waited = flow.waited_minutes()
        if waited is not None:
            parts.append(t(f"等候 {waited:.0f} 分钟", f"waited {waited:.0f} min"))
        if flow.state is CounterState.CALLED:
            parts.append(t(f"已重呼 {flow.recall_count} 次，余 {flow.recalls_left} 次", f"recalled {flow.recall_count}, {flow.recalls_left} left"))
        items = ticket.get("items") or []
        if items:
            parts.append(t("事项 ", "item ") + ", ".join(self._item_name(code) for code in items))
        notes = [self.lang.pick(n.zh, n.en) for n in ticket_notes(ticket, self._tz())]
        line = " · ".join(parts)
        if notes:
            line += f"  <b style='color:{theme.RED}'>" + " · ".join(notes) + "</b>"
        self.ticket_info.setText(line)

    def _render_pause(self) -> None:
        flow = self.flow
        if flow.state is not CounterState.PAUSED:
            self.pause_label.hide()
            return
        elapsed = int(flow.pause_elapsed(self.clock.now()).total_seconds())
        clock_text = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
        text = self._t(f"暂停服务 {clock_text}（{flow.pause_reason}）", f"paused {clock_text} ({flow.pause_reason})")
        if flow.pause_overdue(self.clock.now()):
            limit = f"{flow.pause_warn_minutes:g}"
            text += self._t(f"  ⚠ 已超过 {limit} 分钟（AB岗离岗限时），请尽快恢复", f"  ⚠ over {limit} min (A/B post limit) – please resume")
            self.pause_label.setStyleSheet(f"color: white; background: {theme.RED}; padding: 3px;")
        else:
            self.pause_label.setStyleSheet(f"color: {theme.AMBER}; padding: 3px;")
        self.pause_label.setText(text)
        self.pause_label.show()

    def _render_buttons(self) -> None:
        flow = self.flow
        for key, button in self.buttons.items():
            action = flow.action_for_key(key) or KEYS[key][0]
            name = ACTION_NAMES[action]
            label = self.lang.pick(name.zh, name.en)
            button.setText(f"{label} {key}" if self.compact else f"{label}\n{key}")
            button.setEnabled(flow.action_for_key(key) is not None and not flow.busy and self.prompt is None)
            button.setToolTip(f"{name.zh} / {name.en}  ({key})")
        self.logout_button.setText(self._t("退出", "Log out"))
        self.logout_button.setEnabled(flow.can(A.LOGOUT) and self.prompt is None)

    def _render_figures(self) -> None:
        today = self.today or {}
        served = today.get("served", 0)
        average = today.get("average_service_minutes")
        ratings = today.get("ratings", {}) or {}
        avg_text = f"{average:g}" if average is not None else "—"
        rating_text = " ".join(
            f"{self.lang.pick(RATING_NAMES[level].zh, RATING_NAMES[level].en)} {ratings.get(level.value, 0)}" for level in RatingLevel
        )
        self.figures_label.setText(
            self._t(
                f"今日：办结 {served} 件 · 平均办理 {avg_text} 分钟 · 评价：{rating_text}",
                f"Today: {served} served · average {avg_text} min · ratings: {rating_text}",
            )
        )

    def _render_prompt(self) -> None:
        t = self._t
        self.prompt_frame.setVisible(self.prompt is not None)
        for index, (button, value) in enumerate(zip(self.outcome_buttons, OUTCOMES, strict=True), start=1):
            name = OUTCOME_NAMES[value]
            button.setText(f"{index} {self.lang.pick(name.zh, name.en)}")
        self.applicant_label.setText(t("申请人", "Applicant"))
        self.phone_label.setText(t("电话", "Phone"))
        self.promise_ok.setText(t("办结并打印告知单", "Finish and print notice"))
        self.promised_days_label.setText(t("承诺时限", "Promised within"))
        self.promised_days_spin.setSuffix(t(" 个工作日", " working days"))
        self.transfer_ok.setText(t("转移", "Transfer"))
        self.transfer_note.setPlaceholderText(t("转移说明（可选）", "note (optional)"))
        self.line_ok.setText(t("确定", "OK"))
        titles = {
            "outcome": t("选择办结类型（按 1–5，Esc 取消）", "Outcome (press 1–5, Esc to cancel)"),
            "promise": t("承诺件：申请人信息仅用于打印告知单，不上传（Esc 取消）", "Promised case: applicant details are printed only, never sent (Esc cancels)"),
            "transfer": t("转移到（保留原等候时间，Esc 取消）", "Transfer to (keeps the waiting time; Esc cancels)"),
            "call_number": t("输入号码，如 A023（Esc 取消）", "Number to call, e.g. A023 (Esc cancels)"),
            "park": t("挂起说明，如“回去取材料”（Enter 挂起，Esc 取消）", "Park note, e.g. 'fetching a document' (Enter parks, Esc cancels)"),
            "choices": self._choice_title(),
        }
        self.prompt_title.setText(titles.get(self.prompt or "", ""))

    def _update_masked(self) -> None:
        name, phone = self.applicant_edit.text(), self.phone_edit.text()
        self.masked_preview.setText(
            self._t(f"告知单上显示：{mask_name(name)}  {mask_phone(phone)}", f"printed as: {mask_name(name)}  {mask_phone(phone)}")
        )

    # ================================================================== keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.prompt is not None:
            self.close_prompt()
            return
        if key == Qt.Key.Key_Escape and self.pages.currentIndex() == 0:
            self._cancel_handover()
            return
        if key in FUNCTION_KEYS and self.pages.currentIndex() == 1:
            if self.prompt is None:
                self.press_key(FUNCTION_KEYS[key])
            return
        if key in DIGIT_KEYS:
            digit = DIGIT_KEYS[key]
            if self.prompt == "outcome" and digit <= len(OUTCOMES):
                self.choose_outcome(digit)
                return
            if self.prompt == "choices" and digit <= len(self._choices):
                self._choices[digit - 1][1]()
                return
        super().keyPressEvent(event)

    def press_key(self, key: str) -> None:
        action = self.flow.action_for_key(key)
        if action is not None:
            self.do(action)

    # ================================================================== actions

    def do(self, action: CounterAction) -> None:
        """Start ``action`` (a button, a function key or a keypad key)."""
        if not self.flow.can(action):
            return
        w = self.window_number
        if action is A.FINISH:
            self.open_prompt("outcome")
        elif action is A.TRANSFER:
            self._open_transfer()
        elif action is A.CALL_NUMBER:
            self.open_prompt("call_number")
        elif action is A.PARK:
            self.open_prompt("park")
        elif action is A.PAUSE:
            self._open_pause_reasons()
        elif action is A.CALL_BACK:
            self._send(A.CALL_BACK, "parked", w, done=self._parked_loaded, begin=False)
        elif action is A.HANDOVER:
            self.show_login(handover=True)
        elif action is A.CALL_NEXT:
            self._send(action, "call_next", w, done=self._called)
        elif action is A.RECALL:
            self._send(action, "recall", w, done=self._recalled)
        elif action is A.START:
            self._send(action, "start", w, done=self._started)
        elif action is A.NO_SHOW:
            self._send(action, "no_show", w, done=lambda r: self._closed(self._t(f"{r['ticket']['number']} 已过号", f"{r['ticket']['number']}: no-show")))
        elif action is A.RESUME:
            self._send(action, "resume", w, done=self._resumed)
        elif action is A.LOGOUT:
            self._send(action, "logout", done=self._logged_out)

    def _send(self, action: CounterAction, method: str, *args: Any, done: Callable[[Any], None], begin: bool = True, **kwargs: Any) -> None:
        if begin:
            try:
                self.flow.begin(action)
            except FlowError as error:
                self.show_message(str(error), error=True)
                return
        self.render()
        self.clerk_conn.call(method, *args, on_done=lambda result: self._after(done, result), on_error=self._failed, **kwargs)

    def _after(self, done: Callable[[Any], None], result: Any) -> None:
        self._epoch += 1  # snapshots asked for before this answer are stale for this window
        before = self.flow.state
        done(result)
        if self.flow.state is not before:
            self.state_changed.emit(self.flow.state.value)
        self.render()
        if self.compact and self.pages.currentIndex() == 1:
            self._fit()

    def _failed(self, error: ApiError) -> None:
        self.flow.failed()
        if error.code in ("bad_token", "not_logged_in") and self.flow.state is not CounterState.LOGGED_OUT:
            self.flow.logged_out()
            self.show_login(handover=False)
        self.show_message(_error_text(error), error=True)
        if error.code in ("window_busy", "conflict", "no_current_ticket", "illegal_transition", "window_paused", "window_not_paused"):
            self.reload_window()  # the server knows better: redraw from its state

    # ---- answers

    def _called(self, result: dict[str, Any]) -> None:
        if self.flow.called(result):
            number = result["ticket"]["number"]
            self.show_message(self._t(f"已呼叫 {number}", f"called {number}"))
        else:
            message = result.get("message") or {}
            self.show_message(f"{message.get('zh', '当前没有等候的号码')} / {message.get('en', 'nobody is waiting')}")
        self._schedule_counts()

    def _recalled(self, result: dict[str, Any]) -> None:
        self.flow.recalled(result)
        number = result["ticket"]["number"]
        if result.get("no_show"):
            self.show_message(self._t(f"{number} 重呼已达上限，已过号", f"{number}: recall limit reached – no-show"), error=True)
        else:
            left = result.get("recalls_left", 0)
            self.show_message(self._t(f"重呼 {number}（还可重呼 {left} 次）", f"recalled {number} ({left} left)"))

    def _started(self, result: dict[str, Any]) -> None:
        self.flow.started(result)
        self.show_message("")

    def _closed(self, message: str) -> None:
        self.flow.ticket_closed()
        self.show_message(message)
        self._schedule_counts()
        self.refresh_figures()

    def _resumed(self, result: dict[str, Any]) -> None:
        self.flow.resumed()
        seconds = int(result.get("paused_seconds", 0))
        self.show_message(self._t(f"已恢复服务，暂停 {seconds // 60} 分 {seconds % 60} 秒", f"resumed after {seconds // 60} min {seconds % 60} s"))

    def _logged_out(self, _result: Any) -> None:
        self.flow.logged_out()
        self.clerk_conn.set_token(None)
        self.show_login(handover=False)

    # ---- finish

    def choose_outcome(self, index: int) -> None:
        if self.prompt != "outcome" or not 1 <= index <= len(OUTCOMES):
            return
        outcome = OUTCOMES[index - 1]
        if outcome is Outcome.PROMISED:
            self.applicant_edit.clear()
            self.phone_edit.clear()
            self.promised_days_spin.setValue(self._promised_days_of_current_item())
            self._update_masked()
            self.open_prompt("promise")
            self.applicant_edit.setFocus()
            return
        self.close_prompt()
        self.finish(outcome)

    def submit_promise(self) -> None:
        if self.prompt != "promise":
            return
        name, phone = self.applicant_edit.text().strip(), self.phone_edit.text().strip()
        if not name:
            self.show_message(self._t("请填写申请人", "enter the applicant's name"), error=True)
            return
        self.close_prompt()
        self.finish(Outcome.PROMISED, applicant=(name, phone), promised_days=self.promised_days_spin.value())

    def _promised_days_of_current_item(self) -> int:
        """The 承诺时限 of the ticket's first item (from the hall snapshot), else the default."""
        ticket = self.flow.ticket or {}
        codes = ticket.get("items") or []
        days = None
        for category in self.snapshot.get("categories", []):
            for item in category.get("items", []):
                if codes and item.get("code") == codes[0]:
                    days = item.get("promised_days")
        hall_default = self.snapshot.get("rules", {}).get("promised_working_days")
        return promised_working_days(None, days, hall_default) if hall_default else promised_working_days(None, days)

    def finish(self, outcome: Outcome, applicant: tuple[str, str] | None = None, promised_days: int | None = None) -> None:
        ticket = dict(self.flow.ticket or {})

        def done(result: dict[str, Any]) -> None:
            self.flow.finished(result)
            name = OUTCOME_NAMES[outcome]
            text = self._t(f"{ticket.get('number', '')} 已办结（{name.zh}），请群众评价", f"{ticket.get('number', '')} finished ({name.en}); ask for a rating")
            if result.get("promised_date"):
                text += self._t(f"，承诺 {result['promised_date']} 前办结", f"; promised by {result['promised_date']}")
            self.show_message(text)
            if outcome is Outcome.PROMISED and applicant is not None:
                self.print_notice(ticket, result, *applicant)
            self._schedule_counts()
            self.refresh_figures()

        extra = {"promised_days": promised_days} if promised_days is not None else {}
        self._send(A.FINISH, "finish", self.window_number, outcome.value, None, "", done=done, **extra)

    def print_notice(self, ticket: dict[str, Any], result: dict[str, Any], name: str, phone: str) -> None:
        hall = self.snapshot.get("hall", {})
        item = result.get("item") or {}
        entry = self._window_entry()
        notice = PromiseNotice(
            hall_name=hall.get("name_zh", ""),
            case_number=f"{ticket.get('business_day', '').replace('-', '')}-{ticket.get('number', '')}-{result.get('service_id')}",
            applicant=name,
            phone=phone,
            item=item.get("name_zh") or self.lang.of(ticket.get("category")) or "—",
            received_at=self.clock.now().astimezone(self._tz()).replace(tzinfo=None),
            promised_date=date.fromisoformat(result["promised_date"]),
            window=f"{self.window_number}号窗口 {entry.get('name_zh', '')}".strip(),
            clerk_staff_no=(self.flow.clerk or {}).get("staff_no", ""),
            materials_received=tuple(item.get("materials") or ()),
            complaint_phone=hall.get("complaint_phone") or "12345",
        )
        printer = self.printer
        if printer is None:
            return
        masked = f"{mask_name(name)} {mask_phone(phone)}"

        def printed(_status: Any) -> None:
            self.show_message(self._t(f"承诺件告知单已打印（{masked}）", f"promise notice printed ({masked})"))
            self.notice_printed.emit(notice)

        def failed(error: Exception) -> None:
            self.show_message(self._t("告知单打印失败：", "notice not printed: ") + _error_text(error), error=True)

        run_in_background(lambda: printer.print_notice(notice), printed, failed)

    # ---- transfer, call number, park, call back, pause

    def _open_transfer(self) -> None:
        self.transfer_target.clear()
        for category in self.snapshot.get("categories", []):
            self.transfer_target.addItem(self._t("业务 ", "category ") + f"{category['series']} {self.lang.of(category)}", f"series:{category['series']}")
        for window in self.snapshot.get("windows", []):
            if window["number"] != self.window_number:
                self.transfer_target.addItem(
                    self._t(f"{window['number']}号窗口 ", f"window {window['number']} ") + self.lang.of(window), f"window:{window['number']}"
                )
        self.transfer_note.clear()
        self.open_prompt("transfer")
        self.transfer_target.setFocus()

    def submit_transfer(self) -> None:
        if self.prompt != "transfer":
            return
        data = self.transfer_target.currentData()
        if not isinstance(data, str) or ":" not in data:
            return
        kind, value = data.split(":", 1)
        note = self.transfer_note.text().strip()
        self.close_prompt()
        number = (self.flow.ticket or {}).get("number", "")
        kwargs = {"to_series": value} if kind == "series" else {"to_window": int(value)}

        def done(result: dict[str, Any]) -> None:
            ahead = result.get("people_ahead")
            where = f"{value}" if kind == "series" else self._t(f"{value}号窗口", f"window {value}")
            self._closed(
                self._t(f"{number} 已转移至{where}，保留原等候时间（前面 {ahead} 人）", f"{number} transferred to {where}, keeping its wait ({ahead} ahead)")
            )

        self._send(A.TRANSFER, "transfer", self.window_number, note=note, done=done, **kwargs)

    def submit_line(self) -> None:
        text = self.line_edit.text().strip()
        if self.prompt == "call_number":
            if not text:
                return
            self.close_prompt()
            self._send(A.CALL_NUMBER, "call_number", self.window_number, text.upper(), done=self._called)
        elif self.prompt == "park":
            self.close_prompt()
            number = (self.flow.ticket or {}).get("number", "")
            self._send(
                A.PARK, "park", self.window_number, text, done=lambda _r: self._closed(self._t(f"{number} 已挂起，可按 F8 回呼", f"{number} parked; F8 calls it back"))
            )

    def _parked_loaded(self, parked: list[dict[str, Any]]) -> None:
        self.parked = parked
        if not parked:
            self.show_message(self._t("本窗口没有挂起的号码", "no parked tickets at this window"))
            return
        self._choice_kind = "parked"
        self._choices = [
            (f"{ticket['number']} {ticket.get('note') or ''}".strip(), lambda t=ticket: self.call_back(int(t["id"])))
            for ticket in parked[:9]
        ]
        self._show_choices()

    def call_back(self, ticket_id: int) -> None:
        self.close_prompt()
        self._send(A.CALL_BACK, "call_back", self.window_number, ticket_id, done=self._called)

    def _open_pause_reasons(self) -> None:
        self._choice_kind = "pause"
        self._choices = [(self.lang.pick(reason.zh, reason.en), lambda r=reason: self.pause(r.zh)) for reason in PAUSE_REASONS]
        self._show_choices()

    def pause(self, reason: str) -> None:
        self.close_prompt()

        def done(result: dict[str, Any]) -> None:
            since = datetime.fromisoformat(result["since"]) if result.get("since") else self.clock.now()
            self.flow.paused(since, reason)
            self.show_message("")

        self._send(A.PAUSE, "pause", self.window_number, reason, done=done)

    _choice_kind = ""
    _epoch = 0

    def _choice_title(self) -> str:
        if self._choice_kind == "pause":
            return self._t("暂停原因（按 1–4，Esc 取消）；AB岗离开不得超过 3 分钟", "Pause reason (press 1–4, Esc cancels); A/B post: back within 3 minutes")
        return self._t("回呼挂起的号码（按数字，Esc 取消）", "Call back a parked ticket (press its digit, Esc cancels)")

    def _show_choices(self) -> None:
        for button in self.choice_buttons:
            self.choice_row.removeWidget(button)
            button.deleteLater()
        self.choice_buttons = []
        for index, (label, action) in enumerate(self._choices, start=1):
            button = QPushButton(f"{index} {label}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, a=action: a())
            self.choice_row.addWidget(button)
            self.choice_buttons.append(button)
        self.open_prompt("choices")

    # ---- prompts

    def open_prompt(self, name: str) -> None:
        index = {"outcome": 0, "promise": 1, "transfer": 2, "call_number": 3, "park": 3, "choices": 4}[name]
        self.prompt = name
        self.prompt_pages.setCurrentIndex(index)
        if name in ("call_number", "park"):
            self.line_edit.clear()
            self.line_edit.setPlaceholderText("A023" if name == "call_number" else "")
            self.line_edit.setFocus()
        else:
            self.setFocus()
        self.render()
        self._fit()

    def close_prompt(self) -> None:
        self.prompt = None
        self.applicant_edit.clear()  # personal data is not kept once used or cancelled
        self.phone_edit.clear()
        self.setFocus()
        self.render()
        self._fit()

    # ================================================================== login and handover

    def show_login(self, handover: bool = False) -> None:
        self.prompt = None
        self.pages.setCurrentIndex(0)
        holder = self._window_entry().get("clerk")
        self.handover_box.setChecked(handover or (holder is not None and holder.get("id") != (self.flow.clerk or {}).get("id")))
        self.staff_edit.clear()
        self.pin_edit.clear()
        self.login_message.setText("")
        self.staff_edit.setFocus()
        self.render()
        self._fit()

    def _cancel_handover(self) -> None:
        if self.flow.state is not CounterState.LOGGED_OUT:
            self.pages.setCurrentIndex(1)
            self.render()
            self._fit()

    def submit_login(self) -> None:
        staff, pin = self.staff_edit.text().strip(), self.pin_edit.text()
        if not staff or not pin:
            self.login_message.setText(self._t("请输入工号和密码", "enter staff number and PIN"))
            return
        self.login(staff, pin, self.handover_box.isChecked())

    def login(self, staff_no: str, pin: str, handover: bool = False) -> None:
        self.login_button.setEnabled(False)
        self.login_message.setText(self._t("正在登录…", "logging in…"))

        def done(result: dict[str, Any]) -> None:
            self.login_button.setEnabled(True)
            self.pin_edit.clear()
            self.clerk_conn.set_token(result["token"])
            self.flow.logged_in(result)
            self.window_number = result.get("window", self.window_number)
            self.pages.setCurrentIndex(1)
            self._fit()
            self.show_message(self._t(f"{result['clerk']['name']} 已登录（{result['post']}岗）", f"{result['clerk']['name']} logged in (post {result['post']})"))
            self.state_changed.emit(self.flow.state.value)
            self.reload_window()
            self.refresh_figures()
            self.setFocus()

        def failed(error: ApiError) -> None:
            self.login_button.setEnabled(True)
            self.pin_edit.clear()
            self.login_message.setText(_error_text(error))
            self.login_message.setStyleSheet(f"color: {theme.RED};")
            self.error_shown.emit(_error_text(error))
            if error.code == "window_taken":
                self.handover_box.setChecked(True)

        self.device.call("login", staff_no, pin, handover, on_done=done, on_error=failed)

    # ================================================================== hall state

    def start(self) -> None:
        """Fetch who this counter is (its window) and the hall; start the event stream."""

        def me(result: dict[str, Any]) -> None:
            self.window_number = result.get("window")
            self.render()

        self.device.call("me", on_done=me)
        self.reads.call("snapshot", on_done=self._on_snapshot)
        self.events.start()

    def reload_window(self) -> None:
        """Redraw from the server's own state (after login, handover, a refusal, a reconnect)."""
        epoch = self._epoch
        self.reads.call("snapshot", on_done=lambda snap: self._on_snapshot(snap, restore=epoch == self._epoch))

    def refresh_figures(self) -> None:
        if self.flow.state is CounterState.LOGGED_OUT:
            return

        def done(result: dict[str, Any]) -> None:
            self.today = result.get("today", {})
            self.render()

        self.clerk_conn.call("me", on_done=done)

    def _on_snapshot(self, snapshot: dict[str, Any], restore: bool = True) -> None:
        self.snapshot = snapshot
        self.snapshots_applied += 1
        entry = self._window_entry()
        self._set_counts(snapshot)
        if restore and entry and not self.flow.busy:
            before = self.flow.state
            self.flow.restore(entry, snapshot.get("rules"), self.clock.now())
            if self.flow.state is not before:
                self.state_changed.emit(self.flow.state.value)
        elif snapshot.get("rules"):
            self.flow.pause_warn_minutes = float(snapshot["rules"].get("pause_warn_minutes", 3))
        if self.flow.state is CounterState.LOGGED_OUT and entry.get("clerk"):
            self.handover_box.setChecked(True)  # someone is logged in here: offer the A/B handover
        self.render()

    def _set_counts(self, snapshot: dict[str, Any]) -> None:
        entry = self._window_entry(snapshot)
        series = [*entry.get("primary", []), *entry.get("secondary", [])]
        by_series = {c["series"]: int(c.get("waiting", 0)) for c in snapshot.get("categories", [])}
        self.waiting = {s: by_series.get(s, 0) for s in series}

    def _schedule_counts(self) -> None:
        self._count_timer.start()

    def _refresh_counts(self) -> None:
        def done(snapshot: dict[str, Any]) -> None:
            self.snapshot = snapshot
            self._set_counts(snapshot)
            self.render()

        self.reads.call("snapshot", on_done=done)

    def _on_event(self, message: dict[str, Any]) -> None:
        kind, data = message.get("kind", ""), message.get("data", {}) or {}
        mine = data.get("window") == self.window_number and self.window_number is not None
        if kind == "ticket_issued":
            series = (data.get("ticket") or {}).get("series")
            if series in self.waiting and data.get("waiting") is not None:
                self.waiting[series] = int(data["waiting"])
                self.render()
            return
        if kind in COUNT_EVENTS:
            self._schedule_counts()
        if not mine:
            return
        if kind == "clerk_logged_in":
            clerk = data.get("clerk") or {}
            if self.flow.clerk and clerk.get("id") != self.flow.clerk.get("id"):
                # Another clerk took over this window (A/B handover at another terminal).
                self.flow.logged_out()
                self.clerk_conn.set_token(None)
                self.show_login(handover=False)
                self.login_message.setText(self._t(f"{clerk.get('name', '')} 已接替本窗口", f"{clerk.get('name', '')} took over this window"))
            self._schedule_counts()
        elif kind == "service_rated":
            self.refresh_figures()
        elif kind in ("window_paused", "window_resumed", "window_changed") and not self.flow.busy:
            expected = {"window_paused": CounterState.PAUSED, "window_resumed": CounterState.IDLE}.get(kind)
            if expected is not self.flow.state and self.flow.state is not CounterState.LOGGED_OUT:
                self.reload_window()

    def _on_online(self, online: bool) -> None:
        was = self.online
        self.online = self.events.connected and all(c.online for c in (self.device, self.clerk_conn, self.reads))
        if online and not was and self.flow.state is not CounterState.LOGGED_OUT:
            self.reload_window()
        self.render()

    def keypad_pressed(self, action: str) -> None:
        """A key on the serial call keypad: the same actions as the buttons. The keypad has no
        menus, so 办结 finishes as 即办件 (starting the service first if needed), 挂起 parks
        without a note and 回呼 calls back the oldest parked ticket."""
        from hardware.serial.keypad_protocol import KeyAction

        key = KeyAction(action)
        flow = self.flow
        if key is KeyAction.CALL_NEXT:
            self.do(A.CALL_NEXT)
        elif key is KeyAction.RECALL:
            self.do(A.RECALL)
        elif key is KeyAction.NO_SHOW:
            self.do(A.NO_SHOW)
        elif key is KeyAction.TRANSFER:
            self.do(A.TRANSFER)
        elif key is KeyAction.PAUSE:
            self.press_key("F9")
        elif key is KeyAction.PARK and flow.can(A.PARK):
            number = (flow.ticket or {}).get("number", "")
            self._send(A.PARK, "park", self.window_number, "", done=lambda _r: self._closed(self._t(f"{number} 已挂起", f"{number} parked")))
        elif key is KeyAction.CALL_BACK and flow.can(A.CALL_BACK):
            self._send(
                A.CALL_BACK, "parked", self.window_number, begin=False,
                done=lambda parked: self.call_back(int(parked[0]["id"])) if parked else self._parked_loaded(parked),
            )
        elif key is KeyAction.FINISH:
            if flow.can(A.FINISH):
                self.finish(Outcome.IMMEDIATE)
            elif flow.can(A.START):
                def started(result: dict[str, Any]) -> None:
                    self._started(result)
                    self.finish(Outcome.IMMEDIATE)

                self._send(A.START, "start", self.window_number, done=started)

    def _on_tick(self) -> None:
        if self.flow.state is CounterState.PAUSED:
            self._render_pause()

    def show_message(self, text: str, error: bool = False) -> None:
        self.message = (text, error)
        if error and text:
            self.error_shown.emit(text)
        self.render()

    def shutdown(self) -> None:
        """Stop the stream and timers and let requests in flight finish (closing the program)."""
        self._tick.stop()
        self._count_timer.stop()
        self.events.stop()
        bus = getattr(self, "keypad_bus", None)
        if bus is not None:
            bus.stop()
        for conn in (self.device, self.clerk_conn, self.reads):
            conn.pool.waitForDone(5000)

    def closeEvent(self, event: Any) -> None:  # Qt's name
        self.shutdown()
        super().closeEvent(event)

    # ================================================================== helpers

    def _window_entry(self, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
        for window in (snapshot or self.snapshot).get("windows", []):
            if window.get("number") == self.window_number:
                return window
        return {}

    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.snapshot.get("hall", {}).get("timezone") or "Asia/Shanghai")

    def _item_name(self, code: str) -> str:
        for category in self.snapshot.get("categories", []):
            for item in category.get("items", []):
                if item.get("code") == code:
                    return self.lang.of(item)
        return code
