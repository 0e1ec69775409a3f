"""The 短信 API over real HTTP: a kiosk gives a ticket's number (bad numbers refused, nothing
changes), the manager lists the day's outbox (masked numbers only) and resends a given-up message;
other roles are refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Notification, NotifyContact
from hall.sms import SmsSettings
from server.client import ApiError
from server.notify.gateways import GatewayError, Sms
from server.notify.sender import NotifySender
from server.notify.verification import GatewayVerificationSender
from tests.server.conftest import HallServer

PHONE = "13912345678"


class Refusing:
    def __init__(self) -> None:
        self.refuse = True
        self.taken: list[Sms] = []

    def send(self, sms: Sms) -> None:
        if self.refuse:
            raise GatewayError("HTTP 500")
        self.taken.append(sms)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_kiosk_number_manager_list_and_resend(hall_server: HallServer) -> None:
    kiosk = hall_server.kiosk()
    tickets = [kiosk.issue("A") for _ in range(2)]
    for bad in ("12345", "<script>alert(1)</script>", "1" * 41, "+1 650 555 0100"):
        with pytest.raises(ApiError) as refused:
            kiosk.notify_phone(tickets[1]["id"], bad)
        assert 400 <= refused.value.status < 500 and refused.value.zh and refused.value.en
    with hall_server.engines.write.connect() as connection:
        assert connection.execute(select(NotifyContact.id)).first() is None  # refused input changed nothing
    signed = kiosk.notify_phone(tickets[1]["id"], PHONE)
    assert signed["phone"] == "139****5678" and signed["ahead"] == 1
    with pytest.raises(ApiError) as not_manager:
        kiosk.notifications()
    assert not_manager.value.status == 403
    with pytest.raises(ApiError) as not_kiosk:
        hall_server.display().notify_phone(tickets[1]["id"], PHONE)
    assert not_kiosk.value.status == 403
    with pytest.raises(ApiError) as counter_lists:
        hall_server.counter(2).notifications()
    assert counter_lists.value.status == 403

    gateway = Refusing()
    sender = NotifySender(hall_server.store, gateway, SmsSettings(max_attempts=1), erase_every=3600)
    sender._last_erase = 1e18  # only what this test drives
    assert sender.run_once() == 1
    (row,) = hall_server.manager.notifications()
    assert (row["kind"], row["status"], row["phone"], row["attempts"], row["last_error"]) == (
        "soon",
        "given_up",
        "139****5678",
        1,
        "HTTP 500",
    )
    assert PHONE not in str(row)
    with hall_server.engines.write.connect() as connection:
        assert connection.execute(select(NotifyContact.phone_clear)).scalar_one() == PHONE  # the ticket's 叫号 is still to come
    resent = hall_server.manager.resend_notification(row["id"])
    assert resent == {"id": row["id"], "status": "pending"}
    with pytest.raises(ApiError) as again:
        hall_server.manager.resend_notification(row["id"])
    assert again.value.status == 409 and again.value.code == "not_given_up"
    with pytest.raises(ApiError) as missing:
        hall_server.manager.resend_notification(999999)
    assert missing.value.status == 404
    gateway.refuse = False
    assert sender.run_once() == 1 and [s.phone for s in gateway.taken] == [PHONE]
    with hall_server.engines.write.connect() as connection:
        assert connection.execute(select(Notification.status)).scalar_one() == "sent"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_server_sends_through_the_log_gateway_its_environment_names(db_url: str, backend: str, tmp_path: Any, monkeypatch: Any) -> None:
    """What ``make demo`` does: HALLQ_SMS_URL=log://file; the running server's own sender thread
    writes each message there (masked number), woken by the commit that queued it."""
    log_file = tmp_path / "sms.jsonl"
    monkeypatch.setenv("HALLQ_SMS_URL", f"log://{log_file}")
    server = HallServer(db_url, backend, poll_seconds=0.2)
    try:
        kiosk = server.kiosk()
        tickets = [kiosk.issue("A") for _ in range(2)]
        kiosk.notify_phone(tickets[1]["id"], PHONE)
        clerk = server.clerk(2)
        clerk.call_next(2)
        clerk.start(2)
        clerk.finish(2, "immediate")
        clerk.call_next(2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not log_file.exists() or log_file.read_text(encoding="utf-8").count("\n") < 2):
            time.sleep(0.1)
        lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
        assert [line["kind"] for line in lines] == ["soon", "called"]
        assert lines[1]["text"] == f"【{server.hall.config.name_zh}】请{tickets[1]['number']}号到2号窗口办理。"
        assert all(line["phone"] == "139****5678" for line in lines) and PHONE not in log_file.read_text(encoding="utf-8")
    finally:
        server.close()


def test_booking_codes_go_through_the_gateway_and_a_failure_is_a_clear_503() -> None:
    class Recording:
        def __init__(self) -> None:
            self.fail = False
            self.sent: list[Sms] = []

        def send(self, sms: Sms) -> None:
            if self.fail:
                raise GatewayError("HTTP 500")
            self.sent.append(sms)

    gateway = Recording()
    sender = GatewayVerificationSender(gateway, SmsSettings(sign="示范县政务"))
    sender.send(PHONE, "123456", 10)
    (sms,) = gateway.sent
    assert sms.phone == PHONE and sms.kind == "verify"
    assert sms.text == "【示范县政务】您的预约验证码是123456，10分钟内有效，请勿告诉他人。"
    gateway.fail = True
    with pytest.raises(RuntimeError):  # server.booking.routes turns any failure into 503 send_failed
        sender.send(PHONE, "654321", 10)
