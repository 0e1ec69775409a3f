"""Bytes <-> frames of the call-keypad bus. Pure: no port, no thread, no clock.

The wire format is the one common Chinese hall call keypads (呼叫器) and their 4-key raters
(评价器) speak on a shared RS-232/RS-485 line at 9600 8N1::

    FF 68 LEN LEN 68 ADDR FUNC DATA... CS 16

- ``FF 68`` opens every frame. Extra ``FF`` bytes before it are line idle and are skipped quietly.
- ``LEN`` is sent twice and counts the bytes from ``ADDR`` through the last ``DATA`` byte, i.e.
  ``LEN = 2 + len(DATA)``; it does not count ``CS`` or ``16``. This is how a published vendor
  sheet (21键呼叫器通讯协议: "数据长度：从通讯地址开始到校验和之前所有数据的字节总数") reads,
  so a frame is ``LEN + 7`` bytes long and at most 262.
- ``CS = (ADDR + FUNC + sum(DATA)) mod 256`` — the same bytes ``LEN`` counts.
- ``16`` closes the frame.

The stream decoder must never stop the bus: noise on a long RS-485 run, a keypad powered up
mid-frame, a USB adapter that hands over half a frame per read, or two frames in one read are all
normal. :class:`FrameDecoder` turns any byte stream into good :class:`Frame` objects and
:class:`BadFrame` reports (with a reason and the bytes), resynchronising on the next ``FF 68``.
No input makes it raise; property tests (hypothesis) feed it arbitrary bytes cut arbitrarily.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREAMBLE = 0xFF
START = 0x68
END = 0x16
HEADER = bytes((PREAMBLE, START))
HEADER_SIZE = 5                  # FF 68 LEN LEN 68
OVERHEAD = HEADER_SIZE + 2       # header + CS + 16
MIN_LEN = 2                      # ADDR + FUNC
MAX_LEN = 255
MAX_DATA = MAX_LEN - MIN_LEN
MAX_FRAME = MAX_LEN + OVERHEAD   # 262


def checksum(addr: int, func: int, data: bytes) -> int:
    """The frame checksum: ADDR + FUNC + all DATA bytes, modulo 256."""
    return (addr + func + sum(data)) & 0xFF


@dataclass(frozen=True)
class Frame:
    """One good frame: the sender's (or receiver's) bus address, the function code and its data."""

    addr: int
    func: int
    data: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.addr, self.func, self.data)

    def __str__(self) -> str:
        return f"addr={self.addr:#04x} func={self.func:#04x} data={self.data.hex(' ') or '-'}"


class BadFrameReason(StrEnum):
    GARBAGE = "garbage"                  # bytes outside any frame (no FF 68 before them)
    BAD_HEADER = "bad_header"            # FF 68 LEN LEN not followed by 68
    LENGTH_MISMATCH = "length_mismatch"  # the two LEN bytes differ
    BAD_LENGTH = "bad_length"            # LEN < 2: no room for ADDR and FUNC
    MISSING_END = "missing_end"          # the byte after CS is not 16 (often a truncated frame)
    BAD_CHECKSUM = "bad_checksum"
    TRUNCATED = "truncated"              # the line went quiet in the middle of a frame (flush)


@dataclass(frozen=True)
class BadFrame:
    """Bytes the decoder dropped, and why. The bus logs these; nothing acts on them."""

    reason: BadFrameReason
    raw: bytes

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.raw.hex(' ')}"


def encode_frame(addr: int, func: int, data: bytes = b"") -> bytes:
    """The wire bytes of one frame. Refuses values that do not fit a byte or a LEN."""
    if not 0 <= addr <= 0xFF:
        raise ValueError(f"address {addr} is not a byte (0..255)")
    if not 0 <= func <= 0xFF:
        raise ValueError(f"function code {func} is not a byte (0..255)")
    data = bytes(data)
    if len(data) > MAX_DATA:
        raise ValueError(f"{len(data)} data bytes do not fit one frame (at most {MAX_DATA})")
    length = MIN_LEN + len(data)
    return bytes((PREAMBLE, START, length, length, START, addr, func, *data, checksum(addr, func, data), END))


class FrameDecoder:
    """Incremental decoder: feed it whatever a read returned, get back what is now complete.

    Holds at most one frame's worth of bytes (:data:`MAX_FRAME`) between calls. After a bad
    candidate frame it drops only the leading ``FF`` and searches again, so a good frame hidden
    inside a truncated one (the keypad restarted mid-frame) is still found. Bytes already
    reported inside a bad frame are not reported again as garbage.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._reported = 0   # leading bytes of _buf already included in a BadFrame report

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, chunk: bytes) -> list[Frame | BadFrame]:
        self._buf += chunk
        out: list[Frame | BadFrame] = []
        self._drain(out)
        return out

    def flush(self) -> list[BadFrame]:
        """Give up on a partial frame (the line went quiet): report and forget what is held."""
        out: list[BadFrame] = []
        if self._buf:
            fresh = bytes(self._buf[self._reported:])
            if fresh.strip(bytes((PREAMBLE,))):
                out.append(BadFrame(BadFrameReason.TRUNCATED, fresh))
        self._buf.clear()
        self._reported = 0
        return out

    # -- internals -------------------------------------------------------------------------

    def _drain(self, out: list[Frame | BadFrame]) -> None:
        buf = self._buf
        while buf:
            start = buf.find(HEADER)
            if start < 0:
                # Keep a trailing FF: it may be the first half of a header split across reads.
                keep = 1 if buf[-1] == PREAMBLE else 0
                self._discard(len(buf) - keep, out)
                return
            if start > 0:
                self._discard(start, out)
                continue
            if len(buf) < HEADER_SIZE:
                return
            length, length_again, second_start = buf[2], buf[3], buf[4]
            if second_start != START:
                self._reject(BadFrameReason.BAD_HEADER, HEADER_SIZE, out)
                continue
            if length != length_again:
                self._reject(BadFrameReason.LENGTH_MISMATCH, HEADER_SIZE, out)
                continue
            if length < MIN_LEN:
                self._reject(BadFrameReason.BAD_LENGTH, HEADER_SIZE, out)
                continue
            total = length + OVERHEAD
            if len(buf) < total:
                return
            body = bytes(buf[HEADER_SIZE:HEADER_SIZE + length])
            if buf[total - 1] != END:
                self._reject(BadFrameReason.MISSING_END, total, out)
                continue
            if buf[total - 2] != sum(body) & 0xFF:
                self._reject(BadFrameReason.BAD_CHECKSUM, total, out)
                continue
            out.append(Frame(addr=body[0], func=body[1], data=body[2:]))
            self._consume(total)

    def _consume(self, count: int) -> bytes:
        taken = bytes(self._buf[:count])
        del self._buf[:count]
        self._reported = max(0, self._reported - count)
        return taken

    def _discard(self, count: int, out: list[Frame | BadFrame]) -> None:
        already = min(self._reported, count)
        fresh = self._consume(count)[already:]
        if fresh.strip(bytes((PREAMBLE,))):   # a run of FF alone is an idle line, not noise
            out.append(BadFrame(BadFrameReason.GARBAGE, fresh))

    def _reject(self, reason: BadFrameReason, span: int, out: list[Frame | BadFrame]) -> None:
        """Report the candidate's bytes, then drop only its FF and search again inside it."""
        out.append(BadFrame(reason, bytes(self._buf[:span])))
        self._reported = max(self._reported, span)
        self._consume(1)
