"""The hall's configuration: categories, items, windows, clerks, hours and rule settings.

Read from a TOML file a hall operator can edit by hand (the sample county hall ships beside this
module) and validated here, so a broken file is refused with a message naming the line's place
in both languages before anything reaches the database.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.numbering import SERIES_PATTERN
from hall.pins import pin_problem
from hall.text import HallRuleError
from hall.tickets import DEFAULT_PROMISED_WORKING_DAYS, MAX_PROMISED_WORKING_DAYS

SAMPLE_HALL_PATH = Path(__file__).with_name("sample_hall.toml")


class ConfigError(HallRuleError):
    def __init__(self, where: str, zh: str, en: str) -> None:
        super().__init__("bad_config", f"配置错误（{where}）：{zh}", f"configuration error at {where}: {en}", 422)


# A category's target wait when its configuration names none (minutes).
DEFAULT_TARGET_WAIT_MINUTES = 15.0


class CallRule(StrEnum):
    PRIMARY_FIRST = "primary_first"  # a window's primary categories before its secondary ones
    LONGEST_WAIT = "longest_wait"  # the longest-waiting ticket among all the window's categories
    # across all the window's categories, the ticket whose wait is the largest share of its
    # category's target wait
    TARGET_WEIGHTED = "target_weighted"
    # across all the window's categories, the head of the category with the most tickets waiting
    # (the longest-waiting head on a tie)
    LONGEST_QUEUE = "longest_queue"


@dataclass(frozen=True)
class ItemConfig:
    code: str
    name_zh: str
    name_en: str
    materials: tuple[str, ...] = ()
    promised_days: int = 0  # 承诺时限 in working days; 0 = done on the spot
    fee: str = "免费"


@dataclass(frozen=True)
class CategoryConfig:
    series: str
    name_zh: str
    name_en: str
    department: str = ""
    expected_service_minutes: float = 10.0
    target_wait_minutes: float = DEFAULT_TARGET_WAIT_MINUTES
    items: tuple[ItemConfig, ...] = ()


@dataclass(frozen=True)
class WindowConfig:
    number: int
    name_zh: str
    name_en: str = ""
    department: str = ""
    primary: tuple[str, ...] = ()  # series served first
    secondary: tuple[str, ...] = ()  # served when the primary queues are empty (or by wait)
    open: bool = True
    phone: str = ""  # the window's own phone, printed on 承诺件告知单


@dataclass(frozen=True)
class ClerkConfig:
    staff_no: str
    name: str
    department: str = ""
    skills: tuple[str, ...] = ()  # series the clerk is trained for
    pin: str | None = None  # plain PIN in a sample file; hashed on import
    pin_hash: str | None = None
    photo: str = ""
    lunch: str = ""  # the clerk's own lunch turn, "11:30-12:30" (hall.roster); "" = the hall's lunch hours


@dataclass(frozen=True)
class TimeRange:
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end or (self.end == time.max and moment == time.max)

    def __str__(self) -> str:
        """As the config file writes it, and read back to the same range (the hall's hours are
        stored this way): "24:00" for a range open to midnight, seconds only where there are some."""
        return f"{_clock_text(self.start)}-{'24:00' if self.end == time.max else _clock_text(self.end)}"


def _clock_text(moment: time) -> str:
    return moment.isoformat(timespec="minutes" if not (moment.second or moment.microsecond) else "auto")


class WeekendMode(StrEnum):
    OPEN = "open"
    APPOINTMENT_ONLY = "appointment_only"
    CLOSED = "closed"


@dataclass(frozen=True)
class HoursConfig:
    timezone: str = "Asia/Shanghai"
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekday numbers
    regular: tuple[TimeRange, ...] = ()
    lunch: TimeRange | None = None  # 午间服务: open with fewer windows
    extended: TimeRange | None = None  # 延时服务 after regular hours
    weekend: TimeRange | None = None  # 双休日服务
    weekend_mode: WeekendMode = WeekendMode.APPOINTMENT_ONLY
    # 延时服务 open to all, or to booked citizens only (then the hall refuses walk-ins then)
    extended_mode: WeekendMode = WeekendMode.OPEN
    closed_dates: tuple[str, ...] = ()  # holidays, ISO dates
    extra_workdays: tuple[str, ...] = ()  # 调休 working weekends, ISO dates

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class BookingConfig:
    """The ``[booking]`` table of the hall's config file."""

    slot_minutes: int = 30
    share: float = 0.3  # of a slot's capacity held for bookings (walk-ins keep the rest)
    shares: dict[str, float] = field(default_factory=dict)  # per category series, overriding ``share``
    days_ahead: int = 7  # bookings open for today and this many days after
    per_week: int = 2  # active bookings per mobile number in one week (Mon-Sun of the slot)
    bookings_only_staffing: float = 0.5  # share of a category's windows staffed in bookings-only hours
    verify_minutes: int = 10  # a verification code lasts this long
    verify_attempts: int = 5  # wrong verification codes before the request is void
    # 爽约 (hall.no_shows): a booking not checked in this long after its slot ends is a no-show;
    # no_show_limit of them within no_show_window_days suspend the number for suspend_days.
    no_show_after_minutes: int = 30
    no_show_limit: int = 3
    no_show_window_days: int = 90
    suspend_days: int = 30
    early_minutes: int = 60  # a booking is checked in from this long before its slot (hall.identity_rules)
    late_minutes: int = 30  # ... until this long after its start; later, the citizen gets a walk-in number
    one_ticket_per_person: bool = True  # 一人一号: one waiting ticket per ID card and category

    def share_for(self, series: str) -> float:
        return self.shares.get(series, self.share)

    def as_json(self) -> dict[str, Any]:
        return {
            "slot_minutes": self.slot_minutes,
            "share": self.share,
            "shares": dict(self.shares),
            "days_ahead": self.days_ahead,
            "per_week": self.per_week,
            "bookings_only_staffing": self.bookings_only_staffing,
            "verify_minutes": self.verify_minutes,
            "verify_attempts": self.verify_attempts,
            "no_show_after_minutes": self.no_show_after_minutes,
            "no_show_limit": self.no_show_limit,
            "no_show_window_days": self.no_show_window_days,
            "suspend_days": self.suspend_days,
            "early_minutes": self.early_minutes,
            "late_minutes": self.late_minutes,
            "one_ticket_per_person": self.one_ticket_per_person,
        }


@dataclass(frozen=True)
class PrivacyConfig:
    """The ``[privacy]`` table (个人信息保护法): personal fields are erased after retention_days."""

    retention_days: int = 30

    def as_json(self) -> dict[str, Any]:
        return {"retention_days": self.retention_days}


@dataclass(frozen=True)
class RulesConfig:
    call_rule: CallRule = CallRule.PRIMARY_FIRST
    # a secondary category whose head has waited this long is served like a primary one (0 = off)
    secondary_promote_minutes: float = 0.0
    recall_limit: int = 3  # recalls before a ticket counts as a no-show
    late_requeue_places: int = 3  # a late no-show goes back this many places from the head
    late_call_at_window: bool = True  # a clerk may also call a late no-show straight to their window
    appointment_grace_minutes: int = 15  # an appointment is "due" this long before its slot
    followup_days: int = 5  # 差评 follow-up deadline
    followup_working_days: bool = True
    default_rating_days: int = 0  # 0 = off; else a default 基本满意 after N days, stored as default
    pause_warn_minutes: float = 3.0  # AB角: away at most 3 minutes
    # A clerk's session ends after this long without a request of theirs (0 = only at logout,
    # revocation, deactivation, PIN change and the day's rollover).
    clerk_idle_minutes: float = 60.0
    long_wait_alert_minutes: float = 30.0
    # 承诺件: the deadline in working days for an item without a 承诺时限 of its own (the clerk may
    # still change it per case), 1 to MAX_PROMISED_WORKING_DAYS.
    promised_working_days: int = DEFAULT_PROMISED_WORKING_DAYS


@dataclass(frozen=True)
class HallConfig:
    code: str
    name_zh: str
    name_en: str
    complaint_phone: str = "12345"
    public_url: str = "http://127.0.0.1:8760"
    hours: HoursConfig = field(default_factory=HoursConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    categories: tuple[CategoryConfig, ...] = ()
    windows: tuple[WindowConfig, ...] = ()
    clerks: tuple[ClerkConfig, ...] = ()
    notices: tuple[str, ...] = ()
    booking: BookingConfig = field(default_factory=BookingConfig)  # 预约: slots and limits (hall.booking)
    address_zh: str = ""  # shown on booking confirmations
    address_en: str = ""
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)  # [privacy] (hall.privacy)
    # The sample hall of the demo and the tests ([hall] demo = true): its clerks' PINs are their
    # staff numbers, which hall.pins refuses in every other hall.
    demo: bool = False

    def category(self, series: str) -> CategoryConfig:
        for category in self.categories:
            if category.series == series:
                return category
        raise KeyError(series)


# --------------------------------------------------------------------------- parsing helpers


def _require(table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in table:
        raise ConfigError(where, f"缺少“{key}”", f"'{key}' is missing")
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    bool_refused = isinstance(value, bool) and bool not in kinds  # TOML true is not a number
    if not isinstance(value, kinds) or bool_refused:
        raise ConfigError(f"{where}.{key}", "类型不对", f"wrong type {type(value).__name__}")
    return value


def _optional(table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...], default: Any) -> Any:
    if key not in table:
        return default
    return _require(table, key, where, kind)


def parse_time_range(text: str, where: str) -> TimeRange:
    try:
        start_text, end_text = text.split("-")
        # "24:00" ends a range at midnight (a 24-hour self-service area: "00:00-24:00").
        start = time.fromisoformat(start_text.strip())
        end = time.max if end_text.strip() == "24:00" else time.fromisoformat(end_text.strip())
    except ValueError:
        raise ConfigError(
            where,
            f"时间段“{text}”应写作 08:30-12:00（全天为 00:00-24:00）",
            f"time range '{text}' should look like 08:30-12:00 (all day: 00:00-24:00)",
        ) from None
    if end <= start:
        raise ConfigError(where, f"时间段“{text}”结束早于开始", f"time range '{text}' ends before it starts")
    return TimeRange(start, end)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(where, "应为字符串列表", "should be a list of strings")
    return tuple(value)


def _parse_hours(table: dict[str, Any]) -> HoursConfig:
    where = "hours"
    timezone = _optional(table, "timezone", where, str, "Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}.timezone", f"未知时区“{timezone}”", f"unknown time zone '{timezone}'") from None
    workdays = tuple(_optional(table, "workdays", where, list, [1, 2, 3, 4, 5]))
    if not all(isinstance(d, int) and 1 <= d <= 7 for d in workdays):
        raise ConfigError(f"{where}.workdays", "应为 1 到 7 的数字", "should be ISO weekdays 1 to 7")

    def one(key: str) -> TimeRange | None:
        text = _optional(table, key, where, str, "")
        return parse_time_range(text, f"{where}.{key}") if text else None

    regular = tuple(parse_time_range(t, f"{where}.regular") for t in _strings(table.get("regular", []), f"{where}.regular"))

    def mode(key: str, default: WeekendMode) -> WeekendMode:
        try:
            return WeekendMode(_optional(table, key, where, str, default.value))
        except ValueError:
            raise ConfigError(
                f"{where}.{key}", f"应为 {[m.value for m in WeekendMode]}", f"should be one of {[m.value for m in WeekendMode]}"
            ) from None

    return HoursConfig(
        timezone=timezone,
        workdays=workdays,
        regular=regular,
        lunch=one("lunch"),
        extended=one("extended"),
        weekend=one("weekend"),
        weekend_mode=mode("weekend_mode", WeekendMode.APPOINTMENT_ONLY),
        extended_mode=mode("extended_mode", WeekendMode.OPEN),
        closed_dates=_strings(table.get("closed_dates", []), f"{where}.closed_dates"),
        extra_workdays=_strings(table.get("extra_workdays", []), f"{where}.extra_workdays"),
    )


def _parse_rules(table: dict[str, Any]) -> RulesConfig:
    defaults = RulesConfig()
    values: dict[str, Any] = {}
    for name in RulesConfig.__dataclass_fields__:
        if name not in table:
            continue
        default = getattr(defaults, name)
        if isinstance(default, CallRule):
            try:
                values[name] = CallRule(table[name])
            except ValueError:
                raise ConfigError(
                    f"rules.{name}", f"应为 {[r.value for r in CallRule]}", f"should be one of {[r.value for r in CallRule]}"
                ) from None
        else:
            kind: tuple[type, ...] = (bool,) if isinstance(default, bool) else (int, float) if isinstance(default, float) else (int,)
            value = _require(table, name, "rules", kind)
            if not isinstance(value, bool) and value < 0:
                raise ConfigError(f"rules.{name}", "不能为负数", "must not be negative")
            if name == "promised_working_days" and not 1 <= value <= MAX_PROMISED_WORKING_DAYS:
                raise ConfigError(
                    f"rules.{name}", f"应为 1–{MAX_PROMISED_WORKING_DAYS} 个工作日", f"should be 1-{MAX_PROMISED_WORKING_DAYS} working days"
                )
            values[name] = value
    unknown = set(table) - set(RulesConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError("rules", f"未知设置 {sorted(unknown)}", f"unknown settings {sorted(unknown)}")
    return RulesConfig(**values)


def _lunch_turn(text: str, where: str) -> str:
    """A clerk's lunch turn as stored: a time range in the config's form, or "" for none."""
    return str(parse_time_range(text, where)) if text.strip() else ""


def parse_config(data: dict[str, Any]) -> HallConfig:
    """Validate a decoded TOML document into a :class:`HallConfig`."""
    from hall.booking import parse_booking  # hall.booking builds on this module's types
    from hall.privacy import parse_privacy

    hall = _require(data, "hall", "", dict)
    categories: list[CategoryConfig] = []
    for index, raw in enumerate(data.get("categories", [])):
        where = f"categories[{index}]"
        series = _require(raw, "series", where, str)
        if not SERIES_PATTERN.match(series):
            raise ConfigError(
                f"{where}.series", f"序列“{series}”应为一到两个大写字母", f"series '{series}' should be one or two capital letters"
            )
        items = []
        for item_index, item in enumerate(raw.get("items", [])):
            item_where = f"{where}.items[{item_index}]"
            items.append(
                ItemConfig(
                    code=_require(item, "code", item_where, str),
                    name_zh=_require(item, "name_zh", item_where, str),
                    name_en=_optional(item, "name_en", item_where, str, ""),
                    materials=_strings(item.get("materials", []), f"{item_where}.materials"),
                    promised_days=_optional(item, "promised_days", item_where, int, 0),
                    fee=_optional(item, "fee", item_where, str, "免费"),
                )
            )
        for key in ("expected_service_minutes", "target_wait_minutes"):
            # the target_weighted call rule divides by the target; both must be real durations
            if key in raw and not (isinstance(raw[key], (int, float)) and not isinstance(raw[key], bool) and raw[key] > 0):
                raise ConfigError(f"{where}.{key}", "应为大于 0 的分钟数", "should be a positive number of minutes")
        categories.append(
            CategoryConfig(
                series=series,
                name_zh=_require(raw, "name_zh", where, str),
                name_en=_optional(raw, "name_en", where, str, ""),
                department=_optional(raw, "department", where, str, ""),
                expected_service_minutes=float(_optional(raw, "expected_service_minutes", where, (int, float), 10.0)),
                target_wait_minutes=float(_optional(raw, "target_wait_minutes", where, (int, float), DEFAULT_TARGET_WAIT_MINUTES)),
                items=tuple(items),
            )
        )
    known = [c.series for c in categories]
    if len(set(known)) != len(known):
        raise ConfigError("categories", "业务序列重复", "a series letter is used twice")
    item_codes = [i.code for c in categories for i in c.items]
    if len(set(item_codes)) != len(item_codes):
        raise ConfigError("categories.items", "事项编码重复", "an item code is used twice")

    def check_series(values: tuple[str, ...], where: str) -> tuple[str, ...]:
        for series in values:
            if series not in known:
                raise ConfigError(where, f"未知业务序列“{series}”", f"unknown series '{series}'")
        return values

    windows: list[WindowConfig] = []
    for index, raw in enumerate(data.get("windows", [])):
        where = f"windows[{index}]"
        number = _require(raw, "number", where, int)
        primary = check_series(_strings(raw.get("primary", []), f"{where}.primary"), f"{where}.primary")
        secondary = check_series(_strings(raw.get("secondary", []), f"{where}.secondary"), f"{where}.secondary")
        if set(primary) & set(secondary):
            raise ConfigError(where, "同一业务不能既是主要又是次要", "a series cannot be both primary and secondary")
        windows.append(
            WindowConfig(
                number=number,
                name_zh=_require(raw, "name_zh", where, str),
                name_en=_optional(raw, "name_en", where, str, ""),
                department=_optional(raw, "department", where, str, ""),
                primary=primary,
                secondary=secondary,
                open=_optional(raw, "open", where, bool, True),
                phone=_optional(raw, "phone", where, str, "")[:40],
            )
        )
    numbers = [w.number for w in windows]
    if len(set(numbers)) != len(numbers):
        raise ConfigError("windows", "窗口号重复", "a window number is used twice")

    demo = _optional(hall, "demo", "hall", bool, False)
    clerks: list[ClerkConfig] = []
    for index, raw in enumerate(data.get("clerks", [])):
        where = f"clerks[{index}]"
        pin = _optional(raw, "pin", where, str, None)
        pin_hash = _optional(raw, "pin_hash", where, str, None)
        if pin is None and pin_hash is None:
            raise ConfigError(where, "需要 pin 或 pin_hash", "needs pin or pin_hash")
        staff_no = _require(raw, "staff_no", where, str)
        problem = pin_problem(pin, staff_no, demo=demo) if pin is not None else None
        if problem is not None:
            raise ConfigError(f"{where}.pin", problem.zh, problem.en)
        clerks.append(
            ClerkConfig(
                staff_no=staff_no,
                name=_require(raw, "name", where, str),
                department=_optional(raw, "department", where, str, ""),
                skills=check_series(_strings(raw.get("skills", []), f"{where}.skills"), f"{where}.skills"),
                pin=pin,
                pin_hash=pin_hash,
                photo=_optional(raw, "photo", where, str, ""),
                lunch=_lunch_turn(_optional(raw, "lunch", where, str, ""), f"{where}.lunch"),
            )
        )
    staff = [c.staff_no for c in clerks]
    if len(set(staff)) != len(staff):
        raise ConfigError("clerks", "工号重复", "a staff number is used twice")

    return HallConfig(
        code=_require(hall, "code", "hall", str),
        name_zh=_require(hall, "name_zh", "hall", str),
        name_en=_optional(hall, "name_en", "hall", str, ""),
        complaint_phone=_optional(hall, "complaint_phone", "hall", str, "12345"),
        public_url=_optional(hall, "public_url", "hall", str, "http://127.0.0.1:8760"),
        hours=_parse_hours(data.get("hours", {})),
        rules=_parse_rules(data.get("rules", {})),
        categories=tuple(categories),
        windows=tuple(windows),
        clerks=tuple(clerks),
        notices=_strings(data.get("notices", []), "notices"),
        booking=parse_booking(data.get("booking", {}), tuple(known)),
        address_zh=_optional(hall, "address_zh", "hall", str, "")[:200],
        address_en=_optional(hall, "address_en", "hall", str, "")[:200],
        demo=demo,
        privacy=parse_privacy(data.get("privacy", {})),
    )


def load_config(path: Path | str) -> HallConfig:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(str(path), f"无法读取文件：{error.strerror}", f"cannot read the file: {error.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), "文件不是 UTF-8 编码", "the file is not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), f"TOML 语法错误：{error}", f"TOML syntax error: {error}") from None
    calendar = data.get("hours", {}).get("calendar") if isinstance(data.get("hours"), dict) else None
    if calendar is not None:
        from hall.holidays import merge_calendar  # hall.holidays builds on this module

        if not isinstance(calendar, str):
            raise ConfigError("hours.calendar", "应为节假日文件名", "should be the holiday calendar's file name")
        data["hours"] = merge_calendar(data["hours"], path.parent / calendar)
    return parse_config(data)


def load_sample_hall() -> HallConfig:
    return load_config(SAMPLE_HALL_PATH)
