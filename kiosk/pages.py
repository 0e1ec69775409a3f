"""The kiosk's pages, one per step of :class:`~kiosk.flow.KioskFlow`: home (the categories with
their queues), priority lane, items, materials (一次性告知), confirm, the ticket on screen, check-in
and the paused notice.

A page is built fresh from the flow each time the window redraws, so it never holds state of its
own; every touch goes to a flow intent through the window (``intent``), which then redraws.
:class:`PageBuilder` also keeps the buttons the window and its tests look at after a build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import qrcode
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.flow import CODE_LENGTH, KioskFlow, PrintState, Step
from kiosk.large_pages import LARGE_STEPS, LargePages
from kiosk.palette import KioskPalette, palette_for
from kiosk.texts import PAUSED_TEXT, RECONNECTING_TEXT, ClosedNotice, Text, confirm_wait_rows, serves_now
from ui import theme

BUTTON_HEIGHT = 110  # px; ≥ 15 mm on a 24" 1080p screen is ~57 px
BIG_BUTTON_HEIGHT = 150
SMALL_BUTTON_HEIGHT = 80  # a secondary way out (跳过): still a fair touch target, not the obvious one
LARGE_SCALE = 1.5  # 大字模式 type: the large pages show fewer choices so it fits


def qr_pixmap(data: str, side: int) -> QPixmap:
    """The QR code for ``data`` drawn crisp into a ``side``×``side`` pixmap (white quiet zone)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    cell = max(1, side // modules)
    offset = (side - cell * modules) // 2
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(offset + x * cell, offset + y * cell, cell, cell)
    painter.end()
    return pixmap


class PageBuilder:
    """Builds the page for the flow's step with the kiosk's fonts, buttons and intents."""

    def __init__(
        self,
        flow: KioskFlow,
        intent: Callable[[Callable[[], Any]], Callable[..., None]],
        confirm: Callable[[], None],
        submit_code: Callable[[], None],
        reprint: Callable[[], None],
    ) -> None:
        self.flow = flow
        self.intent, self.confirm, self.submit_code, self.reprint = intent, confirm, submit_code, reprint
        self.portrait = False
        self.confirm_button: QPushButton | None = None
        self.reprint_button: QPushButton | None = None
        self.priority_button: QPushButton | None = None
        self.check_in_button: QPushButton | None = None
        self.category_buttons: dict[str, QPushButton] = {}
        self.spoken: list[str] = []  # the page's title and choices, in order, for 读给我听
        self.large = LargePages(self)
        self.sms_signup: Callable[[], None] | None = None  # 短信提醒 (kiosk.phone_entry), set by the window

    def build(self, step: Step, portrait: bool) -> QWidget:
        """A new page for ``step``; the confirm, reprint and category buttons are the new page's."""
        self.portrait = portrait
        self.confirm_button = self.reprint_button = None
        self.category_buttons = {}
        self.spoken = []
        if self.flow.large_text and step in LARGE_STEPS:
            return self.large.build(step)
        builders = {
            Step.HOME: self._home_page,
            Step.PRIORITY: self._priority_page,
            Step.ITEMS: self._items_page,
            Step.MATERIALS: self._materials_page,
            Step.CONFIRM: self._confirm_page,
            Step.ISSUING: self._confirm_page,
            Step.PRINTING: self._done_page,
            Step.DONE: self._done_page,
            Step.CHECK_IN: self._check_in_page,
            Step.PAUSED: self._paused_page,
        }
        return builders[step]()

    # ------------------------------------------------------------------ helpers

    def pt(self, size: float) -> int:
        return round(size * (LARGE_SCALE if self.flow.large_text else 1.0))

    def speak(self, text: str) -> None:
        """Add a line to what 读给我听 reads for this page (symbols like ⌫ are not read)."""
        if any(ch.isalnum() for ch in text):
            self.spoken.append(text.replace("\n", "，"))

    def label(self, text: str, size: float, bold: bool = False, color: str | None = None, wrap: bool = True) -> QLabel:
        label = QLabel(text)
        label.setFont(theme.font(self.pt(size), bold))
        label.setWordWrap(wrap)
        if color:
            label.setStyleSheet(f"color: {color};")
        return label

    def button(self, text: str, on_click: Any, kind: str = "primary", height: int = BUTTON_HEIGHT, size: float = 22) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("kind", kind)
        button.setFont(theme.font(self.pt(size), True))
        button.setMinimumHeight(height)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys (a scanner) go to the window
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(on_click)
        self.speak(text)
        return button

    def t(self, zh: str, en: str) -> str:
        return self.flow.pick(zh, en)

    @property
    def colors(self) -> KioskPalette:
        return palette_for(self.flow.high_contrast)

    def text(self, text: Text | None) -> str:
        return text.pick(self.flow.language) if text else ""

    def title(self, text: str, layout: QVBoxLayout, size: float = 30) -> None:
        label = self.label(text, size, bold=True, color=self.colors.title)
        layout.addWidget(label)
        self.speak(text)

    def message(self, layout: QVBoxLayout) -> None:
        if self.flow.message is not None:
            frame = QFrame(objectName="alert")
            inner = QVBoxLayout(frame)
            inner.addWidget(self.label(self.text(self.flow.message), 20, bold=True, color=self.colors.alert_text))
            layout.addWidget(frame)

    def _home_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        walk_ins = flow.accepts_walk_ins and flow.online
        closed = flow.closed_notice()
        if closed is not None:
            layout.addWidget(self._closed_notice(closed))
        if flow.priority_reason:
            frame = QFrame(objectName="priority")
            inner = QHBoxLayout(frame)
            inner.addWidget(
                self.label(
                    self.t(f"绿色通道（{flow.priority_name()}）：请选择办理业务", f"Priority lane ({flow.priority_name()}): choose a service"),
                    22,
                    bold=True,
                    color=self.colors.priority_text,
                ),
                1,
            )
            cancel = self.button(self.t("取消绿色通道", "Cancel priority"), self.intent(flow.cancel_priority), "secondary", height=90, size=18)
            cancel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            cancel.setMinimumWidth(260)
            inner.addWidget(cancel)
            layout.addWidget(frame)
        elif closed is not None:
            self.title(self.t("查看办理事项和所需材料，提前准备", "Look up items and what to bring, to prepare"), layout, 26)
        else:
            self.title(self.t("请选择办理业务", "Please choose a service"), layout)
        self.message(layout)

        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 2 if self.portrait else 3
        for index, category in enumerate(flow.categories):
            button = self._category_button(category, enabled=flow.online, compact=closed is not None)
            self.category_buttons[str(category["series"])] = button
            grid.addWidget(button, index // columns, index % columns)
        for r in range((len(flow.categories) + columns - 1) // columns):
            grid.setRowStretch(r, 1)
        layout.addLayout(grid, 1)
        if not flow.categories:
            layout.addWidget(self.label(self.t("正在载入业务…", "Loading services…"), 24, color=self.colors.muted))
            layout.addStretch(1)

        row = QHBoxLayout()
        row.setSpacing(18)
        priority = self.button(self.t("绿色通道  老年人·残疾人·孕妇等", "Priority lane  elderly · disabled · pregnant"), self.intent(flow.start_priority), "priority", BUTTON_HEIGHT)
        priority.setEnabled(walk_ins and not flow.priority_reason)
        priority.setVisible(closed is None)  # no walk-ins: no priority lane to offer
        check_in = self.button(self.t("预约签到  输入预约码", "Appointment check-in"), self.intent(flow.start_check_in), "secondary", BUTTON_HEIGHT)
        check_in.setObjectName("check-in")
        check_in.setEnabled(flow.can_check_in)
        check_in.setVisible(closed is None or flow.can_check_in)  # offered only while bookings are served
        row.addWidget(priority)
        row.addWidget(check_in)
        if closed is None or flow.can_check_in:
            layout.addLayout(row)
        self.priority_button, self.check_in_button = priority, check_in
        return page

    def _closed_notice(self, closed: ClosedNotice) -> QFrame:
        """Outside walk-in hours: the notice, when the hall opens and takes walk-ins, what can be done
        now, and the hours — big enough to read from a step away."""
        frame = QFrame(objectName="notice")
        outer = QVBoxLayout(frame) if self.portrait else QHBoxLayout(frame)
        outer.setContentsMargins(32, 20, 32, 20)
        outer.setSpacing(32)
        left = QVBoxLayout()
        left.setSpacing(8)
        headline = self.label(self.text(closed.notice), 36, bold=True, color=self.colors.notice_text)
        headline.setObjectName("closed-notice")
        left.addWidget(headline)
        for name, line in (("next-opening", closed.opening), ("walk-ins", closed.walk_ins)):
            if line is not None:
                label = self.label(self.text(line), 26, bold=True, color=self.colors.notice_text)
                label.setObjectName(name)
                left.addWidget(label)
        left.addSpacing(6)
        for line in closed.can_do:
            left.addWidget(self.label("• " + self.text(line), 20, color=self.colors.text))
        left.addStretch(1)
        outer.addLayout(left, 3)
        right = QVBoxLayout()
        right.setSpacing(4)
        right.addWidget(self.label(self.t("办公时间", "Opening hours"), 22, bold=True, color=self.colors.notice_text))
        for line in closed.hours:
            label = self.label(self.text(line), 18, color=self.colors.text)
            label.setObjectName("hours-line")
            right.addWidget(label)
        right.addStretch(1)
        outer.addLayout(right, 2)
        return frame

    def _category_button(self, category: dict[str, Any], enabled: bool, compact: bool = False) -> QPushButton:
        flow = self.flow
        button = QPushButton()
        button.setProperty("kind", "category")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # compact (closed hours, under the notice): still a big target, but the notice needs the room
        button.setMinimumHeight(100 if compact else round(150 * (1.15 if flow.large_text else 1)))
        button.setMaximumHeight(300)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        inner = QVBoxLayout(button)
        inner.setContentsMargins(24, 6 if compact else 12, 24, 6 if compact else 12)
        inner.setSpacing(2 if compact else 4)
        name = self.label(f"{category['series']}  {flow.name(category)}", 24, bold=True, color=self.colors.title if enabled else self.colors.muted)
        wait_text = self.text(flow.tile_text(category))
        unserved = flow.accepts_walk_ins and not serves_now(category)
        detail = self.label(wait_text, 18, bold=unserved, color=self.colors.notice_text if unserved else self.colors.muted)
        detail.setObjectName("tile-detail")
        inner.addStretch(1)
        for label in (name, detail):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            inner.addWidget(label)
        inner.addStretch(1)
        button.setEnabled(enabled)
        series = str(category["series"])
        button.clicked.connect(self.intent(lambda: flow.choose_category(series)))
        button.setAccessibleName(f"{flow.name(category)} {wait_text}")
        self.speak(f"{category['series']}，{flow.name(category)}，{wait_text}")
        return button

    def _priority_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title(self.t("绿色通道：请选择您的情况", "Priority lane: which applies to you?"), layout)
        layout.addWidget(
            self.label(self.t("特殊群体优先办理，请到窗口出示相关证件", "Served first; please show proof at the window if asked"), 20, color=self.colors.muted)
        )
        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 2 if self.portrait else 3
        for index, reason in enumerate(flow.priority_reasons()):
            button = self.button(flow.priority_name(reason), self.intent(lambda r=reason: flow.choose_priority(r)), "priority", BIG_BUTTON_HEIGHT, 26)
            button.setObjectName(f"priority-{reason}")
            grid.addWidget(button, index // columns, index % columns)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary"))
        return page

    def _items_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title(self.t(f"{flow.name(flow.category())}：请选择办理事项", f"{flow.name(flow.category())}: choose what you need"), layout)
        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 1 if self.portrait else 2
        for index, item in enumerate(flow.items()):
            code = str(item["code"])
            button = self.button(flow.name(item), self.intent(lambda c=code: flow.choose_item(c)), "secondary", BUTTON_HEIGHT + 10, 24)
            button.setObjectName(f"item-{code}")
            grid.addWidget(button, index // columns, index % columns)
        layout.addLayout(grid)
        layout.addStretch(1)
        if flow.browsing:
            self._tickets_from(layout)
        row = QHBoxLayout()
        row.setSpacing(18)
        back = self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary")
        back.setObjectName("back")
        row.addWidget(back, 2)
        if not flow.browsing:
            row.addWidget(self.skip_button(), 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        return page

    def skip_button(self) -> QPushButton:
        """The way past the materials list (一次性告知) for a citizen who does not know the item:
        offered, but small and plain, so picking an item (and reading its materials) stays the way."""
        skip = self.button(self.t("不确定事项？跳过", "Not sure? Skip"), self.intent(self.flow.skip_items), "secondary", SMALL_BUTTON_HEIGHT, 16)
        skip.setObjectName("skip-items")
        return skip

    def _tickets_from(self, layout: QVBoxLayout) -> None:
        """Browse mode's line: nothing is issued now, and when it will be."""
        frame = QFrame(objectName="notice")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(24, 14, 24, 14)
        line = self.label(
            self.t("现在仅供查看，不能取号。", "For reading only: no tickets now. ") + self.text(self.flow.tickets_from()), 22, bold=True, color=self.colors.notice_text
        )
        line.setObjectName("tickets-from")
        inner.addWidget(line)
        layout.addWidget(frame)

    def _materials_page(self) -> QWidget:
        flow = self.flow
        item = flow.item() or {}
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        subject = flow.name(item) if item else flow.name(flow.category())
        self.title(self.t(f"一次性告知：办理“{subject}”请带齐以下材料", f"What to bring for “{subject}”"), layout, 28)
        card = QFrame(objectName="card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(32, 24, 32, 24)
        card_layout.setSpacing(14)
        for number, material in enumerate(flow.materials(), start=1):
            card_layout.addWidget(self.label(f"{number}.  {material}", 24))
            self.speak(f"{number}，{material}")
        if not flow.materials():
            card_layout.addWidget(self.label(self.t("窗口工作人员将告知所需材料", "The clerk will tell you what is needed"), 22))
        facts = []
        days = item.get("promised_days")
        if days is not None:
            facts.append(self.t("即办件，当场办结", "done on the spot") if not days else self.t(f"承诺办结时限：{days} 个工作日", f"promised within {days} working days"))
        if item.get("fee"):
            facts.append(self.t(f"收费：{item['fee']}", f"fee: {'free' if item['fee'] == '免费' else item['fee']}"))
        if facts:
            card_layout.addSpacing(8)
            card_layout.addWidget(self.label("    ".join(facts), 20, color=self.colors.muted))
        if flow.browsing:
            card_layout.addWidget(self.label(self.t("请按清单提前准备，开放时间前来办理。", "Prepare these before you come back."), 18, color=self.colors.muted))
        else:
            card_layout.addWidget(self.label(self.t("材料清单也会打印在号票上。", "The list is printed on your ticket too."), 18, color=self.colors.muted))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(card)
        layout.addWidget(scroll, 1)
        if flow.browsing:
            self._tickets_from(layout)
            back = self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary", BIG_BUTTON_HEIGHT, 28)
            back.setObjectName("back")
            layout.addWidget(back)
            return page
        row = QHBoxLayout()
        row.setSpacing(18)
        back = self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary", BIG_BUTTON_HEIGHT)
        back.setObjectName("back")
        row.addWidget(back, 1)
        next_button = self.button(self.t("材料已了解，取号", "Got it — take a number"), self.intent(flow.accept_materials), "go", BIG_BUTTON_HEIGHT, 28)
        next_button.setObjectName("materials-next")
        row.addWidget(next_button, 2)
        layout.addLayout(row)
        return page

    def _confirm_page(self) -> QWidget:
        flow = self.flow
        category = flow.category() or {}
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title(self.t("请确认取号信息", "Please confirm"), layout)
        card = QFrame(objectName="card")
        card_layout = QGridLayout(card)
        card_layout.setContentsMargins(36, 28, 36, 28)
        card_layout.setHorizontalSpacing(30)
        card_layout.setVerticalSpacing(16)
        rows = [(self.t("办理业务", "Service"), flow.name(category))]
        if flow.item():
            rows.append((self.t("办理事项", "Item"), flow.name(flow.item())))
        if flow.priority_reason:
            rows.append((self.t("绿色通道", "Priority lane"), flow.priority_name()))
        rows += [(self.text(key), self.text(value)) for key, value in confirm_wait_rows(category)]
        for index, (key, value) in enumerate(rows):
            card_layout.addWidget(self.label(key, 22, color=self.colors.muted), index, 0)
            card_layout.addWidget(self.label(value, 26, bold=True), index, 1)
        card_layout.setColumnStretch(1, 1)
        layout.addWidget(card)
        warning = flow.unserved_warning()
        if warning is not None:
            frame = QFrame(objectName="notice")
            inner = QVBoxLayout(frame)
            inner.setContentsMargins(24, 16, 24, 16)
            line = self.label(self.text(warning), 24, bold=True, color=self.colors.notice_text)
            line.setObjectName("unserved-warning")
            inner.addWidget(line)
            layout.addWidget(frame)
        self.message(layout)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(18)
        back = self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary", BIG_BUTTON_HEIGHT)
        back.setObjectName("back")
        back.setEnabled(not flow.in_flight)
        row.addWidget(back, 1)
        busy = flow.step is Step.ISSUING
        confirm = self.button(self.t("正在取号…", "Issuing…") if busy else self.t("确认取号", "Take a number"), self.confirm, "go", BIG_BUTTON_HEIGHT, 30)
        confirm.setObjectName("confirm")
        confirm.setEnabled(flow.can_confirm)
        row.addWidget(confirm, 2)
        layout.addLayout(row)
        self.confirm_button = confirm
        return page

    def _done_page(self) -> QWidget:
        flow = self.flow
        ticket = flow.ticket or {}
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(16)
        main = QVBoxLayout() if self.portrait else QHBoxLayout()
        main.setSpacing(28)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.label(self.t("您的号码", "Your number"), 26, color=self.colors.muted))
        number = self.label(str(ticket.get("number", "")), 150, bold=True, color=self.colors.title, wrap=False)
        number.setObjectName("ticket-number")
        left.addWidget(number)
        self.speak(self.t(f"您的号码：{ticket.get('number', '')}", f"Your number: {ticket.get('number', '')}"))
        left.addWidget(self.label(flow.name(ticket.get("category")), 28, bold=True))
        if ticket.get("priority_reason"):
            left.addWidget(self.label(self.t(f"绿色通道：{flow.priority_name(ticket['priority_reason'])}", f"Priority lane: {flow.priority_name(ticket['priority_reason'])}"), 22, True, self.colors.success))
        if ticket.get("appointment_at"):
            slot = (ticket.get("booking") or {}).get("slot", "")  # the booking's slot (预约时段), when the server gave it
            done = self.t(f"预约签到成功 · 预约时段 {slot}", f"Appointment checked in · slot {slot}") if slot else self.t("预约签到成功", "Appointment checked in")
            left.addWidget(self.label(done, 22, True, self.colors.success))
        if (ticket.get("booking") or {}).get("late") and flow.message is not None:  # a late booking became a walk-in
            left.addWidget(self.label(self.text(flow.message), 22, True, self.colors.alert_text))
        ahead = int(ticket.get("people_ahead") or 0)
        minutes = ticket.get("estimated_wait_minutes")
        left.addWidget(self.label(self.t(f"前面还有 {ahead} 人", f"{ahead} people ahead of you"), 26))
        if minutes is not None:
            left.addWidget(self.label(self.t(f"预计等候约 {round(minutes)} 分钟", f"Estimated wait: about {round(minutes)} min"), 26))
        unserved = flow.ticket_wait_text()
        if unserved is not None:
            left.addWidget(self.label(self.text(unserved), 24, bold=True, color=self.colors.notice_text))
        left.addStretch(1)
        main.addLayout(left, 3)

        right = QVBoxLayout()
        right.setSpacing(8)
        qr = QLabel()
        qr.setObjectName("ticket-qr")
        side = 300 if not self.portrait else 340
        qr.setPixmap(qr_pixmap(flow.status_url(), side))
        qr.setFixedSize(side, side)
        right.addWidget(qr, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.label(self.t("手机扫码查看排队进度", "Scan to follow the queue on your phone"), 20, color=self.colors.muted), 0, Qt.AlignmentFlag.AlignHCenter)
        right.addStretch(1)
        main.addLayout(right, 2)
        outer.addLayout(main, 1)

        status = QFrame(objectName="alert" if flow.print_state is PrintState.FAULT else "card")
        status_layout = QVBoxLayout(status)
        status_layout.setContentsMargins(24, 16, 24, 16)
        if flow.print_state is PrintState.PRINTING:
            status_layout.addWidget(self.label(self.t("正在打印号票…", "Printing your ticket…"), 24, True, self.colors.accent))
        elif flow.print_state is PrintState.PRINTED:
            status_layout.addWidget(self.label(self.t("请取走号票，留意叫号", "Please take your ticket and listen for your number"), 24, True, self.colors.success))
        elif flow.print_state is PrintState.FAULT:
            status_layout.addWidget(self.label(self.t("号票未能打印：", "Your ticket could not be printed: ") + self.text(flow.print_fault), 22, True, self.colors.alert_text))
            status_layout.addWidget(
                self.label(
                    self.t("您的号码已生效，请记住号码、拍照或扫码保存，按叫号办理。", "Your number is valid: remember it, photograph this screen or scan the code."),
                    22,
                    color=self.colors.alert_text,
                )
            )
        outer.addWidget(status)

        row = QHBoxLayout()
        row.setSpacing(18)
        reprint = self.button(self.t("重新打印", "Print again"), self.reprint, "secondary")
        reprint.setObjectName("reprint")
        reprint.setEnabled(flow.can_reprint and flow.print_state is not PrintState.PRINTING)
        reprint.setVisible(flow.can_reprint or flow.print_state is PrintState.PRINTING)
        self.reprint_button = reprint
        row.addWidget(reprint, 1)
        if self.sms_signup is not None and ticket.get("id") and ticket.get("status", "waiting") == "waiting":
            sms = self.button(self.t("短信提醒", "SMS alert"), self.sms_signup, "secondary")
            sms.setObjectName("sms-signup")
            row.addWidget(sms, 1)
        finish = self.button(self.t("完成", "Done"), self.intent(flow.end_session))
        finish.setObjectName("finish")
        finish.setEnabled(flow.step is Step.DONE)
        row.addWidget(finish, 2)
        outer.addLayout(row)
        return page

    def _check_in_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        if flow.pending is not None and flow.pending.kind == "card_check_in" and flow.holder is not None:  # 刷身份证 (kiosk.card)
            self.title(self.t(f"身份证签到：{flow.holder.id_masked}", f"ID card check-in: {flow.holder.id_masked}"), layout, 28)
        else:
            self.title(self.t(f"预约签到：请输入或扫描 {CODE_LENGTH} 位预约码", f"Appointment check-in: enter or scan your {CODE_LENGTH}-character code"), layout, 28)
        shown = " ".join(flow.code.ljust(CODE_LENGTH, "_"))
        code = self.label(shown, 54, bold=True, color=self.colors.title, wrap=False)
        code.setObjectName("code")
        code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(code)
        self.message(layout)
        pad = QGridLayout()
        pad.setSpacing(14)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        for index, key in enumerate(keys):
            if key == "clear":
                button = self.button(self.t("清除", "Clear"), self.intent(flow.key_clear), "secondary", BUTTON_HEIGHT, 24)
            elif key == "back":
                button = self.button("⌫", self.intent(flow.key_backspace), "secondary", BUTTON_HEIGHT, 30)
            else:
                button = self.button(key, self.intent(lambda k=key: flow.key_digit(k)), "secondary", BUTTON_HEIGHT, 34)
            button.setObjectName(f"key-{key}")
            button.setEnabled(not flow.in_flight)
            pad.addWidget(button, index // 3, index % 3)
        holder = QWidget()
        holder.setLayout(pad)
        holder.setFixedWidth(round(760 * (1.2 if flow.large_text else 1)))
        layout.addWidget(holder, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(18)
        back = self.button(self.t("返回", "Back"), self.intent(flow.back), "secondary")
        back.setEnabled(not flow.in_flight)
        row.addWidget(back, 1)
        ok = self.button(self.t("正在签到…", "Checking in…") if flow.in_flight else self.t("确定签到", "Check in"), self.submit_code, "go")
        ok.setObjectName("submit-code")
        ok.setEnabled(not flow.in_flight and len(flow.code) == CODE_LENGTH)
        row.addWidget(ok, 2)
        layout.addLayout(row)
        return page

    def _paused_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        frame = QFrame(objectName="notice")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(40, 40, 40, 40)
        inner.setSpacing(20)
        title = self.label(self.text(PAUSED_TEXT), 44, bold=True, color=self.colors.notice_text)
        title.setObjectName("paused")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(title)
        other = PAUSED_TEXT.en if flow.language == "zh" else PAUSED_TEXT.zh
        second = self.label(other, 26, color=self.colors.notice_text)
        second.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(second)
        detail = self.label(self.text(RECONNECTING_TEXT), 22, color=self.colors.muted)
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(detail)
        if flow.pending is not None:
            inner.addWidget(
                self.label(self.t("您的取号请求尚未完成，恢复后自动继续，不会重复取号。", "Your request is not finished yet; it resumes automatically and is never doubled."), 22, True)
            )
            cancel = self.button(self.t("取消，不取号了", "Cancel"), self.intent(flow.cancel_pending), "secondary")
            cancel.setObjectName("cancel-pending")
            inner.addWidget(cancel)
        layout.addWidget(frame)
        layout.addStretch(2)
        return page
