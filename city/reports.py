"""City-wide reports with the hall's own definitions, by hall, district, category, item or department.

The city has no hall database, only what the halls shipped (city/ingest.py). Each finished
service the city holds becomes the same :class:`~db.reports.figures.ServiceFact` the hall's live
report builds, and is counted by the same :class:`~db.reports.figures.Figures`; the rows are the
hall's :class:`~hall.reports.ReportRow` (满意率, 评价率, waits, follow-ups on time), so a city
report of one hall's day equals that hall's own report of the day (tests/city/test_city_reports.py).

What the events let the city see, and so what differs from a hall report:
- waiting time is called_at - issued_at of the service's ticket (the hall stores the same figure
  per service; a transferred ticket's second wait is not shipped, so transfers count once);
- no-shows are the tickets whose last state is 过号 (their wait counts, as in the hall); pauses
  are the shipped window pauses;
- default ratings and 'not rated' are not shipped (the pad's timeouts stay in the hall).
Business days and follow-up deadlines are the halls' own (shipped); a follow-up is on time when
resolved by the end of its deadline's day in China Standard Time (every hall of a city is in it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, select

from city.models import CityFollowUp, CityHallProfile, CityPause, CityRating, CityService, CityTicket
from db.reports.figures import Figures, ServiceFact
from db.reports.histogram import bin_of
from hall.reports import Dimension, Ranked, Report, ReportRequest, ReportRow, rank_by_satisfaction
from hall.text import Bilingual, HallRuleError

CITY_ZONE = ZoneInfo("Asia/Shanghai")
MAX_REPORT_DAYS = 366


class CityDimension(StrEnum):
    CITY = "city"  # one row for the whole city
    HALL = "hall"
    DISTRICT = "district"
    CATEGORY = "category"
    ITEM = "item"
    DEPARTMENT = "department"


CITY_DIMENSION_NAMES: dict[CityDimension, Bilingual] = {
    CityDimension.CITY: Bilingual("全市", "whole city"),
    CityDimension.HALL: Bilingual("大厅", "hall"),
    CityDimension.DISTRICT: Bilingual("区县", "district"),
    CityDimension.CATEGORY: Bilingual("业务类别", "category"),
    CityDimension.ITEM: Bilingual("事项", "item"),
    CityDimension.DEPARTMENT: Bilingual("部门", "department"),
}
# The hall report dimension whose row labels and export headings a city grouping uses.
HALL_DIMENSION: dict[CityDimension, Dimension] = {
    CityDimension.CITY: Dimension.HALL,
    CityDimension.HALL: Dimension.HALL,
    CityDimension.DISTRICT: Dimension.HALL,
    CityDimension.CATEGORY: Dimension.CATEGORY,
    CityDimension.ITEM: Dimension.ITEM,
    CityDimension.DEPARTMENT: Dimension.DEPARTMENT,
}
NO_DISTRICT = Bilingual("未分区", "no district")


@dataclass(frozen=True)
class CityReport:
    by: CityDimension
    start: date
    end: date
    rows: list[ReportRow]
    total: ReportRow

    def as_hall_report(self) -> Report:
        """The same rows as a hall :class:`Report`, for the hall's CSV / XLSX exports."""
        return Report(ReportRequest(self.start, self.end, HALL_DIMENSION[self.by]), self.rows, self.total)


def check_period(start: date, end: date) -> None:
    if end < start:
        raise HallRuleError("bad_period", "结束日期早于开始日期", "the period ends before it starts", 422)
    if (end - start).days >= MAX_REPORT_DAYS:
        raise HallRuleError("period_too_long", "报表期间最长一年", "a report period is at most one year", 422)


def profiles(engine: Engine) -> dict[str, CityHallProfile]:
    with engine.connect() as connection:
        return {row.code: row for row in connection.execute(select(CityHallProfile))}  # type: ignore[misc]


def _resolved_on_time(status: str | None, changed_at: datetime | None, deadline: date | None) -> bool | None:
    if deadline is None or status in (None, "open") or changed_at is None:
        return None
    return changed_at.astimezone(CITY_ZONE).date() <= deadline


def service_facts(connection: Any, start: date, end: date, halls: list[str] | None = None) -> Iterator[tuple[str, ServiceFact]]:
    """(hall, fact) for every finished service of tickets taken on business days start..end."""
    query = (
        select(
            CityService.hall,
            CityTicket.business_day,
            CityTicket.issued_at,
            CityTicket.called_at,
            CityTicket.series,
            CityService.item_code,
            CityService.window,
            CityService.department,
            CityService.started_at,
            CityService.ended_at,
            CityService.outcome,
            CityRating.level,
            CityFollowUp.deadline,
            CityFollowUp.status,
            CityFollowUp.changed_at,
        )
        .join(CityTicket, and_(CityTicket.hall == CityService.hall, CityTicket.ticket_id == CityService.ticket_id))
        .outerjoin(CityRating, and_(CityRating.hall == CityService.hall, CityRating.service_id == CityService.service_id))
        .outerjoin(CityFollowUp, and_(CityFollowUp.hall == CityService.hall, CityFollowUp.service_id == CityService.service_id))
        .where(
            CityTicket.business_day.between(start, end),
            CityService.ended_at.is_not(None),
            CityService.outcome != "",
            CityService.outcome != "expired",
        )
        .order_by(CityService.hall, CityService.service_id)
    )
    if halls is not None:
        query = query.where(CityService.hall.in_(halls))
    for row in connection.execute(query):
        hall, day, issued, called, series, item, window, department, started, ended, outcome, level, deadline, status, changed = row
        served = max(0.0, (ended - started).total_seconds()) if started is not None and ended is not None else 0.0
        yield (
            hall,
            _city_fact(
                day,
                issued,
                called,
                series,
                window,
                item=item or "",
                department=department or "",
                service_seconds=served,
                end_reason="finished",
                outcome=outcome,
                level=level,
                followup_deadline=deadline,
                followup_resolved_on_time=_resolved_on_time(status, changed, deadline),
            ),
        )


def _city_fact(
    day: date,
    issued: datetime,
    called: datetime | None,
    series: str,
    window: Any,
    *,
    end_reason: str,
    item: str = "",
    department: str = "",
    service_seconds: float = 0.0,
    outcome: str = "",
    level: str | None = None,
    followup_deadline: date | None = None,
    followup_resolved_on_time: bool | None = None,
) -> ServiceFact:
    """A city row as the hall's ServiceFact; the wait ends at the call, as in the hall."""
    waited = max(0.0, (called - issued).total_seconds()) if called is not None else 0.0
    return ServiceFact(
        day=day,
        hour=issued.astimezone(CITY_ZONE).hour,
        series=series,
        item=item,
        window=str(window or ""),
        clerk="",
        department=department,
        waited=waited,
        queue_wait=called is not None,
        service_seconds=service_seconds,
        wait_bin=bin_of(waited),
        service_bin=bin_of(service_seconds),
        end_reason=end_reason,
        outcome=outcome,
        rated=level is not None,
        level=level,
        is_default=False,
        followup_deadline=followup_deadline,
        followup_resolved_on_time=followup_resolved_on_time,
    )


def no_show_facts(connection: Any, start: date, end: date) -> Iterator[tuple[str, ServiceFact]]:
    """(hall, fact) for every ticket whose last state is 过号: its wait ended at the call, as in the hall."""
    query = (
        select(CityTicket.hall, CityTicket.business_day, CityTicket.issued_at, CityTicket.called_at, CityTicket.series, CityTicket.window)
        .where(CityTicket.business_day.between(start, end), CityTicket.status == "no_show")
        .order_by(CityTicket.hall, CityTicket.ticket_id)
    )
    for hall, day, issued, called, series, window in connection.execute(query):
        yield hall, _city_fact(day, issued, called, series, window, end_reason="no_show")


def window_departments(connection: Any) -> dict[tuple[str, str], str]:
    """(hall, window number) -> the department its latest finished service recorded."""
    query = (
        select(CityService.hall, CityService.window, CityService.department)
        .where(CityService.department != "", CityService.window.is_not(None))
        .distinct(CityService.hall, CityService.window)
        .order_by(CityService.hall, CityService.window, CityService.service_id.desc())
    )
    return {(hall, str(window)): department for hall, window, department in connection.execute(query)}


def city_report(engine: Engine, start: date, end: date, by: CityDimension, today: date | None = None) -> CityReport:
    check_period(start, end)
    today = today or datetime.now(CITY_ZONE).date()
    known = profiles(engine)

    def district(hall: str) -> str:
        profile = known.get(hall)
        return profile.district if profile is not None else ""

    def key_of(hall: str, series: str, item: str, department: str) -> str:
        # Only the chosen grouping's key is worked out (this runs once per service counted).
        if by is CityDimension.HALL:
            return hall
        if by is CityDimension.DISTRICT:
            return district(hall)
        if by is CityDimension.CATEGORY:
            return series
        if by is CityDimension.ITEM:
            return item
        return department if by is CityDimension.DEPARTMENT else ""

    rows: dict[str, Figures] = {}
    total = Figures()

    def add(key: str) -> Figures:
        found = rows.get(key)  # not setdefault(key, Figures()): that builds a Figures per service
        if found is None:
            found = rows[key] = Figures()
        return found

    with engine.connect() as connection:
        # A no-show's and a pause's department is its window's, as in the hall: the one its services record.
        departments = window_departments(connection)
        for hall, fact in itertools.chain(service_facts(connection, start, end), no_show_facts(connection, start, end)):
            department = fact.department or departments.get((hall, fact.window), "")
            add(key_of(hall, fact.series, fact.item, department)).add_service(fact)
            total.add_service(fact)
        issued = select(CityTicket.hall, CityTicket.series).where(CityTicket.business_day.between(start, end))
        for hall, series in connection.execute(issued):
            if by not in (CityDimension.ITEM, CityDimension.DEPARTMENT):  # tickets are taken per category
                add(key_of(hall, series, "", "")).issued += 1
            total.issued += 1
        if by in (CityDimension.CITY, CityDimension.HALL, CityDimension.DISTRICT, CityDimension.DEPARTMENT):
            first = datetime.combine(start, datetime.min.time(), CITY_ZONE)
            after = datetime.combine(end + timedelta(days=1), datetime.min.time(), CITY_ZONE)
            now = datetime.now(CITY_ZONE)
            pauses = select(CityPause.hall, CityPause.window, CityPause.started_at, CityPause.ended_at).where(
                CityPause.started_at >= first, CityPause.started_at < after
            )
            for hall, window, started, ended in connection.execute(pauses):
                seconds = max(0.0, ((ended or now) - started).total_seconds())
                add(key_of(hall, "", "", departments.get((hall, str(window)), ""))).add_pause(seconds)
                total.add_pause(seconds)
    issued_applies = by not in (CityDimension.ITEM, CityDimension.DEPARTMENT)
    report_rows = [
        figures.row(key, _label(by, key, known), issued_applies, today) for key, figures in sorted(rows.items(), key=lambda pair: pair[0])
    ]
    return CityReport(by, start, end, report_rows, total.row("total", Bilingual("合计", "total"), True, today))


def _label(by: CityDimension, key: str, known: dict[str, CityHallProfile]) -> Bilingual:
    if by is CityDimension.CITY:
        return CITY_DIMENSION_NAMES[by]
    if by is CityDimension.HALL:
        profile = known.get(key)
        return Bilingual(profile.name, key) if profile is not None and profile.name else Bilingual(key, key)
    if by is CityDimension.DISTRICT:
        return Bilingual(key, key) if key else NO_DISTRICT
    if not key:
        return Bilingual("（未记录）", "(not recorded)")
    return Bilingual(key, key)


# ---------------------------------------------------------------------------- rankings


@dataclass(frozen=True)
class HallRanking:
    """One ranking of the halls: best first, with the figure each was ranked by."""

    code: str
    title: Bilingual
    entries: list[Ranked]


def _ranked(rows: list[ReportRow], value: Any, reverse: bool) -> list[Ranked]:
    scored = [(row, value(row)) for row in rows]
    eligible = [(row, figure) for row, figure in scored if figure is not None]
    eligible.sort(key=lambda pair: ((-pair[1] if reverse else pair[1]), pair[0].key))
    return [Ranked(row.key, row.label, float(figure), row.served) for row, figure in eligible]


def followups_on_time_rate(row: ReportRow) -> float | None:
    """差评整改按时率: follow-ups resolved by their deadline over those resolved or overdue."""
    due = row.followups_on_time + row.followups_overdue
    return row.followups_on_time / due if due else None


def hall_rankings(report: CityReport) -> list[HallRanking]:
    """Rankings across halls from a report by hall: 满意率 (the hall's own ranking rule), mean wait
    (shortest first), 差评 follow-ups on time."""
    if report.by is not CityDimension.HALL:
        raise HallRuleError("rank_by_hall", "排名需要按大厅的报表", "rankings need a report by hall", 422)
    as_report = report.as_hall_report()
    return [
        HallRanking("satisfaction", Bilingual("好评率（满意率）", "satisfaction rate"), rank_by_satisfaction(as_report)),
        HallRanking(
            "mean_wait",
            Bilingual("平均等候（分钟，短者在前）", "mean wait (minutes, shortest first)"),
            [Ranked(r.key, r.label, r.value / 60.0, r.served) for r in _ranked(report.rows, lambda row: row.wait.mean, reverse=False)],
        ),
        HallRanking(
            "followups_on_time",
            Bilingual("差评整改按时率", "差评 follow-ups on time"),
            _ranked(report.rows, followups_on_time_rate, reverse=True),
        ),
    ]
