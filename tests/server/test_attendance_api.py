"""考勤 over the API: manager only, bilingual errors for bad periods and formats, a table from real
counter operations, and CSV / XLSX / PDF downloads that open again."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import openpyxl
import pytest

from hall.clock import FakeClock
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer
from tests.support.halls import TUESDAY_10AM

DAY = date(2026, 11, 17)  # TUESDAY_10AM's business day
ATTENDANCE = "/api/reports/attendance?start=2026-11-17&end=2026-11-17"


@pytest.fixture
def hall(db_url: str, backend: str) -> Iterator[HallServer]:
    server = HallServer(db_url, backend, clock=FakeClock(TUESDAY_10AM))
    try:
        yield server
    finally:
        server.close()


def work_a_morning(hall: HallServer) -> None:
    """1003 at window 3 from 10:00: a 20-minute 培训 pause, logs out at 11:00; 1017 marked absent."""
    clock: FakeClock = hall.clock
    clerk = hall.clerk(3)
    clock.advance(600)
    clerk.pause(3, "培训")
    clock.advance(1200)
    clerk.resume(3)
    clock.advance(1800)
    clerk.logout()
    hall.manager.set_roster("1017", absent=True, reason="病假")


def refused(client: HallClient, path: str, status: int) -> ApiError:
    with pytest.raises(ApiError) as caught:
        client.request("GET", path)
    assert caught.value.status == status and caught.value.zh and caught.value.en, (path, caught.value)
    return caught.value


def test_the_table_from_real_operations(hall: HallServer) -> None:
    work_a_morning(hall)
    table = hall.manager.attendance(DAY, DAY)
    columns = [column["en"] for column in table["columns"]]
    rows = {row["staff_no"]: dict(zip(columns, (cell["zh"] for cell in row["cells"]), strict=True)) for row in table["rows"]}
    assert set(rows) == {"1003", "1017"}
    assert (rows["1003"]["First sign-in"], rows["1003"]["Last sign-out"]) == ("10:00", "11:00")
    assert (rows["1003"]["Signed in (min)"], rows["1003"]["Paused (min)"], rows["1003"]["Worked (min)"]) == ("60", "20", "40")
    assert rows["1003"]["Pause reasons"] == "培训 1次 20分"
    assert rows["1017"]["Status"] == "缺勤"


def test_downloads_open_again(hall: HallServer) -> None:
    work_a_morning(hall)
    manager = hall.manager
    table = manager.export_attendance("csv", DAY, DAY)
    lines = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["日期 / Day", "工号 / Staff no.", "姓名 / Name"]
    assert [line[1] for line in lines[1:]] == ["1003", "1017"]
    assert "培训 1次 20分 / 培训 ×1 20 min" in lines[1]

    book = openpyxl.load_workbook(io.BytesIO(manager.export_attendance("xlsx", DAY, DAY).content))
    values = [cell for line in book.worksheets[0].iter_rows(values_only=True) for cell in line]
    assert "1003" in values and "缺勤 / absent" in values

    pdf = manager.export_attendance("pdf", DAY, DAY)
    assert pdf.content.startswith(b"%PDF") and pdf.filename == "hallq-attendance-2026-11-17_2026-11-17.pdf"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_for_managers_only_and_bad_input_is_refused(hall: HallServer) -> None:
    for client in (hall.kiosk(), hall.pad(3), hall.display(), hall.clerk(4)):
        assert refused(client, ATTENDANCE, 403).code == "forbidden"
    assert refused(hall.client(None), ATTENDANCE, 401).code == "no_token"
    assert refused(hall.manager, "/api/reports/attendance?start=2026-11-30&end=2026-11-01", 422).code == "bad_period"
    assert refused(hall.manager, "/api/reports/attendance?start=2026-11-01", 422).code == "invalid_request"
    assert (
        refused(hall.manager, "/api/reports/attendance/export?start=2026-11-01&end=2026-11-30&format=docx", 422).code == "invalid_request"
    )
    assert refused(hall.manager, "/api/reports/attendance?start=2020-01-01&end=2026-11-30", 422).code == "period_too_long"
