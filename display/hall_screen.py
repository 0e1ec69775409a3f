"""The hall screen: the latest call, large and flashing; the recent calls; how many wait in each
category; a scrolling ticker with the hall's notices and the 12345 hotline; the hall name and a
clock; and a banner when the stream is offline or the voice is silent.

Everything is painted in proportion to the widget's size (one unit = 1 % of the height), so the
same code fills a 1080p landscape screen, a portrait totem and a 4K wall; the called number's
glyphs are always at least a sixth of the screen height. The widget holds no rules: it draws a
:class:`~display.model.HallScreenModel`.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget

from display.model import HallScreenModel, Update
from ui import theme

BG = QColor("#0b1f3a")
PANEL = QColor("#12305a")
PANEL_LIGHT = QColor("#1b3f72")
TEXT = QColor("#ffffff")
MUTED = QColor("#a9bdd6")
NUMBER = QColor("#ffd54a")
FLASH = QColor("#c0392b")
OFFLINE = QColor(theme.RED)
WARN = QColor(theme.AMBER)

FLASH_SECONDS = 8
CALL_TITLE = "请以下号码到窗口办理  Now calling"
TICKER_PX_PER_SECOND_PER_UNIT = 9.0   # ticker speed: ~9 % of the height per second


def _font(px: float, bold: bool = False) -> QFont:
    f = QFont(QApplication.font())
    f.setPixelSize(max(6, round(px)))
    f.setBold(bold)
    return f


def fit_font(text: str, rect: QRectF, px: float, bold: bool = False) -> QFont:
    """The font at ``px`` pixels, shrunk only as far as needed for ``text`` to fit ``rect``'s width."""
    f = _font(px, bold)
    width = QFontMetricsF(f).horizontalAdvance(text)
    if width > rect.width() > 0:
        f.setPixelSize(max(6, int(px * rect.width() / width)))
    return f


def number_font(text: str, area: QRectF, min_glyph_px: float) -> QFont:
    """The biggest bold font whose glyphs for ``text`` fit ``area`` with a margin, but never with
    glyphs shorter than ``min_glyph_px`` (the rule: a called number is ≥ 1/6 of the screen)."""
    f = _font(100, True)
    tight = QFontMetricsF(f).tightBoundingRect(text or "0")
    scale = min(area.height() * 0.9 / max(tight.height(), 1), area.width() * 0.95 / max(tight.width(), 1))
    scale = max(scale, min_glyph_px / max(tight.height(), 1))
    return _font(100 * scale, True)


def _draw(painter: QPainter, rect: QRectF, text: str, font: QFont, color: QColor, flags: int) -> None:
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(rect, flags, text)


LOCAL = timezone(timedelta(hours=8))   # the hall's clock; Asia/Shanghai has no DST


class HallScreen(QWidget):
    """Paints the hall display from ``model``. Call :meth:`model_updated` after each change."""

    def __init__(self, model: HallScreenModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.online = False
        self.voice_warning = ""
        self.flash_on = False
        self._flash_left = 0
        self._ticker_offset = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(480, 320)
        self._flash = QTimer(self)
        self._flash.timeout.connect(self._blink)
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self._scroll)
        self._ticker.start(40)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.update)
        self._clock.start(1000)
        self.number_rect = QRectF()
        self.number_font_px = 0

    def sizeHint(self) -> QSize:
        return QSize(1920, 1080)

    # -- inputs ---------------------------------------------------------------------------------

    def model_updated(self, update: Update) -> None:
        if update.new_call is not None:
            self._flash_left = FLASH_SECONDS * 2
            self.flash_on = True
            self._flash.start(500)
        self.update()

    def set_online(self, online: bool) -> None:
        self.online = online
        self.update()

    def set_voice_warning(self, text: str) -> None:
        self.voice_warning = text
        self.update()

    @property
    def banner_text(self) -> str:
        if not self.online:
            return "网络中断，正在重新连接…  Offline, reconnecting…"
        return ""

    def ticker_text(self) -> str:
        hall = self.model.hall
        parts = list(hall.notices)
        if hall.notice:
            parts.insert(0, hall.notice)
        phone = hall.complaint_phone or "12345"
        if not any("12345" in p for p in parts):
            parts.append("服务不满意请拨打 12345 政务服务便民热线")
        if phone != "12345":
            parts.append(f"投诉电话 Complaints: {phone}")
        return "　　◆　　".join(parts)

    def _blink(self) -> None:
        self._flash_left -= 1
        self.flash_on = self._flash_left > 0 and not self.flash_on
        if self._flash_left <= 0:
            self._flash.stop()
            self.flash_on = False
        self.update()

    def _scroll(self) -> None:
        self._ticker_offset += self.height() / 100 * TICKER_PX_PER_SECOND_PER_UNIT * 0.04
        self.update(0, int(self.height() * 0.93), self.width(), self.height())

    # -- painting -------------------------------------------------------------------------------

    @property
    def portrait(self) -> bool:
        return self.height() > self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = float(self.width()), float(self.height())
        u = h / 100
        p.fillRect(QRectF(0, 0, w, h), BG)
        header = QRectF(0, 0, w, 8 * u if not self.portrait else 6 * u)
        ticker = QRectF(0, h - 7 * u if not self.portrait else h - 5 * u, w, 7 * u if not self.portrait else 5 * u)
        body = QRectF(0, header.bottom(), w, ticker.top() - header.bottom())
        self._paint_header(p, header, u)
        m = 1.2 * u
        if self.portrait:
            call = QRectF(m, body.top() + m, w - 2 * m, 40 * u)
            recent = QRectF(m, call.bottom() + m, w - 2 * m, 24 * u)
            waiting = QRectF(m, recent.bottom() + m, w - 2 * m, body.bottom() - recent.bottom() - 2 * m)
        else:
            left = w * 0.6
            call = QRectF(m, body.top() + m, left - 1.5 * m, body.height() * 0.6)
            waiting = QRectF(m, call.bottom() + m, left - 1.5 * m, body.bottom() - call.bottom() - 2 * m)
            recent = QRectF(left + 0.5 * m, body.top() + m, w - left - 1.5 * m, body.height() - 2 * m)
        self._paint_call(p, call, u)
        self._paint_recent(p, recent, u)
        self._paint_waiting(p, waiting, u)
        self._paint_ticker(p, ticker, u)
        self._paint_banner(p, QRectF(0, header.bottom(), w, 6 * u), u)
        p.end()

    def _paint_header(self, p: QPainter, r: QRectF, u: float) -> None:
        p.fillRect(r, QColor(theme.BLUE_DARK))
        hall = self.model.hall
        pad = 2 * u
        now = self.model.server_now().astimezone(LOCAL)
        clock = now.strftime("%H:%M")
        date = f"{now.month}月{now.day}日 星期{'一二三四五六日'[now.weekday()]}"
        clock_font = _font(r.height() * 0.55, True)
        clock_w = QFontMetricsF(clock_font).horizontalAdvance(clock)
        date_font = _font(r.height() * 0.26)
        date_w = QFontMetricsF(date_font).horizontalAdvance(date)
        right_w = clock_w + date_w + 2 * pad
        name_rect = QRectF(pad, r.top(), r.width() - right_w - 2 * pad, r.height() * 0.62)
        _draw(p, name_rect, hall.name_zh or "政务服务大厅", fit_font(hall.name_zh or "政务服务大厅", name_rect, r.height() * 0.45, True),
              TEXT, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        en_rect = QRectF(pad, name_rect.bottom(), name_rect.width(), r.height() * 0.33)
        _draw(p, en_rect, hall.name_en, fit_font(hall.name_en, en_rect, r.height() * 0.22), MUTED,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        _draw(p, QRectF(r.right() - pad - clock_w, r.top(), clock_w, r.height()), clock, clock_font, TEXT,
              Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        _draw(p, QRectF(r.right() - pad - clock_w - pad - date_w, r.top(), date_w, r.height()), date, date_font, MUTED,
              Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _paint_call(self, p: QPainter, r: QRectF, u: float) -> None:
        latest = self.model.latest_call
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(FLASH if self.flash_on else PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        center = Qt.AlignmentFlag.AlignCenter
        title = QRectF(r.left(), r.top() + 0.5 * u, r.width(), r.height() * 0.13)
        _draw(p, title, CALL_TITLE, fit_font(CALL_TITLE, title, title.height() * 0.6), MUTED, center)
        if latest is None:
            self.number_rect = QRectF()
            _draw(p, QRectF(r.left(), title.bottom(), r.width(), r.height() * 0.6), "请留意叫号\nPlease wait for your number",
                  _font(r.height() * 0.09), MUTED, center)
            return
        # The number: its glyphs (tight bounding box) at least 1/6 of the screen height.
        number_area = QRectF(r.left() + u, title.bottom(), r.width() - 2 * u, r.height() * 0.52)
        font = number_font(latest.number, number_area, self.height() / 6 * 1.04)
        self.number_font_px = font.pixelSize()
        tight = QFontMetricsF(font).tightBoundingRect(latest.number)
        self.number_rect = QRectF(
            number_area.center().x() - tight.width() / 2, number_area.center().y() - tight.height() / 2, tight.width(), tight.height()
        )
        p.setFont(font)
        p.setPen(NUMBER)
        p.drawText(QPointF(self.number_rect.left() - tight.left(), self.number_rect.top() - tight.top()), latest.number)
        window_area = QRectF(r.left() + u, number_area.bottom(), r.width() - 2 * u, r.height() * 0.20)
        text = f"请到 {latest.window} 号窗口"
        _draw(p, window_area, text, fit_font(text, window_area, window_area.height() * 0.8, True), TEXT, center)
        sub = QRectF(r.left() + u, window_area.bottom(), r.width() - 2 * u, r.bottom() - window_area.bottom() - 0.5 * u)
        name = f"{latest.window_name}   Window {latest.window}" + ("   再次呼叫 Recall" if latest.recall else "")
        _draw(p, sub, name, fit_font(name, sub, sub.height() * 0.6), MUTED, center)

    def _paint_recent(self, p: QPainter, r: QRectF, u: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        rows = self.model.earlier_calls()
        title_h = 6 * u if not self.portrait else 4.5 * u
        title = QRectF(r.left() + 1.5 * u, r.top(), r.width() - 3 * u, title_h)
        _draw(p, title, "最近叫号 Recent calls", fit_font("最近叫号 Recent calls", title, title_h * 0.55, True), MUTED,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        per_column = 8 if not self.portrait else 4
        columns = 1 if not self.portrait else 2
        row_h = (r.height() - title_h - u) / per_column
        col_w = (r.width() - 3 * u) / columns
        for i, entry in enumerate(rows[: per_column * columns]):
            col, row = divmod(i, per_column)
            rr = QRectF(r.left() + 1.5 * u + col * col_w, r.top() + title_h + row * row_h, col_w - u, row_h)
            if row % 2 == 0:
                p.fillRect(rr, PANEL_LIGHT)
            num_rect = QRectF(rr.left() + u, rr.top(), rr.width() * 0.42, rr.height())
            _draw(p, num_rect, entry.number, fit_font(entry.number, num_rect, row_h * 0.62, True), NUMBER,
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            win_rect = QRectF(num_rect.right(), rr.top(), rr.width() * 0.58 - 2 * u, rr.height())
            text = f"→ {entry.window} 号窗口"
            _draw(p, win_rect, text, fit_font(text, win_rect, row_h * 0.5), TEXT,
                  Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _paint_waiting(self, p: QPainter, r: QRectF, u: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        cats = self.model.visible_categories()
        title_h = 4.5 * u
        title = QRectF(r.left() + 1.5 * u, r.top(), r.width() - 3 * u, title_h)
        _draw(p, title, "等候人数 Waiting", fit_font("等候人数 Waiting", title, title_h * 0.6, True), MUTED,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if not cats:
            return
        columns = 3
        rows = -(-len(cats) // columns)
        cell_w = (r.width() - 3 * u) / columns
        cell_h = (r.height() - title_h - u) / rows
        for i, c in enumerate(cats):
            row, col = divmod(i, columns)
            cell = QRectF(r.left() + 1.5 * u + col * cell_w, r.top() + title_h + row * cell_h, cell_w - u, cell_h - 0.4 * u)
            p.fillRect(cell, PANEL_LIGHT)
            name_rect = QRectF(cell.left() + u, cell.top(), cell.width() * 0.66 - u, cell.height())
            name = f"{c.series} {c.name_zh}"
            _draw(p, name_rect, name, fit_font(name, name_rect, cell.height() * 0.42), TEXT,
                  Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            count_rect = QRectF(name_rect.right(), cell.top(), cell.width() * 0.34 - u, cell.height())
            count = f"{c.waiting} 人"
            _draw(p, count_rect, count, fit_font(count, count_rect, cell.height() * 0.5, True), NUMBER,
                  Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _paint_ticker(self, p: QPainter, r: QRectF, u: float) -> None:
        p.fillRect(r, QColor(theme.BLUE_DARK))
        text = self.ticker_text()
        font = _font(r.height() * 0.5)
        width = QFontMetricsF(font).horizontalAdvance(text) + r.width() * 0.3
        x = r.right() - (self._ticker_offset % (width + r.width()))
        _draw(p, QRectF(x, r.top(), width, r.height()), text, font, TEXT,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def _paint_banner(self, p: QPainter, r: QRectF, u: float) -> None:
        lines = []
        if self.banner_text:
            lines.append((self.banner_text, OFFLINE))
        if self.voice_warning:
            lines.append(("语音不可用，叫号仅在屏幕显示：" + self.voice_warning, WARN))
        for i, (text, color) in enumerate(lines):
            band = QRectF(r.left(), r.top() + i * r.height(), r.width(), r.height() * 0.9)
            p.fillRect(band, color)
            _draw(p, band, text, fit_font(text, band.adjusted(u, 0, -u, 0), band.height() * 0.5, True), TEXT,
                  Qt.AlignmentFlag.AlignCenter)

