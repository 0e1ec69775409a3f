"""hall.waits: the simple estimate shown to citizens."""

from __future__ import annotations

import pytest

from hall.waits import estimate_wait_minutes


@pytest.mark.parametrize(
    ("ahead", "windows", "minutes", "expected"),
    [
        (0, 0.0, 10.0, None),  # at the head, but nobody serves it: no honest estimate (hall.serving)
        (-1, 2.0, 10.0, 0),
        (1, 1.0, 10.0, 10),
        (1, 1.0, 11.0, 15),  # rounded up to 5 minutes
        (3, 2.0, 8.0, 15),  # 12 -> 15
        (5, 0.5, 4.0, 40),  # a shared window counts as half
        (4, 0.0, 10.0, None),  # nobody serves the category now
    ],
)
def test_estimate(ahead: int, windows: float, minutes: float, expected: int | None) -> None:
    assert estimate_wait_minutes(ahead, windows, minutes) == expected
