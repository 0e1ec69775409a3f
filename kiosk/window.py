"""The kiosk's touch screen: pages drawn from :class:`~kiosk.flow.KioskFlow`, intents sent back to it.

The widgets hold no rules. Every touch calls a flow intent and redraws; server calls go through
:class:`~ui.connection.ServerConnection` (a worker thread) and printing through a one-thread pool of
its own, so the GUI thread never waits for the network or the printer. Category buttons show the
live queue from the hall's event stream (each event asks for a fresh snapshot, at most a few times
a second). Landscape 1920×1080 and portrait 1080×1920 differ only in how many columns a grid has.
"""

from __future__ import annotations

import logging
from typing import Any

import qrcode
from PySide6.QtCore import QEvent, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hardware.printer import PrinterFault, TicketPrinter
from kiosk.flow import CODE_LENGTH, PAUSED_TEXT, RECONNECTING_TEXT, KioskFlow, PrintState, Request, Step, Text
from kiosk.slip import ticket_slip
from server.client import ApiError, Offline
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.worker import run_in_background

log = logging.getLogger(__name__)

BUTTON_HEIGHT = 110  # px; ≥ 15 mm on a 24" 1080p screen is ~57 px
BIG_BUTTON_HEIGHT = 150
SNAPSHOT_DEBOUNCE_MS = 300
SNAPSHOT_REFRESH_MS = 30_000  # the hall's period (lunch, closed) changes with the clock, not by events
OFFLINE_PROBE_MS = 1500
PRINTER_CHECK_MS = 30_000

STYLE = f"""
QWidget#kiosk {{ background: {theme.BACKGROUND}; }}
QFrame#header {{ background: {theme.BLUE_DARK}; }}
QFrame#header QLabel {{ color: white; }}
QPushButton {{ background: {theme.BLUE}; color: white; border: none; border-radius: 14px; padding: 8px 18px; }}
QPushButton:pressed {{ background: {theme.BLUE_DARK}; }}
QPushButton:disabled {{ background: #a9b4c2; color: #eef1f5; }}
QPushButton[kind="secondary"] {{ background: white; color: {theme.BLUE_DARK}; border: 3px solid {theme.BLUE}; }}
QPushButton[kind="secondary"]:disabled {{ color: #a9b4c2; border-color: #c9d1db; }}
QPushButton[kind="header"] {{ background: transparent; color: white; border: 2px solid white; border-radius: 10px; }}
QPushButton[kind="go"] {{ background: {theme.GREEN}; }}
QPushButton[kind="priority"] {{ background: {theme.GREEN}; }}
QPushButton[kind="go"]:disabled, QPushButton[kind="priority"]:disabled {{ background: #a9b4c2; color: #eef1f5; }}
QPushButton[kind="category"] {{ background: white; color: {theme.BLUE_DARK}; border: 3px solid {theme.BLUE}; text-align: left; }}
QPushButton[kind="category"]:disabled {{ background: #eef1f5; border-color: #c9d1db; }}
QFrame#card {{ background: white; border-radius: 16px; border: 1px solid #d5dde6; }}
QFrame#alert {{ background: #fdecea; border: 3px solid {theme.RED}; border-radius: 14px; }}
QFrame#notice {{ background: #fef5e7; border: 3px solid {theme.AMBER}; border-radius: 14px; }}
QFrame#priority {{ background: #e9f7ef; border: 3px solid {theme.GREEN}; border-radius: 14px; }}
QLabel {{ color: #1c2833; }}
"""


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


class KioskWindow(QWidget):
    """The kiosk screen. ``printer_fault_reported`` is for the manager alert (no server route yet)."""

    ticket_shown = Signal(dict)
    printer_fault_reported = Signal(str)  # FaultKind value

    def __init__(
        self,
        connection: ServerConnection,
        printer: TicketPrinter,
        flow: KioskFlow | None = None,
        events: EventStream | None = None,
        portrait: bool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle("取号机 / Ticket kiosk")
        self.connection = connection
        self.printer = printer
        self.flow = flow or KioskFlow()
        self.events = events
        self.portrait_override = portrait
        self._portrait_drawn: bool | None = None
        self._snapshot_busy = False
        self._closed = False
        self.print_pool = QThreadPool(self)
        self.print_pool.setMaxThreadCount(1)  # one slip at a time, in order, never on the GUI thread

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.header = QFrame(objectName="header")
        header_layout = QHBoxLayout(self.header)
        header_layout.setContentsMargins(32, 14, 24, 14)
        self.hall_label = QLabel()
        self.period_label = QLabel()
        self.language_button = self._button("English", self._toggle_language, "header", height=72)
        self.large_text_button = self._button("大字", self._toggle_large_text, "header", height=72)
        header_layout.addWidget(self.hall_label, 1)
        header_layout.addWidget(self.period_label)
        header_layout.addSpacing(16)
        header_layout.addWidget(self.large_text_button)
        header_layout.addWidget(self.language_button)
        root.addWidget(self.header)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        root.addWidget(self.banner)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(40, 24, 40, 24)
        self.body_layout.setSpacing(20)
        root.addWidget(self.body, 1)

        self.footer = QLabel()
        self.footer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.footer.setContentsMargins(12, 8, 12, 12)
        root.addWidget(self.footer)

        self.page: QWidget | None = None
        self.confirm_button: QPushButton | None = None
        self.reprint_button: QPushButton | None = None
        self.category_buttons: dict[str, QPushButton] = {}

        self._snapshot_timer = QTimer(self, singleShot=True, interval=SNAPSHOT_DEBOUNCE_MS)
        self._snapshot_timer.timeout.connect(self.refresh_snapshot)
        self._refresh_timer = QTimer(self, interval=SNAPSHOT_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_snapshot)
        self._probe_timer = QTimer(self, interval=OFFLINE_PROBE_MS)
        self._probe_timer.timeout.connect(self._probe)
        self._tick_timer = QTimer(self, interval=1000)
        self._tick_timer.timeout.connect(self._tick)
        self._printer_timer = QTimer(self, interval=PRINTER_CHECK_MS)
        self._printer_timer.timeout.connect(self._check_printer)

        connection.online_changed.connect(self._online_changed)
        if events is not None:
            events.snapshot_received.connect(self._snapshot_arrived)
            events.event_received.connect(lambda _event: self._snapshot_timer.start())
            events.connection_changed.connect(self._stream_changed)
        self._refresh_timer.start()
        self._tick_timer.start()
        self._printer_timer.start()
        self.render()

    # ------------------------------------------------------------------ helpers

    def _pt(self, size: float) -> int:
        return round(size * (1.3 if self.flow.large_text else 1.0))

    def _label(self, text: str, size: float, bold: bool = False, color: str | None = None, wrap: bool = True) -> QLabel:
        label = QLabel(text)
        label.setFont(theme.font(self._pt(size), bold))
        label.setWordWrap(wrap)
        if color:
            label.setStyleSheet(f"color: {color};")
        return label

    def _button(self, text: str, on_click: Any, kind: str = "primary", height: int = BUTTON_HEIGHT, size: float = 22) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("kind", kind)
        button.setFont(theme.font(self._pt(size), True))
        button.setMinimumHeight(height)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys (a scanner) go to the window
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(on_click)
        return button

    def t(self, zh: str, en: str) -> str:
        return self.flow.pick(zh, en)

    def _text(self, text: Text | None) -> str:
        return text.pick(self.flow.language) if text else ""

    @property
    def portrait(self) -> bool:
        if self.portrait_override is not None:
            return self.portrait_override
        return self.height() > self.width()

    # ------------------------------------------------------------------ drawing

    def render(self) -> None:
        """Redraw the header, banner and the page for the flow's step."""
        if self._closed:
            return
        flow = self.flow
        self.hall_label.setText(flow.name(flow.hall) or self.t("政务服务中心", "Government Service Centre"))
        self.hall_label.setFont(theme.font(self._pt(24), True))
        notice = flow.hall_notice()
        self.period_label.setText(self._text(notice))
        self.period_label.setFont(theme.font(self._pt(16), True))
        self.language_button.setText("English" if flow.language == "zh" else "中文")
        self.large_text_button.setText(self.t("标准字号", "Normal text") if flow.large_text else self.t("大字模式", "Large text"))
        for button in (self.language_button, self.large_text_button):
            button.setFont(theme.font(16, True))
            button.setMinimumWidth(190)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._render_banner()
        phone = flow.hall.get("complaint_phone") or "12345"
        self.footer.setText(self.t(f"服务监督电话 {phone}    不限号 · 随到随取", f"Service hotline {phone}    Tickets are never capped"))
        self.footer.setFont(theme.font(self._pt(14)))
        self.footer.setStyleSheet(f"color: {theme.GREY};")

        if self.page is not None:
            self.body_layout.removeWidget(self.page)
            self.page.hide()
            self.page.deleteLater()
        self.confirm_button = self.reprint_button = None
        self.category_buttons = {}
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
        self.page = builders[flow.step]()
        self.body_layout.addWidget(self.page)
        self.page.show()  # at once: a layout shows new children only on the next event loop pass
        self._portrait_drawn = self.portrait

    def _render_banner(self) -> None:
        flow = self.flow
        if flow.printer_trouble is not None and flow.step in (Step.HOME, Step.ITEMS, Step.MATERIALS, Step.CONFIRM):
            self.banner.setText(
                self.t(
                    f"{flow.printer_trouble.zh}。仍可取号，号码显示在屏幕上，请扫码或拍照保存",
                    f"{flow.printer_trouble.en}. Tickets are still issued and shown on screen: scan or photograph them",
                )
            )
            self.banner.setStyleSheet(f"background: {theme.RED}; color: white; padding: 10px;")
            self.banner.setFont(theme.font(self._pt(18), True))
            self.banner.show()
        else:
            self.banner.hide()

    def _title(self, text: str, layout: QVBoxLayout, size: float = 30) -> None:
        label = self._label(text, size, bold=True, color=theme.BLUE_DARK)
        layout.addWidget(label)

    def _message(self, layout: QVBoxLayout) -> None:
        if self.flow.message is not None:
            frame = QFrame(objectName="alert")
            inner = QVBoxLayout(frame)
            inner.addWidget(self._label(self._text(self.flow.message), 20, bold=True, color=theme.RED))
            layout.addWidget(frame)

    def _home_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        walk_ins = flow.accepts_walk_ins and flow.online
        if not flow.accepts_walk_ins and flow.hall:
            frame = QFrame(objectName="notice")
            inner = QVBoxLayout(frame)
            inner.addWidget(self._label(self._text(flow.hall_notice()), 26, bold=True, color="#7e5109"))
            inner.addWidget(
                self._label(self.t("有预约的群众请点击下方“预约签到”", "Booked? Tap “Appointment check-in” below"), 20, color="#7e5109")
            )
            layout.addWidget(frame)
        if flow.priority_reason:
            frame = QFrame(objectName="priority")
            inner = QHBoxLayout(frame)
            inner.addWidget(
                self._label(
                    self.t(f"绿色通道（{flow.priority_name()}）：请选择办理业务", f"Priority lane ({flow.priority_name()}): choose a service"),
                    22,
                    bold=True,
                    color=theme.GREEN,
                ),
                1,
            )
            cancel = self._button(self.t("取消绿色通道", "Cancel priority"), self._intent(flow.cancel_priority), "secondary", height=90, size=18)
            cancel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            cancel.setMinimumWidth(260)
            inner.addWidget(cancel)
            layout.addWidget(frame)
        else:
            self._title(self.t("请选择办理业务", "Please choose a service"), layout)
        self._message(layout)

        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 2 if self.portrait else 3
        for index, category in enumerate(flow.categories):
            button = self._category_button(category, enabled=walk_ins)
            self.category_buttons[str(category["series"])] = button
            grid.addWidget(button, index // columns, index % columns)
        for r in range((len(flow.categories) + columns - 1) // columns):
            grid.setRowStretch(r, 1)
        layout.addLayout(grid, 1)
        if not flow.categories:
            layout.addWidget(self._label(self.t("正在载入业务…", "Loading services…"), 24, color=theme.GREY))
            layout.addStretch(1)

        row = QHBoxLayout()
        row.setSpacing(18)
        priority = self._button(self.t("绿色通道  老年人·残疾人·孕妇等", "Priority lane  elderly · disabled · pregnant"), self._intent(flow.start_priority), "priority", BUTTON_HEIGHT)
        priority.setEnabled(walk_ins and not flow.priority_reason)
        check_in = self._button(self.t("预约签到  输入预约码", "Appointment check-in"), self._intent(flow.start_check_in), "secondary", BUTTON_HEIGHT)
        check_in.setEnabled(flow.online)
        row.addWidget(priority)
        row.addWidget(check_in)
        layout.addLayout(row)
        self.priority_button, self.check_in_button = priority, check_in
        return page

    def _category_button(self, category: dict[str, Any], enabled: bool) -> QPushButton:
        flow = self.flow
        button = QPushButton()
        button.setProperty("kind", "category")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumHeight(round(150 * (1.15 if flow.large_text else 1)))
        button.setMaximumHeight(300)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        inner = QVBoxLayout(button)
        inner.setContentsMargins(24, 12, 24, 12)
        inner.setSpacing(4)
        name = self._label(f"{category['series']}  {flow.name(category)}", 24, bold=True, color=theme.BLUE_DARK if enabled else theme.GREY)
        waiting = int(category.get("waiting") or 0)
        minutes = category.get("estimated_wait_minutes")
        if waiting == 0:
            wait_text = self.t("目前无人等候", "No one waiting")
        elif minutes is not None:
            wait_text = self.t(f"等候 {waiting} 人 · 约 {round(minutes)} 分钟", f"{waiting} waiting · about {round(minutes)} min")
        else:
            wait_text = self.t(f"等候 {waiting} 人", f"{waiting} waiting")
        detail = self._label(wait_text, 18, color=theme.GREY)
        inner.addStretch(1)
        for label in (name, detail):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            inner.addWidget(label)
        inner.addStretch(1)
        button.setEnabled(enabled)
        series = str(category["series"])
        button.clicked.connect(self._intent(lambda: flow.choose_category(series)))
        button.setAccessibleName(f"{flow.name(category)} {wait_text}")
        return button

    def _priority_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._title(self.t("绿色通道：请选择您的情况", "Priority lane: which applies to you?"), layout)
        layout.addWidget(
            self._label(self.t("特殊群体优先办理，请到窗口出示相关证件", "Served first; please show proof at the window if asked"), 20, color=theme.GREY)
        )
        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 2 if self.portrait else 3
        for index, reason in enumerate(flow.priority_reasons()):
            button = self._button(flow.priority_name(reason), self._intent(lambda r=reason: flow.choose_priority(r)), "priority", BIG_BUTTON_HEIGHT, 26)
            button.setObjectName(f"priority-{reason}")
            grid.addWidget(button, index // columns, index % columns)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(self._button(self.t("返回", "Back"), self._intent(flow.back), "secondary"))
        return page

    def _items_page(self) -> QWidget:
        flow = self.flow
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._title(self.t(f"{flow.name(flow.category())}：请选择办理事项", f"{flow.name(flow.category())}: choose what you need"), layout)
        grid = QGridLayout()
        grid.setSpacing(18)
        columns = 1 if self.portrait else 2
        for index, item in enumerate(flow.items()):
            code = str(item["code"])
            button = self._button(flow.name(item), self._intent(lambda c=code: flow.choose_item(c)), "secondary", BUTTON_HEIGHT + 10, 24)
            button.setObjectName(f"item-{code}")
            grid.addWidget(button, index // columns, index % columns)
        layout.addLayout(grid)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(18)
        row.addWidget(self._button(self.t("返回", "Back"), self._intent(flow.back), "secondary"), 1)
        skip = self._button(self.t("不确定事项，直接取号", "Not sure — just take a number"), self._intent(flow.skip_items))
        skip.setObjectName("skip-items")
        row.addWidget(skip, 2)
        layout.addLayout(row)
        return page

    def _materials_page(self) -> QWidget:
        flow = self.flow
        item = flow.item() or {}
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._title(self.t(f"一次性告知：办理“{flow.name(item)}”请带齐以下材料", f"What to bring for “{flow.name(item)}”"), layout, 28)
        card = QFrame(objectName="card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(32, 24, 32, 24)
        card_layout.setSpacing(14)
        for number, material in enumerate(flow.materials(), start=1):
            card_layout.addWidget(self._label(f"{number}.  {material}", 24))
        if not flow.materials():
            card_layout.addWidget(self._label(self.t("窗口工作人员将告知所需材料", "The clerk will tell you what is needed"), 22))
        facts = []
        days = item.get("promised_days")
        if days is not None:
            facts.append(self.t("即办件，当场办结", "done on the spot") if not days else self.t(f"承诺办结时限：{days} 个工作日", f"promised within {days} working days"))
        if item.get("fee"):
            facts.append(self.t(f"收费：{item['fee']}", f"fee: {'free' if item['fee'] == '免费' else item['fee']}"))
        if facts:
            card_layout.addSpacing(8)
            card_layout.addWidget(self._label("    ".join(facts), 20, color=theme.GREY))
        card_layout.addWidget(self._label(self.t("材料清单也会打印在号票上。", "The list is printed on your ticket too."), 18, color=theme.GREY))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(card)
        layout.addWidget(scroll, 1)
        row = QHBoxLayout()
        row.setSpacing(18)
        row.addWidget(self._button(self.t("返回", "Back"), self._intent(flow.back), "secondary"), 1)
        next_button = self._button(self.t("知道了，下一步", "Got it, next"), self._intent(flow.accept_materials))
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
        self._title(self.t("请确认取号信息", "Please confirm"), layout)
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
        waiting = int(category.get("waiting") or 0)
        minutes = category.get("estimated_wait_minutes")
        rows.append((self.t("当前等候", "Waiting now"), self.t(f"{waiting} 人", f"{waiting} people")))
        if minutes is not None:
            rows.append((self.t("预计等候", "Estimated wait"), self.t(f"约 {round(minutes)} 分钟", f"about {round(minutes)} min")))
        for index, (key, value) in enumerate(rows):
            card_layout.addWidget(self._label(key, 22, color=theme.GREY), index, 0)
            card_layout.addWidget(self._label(value, 26, bold=True), index, 1)
        card_layout.setColumnStretch(1, 1)
        layout.addWidget(card)
        self._message(layout)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(18)
        back = self._button(self.t("返回", "Back"), self._intent(flow.back), "secondary", BIG_BUTTON_HEIGHT)
        back.setEnabled(not flow.in_flight)
        row.addWidget(back, 1)
        busy = flow.step is Step.ISSUING
        confirm = self._button(self.t("正在取号…", "Issuing…") if busy else self.t("确认取号", "Take a number"), self._confirm, "go", BIG_BUTTON_HEIGHT, 30)
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
        left.addWidget(self._label(self.t("您的号码", "Your number"), 26, color=theme.GREY))
        number = self._label(str(ticket.get("number", "")), 150, bold=True, color=theme.BLUE_DARK, wrap=False)
        number.setObjectName("ticket-number")
        left.addWidget(number)
        left.addWidget(self._label(flow.name(ticket.get("category")), 28, bold=True))
        if ticket.get("priority_reason"):
            left.addWidget(self._label(self.t(f"绿色通道：{flow.priority_name(ticket['priority_reason'])}", f"Priority lane: {flow.priority_name(ticket['priority_reason'])}"), 22, True, theme.GREEN))
        if ticket.get("appointment_at"):
            left.addWidget(self._label(self.t("预约签到成功", "Appointment checked in"), 22, True, theme.GREEN))
        ahead = int(ticket.get("people_ahead") or 0)
        minutes = ticket.get("estimated_wait_minutes")
        left.addWidget(self._label(self.t(f"前面还有 {ahead} 人", f"{ahead} people ahead of you"), 26))
        if minutes is not None:
            left.addWidget(self._label(self.t(f"预计等候约 {round(minutes)} 分钟", f"Estimated wait: about {round(minutes)} min"), 26))
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
        right.addWidget(self._label(self.t("手机扫码查看排队进度", "Scan to follow the queue on your phone"), 20, color=theme.GREY), 0, Qt.AlignmentFlag.AlignHCenter)
        right.addStretch(1)
        main.addLayout(right, 2)
        outer.addLayout(main, 1)

        status = QFrame(objectName="alert" if flow.print_state is PrintState.FAULT else "card")
        status_layout = QVBoxLayout(status)
        status_layout.setContentsMargins(24, 16, 24, 16)
        if flow.print_state is PrintState.PRINTING:
            status_layout.addWidget(self._label(self.t("正在打印号票…", "Printing your ticket…"), 24, True, theme.BLUE))
        elif flow.print_state is PrintState.PRINTED:
            status_layout.addWidget(self._label(self.t("请取走号票，留意叫号", "Please take your ticket and listen for your number"), 24, True, theme.GREEN))
        elif flow.print_state is PrintState.FAULT:
            status_layout.addWidget(self._label(self.t("号票未能打印：", "Your ticket could not be printed: ") + self._text(flow.print_fault), 22, True, theme.RED))
            status_layout.addWidget(
                self._label(
                    self.t("您的号码已生效，请记住号码、拍照或扫码保存，按叫号办理。", "Your number is valid: remember it, photograph this screen or scan the code."),
                    22,
                    color=theme.RED,
                )
            )
        outer.addWidget(status)

        row = QHBoxLayout()
        row.setSpacing(18)
        reprint = self._button(self.t("重新打印", "Print again"), self._reprint, "secondary")
        reprint.setObjectName("reprint")
        reprint.setEnabled(flow.can_reprint and flow.print_state is not PrintState.PRINTING)
        reprint.setVisible(flow.can_reprint or flow.print_state is PrintState.PRINTING)
        self.reprint_button = reprint
        row.addWidget(reprint, 1)
        finish = self._button(self.t("完成", "Done"), self._intent(flow.go_home))
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
        self._title(self.t("预约签到：请输入或扫描 6 位预约码", "Appointment check-in: enter or scan your 6-digit code"), layout, 28)
        shown = " ".join(flow.code.ljust(CODE_LENGTH, "_"))
        code = self._label(shown, 54, bold=True, color=theme.BLUE_DARK, wrap=False)
        code.setObjectName("code")
        code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(code)
        self._message(layout)
        pad = QGridLayout()
        pad.setSpacing(14)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        for index, key in enumerate(keys):
            if key == "clear":
                button = self._button(self.t("清除", "Clear"), self._intent(flow.key_clear), "secondary", BUTTON_HEIGHT, 24)
            elif key == "back":
                button = self._button("⌫", self._intent(flow.key_backspace), "secondary", BUTTON_HEIGHT, 30)
            else:
                button = self._button(key, self._intent(lambda k=key: flow.key_digit(k)), "secondary", BUTTON_HEIGHT, 34)
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
        back = self._button(self.t("返回", "Back"), self._intent(flow.back), "secondary")
        back.setEnabled(not flow.in_flight)
        row.addWidget(back, 1)
        ok = self._button(self.t("正在签到…", "Checking in…") if flow.in_flight else self.t("确定签到", "Check in"), self._submit_code, "go")
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
        title = self._label(self._text(PAUSED_TEXT), 44, bold=True, color="#7e5109")
        title.setObjectName("paused")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(title)
        other = PAUSED_TEXT.en if flow.language == "zh" else PAUSED_TEXT.zh
        second = self._label(other, 26, color="#7e5109")
        second.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(second)
        detail = self._label(self._text(RECONNECTING_TEXT), 22, color=theme.GREY)
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        inner.addWidget(detail)
        if flow.pending is not None:
            inner.addWidget(
                self._label(self.t("您的取号请求尚未完成，恢复后自动继续，不会重复取号。", "Your request is not finished yet; it resumes automatically and is never doubled."), 22, True)
            )
            cancel = self._button(self.t("取消，不取号了", "Cancel"), self._intent(flow.cancel_pending), "secondary")
            cancel.setObjectName("cancel-pending")
            inner.addWidget(cancel)
        layout.addWidget(frame)
        layout.addStretch(2)
        return page

    # ------------------------------------------------------------------ intents

    def _intent(self, action: Any) -> Any:
        def run(*_args: Any) -> None:
            action()
            self.render()

        return run

    def _toggle_language(self) -> None:
        self.flow.toggle_language()
        self.render()

    def _toggle_large_text(self) -> None:
        self.flow.toggle_large_text()
        self.render()

    def _confirm(self) -> None:
        if self.confirm_button is not None:
            self.confirm_button.setEnabled(False)  # at once, before anything else can queue a second press
        request = self.flow.confirm()
        self.render()
        if request is not None:
            self._send(request)

    def _submit_code(self) -> None:
        request = self.flow.submit_code()
        self.render()
        if request is not None:
            self._send(request)

    def _send(self, request: Request) -> None:
        method, args, kwargs = request.call()
        self.connection.call(method, *args, on_done=self._issued, on_error=self._issue_failed, **kwargs)

    def _issued(self, ticket: dict[str, Any]) -> None:
        self.flow.issue_succeeded(ticket)
        self.render()
        self.ticket_shown.emit(ticket)
        self._print(ticket, reprint=False)

    def _issue_failed(self, error: ApiError) -> None:
        if isinstance(error, Offline):
            self.flow.went_offline()
            self._probe_timer.start()
        else:
            self.flow.issue_refused(Text(error.zh or "取号失败，请重试", error.en or "could not issue a ticket; please retry"))
            if error.code == "hall_not_taking_walk_ins":
                self.refresh_snapshot()
        self.render()

    def _print(self, ticket: dict[str, Any], reprint: bool) -> None:
        flow = self.flow
        slip = ticket_slip(ticket, flow.hall, flow.categories, flow.language, reprint=reprint)
        printer = self.printer
        run_in_background(lambda: printer.print_ticket(slip), self._printed, self._print_failed, self.print_pool)

    def _printed(self, _status: Any) -> None:
        self.flow.printed()
        self.render()

    def _print_failed(self, error: Exception) -> None:
        if isinstance(error, PrinterFault):
            fault = Text(error.message.zh, error.message.en)
            kind = error.kind.value
        else:
            log.exception("printing failed unexpectedly", exc_info=error)
            fault = Text("打印机故障", "printer failure")
            kind = "io_error"
        log.warning("kiosk printer fault: %s", kind)
        self.flow.print_failed(fault)
        self.printer_fault_reported.emit(kind)
        self.render()

    def _reprint(self) -> None:
        ticket = self.flow.reprint()
        self.render()
        if ticket is None:
            return

        def counted(_answer: Any) -> None:
            self._print(ticket, reprint=True)

        def refused(error: ApiError) -> None:
            self.flow.print_failed(Text(error.zh, error.en))
            self.render()

        self.connection.call("reprint", ticket["id"], on_done=counted, on_error=refused)

    # ------------------------------------------------------------------ server and printer state

    def refresh_snapshot(self) -> None:
        if self._snapshot_busy or self._closed:
            return
        self._snapshot_busy = True

        def done(snapshot: dict[str, Any]) -> None:
            self._snapshot_busy = False
            self._snapshot_arrived(snapshot)

        def failed(_error: ApiError) -> None:
            self._snapshot_busy = False

        self.connection.call("snapshot", on_done=done, on_error=failed)

    def _snapshot_arrived(self, snapshot: dict[str, Any]) -> None:
        if self._closed:
            return
        self.flow.apply_snapshot(snapshot)
        if self.flow.step in (Step.HOME, Step.CONFIRM):
            self.render()
        else:
            self.hall_label.setText(self.flow.name(self.flow.hall))

    def _online_changed(self, online: bool) -> None:
        if online:
            self._probe_timer.stop()
            request = self.flow.came_online()
            self.render()
            if request is not None:
                self._send(request)
            self.refresh_snapshot()
        else:
            self.flow.went_offline()
            self._probe_timer.start()
            self.render()

    def _stream_changed(self, connected: bool) -> None:
        if connected:
            self._snapshot_timer.start()
        else:
            self._probe()  # the socket dropped: does the API still answer?

    def _probe(self) -> None:
        if not self._closed:
            self.connection.call("health")

    def _tick(self) -> None:
        if self.flow.tick():
            self.render()
        elif self.flow.step is Step.DONE and self.reprint_button is not None and self.reprint_button.isVisible() != self.flow.can_reprint:
            self.render()

    def _check_printer(self) -> None:
        if self.flow.printer_trouble is None:
            return
        printer = self.printer

        def seen(status: Any) -> None:
            if status.can_print and self.flow.printer_trouble is not None:
                self.flow.printer_trouble = None
                self.render()

        run_in_background(printer.status, seen, None, self.print_pool)

    # ------------------------------------------------------------------ Qt events

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A barcode scanner types the booking code and Enter, like a keyboard."""
        text = event.text()
        if text and text.isdigit():
            self.flow.key_digit(text)
            self.render()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._submit_code()
        elif event.key() == Qt.Key.Key_Backspace:
            self.flow.key_backspace()
            self.render()
        elif event.key() == Qt.Key.Key_Escape:
            self.flow.back()
            self.render()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._portrait_drawn is not None and self._portrait_drawn != self.portrait:
            self.render()

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.flow.touch()
        return super().event(event)

    def shutdown(self) -> None:
        """Stop timers and the event stream (tests, demo exit)."""
        self._closed = True
        for timer in (self._snapshot_timer, self._refresh_timer, self._probe_timer, self._tick_timer, self._printer_timer):
            timer.stop()
        if self.events is not None:
            self.events.stop()
        self.print_pool.waitForDone(5000)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
