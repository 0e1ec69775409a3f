"""爽约 counting and suspension, and the retention of personal data (个人信息保护法), in the store:
each run idempotent, run by the day's rollover and by the manager's housekeeping call."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.booking_staff import BookingStaffOps
from db.models import Appointment, BookingNoShow, Ticket
from hall.booking import booking_from_json
from hall.no_shows import suspended_until
from tests.db.conftest import HallEnv

TUE = date(2026, 11, 17)
PHONE = "13812345678"


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh - 8, mm, tzinfo=UTC)  # hall time is UTC+8


def book(env: HallEnv, day: date, phone: str = PHONE, start: str = "1400") -> str:
    made = env.store.request_booking(env.hall_id, "C02", day, start, "张三", phone)
    return str(env.store.verify_booking(env.hall_id, made["request"], made["verify_code"])["code"])


def test_suspension_rule_counts_m_no_shows_within_the_window() -> None:
    rule = booking_from_json({"no_show_limit": 3, "no_show_window_days": 90, "suspend_days": 30})
    days = [date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5)]
    assert suspended_until(days, rule, date(2026, 3, 6)) == date(2026, 4, 4)
    assert suspended_until(days, rule, date(2026, 4, 4)) is None  # served its 30 days
    assert suspended_until(days[:2], rule, date(2026, 3, 6)) is None  # two are not three
    spread = [date(2026, 1, 5), date(2026, 3, 5), date(2026, 5, 5)]  # three, but never three in 90 days
    assert suspended_until(spread, rule, date(2026, 5, 6)) is None


def test_a_booking_not_checked_in_is_a_no_show_once_and_three_suspend_the_number(env: HallEnv) -> None:
    ops = BookingStaffOps(env.store)
    days = [TUE, TUE + timedelta(days=1), TUE + timedelta(days=2)]
    for day in days:
        env.clock.set(at(day, 10))
        book(env, day)
        env.clock.set(at(day, 14, 59))  # the slot ends 14:30; the late window of 30 minutes is still open
        assert ops.housekeeping(env.manager)["no_shows"] == 0
        env.clock.set(at(day, 15, 1))
        assert ops.housekeeping(env.manager)["no_shows"] == 1
        assert ops.housekeeping(env.manager)["no_shows"] == 0  # idempotent
    assert [r.status for r in env.rows(Appointment)] == ["no_show"] * 3
    assert len(env.rows(BookingNoShow)) == 3
    env.clock.set(at(days[-1] + timedelta(days=1), 10))
    with env.refused("booking_suspended", 403) as refused:
        env.store.request_booking(env.hall_id, "C02", days[-1] + timedelta(days=1), "1400", "张三", PHONE)
    until = days[-1] + timedelta(days=30)
    assert f"{until.year}年{until.month}月{until.day}日起可再预约" in refused.value.message.zh
    assert until.isoformat() in refused.value.message.en
    with env.refused("booking_suspended", 403):
        ops.phone_booking(env.manager, "C02", days[-1] + timedelta(days=1), "1400", "张三", PHONE)
    book(env, days[-1] + timedelta(days=1), phone="13900001111")  # another number books as before


def test_the_rollover_counts_yesterdays_no_shows_and_a_checked_in_booking_is_not_one(env: HallEnv) -> None:
    env.clock.set(at(TUE, 10))
    missed = book(env, TUE)
    kept = book(env, TUE, phone="13900001111", start="1030")
    env.clock.set(at(TUE, 10, 25))
    env.store.check_in(env.kiosk, kept)
    env.clock.set(at(TUE + timedelta(days=1), 9))
    env.issue("A")  # the first write of the day rolls over
    status = {r.code: r.status for r in env.rows(Appointment)}
    assert status[missed] == "no_show" and status[kept] == "booked"


def test_personal_fields_older_than_the_retention_limit_are_erased_and_statistics_stay(env: HallEnv) -> None:
    ops = BookingStaffOps(env.store)
    env.clock.set(at(TUE, 10))
    old = book(env, TUE)
    ticket = env.issue("A")
    with env.hall.engines.write.begin() as connection:
        connection.execute(update(Ticket).where(Ticket.id == ticket["id"]).values(note="身份证 110101199003074514 电话 13812345678", id_hash="a" * 64, id_masked="3701**********1234"))
        connection.execute(update(Appointment).where(Appointment.code == old).values(id_hash="b" * 64))
    newer_day = TUE + timedelta(days=29)  # a Monday
    env.clock.set(at(newer_day, 10))
    newer = book(env, newer_day, phone="13900001111")
    env.clock.set(at(TUE + timedelta(days=31), 10))
    before = env.last_seq()
    ops.housekeeping(env.manager)  # its write rolls the day over, which runs the erasure first
    erased = [e for e in env.events(before) if e["kind"] == "personal_data_erased"]
    assert len(erased) == 1 and erased[0]["data"]["bookings"] == 1 and erased[0]["data"]["tickets"] == 1
    rows = {r.code: r for r in env.rows(Appointment)}
    gone = rows[old]
    assert (gone.name_masked, gone.contact_masked, gone.phone_hash, gone.verify_hash, gone.request_token) == ("", "", "", "", None)
    assert gone.id_hash == "" and (env.ticket(ticket["id"]).id_hash, env.ticket(ticket["id"]).id_masked) == ("", "")  # 一人一号's card
    assert gone.slot_at == at(TUE, 14) and gone.item_code == "C02"  # the booking still counts in the figures
    kept = rows[newer]
    assert kept.name_masked == "张*" and kept.contact_masked == "139****1111" and kept.phone_hash
    assert env.ticket(ticket["id"]).note == "" and env.ticket(ticket["id"]).display_number.startswith("A")
    again = ops.housekeeping(env.manager)["erased"]
    assert set(again.values()) == {0}  # idempotent


def test_retention_is_the_halls_setting_and_no_show_records_end_with_the_rule(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"privacy": {"retention_days": 7}, "booking": {"no_show_window_days": 10, "suspend_days": 5}})
    ops = BookingStaffOps(env.store)
    assert ops.settings(env.hall_id)["privacy"] == {"retention_days": 7}
    env.clock.set(at(TUE, 10))
    code = book(env, TUE)
    env.clock.set(at(TUE, 16))
    assert ops.housekeeping(env.manager)["no_shows"] == 1
    env.clock.set(at(TUE + timedelta(days=8), 10))
    ops.housekeeping(env.manager)  # (its write rolls the day over, which erases first)
    assert env.rows(Appointment, Appointment.code == code)[0].contact_masked == ""  # 8 days > 7
    assert len(env.rows(BookingNoShow)) == 1  # the rule may still count it (10 + 5 days)
    env.clock.set(at(TUE + timedelta(days=16), 10))
    ops.housekeeping(env.manager)
    assert env.rows(BookingNoShow) == [] and env.rows(Appointment, Appointment.code == code)[0].status == "no_show"


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"privacy": {"retention_days": 0}}, "privacy.retention_days"),
        ({"privacy": {"keep": 3}}, "privacy"),
        ({"booking": {"no_show_limit": 0}}, "booking.no_show_limit"),
        ({"booking": {"share": 2}}, "booking.share"),
        ({"hours": {"closed_dates": ["2026-13-01"]}}, "hours.closed_dates"),
        ({"hours": {"closed_dates": ["2026-10-01"], "extra_workdays": ["2026-10-01"]}}, "hours"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(env: HallEnv, changes: dict[str, object], where: str) -> None:
    before = BookingStaffOps(env.store).settings(env.hall_id)
    with env.refused("bad_config", 422) as refused:
        env.store.update_hall(env.manager, changes)
    assert where in refused.value.message.en
    assert BookingStaffOps(env.store).settings(env.hall_id) == before


def test_settings_and_the_holiday_calendar_through_the_config_api(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"booking": {"share": 0.4, "per_week": 3}, "hours": {"closed_dates": ["2026-11-20"], "extra_workdays": ["2026-11-22"]}})
    settings = BookingStaffOps(env.store).settings(env.hall_id)
    assert settings["booking"]["share"] == 0.4 and settings["booking"]["per_week"] == 3 and settings["booking"]["shares"] == {"C": 0.6}
    assert settings["closed_dates"] == ["2026-11-20"] and settings["extra_workdays"] == ["2026-11-22"]
    days = [d["date"] for d in env.store.booking_days(env.hall_id, "C02")["days"]]
    assert "2026-11-20" not in days and "2026-11-22" in days
    with env.session() as session:
        assert session.scalar(select(Appointment.id)) is None
