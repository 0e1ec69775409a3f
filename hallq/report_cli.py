"""``hallq report``: write a report, the monthly PDF or the 好差评 records to a file.

    hallq report --from 2026-11-01 --to 2026-11-30 --by clerk --format xlsx
    hallq report --month 2026-11 --format pdf
    hallq report --ratings --from 2026-11-01 --to 2026-11-30 --format json

The figures come from the report queries (db/reports/) over the hall database, the files from
server/exports, the same code the server uses for the manager console's downloads. Every wrong
argument is refused with a message in Chinese and English, before the database is opened.
"""

from __future__ import annotations

import argparse
import calendar
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hall.reports import DIMENSION_NAMES, Dimension, ReportFilter, ReportRequest
from hall.text import Bilingual, HallRuleError

REPORT_FORMATS = ("csv", "xlsx", "pdf")
RATINGS_FORMATS = ("csv", "xlsx", "json")
MONTHLY_FORMATS = ("pdf",)


def add_report_parser(sub: Any) -> None:
    """The ``report`` subcommand (``sub`` is the subparsers object of hallq's parser)."""
    report = sub.add_parser(
        "report",
        help="write a report, the monthly PDF or the 好差评 records / 导出统计报表",
        description="导出统计报表、月度报告或好差评记录 / export a report, the monthly report or the rating records",
    )
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first business day / 开始日期")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last business day, inclusive / 结束日期（含）")
    report.add_argument("--month", metavar="YYYY-MM", help="the monthly report (月度报告) of this month, as PDF")
    report.add_argument("--ratings", action="store_true", help="好差评 records for upload to a provincial platform")
    dimensions = "|".join(dimension.value for dimension in Dimension)
    report.add_argument("--by", default=Dimension.HALL.value, metavar=dimensions, help="one row per ... / 统计维度 (default: hall)")
    report.add_argument("--format", dest="fmt", required=True, metavar="csv|xlsx|pdf|json", help="file format / 文件格式")
    report.add_argument("--out", help="output file, '-' for standard output (default: the export's own name in the current folder)")
    report.add_argument("--category", help="only this category (series letter) / 仅此业务类别")
    report.add_argument("--window", type=int, help="only this window number / 仅此窗口")
    report.add_argument("--clerk", help="only this staff number / 仅此工号")
    report.add_argument("--department", help="only this department / 仅此部门")
    report.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    report.add_argument("--config", help="hall configuration TOML (default: the sample county hall)")
    report.set_defaults(func=cmd_report)


def _refuse(code: str, zh: str, en: str) -> HallRuleError:
    return HallRuleError(code, zh, en, status=422)


def parse_day(text: str | None, option: str) -> date:
    if not text:
        raise _refuse("missing_date", f"请用 {option} 给出日期（YYYY-MM-DD）", f"give the date with {option} (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _refuse(
            "bad_date", f"{option} 的日期“{text}”无效，格式应为 YYYY-MM-DD", f"{option}: '{text}' is not a date (YYYY-MM-DD)"
        ) from None


def parse_month(text: str) -> tuple[int, int]:
    try:
        year_text, month_text = text.split("-")
        year, month = int(year_text), int(month_text)
        date(year, month, 1)
    except ValueError:
        raise _refuse("bad_month", f"月份“{text}”无效，格式应为 YYYY-MM", f"'{text}' is not a month (YYYY-MM)") from None
    return year, month


def parse_dimension(text: str) -> Dimension:
    try:
        return Dimension(text)
    except ValueError:
        known = ", ".join(f"{dimension.value}（{DIMENSION_NAMES[dimension].zh}）" for dimension in Dimension)
        raise _refuse(
            "unknown_dimension", f"未知的统计维度“{text}”，可选：{known}", f"unknown dimension '{text}'; use one of: {known}"
        ) from None


def _check_format(fmt: str, allowed: tuple[str, ...], what: Bilingual) -> None:
    if fmt not in allowed:
        names = ", ".join(allowed)
        raise _refuse(
            "unknown_export_format",
            f"{what.zh}不能导出为“{fmt}”，可选：{names}",
            f"{what.en} cannot be written as '{fmt}'; use one of: {names}",
        )


@dataclass(frozen=True)
class Wanted:
    """What the command line asks for, checked, before any database work."""

    kind: str  # report | monthly | ratings
    fmt: str
    start: date
    end: date
    by: Dimension = Dimension.HALL
    report_filter: ReportFilter = field(default_factory=ReportFilter)


def parse_wanted(args: argparse.Namespace) -> Wanted:
    if args.month:
        if args.start or args.end:
            raise _refuse("month_and_period", "--month 不能与 --from/--to 同时使用", "use either --month or --from/--to, not both")
        year, month = parse_month(args.month)
        start, end = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    else:
        start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
        if start > end:
            raise _refuse("bad_period", f"开始日期 {start} 晚于结束日期 {end}", f"the period starts ({start}) after it ends ({end})")
    if args.ratings:
        _check_format(args.fmt, RATINGS_FORMATS, Bilingual("好差评记录", "rating records"))
        return Wanted("ratings", args.fmt, start, end)
    if args.month:
        _check_format(args.fmt, MONTHLY_FORMATS, Bilingual("月度报告", "the monthly report"))
        return Wanted("monthly", args.fmt, start, end)
    _check_format(args.fmt, REPORT_FORMATS, Bilingual("统计报表", "a report"))
    report_filter = ReportFilter(category=args.category, window=args.window, clerk=args.clerk, department=args.department)
    return Wanted("report", args.fmt, start, end, parse_dimension(args.by), report_filter)


def cmd_report(args: argparse.Namespace) -> int:
    wanted = parse_wanted(args)  # refuse bad arguments before migrating or opening anything

    from db.models import Hall as HallRow
    from db.reports.queries import ReportQueries
    from hall.config import load_config, load_sample_hall
    from server.exports import export_ratings, export_report, monthly_dimensions, monthly_report_pdf
    from server.runner import default_database_url, prepare_hall

    hall = prepare_hall(args.database or default_database_url(), load_config(args.config) if args.config else load_sample_hall())
    try:
        with hall.store.read() as session:
            row = session.get(HallRow, hall.hall_id)
            hall_name = Bilingual(row.name_zh, row.name_en) if row is not None else Bilingual(hall.config.name_zh, hall.config.name_en)
        queries = ReportQueries(hall.store)
        if wanted.kind == "ratings":
            records = queries.rating_records(hall.hall_id, wanted.start, wanted.end)
            export = export_ratings(records, wanted.fmt, hall_name, wanted.start, wanted.end)  # type: ignore[arg-type]
        elif wanted.kind == "monthly":
            reports = {
                dimension: queries.report(hall.hall_id, ReportRequest(wanted.start, wanted.end, dimension))
                for dimension in monthly_dimensions()
            }
            export = monthly_report_pdf(hall_name, wanted.start.year, wanted.start.month, reports)
        else:
            report = queries.report(hall.hall_id, ReportRequest(wanted.start, wanted.end, wanted.by, wanted.report_filter))
            export = export_report(report, wanted.fmt, hall_name)  # type: ignore[arg-type]
    finally:
        hall.engines.dispose()
    if args.out == "-":
        sys.stdout.buffer.write(export.content)
        sys.stdout.buffer.flush()
        return 0
    target = Path(args.out) if args.out else Path.cwd() / export.filename
    try:
        target.write_bytes(export.content)
    except OSError as error:
        raise _refuse("cannot_write", f"无法写入文件 {target}：{error.strerror}", f"cannot write {target}: {error.strerror}") from None
    print(f"已写入 / written: {target} ({len(export.content)} bytes)")
    return 0
