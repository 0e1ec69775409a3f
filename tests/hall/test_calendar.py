"""hall.calendar: the hall's business day, periods and working-day arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hall.calendar import Period, add_days, business_day, hall_state, is_working_day
from hall.config import HallConfig, HoursConfig, WeekendMode

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A local Shanghai time written as 'YYYY-MM-DD HH:MM', as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def hours(sample_hall: HallConfig) -> HoursConfig:
    return sample_hall.hours


# 2026-11-17 is a Tuesday; 2026-11-21/22 a weekend; 2026-10-01..03 holidays in the sample hall.
PERIODS = [
    ("2026-11-17 08:29", Period.CLOSED),
    ("2026-11-17 08:30", Period.REGULAR),
    ("2026-11-17 10:00", Period.REGULAR),
    ("2026-11-17 11:59", Period.REGULAR),
    ("2026-11-17 12:00", Period.LUNCH),  # 午间服务
    ("2026-11-17 13:29", Period.LUNCH),
    ("2026-11-17 13:30", Period.REGULAR),
    ("2026-11-17 17:30", Period.EXTENDED),  # 延时服务
    ("2026-11-17 18:59", Period.EXTENDED),
    ("2026-11-17 19:00", Period.CLOSED),
    ("2026-11-17 23:59", Period.CLOSED),
    ("2026-11-21 08:59", Period.CLOSED),  # Saturday before weekend service
    ("2026-11-21 09:00", Period.APPOINTMENT_ONLY),  # weekend_mode = appointment_only
    ("2026-11-22 16:59", Period.APPOINTMENT_ONLY),
    ("2026-11-22 17:00", Period.CLOSED),
    ("2026-10-01 10:00", Period.CLOSED),  # National Day holiday, a Thursday
    ("2026-10-03 10:00", Period.CLOSED),  # a holiday on a Saturday: no weekend service either
]


@pytest.mark.parametrize(("local", "period"), PERIODS, ids=[p[0] for p in PERIODS])
def test_sample_hall_periods(hours: HoursConfig, local: str, period: Period) -> None:
    state = hall_state(hours, at(local))
    assert state.period is period
    assert state.business_day == date.fromisoformat(local[:10])


@pytest.mark.parametrize(
    ("mode", "period"),
    [(WeekendMode.OPEN, Period.WEEKEND), (WeekendMode.APPOINTMENT_ONLY, Period.APPOINTMENT_ONLY), (WeekendMode.CLOSED, Period.CLOSED)],
)
def test_weekend_modes(hours: HoursConfig, mode: WeekendMode, period: Period) -> None:
    assert hall_state(replace(hours, weekend_mode=mode), at("2026-11-21 10:00")).period is period


def test_no_weekend_service_configured(hours: HoursConfig) -> None:
    assert hall_state(replace(hours, weekend=None), at("2026-11-21 10:00")).period is Period.CLOSED


def test_extra_workday_is_a_regular_day(hours: HoursConfig) -> None:
    # 调休: a Saturday worked in exchange for a holiday runs regular hours, lunch and extended service
    swapped = replace(hours, extra_workdays=("2026-11-21",))
    assert hall_state(swapped, at("2026-11-21 10:00")).period is Period.REGULAR
    assert hall_state(swapped, at("2026-11-21 12:30")).period is Period.LUNCH
    assert hall_state(swapped, at("2026-11-21 18:00")).period is Period.EXTENDED
    assert hall_state(swapped, at("2026-11-22 10:00")).period is Period.APPOINTMENT_ONLY  # Sunday unchanged


def test_closed_date_on_a_weekday(hours: HoursConfig) -> None:
    closed = replace(hours, closed_dates=("2026-11-17",))
    assert hall_state(closed, at("2026-11-17 10:00")).period is Period.CLOSED
    assert not is_working_day(closed, date(2026, 11, 17))


def test_no_lunch_service_means_closed_at_lunch(hours: HoursConfig) -> None:
    assert hall_state(replace(hours, lunch=None), at("2026-11-17 12:30")).period is Period.CLOSED


@pytest.mark.parametrize(
    ("period", "walk_ins"),
    [
        (Period.REGULAR, True),
        (Period.LUNCH, True),
        (Period.EXTENDED, True),
        (Period.WEEKEND, True),
        (Period.APPOINTMENT_ONLY, False),
        (Period.CLOSED, False),
    ],
)
def test_walk_ins_by_period(period: Period, walk_ins: bool) -> None:
    from hall.calendar import HallState

    state = HallState(period, date(2026, 11, 17))
    assert state.accepts_walk_ins is walk_ins
    assert state.notice.zh and state.notice.en


def test_business_day_is_the_local_date(hours: HoursConfig) -> None:
    # 23:59 and 00:00 local are on different business days although both are the same UTC date
    assert business_day(hours, at("2026-11-17 23:59")) == date(2026, 11, 17)
    assert business_day(hours, at("2026-11-18 00:00")) == date(2026, 11, 18)
    assert at("2026-11-18 00:00").date() == date(2026, 11, 17)  # still the 17th in UTC


def test_business_day_in_another_zone(hours: HoursConfig) -> None:
    urumqi = replace(hours, timezone="Asia/Urumqi")  # UTC+6
    instant = datetime(2026, 11, 17, 17, 30, tzinfo=UTC)  # 01:30 on the 18th in Shanghai, 23:30 on the 17th in Urumqi
    assert business_day(hours, instant) == date(2026, 11, 18)
    assert business_day(urumqi, instant) == date(2026, 11, 17)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-11-16", True),  # Monday
        ("2026-11-20", True),  # Friday
        ("2026-11-21", False),  # Saturday
        ("2026-11-22", False),  # Sunday
        ("2026-10-01", False),  # holiday
        ("2026-10-02", False),
    ],
)
def test_is_working_day(hours: HoursConfig, day: str, working: bool) -> None:
    assert is_working_day(hours, date.fromisoformat(day)) is working


# (start, days, working?, expected)
ADD_DAYS = [
    ("2026-11-17", 0, True, "2026-11-17"),
    ("2026-11-17", 1, True, "2026-11-18"),
    ("2026-11-20", 1, True, "2026-11-23"),  # Friday + 1 working day = Monday
    ("2026-11-20", 1, False, "2026-11-21"),  # Friday + 1 natural day = Saturday
    ("2026-11-17", 5, True, "2026-11-24"),  # Tuesday + 5 working days = next Tuesday
    ("2026-11-17", 5, False, "2026-11-22"),
    ("2026-11-21", 1, True, "2026-11-23"),  # from a Saturday
    ("2026-09-30", 1, True, "2026-10-05"),  # Wed + 1 skips the holiday (Thu-Sat) and Sunday
    ("2026-09-30", 1, False, "2026-10-01"),
    ("2026-09-29", 3, True, "2026-10-06"),
    ("2026-11-17", 15, True, "2026-12-08"),
]


@pytest.mark.parametrize(("start", "days", "working", "expected"), ADD_DAYS)
def test_add_days(hours: HoursConfig, start: str, days: int, working: bool, expected: str) -> None:
    assert add_days(hours, date.fromisoformat(start), days, working) == date.fromisoformat(expected)


def test_add_working_days_counts_an_extra_workday(hours: HoursConfig) -> None:
    swapped = replace(hours, extra_workdays=("2026-10-10",))  # 调休 Saturday after National Day
    assert add_days(hours, date(2026, 10, 9), 1, True) == date(2026, 10, 12)
    assert add_days(swapped, date(2026, 10, 9), 1, True) == date(2026, 10, 10)


def test_add_working_days_always_lands_on_a_working_day(hours: HoursConfig) -> None:
    start = date(2026, 9, 1)
    for offset in range(60):
        for days in (1, 2, 5, 7):
            result = add_days(hours, start + timedelta(days=offset), days, True)
            assert is_working_day(hours, result)


# ---------------------------------------------------------------- closed hours (issue 14)

from hall.calendar import hours_lines, next_opening, opening_text  # noqa: E402

OPENINGS = [
    # (now, next opening, its period, next walk-in opening)
    ("2026-11-17 07:00", "2026-11-17 08:30", Period.REGULAR, "2026-11-17 08:30"),
    ("2026-11-17 19:30", "2026-11-18 08:30", Period.REGULAR, "2026-11-18 08:30"),
    ("2026-11-20 20:00", "2026-11-21 09:00", Period.APPOINTMENT_ONLY, "2026-11-23 08:30"),   # Friday night
    ("2026-11-22 18:00", "2026-11-23 08:30", Period.REGULAR, "2026-11-23 08:30"),
    ("2026-09-30 20:00", "2026-10-04 09:00", Period.APPOINTMENT_ONLY, "2026-10-05 08:30"),   # 国庆 holidays
    ("2026-11-17 10:00", "2026-11-18 08:30", Period.REGULAR, "2026-11-18 08:30"),             # open: lunch is no "opening"
]


@pytest.mark.parametrize(("now", "opens", "period", "walk_ins"), OPENINGS)
def test_next_opening(hours: HoursConfig, now: str, opens: str, period: Period, walk_ins: str) -> None:
    opening = next_opening(hours, at(now))
    assert opening is not None
    assert opening.at == at(opens) and opening.period is period
    walk_in = next_opening(hours, at(now), walk_ins=True)
    assert walk_in is not None and walk_in.at == at(walk_ins)


def test_opening_text_says_when_and_on_what_terms(hours: HoursConfig) -> None:
    friday_night = at("2026-11-20 20:00")
    text = opening_text(next_opening(hours, friday_night), friday_night, hours)
    assert text.zh == "下次开放：明天11月21日（周六）09:00，仅办理预约"
    assert text.en == "opens tomorrow, Sat 21 Nov at 09:00, bookings only"
    early = at("2026-11-17 07:00")
    assert opening_text(next_opening(hours, early), early, hours).zh == "下次开放：今天11月17日（周二）08:30"
    assert "近期无开放" in opening_text(None, early, hours).zh


def test_a_hall_with_no_hours_never_opens() -> None:
    assert next_opening(HoursConfig(regular=(), weekend=None), at("2026-11-17 07:00")) is None


def test_hours_lines(hours: HoursConfig) -> None:
    zh = [line.zh for line in hours_lines(hours)]
    assert zh[0] == "工作日（周一、周二、周三、周四、周五）08:30-12:00、13:30-17:30"
    assert "午间服务 12:00-13:30（部分窗口）" in zh
    assert "双休日 09:00-17:00（仅预约）" in zh
