"""Resident ID numbers (居民身份证号码, GB 11643-1999): validated, hashed with the hall's key, masked.

An ID number is personal information of the most sensitive kind (个人信息保护法 §28). hallq keeps it
only as

- a keyed hash, ``HMAC-SHA256(hall key, number)`` in hex (:func:`id_hash`): enough to tell that the
  same card came back (一人一号, check-in of a booking that carries it) and useless without the key;
- a masked form for the screen and the slip (:func:`mask_id`): ``3701**********1234`` keeps the
  region's first four digits and the last four, so a clerk can match a card without seeing it.

The clear number lives only in the kiosk's memory between the card read and the hash.

The number is 17 digits and a check character: ``sum(digit_i * 2**(17-i) mod 11)`` over the first 17,
and the check character is ``"10X98765432"[sum mod 11]``. A lower-case ``x`` is accepted as ``X``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from enum import StrEnum

from hall.text import HallRuleError

CHECK_CHARS = "10X98765432"
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_LENGTH = 18
HASH_LENGTH = 64

BAD_ID = HallRuleError("bad_id_number", "身份证号码无效，请重新刷卡", "the ID number is not valid; please read the card again", 422)


def check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize_id(text: str) -> str:
    """The 18-character number, or :data:`BAD_ID` (length, digits, birth date or check character wrong)."""
    number = "".join(text.split()).upper()
    if len(number) != ID_LENGTH or not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise BAD_ID
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise BAD_ID from None
    if check_char(number[:17]) != number[17]:
        raise BAD_ID
    return number


def is_valid_id(text: str) -> bool:
    try:
        normalize_id(text)
    except HallRuleError:
        return False
    return True


def id_hash(key: str, number: str) -> str:
    """The keyed hash stored in place of the number (64 hex characters)."""
    if not key:
        raise ValueError("the hall's ID key is empty")
    return hmac.new(key.encode(), normalize_id(number).encode(), hashlib.sha256).hexdigest()


def mask_id(number: str) -> str:
    """370102198001011234 -> 3701**********1234 (the first four and the last four kept)."""
    number = "".join(number.split()).upper()
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def is_id_hash(text: str) -> bool:
    """What an endpoint accepts as an ID hash: 64 lower-case hex characters."""
    return len(text) == HASH_LENGTH and all(ch in "0123456789abcdef" for ch in text)


def is_masked_id(text: str) -> bool:
    """What may be stored as the masked form: 18 characters, digits only at the ends."""
    return len(text) == ID_LENGTH and text[4:14] == "*" * 10 and (text[:4] + text[14:17]).isdigit() and text[17] in "0123456789X"


class Arrival(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


def arrival(slot_at: datetime, now: datetime, early_minutes: int, late_minutes: int) -> Arrival:
    """Where ``now`` falls against a booking's slot: checked in from ``early_minutes`` before its
    start to ``late_minutes`` after; later than that the citizen takes a walk-in number."""
    if now < slot_at - timedelta(minutes=early_minutes):
        return Arrival.EARLY
    if now > slot_at + timedelta(minutes=late_minutes):
        return Arrival.LATE
    return Arrival.ON_TIME
