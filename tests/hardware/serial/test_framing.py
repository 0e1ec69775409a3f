"""The keypad-bus frame codec, on recorded byte strings and on the ways real lines go wrong."""

from __future__ import annotations

import pytest

from hardware.serial.framing import (
    MAX_DATA,
    MAX_FRAME,
    BadFrame,
    BadFrameReason,
    Frame,
    FrameDecoder,
    checksum,
    encode_frame,
)

# Recorded: keypad 01 pressed 呼叫 (0C); rater 02 pressed 满意 (02); server shows " A023 " on 01.
CALL_01 = bytes.fromhex("FF 68 03 03 68 01 01 0C 0E 16")
RATE_02 = bytes.fromhex("FF 68 03 03 68 02 11 02 15 16")
SHOW_01 = bytes.fromhex("FF 68 08 08 68 01 02 20 41 30 32 33 20 19 16")


def frames(items: list[Frame | BadFrame]) -> list[Frame]:
    return [item for item in items if isinstance(item, Frame)]


def bad(items: list[Frame | BadFrame]) -> list[BadFrame]:
    return [item for item in items if isinstance(item, BadFrame)]


def test_encode_matches_recorded_frames() -> None:
    assert encode_frame(0x01, 0x01, b"\x0c") == CALL_01
    assert encode_frame(0x02, 0x11, b"\x02") == RATE_02
    assert encode_frame(0x01, 0x02, b" A023 ") == SHOW_01
    assert encode_frame(0x05, 0x03) == bytes.fromhex("FF 68 02 02 68 05 03 08 16")


def test_len_counts_addr_through_last_data_byte() -> None:
    raw = encode_frame(0x10, 0x02, b"123456")
    assert raw[2] == raw[3] == 2 + 6
    assert len(raw) == raw[2] + 7


def test_checksum_wraps_modulo_256() -> None:
    assert checksum(0xFF, 0xFF, b"\xff\x03") == (0xFF * 3 + 3) % 256
    raw = encode_frame(0xFF, 0xFF, b"\xff\x03")
    assert FrameDecoder().feed(raw) == [Frame(0xFF, 0xFF, b"\xff\x03")]


@pytest.mark.parametrize(
    ("addr", "func", "data"),
    [(256, 1, b""), (-1, 1, b""), (1, 256, b""), (1, 1, bytes(MAX_DATA + 1))],
)
def test_encode_refuses_what_does_not_fit(addr: int, func: int, data: bytes) -> None:
    with pytest.raises(ValueError):
        encode_frame(addr, func, data)


def test_largest_frame_round_trips() -> None:
    raw = encode_frame(1, 2, bytes(range(MAX_DATA)))
    assert len(raw) == MAX_FRAME
    assert FrameDecoder().feed(raw) == [Frame(1, 2, bytes(range(MAX_DATA)))]


def test_decodes_recorded_frames() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(CALL_01) == [Frame(0x01, 0x01, b"\x0c")]
    assert decoder.feed(RATE_02) == [Frame(0x02, 0x11, b"\x02")]
    assert decoder.feed(SHOW_01) == [Frame(0x01, 0x02, b" A023 ")]
    assert decoder.pending == 0


def test_split_byte_by_byte() -> None:
    decoder = FrameDecoder()
    out: list[Frame | BadFrame] = []
    for byte in CALL_01 + RATE_02:
        out += decoder.feed(bytes((byte,)))
    assert out == [Frame(1, 1, b"\x0c"), Frame(2, 0x11, b"\x02")]


def test_split_at_every_position() -> None:
    stream = CALL_01 + SHOW_01
    for cut in range(len(stream) + 1):
        decoder = FrameDecoder()
        out = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        assert out == [Frame(1, 1, b"\x0c"), Frame(1, 2, b" A023 ")], cut


def test_merged_frames_in_one_read() -> None:
    out = FrameDecoder().feed(CALL_01 + RATE_02 + SHOW_01 + CALL_01)
    assert [f.func for f in frames(out)] == [0x01, 0x11, 0x02, 0x01]
    assert bad(out) == []


def test_garbage_between_frames_is_reported_and_skipped() -> None:
    out = FrameDecoder().feed(b"\x00\x13noise" + CALL_01 + b"\x68\x16\x16" + RATE_02)
    assert frames(out) == [Frame(1, 1, b"\x0c"), Frame(2, 0x11, b"\x02")]
    assert bad(out) == [
        BadFrame(BadFrameReason.GARBAGE, b"\x00\x13noise"),
        BadFrame(BadFrameReason.GARBAGE, b"\x68\x16\x16"),
    ]


def test_idle_ff_bytes_are_not_noise() -> None:
    out = FrameDecoder().feed(b"\xff\xff\xff" + CALL_01 + b"\xff\xff")
    assert out == [Frame(1, 1, b"\x0c")]


def test_trailing_ff_waits_for_its_68() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"xyz\xff") == [BadFrame(BadFrameReason.GARBAGE, b"xyz")]
    assert decoder.pending == 1
    assert decoder.feed(CALL_01[1:]) == [Frame(1, 1, b"\x0c")]


def test_bad_checksum_dropped_with_reason_next_frame_kept() -> None:
    corrupt = bytearray(CALL_01)
    corrupt[-2] ^= 0x01
    out = FrameDecoder().feed(bytes(corrupt) + RATE_02)
    assert out == [BadFrame(BadFrameReason.BAD_CHECKSUM, bytes(corrupt)), Frame(2, 0x11, b"\x02")]


def test_flipped_data_bit_fails_checksum() -> None:
    corrupt = bytearray(SHOW_01)
    corrupt[8] ^= 0x40
    assert FrameDecoder().feed(bytes(corrupt)) == [BadFrame(BadFrameReason.BAD_CHECKSUM, bytes(corrupt))]


def test_missing_end_byte() -> None:
    corrupt = CALL_01[:-1] + b"\x17"
    out = FrameDecoder().feed(corrupt + CALL_01)
    assert out == [BadFrame(BadFrameReason.MISSING_END, corrupt), Frame(1, 1, b"\x0c")]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("FF 68 03 04 68", BadFrameReason.LENGTH_MISMATCH),
        ("FF 68 01 01 68", BadFrameReason.BAD_LENGTH),
        ("FF 68 00 00 68", BadFrameReason.BAD_LENGTH),
        ("FF 68 03 03 69", BadFrameReason.BAD_HEADER),
    ],
)
def test_bad_headers(header: str, reason: BadFrameReason) -> None:
    raw = bytes.fromhex(header)
    out = FrameDecoder().feed(raw + b"\x01\x01\x0c\x0e\x16" + CALL_01)
    assert out[0] == BadFrame(reason, raw)
    assert frames(out) == [Frame(1, 1, b"\x0c")]


def test_truncated_frame_followed_by_good_frame() -> None:
    """A keypad reset mid-frame: half a frame, then a whole one. The whole one must survive,
    even though the half frame's LEN claims bytes that belong to it."""
    half = SHOW_01[:9]
    out = FrameDecoder().feed(half + CALL_01 + RATE_02)
    assert frames(out) == [Frame(1, 1, b"\x0c"), Frame(2, 0x11, b"\x02")]
    assert [b.reason for b in bad(out)] == [BadFrameReason.MISSING_END]
    assert bad(out)[0].raw.startswith(half)


def test_truncated_frame_at_end_is_held_then_flushed() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(CALL_01 + SHOW_01[:7]) == [Frame(1, 1, b"\x0c")]
    assert decoder.pending == 7
    assert decoder.flush() == [BadFrame(BadFrameReason.TRUNCATED, SHOW_01[:7])]
    assert decoder.pending == 0
    assert decoder.feed(RATE_02) == [Frame(2, 0x11, b"\x02")]


def test_bytes_already_reported_are_not_reported_again_as_garbage() -> None:
    corrupt = CALL_01[:-2] + b"\x00\x16"
    out = FrameDecoder().feed(corrupt + RATE_02)
    assert out == [BadFrame(BadFrameReason.BAD_CHECKSUM, corrupt), Frame(2, 0x11, b"\x02")]


def test_pending_never_exceeds_one_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\xff\x68\xff\xff\x68")   # claims 255 bytes
    for _ in range(300):
        decoder.feed(b"\x00")
        assert decoder.pending <= MAX_FRAME
