"""The reports page's own rules, without Qt: which dates a period (本周, 上月 ...) means, which rows a
chart shows and how it labels them, how the table sorts (the total row always last), who is best
and worst, and how the key figures read. The page (:mod:`manager.reports_view`) only asks the
server and draws what these functions decide; they are tested without a screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hall.reports import WEEKDAY_NAMES, Dimension, Ranked, Report, ReportRow
from hall.text import Bilingual
from hall.tickets import RatingLevel
from server.exports.columns import TOTAL_LABEL, Column, format_figure
from ui.text import Language


class Period(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


PERIOD_NAMES: dict[Period, Bilingual] = {
    Period.TODAY: Bilingual("今天", "Today"),
    Period.THIS_WEEK: Bilingual("本周", "This week"),
    Period.THIS_MONTH: Bilingual("本月", "This month"),
    Period.LAST_MONTH: Bilingual("上月", "Last month"),
    Period.THIS_YEAR: Bilingual("今年", "This year"),
    Period.CUSTOM: Bilingual("自定义", "Custom"),
}

# The dimensions a manager picks from, in the order the issue names them.
DIMENSION_CHOICES: tuple[Dimension, ...] = (
    Dimension.CATEGORY,
    Dimension.ITEM,
    Dimension.WINDOW,
    Dimension.CLERK,
    Dimension.DEPARTMENT,
    Dimension.DAY,
    Dimension.WEEK,
    Dimension.MONTH,
    Dimension.HOUR,
    Dimension.WEEKDAY,
)
# Who can win praise or the 蜗牛奖: units and people, not hours or days.
RANKED_DIMENSIONS = frozenset({Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT})
CHART_ROW_LIMIT = 31  # more bars than a month of days stop being readable at this size
RANKING_SIZE = 3

RATING_COLOURS: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: "#1e8449",
    RatingLevel.SATISFIED: "#52be80",
    RatingLevel.BASIC: "#a9cce3",
    RatingLevel.DISSATISFIED: "#f0b27a",
    RatingLevel.VERY_DISSATISFIED: "#c0392b",
}


def period_dates(period: Period, today: date, custom: tuple[date, date] | None = None) -> tuple[date, date]:
    """First and last business day of a preset, up to ``today`` (the hall's business day)."""
    if period is Period.TODAY:
        return today, today
    if period is Period.THIS_WEEK:
        return today - timedelta(days=today.isoweekday() - 1), today
    if period is Period.THIS_MONTH:
        return today.replace(day=1), today
    if period is Period.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period is Period.THIS_YEAR:
        return today.replace(month=1, day=1), today
    if custom is None:
        return today, today
    start, end = custom
    return (start, end) if start <= end else (end, start)


def ranking_dimension(chosen: Dimension) -> Dimension:
    """The dimension the ranking panel ranks: the chosen one when it names units or people, else windows."""
    return chosen if chosen in RANKED_DIMENSIONS else Dimension.WINDOW


def best_and_worst(ranked: Sequence[Ranked], size: int = RANKING_SIZE) -> tuple[list[Ranked], list[Ranked]]:
    """The best ``size`` and the worst ``size`` (worst first), never naming a row on both sides."""
    best = list(ranked[: min(size, math.ceil(len(ranked) / 2))])
    worst = list(reversed(ranked[len(best) :]))[:size]
    return best, worst


def chart_rows(report: Report, limit: int = CHART_ROW_LIMIT) -> tuple[list[ReportRow], bool]:
    """The rows a chart shows: all of them, or the ``limit`` busiest kept in report order (True if cut)."""
    if len(report.rows) <= limit:
        return list(report.rows), False
    busiest = sorted(range(len(report.rows)), key=lambda index: (-report.rows[index].served, index))[:limit]
    return [report.rows[index] for index in sorted(busiest)], True


def row_name(row: ReportRow, dimension: Dimension, language: Language) -> str:
    """A row's name as the table and charts show it: "3 商事登记窗口", "10时", "星期二"."""
    if row.key == "total":
        return language.pick(TOTAL_LABEL.zh, TOTAL_LABEL.en)
    if dimension is Dimension.WEEKDAY and row.key.isdigit() and int(row.key) in WEEKDAY_NAMES:
        name = WEEKDAY_NAMES[int(row.key)]
        return language.pick(name.zh, name.en)
    if dimension is Dimension.HOUR:
        return language.pick(f"{row.key}时", f"{row.key}:00")
    label = language.pick(row.label.zh, row.label.en).strip()
    if not label or not row.key:
        return label or row.key  # a row without a key ("no item chosen") is its label alone
    rest = label[len(row.key) :] if label.startswith(row.key) else None
    if rest is not None and not (rest[:1].isascii() and rest[:1].isalnum()):
        return label  # the label already starts with the key: "3号窗口", "A 户籍"
    return f"{row.key} {label}"


SHORT_WEEKDAYS: dict[int, Bilingual] = {
    number: Bilingual(f"周{'一二三四五六日'[number - 1]}", name.en[:3]) for number, name in WEEKDAY_NAMES.items()
}
# Rows a chart names by their key: the key is short and the table beside the chart pairs it with the name.
KEYED_DIMENSIONS = frozenset({Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.CLERK})
# Rows with long names and no short key (人力资源和社会保障局): numbered 1..n in report order, on the
# chart's axis and in front of the name in the table, like the numbers on a map and its legend.
NUMBERED_DIMENSIONS = frozenset({Dimension.DEPARTMENT})


def row_numbers(report: Report) -> dict[str, int]:
    """The numbers of a report's rows (by key) when its dimension is numbered, else none."""
    if report.request.by not in NUMBERED_DIMENSIONS:
        return {}
    return {row.key: position for position, row in enumerate(report.rows, 1)}


def numbered_name(row: ReportRow, dimension: Dimension, language: Language, number: int | None) -> str:
    """The row's name as the table, the ranking and the tooltips show it: "3 公安局" when numbered."""
    name = row_name(row, dimension, language)
    return name if number is None else f"{number} {name}"


def axis_label(row: ReportRow, dimension: Dimension, language: Language, number: int | None = None) -> str:
    """A row's name under a chart bar, short enough to stand beside its neighbours: "A", "10-05",
    "W43", "周二", or the row's number where names are long and there is no short key."""
    if number is not None:
        return str(number)
    if not row.key:
        return "—"  # e.g. tickets taken with no item chosen; the tooltip and the table name it
    if dimension in KEYED_DIMENSIONS or dimension in (Dimension.HOUR, Dimension.MONTH):
        return row.key  # "A", "1003", "09", "2026-10"
    if dimension is Dimension.DAY:
        return row.key[5:] or row.key  # "2026-10-05" -> "10-05"; the year is in the period above
    if dimension is Dimension.WEEK:
        return row.key.rpartition("-")[2]  # "2026-W43" -> "W43"
    if dimension is Dimension.WEEKDAY and row.key.isdigit() and int(row.key) in SHORT_WEEKDAYS:
        return language.pick(SHORT_WEEKDAYS[int(row.key)].zh, SHORT_WEEKDAYS[int(row.key)].en)
    return row_name(row, dimension, language)


def label_step(widest: float, gap: float, bar_width: float) -> int:
    """Label every ``step``-th bar: every bar when the widest label fits, else as many as fit side by side.
    (Labels standing upright were tried: QtCharts does not make room for them and draws them over the legend.)"""
    return max(1, math.ceil((widest + gap) / max(bar_width, 1.0)))


def format_number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def sort_value(column: Column | None, row: ReportRow, position: int) -> float | None:
    """What a table column sorts by: the figure itself (a number, never its text), or for the name
    column the row's place in the report (categories A–J, days in order, 星期一 before 星期二)."""
    if column is None:
        return float(position)
    value = column.value(row)
    return None if value is None else float(value)


def sorts_before(left: tuple[bool, float | None], right: tuple[bool, float | None], ascending: bool) -> bool:
    """Qt's "less than" for (is_total, value) pairs, given that Qt flips its arguments to sort descending:
    the total row stays last and empty figures just above it, in either order; figures compare as numbers."""

    def pinned(entry: tuple[bool, float | None]) -> int:
        is_total, value = entry
        return 2 if is_total else 1 if value is None else 0

    if pinned(left) != pinned(right):
        return (pinned(left) < pinned(right)) == ascending
    if left[1] is None or right[1] is None:
        return False
    return left[1] < right[1]


def figure_text(column: Column, row: ReportRow) -> str:
    return format_figure(column.kind, column.value(row))


def minutes_text(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def percent_text(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:.1f}%"


@dataclass(frozen=True)
class KeyFigure:
    name: Bilingual
    read: Callable[[ReportRow], str]


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure(Bilingual("取号", "Tickets"), lambda row: "" if row.issued is None else str(row.issued)),
    KeyFigure(Bilingual("办结", "Served"), lambda row: str(row.served)),
    KeyFigure(Bilingual("等候中位数(分)", "Median wait (min)"), lambda row: minutes_text(row.wait.median)),
    KeyFigure(Bilingual("等候P90(分)", "P90 wait (min)"), lambda row: minutes_text(row.wait.p90)),
    KeyFigure(Bilingual("满意率", "Satisfaction"), lambda row: percent_text(row.satisfaction_rate)),
    KeyFigure(Bilingual("评价率", "Rating rate"), lambda row: percent_text(row.rating_rate)),
    KeyFigure(Bilingual("差评", "Bad ratings"), lambda row: str(row.bad_ratings)),
    KeyFigure(Bilingual("整改逾期", "Overdue follow-ups"), lambda row: str(row.followups_overdue)),
)


@dataclass(frozen=True)
class ReportSet:
    """What one query shows: the chosen report, arrivals by hour, and the report the ranking uses."""

    main: Report
    hours: Report
    ranking: Report
