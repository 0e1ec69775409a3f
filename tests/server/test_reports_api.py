"""Reports over the API (issue 7): manager only, strict parameters with bilingual errors, figures
from a few real counter and pad operations on SQLite and PostgreSQL, and downloads that open."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest

from hall.clock import FakeClock
from hall.reports import (
    Dimension,
    DurationStats,
    RatingRecord,
    Report,
    ReportFilter,
    ReportRequest,
    ReportRow,
    rating_record_from_json,
    rating_record_to_json,
    report_from_json,
    report_to_json,
)
from hall.text import Bilingual
from hall.tickets import Outcome, RatingLevel
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer
from tests.support.halls import TUESDAY_10AM

DAY = date(2026, 11, 17)  # TUESDAY_10AM's business day


def row(key: str, **changes: Any) -> ReportRow:
    values: dict[str, Any] = {
        "key": key,
        "label": Bilingual(f"{key}号", f"No. {key}"),
        "issued": None,
        "served": 4,
        "no_shows": 1,
        "transfers": 0,
        "wait": DurationStats(4, 312.5, 300.0, 600.0, 610.25),
        "service": DurationStats(),
        "outcomes": {Outcome.IMMEDIATE: 3, Outcome.REFUSED: 1},
        "ratings": {RatingLevel.SATISFIED: 2, RatingLevel.VERY_DISSATISFIED: 1},
        "default_ratings": 1,
        "not_rated": 0,
        "followups_on_time": 0,
        "followups_overdue": 1,
        "followups_open": 0,
        "pause_count": 2,
        "pause_seconds": 420.5,
        "ab_absences": 1,
    }
    values.update(changes)
    return ReportRow(**values)


def test_report_and_rating_records_survive_json_unchanged() -> None:
    report = Report(
        ReportRequest(
            date(2026, 11, 1), date(2026, 11, 30), Dimension.WINDOW, ReportFilter(category="B", window=3, department="市场监督管理局")
        ),
        rows=[row("3"), row("4", issued=7, ratings={}, wait=DurationStats())],
        total=row("total", issued=7),
    )
    data = json.loads(json.dumps(report_to_json(report), ensure_ascii=False))
    assert report_from_json(data) == report
    assert data["rows"][0]["derived"]["satisfaction_rate"] == pytest.approx(2 / 3)
    assert data["rows"][1]["derived"]["satisfaction_rate"] is None  # no ratings: no rate, not 0 %
    record = RatingRecord(
        "20261117-B002",
        "p1x",
        "B01",
        "B",
        "市场监督管理局",
        3,
        "1003",
        "王芳",
        RatingLevel.DISSATISFIED,
        False,
        ["slow"],
        "pad",
        "2026-11-17T10:25:00+08:00",
    )
    assert rating_record_from_json(json.loads(json.dumps(rating_record_to_json(record)))) == record


@pytest.fixture
def hall(db_url: str, backend: str) -> Iterator[HallServer]:
    server = HallServer(db_url, backend, clock=FakeClock(TUESDAY_10AM))
    try:
        yield server
    finally:
        server.close()


def serve_two_b_tickets(hall: HallServer) -> None:
    """B001 waits 300 s and is served 600 s (即办件, 满意); B002 waits 840 s, served 300 s (承诺件, 不满意)."""
    clock: FakeClock = hall.clock
    kiosk = hall.kiosk()
    kiosk.issue("B")
    clock.advance(60)
    kiosk.issue("B")
    clerk, pad = hall.clerk(3), hall.pad(3)
    clock.advance(240)  # t = 300
    clerk.call_next(3)
    clerk.start(3)
    clock.advance(600)  # t = 900
    first = clerk.finish(3, "immediate")["service_id"]
    pad.rate(first, "satisfied")
    clerk.call_next(3)
    clerk.start(3)
    clock.advance(300)  # t = 1200
    second = clerk.finish(3, "promised")["service_id"]
    pad.rate(second, "dissatisfied", reasons=["slow"])


def test_figures_from_real_operations(hall: HallServer) -> None:
    serve_two_b_tickets(hall)
    report = hall.manager.report(DAY, DAY, Dimension.CATEGORY)
    assert report.request == ReportRequest(DAY, DAY, Dimension.CATEGORY)
    b = next(r for r in report.rows if r.key == "B")
    assert (b.issued, b.served, b.no_shows, b.transfers) == (2, 2, 0, 0)
    assert b.wait == DurationStats(2, 570.0, 300.0, 840.0, 840.0)
    assert b.service == DurationStats(2, 450.0, 300.0, 600.0, 600.0)
    assert b.outcomes.get(Outcome.IMMEDIATE) == 1 and b.outcomes.get(Outcome.PROMISED) == 1
    assert b.ratings.get(RatingLevel.SATISFIED) == 1 and b.ratings.get(RatingLevel.DISSATISFIED) == 1
    assert (b.satisfaction_rate, b.rating_rate, b.bad_ratings) == (0.5, 1.0, 1)
    assert (b.followups_open, b.followups_overdue) == (1, 0)
    assert report.total.served == 2

    by_clerk = hall.manager.report(DAY, DAY, "clerk", ReportFilter(window=3))
    assert [(r.key, r.served) for r in by_clerk.rows if r.served] == [("1003", 2)]
    other_category = hall.manager.report(DAY, DAY, Dimension.HALL, ReportFilter(category="A"))
    assert other_category.total.served == 0
    assert other_category.total.satisfaction_rate is None

    records = hall.manager.rating_records(DAY, DAY)
    assert sorted(r.level for r in records) == sorted([RatingLevel.SATISFIED, RatingLevel.DISSATISFIED])
    assert {(r.window, r.clerk_staff_no, r.category, r.is_default) for r in records} == {(3, "1003", "B", False)}


def test_downloads_open_again(hall: HallServer) -> None:
    serve_two_b_tickets(hall)
    manager = hall.manager

    xlsx = manager.export_report("xlsx", DAY, DAY, Dimension.WINDOW)
    assert xlsx.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows(values_only=True) for cell in line]
    assert 2 in cells  # window 3's served count is in the sheet

    table = manager.export_report("csv", DAY, DAY, Dimension.WINDOW)
    lines = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert len(lines) >= 2 and any("3" in line for line in lines[1:])

    for download in (manager.export_report("pdf", DAY, DAY, Dimension.CATEGORY), manager.monthly_report(2026, 11)):
        assert download.content.startswith(b"%PDF") and download.filename.endswith(".pdf")
        assert download.media_type == "application/pdf"

    ratings = manager.export_ratings("json", DAY, DAY)
    document = json.loads(ratings.content)
    assert document["count"] == 2 and [r["case_no"] for r in document["records"]] == ["20261117-B001", "20261117-B002"]
    ratings_book = openpyxl.load_workbook(io.BytesIO(manager.export_ratings("xlsx", DAY, DAY).content))
    assert ratings_book.worksheets[0].max_row >= 3  # a header and two records

    raw = manager._get("/api/reports/export", {"start": DAY.isoformat(), "end": DAY.isoformat(), "format": "csv"})
    disposition = raw.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" in disposition


REPORT_PATHS = [
    "/api/reports?start=2026-11-01&end=2026-11-30",
    "/api/reports/ratings?start=2026-11-01&end=2026-11-30",
    "/api/reports/export?start=2026-11-01&end=2026-11-30&format=csv",
    "/api/reports/ratings/export?start=2026-11-01&end=2026-11-30&format=json",
    "/api/reports/monthly.pdf?month=2026-11",
]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_reports_are_for_managers_only(hall: HallServer) -> None:
    others = {
        "kiosk": hall.kiosk(),
        "counter": hall.counter(3),
        "pad": hall.pad(3),
        "display": hall.display(),
        "clerk": hall.clerk(4),
    }
    for path in REPORT_PATHS:
        for role, client in others.items():
            error = refused(client, path, 403)
            assert error.code == "forbidden", (role, path)
        assert refused(hall.client(None), path, 401).code == "no_token"
        # the role check comes before the parameters: no hints about them without a manager token
        assert refused(others["kiosk"], path.replace("2026-11-30", "2020-01-01"), 403).code == "forbidden"


def refused(client: HallClient, path: str, status: int) -> ApiError:
    with pytest.raises(ApiError) as caught:
        client.request("GET", path)
    error = caught.value
    assert error.status == status, (path, error)
    assert error.zh and error.en, (path, error)
    return error


BAD_PARAMETERS = [
    ("/api/reports?start=2026-11-30&end=2026-11-01", "bad_period"),
    (f"/api/reports?start=2023-01-01&end={date(2023, 1, 1) + timedelta(days=3 * 366 + 1)}", "period_too_long"),
    ("/api/reports?start=2026-13-01&end=2026-12-31", "invalid_request"),
    ("/api/reports?end=2026-11-30", "invalid_request"),
    ("/api/reports?start=2026-11-01&end=2026-11-30&by=planet", "invalid_request"),
    ("/api/reports?start=2026-11-01&end=2026-11-30&window=0", "invalid_request"),
    ("/api/reports?start=2026-11-01&end=2026-11-30&window=99999999999", "invalid_request"),
    ("/api/reports?start=2026-11-01&end=2026-11-30&category=A%27%3B--", "invalid_request"),
    ("/api/reports?start=2026-11-01&end=2026-11-30&clerk=" + "9" * 40, "invalid_request"),
    ("/api/reports/export?start=2026-11-01&end=2026-11-30&format=docx", "invalid_request"),
    ("/api/reports/export?start=2026-11-01&end=2026-11-30", "invalid_request"),
    ("/api/reports/ratings?start=2026-11-30&end=2026-11-01", "bad_period"),
    ("/api/reports/ratings/export?start=2026-11-01&end=2026-11-30&format=pdf", "invalid_request"),
    ("/api/reports/ratings/export?start=2020-01-01&end=2026-11-30&format=csv", "period_too_long"),
    ("/api/reports/monthly.pdf?month=2026-13", "invalid_request"),
    ("/api/reports/monthly.pdf?month=26-11", "invalid_request"),
    ("/api/reports/monthly.pdf", "invalid_request"),
]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_bad_parameters_get_a_bilingual_422(hall: HallServer) -> None:
    for path, code in BAD_PARAMETERS:
        assert refused(hall.manager, path, 422).code == code, path
    # the longest allowed period is still answered
    longest = date(2023, 1, 1) + timedelta(days=3 * 366)
    assert hall.manager.report(date(2023, 1, 1), longest).total.served == 0
