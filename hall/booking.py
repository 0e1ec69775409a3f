"""预约 as rules: the hall's booking settings, the day's slots and their capacity, booking codes,
and the checks on what a citizen types (name, mobile number, codes). Plain Python, no SQL.

Capacity of one slot of a category: the windows that list the category as primary, times how
many services of its mean length fit in the slot, times the share held for bookings (walk-ins
keep the rest). In hours that take bookings only (an appointment-only weekend, or extended hours
when the hall says so) the whole capacity is for bookings, with the share of windows the hall
staffs then. Lunch-time service is not bookable: fewer windows, and no figure for how many.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hall.calendar import is_working_day
from hall.config import BookingConfig, ConfigError, HoursConfig, TimeRange, WeekendMode
from hall.text import HallRuleError

# 32 symbols without 0/O, 1/I/L: read aloud or typed from a slip without confusion.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31**10 ≈ 8e14: guessing one live code at the public rate limit takes ages
VERIFY_CODE_DIGITS = 6
MAX_NAME_CHARS = 20
NAME_MARKS = frozenset("·•.- '")  # 少数民族 names (阿依古丽·买买提), Western names
PHONE_PATTERN = re.compile(r"1[3-9][0-9]{9}")


def _number(table: dict[str, Any], key: str, default: float, low: float, high: float, integer: bool) -> Any:
    if key not in table:
        return default
    value = table[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind_zh, kind_en = ("整数", "a whole number") if integer else ("数", "a number")
        raise ConfigError(f"booking.{key}", f"应为 {low:g} 到 {high:g} 之间的{kind_zh}", f"should be {kind_en} from {low:g} to {high:g}")
    return value


def parse_booking(table: dict[str, Any], known_series: tuple[str, ...] = ()) -> BookingConfig:
    """Validate the ``[booking]`` table; every error names its place in both languages."""
    if not isinstance(table, dict):
        raise ConfigError("booking", "应为表", "should be a table")
    defaults = BookingConfig()
    allowed = set(BookingConfig.__dataclass_fields__)
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError("booking", f"未知设置 {sorted(unknown)}", f"unknown settings {sorted(unknown)}")
    shares_table = table.get("shares", {})
    if not isinstance(shares_table, dict):
        raise ConfigError("booking.shares", "应为表，如 C = 0.5", "should be a table such as C = 0.5")
    shares: dict[str, float] = {}
    for series in shares_table:
        if known_series and series not in known_series:
            raise ConfigError("booking.shares", f"未知业务序列“{series}”", f"unknown series '{series}'")
        shares[series] = float(_number(shares_table, series, 0.0, 0.0, 1.0, integer=False))
    slot_minutes = _number(table, "slot_minutes", defaults.slot_minutes, 5, 240, integer=True)
    return BookingConfig(
        slot_minutes=slot_minutes,
        share=float(_number(table, "share", defaults.share, 0.0, 1.0, integer=False)),
        shares=shares,
        days_ahead=_number(table, "days_ahead", defaults.days_ahead, 0, 90, integer=True),
        per_week=_number(table, "per_week", defaults.per_week, 1, 50, integer=True),
        bookings_only_staffing=float(_number(table, "bookings_only_staffing", defaults.bookings_only_staffing, 0.0, 1.0, integer=False)),
        verify_minutes=_number(table, "verify_minutes", defaults.verify_minutes, 1, 60, integer=True),
        verify_attempts=_number(table, "verify_attempts", defaults.verify_attempts, 1, 20, integer=True),
        no_show_after_minutes=_number(table, "no_show_after_minutes", defaults.no_show_after_minutes, 0, 240, integer=True),
        no_show_limit=_number(table, "no_show_limit", defaults.no_show_limit, 1, 50, integer=True),
        no_show_window_days=_number(table, "no_show_window_days", defaults.no_show_window_days, 1, 365, integer=True),
        suspend_days=_number(table, "suspend_days", defaults.suspend_days, 0, 365, integer=True),
        early_minutes=_number(table, "early_minutes", defaults.early_minutes, 0, 480, integer=True),
        late_minutes=_number(table, "late_minutes", defaults.late_minutes, 0, 480, integer=True),
        one_ticket_per_person=_flag(table, "one_ticket_per_person", defaults.one_ticket_per_person),
    )


def _flag(table: dict[str, Any], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"booking.{key}", "应为 true 或 false", "should be true or false")
    return value


def booking_from_json(data: dict[str, Any] | None) -> BookingConfig:
    return parse_booking(dict(data or {}))


# ---------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class SlotTime:
    """One bookable slot of a day, in the hall's local time."""

    start: datetime
    end: datetime
    bookings_only: bool  # no walk-ins then: the whole capacity is for bookings

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def bookable_ranges(hours: HoursConfig, day: date) -> list[tuple[TimeRange, bool]]:
    """The spans of ``day`` that take bookings, each with whether they take bookings only."""
    if day.isoformat() in hours.closed_dates:
        return []
    if is_working_day(hours, day):
        spans = [(r, False) for r in hours.regular]
        if hours.extended is not None:
            spans.append((hours.extended, hours.extended_mode is WeekendMode.APPOINTMENT_ONLY))
        return spans
    if hours.weekend is not None and hours.weekend_mode is not WeekendMode.CLOSED:
        return [(hours.weekend, hours.weekend_mode is WeekendMode.APPOINTMENT_ONLY)]
    return []


def day_slots(hours: HoursConfig, booking: BookingConfig, day: date) -> list[SlotTime]:
    """Whole slots of ``booking.slot_minutes`` from the start of each bookable span; a remainder
    too short for a slot at the end of a span is not offered."""
    length = timedelta(minutes=booking.slot_minutes)
    slots: list[SlotTime] = []
    for span, only in sorted(bookable_ranges(hours, day), key=lambda s: s[0].start):
        start = datetime.combine(day, span.start, tzinfo=hours.zone)
        end = datetime.combine(day, span.end, tzinfo=hours.zone)
        while start + length <= end + timedelta(microseconds=1):
            slots.append(SlotTime(start, min(start + length, end), only))
            start += length
    return slots


def find_slot(hours: HoursConfig, booking: BookingConfig, day: date, start_hhmm: str) -> SlotTime:
    """The slot of ``day`` starting at "HH:MM" (or "HHMM"), or a bilingual 404."""
    text = start_hhmm.replace(":", "")
    for slot in day_slots(hours, booking, day):
        if f"{slot.start:%H%M}" == text:
            return slot
    raise HallRuleError("no_such_slot", "该时段不可预约，请重新选择", "no bookable slot at that time; choose again", 404)


def slot_capacity(serving_windows: int, service_minutes: float, booking: BookingConfig, series: str, slot: SlotTime) -> int:
    """Places for bookings in one slot of a category (see the module's note)."""
    if serving_windows <= 0 or service_minutes <= 0:
        return 0
    minutes = (slot.end - slot.start).total_seconds() / 60.0
    if slot.bookings_only:
        windows = max(1, math.ceil(serving_windows * booking.bookings_only_staffing))
        share = 1.0
    else:
        windows, share = serving_windows, booking.share_for(series)
    services = math.floor(windows * minutes / service_minutes + 1e-9)
    return math.floor(services * share + 1e-9)


def bookable_days(hours: HoursConfig, booking: BookingConfig, now: datetime) -> list[date]:
    """Today (if a slot is still ahead) and the next ``days_ahead`` days that have slots."""
    local = now.astimezone(hours.zone)
    days: list[date] = []
    for offset in range(booking.days_ahead + 1):
        day = local.date() + timedelta(days=offset)
        if any(slot.start > local for slot in day_slots(hours, booking, day)):
            days.append(day)
    return days


def check_bookable(hours: HoursConfig, booking: BookingConfig, slot: SlotTime, now: datetime) -> None:
    """A slot may be booked (or moved to) until it starts, and only inside the booking horizon."""
    local = now.astimezone(hours.zone)
    if slot.start <= local:
        raise HallRuleError(
            "slot_passed", "该时段已开始或已过，请选择以后的时段", "that slot has started or passed; choose a later one", 409
        )
    if (slot.start.date() - local.date()).days > booking.days_ahead:
        raise HallRuleError(
            "slot_too_far",
            f"只能预约 {booking.days_ahead} 天内的时段",
            f"bookings open at most {booking.days_ahead} days ahead",
            422,
        )


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s week: the span the per-week limit counts in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def check_week_limit(active_in_week: int, booking: BookingConfig) -> None:
    if active_in_week >= booking.per_week:
        raise HallRuleError(
            "week_limit",
            f"同一手机号每周最多预约 {booking.per_week} 次，请先取消其他预约",
            f"one mobile number may hold at most {booking.per_week} bookings a week; cancel another first",
            409,
        )


ONE_PER_DAY = HallRuleError(
    "one_per_day",
    "同一手机号同一天同一业务只能预约一次",
    "one mobile number may hold one booking per service a day",
    409,
)


# ---------------------------------------------------------------------------- what citizens type


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_verify_code() -> str:
    return f"{secrets.randbelow(10**VERIFY_CODE_DIGITS):0{VERIFY_CODE_DIGITS}d}"


def _field_error(code: str, zh: str, en: str) -> HallRuleError:
    return HallRuleError(code, zh, en, 422)


def normalize_booking_code(text: str) -> str:
    """A booking code as typed: spaces and dashes dropped, lower case allowed; anything else is
    a bilingual 422 (never a lookup of something that cannot be a code)."""
    if len(text) > 40:
        raise _field_error("bad_code", "预约码应为 10 位字母数字", "a booking code has 10 letters and digits")
    code = "".join(ch for ch in text if ch not in " -\u3000").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise _field_error("bad_code", "预约码应为 10 位字母数字，请核对", "a booking code has 10 letters and digits; check it")
    return code


def format_booking_code(code: str) -> str:
    """ABCDE FGHJK: two groups of five, easier to read out and type."""
    return f"{code[:5]} {code[5:]}"


def normalize_phone(text: str) -> str:
    """A mainland mobile number (11 digits from 13x-19x), optionally with +86 and spaces or dashes."""
    if len(text) > 40:
        raise _field_error("bad_phone", "手机号码应为 11 位数字", "a mobile number has 11 digits")
    digits = "".join(ch for ch in text.strip() if ch not in " -\u3000")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
    if not PHONE_PATTERN.fullmatch(digits):
        raise _field_error(
            "bad_phone", "请填写正确的 11 位手机号码（如 13812345678）", "enter a valid 11-digit mainland mobile number (e.g. 13812345678)"
        )
    return digits


def normalize_name(text: str) -> str:
    """A person's name: letters (Chinese or other), the marks names use, 1-20 characters. Markup,
    digits and control characters are refused rather than escaped and stored."""
    name = " ".join(text.split())
    if not name:
        raise _field_error("bad_name", "请填写姓名", "enter your name")
    if len(name) > MAX_NAME_CHARS:
        raise _field_error("bad_name", f"姓名最多 {MAX_NAME_CHARS} 个字", f"a name has at most {MAX_NAME_CHARS} characters")
    for ch in name:
        if not (unicodedata.category(ch).startswith("L") or ch in NAME_MARKS):
            raise _field_error("bad_name", "姓名只能包含文字（可含间隔号“·”）", "a name may contain only letters (and the mark ·)")
    return name


def normalize_verify_code(text: str) -> str:
    code = text.strip()
    if len(code) != VERIFY_CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise _field_error("bad_verify_code", "验证码应为 6 位数字", "the verification code has 6 digits")
    return code


def parse_day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _field_error("bad_day", "日期格式不正确，请重新选择", "the date is not valid; choose again") from None
