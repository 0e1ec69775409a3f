"""Golden frames of the 二代身份证 reader protocol, the text block, and a decoder that never stalls."""

from __future__ import annotations

import random

import pytest

from hardware.idcard.fakes import sample_card
from hardware.idcard.protocol import (
    PREAMBLE,
    BadFrame,
    BadFrameReason,
    Command,
    Frame,
    FrameDecoder,
    Status,
    base_message,
    build_text,
    encode_answer,
    encode_command,
    parse_base_message,
    parse_text,
)

# Golden frames as the readers' manuals print them.
FIND = "AA AA AA 96 69 00 03 20 01 22"
SELECT = "AA AA AA 96 69 00 03 20 02 21"
READ_BASE = "AA AA AA 96 69 00 03 30 01 32"
FOUND = "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
NOT_FOUND = "AA AA AA 96 69 00 04 00 00 80 84"


def golden(text: str) -> bytes:
    return bytes.fromhex(text)


def test_commands_match_the_golden_frames() -> None:
    assert encode_command(Command.FIND) == golden(FIND)
    assert encode_command(Command.SELECT) == golden(SELECT)
    assert encode_command(Command.READ_BASE) == golden(READ_BASE)


def test_answers_match_the_golden_frames() -> None:
    assert encode_answer(Status.FOUND, bytes(4)) == golden(FOUND)
    assert encode_answer(Status.NOT_FOUND) == golden(NOT_FOUND)


def test_decoder_reads_golden_answers() -> None:
    frames = FrameDecoder().feed(golden(FOUND) + golden(NOT_FOUND))
    assert [f.status for f in frames if isinstance(f, Frame)] == [Status.FOUND, Status.NOT_FOUND]


def read_answer_golden() -> bytes:
    """A whole 读固定信息 answer for the sample card, byte for byte: 1295 bytes."""
    card = sample_card()
    return encode_answer(Status.OK, base_message(card))


def test_read_base_answer_layout() -> None:
    frame = read_answer_golden()
    assert len(frame) == 5 + 2 + 3 + 4 + 256 + 1024 + 1
    assert frame[:5] == PREAMBLE
    assert frame[5:7] == (3 + 4 + 256 + 1024 + 1).to_bytes(2, "big")    # 0x0508
    assert frame[7:10] == bytes((0, 0, 0x90))
    assert frame[10:14] == bytes.fromhex("01000400")                     # text 256, photo 1024
    text = frame[14:270]
    assert text[:4] == "张三".encode("utf-16-le")
    assert text[30:32] == b"1\x00"                                      # sex code
    assert text[32:36] == b"0\x001\x00"                                  # nation 01
    assert text[122:158].decode("utf-16-le") == sample_card().id_number  # ID number at 122, 18 chars


def test_text_block_round_trip() -> None:
    card = sample_card(7, name="欧阳娜娜", sex="2")
    block = build_text(card)
    assert len(block) == 256
    assert parse_text(block) == card
    assert card.sex_name == "女" and card.nation_name == "汉"


def test_card_repr_hides_the_number() -> None:
    card = sample_card()
    assert card.id_number not in repr(card)
    assert card.masked == card.id_number[:4] + "*" * 10 + card.id_number[-4:]


def test_long_term_validity() -> None:
    card = sample_card()
    card = type(card)(**{**card.__dict__, "valid_to": "长期"})
    assert parse_base_message(base_message(card)).valid_to == "长期"


def test_bad_base_message() -> None:
    with pytest.raises(ValueError):
        parse_base_message(b"\x01\x00")
    with pytest.raises(ValueError):
        parse_base_message(bytes.fromhex("01000400") + bytes(100))


def good(items: list[Frame | BadFrame]) -> list[Frame]:
    return [i for i in items if isinstance(i, Frame)]


def test_garbage_and_half_frames_are_skipped_without_losing_the_next_card() -> None:
    answer = read_answer_golden()
    stream = b"\x00\xff\x13garbage" + answer[:300] + golden(FOUND)[:6] + answer + b"\xaa\xaa"
    items = FrameDecoder().feed(stream)
    frames = good(items)
    assert len(frames) == 1 and parse_base_message(frames[0].data) == sample_card()
    reasons = {i.reason for i in items if isinstance(i, BadFrame)}
    assert BadFrameReason.GARBAGE in reasons and reasons & {BadFrameReason.BAD_CHECKSUM, BadFrameReason.TRUNCATED}


def test_a_cut_frame_followed_by_a_new_one_is_dropped_at_once() -> None:
    decoder = FrameDecoder()
    items = decoder.feed(read_answer_golden()[:200] + golden(FOUND))
    assert [f.status for f in good(items)] == [Status.FOUND]
    assert any(isinstance(i, BadFrame) and i.reason is BadFrameReason.TRUNCATED for i in items)
    assert decoder.flush() == []


def test_bad_checksum_is_dropped_and_the_next_frame_read() -> None:
    broken = bytearray(golden(FOUND))
    broken[-1] ^= 0xFF
    items = FrameDecoder().feed(bytes(broken) + golden(NOT_FOUND))
    assert [f.status for f in good(items)] == [Status.NOT_FOUND]
    assert any(isinstance(i, BadFrame) and i.reason is BadFrameReason.BAD_CHECKSUM for i in items)


def test_any_cut_of_the_stream_gives_the_same_frames() -> None:
    stream = golden(NOT_FOUND) + b"noise" + read_answer_golden() + golden(FOUND)
    rng = random.Random(17)
    for _ in range(200):
        decoder = FrameDecoder()
        frames: list[Frame] = []
        at = 0
        while at < len(stream):
            step = rng.randint(1, 64)
            frames += good(decoder.feed(stream[at : at + step]))
            at += step
        assert [f.status for f in frames] == [Status.NOT_FOUND, Status.OK, Status.FOUND]


def test_random_bytes_never_raise() -> None:
    rng = random.Random(5)
    decoder = FrameDecoder()
    for _ in range(300):
        decoder.feed(bytes(rng.randrange(256) for _ in range(rng.randint(0, 50))) + PREAMBLE[: rng.randint(0, 5)])
    assert sum(b.size for b in decoder.flush()) < 5000
    assert good(FrameDecoder().feed(golden(FOUND)))
