"""The rows a report can have: which grouping dimensions the rollups store, the key of each row and its
bilingual label. Labels are looked up when a report is read, so a renamed window or clerk shows at once."""

from __future__ import annotations

from datetime import date
from typing import Final

from db.reports.context import ReportContext
from hall.reports import WEEKDAY_NAMES, Dimension
from hall.text import Bilingual

# The grouping dimensions stored in rollups; day / week / month / weekday are hall rows by day.
ROLLUP_DIMENSIONS: Final = (
    Dimension.HALL,
    Dimension.CATEGORY,
    Dimension.ITEM,
    Dimension.WINDOW,
    Dimension.CLERK,
    Dimension.DEPARTMENT,
    Dimension.HOUR,
)
# Reports by these read the hall rows of their days.
TIME_DIMENSIONS: Final = frozenset({Dimension.HALL, Dimension.DAY, Dimension.WEEK, Dimension.MONTH, Dimension.WEEKDAY})
# Tickets are taken per category, not at a window or from a clerk: 'issued' has no meaning by these.
NOT_PER_TICKET: Final = frozenset({Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT})
# A report filter's fields, each with the stored dimension holding its rows.
FILTER_DIMENSIONS: Final = {
    "category": Dimension.CATEGORY,
    "window": Dimension.WINDOW,
    "clerk": Dimension.CLERK,
    "department": Dimension.DEPARTMENT,
}
HALL_KEY: Final = ""  # the key of the one hall row in rollups


def _day_label(day: date) -> Bilingual:
    weekday = WEEKDAY_NAMES[day.isoweekday()]
    return Bilingual(f"{day.isoformat()} {weekday.zh}", f"{day.isoformat()} {weekday.en[:3]}")


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_key(dimension: Dimension, day: date) -> str:
    if dimension is Dimension.DAY:
        return day.isoformat()
    if dimension is Dimension.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if dimension is Dimension.MONTH:
        return f"{day.year}-{day.month:02d}"
    if dimension is Dimension.WEEKDAY:
        return str(day.isoweekday())
    return "hall"


def label(dimension: Dimension, key: str, context: ReportContext) -> Bilingual:
    if dimension is Dimension.HALL:
        return Bilingual("全厅", "whole hall")
    if dimension is Dimension.DAY:
        return _day_label(date.fromisoformat(key))
    if dimension is Dimension.WEEK:
        year, week = key.split("-W")
        return Bilingual(f"{year}年第{int(week)}周", f"{year} week {int(week)}")
    if dimension is Dimension.MONTH:
        year, month = key.split("-")
        return Bilingual(f"{year}年{int(month)}月", f"{_MONTHS_EN[int(month) - 1]} {year}")
    if dimension is Dimension.WEEKDAY:
        return WEEKDAY_NAMES[int(key)]
    if dimension is Dimension.HOUR:
        hour = int(key)
        return Bilingual(f"{hour:02d}:00–{hour + 1:02d}:00", f"{hour:02d}:00–{hour + 1:02d}:00")
    if dimension is Dimension.CATEGORY:
        category = context.category_by_series.get(key)
        return Bilingual(f"{key} {category.name_zh}", f"{key} {category.name_en or category.name_zh}") if category else Bilingual(key, key)
    if dimension is Dimension.ITEM:
        if not key:
            return Bilingual("未选事项", "no item chosen")
        item = context.items.get(key)
        return Bilingual(f"{key} {item.name_zh}", f"{key} {item.name_en or item.name_zh}") if item else Bilingual(key, key)
    if dimension is Dimension.WINDOW:
        if not key:
            return Bilingual("未知窗口", "unknown window")
        window = next((w for w in context.windows.values() if str(w.number) == key), None)
        name_zh, name_en = (window.name_zh, window.name_en or window.name_zh) if window else ("", "")
        return Bilingual(f"{key}号窗口 {name_zh}".strip(), f"Window {key} {name_en}".strip())
    if dimension is Dimension.CLERK:
        if not key:
            return Bilingual("未登录人员", "no clerk logged in")
        clerk = next((c for c in context.clerks.values() if c.staff_no == key), None)
        name = clerk.name if clerk else ""
        return Bilingual(f"{name}（{key}）" if name else key, f"{name} ({key})" if name else key)
    if dimension is Dimension.DEPARTMENT:
        # Departments are named in Chinese only in the hall's configuration.
        return Bilingual(key, key) if key else Bilingual("未指定部门", "no department")
    raise ValueError(dimension)


def sort_key(dimension: Dimension, key: str) -> tuple[int, str]:
    if dimension in (Dimension.WINDOW, Dimension.HOUR, Dimension.WEEKDAY) and key.isdigit():
        return (int(key), key)
    return (0, key)
