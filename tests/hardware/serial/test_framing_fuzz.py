"""Property tests: the decoder survives any byte stream cut any way, and loses no good frame."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is needed for the decoder fuzz tests")

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.serial.framing import MAX_DATA, MAX_FRAME, BadFrame, Frame, FrameDecoder

frame_st = st.builds(
    Frame,
    addr=st.integers(0, 255),
    func=st.integers(0, 255),
    data=st.binary(max_size=MAX_DATA),
)
# Noise that cannot itself contain a frame start (no 0x68), so every sent frame must come out.
noise_st = st.binary(max_size=40).map(lambda b: b.replace(b"\x68", b"\x00"))


def feed_in_chunks(decoder: FrameDecoder, stream: bytes, cuts: list[int]) -> list[Frame | BadFrame]:
    out: list[Frame | BadFrame] = []
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    for start, end in itertools.pairwise(points):
        out += decoder.feed(stream[start:end])
        assert decoder.pending <= MAX_FRAME
    return out


@settings(max_examples=500, deadline=None)
@given(stream=st.binary(max_size=600), cuts=st.lists(st.integers(0, 10_000), max_size=30))
def test_any_bytes_any_split_never_raise(stream: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    out = feed_in_chunks(decoder, stream, cuts)
    out += decoder.flush()
    assert all(isinstance(item, Frame | BadFrame) for item in out)
    assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(stream=st.binary(max_size=400), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_frames_found_do_not_depend_on_how_reads_split_the_stream(stream: bytes, cuts: list[int]) -> None:
    whole = FrameDecoder()
    expected = [i for i in whole.feed(stream) if isinstance(i, Frame)]
    chunked = FrameDecoder()
    got = [i for i in feed_in_chunks(chunked, stream, cuts) if isinstance(i, Frame)]
    assert got == expected
    assert chunked.pending == whole.pending


@settings(max_examples=300, deadline=None)
@given(frame=frame_st, cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_round_trip(frame: Frame, cuts: list[int]) -> None:
    assert feed_in_chunks(FrameDecoder(), frame.encode(), cuts) == [frame]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.tuples(noise_st, frame_st), max_size=8),
    tail=noise_st,
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
)
def test_good_frames_survive_surrounding_noise(parts: list[tuple[bytes, Frame]], tail: bytes, cuts: list[int]) -> None:
    stream = b"".join(noise + frame.encode() for noise, frame in parts) + tail
    out = feed_in_chunks(FrameDecoder(), stream, cuts)
    assert [i for i in out if isinstance(i, Frame)] == [frame for _, frame in parts]


# Frames whose address, function and data hold neither FF nor 68: then the only "FF 68" in a
# stream of them are the real frame starts, and one damaged byte can be judged exactly.
plain_byte = st.integers(0, 255).filter(lambda b: b not in (0xFF, 0x68))
plain_frame_st = st.builds(
    Frame,
    addr=plain_byte,
    func=plain_byte,
    data=st.lists(plain_byte, max_size=20).map(bytes),
)


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(plain_frame_st, min_size=1, max_size=6),
    damage_at=st.integers(0, 10_000),
    flip=st.integers(1, 255),
    cuts=st.lists(st.integers(0, 10_000), max_size=10),
)
def test_one_damaged_byte_costs_exactly_that_frame(frames: list[Frame], damage_at: int, flip: int, cuts: list[int]) -> None:
    encoded = [f.encode() for f in frames]
    stream = bytearray(b"".join(encoded))
    pos = damage_at % len(stream)
    stream[pos] ^= flip
    hit, offset = 0, 0
    while offset + len(encoded[hit]) <= pos:
        offset += len(encoded[hit])
        hit += 1
    decoder = FrameDecoder()
    out = feed_in_chunks(decoder, bytes(stream), cuts) + decoder.flush()
    assert [i for i in out if isinstance(i, Frame)] == frames[:hit] + frames[hit + 1:]
    assert any(isinstance(i, BadFrame) for i in out)
