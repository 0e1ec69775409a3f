"""Citizens' bookings in the store: slots and places, verification, limits, cancel and move, and
no overbooking under 200 concurrent verifications on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from db.config_ops import ConfigStore
from db.engine import make_engines
from db.models import Appointment, BookingSlot
from hall.text import HallRuleError
from tests.db.conftest import HallEnv
from tests.support.at_once import at_once

TODAY = date(2026, 11, 17)  # the clock's Tuesday, 10:00 local
C_ITEM = "C02"  # 不动产 抵押登记: 4 primary windows x 30 min / 20 min = 6 services, 60 % for bookings -> 3 places


def book(store: ConfigStore, hall_id: int, phone: str, item: str = C_ITEM, day: date = TODAY, start: str = "1400") -> dict[str, Any]:
    request = store.request_booking(hall_id, item, day, start, "张三", phone)
    return store.verify_booking(hall_id, request["request"], request["verify_code"])


def slot_left(env: HallEnv, start: str, item: str = C_ITEM, day: date = TODAY) -> int:
    slots = env.store.booking_slots(env.hall.hall_id, item, day)["slots"]
    return next(s["left"] for s in slots if s["start"] == start)


def test_slots_show_capacity_from_windows_service_time_and_share(env: HallEnv) -> None:
    data = env.store.booking_slots(env.hall.hall_id, C_ITEM, TODAY)
    by_start = {s["start"]: s for s in data["slots"]}
    assert "12:00" not in by_start and "12:30" not in by_start  # lunch-time service takes no bookings
    assert by_start["14:00"]["capacity"] == 3 and by_start["14:00"]["left"] == 3
    assert by_start["09:00"]["left"] == 0  # started already
    assert by_start["17:30"]["label"] == "17:30-18:00"  # extended hours take bookings too
    saturday = env.store.booking_slots(env.hall.hall_id, C_ITEM, date(2026, 11, 21))["slots"]
    # appointment-only weekend: half the 4 windows staffed, all for bookings: 2 x 30 / 20 = 3
    assert saturday[0]["bookings_only"] and saturday[0]["capacity"] == 3
    days = env.store.booking_days(env.hall.hall_id, C_ITEM)["days"]
    assert days[0]["date"] == TODAY.isoformat() and len(days) == 8 and days[0]["weekday_zh"] == "周二"


def test_a_booking_counts_only_after_its_code(env: HallEnv) -> None:
    hall_id = env.hall.hall_id
    request = env.store.request_booking(hall_id, C_ITEM, TODAY, "14:00", " 张三 ", "+86 138-1234-5678")
    assert request["phone"] == "13812345678" and len(request["verify_code"]) == 6
    assert slot_left(env, "14:00") == 3  # pending holds no place
    with pytest.raises(HallRuleError) as wrong:
        env.store.verify_booking(hall_id, request["request"], "000000" if request["verify_code"] != "000000" else "111111")
    assert wrong.value.code == "wrong_code" and "还可再试 4 次" in wrong.value.message.zh
    booking = env.store.verify_booking(hall_id, request["request"], request["verify_code"])
    assert booking["status"] == "booked" and booking["slot"] == "14:00-14:30" and len(booking["code"]) == 10
    assert booking["item"]["materials"][0] == "不动产权证书" and booking["hall"]["address_zh"]
    assert booking["phone"] == "138****5678" and booking["name"] == "张*"
    assert slot_left(env, "14:00") == 2
    # sent again (a reload): the same booking, no second place
    assert env.store.verify_booking(hall_id, request["request"], request["verify_code"])["code"] == booking["code"]
    assert slot_left(env, "14:00") == 2
    found = env.store.find_booking(hall_id, booking["code"].lower()[:5] + " " + booking["code"][5:], "13812345678")
    assert found["code"] == booking["code"]
    with pytest.raises(HallRuleError) as other_phone:
        env.store.find_booking(hall_id, booking["code"], "13900000000")
    assert other_phone.value.code == "no_booking"
    with env.session() as session:
        row = session.scalar(select(Appointment).where(Appointment.code == booking["code"]))
        assert row is not None and "13812345678" not in (row.phone_hash + row.contact_masked + row.verify_hash)


def test_expired_and_too_many_wrong_codes(env: HallEnv) -> None:
    hall_id = env.hall.hall_id
    request = env.store.request_booking(hall_id, C_ITEM, TODAY, "1500", "李四", "13900001111")
    env.clock.advance(timedelta(minutes=11))
    with pytest.raises(HallRuleError) as expired:
        env.store.verify_booking(hall_id, request["request"], request["verify_code"])
    assert expired.value.code == "code_expired"
    request = env.store.request_booking(hall_id, C_ITEM, TODAY, "1500", "李四", "13900001111")
    wrong = "123456" if request["verify_code"] != "123456" else "654321"
    for _ in range(5):
        with pytest.raises(HallRuleError):
            env.store.verify_booking(hall_id, request["request"], wrong)
    with pytest.raises(HallRuleError) as locked:
        env.store.verify_booking(hall_id, request["request"], request["verify_code"])
    assert locked.value.code == "code_locked"
    assert slot_left(env, "15:00") == 3


def test_one_per_category_and_day_and_a_weekly_limit(env: HallEnv) -> None:
    hall_id = env.hall.hall_id
    book(env.store, hall_id, "13700000001")
    with pytest.raises(HallRuleError) as same_day:
        env.store.request_booking(hall_id, "C01", TODAY, "1600", "王五", "13700000001")
    assert same_day.value.code == "one_per_day"
    book(env.store, hall_id, "13700000001", item="D01", start="1600")  # another category the same day is fine
    with pytest.raises(HallRuleError) as week:
        env.store.request_booking(hall_id, C_ITEM, TODAY + timedelta(days=1), "1000", "王五", "13700000001")
    assert week.value.code == "week_limit" and "每周最多预约 2 次" in week.value.message.zh


def test_full_slot_cancel_and_move(env: HallEnv) -> None:
    hall_id = env.hall.hall_id
    codes = [book(env.store, hall_id, f"1360000000{n}")["code"] for n in range(3)]
    assert slot_left(env, "14:00") == 0
    with pytest.raises(HallRuleError) as full:
        env.store.request_booking(hall_id, C_ITEM, TODAY, "1400", "赵六", "13600000009")
    assert full.value.code == "slot_full"
    cancelled = env.store.cancel_booking(hall_id, codes[0], "13600000000")
    assert cancelled["status"] == "cancelled" and slot_left(env, "14:00") == 1
    with pytest.raises(HallRuleError):
        env.store.move_booking(hall_id, codes[0], "13600000000", TODAY, "1500")  # a cancelled booking stays cancelled
    moved = env.store.move_booking(hall_id, codes[1], "13600000001", TODAY, "15:00")
    assert moved["slot"] == "15:00-15:30" and slot_left(env, "14:00") == 2 and slot_left(env, "15:00") == 2
    with pytest.raises(HallRuleError) as past:
        env.store.move_booking(hall_id, codes[2], "13600000002", TODAY, "0900")
    assert past.value.code == "slot_passed" and slot_left(env, "14:00") == 2


def test_check_in_prints_the_booking_and_its_slot(env: HallEnv) -> None:
    hall_id = env.hall.hall_id
    request = env.store.request_booking(hall_id, C_ITEM, TODAY, "1030", "张三", "13812345678")
    with pytest.raises(HallRuleError) as unverified:
        env.store.check_in(env.device("kiosk"), request["request"][:10])
    assert unverified.value.code in ("unknown_appointment", "bad_code")
    booking = env.store.verify_booking(hall_id, request["request"], request["verify_code"])
    ticket = env.store.check_in(env.device("kiosk"), f"{booking['code'][:5]} {booking['code'][5:].lower()}")
    assert ticket["booking"] == {"code": booking["code"], "slot": "10:30-11:00", "date": "2026-11-17"}
    from ui.slip import ticket_slip

    slip = ticket_slip(ticket, {"name_zh": "示范县"}, [])
    assert slip.booking == f"{booking['code'][:5]} {booking['code'][5:]} 11-17 10:30-11:00"
    assert env.store.find_booking(hall_id, booking["code"], "13812345678")["status"] == "checked_in"


def test_200_concurrent_verifications_for_the_last_10_places(hall_env: HallEnv) -> None:
    """Every verification of 200 races for the last 10 places of one slot; on PostgreSQL through
    two stores with their own engines (two server processes' worth of connections)."""
    env = hall_env
    hall_id = env.hall.hall_id
    # 户籍 G: 2 windows x 30 min / 1 min x 50 % = 30 places; 20 booked first leaves the last 10
    env.store.upsert_category(env.device("manager"), "G", {"expected_service_minutes": 1.0})
    assert slot_left(env, "14:00", item="G01") == 30
    for n in range(20):
        book(env.store, hall_id, f"1350000{n:04d}", item="G01")
    assert slot_left(env, "14:00", item="G01") == 10
    stores = [env.store]
    if env.hall.engines.is_postgres:
        stores.append(ConfigStore(make_engines(env.hall.engines.url), env.clock))
    requests = [env.store.request_booking(hall_id, "G01", TODAY, "1400", "钱七", f"1591111{n:04d}") for n in range(200)]

    def verify(store: ConfigStore, request: dict[str, Any]) -> Any:
        return lambda: store.verify_booking(hall_id, request["request"], request["verify_code"])

    outcomes = at_once([verify(stores[i % len(stores)], r) for i, r in enumerate(requests)])
    booked = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, HallRuleError)]
    assert len(booked) == 10 and len(refused) == 190, [o for o in outcomes if not isinstance(o, dict | HallRuleError)][:3]
    assert {e.code for e in refused} == {"slot_full"}
    with env.session() as session:
        row = session.scalar(select(BookingSlot).where(BookingSlot.booked > 20))
        assert row is not None and row.booked == 30
        assert session.scalar(select(Appointment.id).where(Appointment.status == "booked").order_by(Appointment.id.desc())) is not None
        booked_rows = session.scalars(select(Appointment).where(Appointment.status == "booked", Appointment.item_code == "G01")).all()
        assert len(booked_rows) == 30
    for store in stores[1:]:
        store.engines.dispose()
