"""The clerk's counter: a compact always-on-top bar (or a larger panel) at a service window.

This is the main window: it builds the panels (:mod:`counter.login_panel`,
:mod:`counter.work_panel` with its :mod:`counter.prompts`), moves the
:class:`counter.flow.CounterFlow` with the server's answers and redraws the panels from it.
The flow says which buttons are enabled; every request goes through
:class:`ui.connection.ServerConnection` (never on the GUI thread). Every button shows its
function key; F1–F11 work from anywhere in the window, digits pick an outcome (1–5) or a pause
reason (1–4) while those choices are open.

Personal data for a 承诺件告知单 (applicant's name and phone) stays on this machine: it is typed
in, printed, shown only masked, and forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from counter.flow import PAUSE_REASONS, CounterAction, CounterFlow, CounterState, FlowError
from counter.login_panel import LoginPanel
from counter.prompts import OUTCOMES
from counter.snapshot import category_items, hall_promised_days, promise_notice, waiting_counts, window_entry
from counter.texts import error_text, holder_text
from counter.transfer_find import TransferAndFind
from counter.work_panel import WorkPanel
from hall.clock import Clock, SystemClock
from hall.tickets import OUTCOME_NAMES, Outcome
from hardware.printer.layout import mask_name, mask_phone
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.text import Language
from ui.worker import run_in_background

A = CounterAction
FUNCTION_KEYS = {getattr(Qt.Key, f"Key_F{n}"): f"F{n}" for n in range(1, 12)}
LARGE_MIN_WIDTH = 640
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}
COUNT_EVENTS = {"ticket_called", "ticket_transferred", "ticket_requeued", "ticket_no_show", "day_rolled", "window_categories_changed"}
# Who staffs which window: the transfer list says it, so while it is open these redraw it.
STAFFING_EVENTS = {"clerk_logged_in", "clerk_logged_out", "window_paused", "window_resumed", "window_changed"}


class CounterWindow(TransferAndFind, QWidget):
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
        self._choices: list[tuple[str, Callable[[], None]]] = []
        self._last_shown = ""
        self.snapshots_applied = 0
        self.devices: Any = None  # counter.devices.CounterDevices and ui.heartbeat.Heartbeat, set by counter.app
        self.heartbeat: Any = None
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
        self.pages = QStackedWidget()  # 0: login, 1: work
        outer.addWidget(self.pages)

        self.login_panel = LoginPanel()
        self.login_panel.submitted.connect(self.submit_login)
        self.login_panel.cancelled.connect(self._cancel_handover)
        self.login_panel.language_toggled.connect(self.toggle_language)
        self.pages.addWidget(self.login_panel)

        self.work = WorkPanel(self.lang)
        self.work.language_toggled.connect(self.toggle_language)
        self.work.size_toggled.connect(lambda: self.set_compact(not self.compact))
        self.work.key_pressed.connect(self.press_key)
        self.work.logout_requested.connect(self._open_leave_choices)
        self.pages.addWidget(self.work)

        self.prompts = prompts = self.work.prompts
        prompts.outcome.chosen.connect(self.choose_outcome)
        prompts.promise.submitted.connect(self.submit_promise)
        prompts.transfer.submitted.connect(self.submit_transfer)
        prompts.line.submitted.connect(self.submit_line)
        prompts.confirm.confirmed.connect(self.confirm_transfer)
        prompts.confirm.backed.connect(self.back_to_transfer)
        prompts.choices.chosen.connect(lambda index: self._choices[index - 1][1]())

        # The widgets tests, the demo and the benches reach on the window itself.
        login, work = self.login_panel, self.work
        self.staff_edit, self.pin_edit, self.handover_box, self.login_message = login.staff_edit, login.pin_edit, login.handover_box, login.message
        self.buttons, self.number_label, self.ticket_info = work.buttons, work.number_label, work.ticket_info
        self.pause_label, self.message_label = work.pause_label, work.message_label
        self.applicant_edit, self.phone_edit = prompts.promise.applicant_edit, prompts.promise.phone_edit
        self.item_combo = prompts.promise.item_combo
        self.promised_days_spin, self.masked_preview = prompts.promise.days_spin, prompts.promise.masked_preview
        self.transfer_target, self.transfer_note, self.line_edit = prompts.transfer.target, prompts.transfer.note, prompts.line.edit

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
        self.work.apply_mode(compact)
        self.setMinimumWidth(0 if compact else LARGE_MIN_WIDTH)  # room for the 承诺件 form and the transfer list
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
        elif self.prompt == "choices" and self._choice_kind == "found" and self._found_ticket is not None:
            self._found(self._found_ticket)  # the choices' labels in the other language
        elif self.prompt == "choices" and self._choice_kind == "leave":
            self._open_leave_choices()
        self.render()

    # ================================================================== rendering

    def render(self) -> None:
        """Draw everything from the flow and the last snapshot (cheap; called after each change)."""
        flow = self.flow
        logged_in = flow.state is not CounterState.LOGGED_OUT and self.pages.currentIndex() == 1
        entry = self._window_entry()
        self.login_panel.render(
            self._t, self.lang.code, self.window_number, holder_text(entry.get("clerk"), entry.get("post")), flow.state is not CounterState.LOGGED_OUT
        )
        self.work.render_header(self.window_number, flow, self.waiting, self.online, self.compact)
        self.work.render_ticket(flow, self.snapshot)
        self.work.render_pause(flow, self.clock.now())
        self.work.render_buttons(flow, self.compact, self.prompt is not None)
        self.work.render_figures(self.today)
        self.prompts.render(self.prompt, self._choice_title(), self._confirm_title())
        self.work.render_message(*self.message)
        shown = (flow.ticket or {}).get("number", "") if logged_in else ""
        if shown != self._last_shown:
            self._last_shown = shown
            self.ticket_shown.emit(shown)

    # ================================================================== keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.prompt == "confirm":
            self.back_to_transfer()
            return
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
        elif action is A.FIND_TICKET:
            self.open_prompt("find")
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
        elif action is A.SIGN_OFF:
            self._send(action, "sign_off", done=self._signed_off)

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
        self.show_message(error_text(error), error=True)
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

    def _signed_off(self, result: Any) -> None:
        self._logged_out(result)
        self.login_panel.message.setStyleSheet("")
        self.login_panel.message.setText(self._t("已签退，今日不再排班；如需回岗请重新登录", "Signed off for the day; log in again to come back"))

    def _open_leave_choices(self) -> None:
        """退出 asks which: a short absence (the advisor still counts the clerk) or 签退 for the day
        (the roster marks the clerk off duty, so the manager is not told to expect them back)."""
        if not self.flow.can(A.LOGOUT):
            return
        self._choice_kind = "leave"
        self._choices = [
            (self._t("暂时退出（今日还会回来）", "Log out for now (back later today)"), lambda: self._leave(A.LOGOUT)),
            (self._t("签退下班（今日不再上岗）", "Sign off for the day"), lambda: self._leave(A.SIGN_OFF)),
        ]
        self._show_choices()

    def _leave(self, action: CounterAction) -> None:
        self.close_prompt()
        self.do(action)

    # ---- finish

    def choose_outcome(self, index: int) -> None:
        if self.prompt != "outcome" or not 1 <= index <= len(OUTCOMES):
            return
        outcome = OUTCOMES[index - 1]
        if outcome is Outcome.PROMISED:
            ticket = self.flow.ticket or {}
            series = ticket.get("series") or (ticket.get("category") or {}).get("series")
            chosen = (ticket.get("items") or [None])[0]
            self.prompts.promise.start(category_items(self.snapshot, series), chosen, hall_promised_days(self.snapshot))
            self.open_prompt("promise")
            self.prompts.promise.applicant_edit.setFocus()
            return
        self.close_prompt()
        self.finish(outcome)

    def submit_promise(self) -> None:
        if self.prompt != "promise":
            return
        name, phone = self.prompts.promise.applicant()
        if not name:
            self.show_message(self._t("请填写申请人", "enter the applicant's name"), error=True)
            return
        if self.prompts.promise.needs_item():
            self.show_message(self._t("请选择办理事项（告知单上要写明事项）", "choose the item (the notice names it)"), error=True)
            self.prompts.promise.item_combo.setFocus()
            return
        form = self.prompts.promise
        item, materials, days = form.chosen_item(), form.materials_received(), form.days_spin.value()
        self.close_prompt()
        self.finish(Outcome.PROMISED, applicant=(name, phone), promised_days=days, item=item, materials_received=materials)

    def finish(
        self,
        outcome: Outcome,
        applicant: tuple[str, str] | None = None,
        promised_days: int | None = None,
        item: dict[str, Any] | None = None,
        materials_received: list[str] | None = None,
    ) -> None:
        """Finish the service as ``outcome``; a 承诺件 also sends the item, its 承诺时限 and the
        materials received, and prints the 告知单 from the server's answer."""
        ticket = dict(self.flow.ticket or {})

        def done(result: dict[str, Any]) -> None:
            self.flow.finished(result)
            name = OUTCOME_NAMES[outcome]
            text = self._t(f"{ticket.get('number', '')} 已办结（{name.zh}），请群众评价", f"{ticket.get('number', '')} finished ({name.en}); ask for a rating")
            if result.get("promised_date"):
                text += self._t(f"，承诺 {result['promised_date']} 前办结", f"; promised by {result['promised_date']}")
            self.show_message(text)
            if outcome is Outcome.PROMISED and applicant is not None:
                self.print_notice(ticket, result, *applicant, chosen_item=item)
            self._schedule_counts()
            self.refresh_figures()

        extra: dict[str, Any] = {"promised_days": promised_days} if promised_days is not None else {}
        if materials_received is not None:
            extra["materials_received"] = materials_received
        item_code = (item or {}).get("code")
        self._send(A.FINISH, "finish", self.window_number, outcome.value, item_code, "", done=done, **extra)

    def print_notice(self, ticket: dict[str, Any], result: dict[str, Any], name: str, phone: str, chosen_item: dict[str, Any] | None = None) -> None:
        notice = promise_notice(self.snapshot, self.window_number, self.flow.clerk, ticket, result, (name, phone), self.clock.now(), chosen_item)
        printer = self.printer
        if printer is None:
            return
        masked = f"{mask_name(name)} {mask_phone(phone)}"

        def printed(_status: Any) -> None:
            self.show_message(self._t(f"承诺件告知单已打印（{masked}）", f"promise notice printed ({masked})"))
            self.notice_printed.emit(notice)

        def failed(error: Exception) -> None:
            self.show_message(self._t("告知单打印失败：", "notice not printed: ") + error_text(error), error=True)

        run_in_background(lambda: printer.print_notice(notice), printed, failed)

    # ---- call number, park, call back, pause (transfer and 查号: counter.transfer_find)

    def submit_line(self) -> None:
        text = self.prompts.line.edit.text().strip()
        if self.prompt == "find":
            if text:
                self.close_prompt()
                self.find_ticket(text)
        elif self.prompt == "call_number":
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
        if self._choice_kind == "found":
            return self._found_title()
        if self._choice_kind == "pause":
            return self._t("暂停原因（按 1–4，Esc 取消）；AB岗离开不得超过 3 分钟", "Pause reason (press 1–4, Esc cancels); A/B post: back within 3 minutes")
        if self._choice_kind == "leave":
            return self._t("退出还是签退？（按 1–2，Esc 取消）", "Log out or sign off? (press 1–2, Esc cancels)")
        return self._t("回呼挂起的号码（按数字，Esc 取消）", "Call back a parked ticket (press its digit, Esc cancels)")

    def _show_choices(self) -> None:
        self.prompts.choices.show_labels([label for label, _action in self._choices])
        self.open_prompt("choices")

    # ---- prompts

    def open_prompt(self, name: str) -> None:
        self.prompt = name
        self.prompts.show_page(name)
        if name in ("call_number", "park", "find"):
            self.prompts.line.start("A023" if name in ("call_number", "find") else "")
        else:
            self.setFocus()
        self.render()
        self._fit()

    def close_prompt(self) -> None:
        self.prompt = None
        self._pending_transfer = None
        self.prompts.promise.clear()  # personal data is not kept once used or cancelled
        self.setFocus()
        self.render()
        self._fit()

    # ================================================================== login and handover

    def show_login(self, handover: bool = False) -> None:
        self.prompt = None
        self.pages.setCurrentIndex(0)
        holder = self._window_entry().get("clerk")
        self.login_panel.reset(handover or (holder is not None and holder.get("id") != (self.flow.clerk or {}).get("id")))
        self.render()
        self._fit()

    def _cancel_handover(self) -> None:
        if self.flow.state is not CounterState.LOGGED_OUT:
            self.pages.setCurrentIndex(1)
            self.render()
            self._fit()

    def submit_login(self) -> None:
        panel = self.login_panel
        staff, pin = panel.staff_edit.text().strip(), panel.pin_edit.text()
        if not staff or not pin:
            panel.message.setText(self._t("请输入工号和密码", "enter staff number and PIN"))
            return
        self.login(staff, pin, panel.handover_box.isChecked())

    def login(self, staff_no: str, pin: str, handover: bool = False) -> None:
        panel = self.login_panel
        panel.login_button.setEnabled(False)
        panel.message.setText(self._t("正在登录…", "logging in…"))

        def done(result: dict[str, Any]) -> None:
            panel.login_button.setEnabled(True)
            panel.pin_edit.clear()
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
            panel.login_button.setEnabled(True)
            panel.pin_edit.clear()
            panel.message.setText(error_text(error))
            panel.message.setStyleSheet(f"color: {theme.RED};")
            self.error_shown.emit(error_text(error))
            if error.code == "window_taken":
                panel.handover_box.setChecked(True)

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
            self.login_panel.handover_box.setChecked(True)  # someone is logged in here: offer the A/B handover
        self.render()

    def _set_counts(self, snapshot: dict[str, Any]) -> None:
        self.waiting = waiting_counts(snapshot, self.window_number)

    def _schedule_counts(self) -> None:
        self._count_timer.start()

    def _refresh_counts(self) -> None:
        def done(snapshot: dict[str, Any]) -> None:
            self.snapshot = snapshot
            self._set_counts(snapshot)
            if self.prompt == "transfer":
                self._refill_transfer()
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
        if kind in COUNT_EVENTS or (kind in STAFFING_EVENTS and self.prompt == "transfer"):
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
                self.login_panel.message.setText(self._t(f"{clerk.get('name', '')} 已接替本窗口", f"{clerk.get('name', '')} took over this window"))
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
            self.work.render_pause(self.flow, self.clock.now())

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
        for part in (self.heartbeat, self.devices):
            if part is not None:
                part.stop()
        for conn in (self.device, self.clerk_conn, self.reads):
            conn.pool.waitForDone(5000)

    def closeEvent(self, event: Any) -> None:  # Qt's name
        self.shutdown()
        super().closeEvent(event)

    # ================================================================== helpers

    def _window_entry(self) -> dict[str, Any]:
        return window_entry(self.snapshot, self.window_number)
