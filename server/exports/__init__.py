"""Report exports: the files the server hands the manager console and ``hallq report`` writes.

- ``export_report``: one report as CSV, XLSX or PDF, every figure of every row plus the total.
- ``export_ratings``: 好差评 records as CSV, XLSX or JSON, for upload to a provincial platform.
- ``monthly_report_pdf``: the hall's printable 月度报告 (key figures, charts, tables, rankings).

Plain functions from report objects (hall/reports.py) to bytes; they never query the database,
so the API, the CLI and the tests feed them the same way. One column list (columns.py) names
and formats the figures for every format.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from hall.reports import DIMENSION_NAMES, Dimension, RatingRecord, Report
from hall.text import Bilingual, HallRuleError
from server.exports.common import MEDIA_TYPES, ExportFile, period_text, ratings_filename, report_filename
from server.exports.pdf import MONTHLY_DIMENSIONS, monthly_pdf, report_pdf
from server.exports.tabular import ratings_csv, ratings_json, ratings_xlsx, report_csv, report_xlsx

__all__ = ["ExportFile", "export_ratings", "export_report", "monthly_dimensions", "monthly_report_pdf"]

ReportFormat = Literal["csv", "xlsx", "pdf"]
RatingsFormat = Literal["csv", "xlsx", "json"]


def _unknown_format(fmt: str, allowed: Sequence[str]) -> HallRuleError:
    names = ", ".join(allowed)
    return HallRuleError(
        "unknown_export_format", f"不支持的导出格式“{fmt}”，可选：{names}", f"unknown export format '{fmt}'; use one of: {names}", 422
    )


def export_report(report: Report, fmt: ReportFormat, hall_name: Bilingual) -> ExportFile:
    if fmt == "csv":
        content = report_csv(report)
    elif fmt == "xlsx":
        content = report_xlsx(report, hall_name)
    elif fmt == "pdf":
        content = report_pdf(report, hall_name)
    else:
        raise _unknown_format(fmt, ("csv", "xlsx", "pdf"))
    return ExportFile(report_filename(report, fmt), MEDIA_TYPES[fmt], content)


def export_ratings(records: Sequence[RatingRecord], fmt: RatingsFormat, hall_name: Bilingual, start: date, end: date) -> ExportFile:
    if fmt == "csv":
        content = ratings_csv(records)
    elif fmt == "xlsx":
        content = ratings_xlsx(records, hall_name, period_text(start, end))
    elif fmt == "json":
        content = ratings_json(records, hall_name, start, end)
    else:
        raise _unknown_format(fmt, ("csv", "xlsx", "json"))
    return ExportFile(ratings_filename(start, end, fmt), MEDIA_TYPES[fmt], content)


def monthly_dimensions() -> tuple[Dimension, ...]:
    """The reports ``monthly_report_pdf`` needs, each over the whole month and the whole hall."""
    return MONTHLY_DIMENSIONS


def monthly_report_pdf(hall_name: Bilingual, year: int, month: int, reports: Mapping[Dimension, Report]) -> ExportFile:
    if not 1 <= month <= 12:
        raise HallRuleError("bad_month", f"月份应为1到12，收到 {month}", f"the month must be 1 to 12, got {month}", 422)
    missing = [dimension for dimension in MONTHLY_DIMENSIONS if dimension not in reports]
    if missing:
        zh = "、".join(DIMENSION_NAMES[dimension].zh for dimension in missing)
        en = ", ".join(dimension.value for dimension in missing)
        raise HallRuleError(
            "monthly_report_incomplete", f"月度报告缺少这些报表：{zh}", f"the monthly report lacks these reports: {en}", 422
        )
    first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    for dimension in MONTHLY_DIMENSIONS:
        request = reports[dimension].request
        if request.by is not dimension or request.start != first or request.end != last:
            raise HallRuleError(
                "monthly_report_mismatch",
                f"“{DIMENSION_NAMES[dimension].zh}”报表应为{first.isoformat()}至{last.isoformat()}按{DIMENSION_NAMES[dimension].zh}统计",
                f"the '{dimension.value}' report must cover {first.isoformat()} to {last.isoformat()} by {dimension.value}",
                422,
            )
    content = monthly_pdf(hall_name, year, month, dict(reports))
    return ExportFile(f"hallq-monthly-{year:04d}-{month:02d}.pdf", MEDIA_TYPES["pdf"], content)
