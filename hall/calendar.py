"""The hall's business day and hours: when it is open, at lunch service, extended, or closed.

Numbering restarts each business day (the hall's local date), and 承诺件 and 差评 follow-up
deadlines count the hall's working days (weekends and holidays out, 调休 working weekends in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from hall.config import HoursConfig, WeekendMode
from hall.text import Bilingual


class Period(StrEnum):
    REGULAR = "regular"
    LUNCH = "lunch"  # 午间服务
    EXTENDED = "extended"  # 延时服务
    WEEKEND = "weekend"  # 双休日服务, open to all
    APPOINTMENT_ONLY = "appointment_only"  # weekend service for booked citizens only
    CLOSED = "closed"


PERIOD_NOTICES: dict[Period, Bilingual] = {
    Period.REGULAR: Bilingual("正常办公", "open"),
    Period.LUNCH: Bilingual("午间服务时段，部分窗口办理，请耐心等候", "lunch-time service: fewer windows open, please be patient"),
    Period.EXTENDED: Bilingual("延时服务时段", "extended hours"),
    Period.WEEKEND: Bilingual("双休日服务", "weekend service"),
    Period.APPOINTMENT_ONLY: Bilingual("今日仅办理预约业务，请凭预约码取号", "appointments only today: check in with your booking code"),
    Period.CLOSED: Bilingual("当前非办公时间", "the hall is closed now"),
}


@dataclass(frozen=True)
class HallState:
    period: Period
    business_day: date

    @property
    def accepts_walk_ins(self) -> bool:
        return self.period in (Period.REGULAR, Period.LUNCH, Period.EXTENDED, Period.WEEKEND)

    @property
    def notice(self) -> Bilingual:
        return PERIOD_NOTICES[self.period]


def local_time(hours: HoursConfig, instant: datetime) -> datetime:
    return instant.astimezone(hours.zone)


def business_day(hours: HoursConfig, instant: datetime) -> date:
    """The hall's local calendar date: numbering restarts at local midnight."""
    return local_time(hours, instant).date()


def is_working_day(hours: HoursConfig, day: date) -> bool:
    iso = day.isoformat()
    if iso in hours.closed_dates:
        return False
    if iso in hours.extra_workdays:
        return True
    return day.isoweekday() in hours.workdays


def hall_state(hours: HoursConfig, instant: datetime) -> HallState:
    local = local_time(hours, instant)
    today, moment = local.date(), local.time()
    if today.isoformat() in hours.closed_dates:
        return HallState(Period.CLOSED, today)
    if is_working_day(hours, today):
        if any(r.contains(moment) for r in hours.regular):
            return HallState(Period.REGULAR, today)
        if hours.lunch and hours.lunch.contains(moment):
            return HallState(Period.LUNCH, today)
        if hours.extended and hours.extended.contains(moment):
            return HallState(Period.EXTENDED, today)
        return HallState(Period.CLOSED, today)
    if hours.weekend and hours.weekend.contains(moment) and hours.weekend_mode is not WeekendMode.CLOSED:
        period = Period.WEEKEND if hours.weekend_mode is WeekendMode.OPEN else Period.APPOINTMENT_ONLY
        return HallState(period, today)
    return HallState(Period.CLOSED, today)


def add_days(hours: HoursConfig, start: date, days: int, working: bool) -> date:
    """The date ``days`` days after ``start``: working days (holidays skipped) or natural days."""
    if not working:
        return start + timedelta(days=days)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(hours, current):
            counted += 1
    return current
