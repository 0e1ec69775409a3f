"""The text-message outbox: queued in the same transaction as bookings and calls, one message per
event, reminders moved and cancelled with their booking, retries with backoff, give-up and resend,
and the number in clear erased once nothing is left to send."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.booking_staff import BookingStaffOps
from db.models import Notification, NotifyContact
from hall.sms import SmsSettings, backoff_seconds, parse_sms, render
from hall.text import HallRuleError
from server.notify.gateways import GatewayError, LogGateway, Sms
from server.notify.sender import NotifySender, sms_settings_from_environment
from tests.db.conftest import HallEnv

TODAY = date(2026, 11, 17)  # the clock's Tuesday, 10:00 local
TOMORROW = TODAY + timedelta(days=1)
PHONE = "13812345678"


def messages(env: HallEnv) -> list[Notification]:
    with env.session() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def book(env: HallEnv, day: date = TOMORROW, start: str = "1400") -> dict[str, Any]:
    request = env.store.request_booking(env.hall_id, "C02", day, start, "张三", PHONE)
    return env.store.verify_booking(env.hall_id, request["request"], request["verify_code"])


class FlakyGateway:
    """Fails the first ``failures`` sends, then takes every message (kept by request id)."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.taken: list[Sms] = []
        self.refused = 0

    def send(self, sms: Sms) -> None:
        if self.refused < self.failures:
            self.refused += 1
            raise GatewayError("HTTP 500")
        self.taken.append(sms)


def test_booking_messages_and_reminders_follow_the_booking(env: HallEnv) -> None:
    booking = book(env)
    kinds = [(m.kind, m.status) for m in messages(env)]
    assert kinds == [("booking_confirmed", "pending"), ("remind_day", "pending"), ("remind_hour", "pending")]
    confirmed, day_before, hour_before = messages(env)
    assert confirmed.phone_masked == "138****5678" and confirmed.params["code"] == booking["code"]
    assert day_before.due_at.astimezone(ZoneInfo("Asia/Shanghai")) == datetime(2026, 11, 17, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert hour_before.due_at == day_before.due_at + timedelta(hours=19)  # 18:00 the day before -> 13:00
    env.store.move_booking(env.hall_id, booking["code"], PHONE, TOMORROW, "1500")
    status = [(m.kind, m.status) for m in messages(env)]
    assert status[:3] == [("booking_confirmed", "pending"), ("remind_day", "cancelled"), ("remind_hour", "cancelled")]
    assert status[3:] == [("booking_moved", "pending"), ("remind_day", "pending"), ("remind_hour", "pending")]
    assert messages(env)[-1].due_at == hour_before.due_at + timedelta(hours=1)
    env.store.cancel_booking(env.hall_id, booking["code"], PHONE)
    env.store.cancel_booking(env.hall_id, booking["code"], PHONE)  # again: nothing more
    status = [(m.kind, m.status) for m in messages(env)]
    assert status[-1] == ("booking_cancelled", "pending") and status.count(("booking_cancelled", "pending")) == 1
    assert [s for s in status if s[0].startswith("remind")] == [(k, "cancelled") for k in ("remind_day", "remind_hour")] * 2


def test_a_booking_made_too_late_for_a_reminder_gets_none(env: HallEnv) -> None:
    book(env, day=TODAY, start="1030")  # 10:00 now: the hour-before reminder (9:30) has passed
    assert [m.kind for m in messages(env)] == ["booking_confirmed"]


def test_kiosk_number_gets_soon_then_called_once_each(env: HallEnv) -> None:
    tickets = [env.issue("A", advance=30) for _ in range(6)]
    mine = tickets[4]["ticket"] if "ticket" in tickets[4] else tickets[4]
    env.store.sign_up_ticket(env.hall_id, mine["id"], "+86 139-0000-1111")
    with env.refused("bad_phone"):
        env.store.sign_up_ticket(env.hall_id, mine["id"], "12345")
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)  # A001 called: 3 ahead of A005 (A002-A004)
    assert [(m.kind, m.params) for m in messages(env)] == [("soon", {"number": mine["number"], "ahead": "3"})]
    for _ in range(4):
        env.store.start(clerk, 2)
        env.store.finish(clerk, 2, "immediate")
        env.store.call_next(clerk, 2)
    kinds = [m.kind for m in messages(env)]
    assert kinds == ["soon", "called"]  # one 即将到号 however many calls pass, one 请到 N 号窗口
    called = messages(env)[-1]
    assert called.params == {"number": mine["number"], "window": "2"} and called.phone_masked == "139****1111"
    text = render(SmsSettings(), "called", "示范政务服务中心", called.params)
    assert text == f"【示范政务服务中心】请{mine['number']}号到2号窗口办理。"


def test_sender_retries_with_backoff_gives_up_and_a_manager_resends(env: HallEnv) -> None:
    book(env)
    gateway = FlakyGateway(failures=3)
    sender = NotifySender(env.store, gateway, SmsSettings(max_attempts=3), erase_every=0)
    assert sender.run_once() == 1  # only the confirmation is due; it fails
    (confirmed, *_reminders) = messages(env)
    assert confirmed.status == "failed" and confirmed.attempts == 1 and confirmed.last_error == "HTTP 500"
    assert sender.run_once() == 0  # backing off
    env.advance(seconds=backoff_seconds(1))
    sender.run_once()
    env.advance(seconds=backoff_seconds(2))
    sender.run_once()
    assert messages(env)[0].status == "given_up" and messages(env)[0].attempts == 3
    assert [m["status"] for m in env.store.notifications_of_day(env.hall_id)][-1] == "given_up"
    with env.refused("not_given_up"):
        env.store.resend_notification(env.hall_id, messages(env)[1].id)
    env.store.resend_notification(env.hall_id, confirmed.id)
    assert sender.run_once() == 1 and gateway.taken[0].kind == "booking_confirmed"
    assert messages(env)[0].status == "sent"
    # reminders are sent when due, then the number in clear is erased (keep_until: the slot's end + 1 h)
    env.advance(hours=40)
    assert sender.run_once() == 2
    assert [m.status for m in messages(env)] == ["sent"] * 3
    assert [s.kind for s in gateway.taken] == ["booking_confirmed", "remind_day", "remind_hour"]
    with env.session() as session:
        (contact,) = session.scalars(select(NotifyContact))
        assert contact.phone_clear == "" and contact.phone_masked == "138****5678"
    listed = env.store.notifications_of_day(env.hall_id, TOMORROW - timedelta(days=1))
    assert all(PHONE not in str(row) for row in listed) and all("code" not in row["params"] for row in listed)


def test_log_gateway_writes_masked_lines(tmp_path: Any) -> None:
    path = tmp_path / "sms.jsonl"
    LogGateway(path).send(Sms(PHONE, "【大厅】请A001号到2号窗口办理。", "called", "1:ticket:1:called"))
    text = path.read_text(encoding="utf-8")
    assert "138****5678" in text and PHONE not in text and "请A001号到2号窗口办理" in text


def contacts(env: HallEnv) -> list[NotifyContact]:
    with env.session() as session:
        return list(session.scalars(select(NotifyContact).order_by(NotifyContact.id)))


def test_a_ticket_number_is_erased_once_its_called_message_is_sent(env: HallEnv) -> None:
    tickets = [env.issue("A", advance=30) for _ in range(3)]
    mine = tickets[2]
    signed = env.store.sign_up_ticket(env.hall_id, mine["id"], "13900001111")
    # two ahead already: 即将到号 at once, not only at the next call
    assert signed == {"ticket_id": mine["id"], "phone": "139****1111", "ahead": 2}
    assert [(m.kind, m.params["ahead"]) for m in messages(env)] == [("soon", "2")]
    gateway = FlakyGateway()
    sender = NotifySender(env.store, gateway, erase_every=3600)
    clerk = env.clerk(2)
    for _ in range(3):
        env.store.call_next(clerk, 2)
        env.store.start(clerk, 2)
        env.store.finish(clerk, 2, "immediate")
    assert [m.kind for m in messages(env)] == ["soon", "called"]
    assert contacts(env)[0].phone_clear == "13900001111"  # still to send
    sender._last_erase = time.monotonic()  # the periodic erase is not what this test shows
    assert sender.run_once() == 2
    assert [(s.kind, s.phone) for s in gateway.taken] == [("soon", "13900001111"), ("called", "13900001111")]
    (contact,) = contacts(env)
    assert contact.phone_clear == "" and contact.phone_masked == "139****1111"  # erased at once, masked kept for the console


def test_a_given_up_message_erases_a_cancelled_bookings_number(env: HallEnv) -> None:
    booking = book(env)
    env.store.cancel_booking(env.hall_id, booking["code"], PHONE)
    sender = NotifySender(env.store, FlakyGateway(failures=99), SmsSettings(max_attempts=1), erase_every=3600)
    sender._last_erase = time.monotonic()
    assert sender.run_once() == 2  # confirmation and cancellation, both given up at the first failure
    assert {m.status for m in messages(env) if not m.kind.startswith("remind")} == {"given_up"}
    assert contacts(env)[0].phone_clear == ""
    with env.refused("number_erased"):
        env.store.resend_notification(env.hall_id, messages(env)[0].id)


def test_a_phone_booking_by_staff_sends_the_confirmation_and_reminders(env: HallEnv) -> None:
    BookingStaffOps(env.store).phone_booking(env.manager, "C02", TOMORROW, "1400", "李四", "13700002222")
    assert [(m.kind, m.phone_masked) for m in messages(env)] == [
        ("booking_confirmed", "137****2222"),
        ("remind_day", "137****2222"),
        ("remind_hour", "137****2222"),
    ]


def test_retention_erases_sms_numbers_and_gives_up_what_is_left(env: HallEnv) -> None:
    book(env)
    env.advance(hours=24 * 40)
    BookingStaffOps(env.store).housekeeping(env.manager)
    (contact,) = contacts(env)
    assert (contact.phone_clear, contact.phone_masked, contact.phone_hash) == ("", "", "")
    assert {m.status for m in messages(env)} == {"given_up"} and {m.phone_masked for m in messages(env)} == {""}


def test_sms_settings_come_from_the_file_and_the_environment(tmp_path: Any) -> None:
    path = tmp_path / "sms.toml"
    path.write_text(
        '[sms]\nurl = "https://sms.example.cn/send"\nkey = "k1"\nsign = "某市政务"\n'
        '[sms.templates]\ncalled = "【{hall}】{number}号请到{window}号窗口"\n',
        encoding="utf-8",
    )
    settings = sms_settings_from_environment({"HALLQ_SMS_CONFIG": str(path)})
    assert (settings.url, settings.key, settings.sign) == ("https://sms.example.cn/send", "k1", "某市政务")
    assert render(settings, "called", "大厅", {"number": "A001", "window": "3"}) == "【某市政务】A001号请到3号窗口"
    overridden = sms_settings_from_environment({"HALLQ_SMS_CONFIG": str(path), "HALLQ_SMS_URL": "log:"})
    assert overridden.url == "log:" and overridden.key == "k1"
    assert sms_settings_from_environment({}).url == ""
    for bad in ({"templates": {"called": "{phone}"}}, {"templates": {"nope": "x"}}, {"max_attempts": 0}, {"passwd": "x"}):
        with pytest.raises(HallRuleError) as refused:
            parse_sms(bad)
        assert refused.value.code == "bad_sms"


def test_log_gateway_keeps_only_the_last_messages_in_memory(tmp_path: Any) -> None:
    path = tmp_path / "sms.jsonl"
    gateway = LogGateway(path)
    for n in range(LogGateway.KEPT_IN_MEMORY + 50):
        gateway.send(Sms(PHONE, f"【大厅】请A{n:03d}号到2号窗口办理。", "called", f"1:ticket:{n}:called"))
    assert len(gateway.sent) == LogGateway.KEPT_IN_MEMORY
    assert gateway.sent[-1]["request_id"] == f"1:ticket:{LogGateway.KEPT_IN_MEMORY + 49}:called"
    assert len(path.read_text(encoding="utf-8").splitlines()) == LogGateway.KEPT_IN_MEMORY + 50  # the file has them all
