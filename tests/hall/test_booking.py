"""hall.booking and hall.holidays: settings, slots, capacity, what citizens type, the calendar file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hall.booking import (
    CODE_ALPHABET,
    CODE_LENGTH,
    bookable_days,
    day_slots,
    new_booking_code,
    normalize_booking_code,
    normalize_name,
    normalize_phone,
    parse_booking,
    slot_capacity,
)
from hall.calendar import Period, hall_state, is_working_day
from hall.config import BookingConfig, ConfigError, HallConfig, WeekendMode, load_config
from hall.holidays import load_calendar, parse_calendar
from hall.text import HallRuleError

TUESDAY = date(2026, 11, 17)


def test_slots_follow_the_hours(sample_hall: HallConfig) -> None:
    hours, booking = sample_hall.hours, sample_hall.booking
    slots = day_slots(hours, booking, TUESDAY)
    labels = [s.label for s in slots]
    assert labels[0] == "08:30-09:00" and "12:00-12:30" not in labels and labels[-1] == "18:30-19:00"
    assert not any(s.bookings_only for s in slots)
    saturday = day_slots(hours, booking, date(2026, 11, 21))
    assert saturday[0].label == "09:00-09:30" and all(s.bookings_only for s in saturday)
    assert day_slots(hours, booking, date(2026, 10, 1)) == []  # National Day
    only_extended = dataclasses.replace(hours, extended_mode=WeekendMode.APPOINTMENT_ONLY)
    assert [s.bookings_only for s in day_slots(only_extended, booking, TUESDAY)][-1] is True
    evening = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # 18:00 local, extended hours
    assert hall_state(only_extended, evening).period is Period.APPOINTMENT_ONLY
    assert hall_state(hours, evening).period is Period.EXTENDED


def test_capacity_from_windows_service_time_and_share(sample_hall: HallConfig) -> None:
    booking = BookingConfig(slot_minutes=30, share=0.5, shares={"C": 0.6}, bookings_only_staffing=0.5)
    weekday, weekend = day_slots(sample_hall.hours, booking, TUESDAY)[0], day_slots(sample_hall.hours, booking, date(2026, 11, 21))[0]
    assert slot_capacity(4, 20, booking, "C", weekday) == 3  # 4 x 30/20 = 6 services, 60 % of them
    assert slot_capacity(2, 18, booking, "A", weekday) == 1  # 2 x 30/18 = 3.3 -> 3, half -> 1
    assert slot_capacity(4, 20, booking, "C", weekend) == 3  # 2 of 4 windows, all for bookings
    assert slot_capacity(0, 20, booking, "C", weekday) == 0  # nobody serves it: nothing to book


def test_bookable_days_skip_holidays_and_passed_days(sample_hall: HallConfig) -> None:
    late = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)  # 20:00 local on the eve of National Day: today is over
    days = bookable_days(sample_hall.hours, sample_hall.booking, late)
    assert days[0] == date(2026, 10, 4) and date(2026, 10, 1) not in days


def test_codes_and_what_citizens_type() -> None:
    codes = {new_booking_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01ILO") & set(CODE_ALPHABET)
    assert normalize_booking_code("abcde-fghjk") == "ABCDEFGHJK"
    assert normalize_phone("+86 138-1234-5678") == "13812345678" and normalize_phone("008613812345678") == "13812345678"
    assert normalize_name("  阿依古丽·买买提 ") == "阿依古丽·买买提" and normalize_name("Anna Smith") == "Anna Smith"
    for bad, call in [
        ("0123456789", normalize_booking_code),
        ("12812345678", normalize_phone),
        ("王1", normalize_name),
        ("a\u202eb", normalize_name),
    ]:
        with pytest.raises(HallRuleError) as refused:
            call(bad)
        assert refused.value.status == 422 and refused.value.message.zh and refused.value.message.en


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ({"share": 1.5}, "booking.share"),
        ({"slot_minutes": 0}, "booking.slot_minutes"),
        ({"per_week": True}, "booking.per_week"),
        ({"shares": {"Z": 0.5}}, "booking.shares"),
        ({"shares": {"C": "half"}}, "booking.C"),
        ({"surprise": 1}, "booking"),
    ],
)
def test_bad_booking_settings_are_refused_bilingually(table: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_booking(table, ("A", "C"))
    assert where in refused.value.message.en and "配置错误" in refused.value.message.zh


def test_the_holiday_calendar_file(tmp_path: Path) -> None:
    closed, working = load_calendar(Path(__file__).parents[2] / "hall" / "sample_holidays.toml")
    assert closed[:3] == ("2026-10-01", "2026-10-02", "2026-10-03") and working == ("2026-09-27",)
    config_text = (Path(__file__).parents[2] / "hall" / "sample_hall.toml").read_text(encoding="utf-8")
    (tmp_path / "hall.toml").write_text(config_text.replace('# calendar = "holidays.toml"', 'calendar = "holidays.toml"'), encoding="utf-8")
    (tmp_path / "holidays.toml").write_text(
        '[[holiday]]\nname = "春节"\nfrom = 2027-02-06\nto = 2027-02-12\n[[workday]]\ndate = 2027-02-14\n'
    )
    hours = load_config(tmp_path / "hall.toml").hours
    assert "2027-02-08" in hours.closed_dates and "2026-10-01" in hours.closed_dates
    assert is_working_day(hours, date(2027, 2, 14)) and not is_working_day(hours, date(2027, 2, 8))  # a 调休 Sunday works


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"holiday": [{"from": "2026-10-08", "to": "2026-10-01"}]}, "before it starts"),
        ({"holiday": [{"from": "2026-02-30"}]}, "2026-10-01"),
        ({"holiday": [{"to": "2026-10-01"}]}, "'from' is missing"),
        ({"holiday": [{"from": date(2026, 1, 1), "to": date(2026, 3, 1)}]}, "at most 31 days"),
        ({"holiday": [{"from": date(2026, 10, 1)}], "workday": [{"date": date(2026, 10, 1)}]}, "both as a holiday"),
        ({"holidays": []}, "unknown tables"),
    ],
)
def test_a_broken_calendar_is_refused_bilingually(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_calendar(data, "holidays.toml")
    assert fragment in refused.value.message.en and "holidays.toml" in refused.value.message.zh
