"""The hall screen: the latest call, large and flashing; the recent calls; how many wait in each
category; a scrolling ticker with the hall's notices and the 12345 hotline; the hall name and a
clock; and a banner when the stream is offline or the voice is silent.

Everything is painted in proportion to the widget's size (one unit = 1 % of the height), so the
same code fills a 1080p landscape screen, a portrait totem and a 4K wall; the called number's
glyphs are always at least a sixth of the screen height. No text is set below what
:mod:`hall.legibility` asks for the screen's viewing distance and size: where the proportions
would go smaller, the line grows, the recent calls list shortens and the waiting counts turn
pages. The widget holds no rules: it draws a :class:`~display.model.HallScreenModel`.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget

from display.legible import SetText, Typesetter, ink_height
from display.model import CategoryView, HallScreenModel, Update
from hall.legibility import TextRole, ViewingSpec
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
CALL_TITLE_ZH = "请以下号码到窗口办理"
CALL_TITLE_EN = "Now calling"
PAGE_SECONDS = 8   # a page of waiting counts stays this long
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
    f = _font(100 * scale, True)
    width = QFontMetricsF(f).tightBoundingRect(text or "0").width()
    if width > area.width() * 0.98 > 0:
        # a narrow portrait screen: the height rule stands, the glyphs get narrower instead
        f.setStretch(max(60, int(100 * area.width() * 0.95 / width)))
    return f


def _draw(painter: QPainter, rect: QRectF, text: str, font: QFont, color: QColor, flags: int) -> None:
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(rect, flags, text)


LOCAL = timezone(timedelta(hours=8))   # the hall's clock; Asia/Shanghai has no DST


class HallScreen(QWidget):
    """Paints the hall display from ``model``. Call :meth:`model_updated` after each change."""

    def __init__(self, model: HallScreenModel, parent: QWidget | None = None, viewing: ViewingSpec | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.viewing = viewing or ViewingSpec()
        self.typeset: Typesetter | None = None   # the texts of the last paint, for the legibility check
        self.waiting_page = 0
        self.waiting_pages = 1
        self.waiting_shown = 0
        self.recent_shown = 0
        self._pager = QTimer(self)
        self._pager.timeout.connect(self._next_page)
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

    def _next_page(self) -> None:
        if self.waiting_pages > 1:
            self.waiting_page = (self.waiting_page + 1) % self.waiting_pages
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = float(self.width()), float(self.height())
        u = h / 100
        ts = Typesetter(self.viewing, w, h)
        self.typeset = ts
        p.fillRect(QRectF(0, 0, w, h), BG)
        header = self._paint_header(p, ts, w, (6 if self.portrait else 8) * u, u)
        ticker_font = ts.font(self.ticker_text(), TextRole.TEXT, (2.5 if self.portrait else 3.5) * u)
        ticker_h = max((5 if self.portrait else 7) * u, ticker_font.pixelSize() * 1.35)
        ticker = QRectF(0, h - ticker_h, w, ticker_h)
        body = QRectF(0, header, w, ticker.top() - header)
        m = 1.2 * u
        cats = self.model.visible_categories()
        if self.portrait:
            width = w - 2 * m
            call_h = self._call_height(ts, 40 * u)
            remaining = body.height() - call_h - 4 * m
            waiting_min = self._waiting_min_height(ts, u)
            two_rows = self._recent_min_height(ts, u, 2)
            recent_h = max(24 * u, two_rows) if remaining - max(24 * u, two_rows) >= waiting_min else self._recent_min_height(ts, u, 1)
            call = QRectF(m, body.top() + m, width, call_h)
            recent = QRectF(m, call.bottom() + m, width, recent_h)
            waiting = QRectF(m, recent.bottom() + m, width, body.bottom() - recent.bottom() - 2 * m)
        else:
            left = w * 0.6
            call_h = self._call_height(ts, body.height() * 0.6)
            waiting = QRectF(m, body.top() + call_h + 2 * m, left - 1.5 * m, body.height() - call_h - 3 * m)
            if self._waiting_grid(ts, waiting, cats)[2] <= 1:
                call = QRectF(m, body.top() + m, left - 1.5 * m, call_h)
                recent = QRectF(left + 0.5 * m, body.top() + m, w - left - 1.5 * m, body.height() - 2 * m)
            else:
                # far seats: the call takes the whole left; recent calls and the waiting pages share the
                # right: a recent call is worth one more page of waiting counts
                left = w * 0.56
                call = QRectF(m, body.top() + m, left - 1.5 * m, body.height() - 2 * m)
                right = QRectF(left + 0.5 * m, body.top() + m, w - left - 1.5 * m, body.height() - 2 * m)
                options = []
                for rows in (4, 3, 2, 1):
                    recent_h = self._recent_min_height(ts, u, rows)
                    rest = QRectF(right.left(), right.top() + recent_h + m, right.width(), right.height() - recent_h - m)
                    if rest.height() >= self._waiting_min_height(ts, u):
                        options.append((self._waiting_grid(ts, rest, cats)[2], -rows, recent_h, rest))
                if options:
                    _pages, _rows, recent_h, waiting = min(options, key=lambda o: (o[0] + o[1], o[1]))
                else:
                    recent_h = self._recent_min_height(ts, u, 1)
                    waiting = QRectF(right.left(), right.top() + recent_h + m, right.width(), right.height() - recent_h - m)
                recent = QRectF(right.left(), right.top(), right.width(), recent_h)
        self._paint_call(p, ts, call, u)
        self._paint_recent(p, ts, recent, u)
        self._paint_waiting(p, ts, waiting, u)
        self._paint_ticker(p, ticker, ticker_font)
        self._paint_banner(p, ts, QRectF(0, header, w, max(6 * u, ts.min_px("网络", TextRole.TEXT, True) * 1.4)), u)
        p.end()

    def _text(self, p: QPainter, ts: Typesetter, rect: QRectF, text: str, role: TextRole, preferred: float,
              color: QColor, flags: Qt.AlignmentFlag, bold: bool = False) -> None:
        _draw(p, rect, text, ts.fit(text, rect, role, preferred, bold), color, flags)

    def _paint_header(self, p: QPainter, ts: Typesetter, w: float, preferred: float, u: float) -> float:
        """Hall name, date and clock; two rows when one does not hold them at legible sizes. Returns the height."""
        hall = self.model.hall
        pad = 2 * u
        now = self.model.server_now().astimezone(LOCAL)
        clock = now.strftime("%H:%M")
        date = f"{now.month}月{now.day}日 星期{'一二三四五六日'[now.weekday()]}"
        name = hall.name_zh or "政务服务大厅"
        clock_f = ts.font(clock, TextRole.KEY, preferred * 0.55, True)
        date_f = ts.font(date, TextRole.TEXT, preferred * 0.3)
        name_f = ts.font(name, TextRole.TEXT, preferred * 0.45, True)
        en_f = ts.font(hall.name_en, TextRole.LABEL, preferred * 0.22)
        clock_w = QFontMetricsF(clock_f).horizontalAdvance(clock)
        date_w = QFontMetricsF(date_f).horizontalAdvance(date)
        name_w = QFontMetricsF(name_f).horizontalAdvance(name)
        right_w = clock_w + date_w + 3 * pad
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        vcenter = Qt.AlignmentFlag.AlignVCenter
        one_row = name_w + 1 <= w - right_w - 2 * pad
        if not one_row and name_w + 1 <= w - clock_w - 3 * pad:
            date, date_w, right_w, one_row = "", 0.0, clock_w + 2 * pad, True   # far seats: the clock before the date
        if one_row:
            name_h, en_h = name_f.pixelSize() * 1.2, en_f.pixelSize() * 1.25 if hall.name_en else 0.0
            height = max(preferred, name_h + en_h, clock_f.pixelSize() * 1.25)
            p.fillRect(QRectF(0, 0, w, height), QColor(theme.BLUE_DARK))
            name_rect = QRectF(pad, 0, w - right_w - 2 * pad, (height - en_h) * 0.5 + name_h * 0.5)
            self._text(p, ts, name_rect, name, TextRole.TEXT, preferred * 0.45, TEXT, left | Qt.AlignmentFlag.AlignBottom, True)
            en_rect = QRectF(pad, name_rect.bottom(), name_rect.width(), en_h)
            if hall.name_en and ts.fits(hall.name_en, TextRole.LABEL, en_rect.width()):
                self._text(p, ts, en_rect, hall.name_en, TextRole.LABEL, preferred * 0.22, MUTED, left | Qt.AlignmentFlag.AlignTop)
            row = QRectF(0, 0, w, height)
        else:
            name_h = name_f.pixelSize() * 1.25
            row_h = max(clock_f.pixelSize(), date_f.pixelSize()) * 1.25
            height = max(preferred, name_h + row_h)
            p.fillRect(QRectF(0, 0, w, height), QColor(theme.BLUE_DARK))
            self._text(p, ts, QRectF(pad, 0, w - 2 * pad, name_h), name, TextRole.TEXT, preferred * 0.45, TEXT, left | vcenter, True)
            row = QRectF(0, name_h, w, height - name_h)
            en_rect = QRectF(pad, row.top(), w - right_w - 2 * pad, row.height())
            if hall.name_en and en_rect.width() > 0 and ts.fits(hall.name_en, TextRole.LABEL, en_rect.width()):
                self._text(p, ts, en_rect, hall.name_en, TextRole.LABEL, preferred * 0.22, MUTED, left | vcenter)
        clock_rect = QRectF(w - pad - clock_w, row.top(), clock_w, row.height())
        self._text(p, ts, clock_rect, clock, TextRole.KEY, preferred * 0.55, TEXT, right | vcenter, True)
        date_rect = QRectF(clock_rect.left() - pad - date_w, row.top(), date_w, row.height())
        if date and date_rect.left() >= 0:
            self._text(p, ts, date_rect, date, TextRole.TEXT, preferred * 0.3, MUTED, right | vcenter)
        return height

    # -- the call -------------------------------------------------------------------------------

    def _call_parts(self, ts: Typesetter, panel_h: float) -> tuple[float, float, float, float]:
        """Heights of the call panel's title, number, window line and window name: the panel's
        proportions, grown where a line would otherwise fall below its legible size."""
        title = max(panel_h * 0.13, ts.min_px(CALL_TITLE_ZH, TextRole.TEXT) * 1.3)
        number = max(panel_h * 0.52, self.height() / 6 * 1.04 / 0.9)
        window = max(panel_h * 0.20, ts.min_px("请到 5 号窗口", TextRole.KEY, True) * 1.2)
        sub = max(panel_h * 0.15, ts.min_px("不动产登记窗口", TextRole.TEXT) * 1.3)
        return title, number, window, sub

    def _call_height(self, ts: Typesetter, panel_h: float) -> float:
        """The panel height: ``panel_h``, or more when its lines need it at legible sizes."""
        return max(panel_h, sum(self._call_parts(ts, panel_h)) + 0.5 * self.height() / 100)

    def _parts_within(self, ts: Typesetter, height: float) -> tuple[float, float, float, float]:
        """The parts for a panel of ``height``: proportions of the largest base that fits in it."""
        base = height
        for _ in range(40):
            parts = self._call_parts(ts, base)
            if sum(parts) + 0.5 * self.height() / 100 <= height:
                return parts
            base *= 0.95
        return self._call_parts(ts, 0.0)

    def _paint_call(self, p: QPainter, ts: Typesetter, r: QRectF, u: float) -> None:
        latest = self.model.latest_call
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(FLASH if self.flash_on else PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        center = Qt.AlignmentFlag.AlignCenter
        title_h, number_h, window_h, sub_h = self._parts_within(ts, r.height())
        spare = max(0.0, r.height() - 0.5 * u - title_h - number_h - window_h - sub_h)
        number_h += spare   # a panel taller than its parts gives the room to the number
        title = QRectF(r.left() + u, r.top() + 0.5 * u, r.width() - 2 * u, title_h)
        self._pair(p, ts, title, CALL_TITLE_ZH, CALL_TITLE_EN, title_h * 0.6, MUTED, center)
        if latest is None:
            self.number_rect = QRectF()
            rest = QRectF(r.left() + u, title.bottom(), r.width() - 2 * u, r.bottom() - title.bottom())
            zh_rect = QRectF(rest.left(), rest.top(), rest.width(), rest.height() * 0.55)
            self._text(p, ts, zh_rect, "请留意叫号", TextRole.KEY, rest.height() * 0.25, MUTED, center | Qt.AlignmentFlag.AlignBottom)
            en_rect = QRectF(rest.left(), zh_rect.bottom(), rest.width(), rest.height() * 0.3)
            if ts.fits("Please wait for your number", TextRole.LABEL, en_rect.width()):
                self._text(p, ts, en_rect, "Please wait for your number", TextRole.LABEL, rest.height() * 0.1, MUTED,
                           center | Qt.AlignmentFlag.AlignTop)
            return
        # The number: its glyphs (tight bounding box) at least 1/6 of the screen height.
        number_area = QRectF(r.left() + u, title.bottom(), r.width() - 2 * u, number_h)
        font = number_font(latest.number, number_area, max(self.height() / 6 * 1.04, ts.min_ink(TextRole.KEY)))
        self.number_font_px = font.pixelSize()
        tight = QFontMetricsF(font).tightBoundingRect(latest.number)
        self.number_rect = QRectF(
            number_area.center().x() - tight.width() / 2, number_area.center().y() - tight.height() / 2, tight.width(), tight.height()
        )
        ts.record.append(SetText(TextRole.KEY, latest.number, ink_height(latest.number, font), tight.width() <= self.width()))
        p.setFont(font)
        p.setPen(NUMBER)
        p.drawText(QPointF(self.number_rect.left() - tight.left(), self.number_rect.top() - tight.top()), latest.number)
        window_area = QRectF(r.left() + u, number_area.bottom(), r.width() - 2 * u, window_h)
        text = f"请到 {latest.window} 号窗口"
        self._text(p, ts, window_area, text, TextRole.KEY, window_area.height() * 0.8, TEXT, center, True)
        sub = QRectF(r.left() + u, window_area.bottom(), r.width() - 2 * u, sub_h)
        zh = latest.window_name + ("  再次呼叫" if latest.recall else "")
        en = f"Window {latest.window}" + ("  Recall" if latest.recall else "")
        self._pair(p, ts, sub, zh, en, sub.height() * 0.6, MUTED, center)

    def _pair(self, p: QPainter, ts: Typesetter, r: QRectF, zh: str, en: str, preferred: float, color: QColor,
              flags: Qt.AlignmentFlag) -> None:
        """Chinese at text size and, when it still fits on the line, its English at label size."""
        if not zh:
            zh, en = en, ""
        zh_f = ts.font(zh, TextRole.TEXT, preferred)
        en_f = ts.font(en, TextRole.LABEL, preferred * 0.8) if en else None
        gap = zh_f.pixelSize() * 0.6
        zh_w = QFontMetricsF(zh_f).horizontalAdvance(zh)
        en_w = QFontMetricsF(en_f).horizontalAdvance(en) if en_f is not None else 0.0
        if en_f is None or zh_w + gap + en_w > r.width():
            self._text(p, ts, r, zh, TextRole.TEXT, preferred, color, flags)
            return
        total = zh_w + gap + en_w
        x = r.left() + (r.width() - total) / 2 if flags & Qt.AlignmentFlag.AlignHCenter else r.left()
        vcenter = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        self._text(p, ts, QRectF(x, r.top(), zh_w + 1, r.height()), zh, TextRole.TEXT, preferred, color, vcenter)
        self._text(p, ts, QRectF(x + zh_w + gap, r.top(), en_w + 1, r.height()), en, TextRole.LABEL, preferred * 0.8, color, vcenter)

    # -- lists ----------------------------------------------------------------------------------

    def _title_height(self, ts: Typesetter, u: float) -> float:
        return max((4.5 if self.portrait else 6) * u, ts.min_px("最近叫号", TextRole.TEXT, True) * 1.35)

    def _recent_row_min(self, ts: Typesetter) -> float:
        return ts.min_px("A001", TextRole.KEY, True) * 1.2

    def _recent_min_height(self, ts: Typesetter, u: float, rows: int) -> float:
        return self._title_height(ts, u) + rows * self._recent_row_min(ts) + u

    def _waiting_row_min(self, ts: Typesetter) -> float:
        return max(ts.min_px("不动产", TextRole.TEXT), ts.min_px("12 人", TextRole.TEXT, True)) * 1.3

    def _waiting_min_height(self, ts: Typesetter, u: float) -> float:
        return self._title_height(ts, u) + self._waiting_row_min(ts) + u

    def _paint_recent(self, p: QPainter, ts: Typesetter, r: QRectF, u: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        rows = self.model.earlier_calls()
        title_h = self._title_height(ts, u)
        title = QRectF(r.left() + 1.5 * u, r.top(), r.width() - 3 * u, title_h)
        self._pair(p, ts, title, "最近叫号", "Recent calls", title_h * 0.55, MUTED, Qt.AlignmentFlag.AlignLeft)
        columns = 1
        if self.portrait:
            half = (r.width() - 3 * u) / 2 - 3 * u
            if ts.width("A888", TextRole.KEY, 0.0, True) + ts.width("→ 88", TextRole.KEY) <= half:
                columns = 2
        preferred_rows = 4 if self.portrait else 8
        space = r.height() - title_h - u
        row_h = max(space / preferred_rows, self._recent_row_min(ts))
        per_column = max(1, int(space // row_h))
        col_w = (r.width() - 3 * u) / columns
        self.recent_shown = min(len(rows), per_column * columns)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for i, entry in enumerate(rows[: per_column * columns]):
            col, row = divmod(i, per_column)
            rr = QRectF(r.left() + 1.5 * u + col * col_w, r.top() + title_h + row * row_h, col_w - u, row_h)
            if row % 2 == 0:
                p.fillRect(rr, PANEL_LIGHT)
            number_f = ts.font(entry.number, TextRole.KEY, row_h * 0.62, True)
            number_w = QFontMetricsF(number_f).horizontalAdvance(entry.number)
            num_rect = QRectF(rr.left() + u, rr.top(), number_w + 1, rr.height())
            self._text(p, ts, num_rect, entry.number, TextRole.KEY, row_h * 0.62, NUMBER, left, True)
            win_rect = QRectF(num_rect.right() + u, rr.top(), rr.right() - num_rect.right() - 2 * u, rr.height())
            text = ts.first_fitting([f"→ {entry.window} 号窗口", f"→ {entry.window}号", f"→ {entry.window}", f"{entry.window}"], win_rect.width(),
                                    TextRole.KEY)
            self._text(p, ts, win_rect, text, TextRole.KEY, row_h * 0.5, TEXT, right)

    def _waiting_grid(self, ts: Typesetter, r: QRectF, cats: list[CategoryView]) -> tuple[int, int, int]:
        """(columns, rows, pages) of the waiting counts in ``r`` at legible sizes."""
        if not cats:
            return 1, 1, 1
        u = self.height() / 100
        names = [f"{c.series} {c.name_zh}" for c in cats]
        count_w = ts.width("888 人", TextRole.TEXT, 0.0, True)
        columns = 1
        for candidate in (3, 2):
            cell_w = (r.width() - 3 * u) / candidate - u
            if all(ts.width(name, TextRole.TEXT) + count_w + 3 * u <= cell_w for name in names):
                columns = candidate
                break
        space = r.height() - self._title_height(ts, u) - u
        rows_needed = -(-len(cats) // columns)
        rows = max(1, min(rows_needed, int(space // self._waiting_row_min(ts))))
        return columns, rows, -(-len(cats) // (rows * columns))

    def _paint_waiting(self, p: QPainter, ts: Typesetter, r: QRectF, u: float) -> None:
        """Waiting per category, in as many columns and rows as legible text allows; pages turn
        every few seconds when the hall has more categories than one page holds."""
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PANEL)
        p.drawRoundedRect(r, 1.2 * u, 1.2 * u)
        cats = self.model.visible_categories()
        title_h = self._title_height(ts, u)
        title = QRectF(r.left() + 1.5 * u, r.top(), r.width() - 3 * u, title_h)
        if not cats:
            self.waiting_pages, self.waiting_shown = 1, 0
            self._pair(p, ts, title, "等候人数", "Waiting", title_h * 0.6, MUTED, Qt.AlignmentFlag.AlignLeft)
            return
        columns, rows, self.waiting_pages = self._waiting_grid(ts, r, cats)
        space = r.height() - title_h - u
        per_page = rows * columns
        self.waiting_page %= self.waiting_pages
        page = cats[self.waiting_page * per_page: (self.waiting_page + 1) * per_page]
        self.waiting_shown = len(page)
        if self.waiting_pages > 1:
            if not self._pager.isActive():
                self._pager.start(PAGE_SECONDS * 1000)
            marker = f"{self.waiting_page + 1}/{self.waiting_pages}"
            marker_w = ts.width(marker, TextRole.LABEL, title_h * 0.45) + u
            self._pair(p, ts, QRectF(title.left(), title.top(), title.width() - marker_w, title_h), "等候人数", "Waiting",
                       title_h * 0.6, MUTED, Qt.AlignmentFlag.AlignLeft)
            self._text(p, ts, QRectF(title.right() - marker_w, title.top(), marker_w, title_h), marker, TextRole.LABEL,
                       title_h * 0.45, MUTED, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            self._pager.stop()
            self._pair(p, ts, title, "等候人数", "Waiting", title_h * 0.6, MUTED, Qt.AlignmentFlag.AlignLeft)
        cell_w = (r.width() - 3 * u) / columns
        cell_h = space / rows
        for i, c in enumerate(page):
            row, col = divmod(i, columns)
            cell = QRectF(r.left() + 1.5 * u + col * cell_w, r.top() + title_h + row * cell_h, cell_w - u, cell_h - 0.4 * u)
            p.fillRect(cell, PANEL_LIGHT)
            count = f"{c.waiting} 人"
            this_count_w = ts.width(count, TextRole.TEXT, cell.height() * 0.5, True)
            count_rect = QRectF(cell.right() - u - this_count_w, cell.top(), this_count_w, cell.height())
            name_rect = QRectF(cell.left() + u, cell.top(), count_rect.left() - cell.left() - 2 * u, cell.height())
            name_font, name = ts.fit_elided(f"{c.series} {c.name_zh}", name_rect, TextRole.TEXT, cell.height() * 0.42)
            _draw(p, name_rect, name, name_font, TEXT, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self._text(p, ts, count_rect, count, TextRole.TEXT, cell.height() * 0.5, NUMBER,
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, True)

    def _paint_ticker(self, p: QPainter, r: QRectF, font: QFont) -> None:
        p.fillRect(r, QColor(theme.BLUE_DARK))
        text = self.ticker_text()
        width = QFontMetricsF(font).horizontalAdvance(text) + r.width() * 0.3
        x = r.right() - (self._ticker_offset % (width + r.width()))
        if self.typeset is not None:   # it scrolls: fitting the width is not asked of it
            self.typeset.record.append(SetText(TextRole.TEXT, text, ink_height(text, font), True))
        _draw(p, QRectF(x, r.top(), width, r.height()), text, font, TEXT,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def _paint_banner(self, p: QPainter, ts: Typesetter, r: QRectF, u: float) -> None:
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
