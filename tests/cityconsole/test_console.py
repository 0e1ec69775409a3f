"""The city console against a real city server on 127.0.0.1 (PostgreSQL, mutual TLS) holding
simulated hall days: the overview shows the halls the API gives, a double-click shows the hall's
queues, a report grouped by district equals the API's, exports land in files, and a city that is
unreachable or refuses the certificate is said in both languages while the window stays usable."""

from __future__ import annotations

import csv
import io
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from city.profiles import set_hall_profile
from city.runner import CityServerThread
from cityconsole.client import CityClient, ConsoleCredentials
from cityconsole.rules import CITY_ZONE, Level, hall_level
from cityconsole.window import CityConsoleWindow
from hall.reports import report_row_from_json
from tests.support.city import CityPki, client
from workbench.city_day import HallDayPlan, ship_day, simulated_day

NOW = datetime.now(UTC)
TODAY = NOW.astimezone(CITY_ZONE).date()
HALLS = {  # code: (name, district, plan options)
    "east-1": ("城东区政务服务中心", "城东区", {"tickets": 160, "windows": 6, "paused_window": 3}),
    "east-2": ("城东区东湖街道便民服务中心", "城东区", {"tickets": 70, "windows": 2, "unresolved_followups": 1}),
    "west-1": ("城西区政务服务中心", "城西区", {"tickets": 220, "windows": 4, "faults": [("printer_paper_out", "1 号取号机缺纸", "kiosk 1 out of paper")]}),
}


def credentials(files: Any) -> ConsoleCredentials:
    return ConsoleCredentials(files.cert, files.key, files.ca)


def fill_city(city: CityServerThread, pki: CityPki) -> dict[str, list[dict[str, Any]]]:
    days = {}
    for seed, (code, (name, district, options)) in enumerate(HALLS.items(), 1):
        plan = HallDayPlan(seed=seed, day=TODAY, opened=NOW - timedelta(hours=3), now=NOW, **options)  # type: ignore[arg-type]
        days[code] = simulated_day(plan)
        with client(city.url, pki.hall(code), pki.ca_directory / "ca.pem") as http:
            ship_day(http, code, days[code])
        set_hall_profile(city.engine, code, create=True, name=name, district=district, address=f"{district}人民路 {seed} 号")
    return days


@pytest.fixture
def console(qtbot: Any, city: CityServerThread, pki: CityPki) -> CityConsoleWindow:
    window = CityConsoleWindow(CityClient(city.url, credentials(pki.console())), today=TODAY)
    qtbot.addWidget(window)
    return window


def test_the_overview_shows_the_halls_the_api_gives_and_a_double_click_shows_the_queues(
    qtbot: Any, console: CityConsoleWindow, city: CityServerThread, pki: CityPki
) -> None:
    fill_city(city, pki)
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        api = {row["hall"]: row for row in http.get("/city/api/halls").json()["halls"]}
    with qtbot.waitSignal(console.overview_loaded, timeout=15000):
        console.start()
    table = console.overview.table
    shown = [row["hall"] for row in console.overview.rows]
    assert sorted(shown) == sorted(api) == sorted(HALLS)
    assert shown == ["east-1", "east-2", "west-1"]  # by district, then code
    for index, code in enumerate(shown):
        assert table.item(index, 0).text() == f"{HALLS[code][0]}（{code}）"
        assert table.item(index, 1).text() == HALLS[code][1]
        assert table.item(index, 4).text() == str(api[code]["waiting"])
        assert table.item(index, 6).text() == str(api[code]["staffed_windows"])
        assert table.item(index, 7).text() == str(api[code]["open_followups"])
        assert table.item(index, 8).text() == str(api[code]["device_faults"])
    assert api["east-1"]["staffed_windows"] == 5  # six windows, one paused
    assert "1 次设备故障" in table.item(2, 9).text() and hall_level(api["west-1"]) is Level.ALERT
    assert "2 个大厅" not in console.overview.summary.text() and "3 个大厅" in console.overview.summary.text()

    with qtbot.waitSignal(console.hall_loaded, timeout=15000):
        table.cellDoubleClicked.emit(0, 0)
    assert console.tabs.currentWidget() is console.hall
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        live = http.get("/city/api/halls/east-1").json()
    queues = console.hall.queues
    assert [queues.item(r, 0).text() for r in range(queues.rowCount())] == [q["series"] for q in live["queues"]]
    assert [int(queues.item(r, 1).text()) for r in range(queues.rowCount())] == [q["waiting"] for q in live["queues"]]
    assert sum(q["waiting"] for q in live["queues"]) == api["east-1"]["waiting"] > 0
    windows = console.hall.windows.texts(1)
    assert len(windows) == 6 and sum("暂停" in text for text in windows) == 1
    assert console.hall.calls.rowCount() == len(live["recent_calls"]) > 0
    assert "城东区政务服务中心" in console.hall.title.text()


def test_a_report_by_district_equals_the_apis_and_exports_land_in_files(
    qtbot: Any, console: CityConsoleWindow, city: CityServerThread, pki: CityPki, tmp_path: Path
) -> None:
    fill_city(city, pki)
    report = console.report
    report.set_grouping("district")
    with qtbot.waitSignal(report.loaded, timeout=15000):
        report.query()
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        api = http.get(f"/city/api/report?start={TODAY}&end={TODAY}&by=district").json()
    rows = [report_row_from_json(row) for row in api["rows"]]
    assert [r.key for r in rows] == ["城东区", "城西区"]
    table = report.table
    assert table.rowCount() == len(rows) + 1
    for index, row in enumerate(rows):
        assert table.item(index, 0).text() == row.key
        assert int(table.item(index, 1).text()) == row.issued  # 取号数
        assert int(table.item(index, 2).text()) == row.served  # 办结数
        assert table.item(index, 7).text() == (f"{row.satisfaction_rate * 100:.1f}%" if row.satisfaction_rate is not None else "")
    assert int(table.item(len(rows), 2).text()) == report_row_from_json(api["total"]).served
    assert report_row_from_json(api["total"]).served == sum(r.served for r in rows) > 0

    report.choose_path = lambda _parent, suggested: tmp_path / suggested
    with qtbot.waitSignal(report.file_saved, timeout=15000) as saved:
        report.export("csv")
    text = Path(saved.args[0]).read_text(encoding="utf-8-sig")
    assert "城东区" in text and "城西区" in text and len(list(csv.reader(io.StringIO(text)))) >= 3
    with qtbot.waitSignal(report.file_saved, timeout=15000) as saved:
        report.export("xlsx")
    assert openpyxl.load_workbook(saved.args[0]).active is not None

    with qtbot.waitSignal(console.rankings.loaded, timeout=15000):
        console.rankings.query()
    assert console.rankings.tables["satisfaction"].rowCount() == 3
    with qtbot.waitSignal(console.ratings.loaded, timeout=15000):
        console.ratings.query()
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        records = http.get(f"/city/api/ratings?start={TODAY}&end={TODAY}&format=json").json()["records"]
    assert console.ratings.table.rowCount() == len(records) > 0


def test_a_wrong_period_is_refused_before_asking(qtbot: Any, console: CityConsoleWindow) -> None:
    console.report.period.set_period(TODAY, TODAY - timedelta(days=1))
    with qtbot.waitSignal(console.report.failed, timeout=2000):
        console.report.query()
    assert "结束日期早于开始日期" in console.report.message.text() and "ends before" in console.report.message.text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_city_is_said_in_both_languages(qtbot: Any, pki: CityPki) -> None:
    files = pki.console()
    window = CityConsoleWindow(CityClient(f"https://127.0.0.1:{free_port()}", credentials(files)), today=TODAY)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.read_failed, timeout=15000) as failed:
        window.start()
    assert failed.args == ["unreachable"]
    assert window.banner.isVisibleTo(window)
    assert "无法连接市级服务器" in window.banner.text() and "cannot reach the city server" in window.banner.text()
    with qtbot.waitSignal(window.report.failed, timeout=15000):
        window.report.query()
    assert "无法连接市级服务器" in window.report.message.text()


def test_a_halls_certificate_and_a_foreign_certificate_are_refused_in_both_languages(
    qtbot: Any, city: CityServerThread, pki: CityPki, tmp_path: Path
) -> None:
    window = CityConsoleWindow(CityClient(city.url, credentials(pki.hall("east-1"))), today=TODAY)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.read_failed, timeout=15000) as failed:
        window.start()
    assert failed.args == ["wrong_certificate"] and "证书不是本接口所需的类型" in window.banner.text()
    foreign = CityPki(tmp_path / "elsewhere").console()  # another CA's console
    stranger = CityConsoleWindow(
        CityClient(city.url, ConsoleCredentials(foreign.cert, foreign.key, pki.ca_directory / "ca.pem")), today=TODAY
    )
    qtbot.addWidget(stranger)
    with qtbot.waitSignal(stranger.read_failed, timeout=15000) as refused:
        stranger.start()
    assert refused.args[0] in ("certificate_refused", "unreachable"), stranger.banner.text()
    assert "市级" in stranger.banner.text() and "city" in stranger.banner.text()
    missing = CityConsoleWindow(CityClient(city.url, ConsoleCredentials(tmp_path / "no.pem", tmp_path / "no-key.pem", tmp_path / "ca.pem")))
    qtbot.addWidget(missing)
    with qtbot.waitSignal(missing.read_failed, timeout=15000) as unreadable:
        missing.start()
    assert unreadable.args == ["bad_certificate_files"] and "无法读取控制台证书" in missing.banner.text()
