"""hall.numbering: ticket numbers as citizens see and clerks type them."""

from __future__ import annotations

import pytest

from hall.numbering import SERIES_PATTERN, format_number, parse_number
from hall.text import HallRuleError


@pytest.mark.parametrize(
    ("series", "number", "text"),
    [
        ("A", 1, "A001"),
        ("A", 23, "A023"),
        ("A", 999, "A999"),
        ("A", 1000, "A1000"),
        ("A", 1200, "A1200"),
        ("AB", 7, "AB007"),
        ("J", 123456, "J123456"),
    ],
)
def test_format(series: str, number: int, text: str) -> None:
    assert format_number(series, number) == text  # never capped: past 999 the number grows a digit


@pytest.mark.parametrize("number", [0, -1])
def test_format_refuses_numbers_below_one(number: int) -> None:
    with pytest.raises(ValueError):
        format_number("A", number)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("A023", ("A", 23)),
        ("a23", ("A", 23)),
        (" A023 ", ("A", 23)),
        ("A 23", ("A", 23)),
        ("A1000", ("A", 1000)),
        ("ab7", ("AB", 7)),
        ("B0000012", ("B", 12)),
    ],
)
def test_parse(text: str, parsed: tuple[str, int]) -> None:
    assert parse_number(text) == parsed


@pytest.mark.parametrize("text", ["", "A", "23", "ABC1", "A-1", "1A", "A1234567", "甲1", "A1.5", "A\n1x"])
def test_parse_refuses_bad_input(text: str) -> None:
    with pytest.raises(HallRuleError) as caught:
        parse_number(text)
    assert caught.value.code == "bad_ticket_number" and caught.value.status == 422
    assert "A023" in caught.value.message.zh and "A023" in caught.value.message.en


def test_parse_echoes_at_most_twenty_characters() -> None:
    with pytest.raises(HallRuleError) as caught:
        parse_number("X" * 500)
    assert "X" * 21 not in str(caught.value)


@pytest.mark.parametrize("text", ["A0", "A000"])
def test_parse_refuses_number_zero(text: str) -> None:
    with pytest.raises(HallRuleError):
        parse_number(text)


def test_round_trip() -> None:
    for number in (1, 9, 10, 99, 100, 999, 1000, 4321):
        assert parse_number(format_number("C", number)) == ("C", number)


@pytest.mark.parametrize(("series", "ok"), [("A", True), ("AB", True), ("a", False), ("ABC", False), ("1", False), ("", False)])
def test_series_pattern(series: str, ok: bool) -> None:
    assert bool(SERIES_PATTERN.match(series)) is ok
