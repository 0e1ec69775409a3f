"""Rendering to ESC/POS (python-escpos Dummy) and PNG: golden bytes, Chinese bytes, QR that scans.

Golden files live in ``golden/``; after an intended change run the tests with
``HALLQ_UPDATE_GOLDEN=1`` to rewrite them and look at the diff. The raster goldens depend on the
installed CJK font and FreeType: a new font version changes them, which is worth seeing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image
from pyzbar.pyzbar import decode

from hardware.printer.escpos_render import (
    CHINESE_MODE_ON,
    INIT,
    QrMethod,
    RenderMode,
    encode_text,
    raster_bytes,
    render,
    render_png,
    render_text,
)
from hardware.printer.layout import COLUMNS_58MM, PromiseNotice, TicketSlip, layout_promise_notice, layout_ticket

GOLDEN = Path(__file__).with_name("golden")
UPDATE_GOLDEN = os.environ.get("HALLQ_UPDATE_GOLDEN") == "1"
CUT = b"\x1dV\x00"


def check_golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"missing golden file {path}; run with HALLQ_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes()
    if actual != expected:
        first = next((i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b), min(len(actual), len(expected)))
        pytest.fail(
            f"{name}: {len(actual)} bytes, golden has {len(expected)}; first difference at byte {first}: "
            f"{actual[first:first + 24]!r} != {expected[first:first + 24]!r}. "
            "If the change is intended, rerun with HALLQ_UPDATE_GOLDEN=1 and review the diff."
        )


def rendered(layout, mode: RenderMode = RenderMode.TEXT, **options) -> bytes:  # type: ignore[no-untyped-def]
    printer = Dummy()
    render(layout, printer, mode, **options)
    return printer.output


_COMMANDS = re.compile(
    rb"\x1b@|\x1c&|\x1ba[\x00-\x02]|\x1d!.|\x1bE[\x00\x01]|\x1bd.|\x1dV\x00"
    rb"|\x1d\(k(?P<len>..)",
    re.DOTALL,
)


def printed_lines(output: bytes, encoding: str = "gb18030") -> list[str]:
    """The text a printer would print: commands removed (a QR becomes "[QR:data]"), lines decoded."""
    text = bytearray()
    position = 0
    while position < len(output):
        match = _COMMANDS.match(output, position)
        if match is None:
            text.append(output[position])
            position += 1
            continue
        if match.group("len"):
            length = int.from_bytes(match.group("len"), "little")
            payload = output[match.end() : match.end() + length]
            if payload[:3] == b"1P0":
                text += b"[QR:" + payload[3:] + b"]"
            position = match.end() + length
        else:
            position = match.end()
    return bytes(text).decode(encoding).split("\n")


# --- golden bytes ----------------------------------------------------------------------------


def test_golden_ticket_text_mode(slip: TicketSlip) -> None:
    check_golden("ticket-text.bin", rendered(layout_ticket(slip)))


def test_golden_ticket_raster_mode(slip: TicketSlip) -> None:
    check_golden("ticket-raster.bin", rendered(layout_ticket(slip), RenderMode.RASTER))


def test_golden_promise_notice_text_mode(notice: PromiseNotice) -> None:
    check_golden("promise-notice-text.bin", rendered(layout_promise_notice(notice)))


def test_golden_ticket_text_mode_gbk_58mm(slip: TicketSlip) -> None:
    check_golden("ticket-text-gbk-58mm.bin", rendered(layout_ticket(slip, COLUMNS_58MM), encoding="gbk"))


# --- text mode: Chinese bytes ----------------------------------------------------------------


def test_python_escpos_text_turns_full_width_punctuation_into_question_marks() -> None:
    # The pitfall (DESIGN.md §6): a chunk of only full-width punctuation becomes "?".
    printer = Dummy()
    printer.text("：（）")
    assert b"???" in printer.output
    assert encode_text("：（）") == "：（）".encode("gb18030") == b"\xa3\xba\xa3\xa8\xa3\xa9"


def test_text_mode_prints_every_line_as_correct_gb18030(slip: TicketSlip) -> None:
    layout = layout_ticket(slip)
    output = rendered(layout)
    assert output.startswith(INIT + CHINESE_MODE_ON)
    lines = printed_lines(output)
    expected = [line.text for line in layout.text_lines()]
    assert [line for line in lines if line and not line.startswith(("-----", "[QR:"))] == expected
    assert f"[QR:{slip.status_url}]" in lines
    assert b"?" not in output.replace(slip.status_url.encode(), b"")
    assert "请备齐以下材料（一次性告知）：".encode("gb18030") in output


def test_gbk_printers_get_gbk_bytes(slip: TicketSlip) -> None:
    layout = layout_ticket(slip)
    output = rendered(layout, encoding="gbk")
    assert [line for line in printed_lines(output, "gbk") if line and not line.startswith(("-----", "[QR:"))] == [
        line.text for line in layout.text_lines()
    ]


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("号码A023：", "gb18030", "号码".encode("gb18030") + b"A023" + b"\xa3\xba"),
        ("€", "gb18030", b"\xa2\xe3"),
        ("€", "gbk", "□".encode("gbk")),              # not in GBK
        ("𠀀", "gb18030", "□".encode("gb18030")),      # four-byte GB18030: no printer font has it
        ("•", "gb18030", "□".encode("gb18030")),
        ("e\u0301", "gb18030", b"e"),
        ("A\x1b@\x1dV\x00B", "gb18030", b"A@VB"),      # control characters never reach the printer
    ],
)
def test_encode_text(text: str, encoding: str, expected: bytes) -> None:
    assert encode_text(text, encoding) == expected


def test_encoded_width_matches_the_column_count() -> None:
    from hardware.printer.columns import text_columns

    for text in ("预计等候：约 25 分钟", "€𠀀•·—ñ", "Complaints hotline: 12345"):
        assert len(encode_text(text)) == text_columns(text)


def test_native_qr_is_centred_by_alignment_not_by_the_center_flag(slip: TicketSlip) -> None:
    with pytest.raises(NotImplementedError):
        Dummy().qr("https://x.example", native=True, center=True)  # the pitfall
    output = rendered(layout_ticket(slip))
    qr_start = output.index(b"\x1d(k")
    assert output[:qr_start].rfind(b"\x1ba") == qr_start - 3 and output[qr_start - 1] == 1


def test_text_mode_image_qr_for_printers_without_native_qr(slip: TicketSlip) -> None:
    output = rendered(layout_ticket(slip), qr=QrMethod.IMAGE)
    assert b"\x1d(k" not in output and b"\x1dv0" in output


@pytest.mark.parametrize("mode", list(RenderMode))
def test_every_slip_ends_with_a_cut(slip: TicketSlip, mode: RenderMode) -> None:
    assert rendered(layout_ticket(slip), mode).endswith(CUT)


def test_style_state_resets_to_normal_before_the_cut(slip: TicketSlip) -> None:
    printer = Dummy()
    render_text(layout_ticket(slip), printer)
    tail = printer.output[-20:]
    assert b"\x1ba\x00" in tail


# --- raster mode -----------------------------------------------------------------------------


def test_raster_image_is_paper_wide_and_one_bit(slip: TicketSlip) -> None:
    image = render_png(layout_ticket(slip))
    assert image.mode == "1" and image.width == 576
    assert render_png(layout_ticket(slip, COLUMNS_58MM)).width == 384


def test_qr_in_the_raster_ticket_scans_to_the_status_url(slip: TicketSlip) -> None:
    results = decode(render_png(layout_ticket(slip)).convert("L"))
    assert [result.data.decode() for result in results] == [slip.status_url]


def test_qr_in_the_raster_notice_scans(notice: PromiseNotice) -> None:
    results = decode(render_png(layout_promise_notice(notice)).convert("L"))
    assert [result.data.decode() for result in results] == [notice.status_url]


def test_raster_bytes_equal_what_python_escpos_image_sends(slip: TicketSlip) -> None:
    image = render_png(layout_ticket(slip))
    assert image.height > 960  # two bands
    printer = Dummy()
    printer.image(image, impl="bitImageRaster")
    assert raster_bytes(image) == printer.output


def test_raster_ticket_has_ink_where_the_text_is(slip: TicketSlip) -> None:
    image = render_png(layout_ticket(slip))
    # the big number sits in rows 180-280: plenty of black there, and nothing in the side margins
    band = image.crop((0, 180, 576, 280)).convert("L")
    histogram = band.histogram()
    assert histogram[0] > 3000
    assert image.crop((0, 180, 150, 280)).convert("L").histogram()[0] == 0


def test_raster_draws_rare_characters_the_printer_font_lacks(slip: TicketSlip) -> None:
    # 𬌗 is outside GBK: text mode prints □, raster draws it with the CJK font (if it has it)
    from dataclasses import replace

    image = render_png(layout_ticket(replace(slip, category_name="𬌗科")))
    assert isinstance(image, Image.Image)
    assert "□".encode("gb18030") in rendered(layout_ticket(replace(slip, category_name="𬌗科")))
