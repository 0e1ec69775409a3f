"""The hall display keeps the legibility rule for its viewing distance and screen size, checked
against the texts the rendered widget actually set (hall.legibility; display.legible)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from display.app import DisplayWindow, create_window
from hall.legibility import ARC_MINUTES, TextRole, ViewingSpec, character_height_mm, parse_viewing
from tests.counter.live import LiveHall

SERIES = ("A", "B", "C", "D", "E", "F", "G", "H", "J")


def test_character_heights_follow_the_visual_angle() -> None:
    # 16 arc minutes at 10 m: 2 · 10 000 mm · tan(8') = 46.5 mm; 20' = 58.2 mm; 11' = 32.0 mm
    assert character_height_mm(10, 16) == pytest.approx(46.54, abs=0.01)
    assert character_height_mm(10, 20) == pytest.approx(58.18, abs=0.01)
    assert ViewingSpec(10, 55).min_height_mm(TextRole.LABEL) == pytest.approx(32.0, abs=0.01)
    assert character_height_mm(5, 16) == pytest.approx(character_height_mm(10, 16) / 2)
    # a 55-inch 1920×1080 panel: 2203 px over 1397 mm
    assert ViewingSpec(10, 55).pixels_per_mm(1920, 1080) == pytest.approx(1.577, abs=0.001)
    assert ARC_MINUTES[TextRole.KEY] > ARC_MINUTES[TextRole.TEXT] > ARC_MINUTES[TextRole.LABEL]


def test_bad_viewing_settings_are_refused_in_both_languages() -> None:
    for distance, size in (("ten", "55"), ("0.2", "55"), ("10", "5"), ("nan", "55"), ("10", "inf")):
        with pytest.raises(ValueError) as error:
            parse_viewing(distance, size)
        assert "/" in str(error.value) and any("\u4e00" <= ch <= "\u9fff" for ch in str(error.value))
    assert parse_viewing(None, "") == ViewingSpec()
    assert parse_viewing("6", "65") == ViewingSpec(6, 65)


def _busy_hall(live: LiveHall) -> None:
    for series in SERIES:
        for _ in range(2):
            live.issue(series, advance=10)
    for window, staff in ((1, "1001"), (3, "1002"), (5, "1003"), (8, "1004")):
        live.clerk_client(window, staff).call_next(window)


def _assert_legible(display: DisplayWindow, spec: ViewingSpec) -> None:
    screen = display.screen
    screen.repaint()
    typeset = screen.typeset  # type: ignore[union-attr]
    assert typeset is not None and typeset.record
    width, height = screen.width(), screen.height()
    for item in typeset.record:
        mm = spec.glyph_mm(item.ink_px, width, height)
        assert mm >= spec.min_height_mm(item.role) * 0.98, f"{item.text!r} {item.role}: {mm:.1f} mm"
        assert item.fitted, f"{item.text!r} does not fit its place"
    roles = {item.role for item in typeset.record}
    assert {TextRole.KEY, TextRole.TEXT} <= roles
    assert screen.number_rect.height() >= height / 6  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("layout", "distance", "inches"),
    [("landscape", 10, 55), ("landscape", 5, 55), ("portrait", 5, 55), ("portrait", 10, 55), ("4k", 12, 86), ("landscape", 4, 43)],
)
def test_every_text_on_the_hall_screen_is_legible_from_the_stated_distance(
    qtbot, live: LiveHall, windows: list[DisplayWindow], layout: str, distance: float, inches: float
) -> None:
    _busy_hall(live)
    spec = ViewingSpec(distance, inches)
    display = create_window(live.url, live.token("display"), voice_url=None, layout=layout, clock=live.clock.now, viewing=spec)
    windows.append(display)
    display.show()
    qtbot.waitUntil(lambda: display.model.has_snapshot and display.model.latest_call is not None, timeout=10_000)
    qtbot.waitUntil(lambda: len(display.model.earlier_calls()) == 3, timeout=10_000)
    _assert_legible(display, spec)
    screen = display.screen
    assert screen.recent_shown >= 1  # type: ignore[union-attr]
    # every category is shown, on one page or over the pages the screen turns through
    seen: set[str] = set()
    for page in range(screen.waiting_pages):  # type: ignore[union-attr]
        screen.waiting_page = page  # type: ignore[union-attr]
        screen.repaint()
        assert screen.waiting_page == page  # type: ignore[union-attr]
        seen |= {item.text.split(" ")[0] for item in screen.typeset.record if item.text[:1] in SERIES and item.role is TextRole.TEXT}  # type: ignore[union-attr]
        _assert_legible(display, spec)
    assert seen >= set(SERIES)


def test_near_seats_get_the_whole_hall_on_one_page_far_seats_get_pages_that_turn(
    qtbot, live: LiveHall, windows: list[DisplayWindow], tmp_path: Path
) -> None:
    _busy_hall(live)
    near = create_window(live.url, live.token("display"), voice_url=None, clock=live.clock.now, viewing=ViewingSpec(4, 55))
    far = create_window(live.url, live.token("display"), voice_url=None, clock=live.clock.now, viewing=ViewingSpec(10, 55))
    for display in (near, far):
        windows.append(display)
        display.show()
    qtbot.waitUntil(lambda: all(d.model.has_snapshot and len(d.model.earlier_calls()) == 3 for d in (near, far)), timeout=10_000)
    near.screen.repaint()
    far.screen.repaint()
    assert near.screen.waiting_pages == 1 and near.screen.waiting_shown == len(SERIES)  # type: ignore[union-attr]
    assert near.screen.recent_shown == 3  # type: ignore[union-attr]
    assert far.screen.waiting_pages == math.ceil(len(SERIES) / far.screen.waiting_shown) > 1  # type: ignore[union-attr]
    before = far.screen.waiting_page  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: far.screen.waiting_page != before, timeout=12_000)  # type: ignore[union-attr]
    far.grab().save(str(tmp_path / "far.png"))
    assert (tmp_path / "far.png").stat().st_size > 0
