"""The citizen's rating pad at a window (服务评价器): large touch targets, Chinese first.

It follows its own window on the event stream: the clerk's card when idle (岗位公示), the
ticket and item while serving, and the rating screen the moment the service finishes. No level
is pre-selected; a 差评 asks for reasons, and offers a comment on an on-screen keyboard and a
phone number for 回访 with consent (pad.detail_pages). Every touch anywhere on the pad restarts
the idle count. All decisions are in :class:`pad.flow.PadFlow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hall.contact import mask_phone
from hall.tickets import BAD_RATING_REASONS, RATING_NAMES, RatingLevel
from pad.detail_pages import PRIMARY, SECONDARY, CommentPage, ContactPage
from pad.flow import PadFlow, PadState, RateRequest
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.photo_loader import ClerkPhotoLoader
from ui.posts import WindowPost
from ui.text import Language

LEVEL_COLOURS = {
    RatingLevel.VERY_SATISFIED: "#1e8449",
    RatingLevel.SATISFIED: "#27ae60",
    RatingLevel.BASIC: "#2e86c1",
    RatingLevel.DISSATISFIED: "#d68910",
    RatingLevel.VERY_DISSATISFIED: "#c0392b",
}
PAGES = {
    PadState.IDLE: 0,
    PadState.SERVING: 1,
    PadState.RATING: 2,
    PadState.REASONS: 3,
    PadState.SENDING: 2,
    PadState.THANKS: 4,
    PadState.COMMENT: 5,
    PadState.CONTACT: 6,
}
TOUCH_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate)


class PadWindow(QWidget):
    state_changed = Signal(str)
    rated = Signal(object)  # the RateRequest the server accepted

    def __init__(
        self,
        conn: ServerConnection,
        events: EventStream,
        window_number: int,
        rating_timeout: float = 30.0,
        thanks_seconds: float = 4.0,
        language: str = "zh",
        monotonic: Callable[[], float] = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conn, self.events = conn, events
        self.flow = PadFlow(window_number, rating_timeout, thanks_seconds)
        self.lang = Language(language)
        self.now = monotonic
        self.online = True
        self._shown_state = self.flow.state
        self.setObjectName("pad")
        self.setStyleSheet(f"QWidget#pad {{ background: {theme.BACKGROUND}; }}")
        self._build()
        # 岗位公示: the clerk's photo, fetched and decoded off the GUI thread; the initial until then.
        self.photo = ClerkPhotoLoader(conn, window_number, self.clerk_photo.size(), self)
        self.photo.photo_changed.connect(self.render)
        self.post = WindowPost(window_number)
        self._tick = QTimer(self, interval=250)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        events.snapshot_received.connect(self._on_snapshot)
        events.event_received.connect(self._on_event)
        events.connection_changed.connect(self._on_online)
        # Any touch on any of the pad's widgets counts as "still here" (an app-wide filter, as the
        # keys are child widgets that would otherwise swallow the press).
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.resize(1024, 640)
        self.render()

    # ================================================================== building

    def _big_button(self, point_size: int = 22) -> QPushButton:
        button = QPushButton()
        button.setFont(theme.font(point_size, bold=True))
        button.setMinimumHeight(110)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _label(self, size: int, bold: bool = False, colour: str = "#1b2631") -> QLabel:
        label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        label.setFont(theme.font(size, bold))
        label.setStyleSheet(f"color: {colour};")
        return label

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 16)
        top = QHBoxLayout()
        self.window_title = QLabel()
        self.window_title.setFont(theme.font(16, bold=True))
        self.window_title.setStyleSheet(f"color: {theme.BLUE_DARK};")
        self.offline_label = QLabel()
        self.offline_label.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        self.lang_button = QPushButton()
        self.lang_button.setFont(theme.font(14))
        self.lang_button.setMinimumSize(120, 48)
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self.toggle_language)
        top.addWidget(self.window_title, 1)
        top.addWidget(self.offline_label)
        top.addWidget(self.lang_button)
        outer.addLayout(top)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)

        # idle: 岗位公示
        idle = QWidget()
        box = QVBoxLayout(idle)
        self.card_title = self._label(18, True, theme.GREY)
        self.clerk_photo = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.clerk_photo.setFixedSize(150, 190)
        self.clerk_photo.setStyleSheet(f"background: #dde5ee; color: {theme.BLUE_DARK}; border-radius: 8px;")
        self.clerk_photo.setFont(theme.font(54, True))
        self.clerk_name = self._label(34, True, theme.BLUE_DARK)
        self.clerk_info = self._label(18)
        self.clerk_post = self._label(16, False, theme.GREY)
        self.idle_hint = self._label(18, False, theme.GREY)
        box.addStretch(1)
        box.addWidget(self.card_title)
        box.addWidget(self.clerk_photo, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.clerk_name)
        box.addWidget(self.clerk_info)
        box.addWidget(self.clerk_post)
        box.addStretch(1)
        box.addWidget(self.idle_hint)
        self.pages.addWidget(idle)

        # serving
        serving = QWidget()
        box = QVBoxLayout(serving)
        self.serving_title = self._label(22, False, theme.GREY)
        self.serving_number = self._label(96, True, theme.BLUE)
        self.serving_item = self._label(22)
        self.serving_clerk = self._label(18, False, theme.GREY)
        box.addStretch(1)
        for widget in (self.serving_title, self.serving_number, self.serving_item, self.serving_clerk):
            box.addWidget(widget)
        box.addStretch(1)
        self.pages.addWidget(serving)

        # rating: five levels, none pre-selected
        rating = QWidget()
        box = QVBoxLayout(rating)
        self.rating_title = self._label(28, True, theme.BLUE_DARK)
        self.rating_info = self._label(17, False, theme.GREY)
        box.addWidget(self.rating_title)
        box.addWidget(self.rating_info)
        row = QHBoxLayout()
        row.setSpacing(14)
        self.level_buttons: dict[RatingLevel, QPushButton] = {}
        self.level_labels: dict[RatingLevel, QLabel] = {}
        for level in RatingLevel:
            button = self._big_button(20)
            button.setMinimumHeight(170)
            button.setMinimumWidth(150)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            inner = QVBoxLayout(button)
            caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
            caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            caption.setStyleSheet("color: white; background: transparent;")
            inner.addWidget(caption)
            self.level_labels[level] = caption
            button.setStyleSheet(
                f"QPushButton {{ background: {LEVEL_COLOURS[level]}; color: white; border-radius: 12px; }}"
                "QPushButton:disabled { background: #b3bcc5; }"
            )
            button.clicked.connect(lambda _=False, lv=level: self.choose(lv))
            self.level_buttons[level] = button
            row.addWidget(button, 1)
        box.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)
        self.countdown = self._label(14, False, theme.GREY)
        box.addWidget(self.countdown)
        self.pages.addWidget(rating)

        # reasons for a 差评
        reasons = QWidget()
        box = QVBoxLayout(reasons)
        self.reasons_title = self._label(24, True, theme.RED)
        box.addWidget(self.reasons_title)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.reason_buttons: dict[str, QPushButton] = {}
        for index, code in enumerate(BAD_RATING_REASONS):
            button = self._big_button(16)
            button.setMinimumHeight(76)
            button.setCheckable(True)
            button.setStyleSheet(
                "QPushButton { background: white; border: 2px solid #b3bcc5; border-radius: 10px; }"
                f"QPushButton:checked {{ background: {theme.RED}; color: white; border-color: {theme.RED}; }}"
            )
            button.clicked.connect(lambda _=False, c=code: self.toggle_reason(c))
            self.reason_buttons[code] = button
            grid.addWidget(button, index // 3, index % 3)
        box.addLayout(grid)
        self.details_summary = self._label(15, False, theme.BLUE_DARK)
        box.addWidget(self.details_summary)
        row = QHBoxLayout()
        self.back_button = self._action_button(SECONDARY, self.back)
        self.comment_button = self._action_button(SECONDARY, self.open_comment)
        self.contact_button = self._action_button(SECONDARY, self.open_contact)
        self.submit_button = self._action_button(PRIMARY, self.submit)
        for button, stretch in ((self.back_button, 1), (self.comment_button, 1), (self.contact_button, 1), (self.submit_button, 2)):
            row.addWidget(button, stretch)
        box.addLayout(row)
        self.reasons_countdown = self._label(14, False, theme.GREY)
        box.addWidget(self.reasons_countdown)
        self.pages.addWidget(reasons)

        # thanks
        thanks = QWidget()
        box = QVBoxLayout(thanks)
        self.thanks_title = self._label(44, True, theme.GREEN)
        self.thanks_info = self._label(20, False, theme.GREY)
        box.addStretch(1)
        box.addWidget(self.thanks_title)
        box.addWidget(self.thanks_info)
        box.addStretch(1)
        self.pages.addWidget(thanks)

        self.comment_page = CommentPage()
        self.comment_page.confirmed.connect(self.confirm_comment)
        self.comment_page.cancelled.connect(self.back)
        self.pages.addWidget(self.comment_page)
        self.contact_page = ContactPage()
        self.contact_page.digit_pressed.connect(lambda d: self._contact(self.flow.press_digit, d))
        self.contact_page.digit_deleted.connect(lambda: self._contact(self.flow.delete_digit))
        self.contact_page.consent_changed.connect(lambda agreed: self._contact(self.flow.set_consent, agreed))
        self.contact_page.confirmed.connect(lambda: self._contact(self.flow.confirm_contact))
        self.contact_page.cancelled.connect(self._no_contact)
        self.pages.addWidget(self.contact_page)

    def _action_button(self, style: str, on_click: Any) -> QPushButton:
        button = self._big_button(17)
        button.setMinimumHeight(80)
        button.setStyleSheet(style)
        button.clicked.connect(on_click)
        return button

    # ================================================================== rendering

    def _two(self, zh: str, en: str) -> str:
        """Chinese first with English below; in English mode the other way round."""
        return f"{zh}\n{en}" if self.lang.code == "zh" else f"{en}\n{zh}"

    def toggle_language(self) -> None:
        self.lang.toggle()
        self.flow.touched(self.now())
        self.render()

    def render(self) -> None:
        flow, t = self.flow, self.lang.pick
        info = flow.window_info or {}
        name = self.lang.of(info) if info else ""
        self.window_title.setText(t(f"{flow.window}号窗口  {name}", f"Window {flow.window}  {name}"))
        self.offline_label.setText("" if self.online else t("网络中断，正在重连…", "offline, reconnecting…"))
        self.lang_button.setText("English" if self.lang.code == "zh" else "中文")
        clerk = flow.clerk
        self.card_title.setText(t("岗位公示", "On duty at this window"))
        self.photo.want(clerk)
        if clerk:
            if self.photo.pixmap is not None:
                self.clerk_photo.setPixmap(self.photo.pixmap)
            else:
                self.clerk_photo.setText(clerk.get("name", "?")[:1])
            self.clerk_name.setText(clerk.get("name", ""))
            dept = clerk.get("department", "")
            self.clerk_info.setText(t(f"工号 {clerk.get('staff_no', '')}  ·  {dept}", f"Staff no. {clerk.get('staff_no', '')}  ·  {dept}"))
            post = self.post.text()
            self.clerk_post.setText(t(post.zh, post.en))
        else:
            self.clerk_photo.setText("—")
            self.clerk_name.setText(t("暂无工作人员", "No clerk on duty"))
            self.clerk_info.setText("")
            self.clerk_post.setText("")
        self.idle_hint.setText(self._two("办事结束后请您对本次服务进行评价", "Please rate our service when you are done"))
        ticket = flow.ticket or {}
        called = ticket.get("status") == "called"
        self.serving_title.setText(
            t("请到本窗口办理" if called else "正在为您办理", "Please come to this window" if called else "Now serving")
        )
        self.serving_number.setText(ticket.get("number", ""))
        self.serving_item.setText(self.lang.of(ticket.get("category")) if ticket.get("category") else "")
        self.serving_clerk.setText(
            t(f"经办人：{clerk['name']}（工号 {clerk['staff_no']}）", f"Clerk: {clerk['name']} (staff no. {clerk['staff_no']})")
            if clerk
            else ""
        )
        service = flow.service or {}
        item = service.get("item") or {}
        number = (service.get("ticket") or {}).get("number", "")
        self.rating_title.setText(self._two("请您对本次服务进行评价", "Please rate this service"))
        what = self.lang.of(item) if item else self.lang.of((service.get("ticket") or {}).get("category"))
        self.rating_info.setText(t(f"号码 {number}  ·  {what}", f"Ticket {number}  ·  {what}"))
        sending = flow.state is PadState.SENDING
        for level, button in self.level_buttons.items():
            names = RATING_NAMES[level]
            first, second = (names.zh, names.en) if self.lang.code == "zh" else (names.en.capitalize(), names.zh)
            self.level_labels[level].setText(
                f"<div style='font-size:24pt; font-weight:bold'>{first}</div><div style='font-size:13pt'>{second}</div>"
            )
            button.setAccessibleName(f"{names.zh} {names.en}")
            button.setEnabled(not sending)
        left = flow.seconds_left(self.now())
        countdown = t(f"{left} 秒后自动返回（记为未评价）", f"Returns in {left} s (recorded as not rated)")
        self.countdown.setText(t("正在提交…", "sending…") if sending else countdown)
        self.reasons_title.setText(self._two("请选择不满意的原因（可多选）", "What went wrong? (choose any)"))
        for code, button in self.reason_buttons.items():
            names = BAD_RATING_REASONS[code]
            button.setText(self._two(names.zh, names.en))
            button.setChecked(code in flow.reasons)
        details = []
        if flow.comment:
            details.append(t(f"意见：{flow.comment}", f"Comment: {flow.comment}"))
        if flow.contact_phone:
            details.append(t(f"回访电话：{mask_phone(flow.contact_phone)}", f"Call back: {mask_phone(flow.contact_phone)}"))
        self.details_summary.setText("    ".join(details) or t("意见和回访电话均可不填", "A comment and a phone number are optional"))
        self.back_button.setText(t("返回重选", "Back"))
        self.comment_button.setText(t("改意见" if flow.comment else "写意见", "Edit comment" if flow.comment else "Add comment"))
        self.contact_button.setText(
            t("改电话" if flow.contact_phone else "留电话回访", "Edit phone" if flow.contact_phone else "Call me back")
        )
        self.submit_button.setText(t("完成", "Done"))
        # The count shows only near its end: a citizen reading or typing is not rushed.
        self.reasons_countdown.setText(t(f"无操作 {left} 秒后自动提交", f"Sent in {left} s without a touch") if left <= 30 else "")
        self.comment_page.retranslate(t)
        self.contact_page.show_state(t, flow.phone, flow.consent, flow.contact_ready)
        outcome = flow.outcome
        if outcome == "already":
            self.thanks_title.setText(self._two("本次服务已评价", "Already rated"))
            self.thanks_info.setText(t("一事一评，感谢您的参与", "One rating per service – thank you"))
        elif outcome == "error":
            self.thanks_title.setText(self._two("评价未能提交", "Rating not recorded"))
            self.thanks_info.setText(flow.error)
        else:
            self.thanks_title.setText(self._two("感谢您的评价！", "Thank you for your rating!"))
            self.thanks_info.setText(
                t("我们会认真核实，并按您留下的电话回访", "We will look into it and call you back")
                if flow.level is not None and flow.level.is_bad and flow.sent_contact
                else t("我们会认真核实并整改", "We will look into it and put it right")
                if flow.level is not None and flow.level.is_bad
                else t("欢迎再次光临", "Have a good day")
            )
        self.pages.setCurrentIndex(PAGES[flow.state])
        if flow.state is not self._shown_state:
            self._shown_state = flow.state
            if flow.state is PadState.COMMENT:
                self.comment_page.start(flow.comment)
            self.state_changed.emit(flow.state.value)

    # ================================================================== citizen

    def choose(self, level: RatingLevel) -> None:
        self._send(self.flow.choose(level, self.now()))
        self.render()

    def rater_pressed(self, level: RatingLevel) -> None:
        """The 4-key hardware rater: the same path as the touch buttons."""
        request = self.flow.choose(level, self.now())
        if request is not None:
            request = RateRequest(request.service_id, request.level, request.reasons, request.comment, "rater")
        self._send(request)
        self.render()

    def toggle_reason(self, code: str) -> None:
        self.flow.toggle_reason(code, self.now())
        self.render()

    def back(self) -> None:
        self.flow.back(self.now())
        self.render()

    def submit(self) -> None:
        self._send(self.flow.submit())
        self.render()

    def open_comment(self) -> None:
        self.flow.open_comment(self.now())
        self.render()

    def confirm_comment(self, text: str) -> None:
        self.flow.confirm_comment(text, self.now())
        self.render()

    def open_contact(self) -> None:
        self.flow.open_contact(self.now())
        self.render()

    def _contact(self, intent: Any, *args: Any) -> None:
        intent(*args, self.now())
        self.render()

    def _no_contact(self) -> None:
        self.flow.remove_contact(self.now())
        self.flow.back(self.now())
        self.render()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() in TOUCH_EVENTS and isinstance(watched, QWidget) and (watched is self or self.isAncestorOf(watched)):
            self.flow.touched(self.now())
        return False

    def _send(self, request: RateRequest | None) -> None:
        if request is None:
            return

        def done(_result: Any) -> None:
            self.flow.rate_done(self.now())
            self.rated.emit(request)
            self.render()

        def failed(error: ApiError) -> None:
            self.flow.rate_failed(error.code, f"{error.zh} / {error.en}", self.now())
            self.render()

        level = request.level.value if request.level is not None else None
        self.conn.call(
            "rate",
            request.service_id,
            level,
            list(request.reasons),
            request.comment,
            request.channel,
            contact_phone=request.contact_phone,
            on_done=done,
            on_error=failed,
        )

    # ================================================================== hall

    def start(self) -> None:
        self.events.start()

    def shutdown(self) -> None:
        """Stop the stream, the timer and the rater; let a rating in flight finish."""
        self._tick.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.events.stop()
        bus = getattr(self, "rater_bus", None)
        if bus is not None:
            bus.stop()
        self.conn.pool.waitForDone(5000)

    def closeEvent(self, event: Any) -> None:  # Qt's name
        self.shutdown()
        super().closeEvent(event)

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.flow.on_snapshot(snapshot, self.now())
        self.post = WindowPost.from_snapshot(snapshot, self.flow.window)
        self.photo.retry_failed()
        self.render()

    def _on_event(self, message: dict[str, Any]) -> None:
        self.flow.on_event(message.get("kind", ""), message.get("data") or {}, self.now())
        kind, data = str(message.get("kind", "")), message.get("data") or {}
        self.post = self.post.on_event(kind, data)
        if kind == "config_changed" and data.get("what") == "clerk_photo":
            self.photo.refresh()
        self.render()

    def _on_online(self, online: bool) -> None:
        self.online = online
        self.render()

    def _on_tick(self) -> None:
        self._send(self.flow.tick(self.now()))
        if (
            self.flow.state in (PadState.RATING, PadState.REASONS, PadState.IDLE, PadState.SERVING, PadState.COMMENT, PadState.CONTACT)
            or self.flow.state is not self._shown_state
        ):
            self.render()
