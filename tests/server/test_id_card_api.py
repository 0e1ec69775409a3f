"""The ID card endpoints over real HTTP: /api/kiosk/id-key for kiosk tokens only, check-in by card
(on time, late -> walk-in, none today), 一人一号 on /api/tickets naming the ticket already held,
and bad card data refused with a bilingual 422 that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db.models import Appointment, Ticket
from hall.clock import FakeClock
from hall.identity import id_hash, mask_id
from hardware.idcard.fakes import sample_card
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall
NUMBER = sample_card(123).id_number


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[HallServer]:
    server = HallServer(f"sqlite:///{tmp_path / 'hall.db'}", "sqlite", clock=FakeClock(START))
    yield server   # a failed test leaves its server to the process's end
    server.close()


def card(kiosk: HallClient, number: str = NUMBER) -> tuple[str, str]:
    return id_hash(kiosk.id_key(), number), mask_id(number)


def tickets(hall: HallServer) -> int:
    with Session(hall.engines.read) as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def booking_with_card(hall: HallServer, hashed: str, minutes_from_now: int) -> str:
    slot = hall.clock.now() + timedelta(minutes=minutes_from_now)
    code = str(hall.manager.add_appointment("C", slot.isoformat())["code"])
    with hall.engines.write.begin() as connection:
        connection.execute(update(Appointment).where(Appointment.code == code).values(id_hash=hashed))
    return code


def refused(call: object) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()  # type: ignore[operator]
    return error.value


def test_only_a_kiosk_token_gets_the_id_key(hall: HallServer) -> None:
    kiosk = hall.kiosk()
    key = kiosk.id_key()
    assert len(key) == 64 and hall.kiosk("kiosk 2").id_key() == key   # one key for the hall, made once
    for client in (hall.manager, hall.display(), hall.pad(1), hall.counter(1)):
        assert refused(client.id_key).status == 403
    assert httpx.get(f"{hall.url}/api/kiosk/id-key").status_code == 401
    for client in (hall.display(), hall.pad(1)):
        error = refused(lambda c=client: c.check_in_by_card(*card(kiosk)))
        assert error.status == 403


def test_check_in_by_card_on_time_and_none_today(hall: HallServer) -> None:
    kiosk = hall.kiosk()
    hashed, masked = card(kiosk)
    error = refused(lambda: kiosk.check_in_by_card(hashed, masked))
    assert (error.status, error.code) == (404, "no_booking_today") and "预约" in error.zh and "booking" in error.en
    code = booking_with_card(hall, hashed, 20)
    ticket = kiosk.check_in_by_card(hashed, masked)
    assert ticket["source"] == "appointment" and ticket["booking"]["code"] == code and "late" not in ticket["booking"]
    with Session(hall.engines.read) as session:
        row = session.get(Ticket, ticket["id"])
        assert row is not None and (row.id_hash, row.id_masked) == (hashed, masked) and masked == "3701**********" + NUMBER[-4:]


def test_a_late_booking_becomes_a_walk_in(hall: HallServer) -> None:
    kiosk = hall.kiosk()
    hashed, masked = card(kiosk)
    booking_with_card(hall, hashed, 15)
    hall.clock.advance(timedelta(minutes=60))   # its slot began 45 minutes ago; late_minutes is 30
    ticket = kiosk.check_in_by_card(hashed, masked)
    assert ticket["source"] == "kiosk" and ticket["booking"]["late"] is True and ticket["number"].startswith("C")


def test_one_ticket_per_person_names_the_ticket_already_held(hall: HallServer) -> None:
    kiosk, other_kiosk = hall.kiosk(), hall.kiosk("kiosk 2")
    hashed, masked = card(kiosk)
    first = kiosk.issue("A", id_hash=hashed, id_masked=masked)
    error = refused(lambda: other_kiosk.issue("A", id_hash=hashed, id_masked=masked))
    assert (error.status, error.code) == (409, "one_ticket_per_person")
    assert first["number"] in error.zh and first["number"] in error.en and "一人一号" in error.zh
    assert kiosk.issue("B", id_hash=hashed, id_masked=masked)["number"]   # another category
    assert kiosk.issue("A")["number"]                                      # no card: never capped


@pytest.mark.parametrize(
    "body",
    [
        {"id_hash": "", "id_masked": ""},
        {"id_hash": "a" * 64, "id_masked": ""},
        {"id_hash": "A" * 64, "id_masked": "3701**********1234"},
        {"id_hash": "a" * 63, "id_masked": "3701**********1234"},
        {"id_hash": "a" * 64, "id_masked": NUMBER},                  # a clear number where the mask goes
        {"id_hash": NUMBER, "id_masked": "3701**********1234"},      # a clear number where the hash goes
        {"id_hash": "a" * 64, "id_masked": "3701**********1234", "id_number": NUMBER},
        {"id_hash": "<script>" + "a" * 56, "id_masked": "3701**********1234"},
        {"id_hash": "a" * 1_000_000, "id_masked": "3701**********1234"},
    ],
)
def test_bad_card_data_is_a_bilingual_422_and_changes_nothing(hall: HallServer, body: dict[str, str]) -> None:
    kiosk = hall.kiosk()
    before = tickets(hall)
    headers = {"Authorization": f"Bearer {kiosk.token}"}
    for path, extra in (("/api/appointments/check-in-by-card", {}), ("/api/tickets", {"series": "A"})):
        answer = httpx.post(f"{hall.url}{path}", json={**extra, **body}, headers=headers, timeout=30)
        if path == "/api/tickets" and body == {"id_hash": "", "id_masked": ""}:
            assert answer.status_code == 201   # no card read: an ordinary walk-in
            continue
        too_big = len(body["id_hash"]) > 1000   # the 1 MB body: the size limit may refuse it first (413)
        assert answer.status_code == 422 or (too_big and answer.status_code == 413), (path, answer.status_code, answer.text[:200])
        detail = answer.json()
        text = str(detail)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text) and any(ch.isascii() and ch.isalpha() for ch in text)
        assert NUMBER not in text
    assert tickets(hall) - before == (1 if body == {"id_hash": "", "id_masked": ""} else 0)
