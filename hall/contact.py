"""A citizen's contact number for 差评回访: checked the same way on the pad and at the server."""

from __future__ import annotations


def valid_phone(digits: str) -> bool:
    """A mainland mobile number: 11 digits starting with 1."""
    return len(digits) == 11 and digits.isascii() and digits.isdigit() and digits.startswith("1")


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678: how a contact shows to everyone but the follow-up role."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
