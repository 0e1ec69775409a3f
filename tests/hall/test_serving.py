"""hall.serving: the one definition of who serves what now."""

from __future__ import annotations

import pytest

from hall.serving import Staffing, WindowServing, serving_shares, serving_windows, staffing, unserved_categories


@pytest.mark.parametrize(
    ("state", "clerk", "expected"),
    [
        ("open", True, Staffing.SERVING),
        ("open", False, Staffing.UNSTAFFED),   # the defect: counted as serving capacity
        ("paused", True, Staffing.PAUSED),
        ("paused", False, Staffing.PAUSED),
        ("closed", True, Staffing.CLOSED),
        ("closed", False, Staffing.CLOSED),
    ],
)
def test_a_window_serves_only_open_staffed_and_unpaused(state: str, clerk: bool, expected: Staffing) -> None:
    assert staffing(state, clerk) is expected


HALL = [
    WindowServing(1, Staffing.SERVING, ("A", "B")),
    WindowServing(2, Staffing.SERVING, ("A",)),
    WindowServing(3, Staffing.UNSTAFFED, ("C",)),
    WindowServing(4, Staffing.PAUSED, ("C", "A")),
    WindowServing(5, Staffing.CLOSED, ("D",)),
    WindowServing(6, Staffing.SERVING, ()),
]


def test_shares_count_only_serving_windows() -> None:
    assert serving_shares(HALL) == {"A": 1.5, "B": 0.5}
    assert serving_windows(HALL) == {"A": [1, 2], "B": [1]}


def test_unserved_categories_are_those_with_people_and_no_serving_window() -> None:
    assert unserved_categories({"A": 4, "B": 0, "C": 3, "D": 0, "E": 1}, HALL) == ["C", "E"]
    assert unserved_categories({"C": 0}, HALL) == []
