"""The 预约 tab's words and what its forms send, without Qt: the calendar's day rows and the
slot × category grid of a day, the day list's status names, the settings a save sends (only what
differs from the server's published values), the holiday lists as typed, where a server error
belongs on the settings form, and the 电话预约 form's choices and answer.

The numbers are the server's (``GET /api/bookings/calendar``, ``/day``, ``/slots``); nothing here
decides whether a booking may be made or a setting is valid — the server does, in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# ------------------------------------------------------------------ words

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "booked": ("已预约", "Booked"),
    "checked_in": ("已取号", "Checked in"),
    "no_show": ("爽约", "No-show"),
    "cancelled": ("已取消", "Cancelled"),
}
CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "phone": ("电话", "Phone"),
    "online": ("网上", "Online"),
    "desk": ("窗口", "Desk"),
    "guide": ("导服", "Guide"),
}
GRID_LEGEND = "格内：已约/名额  ✔已取号  ✘爽约    Cell: booked/capacity  ✔checked in  ✘no-show"
FULL_FILL = 0.9  # a day or slot this full is shown red
BUSY_FILL = 0.6  # this full, amber


def both(names: Mapping[str, tuple[str, str]], key: str) -> str:
    zh, en = names.get(key, (key, key))
    return f"{zh} {en}"


def percent(fill: float) -> str:
    return f"{round(fill * 100)}%"


def fill_level(fill: float, capacity: int) -> str:
    """How the fill rate is tinted: "full", "busy", "" (plain) or "closed" (no places that day)."""
    if capacity <= 0:
        return "closed"
    return "full" if fill >= FULL_FILL else "busy" if fill >= BUSY_FILL else ""


# ------------------------------------------------------------------ calendar


@dataclass(frozen=True)
class DayRow:
    date: str
    weekday: str  # 周二 Tue
    booked: str  # "12 / 40", or 不可预约 on a day without places
    fill: str
    checked_in: int
    no_show: int
    level: str  # fill_level()


def calendar_rows(calendar: Mapping[str, Any]) -> list[DayRow]:
    rows = []
    for day in calendar.get("days", []):
        capacity = int(day.get("capacity", 0))
        booked = f"{day.get('booked', 0)} / {capacity}" if capacity else "不可预约 closed"
        rows.append(
            DayRow(
                date=str(day["date"]),
                weekday=f"{day.get('weekday_zh', '')} {day.get('weekday_en', '')}",
                booked=booked,
                fill=percent(float(day.get("fill", 0.0))) if capacity else "—",
                checked_in=int(day.get("checked_in", 0)),
                no_show=int(day.get("no_show", 0)),
                level=fill_level(float(day.get("fill", 0.0)), capacity),
            )
        )
    return rows


@dataclass(frozen=True)
class GridCell:
    text: str  # "2/3 ✔1 ✘1", or "—" where the category takes no bookings then
    tooltip: str
    level: str


@dataclass(frozen=True)
class SlotGrid:
    headers: list[str]  # "时段 Slot", then "C 不动产登记" per category
    header_tips: list[str]
    rows: list[tuple[str, list[GridCell]]]  # (slot label, one cell per category)
    total: str  # "已约 5 / 名额 120 (4%) · 已取号 2 · 爽约 1"


def cell_text(cell: Mapping[str, Any]) -> str:
    capacity = int(cell.get("capacity", 0))
    booked, checked_in, no_show = (int(cell.get(k, 0)) for k in ("booked", "checked_in", "no_show"))
    if capacity == 0 and booked == 0:
        return "—"
    text = f"{booked}/{capacity}"
    if checked_in:
        text += f" ✔{checked_in}"
    if no_show:
        text += f" ✘{no_show}"
    return text


def slot_grid(calendar: Mapping[str, Any], day_iso: str) -> SlotGrid | None:
    """The chosen day's slots × categories, or None when the calendar has no such day."""
    day = next((d for d in calendar.get("days", []) if d.get("date") == day_iso), None)
    if day is None:
        return None
    categories = list(calendar.get("categories", []))
    headers = ["时段 Slot"] + [f"{c['series']} {c.get('name_zh', '')}" for c in categories]
    tips = ["时段 Slot"] + [f"{c['series']} {c.get('name_en', '')}" for c in categories]
    rows = []
    for slot in day.get("slots", []):
        label = str(slot.get("label", slot.get("start", "")))
        if slot.get("bookings_only"):
            label += " 仅预约"
        cells = []
        for cell in slot.get("cells", []):
            capacity = int(cell.get("capacity", 0))
            tooltip = (
                f"{cell.get('series', '')} {slot.get('label', '')}：已约 {cell.get('booked', 0)} / 名额 {capacity}，"
                f"已取号 {cell.get('checked_in', 0)}，爽约 {cell.get('no_show', 0)}\n"
                f"booked {cell.get('booked', 0)} of {capacity}, checked in {cell.get('checked_in', 0)}, no-shows {cell.get('no_show', 0)}"
            )
            cells.append(GridCell(cell_text(cell), tooltip, fill_level(float(cell.get("fill", 0.0)), capacity)))
        rows.append((label, cells))
    capacity = int(day.get("capacity", 0))
    total = (
        f"{day['date']} {day.get('weekday_zh', '')}：已约 {day.get('booked', 0)} / 名额 {capacity}（{percent(float(day.get('fill', 0.0)))}）"
        f" · 已取号 {day.get('checked_in', 0)} · 爽约 {day.get('no_show', 0)}    "
        f"booked {day.get('booked', 0)} of {capacity}, checked in {day.get('checked_in', 0)}, no-shows {day.get('no_show', 0)}"
    )
    return SlotGrid(headers, tips, rows, total)


DAY_LIST_HEADERS = ["时段 Slot", "预约码 Code", "业务 Series", "事项 Item", "状态 Status", "渠道 Channel", "姓名 Name", "手机 Phone"]


def day_list_rows(bookings: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """A day's bookings as the table shows them; the server sends names and numbers masked."""
    return [
        [
            str(b.get("slot", "")),
            str(b.get("code", "")),
            str(b.get("series", "")),
            str(b.get("item", "") or ""),
            both(STATUS_NAMES, str(b.get("status", ""))),
            both(CHANNEL_NAMES, str(b.get("channel", ""))),
            str(b.get("name", "")),
            str(b.get("phone", "")),
        ]
        for b in bookings
    ]


# ------------------------------------------------------------------ settings

# The [booking] numbers the tab edits: (key, label, unit). The server checks each range.
BOOKING_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("days_ahead", "可提前预约天数  Days ahead", " 天 days"),
    ("per_week", "每号每周预约上限  Bookings a week per number", " 次 bookings"),
    ("slot_minutes", "时段长度  Slot length", " 分钟 min"),
    ("no_show_after_minutes", "时段结束后多久算爽约  No-show after slot end", " 分钟 min"),
    ("no_show_limit", "爽约几次暂停预约  No-shows before suspension", " 次 times"),
    ("no_show_window_days", "爽约统计期  Counted within", " 天 days"),
    ("suspend_days", "暂停预约天数  Suspended for", " 天 days"),
)
DEFAULT_SHARE = -1  # a category's share spin at this value: the hall's default share applies
HOLIDAY_FIELDS = ("closed_dates", "extra_workdays")


def share_percent(value: float) -> int:
    return round(value * 100)


def booking_changes(
    published: Mapping[str, Any], numbers: Mapping[str, int], share_pct: int, shares_pct: Mapping[str, int]
) -> dict[str, Any]:
    """The ``booking`` body of a save: the numbers and shares that differ from the published ones.
    ``shares_pct`` maps a series to its percent, or :data:`DEFAULT_SHARE` for none of its own."""
    changes: dict[str, Any] = {}
    for key, _label, _unit in BOOKING_FIELDS:
        if key in numbers and numbers[key] != published.get(key):
            changes[key] = numbers[key]
    if share_pct != share_percent(float(published.get("share", 0.0))):
        changes["share"] = share_pct / 100
    current = {series: share_percent(float(v)) for series, v in (published.get("shares") or {}).items()}
    wanted = {series: pct for series, pct in shares_pct.items() if pct != DEFAULT_SHARE}
    for series, pct in current.items():
        if series not in shares_pct:  # a category the tab does not list keeps its share
            wanted[series] = pct
    if wanted != current:
        changes["shares"] = {series: pct / 100 for series, pct in sorted(wanted.items())}
    return changes


def holiday_dates(text: str) -> list[str]:
    """Dates as typed, one a line (commas and spaces also part them), repeats dropped. Not checked
    here: the server says which one is not a date."""
    seen: list[str] = []
    for word in re.split(r"[\s,，、;；]+", text):
        if word and word not in seen:
            seen.append(word)
    return seen


def hours_changes(published: Mapping[str, Sequence[str]], typed: Mapping[str, str]) -> dict[str, list[str]]:
    """The ``hours`` body of a save: each holiday list whose dates differ from the published list."""
    changes = {}
    for key in HOLIDAY_FIELDS:
        if key in typed:
            dates = holiday_dates(typed[key])
            if sorted(dates) != sorted(published.get(key) or []):
                changes[key] = dates
    return changes


def holiday_text(dates: Sequence[str]) -> str:
    return "\n".join(sorted(dates))


_WHERE = re.compile(r"配置错误（([^）]+)）")


def error_field(zh: str) -> str | None:
    """Which field a refused save is about, from the server's message ("配置错误（booking.per_week）：…"):
    ``per_week``, ``share``, ``shares``, ``closed_dates``, ``extra_workdays`` or ``hours`` (a day in
    both holiday lists); None for anything else (shown on the form's message line)."""
    match = _WHERE.search(zh)
    if match is None:
        return None
    where = match.group(1)
    if where.startswith("booking."):
        return where.split(".", 1)[1]
    if where.startswith("hours.") and where.split(".", 1)[1] in HOLIDAY_FIELDS:
        return where.split(".", 1)[1]
    if where == "hours":
        return "hours"
    return None


# ------------------------------------------------------------------ 电话预约


@dataclass(frozen=True)
class Choice:
    value: str
    text: str
    enabled: bool = True


def item_choices(catalogue: Mapping[str, Any]) -> list[Choice]:
    """Every bookable item, by category: "C02  不动产登记 · 抵押登记"."""
    return [
        Choice(str(i["code"]), f"{i['code']}  {c.get('name_zh', '')} · {i.get('name_zh', '')}")
        for c in catalogue.get("categories", [])
        for i in c.get("items", [])
    ]


def day_choices(days: Mapping[str, Any]) -> list[Choice]:
    """The days bookings are open, each with the places left; a day with none cannot be chosen."""
    out = []
    for d in days.get("days", []):
        left = int(d.get("left", 0))
        text = f"{d['date']} {d.get('weekday_zh', '')} {d.get('weekday_en', '')}  余 {left} 个 left"
        out.append(Choice(str(d["date"]), text if left else f"{d['date']} {d.get('weekday_zh', '')}  已满 full", left > 0))
    return out


def slot_choices(slots: Mapping[str, Any]) -> list[Choice]:
    """A day's slots with the places left; started or full ones are listed but cannot be chosen."""
    out = []
    for s in slots.get("slots", []):
        left = int(s.get("left", 0))
        if s.get("passed"):
            note = "已过 passed"
        elif left <= 0:
            note = "已满 full"
        else:
            note = f"余 {left} 个 left"
        only = "  仅预约 bookings only" if s.get("bookings_only") else ""
        out.append(Choice(str(s["start"]), f"{s.get('label', s['start'])}  {note}{only}", left > 0 and not s.get("passed")))
    return out


def missing_fields(item: str, day: str, start: str, name: str, phone: str) -> tuple[str, str] | None:
    """What is still to be filled in before the form is sent, in both languages (None: nothing)."""
    for value, zh, en in (
        (item, "请选择事项", "Choose the item"),
        (day, "请选择日期", "Choose the day"),
        (start, "请选择时段", "Choose the time slot"),
        (name.strip(), "请填写来电人姓名", "Enter the caller's name"),
        (phone.strip(), "请填写来电人手机号", "Enter the caller's mobile number"),
    ):
        if not value:
            return zh, en
    return None


def spaced_code(code: str) -> str:
    """A booking code in groups of five, read to the caller without losing the place."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


def booking_answer(made: Mapping[str, Any]) -> tuple[str, str]:
    """(code, details) after a phone booking: the code to read out (grouped), then what was booked."""
    item = made.get("item") or {}
    details = (
        f"{made.get('date', '')} {made.get('weekday_zh', '')} {made.get('slot', '')} · {item.get('code', '')} {item.get('name_zh', '')}\n"
        f"{made.get('name', '')} · {made.get('phone', '')}（号码已隐去 masked）\n"
        "请告知来电人：在预约时段凭预约码到大厅取号。  Tell the caller: check in at the hall with this code during the slot."
    )
    return spaced_code(str(made.get("code", ""))), details
