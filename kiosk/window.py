"""The kiosk's touch screen: pages drawn from :class:`~kiosk.flow.KioskFlow`, intents sent back to it.

The widgets hold no rules. Every touch calls a flow intent and redraws; server calls go through
:class:`~ui.connection.ServerConnection` (a worker thread) and printing through a one-thread pool of
its own, so the GUI thread never waits for the network or the printer. Category buttons show the
live queue from the hall's event stream (each event asks for a fresh snapshot, at most a few times
a second). Landscape 1920×1080 and portrait 1080×1920 differ only in how many columns a grid has.

The printer is asked for its status every few seconds on the same one-thread pool as the slips, so
a paper-out shows the warning before a citizen presses and a refilled roll clears it; the window
keeps the printer's health (hardware.printer.status.printer_health) for the program's heartbeat
(ui.heartbeat, attached by the composition root) and says ``devices_changed`` when it changes.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hardware.printer import FaultKind, PrinterFault, PrinterStatus, Readiness, TicketPrinter
from hardware.printer.status import printer_health
from kiosk.card import CardHolder
from kiosk.card_reader import CardReaderBridge, ScannerFilter
from kiosk.flow import KioskFlow, Request, Step, Text
from kiosk.guidance import GuidanceSpeaker
from kiosk.pages import PageBuilder
from kiosk.palette import palette_for
from kiosk.phone_entry import PhoneDialog, PhoneEntry
from server.client import ApiError, Offline
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.heartbeat import DeviceStates, Heartbeat
from ui.slip import ticket_slip
from ui.worker import run_in_background

log = logging.getLogger(__name__)

SNAPSHOT_DEBOUNCE_MS = 300
SNAPSHOT_REFRESH_MS = 30_000  # the hall's period (lunch, closed) changes with the clock, not by events
OFFLINE_PROBE_MS = 1500
PRINTER_POLL_MS = 3_000  # as often as the heartbeat: the manager hears of an empty roll within seconds



class KioskWindow(QWidget):
    """The kiosk screen. ``printer_fault_reported`` says a slip failed (FaultKind value); the manager
    learns of printer trouble from the heartbeat (``device_states``, ``devices_changed``)."""

    ticket_shown = Signal(dict)
    printer_fault_reported = Signal(str)  # FaultKind value
    devices_changed = Signal()

    def __init__(
        self,
        connection: ServerConnection,
        printer: TicketPrinter,
        flow: KioskFlow | None = None,
        events: EventStream | None = None,
        portrait: bool | None = None,
        guidance: GuidanceSpeaker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._style_for: bool | None = None  # the high-contrast state the style sheet was built for
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle("取号机 / Ticket kiosk")
        self.connection = connection
        self.printer = printer
        self.flow = flow or KioskFlow()
        self.events = events
        self.guidance = guidance
        self._read_screen: tuple[object, ...] | None = None  # what large mode last read aloud
        self.portrait_override = portrait
        self._portrait_drawn: bool | None = None
        self._snapshot_busy = False
        self._closed = False
        self.print_pool = QThreadPool(self)
        self.print_pool.setMaxThreadCount(1)  # one slip at a time, in order, never on the GUI thread
        self.heartbeat: Heartbeat | None = None
        self.printer_health: dict[str, str] | None = None  # None until the printer first answered
        self._printer_status: PrinterStatus | None = None  # the last status seen (poll or slip)
        self._slip_fault: FaultKind | None = None  # a failed slip, held until the manager has heard of it
        self._slip_fault_beats: list[DeviceStates] = []
        self._poll_busy = False
        self.card_reader: CardReaderBridge | None = None  # the ID card reader, when the kiosk has one
        self.scanner: ScannerFilter | None = None  # the QR scanner's key filter on the application

        self.page_builder = PageBuilder(self.flow, self._intent, self._confirm, self._submit_code, self._reprint)
        self.page_builder.sms_signup = self._open_sms_signup
        self.phone_dialog: PhoneDialog | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.header = QFrame(objectName="header")
        header_layout = QHBoxLayout(self.header)
        header_layout.setContentsMargins(32, 14, 24, 14)
        self.hall_label = QLabel()
        self.period_label = QLabel()
        self.language_button = self.page_builder.button("English", self._toggle_language, "header", height=72)
        self.large_text_button = self.page_builder.button("大字", self._toggle_large_text, "header", height=72)
        self.large_text_button.setObjectName("large-text")
        self.contrast_button = self.page_builder.button("高对比度", self._toggle_high_contrast, "header", height=72)
        self.contrast_button.setObjectName("high-contrast")
        self.read_aloud_button = self.page_builder.button("读给我听", self.read_aloud, "header", height=72)
        self.read_aloud_button.setObjectName("read-aloud")
        header_layout.addWidget(self.hall_label, 1)
        header_layout.addWidget(self.period_label)
        header_layout.addSpacing(16)
        for button in (self.read_aloud_button, self.large_text_button, self.contrast_button, self.language_button):
            header_layout.addWidget(button)
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
        self.priority_button: QPushButton | None = None
        self.check_in_button: QPushButton | None = None

        self._snapshot_timer = QTimer(self, singleShot=True, interval=SNAPSHOT_DEBOUNCE_MS)
        self._snapshot_timer.timeout.connect(self.refresh_snapshot)
        self._refresh_timer = QTimer(self, interval=SNAPSHOT_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_snapshot)
        self._probe_timer = QTimer(self, interval=OFFLINE_PROBE_MS)
        self._probe_timer.timeout.connect(self._probe)
        self._tick_timer = QTimer(self, interval=1000)
        self._tick_timer.timeout.connect(self._tick)
        self._printer_timer = QTimer(self, interval=PRINTER_POLL_MS)
        self._printer_timer.timeout.connect(self.poll_printer)

        connection.online_changed.connect(self._online_changed)
        if events is not None:
            events.snapshot_received.connect(self._snapshot_arrived)
            events.event_received.connect(lambda _event: self._snapshot_timer.start())
            events.connection_changed.connect(self._stream_changed)
        self._refresh_timer.start()
        self._tick_timer.start()
        self._printer_timer.start()
        self.render()
        self.poll_printer()

    # ------------------------------------------------------------------ helpers

    def _pt(self, size: float) -> int:
        return self.page_builder.pt(size)

    def t(self, zh: str, en: str) -> str:
        return self.page_builder.t(zh, en)

    def _text(self, text: Text | None) -> str:
        return self.page_builder.text(text)

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
        # portrait: the header's four mode buttons leave no room for a hall name in large type
        self.hall_label.setFont(theme.font(24 if self.portrait else self._pt(24), True))
        notice = flow.hall_notice()
        self.period_label.setText(self._text(notice))
        self.period_label.setFont(theme.font(self._pt(16), True))
        # portrait is 1080 px wide: the period notice wraps rather than widen the window past the screen
        self.period_label.setWordWrap(self.portrait)
        self.period_label.setMaximumWidth(170 if self.portrait else 16_777_215)
        if self._style_for != flow.high_contrast:
            self.setStyleSheet(palette_for(flow.high_contrast).stylesheet())
            self._style_for = flow.high_contrast
        colors = palette_for(flow.high_contrast)
        self.language_button.setText("English" if flow.language == "zh" else "中文")
        # The mode buttons say what they turn on, and show (filled) when it is on.
        self.large_text_button.setText(self.t("大字模式 ✓", "Large text ✓") if flow.large_text else self.t("大字模式", "Large text"))
        self.contrast_button.setText(self.t("高对比度 ✓", "High contrast ✓") if flow.high_contrast else self.t("高对比度", "High contrast"))
        self.read_aloud_button.setText(self.t("读给我听", "Read aloud"))
        self.read_aloud_button.setVisible(self.guidance is not None)
        compact = self.portrait or flow.language == "en"
        for button, active in (
            (self.read_aloud_button, False),
            (self.large_text_button, flow.large_text),
            (self.contrast_button, flow.high_contrast),
            (self.language_button, False),
        ):
            button.setProperty("active", "true" if active else "false")
            button.style().unpolish(button)
            button.style().polish(button)
            button.setFont(theme.font(15 if compact else 17, True))
            button.setMinimumWidth(150 if compact else 190)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._render_banner()
        phone = flow.hall.get("complaint_phone") or "12345"
        if flow.accepts_walk_ins:
            self.footer.setText(self.t(f"服务监督电话 {phone}    不限号 · 随到随取", f"Service hotline {phone}    Tickets are never capped"))
        else:  # "随到随取" would promise a number now
            self.footer.setText(self.t(f"服务监督电话 {phone}    开放时间内不限号", f"Service hotline {phone}    Tickets are never capped in opening hours"))
        self.footer.setFont(theme.font(self._pt(14)))
        self.footer.setStyleSheet(f"color: {colors.muted};")

        if self.page is not None:
            self.body_layout.removeWidget(self.page)
            self.page.hide()
            self.page.deleteLater()
        built = self.page_builder
        self.page = built.build(flow.step, self.portrait)
        self.confirm_button, self.reprint_button, self.category_buttons = built.confirm_button, built.reprint_button, built.category_buttons
        self.priority_button, self.check_in_button = built.priority_button, built.check_in_button
        self.body_layout.addWidget(self.page)
        self.page.show()  # at once: a layout shows new children only on the next event loop pass
        self._portrait_drawn = self.portrait
        self._auto_read()

    def _render_banner(self) -> None:
        flow = self.flow
        if flow.printer_trouble is not None and flow.step in (Step.HOME, Step.ITEMS, Step.MATERIALS, Step.CONFIRM):
            self.banner.setText(
                self.t(
                    f"{flow.printer_trouble.zh}。仍可取号，号码显示在屏幕上，请扫码或拍照保存",
                    f"{flow.printer_trouble.en}. Tickets are still issued and shown on screen: scan or photograph them",
                )
            )
            colors = palette_for(flow.high_contrast)
            self.banner.setStyleSheet(f"background: {colors.banner}; color: {colors.banner_text}; border: 2px solid {colors.banner_text}; padding: 10px;")
            self.banner.setFont(theme.font(self._pt(18), True))
            self.banner.show()
        else:
            self.banner.hide()

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

    def _toggle_high_contrast(self) -> None:
        self.flow.toggle_high_contrast()
        self.render()

    # ------------------------------------------------------------------ spoken guidance

    def read_aloud(self) -> None:
        """读给我听: read the current screen's title and choices in the hall's voice."""
        self.flow.touch()
        if self.guidance is None:
            return
        if not self.guidance.available:
            self.flow.message = self.guidance.unavailable_text
            self.render()
            return
        self.guidance.read(self.page_builder.spoken, self.flow.language)

    def _auto_read(self) -> None:
        """Large mode reads each new screen (a new step, page of choices or language) by itself;
        redraws of the same screen (a queue count changed) are not read again."""
        flow = self.flow
        if self.guidance is None or not self.guidance.available:
            return
        screen = (flow.step, flow.first_choice(), flow.language, flow.series, flow.item_code, flow.print_state)
        if not flow.large_text:
            self._read_screen = None
            return
        if screen != self._read_screen and flow.step not in (Step.ISSUING, Step.PRINTING):
            self._read_screen = screen
            self.guidance.read(self.page_builder.spoken, flow.language)
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

    def _open_sms_signup(self) -> None:
        """短信提醒: the big keypad for the ticket on screen (optional; kiosk.phone_entry)."""
        ticket = self.flow.ticket or {}
        if not ticket.get("id"):
            return
        self.flow.touch()

        def send(phone: str, on_done: Any, on_error: Any) -> None:
            self.connection.call("notify_phone", int(ticket["id"]), phone, on_done=on_done, on_error=on_error)

        self.phone_dialog = PhoneDialog(PhoneEntry(int(ticket["id"])), send, self.flow.language, self)
        self.phone_dialog.open()

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
            self.flow.issue_refused(Text(error.zh or "取号失败，请重试", error.en or "could not issue a ticket; please retry"), error.code)
            if error.code == "hall_not_taking_walk_ins":
                self.refresh_snapshot()
        self.render()

    def _print(self, ticket: dict[str, Any], reprint: bool) -> None:
        flow = self.flow
        slip = ticket_slip(ticket, flow.hall, flow.categories, flow.language, reprint=reprint)
        printer = self.printer
        run_in_background(lambda: printer.print_ticket(slip), self._printed, self._print_failed, self.print_pool)

    def _printed(self, status: Any) -> None:
        self._slip_fault = None
        if isinstance(status, PrinterStatus):
            self._printer_status = status  # seen just before this slip: fresher than the last poll
        self.flow.printed()
        self._printer_changed()
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
        self._slip_fault = FaultKind(kind)
        self._slip_fault_beats = []
        self.flow.print_failed(fault)
        self.printer_fault_reported.emit(kind)
        self._printer_changed()
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
        mode_changed = self.flow.apply_snapshot(snapshot)
        if mode_changed or self.flow.step in (Step.HOME, Step.CONFIRM):
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
            self._fetch_id_key()
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

    # ------------------------------------------------------------------ printer health

    def attach_heartbeat(self, heartbeat: Heartbeat) -> None:
        """The program's heartbeat sends ``device_states``; a change of the printer's is sent at once."""
        self.heartbeat = heartbeat
        self.devices_changed.connect(heartbeat.changed)

    def device_states(self) -> DeviceStates:
        """The kiosk's devices for the heartbeat: the printer, once it has answered; the ID card reader."""
        states = {"printer": dict(self.printer_health)} if self.printer_health is not None else {}
        if self.card_reader is not None:
            states["idcard"] = self.card_reader.health_state()
        if self._slip_fault is not None:
            self._slip_fault_beats.append(states)  # the very dict the heartbeat sends and, once accepted, keeps
            del self._slip_fault_beats[:-50]
        return states

    def poll_printer(self) -> None:
        """Ask the printer how it is, on the print pool (never the GUI thread), one question at a time."""
        if self._closed or self._poll_busy:
            return
        self._poll_busy = True
        run_in_background(self.printer.status, self._printer_seen, self._printer_poll_failed, self.print_pool)

    def _printer_seen(self, status: PrinterStatus) -> None:
        self._poll_busy = False
        if self._closed:
            return
        self._printer_status = status
        if status.readiness is Readiness.READY and self._slip_fault is not None and self._slip_fault_delivered():
            self._slip_fault = None  # the printer says it is fine again and the manager has seen the fault
        self._printer_changed()

    def _printer_poll_failed(self, error: Exception) -> None:  # status() never raises; a bug must not stop the polls
        self._poll_busy = False
        log.warning("printer status poll failed: %s", error)

    def _slip_fault_delivered(self) -> bool:
        if self.heartbeat is None:
            return True
        return any(sent is mine for sent in self.heartbeat.sent for mine in self._slip_fault_beats)

    def _printer_changed(self) -> None:
        """Bring the warning banner and the heartbeat's printer state up to date with what is known.
        A failed slip outweighs a printer that says nothing is wrong until a heartbeat carried it:
        a fault that lasted one slip (a cable knocked loose) still reaches the manager."""
        status = self._printer_status
        if self._slip_fault is not None and (status is None or status.fault is None):
            status = PrinterStatus.failed(self._slip_fault)
        if status is None:
            return
        fault = Text(status.message.zh, status.message.en) if status.fault is not None else None
        if self.flow.printer_checked(fault, ready=status.readiness is Readiness.READY):
            self._render_banner()
        health = printer_health(status)
        if health != self.printer_health:
            self.printer_health = health
            self.devices_changed.emit()

    # ------------------------------------------------------------------ ID card and QR scanner (kiosk.card_reader)

    def attach_card_reader(self, reader: CardReaderBridge) -> None:
        """Cards read become check-ins (or a walk-in under 一人一号); the hall key is fetched now."""
        self.card_reader = reader
        reader.holder_read.connect(self.card_read)
        reader.card_refused.connect(self._card_refused)
        reader.key_wanted.connect(self._fetch_id_key)
        self._fetch_id_key()

    def attach_scanner(self, scanner: ScannerFilter) -> None:
        self.scanner = scanner
        scanner.scanned.connect(self.scanned)

    def _fetch_id_key(self) -> None:
        reader = self.card_reader
        if reader is None or reader.has_key or self._closed:
            return
        self.connection.call("id_key", on_done=reader.set_key, on_error=lambda _error: None)

    def card_read(self, holder: CardHolder) -> None:
        self._render_and_send(self.flow.card_read(holder))

    def _card_refused(self, message: Text) -> None:
        if self.flow.step in (Step.HOME, Step.CHECK_IN, Step.CONFIRM) and not self.flow.in_flight:
            self.flow.message = message
            self.render()

    def scanned(self, text: str) -> None:
        self._render_and_send(self.flow.scanned(text))

    def _render_and_send(self, request: Request | None) -> None:
        self.render()
        if request is not None:
            self._send(request)

    # ------------------------------------------------------------------ Qt events

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A barcode scanner types the booking code and Enter, like a keyboard."""
        text = event.text()
        if text and text.isascii() and text.isalnum():
            before = (self.flow.step, self.flow.code)
            self.flow.key_digit(text)
            if (self.flow.step, self.flow.code) != before:  # a scanner's burst on another page changes nothing: no redraw per key
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
        """Stop timers, the printer poll, the heartbeat and the event stream (tests, demo exit)."""
        self._closed = True
        for timer in (self._snapshot_timer, self._refresh_timer, self._probe_timer, self._tick_timer, self._printer_timer):
            timer.stop()
        if self.guidance is not None:
            self.guidance.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.events is not None:
            self.events.stop()
        if self.card_reader is not None:
            self.card_reader.stop()
        self.print_pool.waitForDone(5000)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
