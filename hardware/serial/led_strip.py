"""LED window strips (窗口条屏): the one-line screen above a window that shows the called number.

Strips from different vendors speak different serial frames, but the simple ones share a shape:
a start byte, the strip's address, an area, the text in GB2312/GBK, an end byte and a checksum.
So the frame is a **format string** a hall can put in its device config, rendered by
:class:`LedFrameFormat`; the default is :data:`DEFAULT_LED_FORMAT`::

    {STX}{addr:02d}{area}{text}{ETX}{sum}

    show(3, "A023 请到3号窗口") sends
    02 | 30 33 | 52 30 | 41 30 32 33 20 C7 EB B5 BD 33 BA C5 B4 B0 BF DA | 03 | 42 31
    STX  "03"    "R0"    "A023 请到3号窗口" in GBK                        ETX  "B1"

Fields:

``{STX}`` ``{ETX}`` ``{CR}`` ``{LF}``, ``{xNN}``
    control bytes 02, 03, 0D, 0A, and any byte by hex (``{x1B}``).
``{addr}``, ``{addr_byte}``
    the strip address as ASCII with a format spec (``{addr:02d}``, ``{addr:02X}``), or one raw byte.
``{area}``
    the display area code (ASCII, from the ``area`` setting).
``{text}``, ``{len}``, ``{len_byte}``
    the text encoded GBK (or GB2312, setting ``encoding``); its byte length as ASCII or one byte.
``{sum}``, ``{sum_byte}``, ``{xor}``, ``{xor_byte}``
    arithmetic sum mod 256 or XOR of the bytes *after the first {STX}* (or from the frame start
    when there is none) up to the checksum field; ASCII with spec (default ``02X``) or one byte.

Anything else in the template is literal ASCII; ``{{`` and ``}}`` are literal braces.

**RAM, not flash.** Strips keep two kinds of areas: areas saved to flash survive power-off, and
dynamic (RAM) areas that do not. The called number changes every few minutes at every window;
written to flash it would wear the chip out (typically 10k–100k erase cycles: months in a busy
hall) and many strips blank or stall while they program flash. So hallq writes the changing
number to a RAM area (default area code ``R0``; set it to the vendor's code) and keeps fixed
text such as the window name in flash through the vendor's own tool. Because RAM is lost when
the strip loses power, :class:`LedStrip` remembers the last text of every window and sends it
again on every port (re)open and on :meth:`LedStrip.refresh`.
"""

from __future__ import annotations

import logging
import re
import string
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hall.text import Bilingual
from hardware.serial.link import DEFAULT_BACKOFF, LinkStatus, PortOpener, SerialLink

log = logging.getLogger(__name__)

DEFAULT_LED_FORMAT = "{STX}{addr:02d}{area}{text}{ETX}{sum}"
DEFAULT_AREA = "R0"
DEFAULT_ENCODING = "gbk"
STRIP_LABEL = Bilingual("窗口条屏", "LED window strips")

_CONTROL = {"STX": 0x02, "ETX": 0x03, "CR": 0x0D, "LF": 0x0A}
_RAW_BYTE = re.compile(r"x([0-9A-Fa-f]{2})")
_CHECKSUMS = {"sum", "sum_byte", "xor", "xor_byte"}
_FIELDS = {"addr", "addr_byte", "area", "text", "len", "len_byte", *_CHECKSUMS}


def _config_error(zh: str, en: str) -> ValueError:
    return ValueError(str(Bilingual(f"条屏帧格式错误：{zh}", f"bad LED frame format: {en}")))


@dataclass(frozen=True)
class _Piece:
    kind: str         # "bytes" or a field name
    value: bytes = b""
    spec: str = ""


class LedFrameFormat:
    """A parsed frame template. :meth:`render` is pure; bad templates fail at construction."""

    def __init__(self, template: str = DEFAULT_LED_FORMAT) -> None:
        self.template = template
        self._pieces: list[_Piece] = []
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise _config_error(f"{template!r}：{exc}", f"{template!r}: {exc}") from None
        for literal, field, spec, conversion in parsed:
            if literal:
                if not literal.isascii():
                    raise _config_error(f"模板文字只能是ASCII：{literal!r}", f"literal text must be ASCII: {literal!r}")
                self._pieces.append(_Piece("bytes", literal.encode("ascii")))
            if field is None:
                continue
            if conversion:
                raise _config_error(f"不支持“!{conversion}”", f"conversion !{conversion} is not supported")
            self._pieces.append(self._field(field, spec or ""))
        if not any(p.kind == "text" for p in self._pieces):
            raise _config_error("模板中没有{text}", "the template has no {text} field")
        self._check_specs()

    @staticmethod
    def _field(name: str, spec: str) -> _Piece:
        if name in _CONTROL:
            return _Piece("bytes", bytes((_CONTROL[name],)))
        match = _RAW_BYTE.fullmatch(name)
        if match:
            return _Piece("bytes", bytes((int(match.group(1), 16),)))
        if name not in _FIELDS:
            raise _config_error(f"未知字段{{{name}}}", f"unknown field {{{name}}}")
        if name in ("sum", "xor") and not spec:
            spec = "02X"
        return _Piece(name, spec=spec)

    def _check_specs(self) -> None:
        try:
            self.render(1, "A", b"x")
        except (ValueError, TypeError) as exc:
            raise _config_error(f"{self.template!r}：{exc}", f"{self.template!r}: {exc}") from None

    def render(self, addr: int, area: str, text: bytes) -> bytes:
        """The frame for already-encoded ``text`` at strip ``addr`` in ``area``."""
        out = bytearray()
        checked_from = 0
        seen_stx = False
        for piece in self._pieces:
            if piece.kind == "bytes":
                out += piece.value
                if not seen_stx and piece.value == bytes((_CONTROL["STX"],)):
                    seen_stx = True
                    checked_from = len(out)
            elif piece.kind == "addr":
                out += format(addr, piece.spec).encode("ascii")
            elif piece.kind == "addr_byte":
                out.append(_byte(addr, "address"))
            elif piece.kind == "area":
                out += format(area, piece.spec).encode("ascii")
            elif piece.kind == "text":
                out += text
            elif piece.kind == "len":
                out += format(len(text), piece.spec).encode("ascii")
            elif piece.kind == "len_byte":
                out.append(_byte(len(text), "text length"))
            else:
                covered = out[checked_from:]
                value = sum(covered) & 0xFF
                if piece.kind.startswith("xor"):
                    value = 0
                    for byte in covered:
                        value ^= byte
                if piece.kind.endswith("_byte"):
                    out.append(value)
                else:
                    out += format(value, piece.spec).encode("ascii")
        return bytes(out)


def _byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{what} {value} does not fit one byte")
    return value


def encode_text(text: str, encoding: str = DEFAULT_ENCODING) -> bytes:
    """``text`` in the strip's Chinese encoding; control characters and unencodable characters
    are refused (bilingual ``ValueError``) rather than shown as garbage above a window."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise ValueError(str(Bilingual(f"条屏文字含控制字符：{text!r}", f"LED text contains control characters: {text!r}")))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start:exc.end]
        raise ValueError(str(Bilingual(
            f"条屏无法显示“{bad}”（编码{encoding}）", f"the LED strip cannot show {bad!r} in {encoding}",
        ))) from None


class WindowStrip(Protocol):
    """What a program needs from the LED strips: show text above a window."""

    def show(self, window_addr: int, text: str) -> None: ...


class LedStrip:
    """LED strips on one serial port (usually an RS-485 line with one strip per window).

    ``target`` is a pyserial URL (the strip owns a write-only link) or an existing
    :class:`SerialLink`, e.g. ``keypad_bus.link`` when the strips share the keypads' line;
    a shared link is neither started nor stopped here and does not resend after reconnects
    (call :meth:`refresh` when its status comes back online).
    """

    def __init__(
        self,
        target: str | SerialLink,
        *,
        frame_format: str = DEFAULT_LED_FORMAT,
        area: str = DEFAULT_AREA,
        encoding: str = DEFAULT_ENCODING,
        baudrate: int = 9600,
        on_status: Callable[[LinkStatus], None] | None = None,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        open_port: PortOpener | None = None,
    ) -> None:
        if not area.isascii():
            raise _config_error(f"区域代码只能是ASCII：{area!r}", f"the area code must be ASCII: {area!r}")
        "".encode(encoding)   # LookupError now for an unknown encoding, not at the first call
        self.format = LedFrameFormat(frame_format)
        self.area = area
        self.encoding = encoding
        self._shown: dict[int, bytes] = {}
        self._lock = threading.Lock()
        if isinstance(target, SerialLink):
            self.link = target
            self._owns_link = False
        else:
            self.link = SerialLink(
                target,
                label=STRIP_LABEL,
                baudrate=baudrate,
                read=False,
                on_open=self._reopened,
                on_status=on_status,
                backoff=backoff,
                open_port=open_port,
            )
            self._owns_link = True

    def frame(self, window_addr: int, text: str) -> bytes:
        """The exact bytes :meth:`show` sends. Pure."""
        return self.format.render(window_addr, self.area, encode_text(text, self.encoding))

    def show(self, window_addr: int, text: str) -> None:
        """Show ``text`` on the strip at ``window_addr`` (RAM area). Never blocks; remembered."""
        data = self.frame(window_addr, text)
        with self._lock:
            self._shown[window_addr] = data
        self.link.send(data)

    def refresh(self) -> None:
        """Send every window's current text again (a strip may have been power-cycled)."""
        for data in self._snapshot():
            self.link.send(data)

    def start(self) -> LedStrip:
        if self._owns_link:
            self.link.start()
        return self

    def stop(self) -> None:
        if self._owns_link:
            self.link.stop()

    def __enter__(self) -> LedStrip:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _snapshot(self) -> list[bytes]:
        with self._lock:
            return list(self._shown.values())

    def _reopened(self) -> Iterable[bytes]:
        return self._snapshot()
