"""The kiosk's colours as data: the normal palette and the high-contrast one (高对比度), the style
sheet built from them, and every text/background pair the pages draw — so a test can check each
pair against WCAG 2.1 AA (4.5:1 for text, 3:1 for large text) from the very values on screen.

Pages never write a colour literal: they ask the palette (``palette.muted``, ``palette.notice_text``
...), and the window's style sheet is :meth:`KioskPalette.stylesheet`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0  # 18 pt, or 14 pt bold, and up: every kiosk button and title


@dataclass(frozen=True)
class ColourPair:
    name: str
    foreground: str
    background: str
    large: bool  # large text (WCAG: ≥ 18 pt, or ≥ 14 pt bold)

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.foreground, self.background)

    @property
    def required(self) -> float:
        return AA_LARGE_TEXT if self.large else AA_TEXT


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour {colour!r} is not #rrggbb")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class KioskPalette:
    name: str
    background: str  # the page
    text: str  # body text on the page and on cards
    title: str  # page titles, tile names, the ticket number
    muted: str  # secondary lines (queue length, hints)
    card: str  # cards and category tiles
    card_border: str
    header: str  # the header bar
    header_text: str
    primary: str  # a primary button
    primary_text: str
    go: str  # 取号 / 确认取号 / 绿色通道 buttons
    go_text: str
    secondary: str  # a secondary button (返回, items)
    secondary_text: str
    secondary_border: str
    disabled: str
    disabled_text: str
    accent: str  # "printing…" on a card
    success: str  # "take your ticket", priority lane lines on a card
    priority_frame: str
    priority_text: str
    alert: str  # error frame
    alert_text: str
    alert_border: str
    notice: str  # closed hours, unserved warnings
    notice_text: str
    notice_border: str
    banner: str  # the printer trouble banner
    banner_text: str

    def text_pairs(self) -> list[ColourPair]:
        """Every foreground/background pair the kiosk draws text in (see pages.py and window.py)."""
        pairs = [
            ("header text", self.header_text, self.header, True),
            ("page text", self.text, self.background, False),
            ("card text", self.text, self.card, False),
            ("title on page", self.title, self.background, True),
            ("title on tile", self.title, self.card, True),
            ("muted on page", self.muted, self.background, False),
            ("muted on card", self.muted, self.card, False),
            ("primary button", self.primary_text, self.primary, True),
            ("go button", self.go_text, self.go, True),
            ("secondary button", self.secondary_text, self.secondary, True),
            ("disabled button", self.disabled_text, self.disabled, True),
            ("printing on card", self.accent, self.card, True),
            ("success on card", self.success, self.card, True),
            ("priority lane", self.priority_text, self.priority_frame, True),
            ("alert", self.alert_text, self.alert, False),
            ("notice", self.notice_text, self.notice, False),
            ("text on notice", self.text, self.notice, False),
            ("unserved on tile", self.notice_text, self.card, False),
            ("notice text on page", self.notice_text, self.background, False),
            ("muted on notice", self.muted, self.notice, False),
            ("muted on disabled tile", self.muted, self.disabled, True),
            ("success on page", self.success, self.background, True),
            ("banner", self.banner_text, self.banner, True),
        ]
        return [ColourPair(name, fg, bg, large) for name, fg, bg, large in pairs]

    def colours(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}

    def stylesheet(self) -> str:
        p = self
        return f"""
QWidget#kiosk {{ background: {p.background}; }}
QFrame#header {{ background: {p.header}; border-bottom: 2px solid {p.header_text}; }}
QFrame#header QLabel {{ color: {p.header_text}; }}
QPushButton {{ background: {p.primary}; color: {p.primary_text}; border: none; border-radius: 14px; padding: 8px 18px; }}
QPushButton:pressed {{ background: {p.title}; }}
QPushButton:disabled {{ background: {p.disabled}; color: {p.disabled_text}; }}
QPushButton[kind="secondary"] {{ background: {p.secondary}; color: {p.secondary_text}; border: 3px solid {p.secondary_border}; }}
QPushButton[kind="secondary"]:disabled {{ background: {p.disabled}; color: {p.disabled_text}; border-color: {p.disabled}; }}
QPushButton[kind="header"] {{ background: transparent; color: {p.header_text}; border: 2px solid {p.header_text}; border-radius: 10px; }}
QPushButton[kind="header"][active="true"] {{ background: {p.header_text}; color: {p.header}; }}
QPushButton[kind="go"] {{ background: {p.go}; color: {p.go_text}; }}
QPushButton[kind="priority"] {{ background: {p.go}; color: {p.go_text}; }}
QPushButton[kind="go"]:disabled, QPushButton[kind="priority"]:disabled {{ background: {p.disabled}; color: {p.disabled_text}; }}
QPushButton[kind="category"] {{ background: {p.card}; color: {p.title}; border: 3px solid {p.secondary_border}; text-align: left; }}
QPushButton[kind="category"]:disabled {{ background: {p.disabled}; border-color: {p.disabled}; }}
QFrame#card {{ background: {p.card}; border-radius: 16px; border: 2px solid {p.card_border}; }}
QFrame#alert {{ background: {p.alert}; border: 3px solid {p.alert_border}; border-radius: 14px; }}
QFrame#notice {{ background: {p.notice}; border: 3px solid {p.notice_border}; border-radius: 14px; }}
QFrame#priority {{ background: {p.priority_frame}; border: 3px solid {p.priority_text}; border-radius: 14px; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; }}
QLabel {{ color: {p.text}; }}
"""


NORMAL = KioskPalette(
    name="normal",
    background="#f3f6fa",
    text="#1c2833",
    title="#0d3d73",
    muted="#5a6573",  # was #6b7785: 4.2:1 on the page, below AA
    card="#ffffff",
    card_border="#b9c4d0",
    header="#0d3d73",
    header_text="#ffffff",
    primary="#1557a0",
    primary_text="#ffffff",
    go="#1e8449",
    go_text="#ffffff",
    secondary="#ffffff",
    secondary_text="#0d3d73",
    secondary_border="#1557a0",
    disabled="#dde3ea",
    disabled_text="#4a5563",  # was #eef1f5 on #a9b4c2 (1.9:1): unreadable, not just inactive
    accent="#1557a0",
    success="#1a6b3a",
    priority_frame="#e9f7ef",
    priority_text="#1a6b3a",  # was #1e8449: 4.3:1 on the light green
    alert="#fdecea",
    alert_text="#a93226",
    alert_border="#c0392b",
    notice="#fef5e7",
    notice_text="#7e5109",
    notice_border="#d68910",
    banner="#c0392b",
    banner_text="#ffffff",
)

HIGH_CONTRAST = KioskPalette(
    name="high_contrast",
    background="#000000",
    text="#ffffff",
    title="#ffff00",
    muted="#e6e6e6",
    card="#000000",
    card_border="#ffffff",
    header="#000000",
    header_text="#ffff00",
    primary="#ffff00",
    primary_text="#000000",
    go="#00e676",
    go_text="#000000",
    secondary="#000000",
    secondary_text="#ffff00",
    secondary_border="#ffff00",
    disabled="#3a3a3a",
    disabled_text="#d0d0d0",
    accent="#80d8ff",
    success="#69f0ae",
    priority_frame="#000000",
    priority_text="#69f0ae",
    alert="#000000",
    alert_text="#ff8a80",
    alert_border="#ff8a80",
    notice="#000000",
    notice_text="#ffd740",
    notice_border="#ffd740",
    banner="#000000",
    banner_text="#ff8a80",
)


def palette_for(high_contrast: bool) -> KioskPalette:
    return HIGH_CONTRAST if high_contrast else NORMAL
