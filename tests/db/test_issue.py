"""Taking a number: numbering, priority, items, refusals, and no cap on tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, DayCounter, Ticket
from hall.clock import FakeClock
from hall.text import HallRuleError
from server.runner import prepare_hall
from tests.db.conftest import HallEnv
from tests.support.halls import always_open


def test_numbers_count_per_series(env: HallEnv) -> None:
    numbers = [env.issue(series)["number"] for series in "AABACB"]
    assert numbers == ["A001", "A002", "B001", "A003", "C001", "B002"]


def test_nobody_logged_in_serves_no_one(env: HallEnv) -> None:
    """hall.serving: open windows without a clerk are no capacity; the estimate says so (None),
    never "约 0 分钟" (the defect: a kiosk promised 0 minutes for a category nobody served)."""
    first = env.issue("A")
    assert first["windows_serving"] == 0.0 and first["estimated_wait_minutes"] is None
    env.clerk(2)
    env.store.forget_settings(env.hall_id)
    second = env.issue("A")
    assert second["windows_serving"] == 1.0 and second["estimated_wait_minutes"] is not None
    snapshot = env.store.snapshot(env.hall_id)
    a = next(c for c in snapshot["categories"] if c["series"] == "A")
    assert a["serving_windows"] == [2] and a["windows_serving"] == 1.0
    staffing = {w["number"]: w["staffing"] for w in snapshot["windows"]}
    assert staffing[2] == "serving" and staffing[1] == "unstaffed" and staffing[20] == "closed"


def test_issue_result(env: HallEnv) -> None:
    env.clerk(1)
    env.clerk(2)
    first = env.issue("A", items=["A01"])
    assert first["status"] == "waiting" and first["series"] == "A" and first["items"] == ["A01"]
    assert first["business_day"] == "2026-11-17" and first["hall_period"] == "regular"
    assert first["category"]["name_zh"] == "投资建设项目"
    assert first["source"] == "kiosk" and first["priority"] is False
    assert (first["people_ahead"], first["waiting_in_category"]) == (0, 1)
    # A is served by window 2 (alone) and window 1 (shared with B), both staffed; window 20 is closed
    assert first["windows_serving"] == 1.5
    assert first["estimated_wait_minutes"] == 0
    second = env.issue("A")
    assert (second["people_ahead"], second["waiting_in_category"]) == (1, 2)
    assert second["estimated_wait_minutes"] == 15  # 1 ahead x 18 min / 1.5 windows = 12 -> 15
    assert len(first["public_id"]) == 16 and first["public_id"] != second["public_id"]
    row = env.ticket(first["id"])
    assert row.queue_key == datetime(2026, 11, 17, 2, 0, tzinfo=UTC).timestamp()
    assert row.issued_at == datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def test_priority_ticket_goes_ahead_of_regular_ones(env: HallEnv) -> None:
    env.issue("D")
    env.issue("D")
    green = env.issue("D", priority_reason="elderly")
    assert green["priority"] is True and green["priority_reason"] == "elderly"
    assert green["people_ahead"] == 0  # only earlier priority tickets are ahead
    later = env.issue("D")
    assert later["people_ahead"] == 3
    second_green = env.issue("D", priority_reason="pregnant")
    assert second_green["people_ahead"] == 1
    clerk = env.clerk(8)
    assert env.store.call_next(clerk, 8)["ticket"]["number"] == green["number"]
    assert env.store.ticket_status(env.hall_id, ticket_id=later["id"])["people_ahead"] == 3


@pytest.mark.parametrize(
    ("role", "source"), [("kiosk", "kiosk"), ("guide", "guide_desk"), ("manager", "counter"), ("manager", "guide_desk")]
)
def test_sources(env: HallEnv, role: str, source: str) -> None:
    assert env.store.issue_ticket(env.device(role), "B", source=source)["source"] == source


@pytest.mark.parametrize(("role", "source"), [("kiosk", "guide_desk"), ("kiosk", "counter"), ("guide", "kiosk")])
def test_a_device_may_not_claim_another_channel(env: HallEnv, role: str, source: str) -> None:
    """The reports count 导办 tickets by source: a kiosk cannot pass its tickets off as the desk's."""
    with env.refused("source_not_yours", 403):
        env.store.issue_ticket(env.device(role), "B", source=source)


@pytest.mark.parametrize(
    ("kwargs", "code", "status"),
    [
        ({"series": "Z"}, "not_found", 404),
        ({"series": "a"}, "not_found", 404),
        ({"series": "A", "items": ["A09"]}, "unknown_item", 404),
        ({"series": "A", "items": ["A01", "B01"]}, "unknown_item", 404),  # an item of another category
        ({"series": "A", "priority_reason": "vip"}, "bad_priority_reason", 422),
        ({"series": "A", "source": "fax"}, "bad_source", 422),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(env: HallEnv, kwargs: dict, code: str, status: int) -> None:
    series = kwargs.pop("series")
    with env.refused(code, status):
        env.store.issue_ticket(env.kiosk, series, **kwargs)
    assert env.rows(Ticket) == []
    assert env.issue("A")["number"] == "A001"  # no number was used up


def test_items_of_the_category_are_accepted(env: HallEnv) -> None:
    assert env.issue("C", items=["C01", "C02"])["items"] == ["C01", "C02"]


@pytest.mark.parametrize(
    ("utc", "period", "accepted"),
    [
        (datetime(2026, 11, 17, 0, 29, tzinfo=UTC), "closed", False),  # 08:29 local
        (datetime(2026, 11, 17, 0, 30, tzinfo=UTC), "regular", True),
        (datetime(2026, 11, 17, 4, 15, tzinfo=UTC), "lunch", True),  # 12:15 午间服务
        (datetime(2026, 11, 17, 10, 0, tzinfo=UTC), "extended", True),  # 18:00 延时服务
        (datetime(2026, 11, 17, 12, 0, tzinfo=UTC), "closed", False),  # 20:00
        (datetime(2026, 11, 21, 2, 0, tzinfo=UTC), "appointment_only", False),  # Saturday 10:00
        (datetime(2026, 10, 1, 2, 0, tzinfo=UTC), "closed", False),  # National Day
    ],
)
def test_walk_ins_by_period(env: HallEnv, utc: datetime, period: str, accepted: bool) -> None:
    env.clock.set(utc)
    if accepted:
        assert env.issue("A")["hall_period"] == period
        return
    with env.refused("hall_not_taking_walk_ins", 409) as caught:
        env.store.issue_ticket(env.kiosk, "A")
    if period == "appointment_only":
        assert "预约" in caught.value.message.zh and "appointment" in caught.value.message.en
    assert env.rows(Ticket) == []


def test_no_cap_twelve_hundred_tickets_in_one_series(env: HallEnv) -> None:
    # 限号 is forbidden: the counter grows past 999 and keeps going
    issued = [env.store.issue_ticket(env.kiosk, "A")["number"] for _ in range(1200)]
    assert issued[0] == "A001" and issued[998] == "A999" and issued[999] == "A1000" and issued[-1] == "A1200"
    assert len(set(issued)) == 1200
    with env.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.display_number == "A1200")) == 1
        assert session.scalar(select(DayCounter.last_number).where(DayCounter.series == "A")) == 1200
    assert env.store.ticket_status(env.hall_id, ticket_id=env.rows(Ticket, Ticket.number == 1200)[0].id)["people_ahead"] == 1199


def test_reprint_is_counted_and_audited(env: HallEnv) -> None:
    ticket = env.issue("B")
    assert env.store.reprint(env.kiosk, ticket["id"])["print_count"] == 1
    assert env.store.reprint(env.kiosk, ticket["id"])["print_count"] == 2
    entries = env.rows(AuditEntry, AuditEntry.action == "reprint")
    assert [e.detail for e in entries] == [{"ticket": "B001"}] * 2
    assert entries[0].actor.startswith("kiosk:")
    with env.refused("not_found", 404):
        env.store.reprint(env.kiosk, 9999)


def test_ticket_status_by_public_id(env: HallEnv) -> None:
    env.issue("E")
    ticket = env.issue("E")
    status = env.store.ticket_status(env.hall_id, public_id=ticket["public_id"])
    assert status["number"] == "E002" and status["people_ahead"] == 1 and status["status"] == "waiting"
    assert status["hall"]["name_zh"] == "示范县政务服务中心"
    assert status["now_calling"] == []
    clerk = env.clerk(11)
    env.store.call_next(clerk, 11)
    status = env.store.ticket_status(env.hall_id, public_id=ticket["public_id"])
    assert status["people_ahead"] == 0
    assert status["now_calling"][0]["number"] == "E001" and status["now_calling"][0]["window"] == 11
    with pytest.raises(HallRuleError) as caught:
        env.store.ticket_status(env.hall_id, public_id="nope")
    assert caught.value.status == 404


def test_a_hall_open_all_day_takes_numbers_in_its_last_minute(tmp_path: Path) -> None:
    """00:00-24:00 survives being stored: at 23:59:30 local time the hall still issues."""
    clock = FakeClock(datetime(2026, 11, 17, 15, 59, 30, tzinfo=UTC))  # 23:59:30 in Asia/Shanghai
    hall = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", always_open(), clock, synchronous="NORMAL")
    try:
        store = hall.store
        kiosk = store.authenticate(store.enroll_device(None, hall.hall_id, "kiosk", "night kiosk")["token"])
        assert kiosk is not None
        assert store.issue_ticket(kiosk, "A")["number"] == "A001"
        clock.advance(40)  # 00:00:10, the next business day
        assert store.issue_ticket(kiosk, "A")["number"] == "A001"
    finally:
        hall.engines.dispose()
