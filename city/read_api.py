"""The city console's read routes besides the overview: reports, rankings and the 好差评 export.

Every route first checks the caller is a city console (``console``: raises 403 otherwise); the
work runs in the thread pool. Reports travel as the hall report's JSON rows
(hall.reports.report_row_to_json), so the console computes 满意率 the hall's way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from city.records import city_rating_records
from city.reports import CITY_DIMENSION_NAMES, CityDimension, CityReport, city_report, hall_rankings
from hall.reports import report_row_to_json
from hall.text import Bilingual, HallRuleError
from server.exports import export_ratings, export_report

CITY_NAME = Bilingual("全市", "city")


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HallRuleError("bad_date", f"{name} 须为 YYYY-MM-DD 日期", f"{name} must be a YYYY-MM-DD date", 422) from None


def _by(value: str) -> CityDimension:
    try:
        return CityDimension(value)
    except ValueError:
        names = ", ".join(d.value for d in CityDimension)
        raise HallRuleError(
            "bad_dimension", f"不支持的分组“{value[:20]}”，可选：{names}", f"unknown grouping '{value[:20]}'; use one of: {names}", 422
        ) from None


def city_report_to_json(report: CityReport) -> dict[str, Any]:
    return {
        "by": report.by.value,
        "by_name": CITY_DIMENSION_NAMES[report.by].as_dict(),
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "rows": [report_row_to_json(row) for row in report.rows],
        "total": report_row_to_json(report.total),
    }


def add_read_routes(app: FastAPI, engine: Engine, now: Callable[[], datetime], console: Callable[[Request], Any]) -> None:
    def report(start: str, end: str, by: str) -> CityReport:
        return city_report(engine, _day(start, "start"), _day(end, "end"), _by(by), now().date())

    @app.get("/city/api/report")
    async def report_json(request: Request, start: str, end: str, by: str = "hall") -> dict[str, Any]:
        console(request)
        return city_report_to_json(await run_in_threadpool(report, start, end, by))

    @app.get("/city/api/report.{fmt}")
    async def report_file(request: Request, fmt: str, start: str, end: str, by: str = "hall") -> Response:
        console(request)
        if fmt not in ("csv", "xlsx"):
            raise HallRuleError("unknown_export_format", "不支持的导出格式，可选：csv, xlsx", "unknown export format; use csv or xlsx", 422)
        found = await run_in_threadpool(report, start, end, by)
        name = CITY_DIMENSION_NAMES[found.by]
        exported = export_report(found.as_hall_report(), fmt, Bilingual(f"全市·按{name.zh}", f"city by {name.en}"))  # type: ignore[arg-type]
        filename = f"hallq-city-report-{found.by.value}-{found.start.isoformat()}_{found.end.isoformat()}.{fmt}"
        return Response(
            exported.content, media_type=exported.media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
        )

    @app.get("/city/api/rankings")
    async def rankings(request: Request, start: str, end: str) -> dict[str, Any]:
        console(request)
        found = await run_in_threadpool(report, start, end, "hall")
        return {
            "start": found.start.isoformat(),
            "end": found.end.isoformat(),
            "rankings": [
                {
                    "code": ranking.code,
                    "title": ranking.title.as_dict(),
                    "entries": [{"hall": e.key, "label": e.label.as_dict(), "value": e.value, "served": e.served} for e in ranking.entries],
                }
                for ranking in hall_rankings(found)
            ],
        }

    @app.get("/city/api/ratings")
    async def ratings(request: Request, start: str, end: str, format: str = "csv") -> Response:
        console(request)
        first, last = _day(start, "start"), _day(end, "end")
        if format not in ("csv", "xlsx", "json"):
            raise HallRuleError(
                "unknown_export_format", "不支持的导出格式，可选：csv, xlsx, json", "unknown export format; use csv, xlsx or json", 422
            )
        records = await run_in_threadpool(city_rating_records, engine, first, last)
        exported = await run_in_threadpool(export_ratings, records, format, CITY_NAME, first, last)  # type: ignore[arg-type]
        filename = f"hallq-city-ratings-{first.isoformat()}_{last.isoformat()}.{format}"
        return Response(
            exported.content, media_type=exported.media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
        )
