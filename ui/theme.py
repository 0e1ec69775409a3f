"""Look and feel shared by every program: a CJK font (Chinese renders as boxes without one),
the hall's colours, and a text scale for the large-text mode elderly citizens need."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
PREFERRED_FAMILIES = ("Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC")

BLUE = "#1557a0"
BLUE_DARK = "#0d3d73"
RED = "#c0392b"
GREEN = "#1e8449"
AMBER = "#d68910"
GREY = "#6b7785"
BACKGROUND = "#f3f6fa"


def cjk_family() -> str | None:
    """A font family that has Chinese glyphs, loading one from disk if Qt has none yet."""
    families = set(QFontDatabase.families())
    for name in PREFERRED_FAMILIES:
        if name in families:
            return name
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_id = QFontDatabase.addApplicationFont(path)
            loaded = QFontDatabase.applicationFontFamilies(font_id)
            if loaded:
                return loaded[0]
    return None


def apply_theme(app: QApplication, base_point_size: int = 12) -> str | None:
    family = cjk_family()
    font = QFont(family) if family else QFont()
    font.setPointSize(base_point_size)
    app.setFont(font)
    app.setStyle("Fusion")
    return family


def font(point_size: int, bold: bool = False) -> QFont:
    f = QFont(QApplication.font())
    f.setPointSize(point_size)
    f.setBold(bold)
    return f
