"""How tall text must be on a hall screen to be read from where the citizens sit.

Legibility depends on the angle a character subtends at the eye, not on pixels. ISO 9241-303
asks for at least 16 arc minutes for text that has to be read, and prefers 20–22; below about
11 minutes text can be noticed but not read at a glance. So the hall display gives:

* **key** text — the called number, its window, recent calls and the waiting counts, which a
  citizen looks for from the far end of the hall — 20 arc minutes;
* **text** — category names, the date, headings in Chinese, the notices ticker — 16;
* **label** — the English line under a Chinese heading, a page indicator — 11.

At a distance D a character of height h subtends α = 2·atan(h / 2D). The height measured is the
ink of a CJK ideograph (all of it), or of a capital Latin letter or digit (cap height), as ISO
measures it. The screen's pixels per millimetre follow from its diagonal and its pixel size;
the display is assumed to fill the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class TextRole(StrEnum):
    KEY = "key"
    TEXT = "text"
    LABEL = "label"


ARC_MINUTES: dict[TextRole, float] = {TextRole.KEY: 20.0, TextRole.TEXT: 16.0, TextRole.LABEL: 11.0}

MIN_DISTANCE_M, MAX_DISTANCE_M = 1.0, 60.0
MIN_DIAGONAL_INCH, MAX_DIAGONAL_INCH = 10.0, 300.0


def character_height_mm(distance_m: float, arc_minutes: float) -> float:
    """Height a character needs to subtend ``arc_minutes`` at ``distance_m``."""
    return 2.0 * distance_m * 1000.0 * math.tan(math.radians(arc_minutes / 60.0) / 2.0)


@dataclass(frozen=True)
class ViewingSpec:
    """Where the screen hangs: how far the farthest seated citizen is, and how big it is."""

    distance_m: float = 10.0
    diagonal_inch: float = 55.0

    def __post_init__(self) -> None:
        if not MIN_DISTANCE_M <= self.distance_m <= MAX_DISTANCE_M:
            raise ValueError(
                f"观看距离应在 {MIN_DISTANCE_M:g}–{MAX_DISTANCE_M:g} 米之间 / "
                f"viewing distance must be {MIN_DISTANCE_M:g}–{MAX_DISTANCE_M:g} m (got {self.distance_m:g})"
            )
        if not MIN_DIAGONAL_INCH <= self.diagonal_inch <= MAX_DIAGONAL_INCH:
            raise ValueError(
                f"屏幕尺寸应在 {MIN_DIAGONAL_INCH:g}–{MAX_DIAGONAL_INCH:g} 英寸之间 / "
                f"screen diagonal must be {MIN_DIAGONAL_INCH:g}–{MAX_DIAGONAL_INCH:g} inches (got {self.diagonal_inch:g})"
            )

    def pixels_per_mm(self, width_px: float, height_px: float) -> float:
        """Pixel density of a screen of this diagonal showing ``width_px`` × ``height_px``."""
        diagonal_px = math.hypot(width_px, height_px)
        return diagonal_px / (self.diagonal_inch * 25.4) if diagonal_px > 0 else 1.0

    def min_height_mm(self, role: TextRole) -> float:
        return character_height_mm(self.distance_m, ARC_MINUTES[role])

    def min_glyph_px(self, role: TextRole, width_px: float, height_px: float) -> float:
        """The smallest ink height, in pixels, that ``role`` text may have on this screen."""
        return self.min_height_mm(role) * self.pixels_per_mm(width_px, height_px)

    def glyph_mm(self, glyph_px: float, width_px: float, height_px: float) -> float:
        return glyph_px / self.pixels_per_mm(width_px, height_px)


def parse_viewing(distance: str | float | None, diagonal: str | float | None) -> ViewingSpec:
    """A spec from command-line text; a bilingual ValueError for garbage."""
    defaults = ViewingSpec()
    try:
        d = float(distance) if distance not in (None, "") else defaults.distance_m
        s = float(diagonal) if diagonal not in (None, "") else defaults.diagonal_inch
    except (TypeError, ValueError):
        raise ValueError(
            f"观看距离和屏幕尺寸应为数字 / viewing distance and screen size must be numbers (got {distance!r}, {diagonal!r})"
        ) from None
    if not (math.isfinite(d) and math.isfinite(s)):
        raise ValueError("观看距离和屏幕尺寸应为有限数字 / viewing distance and screen size must be finite numbers")
    return ViewingSpec(d, s)
