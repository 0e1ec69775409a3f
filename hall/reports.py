"""What a hall report is: dimensions, the figures of one row, and how the derived rates are defined.

Plain Python shared by the report queries (db/reports/), the exports (server/exports), the API
and the manager's reports view, so every one of them names, orders and computes a figure the same
way. Durations are seconds; rates are fractions 0..1 (None when the denominator is zero, never a
made-up 0 or 100 %).

Definitions (the monthly report's footnotes print these):
- issued: tickets taken in the period (by the category / item / hour / weekday they were taken for).
- served: services finished at a window (a transferred ticket served twice counts at both windows).
- no-shows: services that ended 过号; transfers: services that ended by transfer; 代办 / 帮办:
  services finished for tickets the guide desk marked so.
- waiting time: per service, from joining the queue to being called (a transfer keeps the
  original place, 首问负责, so its second wait counts from the first queueing). A ticket called
  back after being parked (挂起, e.g. to fetch a document) has no second wait: the time it was
  set aside is not time in the queue.
- service time: per finished service, from start to finish.
- 满意率 = (非常满意 + 满意 + 基本满意) / citizen ratings; 评价率 = citizen ratings / served.
  Default ratings (recorded after N days without a rating) are counted apart and are never a
  citizen's rating (DOMAIN.md, 好差评 rules).
- follow-ups: one per 差评; on time = resolved by its deadline; overdue = resolved late or still
  open after its deadline; open = not yet resolved and not yet due.
- pauses: count and total seconds; AB-post absences = pauses longer than the 3-minute limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from hall.text import Bilingual
from hall.tickets import Outcome, RatingLevel

AB_ABSENCE_LIMIT_SECONDS = 180.0  # AB角: away at most 3 minutes


class Dimension(StrEnum):
    """What a report's rows are: one row per category, per clerk, per month, ..."""

    HALL = "hall"  # one row for the whole hall
    DAY = "day"
    WEEK = "week"  # ISO week, key "2026-W47"
    MONTH = "month"  # key "2026-11"
    CATEGORY = "category"  # key = series letter
    ITEM = "item"  # key = item code
    WINDOW = "window"  # key = window number
    CLERK = "clerk"  # key = staff number
    DEPARTMENT = "department"  # key = department name
    HOUR = "hour"  # hour of day the ticket was taken (hall time), key "08".."20"
    WEEKDAY = "weekday"  # ISO weekday of the business day, key "1".."7"


DIMENSION_NAMES: dict[Dimension, Bilingual] = {
    Dimension.HALL: Bilingual("全厅", "whole hall"),
    Dimension.DAY: Bilingual("日", "day"),
    Dimension.WEEK: Bilingual("周", "week"),
    Dimension.MONTH: Bilingual("月", "month"),
    Dimension.CATEGORY: Bilingual("业务类别", "category"),
    Dimension.ITEM: Bilingual("事项", "item"),
    Dimension.WINDOW: Bilingual("窗口", "window"),
    Dimension.CLERK: Bilingual("工作人员", "clerk"),
    Dimension.DEPARTMENT: Bilingual("部门", "department"),
    Dimension.HOUR: Bilingual("时段", "hour of day"),
    Dimension.WEEKDAY: Bilingual("星期", "weekday"),
}

WEEKDAY_NAMES: dict[int, Bilingual] = {
    1: Bilingual("星期一", "Monday"),
    2: Bilingual("星期二", "Tuesday"),
    3: Bilingual("星期三", "Wednesday"),
    4: Bilingual("星期四", "Thursday"),
    5: Bilingual("星期五", "Friday"),
    6: Bilingual("星期六", "Saturday"),
    7: Bilingual("星期日", "Sunday"),
}


@dataclass(frozen=True)
class ReportFilter:
    """Narrow a report to one category / window / clerk / department (None = all)."""

    category: str | None = None  # series letter
    window: int | None = None  # window number
    clerk: str | None = None  # staff number
    department: str | None = None


@dataclass(frozen=True)
class ReportRequest:
    start: date  # first business day, inclusive
    end: date  # last business day, inclusive
    by: Dimension = Dimension.HALL
    filter: ReportFilter = field(default_factory=ReportFilter)


@dataclass(frozen=True)
class DurationStats:
    """Seconds. Percentiles are nearest-rank (the value at rank ceil(p * count))."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: Bilingual
    issued: int | None  # None where it has no meaning (tickets are taken per category, not per clerk)
    served: int
    no_shows: int
    transfers: int
    wait: DurationStats
    service: DurationStats
    outcomes: dict[Outcome, int]
    ratings: dict[RatingLevel, int]  # citizens' own ratings only
    default_ratings: int
    not_rated: int  # the pad timed out or the citizen declined
    followups_on_time: int
    followups_overdue: int
    followups_open: int
    pause_count: int
    pause_seconds: float
    ab_absences: int  # pauses longer than AB_ABSENCE_LIMIT_SECONDS
    proxy_served: int = 0  # 代办: finished services of tickets the guide desk marked so
    help_served: int = 0  # 帮办

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def bad_ratings(self) -> int:
        return sum(count for level, count in self.ratings.items() if level.is_bad)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: 非常满意 + 满意 + 基本满意 over all citizen ratings."""
        rated = self.rated
        if rated == 0:
            return None
        return sum(count for level, count in self.ratings.items() if level.counts_as_satisfied) / rated

    @property
    def rating_rate(self) -> float | None:
        """评价率: citizen ratings over finished services."""
        return self.rated / self.served if self.served else None

    @property
    def mean_score(self) -> float | None:
        rated = self.rated
        if rated == 0:
            return None
        return sum(level.score * count for level, count in self.ratings.items()) / rated


@dataclass(frozen=True)
class Report:
    request: ReportRequest
    rows: list[ReportRow]  # ordered by key in the dimension's natural order
    total: ReportRow  # the whole period and filter, key "total"


class RatingRecord(NamedTuple):
    """One 好差评 record for upload to the provincial platform (no personal data of the rater).

    A NamedTuple rather than a frozen dataclass: a busy month is ~130 k records, and a frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field) took a fifth of the time to read them."""

    case_no: str  # business day + ticket number, e.g. "20261117-A023"
    ticket_public_id: str
    item_code: str
    category: str  # series letter
    department: str
    window: int
    clerk_staff_no: str
    clerk_name: str
    level: RatingLevel
    is_default: bool
    reasons: list[str]
    channel: str  # pad | phone | default
    rated_at_iso: str  # ISO 8601 with the hall's UTC offset


@dataclass(frozen=True)
class Ranked:
    key: str
    label: Bilingual
    value: float
    served: int


def rank_by_satisfaction(report: Report, minimum_rated: int = 1) -> list[Ranked]:
    """Rows best first by 满意率, then mean score; rows with fewer than ``minimum_rated`` ratings are left out.

    The last entry is the hall's 蜗牛奖 candidate.
    """
    eligible = [row for row in report.rows if row.rated >= minimum_rated and row.satisfaction_rate is not None]
    eligible.sort(key=lambda row: (-(row.satisfaction_rate or 0.0), -(row.mean_score or 0.0), row.key))
    return [Ranked(row.key, row.label, row.satisfaction_rate or 0.0, row.served) for row in eligible]


def nearest_rank(sorted_values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of already sorted values (fraction 0.5 = median)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


# ---------------------------------------------------------------------- JSON
# The API sends reports as JSON and the manager console reads them back into the same dataclasses,
# so both ends compute 满意率 and friends with the definitions above. Derived rates are included for
# other readers (a provincial dashboard, a spreadsheet) and ignored when read back.


def _duration_to_json(stats: DurationStats) -> dict[str, float | int | None]:
    return {"count": stats.count, "mean": stats.mean, "median": stats.median, "p90": stats.p90, "max": stats.max}


def _duration_from_json(data: Mapping[str, Any]) -> DurationStats:
    def seconds(name: str) -> float | None:
        value = data.get(name)
        return None if value is None else float(value)

    return DurationStats(int(data.get("count", 0)), seconds("mean"), seconds("median"), seconds("p90"), seconds("max"))


def report_row_to_json(row: ReportRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label.as_dict(),
        "issued": row.issued,
        "served": row.served,
        "no_shows": row.no_shows,
        "transfers": row.transfers,
        "wait": _duration_to_json(row.wait),
        "service": _duration_to_json(row.service),
        "outcomes": {outcome.value: count for outcome, count in row.outcomes.items()},
        "ratings": {level.value: count for level, count in row.ratings.items()},
        "default_ratings": row.default_ratings,
        "not_rated": row.not_rated,
        "followups_on_time": row.followups_on_time,
        "followups_overdue": row.followups_overdue,
        "followups_open": row.followups_open,
        "pause_count": row.pause_count,
        "pause_seconds": row.pause_seconds,
        "ab_absences": row.ab_absences,
        "proxy_served": row.proxy_served,
        "help_served": row.help_served,
        "derived": {
            "rated": row.rated,
            "bad_ratings": row.bad_ratings,
            "satisfaction_rate": row.satisfaction_rate,
            "rating_rate": row.rating_rate,
            "mean_score": row.mean_score,
        },
    }


def report_row_from_json(data: Mapping[str, Any]) -> ReportRow:
    """Raises KeyError / ValueError / TypeError on data that is not a report row."""
    label = data["label"]
    issued = data.get("issued")
    return ReportRow(
        key=str(data["key"]),
        label=Bilingual(str(label["zh"]), str(label["en"])),
        issued=None if issued is None else int(issued),
        served=int(data["served"]),
        no_shows=int(data["no_shows"]),
        transfers=int(data["transfers"]),
        wait=_duration_from_json(data["wait"]),
        service=_duration_from_json(data["service"]),
        outcomes={Outcome(name): int(count) for name, count in data["outcomes"].items()},
        ratings={RatingLevel(name): int(count) for name, count in data["ratings"].items()},
        default_ratings=int(data["default_ratings"]),
        not_rated=int(data["not_rated"]),
        followups_on_time=int(data["followups_on_time"]),
        followups_overdue=int(data["followups_overdue"]),
        followups_open=int(data["followups_open"]),
        pause_count=int(data["pause_count"]),
        pause_seconds=float(data["pause_seconds"]),
        ab_absences=int(data["ab_absences"]),
        proxy_served=int(data.get("proxy_served", 0)),
        help_served=int(data.get("help_served", 0)),
    )


def report_to_json(report: Report) -> dict[str, Any]:
    request = report.request
    return {
        "request": {
            "start": request.start.isoformat(),
            "end": request.end.isoformat(),
            "by": request.by.value,
            "filter": {
                "category": request.filter.category,
                "window": request.filter.window,
                "clerk": request.filter.clerk,
                "department": request.filter.department,
            },
        },
        "rows": [report_row_to_json(row) for row in report.rows],
        "total": report_row_to_json(report.total),
    }


def report_from_json(data: Mapping[str, Any]) -> Report:
    """The inverse of :func:`report_to_json`; raises KeyError / ValueError / TypeError on anything else."""
    request = data["request"]
    wanted = request["filter"]
    window = wanted.get("window")
    return Report(
        request=ReportRequest(
            start=date.fromisoformat(request["start"]),
            end=date.fromisoformat(request["end"]),
            by=Dimension(request["by"]),
            filter=ReportFilter(
                category=wanted.get("category"),
                window=None if window is None else int(window),
                clerk=wanted.get("clerk"),
                department=wanted.get("department"),
            ),
        ),
        rows=[report_row_from_json(row) for row in data["rows"]],
        total=report_row_from_json(data["total"]),
    )


def rating_record_to_json(record: RatingRecord) -> dict[str, Any]:
    return {
        "case_no": record.case_no,
        "ticket_public_id": record.ticket_public_id,
        "item_code": record.item_code,
        "category": record.category,
        "department": record.department,
        "window": record.window,
        "clerk_staff_no": record.clerk_staff_no,
        "clerk_name": record.clerk_name,
        "level": record.level.value,
        "is_default": record.is_default,
        "reasons": list(record.reasons),
        "channel": record.channel,
        "rated_at": record.rated_at_iso,
    }


def rating_record_from_json(data: Mapping[str, Any]) -> RatingRecord:
    return RatingRecord(
        case_no=str(data["case_no"]),
        ticket_public_id=str(data["ticket_public_id"]),
        item_code=str(data["item_code"]),
        category=str(data["category"]),
        department=str(data["department"]),
        window=int(data["window"]),
        clerk_staff_no=str(data["clerk_staff_no"]),
        clerk_name=str(data["clerk_name"]),
        level=RatingLevel(data["level"]),
        is_default=bool(data["is_default"]),
        reasons=[str(reason) for reason in data["reasons"]],
        channel=str(data["channel"]),
        rated_at_iso=str(data["rated_at"]),
    )
