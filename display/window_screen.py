"""The monitor above one window: its number and name, what the window is doing, and the clerk's
card (岗位公示: photo, name, staff number, department and the categories the window serves; the
photo comes from :class:`ui.photo_loader.ClerkPhotoLoader`, the initial until then). Painted in proportion to its size like the hall
screen; draws the same :class:`~display.model.HallScreenModel`.

What it says follows the hall's one definition of who serves (:mod:`hall.serving`): a number
that is called ("请 A023 号到本窗口", flashing), a number being served ("正在办理"), ready for the
next number, paused with the reason, closed, or no clerk at the window ("暂无人员在岗") — never
"now serving" at a window where nobody is.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QWidget

from display.hall_screen import BG, FLASH, LOCAL, MUTED, NUMBER, OFFLINE, PANEL, TEXT, _draw, fit_font
from display.model import HallScreenModel, Update
from hall.serving import Staffing
from ui import theme

PAUSED_TEXT = "暂停服务"
PAUSED_TEXT_EN = "Paused"
CLOSED_TEXT = "暂停办理  Closed"
UNSTAFFED_TEXT = "暂无人员在岗"
UNSTAFFED_TEXT_EN = "No clerk at this window"
UNSTAFFED_HINT = "请留意其他窗口叫号  Please watch for calls at other windows"
CALLED_TITLE = "请以下号码到本窗口  Please come to this window"
SERVING_TITLE = "正在办理  Now serving"
READY_TEXT = "等待叫号  Ready for the next number"
# Paused: dark text on amber, far above WCAG AA's 4.5:1 (the old amber-on-brown was not).
PAUSED_BG = QColor("#f2b01e")
PAUSED_FG = QColor("#1b1300")


class Phase:
    """What the window screen shows, in the order it is decided."""

    NONE = ""
    CLOSED = "closed"
    PAUSED = "paused"
    UNSTAFFED = "unstaffed"
    CALLED = "called"
    SERVING = "serving"
    READY = "ready"


class WindowScreen(QWidget):
    def __init__(self, model: HallScreenModel, window_number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.window_number = window_number
        self.online = False
        self.photo: QPixmap | None = None  # the clerk's 岗位公示 photo, set by the display window
        self.flash_on = False
        self._flash_left = 0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 180)
        self._flash = QTimer(self)
        self._flash.timeout.connect(self._blink)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.update)
        self._clock.start(1000)

    def sizeHint(self) -> QSize:
        return QSize(1280, 720)

    def model_updated(self, update: Update) -> None:
        call = update.new_call
        if call is not None and call.window == self.window_number:
            self._flash_left = 12
            self.flash_on = True
            self._flash.start(500)
        self.update()

    def set_online(self, online: bool) -> None:
        self.online = online
        self.update()

    def _blink(self) -> None:
        self._flash_left -= 1
        self.flash_on = self._flash_left > 0 and not self.flash_on
        if self._flash_left <= 0:
            self._flash.stop()
        self.update()

    # -- what is shown (also read by tests) ------------------------------------------------------

    @property
    def phase(self) -> str:
        window = self.model.windows.get(self.window_number)
        if window is None:
            return Phase.NONE
        if window.current:
            # A ticket still at the window is shown whatever else changed (the clerk must finish it).
            return Phase.SERVING if window.current_status == "serving" else Phase.CALLED
        return {
            Staffing.CLOSED: Phase.CLOSED,
            Staffing.PAUSED: Phase.PAUSED,
            Staffing.UNSTAFFED: Phase.UNSTAFFED,
        }.get(window.staffing, Phase.READY)

    @property
    def title_text(self) -> str:
        """The line above the big number or state (read by tests)."""
        return {Phase.CALLED: CALLED_TITLE, Phase.SERVING: SERVING_TITLE, Phase.READY: READY_TEXT}.get(self.phase, "")

    @property
    def status_text(self) -> str:
        window = self.model.windows.get(self.window_number)
        if window is None:
            return ""
        if window.paused:
            return f"{PAUSED_TEXT} / {PAUSED_TEXT_EN}"
        if window.state == "closed":
            return CLOSED_TEXT
        if window.current:
            return window.current
        if window.staffing is Staffing.UNSTAFFED:
            return f"{UNSTAFFED_TEXT} / {UNSTAFFED_TEXT_EN}"
        return ""

    @property
    def serves_text(self) -> str:
        """The categories the window serves, by name: the post part of 岗位公示 (read by tests)."""
        window = self.model.windows.get(self.window_number)
        if window is None or not window.series:
            return ""
        names = [self.model.categories[s].name_zh if s in self.model.categories else s for s in window.series]
        return "办理 Serves：" + "、".join(names)

    def _draw_photo(self, p: QPainter, card: QRectF, top: float, u: float, initial: str) -> float:
        """The clerk's photo (or their initial on a tinted frame) at the top of the card; returns the y below it."""
        height = min(27 * u, card.width() * 0.75 * 1.25)  # leaves room for four lines under it
        frame = QRectF(card.center().x() - height * 0.4, top, height * 0.8, height)
        if self.photo is not None and not self.photo.isNull():
            p.drawPixmap(frame.toRect(), self.photo)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#34506f"))
            p.drawRoundedRect(frame, 1.2 * u, 1.2 * u)
            _draw(p, frame, initial, fit_font(initial, frame, frame.height() * 0.5, True), TEXT, Qt.AlignmentFlag.AlignCenter)
        return frame.bottom() + 1.5 * u

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = float(self.width()), float(self.height())
        u = h / 100
        p.fillRect(QRectF(0, 0, w, h), BG)
        window = self.model.windows.get(self.window_number)
        left, right = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        center = Qt.AlignmentFlag.AlignCenter
        # Header: window number and name, clock.
        header = QRectF(0, 0, w, 18 * u)
        p.fillRect(header, QColor(theme.BLUE_DARK))
        badge = QRectF(2 * u, 2 * u, 22 * u, 14 * u)
        p.fillRect(badge, QColor(theme.BLUE))
        number = f"{self.window_number}"
        _draw(p, badge, number, fit_font(number, badge, 11 * u, True), TEXT, center)
        name = window.name_zh if window else f"{self.window_number} 号窗口"
        name_rect = QRectF(badge.right() + 2 * u, 1.5 * u, w * 0.62 - badge.right(), 9 * u)
        _draw(p, name_rect, name, fit_font(name, name_rect, 8 * u, True), TEXT, left)
        en = f"Window {self.window_number}" + (f" · {window.name_en}" if window and window.name_en else "")
        en_rect = QRectF(name_rect.left(), name_rect.bottom(), name_rect.width(), 6 * u)
        _draw(p, en_rect, en, fit_font(en, en_rect, 4.5 * u), MUTED, left)
        clock = self.model.server_now().astimezone(LOCAL).strftime("%H:%M")
        _draw(p, QRectF(w * 0.7, 0, w * 0.3 - 2 * u, header.height()), clock, fit_font(clock, QRectF(0, 0, w * 0.28, 1), 9 * u, True),
              TEXT, right)
        # Body: the current number, or paused / closed.
        card_w = w * 0.32
        body = QRectF(2 * u, header.bottom() + 2 * u, w - card_w - 6 * u, h - header.bottom() - 4 * u)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(FLASH if self.flash_on else PANEL)
        p.drawRoundedRect(body, 1.5 * u, 1.5 * u)
        phase = self.phase
        if phase == Phase.PAUSED and window is not None:
            p.setBrush(PAUSED_BG)
            p.drawRoundedRect(body, 1.5 * u, 1.5 * u)
            main = QRectF(body.left(), body.top() + body.height() * 0.12, body.width(), body.height() * 0.4)
            _draw(p, main, PAUSED_TEXT, fit_font(PAUSED_TEXT, main.adjusted(2 * u, 0, -2 * u, 0), main.height() * 0.8, True), PAUSED_FG,
                  center)
            sub = QRectF(body.left(), main.bottom(), body.width(), body.height() * 0.18)
            _draw(p, sub, PAUSED_TEXT_EN, fit_font(PAUSED_TEXT_EN, sub, sub.height() * 0.7, True), PAUSED_FG, center)
            reason = window.pause_reason or ""
            if window.paused_since is not None:
                reason = (reason + "  " if reason else "") + "自 " + window.paused_since.astimezone(LOCAL).strftime("%H:%M") + " 起"
            why = QRectF(body.left() + 2 * u, sub.bottom(), body.width() - 4 * u, body.height() * 0.2)
            _draw(p, why, reason, fit_font(reason, why, why.height() * 0.5, True), PAUSED_FG, center)
        elif phase == Phase.CLOSED:
            _draw(p, body, CLOSED_TEXT, fit_font(CLOSED_TEXT, body.adjusted(2 * u, 0, -2 * u, 0), body.height() * 0.2, True), MUTED, center)
        elif phase == Phase.UNSTAFFED:
            main = QRectF(body.left() + 2 * u, body.top() + body.height() * 0.2, body.width() - 4 * u, body.height() * 0.3)
            _draw(p, main, UNSTAFFED_TEXT, fit_font(UNSTAFFED_TEXT, main, main.height() * 0.7, True), TEXT, center)
            sub = QRectF(body.left() + 2 * u, main.bottom(), body.width() - 4 * u, body.height() * 0.16)
            _draw(p, sub, UNSTAFFED_TEXT_EN, fit_font(UNSTAFFED_TEXT_EN, sub, sub.height() * 0.6, True), TEXT, center)
            hint = QRectF(body.left() + 2 * u, sub.bottom() + 2 * u, body.width() - 4 * u, body.height() * 0.12)
            _draw(p, hint, UNSTAFFED_HINT, fit_font(UNSTAFFED_HINT, hint, hint.height() * 0.6), MUTED, center)
        elif phase in (Phase.CALLED, Phase.SERVING) and window is not None and window.current:
            title = QRectF(body.left() + 2 * u, body.top() + u, body.width() - 4 * u, body.height() * 0.16)
            _draw(p, title, self.title_text, fit_font(self.title_text, title, title.height() * 0.6, True), TEXT, center)
            main = QRectF(body.left() + 2 * u, title.bottom(), body.width() - 4 * u, body.height() * 0.7)
            _draw(p, main, window.current, fit_font(window.current, main, main.height() * 0.75, True), NUMBER, center)
        else:
            _draw(p, body, READY_TEXT, fit_font(READY_TEXT, body.adjusted(4 * u, 0, -4 * u, 0), body.height() * 0.09), MUTED, center)
        # Clerk card.
        card = QRectF(body.right() + 2 * u, body.top(), card_w, body.height())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(card, 1.5 * u, 1.5 * u)
        clerk = window.clerk if window else None
        y = card.top() + 2 * u

        def draw_rows(rows: list[tuple[str, QColor, float, bool]], y: float) -> float:
            for text, color, px, bold in rows:
                rr = QRectF(card.left() + 2 * u, y, card.width() - 4 * u, px * 1.5)
                _draw(p, rr, text, fit_font(text, rr, px, bold), color, center)
                y += px * 1.7
            return y

        y = draw_rows([("岗位公示  Clerk on duty", MUTED, 4.5 * u, False)], y)
        if clerk:
            y = self._draw_photo(p, card, y, u, str(clerk.get("name", "") or "?")[:1])
            draw_rows(
                [
                    (str(clerk.get("name", "")), TEXT, 9 * u, True),
                    (f"工号 No. {clerk.get('staff_no', '')}", TEXT, 5 * u, False),
                    (str(clerk.get("department", "") or ""), MUTED, 4.5 * u, False),
                    (self.serves_text, MUTED, 4 * u, False),
                ],
                y,
            )
        else:
            draw_rows([("暂无人员登录", MUTED, 6 * u, False), ("No clerk signed in", MUTED, 4.5 * u, False)], y)
        if not self.online:
            band = QRectF(0, h - 9 * u, w, 9 * u)
            p.fillRect(band, OFFLINE)
            text = "网络中断，正在重新连接…  Offline, reconnecting…"
            _draw(p, band, text, fit_font(text, band, 5 * u, True), TEXT, center)
        p.end()
