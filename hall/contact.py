"""A citizen's contact number for 差评回访: checked the same way on the pad and at the server."""

from __future__ import annotations


def valid_phone(digits: str) -> bool:
    """A mainland mobile number: 11 digits starting with 1."""
    return len(digits) == 11 and digits.isascii() and digits.isdigit() and digits.startswith("1")
