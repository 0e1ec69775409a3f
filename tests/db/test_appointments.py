"""预约: appointments are stored masked, checked in at the kiosk, and called when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models import Appointment, Ticket
from hall.booking import CODE_ALPHABET
from tests.db.conftest import HallEnv


def book(env: HallEnv, minutes_from_now: float, series: str = "C", **kwargs: str) -> dict:
    return env.store.add_appointment(env.manager, series, env.clock.now() + timedelta(minutes=minutes_from_now), **kwargs)


def test_appointment_keeps_only_masked_personal_data(env: HallEnv) -> None:
    result = book(env, 30, name="张三丰", phone="138-1234-5678", item_code="C01", channel="phone")
    assert (result["name"], result["phone"]) == ("张**", "138****5678")
    assert len(result["code"]) == 10 and all(ch in CODE_ALPHABET for ch in result["code"])  # not a guessable 6-digit number
    (row,) = env.rows(Appointment)
    assert (row.name_masked, row.contact_masked, row.channel, row.item_code) == ("张**", "138****5678", "phone", "C01")
    stored = " ".join(str(v) for v in vars(row).values())
    assert "12345678" not in stored and "三丰" not in stored
    event = env.events()[-1]
    assert event["kind"] == "appointment_added" and event["data"]["series"] == "C"
    assert result["code"] not in str(event) and "张" not in str(event) and "5678" not in str(event)  # the stream reaches displays
    with env.refused("not_found", 404):
        book(env, 30, series="Z")


def test_check_in_issues_an_appointment_ticket(env: HallEnv) -> None:
    booking = book(env, 20, item_code="C02")
    ticket = env.store.check_in(env.kiosk, f" {booking['code']} ")
    assert ticket["number"] == "C001" and ticket["source"] == "appointment" and ticket["items"] == ["C02"]
    assert ticket["appointment_at"] == booking["slot_at"]
    (row,) = env.rows(Appointment)
    assert row.ticket_id == ticket["id"] and row.checked_in_at == env.clock.now()
    assert env.events()[-1]["kind"] == "ticket_issued"


def test_check_in_twice_is_refused(env: HallEnv) -> None:
    booking = book(env, 20)
    env.store.check_in(env.kiosk, booking["code"])
    with env.refused("already_checked_in", 409) as caught:
        env.store.check_in(env.kiosk, booking["code"])
    assert "C001" in caught.value.message.zh
    assert len(env.rows(Ticket)) == 1


def test_check_in_on_the_wrong_day_is_refused(env: HallEnv) -> None:
    tomorrow = book(env, 24 * 60)
    with env.refused("wrong_day", 409) as caught:
        env.store.check_in(env.kiosk, tomorrow["code"])
    assert "2026-11-18" in caught.value.message.zh
    # the business day is the hall's local date (slots lie within the hall's hours): 10:30 UTC is
    # 18:30 today in Shanghai (extended hours), 00:45 UTC on the 18th is 08:45 tomorrow
    late_tonight = env.store.add_appointment(env.manager, "C", datetime(2026, 11, 17, 10, 30, tzinfo=UTC))
    assert env.store.check_in(env.kiosk, late_tonight["code"])["number"] == "C001"
    after_midnight = env.store.add_appointment(env.manager, "C", datetime(2026, 11, 18, 0, 45, tzinfo=UTC))
    with env.refused("wrong_day"):
        env.store.check_in(env.kiosk, after_midnight["code"])
    with env.refused("unknown_appointment", 404):
        env.store.check_in(env.kiosk, "no-such-code")


def test_check_in_on_an_appointment_only_weekend(env: HallEnv) -> None:
    env.clock.set(datetime(2026, 11, 21, 2, 0, tzinfo=UTC))  # Saturday 10:00: appointments only
    with env.refused("hall_not_taking_walk_ins"):
        env.store.issue_ticket(env.kiosk, "C")
    booking = book(env, 10)
    ticket = env.store.check_in(env.kiosk, booking["code"])
    assert ticket["number"] == "C001" and ticket["hall_period"] == "appointment_only"


def test_due_appointment_is_called_before_walk_ins(env: HallEnv) -> None:
    env.issue("C", advance=600)  # C001 walk-in, waiting 10+ minutes
    env.issue("C", advance=60)  # C002
    due = book(env, 10)  # inside the 15-minute grace
    not_due = book(env, 90)
    env.store.check_in(env.kiosk, not_due["code"])  # C003
    env.store.check_in(env.kiosk, due["code"])  # C004
    clerk = env.clerk(5)
    called = []
    for _ in range(4):
        called.append(env.store.call_next(clerk, 5)["ticket"]["number"])
        env.store.no_show(clerk, 5)
    assert called == ["C004", "C001", "C002", "C003"]


def test_due_appointments_go_by_slot_not_by_arrival(env: HallEnv) -> None:
    env.store.check_in(env.kiosk, book(env, 70)["code"])  # C001 at 10:00 for the 11:10 slot
    env.advance(minutes=1)
    env.issue("C")  # C002, a walk-in
    env.store.check_in(env.kiosk, book(env, 59)["code"])  # C003 at 10:02 for the 11:00 slot
    env.advance(minutes=54)  # 10:56: both slots are within the 15-minute grace
    clerk = env.clerk(6)
    called = []
    for _ in range(3):
        called.append(env.store.call_next(clerk, 6)["ticket"]["number"])
        env.store.no_show(clerk, 6)
    assert called == ["C003", "C001", "C002"]
