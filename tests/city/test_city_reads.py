"""The city's read API: only a console reads; a city report of a hall's day equals the hall's own
report of that day (the same definitions, tests/city/test_shipper.py's real hall shipping to it)."""

from __future__ import annotations

import io
import math
from datetime import date

import pytest
from openpyxl import load_workbook

from city.profiles import set_hall_profile
from city.reports import CityDimension, city_report, followups_on_time_rate
from city.runner import CityServerThread
from db.reports.queries import ReportQueries
from hall.reports import Dimension, ReportRequest, ReportRow, report_row_from_json
from hall.text import HallRuleError
from server.city_link import start_city_shipper
from server.runner import Hall
from tests.city.test_shipper import caught_up, hall, link_config, wait_for
from tests.support.city import CityPki, client, event

__all__ = ["hall"]  # the fixture, imported for these tests
DAY = date(2026, 11, 17)


def a_served_day(hall: Hall) -> None:
    """Eight citizens at three windows: finished, rated (one 差评 followed up), a no-show, a pause."""
    store = hall.store
    device = {
        role: store.authenticate(store.enroll_device(None, hall.hall_id, role, f"{role} {window}", window)["token"])
        for role, window in (("kiosk", None), ("counter", 1), ("counter", 2), ("pad", 1), ("pad", 2), ("manager", None))
    }
    for _ in range(8):
        store.issue_ticket(device["kiosk"], "A")
    clerk = store.authenticate(store.login(device["counter"], "1002", "1002")["token"])
    assert clerk is not None
    levels = ["very_satisfied", "satisfied", "dissatisfied", "basically_satisfied", "very_satisfied"]
    for index, level in enumerate(levels):
        store.call_next(clerk, 2)
        store.start(clerk, 2)
        service_id = store.finish(clerk, 2, "immediate" if index % 2 else "promised")["service_id"]
        rated = store.rate(device["pad"], service_id, level)
        if rated["followup"]:
            store.update_followup(device["manager"], rated["followup"]["id"], "resolved", notes="已回访")
    store.call_next(clerk, 2)
    store.no_show(clerk, 2)
    store.pause(clerk, 2, "午休")
    store.resume(clerk, 2)


def ship(hall: Hall, city: CityServerThread, pki: CityPki) -> str:
    code = hall.config.code
    shipper = start_city_shipper(hall.store, hall.hall_id, link_config(city, pki, code))
    try:
        wait_for(caught_up(city, hall, code))
    finally:
        shipper.stop()
    return code


def same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6))


def assert_same_figures(hall_row: ReportRow, city_row: ReportRow) -> None:
    assert city_row.served == hall_row.served
    assert city_row.ratings == hall_row.ratings
    assert same(city_row.satisfaction_rate, hall_row.satisfaction_rate)
    assert same(city_row.rating_rate, hall_row.rating_rate)
    assert same(city_row.mean_score, hall_row.mean_score)
    assert city_row.outcomes == hall_row.outcomes
    for name in ("count", "mean", "median", "p90", "max"):
        assert same(getattr(city_row.wait, name), getattr(hall_row.wait, name)), name
        assert same(getattr(city_row.service, name), getattr(hall_row.service, name)), name
    assert (city_row.followups_on_time, city_row.followups_overdue, city_row.followups_open) == (
        hall_row.followups_on_time,
        hall_row.followups_overdue,
        hall_row.followups_open,
    )


def test_a_city_report_of_a_halls_day_equals_the_halls_own(hall: Hall, city: CityServerThread, pki: CityPki) -> None:
    a_served_day(hall)
    code = ship(hall, city, pki)
    set_hall_profile(city.engine, code, create=True, name="城东便民服务中心", district="城东区")
    queries = ReportQueries(hall.store, use_rollups=False)
    own = queries.report(hall.hall_id, ReportRequest(DAY, DAY, Dimension.HALL)).total
    by_hall = city_report(city.engine, DAY, DAY, CityDimension.HALL, DAY)
    (row,) = by_hall.rows
    assert row.key == code and row.label.zh == "城东便民服务中心"
    assert_same_figures(own, row)
    assert row.issued == own.issued == 8 and row.no_shows == own.no_shows == 1
    assert (row.pause_count, row.served, row.bad_ratings) == (own.pause_count, 5, 1)
    assert followups_on_time_rate(row) == 1.0
    for city_by, hall_by in ((CityDimension.CATEGORY, Dimension.CATEGORY), (CityDimension.DEPARTMENT, Dimension.DEPARTMENT)):
        hall_rows = {r.key: r for r in queries.report(hall.hall_id, ReportRequest(DAY, DAY, hall_by)).rows if r.served}
        city_rows = {r.key: r for r in city_report(city.engine, DAY, DAY, city_by, DAY).rows if r.served}
        assert hall_rows.keys() == city_rows.keys() and hall_rows
        for key, hall_row in hall_rows.items():
            assert_same_figures(hall_row, city_rows[key])
    (district,) = city_report(city.engine, DAY, DAY, CityDimension.DISTRICT, DAY).rows
    assert district.key == "城东区" and district.served == 5


def test_only_a_city_console_reads_and_a_hall_reads_nothing(hall: Hall, city: CityServerThread, pki: CityPki) -> None:
    a_served_day(hall)
    code = ship(hall, city, pki)
    reads = [
        "/city/api/halls",
        f"/city/api/halls/{code}",
        f"/city/api/report?start={DAY}&end={DAY}&by=category",
        f"/city/api/rankings?start={DAY}&end={DAY}",
        f"/city/api/ratings?start={DAY}&end={DAY}&format=json",
        f"/city/api/report.csv?start={DAY}&end={DAY}",
    ]
    with client(city.url, pki.hall(code), pki.ca_directory / "ca.pem") as http:
        for path in reads:  # not even its own hall
            response = http.get(path)
            assert response.status_code == 403 and response.json()["error"] == "wrong_certificate", path
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        live = http.get(f"/city/api/halls/{code}").json()
        report = http.get(f"/city/api/report?start={DAY}&end={DAY}&by=category").json()
        rankings = http.get(f"/city/api/rankings?start={DAY}&end={DAY}").json()["rankings"]
        ratings = http.get(f"/city/api/ratings?start={DAY}&end={DAY}&format=json")
        xlsx = http.get(f"/city/api/report.xlsx?start={DAY}&end={DAY}&by=hall")
        bad = http.get(f"/city/api/report?start={DAY}&end=2026-11-01&by=category")
        unknown = http.get(f"/city/api/report?start={DAY}&end={DAY}&by=planet")
        missing = http.get("/city/api/halls/nowhere")
    assert [w["window"] for w in live["windows"]] == [2] and live["windows"][0]["served_today"] == 5
    assert [c["status"] for c in live["recent_calls"]][:1] == ["no_show"]
    assert sum(q["waiting"] for q in live["queues"]) == 2
    assert any(a["kind"] == "followups" for a in live["alerts"]) is False  # the one 差评 was followed up
    total = report_row_from_json(report["total"])
    assert total.served == 5 and total.rated == 5
    assert [r["code"] for r in rankings] == ["satisfaction", "mean_wait", "followups_on_time"]
    assert rankings[0]["entries"][0]["hall"] == code and rankings[0]["entries"][0]["value"] == pytest.approx(0.8)
    records = ratings.json()["records"]
    assert len(records) == 5 and all(r["case_no"].startswith(f"{code}-20261117-") for r in records)
    assert load_workbook(io.BytesIO(xlsx.content)).active is not None
    assert bad.status_code == 422 and "早于" in bad.json()["message"]["zh"]
    assert unknown.status_code == 422 and unknown.json()["error"] == "bad_dimension"
    assert missing.status_code == 404 and "nowhere" in missing.json()["message"]["en"]


def test_a_hall_profile_is_set_by_the_operator_and_bad_input_changes_nothing(city: CityServerThread, pki: CityPki) -> None:
    set_hall_profile(city.engine, "hall-a", create=True, name="甲大厅", district="城东区", address="东大街 1 号")
    with pytest.raises(HallRuleError) as exists:
        set_hall_profile(city.engine, "hall-a", create=True, name="重复")
    assert exists.value.code == "hall_exists"
    with pytest.raises(HallRuleError):
        set_hall_profile(city.engine, "hall-a", create=False, district="x" * 61)
    with pytest.raises(HallRuleError):
        set_hall_profile(city.engine, "nope", create=False, district="城西区")
    changed = set_hall_profile(city.engine, "hall-a", create=False, district="城西区")
    assert changed == {"hall": "hall-a", "name": "甲大厅", "district": "城西区", "address": "东大街 1 号"}
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        assert http.post("/city/api/ingest", json={"hall": "hall-a", "head_seq": 1, "events": [event(1)]}).status_code == 200
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        set_hall_profile(city.engine, "hall-b", create=True, name="乙大厅", district="城东区")
        halls = {h["hall"]: h for h in http.get("/city/api/halls").json()["halls"]}
    assert halls["hall-a"]["district"] == "城西区" and halls["hall-a"]["name"] == "甲大厅" and halls["hall-a"]["waiting"] == 1
    assert halls["hall-b"]["link"] == "never"
