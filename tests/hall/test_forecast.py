"""hall.forecast: arrival profiles from history, the live rate and the service-time estimate."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from statistics import NormalDist
from zoneinfo import ZoneInfo

import pytest

from hall.config import HoursConfig, TimeRange, WeekendMode
from hall.forecast import WORKDAY_POOL, build_profile, live_rate, open_ranges, service_estimate
from hall.queueing import blended_rate
from hall.text import HallRuleError

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)  # a Monday
HOURS = HoursConfig(
    regular=(TimeRange(time(8, 30), time(12, 0)), TimeRange(time(13, 30), time(17, 30))),
    lunch=TimeRange(time(12, 0), time(13, 30)),
    extended=TimeRange(time(17, 30), time(19, 0)),
    weekend=TimeRange(time(9, 0), time(17, 0)),
    weekend_mode=WeekendMode.APPOINTMENT_ONLY,
)


def local(day: date, hh: int, mm: int) -> datetime:
    """An instant at the hall's local time, given in UTC as the database stores it."""
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI).astimezone(UTC)


def history(weeks: int = 8, skip: frozenset[date] = frozenset()) -> list[tuple[str, datetime]]:
    """Per workday one A ticket at 09:05 (two on Mondays); one at 10:10 on Saturdays."""
    rows = []
    for offset in range(1, weeks * 7 + 1):
        day = TODAY - timedelta(days=offset)
        if day in skip:
            continue
        weekday = day.isoweekday()
        if weekday <= 5:
            rows += [("A", local(day, 9, 5))] * (2 if weekday == 1 else 1)
        elif weekday == 6:
            rows.append(("A", local(day, 10, 10)))
    return rows


def test_a_weekday_is_shrunk_towards_the_workday_pool() -> None:
    profile = build_profile(history(), HOURS, TODAY)
    # Mondays: 2 a slot = 4/h over 8 days; the pool: (8×2 + 32×1)/40 = 1.2 a slot = 2.4/h.
    assert profile.days[1] == 8 and profile.days[WORKDAY_POOL] == 40
    assert profile.rate_per_hour("A", TODAY, time(9, 10)) == pytest.approx((8 * 4 + 2 * 2.4) / 10)
    tuesday = TODAY + timedelta(days=1)
    assert profile.rate_per_hour("A", tuesday, time(9, 0)) == pytest.approx((8 * 2 + 2 * 2.4) / 10)
    assert profile.rate_per_hour("A", tuesday, time(8, 59)) == 0.0  # another slot
    assert profile.rate_per_hour("B", tuesday, time(9, 0)) == 0.0  # a category without history


def test_few_samples_lean_on_the_pool_more() -> None:
    """With one week of history a Monday rests on one day and moves two thirds of the way to the pool."""
    profile = build_profile(history(weeks=1), HOURS, TODAY, weeks=1)
    pooled = (2 + 4 * 1) / 5 * 2  # per hour
    assert profile.rate_per_hour("A", TODAY, time(9, 5)) == pytest.approx((1 * 4 + 2 * pooled) / 3)


def test_weekend_days_are_their_own_profile() -> None:
    profile = build_profile(history(), HOURS, TODAY)
    saturday, sunday = TODAY + timedelta(days=5), TODAY + timedelta(days=6)
    # Saturdays 1 a slot = 2/h; the weekend pool (8 Saturdays + 8 Sundays) 1/h.
    assert profile.rate_per_hour("A", saturday, time(10, 0)) == pytest.approx((8 * 2 + 2 * 1) / 10)
    assert profile.rate_per_hour("A", sunday, time(10, 0)) == pytest.approx(2 * 1 / 10)
    assert profile.rate_per_hour("A", saturday, time(9, 0)) == 0.0  # no workday pattern leaks in
    closed_weekends = build_profile(history(), replace(HOURS, weekend_mode=WeekendMode.CLOSED), TODAY)
    assert closed_weekends.rate_per_hour("A", saturday, time(10, 0)) == 0.0
    assert closed_weekends.day("A", saturday) == []


def test_a_holiday_gives_zero_and_is_left_out_of_the_history() -> None:
    past_holiday = TODAY - timedelta(days=6)  # a Tuesday with no tickets
    future_holiday = TODAY + timedelta(days=2)
    hours = replace(HOURS, closed_dates=(past_holiday.isoformat(), future_holiday.isoformat()))
    profile = build_profile(history(skip=frozenset({past_holiday})), hours, TODAY)
    assert profile.days[WORKDAY_POOL] == 39
    assert profile.days[2] == 7  # Tuesdays
    assert profile.rate_per_hour("A", future_holiday, time(9, 0)) == 0.0
    assert profile.day("A", future_holiday) == []
    assert profile.days_observed(future_holiday) == 0
    assert profile.days_observed(TODAY) == 39


def test_a_workday_without_tickets_and_days_before_the_first_ticket_are_left_out() -> None:
    silent_tuesday = TODAY - timedelta(days=6)
    profile = build_profile(history(skip=frozenset({silent_tuesday})), HOURS, TODAY)
    assert profile.days[WORKDAY_POOL] == 39  # the system was off, nobody came is not the reading
    two_weeks = build_profile(history(weeks=2), HOURS, TODAY)  # asked for 8 weeks, has 2
    assert two_weeks.days[WORKDAY_POOL] == 10
    assert two_weeks.rate_per_hour("A", TODAY + timedelta(days=1), time(9, 0)) == pytest.approx((2 * 2 + 2 * 2.4) / 4)


def test_a_worked_weekend_counts_as_a_workday_not_as_a_saturday() -> None:
    worked_saturday = TODAY - timedelta(days=2)
    future_worked_saturday = TODAY + timedelta(days=12)
    hours = replace(HOURS, extra_workdays=(worked_saturday.isoformat(), future_worked_saturday.isoformat()))
    rows = [row for row in history() if row[1].astimezone(SHANGHAI).date() != worked_saturday]
    rows += [("A", local(worked_saturday, 9, 5))] * 6
    profile = build_profile(rows, hours, TODAY)
    assert profile.days[WORKDAY_POOL] == 41 and profile.days[6] == 7
    pool_per_hour = (8 * 2 + 32 + 6) / 41 * 2
    assert profile.rate_per_hour("A", future_worked_saturday, time(9, 0)) == pytest.approx(pool_per_hour)
    assert len(profile.day("A", future_worked_saturday)) == 21  # a workday's hours


def test_a_day_lists_the_slots_the_hall_is_open() -> None:
    profile = build_profile(history(), HOURS, TODAY)
    slots = profile.day("A", TODAY)
    assert [s for s, _ in slots][:2] == [time(8, 30), time(9, 0)] and slots[-1][0] == time(18, 30)
    assert len(slots) == 21  # 08:30-19:00
    assert dict(slots)[time(9, 0)] == profile.rate_per_hour("A", TODAY, time(9, 0)) > 0
    assert len(profile.day("A", TODAY + timedelta(days=5))) == 16  # Saturday 09:00-17:00
    quarter = build_profile(history(), HOURS, TODAY, slot_minutes=15)
    assert quarter.rate_per_hour("A", TODAY, time(9, 5)) == pytest.approx(2 * profile.rate_per_hour("A", TODAY, time(9, 5)))
    assert quarter.rate_per_hour("A", TODAY, time(9, 20)) == 0.0
    assert open_ranges(HOURS, TODAY)[0].start == time(8, 30)


def test_bad_settings_are_refused_in_both_languages() -> None:
    for slot in (0, 7, 2000):
        with pytest.raises(HallRuleError) as refused:
            build_profile([], HOURS, TODAY, slot_minutes=slot)
        assert "时段" in refused.value.message.zh and "slot" in refused.value.message.en
    with pytest.raises(HallRuleError):
        build_profile([], HOURS, TODAY, weeks=0)


def test_no_history_is_no_forecast() -> None:
    profile = build_profile([], HOURS, TODAY)
    assert profile.days_observed(TODAY) == 0
    assert profile.rate_per_hour("A", TODAY, time(9, 0)) == 0.0


def test_live_rate_blends_the_last_half_hour_with_the_forecast() -> None:
    arrivals = [500.0, 521.0, 530.0, 535.0, 540.0, 549.5]  # minutes since midnight
    now, opened = 550.0, 510.0  # open 40 minutes: the window is the last 30
    rate = live_rate(0.1, arrivals, now, opened)
    assert rate == pytest.approx(blended_rate(5, 30.0, 0.1, 15.0))  # 521 onwards
    assert live_rate(0.1, arrivals, now, opened, window_minutes=30, prior_minutes=0) == pytest.approx(5 / 30)
    # Twelve minutes after opening only those twelve minutes are observed (the ticket at 500 came before opening).
    assert live_rate(0.1, arrivals, 522.0, 510.0) == pytest.approx(blended_rate(1, 12.0, 0.1, 15.0))
    assert live_rate(0.1, [], 510.0, 510.0) == pytest.approx(0.1)  # at opening: the forecast
    assert live_rate(0.2, arrivals, 549.0, opened) == pytest.approx(blended_rate(4, 30.0, 0.2, 15.0))  # not yet 549.5
    # No forecast: the observation alone, over at least ten minutes.
    assert live_rate(None, [511.0, 512.0], 513.0, 510.0) == pytest.approx(2 / 10)
    assert live_rate(None, arrivals, now, opened) == pytest.approx(5 / 30)


def test_service_estimate_falls_back_to_the_expectation() -> None:
    assert service_estimate([], 12.0) == 12.0
    assert service_estimate([30.0] * 4, 12.0) == 12.0
    assert service_estimate([30.0] * 5, 12.0) == 30.0


def lognormal_sample(median: float, sigma: float, n: int = 400) -> list[float]:
    """n lognormal durations at evenly spaced quantiles (a deterministic sample)."""
    normal = NormalDist()
    return [median * math.exp(sigma * normal.inv_cdf((i + 0.5) / n)) for i in range(n)]


def test_the_mean_not_the_median_carries_a_skewed_load() -> None:
    """Lognormal σ = 0.5: the median is exp(σ²/2) − 1 ≈ 12 % below the mean the queue carries."""
    durations = lognormal_sample(10.0, 0.5)
    true_mean = 10.0 * math.exp(0.5**2 / 2)
    estimate = service_estimate(durations, 11.0)
    assert estimate == pytest.approx(true_mean, rel=0.02)
    understated = 1.0 - statistics.median(durations) / estimate
    assert 0.10 < understated < 0.13


def test_a_service_left_open_over_lunch_is_capped() -> None:
    durations = [10.0] * 19 + [240.0]  # one forgotten 办结 over lunch
    assert service_estimate(durations, 10.0) == pytest.approx((19 * 10 + 40) / 20)
    assert statistics.fmean(durations) == pytest.approx(21.5)  # what an unguarded mean would say
    assert service_estimate(durations, 10.0, cap_factor=2.0) == pytest.approx((19 * 10 + 20) / 20)
    assert service_estimate([-1.0] * 5, 10.0) == 0.0  # a clock step backwards is no negative time
