"""Fixtures of the display tests: a real hall server and the display windows a test opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from display.app import DisplayWindow
from tests.counter.live import live, live_template  # noqa: F401 - fixtures: a real hall server


@pytest.fixture
def windows() -> Iterator[list[DisplayWindow]]:
    """Display windows a test opened, closed at its end."""
    made: list[DisplayWindow] = []
    yield made
    for window in made:
        window.close()
        window.deleteLater()
