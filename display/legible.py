"""Fonts that keep the hall's legibility rule (:mod:`hall.legibility`) on a painted screen.

A :class:`Typesetter` is made for each paint from the screen's viewing spec and pixel size. It
turns "this role, about this size" into a font whose ink is never below the role's minimum,
shrinks text to a width only as far as the minimum allows, and records every text it sets
(role, text, ink height, whether it fitted), so tests can check the rendered screen against the
rule instead of trusting the layout arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from hall.legibility import TextRole, ViewingSpec

_REFERENCE_PX = 100


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def font_px(px: float, bold: bool = False) -> QFont:
    f = QFont(QApplication.font())
    f.setPixelSize(max(6, round(px)))
    f.setBold(bold)
    return f


@cache
def _ink_per_px(kind: str, bold: bool) -> float:
    """Ink height per pixel of font size: a CJK ideograph whole, a Latin capital or digit."""
    sample = "国" if kind == "cjk" else "H"
    return QFontMetricsF(font_px(_REFERENCE_PX, bold)).tightBoundingRect(sample).height() / _REFERENCE_PX


def ink_height(text: str, font: QFont) -> float:
    """The height the rule measures for ``text`` in ``font``: its smallest kind of character."""
    kinds = []
    if any(_is_cjk(ch) for ch in text):
        kinds.append("cjk")
    if any(ch.isascii() and ch.isalnum() for ch in text):
        kinds.append("latin")
    if not kinds:
        return QFontMetricsF(font).tightBoundingRect(text).height()
    return min(_ink_per_px(kind, font.bold()) for kind in kinds) * font.pixelSize()


@dataclass(frozen=True)
class SetText:
    role: TextRole
    text: str
    ink_px: float
    fitted: bool          # the text fits its rectangle at this size


@dataclass
class Typesetter:
    spec: ViewingSpec
    width_px: float
    height_px: float
    record: list[SetText] = field(default_factory=list)

    def min_ink(self, role: TextRole) -> float:
        return self.spec.min_glyph_px(role, self.width_px, self.height_px)

    def min_px(self, text: str, role: TextRole, bold: bool = False) -> float:
        """The smallest font size at which ``text`` keeps ``role``'s minimum ink height."""
        probe = font_px(_REFERENCE_PX, bold)
        ink = ink_height(text or "H", probe)
        return self.min_ink(role) * _REFERENCE_PX / max(ink, 1e-6)

    def font(self, text: str, role: TextRole, preferred_px: float, bold: bool = False) -> QFont:
        """At least the minimum; the preferred size when that is larger."""
        return font_px(max(preferred_px, self.min_px(text, role, bold)), bold)

    def width(self, text: str, role: TextRole, preferred_px: float = 0.0, bold: bool = False) -> float:
        return QFontMetricsF(self.font(text, role, preferred_px, bold)).horizontalAdvance(text)

    def fits(self, text: str, role: TextRole, width: float, bold: bool = False) -> bool:
        """Whether ``text`` fits ``width`` at the role's minimum size."""
        return self.width(text, role, 0.0, bold) <= width

    def fit(self, text: str, rect: QRectF, role: TextRole, preferred_px: float, bold: bool = False) -> QFont:
        """The preferred size shrunk to ``rect``'s width, but never below the minimum; recorded."""
        least = self.min_px(text, role, bold)
        f = font_px(max(preferred_px, least), bold)
        advance = QFontMetricsF(f).horizontalAdvance(text)
        if advance > rect.width() > 0:
            f = font_px(max(least, f.pixelSize() * rect.width() / advance), bold)
            advance = QFontMetricsF(f).horizontalAdvance(text)
        self.record.append(SetText(role, text, ink_height(text, f), advance <= rect.width() + 1))
        return f

    def fit_elided(self, text: str, rect: QRectF, role: TextRole, preferred_px: float, bold: bool = False) -> tuple[QFont, str]:
        """Like :meth:`fit`, but a text too long at the minimum size is cut with an ellipsis
        instead of shrinking below it (a long category name after its series letter)."""
        least = font_px(self.min_px(text, role, bold), bold)
        if QFontMetricsF(least).horizontalAdvance(text) <= rect.width():
            return self.fit(text, rect, role, preferred_px, bold), text
        short = QFontMetricsF(least).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        self.record.append(SetText(role, short, ink_height(short, least), QFontMetricsF(least).horizontalAdvance(short) <= rect.width() + 1))
        return least, short

    def first_fitting(self, variants: list[str], width: float, role: TextRole, bold: bool = False) -> str:
        """The longest of ``variants`` (longest first) that fits ``width`` at the minimum size."""
        for text in variants:
            if self.fits(text, role, width, bold):
                return text
        return variants[-1]
