"""Ticket numbers as citizens see them: series letter plus a zero-padded daily counter."""

from __future__ import annotations

import re

from hall.text import HallRuleError

SERIES_PATTERN = re.compile(r"^[A-Z]{1,2}$")


def format_number(series: str, number: int) -> str:
    """``A`` and 23 give ``A023``. Numbers past 999 simply grow a digit: tickets are never capped."""
    if number < 1:
        raise ValueError("ticket numbers start at 1")
    return f"{series}{number:03d}"


def parse_number(text: str) -> tuple[str, int]:
    """``a023`` or ``A23`` -> (``A``, 23), for 'call a specific number' typed by a clerk."""
    match = re.fullmatch(r"\s*([A-Za-z]{1,2})\s*0*([1-9]\d{0,5})\s*", text)
    if not match:
        raise HallRuleError(
            "bad_ticket_number",
            f"号码“{text[:20]}”格式不对，应为字母加数字，如 A023",
            f"'{text[:20]}' is not a ticket number such as A023",
            status=422,
        )
    return match.group(1).upper(), int(match.group(2))
