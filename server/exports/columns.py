"""The figures of a report row as columns: one list shared by the CSV, the XLSX and the PDF tables.

Each column knows its bilingual header, how to read its value from a ``ReportRow`` and what kind
of number it is, so every export shows a figure with the same name, unit and rounding. Values stay
raw here (seconds as minutes, rates as fractions); each format decides how to print them. A figure
that has no value (no ratings, no finished service) is ``None`` and every format shows it empty,
never as 0 or "nan".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from hall.reports import ReportRow
from hall.text import Bilingual
from hall.tickets import OUTCOME_NAMES, RATING_NAMES, Outcome, RatingLevel


class Kind(StrEnum):
    COUNT = "count"  # a whole number of tickets, services, ratings, pauses
    MINUTES = "minutes"  # a duration, shown in minutes with one decimal
    PERCENT = "percent"  # a fraction 0..1, shown as a percentage with one decimal


@dataclass(frozen=True)
class Column:
    header: Bilingual
    kind: Kind
    value: Callable[[ReportRow], int | float | None]

    @property
    def title(self) -> str:
        """The header as the exports print it: "中文 / English"."""
        return str(self.header)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60.0


def minutes_column(zh: str, en: str, read: Callable[[ReportRow], float | None]) -> Column:
    return Column(Bilingual(zh, en), Kind.MINUTES, lambda row: _minutes(read(row)))


def _outcome_column(outcome: Outcome) -> Column:
    return Column(OUTCOME_NAMES[outcome], Kind.COUNT, lambda row: row.outcomes.get(outcome, 0))


def _rating_column(level: RatingLevel) -> Column:
    return Column(RATING_NAMES[level], Kind.COUNT, lambda row: row.ratings.get(level, 0))


# Volume, waits, service times and outcomes: what the hall did.
VOLUME_COLUMNS: tuple[Column, ...] = (
    Column(Bilingual("取号数", "issued"), Kind.COUNT, lambda row: row.issued),
    Column(Bilingual("办结数", "served"), Kind.COUNT, lambda row: row.served),
    Column(Bilingual("过号", "no-shows"), Kind.COUNT, lambda row: row.no_shows),
    Column(Bilingual("转移", "transfers"), Kind.COUNT, lambda row: row.transfers),
    Column(Bilingual("代办", "services handled for citizens"), Kind.COUNT, lambda row: row.proxy_served),
    Column(Bilingual("帮办", "services helped through"), Kind.COUNT, lambda row: row.help_served),
    minutes_column("平均等候(分)", "wait mean (min)", lambda row: row.wait.mean),
    minutes_column("等候中位数(分)", "wait median (min)", lambda row: row.wait.median),
    minutes_column("等候P90(分)", "wait p90 (min)", lambda row: row.wait.p90),
    minutes_column("最长等候(分)", "wait max (min)", lambda row: row.wait.max),
    minutes_column("平均办理(分)", "service mean (min)", lambda row: row.service.mean),
    minutes_column("办理中位数(分)", "service median (min)", lambda row: row.service.median),
    minutes_column("办理P90(分)", "service p90 (min)", lambda row: row.service.p90),
    *(_outcome_column(outcome) for outcome in Outcome),
)

# Ratings, follow-ups, pauses and AB-post absences: how the hall was judged and supervised.
RATING_COLUMNS: tuple[Column, ...] = (
    *(_rating_column(level) for level in RatingLevel),
    Column(Bilingual("默认评价", "default ratings"), Kind.COUNT, lambda row: row.default_ratings),
    Column(Bilingual("未评价", "not rated"), Kind.COUNT, lambda row: row.not_rated),
    Column(Bilingual("满意率", "satisfaction rate"), Kind.PERCENT, lambda row: row.satisfaction_rate),
    Column(Bilingual("评价率", "rating rate"), Kind.PERCENT, lambda row: row.rating_rate),
    Column(Bilingual("差评", "bad ratings"), Kind.COUNT, lambda row: row.bad_ratings),
    Column(Bilingual("整改按期", "follow-ups on time"), Kind.COUNT, lambda row: row.followups_on_time),
    Column(Bilingual("整改逾期", "follow-ups overdue"), Kind.COUNT, lambda row: row.followups_overdue),
    Column(Bilingual("整改未结", "follow-ups open"), Kind.COUNT, lambda row: row.followups_open),
    Column(Bilingual("暂停次数", "pauses"), Kind.COUNT, lambda row: row.pause_count),
    minutes_column("暂停时长(分)", "pause time (min)", lambda row: row.pause_seconds),
    Column(Bilingual("AB岗超时离岗", "AB-post absences"), Kind.COUNT, lambda row: row.ab_absences),
)

FIGURE_COLUMNS: tuple[Column, ...] = VOLUME_COLUMNS + RATING_COLUMNS

KEY_HEADER = Bilingual("编号", "key")
NAME_HEADER = Bilingual("名称", "name")
NAME_EN_HEADER = Bilingual("英文名称", "name (English)")
TOTAL_LABEL = Bilingual("合计", "total")


def display_label(row: ReportRow) -> str:
    """One cell naming a row: "A 户籍业务", "1001 张三", or the key alone when the label only repeats it."""
    if row.key == "total":
        return TOTAL_LABEL.zh
    name = row.label.zh.strip()
    if not name or name == row.key:
        return row.key
    if row.key in name:
        return name
    return f"{row.key} {name}"


def format_figure(kind: Kind, value: int | float | None) -> str:
    """A figure as text (CSV and PDF): minutes and percentages with one decimal, nothing for None."""
    if value is None:
        return ""
    if kind is Kind.COUNT:
        return str(int(value))
    if kind is Kind.MINUTES:
        return f"{value:.1f}"
    return f"{value * 100:.1f}%"
