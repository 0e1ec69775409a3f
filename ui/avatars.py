"""Neutral illustrated avatars for the sample hall's clerks (岗位公示 in the demo).

Flat drawings — a coloured disc, a round face with two dots and a smile, hair as a cap, shoulders
in a uniform — so no one takes them for photos of real people. Each staff number always gets the
same drawing (the colours and hair are picked from it), so demo screenshots stay stable.
Drawn with Pillow (reportlab's own dependency), no Qt: the demo setup and the screenshot tools use it;
a real hall uploads real photos.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

BACKGROUNDS = ("#CFE3F7", "#D8EFD9", "#F6E3C8", "#E6DDF3", "#F4D8DC", "#D5ECEC")
SKINS = ("#F2D0B5", "#E8BE9A", "#D9A77E", "#F5DCC6")
HAIRS = ("#2B2B2B", "#4A3426", "#6B4A2E", "#3A3A48")
UNIFORM = "#2F4F7F"  # the service hall's navy
SIZE = 256


def avatar_png(staff_no: str, size: int = SIZE) -> bytes:
    """A square PNG drawing for ``staff_no`` (``size`` pixels a side)."""
    pick = hashlib.sha256(staff_no.encode()).digest()
    background, skin, hair = BACKGROUNDS[pick[0] % len(BACKGROUNDS)], SKINS[pick[1] % len(SKINS)], HAIRS[pick[2] % len(HAIRS)]
    long_hair = pick[3] % 2 == 1
    scale = 4  # drawn large and shrunk: smooth edges without an anti-aliasing drawer
    side = size * scale
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (int(x0 * side), int(y0 * side), int(x1 * side), int(y1 * side))

    if long_hair:  # hair behind the shoulders
        draw.rounded_rectangle(box(0.27, 0.22, 0.73, 0.72), radius=int(0.2 * side), fill=hair)
    draw.ellipse(box(0.14, 0.70, 0.86, 1.30), fill=UNIFORM)  # shoulders
    draw.polygon([box(0.44, 0.70, 0.5, 0.84)[:2], box(0.56, 0.70, 0.5, 0.84)[:2], box(0.5, 0.84, 0, 0)[:2]], fill="#FFFFFF")  # collar
    draw.rectangle(box(0.44, 0.56, 0.56, 0.72), fill=skin)  # neck
    draw.ellipse(box(0.31, 0.24, 0.69, 0.66), fill=skin)  # face
    draw.chord(box(0.29, 0.19, 0.71, 0.56), start=180, end=360, fill=hair)  # hair cap
    for x in (0.42, 0.58):  # eyes
        draw.ellipse(box(x - 0.018, 0.43, x + 0.018, 0.466), fill="#3B3B3B")
    draw.arc(box(0.44, 0.47, 0.56, 0.56), start=20, end=160, fill="#8A4B3C", width=int(0.012 * side))  # smile
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
