"""The manager's 预约 API over real HTTP: the calendar, a day's bookings and their CSV (numbers
masked), 电话预约 with its audit, the settings through the config API, housekeeping, the role
checks (kiosk, clerk, pad and display tokens refused), bad input, and the /b page's refusal of
a number suspended for 爽约."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Appointment, AuditEntry
from hall.clock import FakeClock
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall
PHONE = "13812345678"


def hall_time(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh - 8, mm, tzinfo=UTC)


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[HallServer]:
    server = HallServer(f"sqlite:///{tmp_path / 'hall.db'}", "sqlite", clock=FakeClock(START))
    try:
        yield server
    finally:
        server.close()


def phone_booking(client: HallClient, day: str = "2026-11-17", start: str = "14:00", phone: str = PHONE, name: str = "张三") -> Any:
    return client.request("POST", "/api/bookings/phone", {"item": "C02", "day": day, "start": start, "name": name, "phone": phone})


def appointments(hall: HallServer) -> int:
    with Session(hall.engines.read) as session:
        return int(session.scalar(select(func.count()).select_from(Appointment)) or 0)


def test_a_phone_booking_shows_in_the_calendar_and_the_day_list_masked(hall: HallServer) -> None:
    made = phone_booking(hall.manager)
    assert made["status"] == "booked" and made["slot"] == "14:00-14:30" and made["phone"] == "138****5678" and made["name"] == "张*"
    calendar = hall.manager.request("GET", "/api/bookings/calendar?start=2026-11-17&days=2")
    today = calendar["days"][0]
    assert today["date"] == "2026-11-17" and today["weekday_zh"] == "周二" and len(calendar["days"]) == 2
    slot = next(s for s in today["slots"] if s["start"] == "14:00")
    cell = next(c for c in slot["cells"] if c["series"] == "C")
    assert cell == {"series": "C", "capacity": 3, "booked": 1, "checked_in": 0, "no_show": 0, "fill": 0.333}
    assert today["booked"] == 1 and today["capacity"] > 3
    listed = hall.manager.request("GET", "/api/bookings/day?day=2026-11-17")
    assert listed == [
        {"code": made["code"], "series": "C", "item": "C02", "slot": "14:00", "status": "booked", "channel": "phone", "name": "张*", "phone": "138****5678"}
    ]
    export = httpx.get(f"{hall.url}/api/bookings/day.csv?day=2026-11-17", headers={"Authorization": f"Bearer {hall.manager.token}"})
    assert export.status_code == 200 and "138****5678" in export.content.decode("utf-8-sig") and PHONE not in export.text
    audit = hall.manager.request("GET", "/api/audit")
    entry = next(a for a in audit if a["action"] == "phone_booking")
    assert "138****5678" in str(entry) and PHONE not in str(entry) and "manager" in str(entry)
    with Session(hall.engines.read) as session:
        for row in session.scalars(select(AuditEntry)):
            assert PHONE not in str(row.detail)
        for row in session.scalars(select(Appointment)):
            assert PHONE not in f"{row.name_masked}{row.contact_masked}{row.phone_hash}"


def test_the_phone_form_lists_items_days_and_slots_with_places_left(hall: HallServer) -> None:
    items = hall.manager.request("GET", "/api/bookings/items")
    assert any(i["code"] == "C02" for c in items["categories"] for i in c["items"])
    days = hall.manager.request("GET", "/api/bookings/days?item=C02")["days"]
    assert days[0]["date"] == "2026-11-17"
    slots = hall.manager.request("GET", "/api/bookings/slots?item=C02&day=2026-11-17")["slots"]
    assert next(s for s in slots if s["start"] == "14:00")["left"] == 3
    settings = hall.manager.request("GET", "/api/bookings/settings")
    assert settings["booking"]["no_show_limit"] == 3 and settings["privacy"] == {"retention_days": 30}
    assert "_phone_key" not in str(settings)
    hall.manager.request("PUT", "/api/config/hall", {"booking": {"per_week": 4}, "privacy": {"retention_days": 60}, "hours": {"closed_dates": ["2026-11-19"]}})
    settings = hall.manager.request("GET", "/api/bookings/settings")
    assert settings["booking"]["per_week"] == 4 and settings["privacy"]["retention_days"] == 60 and settings["closed_dates"] == ["2026-11-19"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/bookings/calendar?start=2026-11-17", None),
        ("GET", "/api/bookings/day?day=2026-11-17", None),
        ("GET", "/api/bookings/day.csv?day=2026-11-17", None),
        ("GET", "/api/bookings/settings", None),
        ("GET", "/api/bookings/slots?item=C02&day=2026-11-17", None),
        ("POST", "/api/bookings/phone", {"item": "C02", "day": "2026-11-17", "start": "14:00", "name": "张三", "phone": PHONE}),
        ("POST", "/api/bookings/housekeeping", None),
    ],
)
def test_only_the_manager_may_use_the_booking_staff_api(hall: HallServer, method: str, path: str, body: Any) -> None:
    others = [hall.client(hall.token("kiosk", "kiosk")), hall.clerk(1), hall.client(hall.token("pad", "pad 1", 1)), hall.client(hall.token("display", "d"))]
    for client in others:
        with pytest.raises(ApiError) as refused:
            client.request(method, path, body)
        assert refused.value.status == 403 and "无权" in refused.value.zh
    with pytest.raises(ApiError) as anonymous:
        hall.client(None).request(method, path, body)
    assert anonymous.value.status == 401
    assert appointments(hall) == 0


@pytest.mark.parametrize(
    ("fields", "status", "zh"),
    [
        ({"phone": "12345678901"}, 422, "手机号码"),
        ({"phone": "1381234567"}, 422, "手机号码"),
        ({"name": "<script>alert(1)</script>"}, 422, ""),
        ({"name": "<b>王</b>"}, 422, "姓名只能包含文字"),
        ({"name": "张" * 21}, 422, "姓名最多 20 个字"),
        ({"day": "2026-13-01"}, 422, "日期"),
        ({"day": "2026-11-16"}, 409, "已开始或已过"),
        ({"start": "09:00"}, 409, "已开始或已过"),
        ({"start": "12:15"}, 404, "该时段不可预约"),
        ({"item": "ZZ99"}, 404, "找不到该事项"),
        ({"day": "2026-12-30"}, 422, "天内的时段"),
    ],
)
def test_bad_phone_booking_input_is_refused_in_both_languages_and_changes_nothing(
    hall: HallServer, fields: dict[str, str], status: int, zh: str
) -> None:
    body = {"item": "C02", "day": "2026-11-17", "start": "14:00", "name": "张三", "phone": PHONE, **fields}
    with pytest.raises(ApiError) as refused:
        hall.manager.request("POST", "/api/bookings/phone", body)
    assert refused.value.status == status and zh in refused.value.zh and refused.value.en
    assert appointments(hall) == 0


def test_no_slot_is_booked_past_its_capacity_by_phone(hall: HallServer) -> None:
    for n in range(3):
        phone_booking(hall.manager, phone=f"1390000000{n}")
    with pytest.raises(ApiError) as full:
        phone_booking(hall.manager, phone="13900000009")
    assert full.value.status == 409 and "已约满" in full.value.zh
    assert appointments(hall) == 3


def test_three_no_shows_suspend_the_number_and_the_booking_page_says_until_when(hall: HallServer) -> None:
    clock = hall.hall.store.clock
    for day in (17, 18, 19):
        clock.set(hall_time(day, 10))
        phone_booking(hall.manager, day=f"2026-11-{day}")
        clock.set(hall_time(day, 15, 5))
        assert hall.manager.request("POST", "/api/bookings/housekeeping")["no_shows"] == 1
    calendar = hall.manager.request("GET", "/api/bookings/calendar?start=2026-11-17&days=3")
    assert [d["no_show"] for d in calendar["days"]] == [1, 1, 1]
    clock.set(hall_time(20, 10))
    before = appointments(hall)
    form = {"item": "C02", "day": "2026-11-20", "start": "1400", "name": "张三", "phone": PHONE, "lang": "zh"}
    page = httpx.post(f"{hall.url}/b/request", data=form)
    assert page.status_code == 403
    assert "爽约 3 次" in page.text and "2026年12月19日起可再预约" in page.text and "2026-12-19" in page.text
    with pytest.raises(ApiError) as refused:
        phone_booking(hall.manager, day="2026-11-20")
    assert refused.value.status == 403 and "2026年12月19日" in refused.value.zh
    assert appointments(hall) == before
