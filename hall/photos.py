"""岗位公示 photos: what a clerk's photo file may be, checked before it is stored.

A photo is a PNG or JPEG of at most :data:`MAX_PHOTO_BYTES`, between :data:`MIN_SIDE` and
:data:`MAX_SIDE` pixels a side. The type comes from the file's first bytes and the size from its
header (PNG's IHDR, JPEG's start-of-frame), and it must end as a complete file does, never from a name or a claimed content type, so a
renamed file or a truncated upload is refused with a clear message in both languages. Each
stored photo has a tag (a digest of its bytes) that clerk cards carry, so screens refetch a
photo only when it changed.

Plain Python: no Qt, no imaging library (the server must not decode untrusted images).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from hall.text import HallRuleError

MAX_PHOTO_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 48, 2400
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_END = b"IEND\xaeB`\x82"  # the last chunk of every complete PNG
JPEG_END = b"\xff\xd9"  # end of image
# JPEG start-of-frame markers (baseline, progressive, ...) carry the height and width.
JPEG_FRAME_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class PhotoInfo:
    media_type: str  # image/png or image/jpeg
    width: int
    height: int
    tag: str  # the first 16 hex digits of the bytes' SHA-256


def _bad(code: str, zh: str, en: str) -> HallRuleError:
    return HallRuleError(code, zh, en, 422)


def photo_tag(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def _png_size(content: bytes) -> tuple[int, int] | None:
    if len(content) < 24 or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            return None
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if marker in JPEG_FRAME_MARKERS:
            if at + 9 > len(content):
                return None
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header: not a photo we can size
            return None
        at += 2 + length
    return None


def check_photo(content: bytes) -> PhotoInfo:
    """The photo's type, size and tag; a bilingual 422 when it is not one we accept."""
    if not content:
        raise _bad("photo_empty", "照片文件为空", "the photo file is empty")
    if len(content) > MAX_PHOTO_BYTES:
        raise _bad(
            "photo_too_large",
            f"照片过大（{len(content) // 1024} KB），最大 {MAX_PHOTO_BYTES // 1024} KB",
            f"the photo is too large ({len(content) // 1024} KB); at most {MAX_PHOTO_BYTES // 1024} KB",
        )
    if content.startswith(PNG_MAGIC):
        media_type, size, complete = "image/png", _png_size(content), content.endswith(PNG_END)
    elif content.startswith(JPEG_MAGIC):
        # some cameras pad after the end marker
        media_type, size, complete = "image/jpeg", _jpeg_size(content), content.rstrip(b"\0").endswith(JPEG_END)
    else:
        raise _bad("photo_type", "照片须为 PNG 或 JPEG 图片", "the photo must be a PNG or JPEG image")
    if size is None or not complete:  # a cut-off upload would show half a face
        raise _bad("photo_damaged", "照片文件已损坏或不完整", "the photo file is damaged or incomplete")
    width, height = size
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise _bad(
            "photo_dimensions",
            f"照片尺寸 {width}×{height} 不合适，每边应在 {MIN_SIDE} 至 {MAX_SIDE} 像素之间",
            f"the photo is {width}×{height}; each side must be {MIN_SIDE} to {MAX_SIDE} pixels",
        )
    return PhotoInfo(media_type, width, height, photo_tag(content))
