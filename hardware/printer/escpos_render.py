"""Turn a :class:`~hardware.printer.layout.SlipLayout` into ESC/POS on a python-escpos printer, or a PNG.

Two modes, chosen per printer:

* **text** — the printer draws the characters from its own Chinese font. We encode each line
  ourselves (GB18030, or GBK for printers that want it) and send the bytes with ``_raw`` after
  selecting Chinese mode (FS &). python-escpos' ``text()`` cannot be used: its magic encoder sends
  a chunk holding only full-width punctuation (``：（）``) or rare characters as ``?``. The QR code
  is the printer's native one (GS ( k), centred by setting alignment first, because
  ``qr(..., center=True)`` raises ``NotImplementedError`` for native codes.
* **raster** — the whole slip is drawn with a CJK TrueType font into a 1-bit image as wide as the
  paper (576 dots for 80 mm at 203 dpi) and sent as GS v 0 raster bands — byte for byte what
  python-escpos' ``image(impl="bitImageRaster")`` sends, built without its slow image conversion.
  Works on any printer and for any character the font has, but is large (~86 kB a ticket): about
  90 s over a 9600-baud serial line, so serial printers should use text mode.

Both draw on the same column grid (12 dots per half-width column), so lines break identically.
Every slip starts with ESC @ and ends with a cut. ``render_png`` returns the raster image itself
(the demo's preview printer saves it).
"""

from __future__ import annotations

import os
import threading
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image, ImageChops, ImageDraw, ImageFont

from hall.text import HallRuleError
from hardware.printer.columns import char_columns
from hardware.printer.layout import Align, Block, Gap, QrBlock, Separator, SlipLayout, TextLine

INIT = b"\x1b@"                  # ESC @: reset modes
CHINESE_MODE_ON = b"\x1c&"       # FS &: two-byte (Chinese) characters
LF = b"\n"
REPLACEMENT_CHAR = "□"           # printed for characters outside the printer's two-byte font

DOTS_PER_COLUMN = 12             # a half-width character cell is 12 x 24 dots
BASE_LINE_HEIGHT = 24
LINE_GAP = 8
TOP_MARGIN = 8
BOTTOM_MARGIN = 16
QR_QUIET_MODULES = 4
RASTER_FRAGMENT_ROWS = 960       # python-escpos' band height; some printers' buffers need bands
GS_V0 = b"\x1dv0"               # GS v 0: print raster bit image

ENCODINGS = ("gb18030", "gbk")

FONT_ENV = "HALLQ_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)


class RenderMode(StrEnum):
    TEXT = "text"
    RASTER = "raster"


class QrMethod(StrEnum):
    NATIVE = "native"    # GS ( k: the printer draws it (most 80 mm printers)
    IMAGE = "image"      # drawn here and sent as an image (printers without native QR)


class FontMissingError(HallRuleError):
    def __init__(self) -> None:
        super().__init__(
            "cjk_font_missing",
            f"找不到中文字体，无法绘制票据图像；请安装 fonts-wqy-microhei 或设置 {FONT_ENV}",
            f"no CJK font found to draw tickets; install fonts-wqy-microhei or set {FONT_ENV}",
            status=500,
        )


# --- text mode ---------------------------------------------------------------------------------


def encode_text(text: str, encoding: str = "gb18030") -> bytes:
    """Printer bytes for one line: ASCII as is, everything else as one two-byte code.

    Control characters and combining marks are dropped (they would be commands or garbage);
    characters the encoding lacks, or that GB18030 can only give as four bytes (no printer font has
    them), print as ``□`` so the column count stays right and the gap is visible.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported printer encoding {encoding!r}")
    replacement = REPLACEMENT_CHAR.encode(encoding)
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x80:
            if 0x20 <= code < 0x7F:
                out.append(code)
            continue
        if char_columns(char) == 0:
            continue
        try:
            encoded = char.encode(encoding)
        except UnicodeEncodeError:
            encoded = replacement
        out += encoded if len(encoded) == 2 else replacement
    return bytes(out)


class _TextStyle:
    """Sends style commands only when they change (after ESC @ everything is left/normal/plain)."""

    def __init__(self, printer: Escpos) -> None:
        self._printer = printer
        self._align = Align.LEFT
        self._scale = 1
        self._bold = False

    def apply(self, align: Align, scale: int, bold: bool) -> None:
        if align is not self._align:
            self._printer.set(align=align.value)
            self._align = align
        if scale != self._scale:
            self._printer.set(custom_size=True, width=scale, height=scale)  # GS ! also scales Chinese
            self._scale = scale
        if bold != self._bold:
            self._printer.set(bold=bold)
            self._bold = bold


def render_text(layout: SlipLayout, printer: Escpos, *, encoding: str = "gb18030", qr: QrMethod = QrMethod.NATIVE) -> None:
    """Send ``layout`` to ``printer`` in text mode, then cut."""
    printer._raw(INIT + CHINESE_MODE_ON)
    style = _TextStyle(printer)
    for block in layout.blocks:
        if isinstance(block, TextLine):
            style.apply(block.align, block.size.scale, block.bold)
            printer._raw(encode_text(block.text, encoding) + LF)
        elif isinstance(block, Separator):
            style.apply(Align.LEFT, 1, False)
            printer._raw(b"-" * layout.columns + LF)
        elif isinstance(block, QrBlock):
            style.apply(Align.CENTER, 1, False)
            if qr is QrMethod.NATIVE:
                printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module_dots, native=True)
                printer._raw(LF)
            else:
                _send_image(printer, _draw([block], layout.columns, margins=False))
        elif isinstance(block, Gap):
            printer._raw(LF * block.lines)
    style.apply(Align.LEFT, 1, False)
    printer.cut()


# --- raster mode -------------------------------------------------------------------------------


def find_cjk_font() -> Path:
    """The CJK font file used for raster tickets: ``$HALLQ_CJK_FONT`` or the first installed candidate."""
    configured = os.environ.get(FONT_ENV)
    for candidate in ((configured,) if configured else ()) + FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise FontMissingError()


# One FreeType face must not render in two threads at once (a kiosk and a preview printer may
# draw at the same time); glyphs are cached, so the lock is only taken on a cache miss.
_FREETYPE_LOCK = threading.Lock()


@lru_cache(maxsize=16)
def _font(path: Path, pixels: int) -> ImageFont.FreeTypeFont:
    """A loaded font face, cached: opening a .ttc costs milliseconds, drawing with it microseconds.

    WenQuanYi Micro Hei's second face is its monospaced variant, whose Latin letters all advance
    0.6 em; drawn at 5/6 of the Chinese size they land exactly on the 12-dot column grid.
    """
    index = 1 if "microhei" in path.name.lower() else 0
    try:
        return ImageFont.truetype(str(path), pixels, index=index)
    except OSError:
        return ImageFont.truetype(str(path), pixels)


def _line_height(scale: int) -> int:
    return BASE_LINE_HEIGHT * scale + LINE_GAP


def _qr_matrix(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def _qr_image(data: str, module: int) -> Image.Image:
    """The QR symbol, black on white, ``module`` pixels per module, without quiet zone."""
    matrix = _qr_matrix(data)
    side = len(matrix)
    small = Image.new("1", (side, side), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    return small.resize((side * module, side * module), Image.Resampling.NEAREST)


def _block_height(block: Block, qr_images: dict[int, Image.Image], index: int) -> int:
    if isinstance(block, TextLine):
        return _line_height(block.size.scale)
    if isinstance(block, Separator):
        return _line_height(1) // 2 + 4
    if isinstance(block, QrBlock):
        quiet = QR_QUIET_MODULES * block.module_dots
        return qr_images[index].height + 2 * quiet
    if isinstance(block, Gap):
        return _line_height(1) * block.lines
    raise TypeError(f"unknown block {block!r}")


@lru_cache(maxsize=8192)
def _glyph(font_path: Path, pixels: int, char: str) -> Image.Image:
    """One character as a 1-bit paste mask (1 = ink) whose top is the font's ascent above the baseline.

    FreeType takes ~60 µs per Chinese glyph; a ticket has a few hundred, mostly the same labels
    every time, so glyphs are drawn once per process and pasted afterwards (~2 µs each).
    """
    with _FREETYPE_LOCK:
        font = _font(font_path, pixels)
        ascent, descent = font.getmetrics()
        width = max(1, round(font.getlength(char)) + 2)
        cell = Image.new("L", (width, ascent + descent), 0)
        ImageDraw.Draw(cell).text((0, ascent), char, font=font, fill=255, anchor="ls")
    return cell.point(lambda value: 255 if value >= 128 else 0, mode="1")


@lru_cache(maxsize=64)
def _ascent(font_path: Path, pixels: int) -> int:
    with _FREETYPE_LOCK:
        return _font(font_path, pixels).getmetrics()[0]


def _draw_text(image: Image.Image, font_path: Path, line: TextLine, top: int) -> None:
    scale = line.size.scale
    cell = DOTS_PER_COLUMN * scale
    line_width = sum(char_columns(char) for char in line.text) * cell
    if line.align is Align.CENTER:
        left = (image.width - line_width) // 2
    elif line.align is Align.RIGHT:
        left = image.width - line_width
    else:
        left = 0
    baseline = top + LINE_GAP // 2 + 21 * scale
    strikes = range(scale + 1) if line.bold else range(1)  # emphasis as printers do it: shifted strikes
    column = 0
    for char in line.text:
        width = char_columns(char)
        if width == 0 or char == " ":
            column += width
            continue
        pixels = 24 * scale if width == 2 else 20 * scale
        mask = _glyph(font_path, pixels, char)
        glyph_top = baseline - _ascent(font_path, pixels)
        for shift in strikes:
            image.paste(0, (left + column * cell + shift, glyph_top), mask)
        column += width


def _draw(blocks: list[Block] | tuple[Block, ...], columns: int, *, margins: bool = True) -> Image.Image:
    paper_width = columns * DOTS_PER_COLUMN
    font_path = find_cjk_font()
    qr_images = {index: _qr_image(block.data, block.module_dots) for index, block in enumerate(blocks) if isinstance(block, QrBlock)}
    heights = [_block_height(block, qr_images, index) for index, block in enumerate(blocks)]
    top_margin, bottom_margin = (TOP_MARGIN, BOTTOM_MARGIN) if margins else (0, 0)
    image = Image.new("1", (paper_width, top_margin + sum(heights) + bottom_margin), 1)
    draw = ImageDraw.Draw(image)
    top = top_margin
    for index, (block, height) in enumerate(zip(blocks, heights, strict=True)):
        if isinstance(block, TextLine):
            _draw_text(image, font_path, block, top)
        elif isinstance(block, Separator):
            middle = top + height // 2
            draw.rectangle((0, middle - 1, paper_width - 1, middle), fill=0)
        elif isinstance(block, QrBlock):
            symbol = qr_images[index]
            image.paste(symbol, ((paper_width - symbol.width) // 2, top + QR_QUIET_MODULES * block.module_dots))
        top += height
    return image


def render_png(layout: SlipLayout) -> Image.Image:
    """The slip as a 1-bit image exactly as wide as the paper (576 px for 80 mm), black on white."""
    return _draw(layout.blocks, layout.columns)


def raster_bytes(image: Image.Image, fragment_height: int = RASTER_FRAGMENT_ROWS) -> bytes:
    """GS v 0 raster commands for a 1-bit image (black = print), in bands of ``fragment_height`` rows.

    Byte for byte what python-escpos ``image(img, impl="bitImageRaster")`` sends (a test checks it),
    made here because ``EscposImage`` converts each band through RGBA and greyscale, which costs
    about 10 ms per band and dominated the raster ticket time.
    """
    # PIL "1" stores black as 0, ESC/POS wants a set bit per dot; ImageChops.invert ignores mode "1"
    ink = ImageChops.invert(image.convert("L")).convert("1", dither=Image.Dither.NONE)
    width_bytes = (ink.width + 7) // 8
    out = bytearray()
    for band_top in range(0, ink.height, fragment_height):
        band = ink.crop((0, band_top, ink.width, min(band_top + fragment_height, ink.height)))
        out += GS_V0 + b"\x00" + width_bytes.to_bytes(2, "little") + band.height.to_bytes(2, "little")
        out += band.tobytes()
    return bytes(out)


def _send_image(printer: Escpos, image: Image.Image) -> None:
    printer._raw(raster_bytes(image))


def render_raster(layout: SlipLayout, printer: Escpos) -> None:
    """Send ``layout`` to ``printer`` as one raster image, then cut."""
    image = render_png(layout)
    printer._raw(INIT)
    _send_image(printer, image)
    printer.cut()


def render(
    layout: SlipLayout,
    printer: Escpos,
    mode: RenderMode = RenderMode.TEXT,
    *,
    encoding: str = "gb18030",
    qr: QrMethod = QrMethod.NATIVE,
) -> None:
    """Send ``layout`` to ``printer`` in ``mode``."""
    if mode is RenderMode.TEXT:
        render_text(layout, printer, encoding=encoding, qr=qr)
    else:
        render_raster(layout, printer)
