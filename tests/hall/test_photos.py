"""岗位公示 photo checks: type from the bytes, size from the header, bilingual refusals."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from hall.photos import MAX_PHOTO_BYTES, check_photo, photo_tag
from hall.text import HallRuleError
from ui.avatars import avatar_png


def image_bytes(fmt: str, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#88aacc").save(buffer, fmt)
    return buffer.getvalue()


def refused(content: bytes) -> HallRuleError:
    with pytest.raises(HallRuleError) as caught:
        check_photo(content)
    assert caught.value.status == 422 and caught.value.message.zh and caught.value.message.en
    return caught.value


def test_png_and_jpeg_are_sized_from_their_headers() -> None:
    png = check_photo(image_bytes("PNG", 300, 400))
    assert (png.media_type, png.width, png.height) == ("image/png", 300, 400)
    jpeg = check_photo(image_bytes("JPEG", 240, 320))
    assert (jpeg.media_type, jpeg.width, jpeg.height) == ("image/jpeg", 240, 320)
    progressive = io.BytesIO()
    Image.new("RGB", (200, 260)).save(progressive, "JPEG", progressive=True)
    assert check_photo(progressive.getvalue()).height == 260
    avatar = avatar_png("1001")
    assert check_photo(avatar).tag == photo_tag(avatar) and len(photo_tag(avatar)) == 16


def test_what_is_not_a_photo_is_refused_in_both_languages() -> None:
    assert refused(b"").code == "photo_empty"
    assert refused(b"GIF89a" + b"\0" * 100).code == "photo_type"
    assert refused("一张照片".encode()).code == "photo_type"
    assert refused(image_bytes("PNG", 300, 400)[:20]).code == "photo_damaged"  # cut before the size
    assert refused(b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"\0" * 14 + b"\xff\xda").code == "photo_damaged"
    assert refused(image_bytes("PNG", 20, 20)).code == "photo_dimensions"
    assert refused(image_bytes("PNG", 3000, 100)).code == "photo_dimensions"
    too_large = b"\0" * MAX_PHOTO_BYTES + image_bytes("PNG", 300, 400)
    error = refused(too_large)
    assert error.code == "photo_too_large" and "512 KB" in error.message.zh and "512 KB" in error.message.en
