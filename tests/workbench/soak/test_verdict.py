"""The soak's verdicts (workbench/soak/verdict.py) and its log reading across rotations."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from workbench.soak.measure import LogReader
from workbench.soak.verdict import ACCUMULATING_FLOOR_MB_PER_DAY, RSS_FLOOR_MB_PER_DAY, Kind, Series, judge, slope


def test_slope_is_the_median_growth_per_day() -> None:
    assert slope([5.0, 7.0, 9.0, 11.0]) == pytest.approx(2.0)
    assert slope([3.0, 3.0, 3.0]) == 0.0
    assert slope([4.0]) == 0.0
    assert slope([10.0, 11.0, 90.0, 13.0, 14.0]) == pytest.approx(1.0)  # one spike does not move it


def rss(values: list[float]) -> Series:
    return Series("RSS x", Kind.BOUNDED, tuple(values), RSS_FLOOR_MB_PER_DAY)


def test_memory_that_warms_up_then_levels_off_is_bounded() -> None:
    warm = [100 + 8 * min(day, 5) for day in range(10)] + [140.0 + (day % 3) * 0.5 for day in range(20)]
    verdict = judge(rss(warm))
    assert verdict.first_slope is not None and verdict.first_slope > 2
    assert not verdict.grows


def test_memory_that_keeps_climbing_grows_without_bound() -> None:
    leaking = [100 + 2.0 * day for day in range(30)]  # 2 MB a day, every day
    verdict = judge(rss(leaking))
    assert verdict.grows
    assert verdict.last_slope == pytest.approx(2.0)
    assert "GROWS" in verdict.line()


# The third 30-day run's server (README): a level floor with busy-night peaks of up to +200 MB late
# in the month that fall back the next day. Least squares called it +3.7 MB/day.
PEAKS = {19: 200.0, 27: 110.0, 28: 180.0}


def test_busy_night_peaks_that_fall_back_are_not_growth() -> None:
    nights = [268.0 + 0.05 * day + PEAKS.get(day, 0.0) for day in range(30)]
    assert not judge(rss(nights)).grows


def test_a_floor_that_keeps_rising_under_the_peaks_still_grows() -> None:
    nights = [268.0 + 1.5 * day + PEAKS.get(day, 0.0) for day in range(30)]
    verdict = judge(rss(nights))
    assert verdict.grows and verdict.last_slope == pytest.approx(1.5)


def test_a_database_growing_with_the_tickets_is_fine_but_not_a_rising_cost_per_day() -> None:
    steady = Series("database", Kind.ACCUMULATING, tuple(1.0 * day for day in range(30)), ACCUMULATING_FLOOR_MB_PER_DAY)
    assert not judge(steady).grows
    rising = Series("database", Kind.ACCUMULATING, tuple(0.05 * day * day for day in range(30)), ACCUMULATING_FLOOR_MB_PER_DAY)
    assert judge(rising).grows


def test_a_short_soak_gives_no_growth_verdict() -> None:
    verdict = judge(rss([100.0, 300.0, 500.0]))
    assert not verdict.judged and not verdict.grows
    assert "too short" in verdict.line()


def test_log_reader_reads_every_line_once_across_rotations(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    handler = logging.handlers.RotatingFileHandler(log_path, maxBytes=300, backupCount=5, encoding="utf-8")
    logger = logging.getLogger("soak-test-rotation")
    logger.addHandler(handler)
    logger.propagate = False
    reader = LogReader(log_path)
    try:
        seen: list[str] = []
        for batch in range(4):
            for line in range(12):
                logger.warning("batch %d line %02d %s", batch, line, "x" * 20)
            seen += reader.new_lines()
        assert seen == [f"batch {b} line {n:02d} {'x' * 20}" for b in range(4) for n in range(12)]
        assert reader.rotations >= 4
    finally:
        logger.removeHandler(handler)
        handler.close()
