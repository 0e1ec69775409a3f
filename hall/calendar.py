"""The hall's business day and hours: when it is open, at lunch service, extended, or closed.

Numbering restarts each business day (the hall's local date), and 承诺件 and 差评 follow-up
deadlines count the hall's working days (weekends and holidays out, 调休 working weekends in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from hall.config import HoursConfig, WeekendMode
from hall.text import Bilingual, HallRuleError


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
            only = hours.extended_mode is WeekendMode.APPOINTMENT_ONLY
            return HallState(Period.APPOINTMENT_ONLY if only else Period.EXTENDED, today)
        return HallState(Period.CLOSED, today)
    if hours.weekend and hours.weekend.contains(moment) and hours.weekend_mode is not WeekendMode.CLOSED:
        period = Period.WEEKEND if hours.weekend_mode is WeekendMode.OPEN else Period.APPOINTMENT_ONLY
        return HallState(period, today)
    return HallState(Period.CLOSED, today)


APPOINTMENT_HORIZON_DAYS = 180  # bookings open this far ahead at most


def check_appointment_slot(hours: HoursConfig, slot_at: datetime, now: datetime) -> None:
    """An appointment is for a time to come, within the booking horizon, when the hall is open
    (walk-in hours or appointment-only weekend service); otherwise a 422 saying which."""
    if slot_at < now:
        raise HallRuleError("appointment_in_past", "预约时间已过，请选择以后的时间", "the appointment time has passed; choose a later time", 422)
    if slot_at > now + timedelta(days=APPOINTMENT_HORIZON_DAYS):
        raise HallRuleError(
            "appointment_too_far",
            f"只能预约 {APPOINTMENT_HORIZON_DAYS} 天内的时间",
            f"appointments can be made at most {APPOINTMENT_HORIZON_DAYS} days ahead",
            422,
        )
    if hall_state(hours, slot_at).period is Period.CLOSED:
        local = local_time(hours, slot_at)
        raise HallRuleError(
            "appointment_outside_hours",
            f"{local:%Y-%m-%d %H:%M} 大厅不办公，请选择办公时间",
            f"the hall is closed at {local:%Y-%m-%d %H:%M}; choose a time within its hours",
            422,
        )


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


# ---------------------------------------------------------------------------- closed hours

WEEKDAY_ZH = "一二三四五六日"
WEEKDAY_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Opening:
    """When the hall next takes citizens, and on what terms (all-comers or bookings only)."""

    at: datetime          # the hall's local time
    period: Period

    @property
    def walk_ins(self) -> bool:
        return self.period is not Period.APPOINTMENT_ONLY


def _starts_on(hours: HoursConfig, day: date) -> list[tuple[datetime, Period]]:
    """Every moment on ``day`` (local) at which a period of the hall's hours begins."""
    if day.isoformat() in hours.closed_dates:
        return []
    ranges: list[tuple[object, Period]] = []
    if is_working_day(hours, day):
        ranges += [(r, Period.REGULAR) for r in hours.regular]
        extended = Period.APPOINTMENT_ONLY if hours.extended_mode is WeekendMode.APPOINTMENT_ONLY else Period.EXTENDED
        ranges += [(r, p) for r, p in ((hours.lunch, Period.LUNCH), (hours.extended, extended)) if r is not None]
    elif hours.weekend is not None and hours.weekend_mode is not WeekendMode.CLOSED:
        period = Period.WEEKEND if hours.weekend_mode is WeekendMode.OPEN else Period.APPOINTMENT_ONLY
        ranges.append((hours.weekend, period))
    return sorted(
        (datetime.combine(day, time_range.start, tzinfo=hours.zone), period)  # type: ignore[attr-defined]
        for time_range, period in ranges
    )


def next_opening(hours: HoursConfig, instant: datetime, walk_ins: bool = False, horizon_days: int = 60) -> Opening | None:
    """The next moment after ``instant`` at which the hall opens after a closed spell (with
    ``walk_ins``, the next at which anyone may take a number), or None when nothing opens within
    ``horizon_days`` (a hall with no hours configured)."""
    local = local_time(hours, instant)
    for offset in range(horizon_days + 1):
        for start, period in _starts_on(hours, local.date() + timedelta(days=offset)):
            if start <= local or (walk_ins and period is Period.APPOINTMENT_ONLY):
                continue
            # A start inside an open spell (lunch right after the morning) is no opening.
            if hall_state(hours, start - timedelta(seconds=1)).period is Period.CLOSED:
                return Opening(start, period)
    return None


def opening_text(opening: Opening | None, instant: datetime, hours: HoursConfig) -> Bilingual:
    """"下次开放：明天 12月5日（周六）09:00，仅办理预约" and its English."""
    if opening is None:
        return Bilingual("近期无开放时间安排，请留意大厅公告", "no opening is scheduled soon: see the hall's notices")
    today = local_time(hours, instant).date()
    day = opening.at.date()
    days = (day - today).days
    when_zh = {0: "今天", 1: "明天", 2: "后天"}.get(days, "")
    when_en = {0: "today, ", 1: "tomorrow, "}.get(days, "")
    weekday = day.weekday()
    zh = f"下次开放：{when_zh}{day.month}月{day.day}日（周{WEEKDAY_ZH[weekday]}）{opening.at:%H:%M}"
    en = f"opens {when_en}{WEEKDAY_EN[weekday]} {day.day} {day:%b} at {opening.at:%H:%M}"
    if not opening.walk_ins:
        zh += "，仅办理预约"
        en += ", bookings only"
    return Bilingual(zh, en)


def hours_lines(hours: HoursConfig) -> list[Bilingual]:
    """The hall's hours as a citizen reads them on the kiosk, one line per kind of period."""
    lines: list[Bilingual] = []
    days_zh = "、".join(f"周{WEEKDAY_ZH[d - 1]}" for d in hours.workdays)
    days_en = ", ".join(WEEKDAY_EN[d - 1] for d in hours.workdays)
    if hours.regular:
        spans = "、".join(str(r) for r in hours.regular)
        lines.append(Bilingual(f"工作日（{days_zh}）{spans}", f"working days ({days_en}) {', '.join(str(r) for r in hours.regular)}"))
    if hours.lunch is not None:
        lines.append(Bilingual(f"午间服务 {hours.lunch}（部分窗口）", f"lunch-time service {hours.lunch} (fewer windows)"))
    if hours.extended is not None:
        only = hours.extended_mode is WeekendMode.APPOINTMENT_ONLY
        lines.append(
            Bilingual(
                f"延时服务 {hours.extended}" + ("（仅预约）" if only else ""),
                f"extended hours {hours.extended}" + (" (bookings only)" if only else ""),
            )
        )
    if hours.weekend is not None and hours.weekend_mode is not WeekendMode.CLOSED:
        only = hours.weekend_mode is WeekendMode.APPOINTMENT_ONLY
        lines.append(
            Bilingual(f"双休日 {hours.weekend}" + ("（仅预约）" if only else ""), f"weekends {hours.weekend}" + (" (bookings only)" if only else ""))
        )
    lines.append(Bilingual("法定节假日休息", "closed on public holidays"))
    return lines
