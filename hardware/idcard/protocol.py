"""Bytes <-> frames of the 二代身份证 desktop reader protocol, and the card's text block. Pure.

The widely sold SAM-based desktop readers (the protocol of GA 450 / the 公安部 SAM module, spoken
by most USB-serial readers at 115200 8N1) frame every command and answer alike::

    command:  AA AA AA 96 69 | LEN_H LEN_L | CMD PARA [DATA...]     | CHK
    answer:   AA AA AA 96 69 | LEN_H LEN_L | SW1 SW2 SW3 [DATA...]  | CHK

- ``AA AA AA 96 69`` is the preamble.
- ``LEN`` (two bytes, big-endian) counts every byte after itself, the checksum included.
- ``CHK`` is the XOR of the two ``LEN`` bytes and every byte after them up to the checksum.
- Commands hallq sends: 寻找证/卡 find ``20 01``, 选取证/卡 select ``20 02``, 读固定信息 read base
  message ``30 01``; ``11 FF`` asks the SAM's state (a health probe).
- Answers: ``SW1 SW2`` are ``00 00``; ``SW3`` is the result: ``90`` done, ``9F`` card found,
  ``80`` no card found, ``81`` select failed, ``41`` read failed, ``10``/``11`` a bad checksum or
  length on the command, ``21`` an unknown command, others are the SAM's own faults.
- The read answer's data is ``TEXT_LEN(2, BE) PHOTO_LEN(2, BE) TEXT PHOTO``: a 256-byte text
  block and a 1024-byte photo (WLT-compressed, which hallq does not decode and drops).

The text block is UCS-2 little-endian, each field padded with spaces to a fixed width::

    name 30 | sex 2 | nation 4 | birth 16 | address 70 | ID number 36 | issuer 30
    | valid from 16 | valid to 16 | reserved 36          (bytes; 256 in all)

sex is a code (``1`` 男, ``2`` 女, ``0`` unknown, ``9`` unstated); nation is a two-digit code
(GB 3304, ``01`` 汉族); dates are ``YYYYMMDD``; "valid to" may be ``长期`` (no end).

:class:`FrameDecoder` turns any byte stream into answers and :class:`BadFrame` reports and never
raises: garbage before a preamble, a frame cut by a replug, a wrong checksum are dropped and the
search resumes at the next preamble, so the next good card is not lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from hall.identity import mask_id

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_SIZE = len(PREAMBLE) + 2
MAX_LEN = 4096   # a base message answer is 3 + 4 + 256 + 1024 + 1 = 1288; fingerprint reads ~2.3 kB
TEXT_SIZE = 256
PHOTO_SIZE = 1024


class Command(IntEnum):
    """``CMD << 8 | PARA`` of the commands hallq sends."""

    FIND = 0x2001
    SELECT = 0x2002
    READ_BASE = 0x3001
    SAM_STATUS = 0x11FF


class Status(IntEnum):
    """``SW3`` of an answer."""

    OK = 0x90
    FOUND = 0x9F
    NOT_FOUND = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41
    BAD_CHECKSUM = 0x10
    BAD_LENGTH = 0x11
    UNKNOWN_COMMAND = 0x21


def xor(data: bytes) -> int:
    out = 0
    for byte in data:
        out ^= byte
    return out


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    if length > MAX_LEN:
        raise ValueError(f"{len(body)} bytes do not fit one frame")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes((xor(head + body),))


def encode_command(command: Command, data: bytes = b"") -> bytes:
    """A command frame: ``encode_command(Command.FIND)`` is ``AA AA AA 96 69 00 03 20 01 22``."""
    return _frame(int(command).to_bytes(2, "big") + data)


def encode_answer(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """An answer frame, as a reader sends it (the fake and the tests use this)."""
    return _frame(bytes((sw1, sw2, status)) + data)


@dataclass(frozen=True)
class Frame:
    """One frame with a good checksum: ``head`` is CMD PARA (a command) or SW1 SW2 SW3 (an answer)."""

    body: bytes

    @property
    def status(self) -> int:
        """SW3 of an answer."""
        return self.body[2] if len(self.body) >= 3 else -1

    @property
    def data(self) -> bytes:
        """An answer's data after SW1 SW2 SW3."""
        return self.body[3:]

    @property
    def command(self) -> int:
        """CMD PARA of a command."""
        return int.from_bytes(self.body[:2], "big") if len(self.body) >= 2 else -1

    @property
    def command_data(self) -> bytes:
        return self.body[2:]


class BadFrameReason(StrEnum):
    GARBAGE = "garbage"            # bytes before any preamble
    BAD_LENGTH = "bad_length"      # LEN 0 or beyond MAX_LEN
    BAD_CHECKSUM = "bad_checksum"
    TRUNCATED = "truncated"        # the line went quiet mid-frame (flush)


@dataclass(frozen=True)
class BadFrame:
    reason: BadFrameReason
    size: int   # only the size: a dropped frame may hold a card's text, which never goes to a log

    def __str__(self) -> str:
        return f"{self.reason.value} ({self.size} bytes)"


class FrameDecoder:
    """Incremental decoder: feed it whatever a read returned, get back what is now complete.

    After a bad candidate it drops the first preamble byte and searches again, so a good frame
    that began inside a cut one (the reader restarted mid-answer) is still found.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[Frame | BadFrame]:
        buf = self._buf
        buf += chunk
        out: list[Frame | BadFrame] = []
        while buf:
            start = buf.find(PREAMBLE)
            if start < 0:
                keep = _partial_preamble(buf)
                if len(buf) - keep:
                    out.append(BadFrame(BadFrameReason.GARBAGE, len(buf) - keep))
                    del buf[: len(buf) - keep]
                return out
            if start > 0:
                out.append(BadFrame(BadFrameReason.GARBAGE, start))
                del buf[:start]
            if len(buf) < HEADER_SIZE:
                return out
            length = int.from_bytes(buf[5:7], "big")
            if not 1 <= length <= MAX_LEN:
                out.append(BadFrame(BadFrameReason.BAD_LENGTH, HEADER_SIZE))
                del buf[:1]
                continue
            total = HEADER_SIZE + length
            # A frame cut by a replug is followed by a new one: a preamble inside the span means
            # the first was cut there. (XOR passes one wrong frame in 256, so the cut one must not
            # be left to the checksum; a card's text and photo hold the 5-byte preamble ~never.)
            again = buf.find(PREAMBLE, 1, total)
            if again > 0:
                out.append(BadFrame(BadFrameReason.TRUNCATED, again))
                del buf[:again]
                continue
            if len(buf) < total:
                return out
            if xor(buf[5 : total - 1]) != buf[total - 1]:
                out.append(BadFrame(BadFrameReason.BAD_CHECKSUM, total))
                del buf[:1]
                continue
            out.append(Frame(bytes(buf[HEADER_SIZE : total - 1])))
            del buf[:total]
        return out

    def flush(self) -> list[BadFrame]:
        out = [BadFrame(BadFrameReason.TRUNCATED, len(self._buf))] if self._buf else []
        self._buf.clear()
        return out


def _partial_preamble(buf: bytearray) -> int:
    """How many trailing bytes of ``buf`` could be the start of a preamble split across reads."""
    for keep in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf[-keep:] == PREAMBLE[:keep]:
            return keep
    return 0


# ---------------------------------------------------------------------------- the card's text

SEX = {"1": "男", "2": "女", "0": "未知", "9": "未说明"}
NATIONS = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝", "08": "壮",
    "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白", "15": "土家",
}
FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("id_number", 36),
    ("issuer", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36),
)
assert sum(size for _, size in FIELDS) == TEXT_SIZE


@dataclass(frozen=True)
class IdCard:
    """What the card's text block says. ``id_number`` is kept out of ``repr`` (logs, tracebacks)."""

    name: str
    sex: str          # code: 1 男, 2 女
    nation: str       # code: 01 汉 ...
    birth: str        # YYYYMMDD
    address: str
    id_number: str = field(repr=False)
    issuer: str = ""
    valid_from: str = ""
    valid_to: str = ""   # YYYYMMDD or 长期

    @property
    def masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def sex_name(self) -> str:
        return SEX.get(self.sex, self.sex)

    @property
    def nation_name(self) -> str:
        return NATIONS.get(self.nation, self.nation)


def parse_text(block: bytes) -> IdCard:
    """The 256-byte UCS-2LE text block. ``ValueError`` when it is short or not UCS-2."""
    if len(block) < TEXT_SIZE:
        raise ValueError(f"text block of {len(block)} bytes, expected {TEXT_SIZE}")
    values: dict[str, str] = {}
    offset = 0
    for name, size in FIELDS:
        values[name] = block[offset : offset + size].decode("utf-16-le").rstrip(" \x00")
        offset += size
    values.pop("reserved")
    return IdCard(**values)


def build_text(card: IdCard) -> bytes:
    """The text block a card with these fields holds (the fake reader and the tests use this)."""
    out = bytearray()
    for name, size in FIELDS:
        value = "" if name == "reserved" else str(getattr(card, name))
        raw = value.encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name} does not fit {size // 2} characters")
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)


def base_message(card: IdCard, photo: bytes = b"") -> bytes:
    """The data of a 读固定信息 answer: lengths, the text block, the photo (zero-filled if none)."""
    photo = (photo + bytes(PHOTO_SIZE))[:PHOTO_SIZE]
    return TEXT_SIZE.to_bytes(2, "big") + PHOTO_SIZE.to_bytes(2, "big") + build_text(card) + photo


def parse_base_message(data: bytes) -> IdCard:
    """The card in a 读固定信息 answer's data. ``ValueError`` when the lengths do not add up."""
    if len(data) < 4:
        raise ValueError("base message too short")
    text_len = int.from_bytes(data[:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len < TEXT_SIZE or len(data) < 4 + text_len + photo_len:
        raise ValueError("base message lengths do not match its size")
    return parse_text(data[4 : 4 + text_len])
