"""The business day turns over at the hall's local midnight, over HTTP: numbering restarts,
yesterday's open tickets are expired, yesterday's clerk tokens end, and yesterday's history stays."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hall.clock import FakeClock
from server.client import ApiError
from tests.server.conftest import HallServer
from tests.support.halls import TUESDAY_10AM


@pytest.fixture
def hall_on_fake_clock(db_url: str, backend: str):  # type: ignore[no-untyped-def]
    server = HallServer(db_url, backend, clock=FakeClock(TUESDAY_10AM))
    try:
        yield server
    finally:
        server.close()


def test_numbering_restarts_and_yesterday_expires(hall_on_fake_clock: HallServer) -> None:
    hs = hall_on_fake_clock
    clock: FakeClock = hs.clock
    kiosk, clerk1, clerk3 = hs.kiosk(), hs.clerk(1), hs.clerk(3)
    a1, a2, a3 = kiosk.issue("A"), kiosk.issue("A"), kiosk.issue("A")
    b1 = kiosk.issue("B")
    assert [t["number"] for t in (a1, a2, a3, b1)] == ["A001", "A002", "A003", "B001"]
    assert a1["business_day"] == "2026-11-17"
    clerk1.call_next(1)
    clerk1.start(1)
    clock.advance(timedelta(minutes=7))
    done = clerk1.finish(1, "immediate")
    assert done["ticket"]["id"] == a1["id"]
    called = clerk1.call_next(1)  # A002 is at the window when the day ends
    assert called["ticket"]["id"] == a2["id"]
    clerk3.pause(3, "会议")
    day_one_seq = hs.manager.snapshot()["seq"]

    # 23:59:59 local is still Tuesday ...
    clock.set(TUESDAY_10AM + timedelta(hours=13, minutes=59, seconds=59))
    assert hs.manager.snapshot()["hall"]["business_day"] == "2026-11-17"
    # ... Wednesday 09:00 local is a new business day.
    clock.set(TUESDAY_10AM + timedelta(hours=23))
    assert hs.manager.snapshot()["hall"]["business_day"] == "2026-11-18"
    new_a = kiosk.issue("A")
    new_b = kiosk.issue("B")
    assert (new_a["number"], new_a["business_day"]) == ("A001", "2026-11-18")
    assert new_b["number"] == "B001"
    assert kiosk.issue("A")["number"] == "A002"

    # Yesterday's open tickets are expired, its finished one kept as it was.
    assert hs.manager.ticket(a1["id"])["status"] == "done"
    for ticket in (a2, a3, b1):
        assert hs.manager.ticket(ticket["id"])["status"] == "expired"
    with hs.engines.read.connect() as conn:
        from sqlalchemy import func, select

        from db.models import Service, Ticket

        assert conn.execute(select(func.count()).select_from(Ticket)).scalar_one() == 7
        ends = dict(conn.execute(select(Service.ticket_id, Service.end_reason)).all())
    assert ends == {a1["id"]: "finished", a2["id"]: "expired"}

    # Yesterday's clerk tokens end with the day: the clerk logs in again.
    with pytest.raises(ApiError) as refused:
        clerk1.call_next(1)
    assert refused.value.status == 401 and refused.value.code == "bad_token"
    clerk1 = hs.clerk(1)

    # The window that held A002 is free and calls today's numbers; the paused window is open again.
    called = clerk1.call_next(1)
    assert called["ticket"]["id"] == new_a["id"]
    snapshot = hs.manager.snapshot()
    window3 = next(w for w in snapshot["windows"] if w["number"] == 3)
    assert window3["state"] == "open"
    waiting_a = next(c for c in snapshot["categories"] if c["series"] == "A")["waiting"]
    assert waiting_a == 1  # only today's A002; yesterday's A003 does not count

    # The rollover is announced once on the event stream.
    events = list(hs.display().events_after(day_one_seq, timeout=2, until=hs.manager.snapshot()["seq"]))
    rolled = [e for e in events if e["kind"] == "day_rolled"]
    assert len(rolled) == 1 and rolled[0]["data"] == {"business_day": "2026-11-18", "expired": 3}
