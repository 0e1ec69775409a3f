"""What every export shares: the file it returns, its name, the period and dimension texts, rankings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hall.reports import DIMENSION_NAMES, Dimension, Ranked, Report, ReportFilter, rank_by_satisfaction
from hall.text import Bilingual

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}

# Rankings compare units or people; ranking days or hours would name no one to praise or retrain.
RANKED_DIMENSIONS = (Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT)

BEST_MARK = Bilingual("最佳", "best")
SNAIL_MARK = Bilingual("蜗牛奖", "snail award")


@dataclass(frozen=True)
class ExportFile:
    filename: str  # e.g. "hallq-report-clerk-2026-11-01_2026-11-30.xlsx"
    media_type: str
    content: bytes


def report_filename(report: Report, fmt: str) -> str:
    request = report.request
    return f"hallq-report-{request.by.value}-{request.start.isoformat()}_{request.end.isoformat()}.{fmt}"


def ratings_filename(start: date, end: date, fmt: str) -> str:
    return f"hallq-ratings-{start.isoformat()}_{end.isoformat()}.{fmt}"


def period_text(start: date, end: date) -> Bilingual:
    if start == end:
        return Bilingual(start.isoformat(), start.isoformat())
    return Bilingual(f"{start.isoformat()} 至 {end.isoformat()}", f"{start.isoformat()} to {end.isoformat()}")


def dimension_text(dimension: Dimension) -> Bilingual:
    name = DIMENSION_NAMES[dimension]
    if dimension is Dimension.HALL:
        return name
    return Bilingual(f"按{name.zh}", f"by {name.en}")


def filter_text(report_filter: ReportFilter) -> Bilingual | None:
    """The narrowing of a report in words, or None when it covers the whole hall."""
    parts: list[Bilingual] = []
    if report_filter.category is not None:
        parts.append(Bilingual(f"业务类别 {report_filter.category}", f"category {report_filter.category}"))
    if report_filter.window is not None:
        parts.append(Bilingual(f"{report_filter.window}号窗口", f"window {report_filter.window}"))
    if report_filter.clerk is not None:
        parts.append(Bilingual(f"工号 {report_filter.clerk}", f"staff no. {report_filter.clerk}"))
    if report_filter.department is not None:
        parts.append(Bilingual(f"部门 {report_filter.department}", f"department {report_filter.department}"))
    if not parts:
        return None
    return Bilingual("，".join(part.zh for part in parts), ", ".join(part.en for part in parts))


def report_title(hall_name: Bilingual, report: Report) -> Bilingual:
    request = report.request
    period, dimension = period_text(request.start, request.end), dimension_text(request.by)
    narrowed = filter_text(request.filter)
    zh = f"{hall_name.zh} 统计报表 {period.zh} {dimension.zh}" + (f"（{narrowed.zh}）" if narrowed else "")
    en = f"{hall_name.en} report, {period.en}, {dimension.en}" + (f" ({narrowed.en})" if narrowed else "")
    return Bilingual(zh, en)


def ranking_of(report: Report) -> list[Ranked] | None:
    """Best first by 满意率 for the dimensions that rank units or people; None for the others."""
    if report.request.by not in RANKED_DIMENSIONS:
        return None
    return rank_by_satisfaction(report)


def ranking_mark(position: int, count: int) -> Bilingual | None:
    """最佳 for the first, 蜗牛奖 for the last; a ranking of one names neither."""
    if count < 2:
        return None
    if position == 0:
        return BEST_MARK
    if position == count - 1:
        return SNAIL_MARK
    return None
