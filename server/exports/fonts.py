"""The CJK font the PDF reports embed, so every viewer and printer shows the Chinese.

reportlab embeds (a subset of) a TrueType font in the PDF; without a CJK one, Chinese prints as
empty boxes or not at all. It reads TrueType outlines only (.ttf, and .ttc through a subfont
index), not the CFF outlines of Noto Sans CJK, so the candidates are TrueType fonts: WenQuanYi
(Debian's fonts-wqy-microhei / -zenhei), Droid Sans Fallback, and Windows' Microsoft YaHei,
SimHei and SimSun. ``HALLQ_CJK_FONT`` names another file (the same variable the ticket printer reads).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from hall.text import HallRuleError

log = logging.getLogger(__name__)

FONT_ENV = "HALLQ_CJK_FONT"
FONT_NAME = "HallqCJK"
_WINDOWS_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    _WINDOWS_FONTS / "msyh.ttc",
    _WINDOWS_FONTS / "msyh.ttf",
    _WINDOWS_FONTS / "simhei.ttf",
    _WINDOWS_FONTS / "simsun.ttc",
)

_lock = threading.Lock()
_registered: str | None = None


class CjkFontMissingError(HallRuleError):
    def __init__(self, tried: list[Path]) -> None:
        names = ", ".join(str(path) for path in tried)
        super().__init__(
            "cjk_font_missing",
            f"找不到可嵌入PDF的中文TrueType字体（已查找：{names}）；请安装 fonts-wqy-microhei，或用环境变量 {FONT_ENV} 指定 .ttf/.ttc 字体文件",
            f"no CJK TrueType font to embed in the PDF (looked for: {names}); install fonts-wqy-microhei "
            f"or point {FONT_ENV} at a .ttf/.ttc font file",
            status=500,
        )


def _candidates() -> list[Path]:
    chosen = os.environ.get(FONT_ENV)
    return ([Path(chosen)] if chosen else []) + list(FONT_CANDIDATES)


def cjk_font() -> str:
    """Register the first usable CJK TrueType font with reportlab (once per process) and return its name."""
    global _registered
    with _lock:
        if _registered is not None:
            return _registered
        tried = _candidates()
        for path in tried:
            if not path.is_file():
                continue
            try:
                # subfontIndex picks the first face of a .ttc collection and is ignored for a .ttf
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            except TTFError as error:
                log.warning("cannot embed font %s: %s", path, error)
                continue
            # The CJK fonts have no bold face: <b> in a paragraph uses the same face instead of failing.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            log.info("PDF reports embed the CJK font %s", path)
            _registered = FONT_NAME
            return FONT_NAME
        raise CjkFontMissingError(tried)
