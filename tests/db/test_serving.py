"""Serving: start, finish with each outcome, transfer (category or window), park and call back."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from db.common import Actor
from db.models import Ticket
from tests.db.conftest import HallEnv


def serve(env: HallEnv, window: int, series: str, items: list[str] | None = None) -> tuple[dict[str, Any], Actor]:
    """Issue, log in, call and start: returns (ticket, clerk actor)."""
    ticket = env.issue(series, items=items)
    clerk = env.clerk(window)
    env.store.call_next(clerk, window)
    env.store.start(clerk, window)
    return ticket, clerk


def test_start(env: HallEnv) -> None:
    ticket = env.issue("C")
    clerk = env.clerk(5)
    env.store.call_next(clerk, 5)
    env.advance(minutes=1)
    result = env.store.start(clerk, 5)
    assert result["ticket"]["status"] == "serving"
    (service,) = env.services(ticket["id"])
    assert result["service_id"] == service.id and service.started_at == env.clock.now()
    assert env.events()[-1]["kind"] == "service_started"
    with env.refused("illegal_transition"):
        env.store.start(clerk, 5)


# (outcome, item on the ticket, expected promised date) — the hall's clock says Tue 2026-11-17
OUTCOMES = [
    ("immediate", ["A01"], None),
    ("promised", ["A01"], date(2026, 11, 19)),  # A01: 2 working days
    ("promised", ["A02"], date(2026, 12, 1)),  # A02: 10 working days, two weekends skipped
    ("promised", ["A03"], date(2026, 11, 24)),  # A03: 5 working days
    ("joint", ["A02"], None),
    ("reported", ["A02"], None),
    ("refused", [], None),
]


@pytest.mark.parametrize(("outcome", "items", "promised"), OUTCOMES)
def test_finish_with_each_outcome(env: HallEnv, outcome: str, items: list[str], promised: date | None) -> None:
    ticket, clerk = serve(env, 2, "A", items)
    env.advance(minutes=12)
    result = env.store.finish(clerk, 2, outcome, note="备注")
    assert result["outcome"] == outcome
    assert result["promised_date"] == (promised.isoformat() if promised else None)
    assert result["clerk_id"] == env.clerk_id("1002")
    row = env.ticket(ticket["id"])
    assert row.status == "done" and row.closed_at == env.clock.now()
    (service,) = env.services(ticket["id"])
    assert (service.end_reason, service.outcome, service.promised_date, service.note) == ("finished", outcome, promised, "备注")
    assert service.id == result["service_id"] and service.ended_at == env.clock.now()
    if items:
        assert service.item_code == items[0] and result["item"]["code"] == items[0] and result["item"]["materials"]
    event = env.events()[-1]
    assert event["kind"] == "service_finished" and event["data"]["outcome"] == outcome
    # the window is free for the next citizen
    assert env.store.call_next(clerk, 2)["ticket"] is None


def test_finish_with_an_item_chosen_at_the_counter(env: HallEnv) -> None:
    ticket, clerk = serve(env, 5, "C")
    result = env.store.finish(clerk, 5, "promised", item_code="C02")
    assert result["item"]["code"] == "C02" and result["promised_date"] == "2026-11-20"  # 3 working days
    assert env.services(ticket["id"])[0].item_code == "C02"


def test_the_clerk_sets_the_promised_days(env: HallEnv) -> None:
    """The counter shows the item's 承诺时限 (A01: 2 working days); the clerk may give another."""
    ticket, clerk = serve(env, 2, "A", ["A01"])
    result = env.store.finish(clerk, 2, "promised", promised_days=4)
    assert result["promised_date"] == "2026-11-23"  # Tue 17 + 4 working days: the weekend skipped
    assert env.services(ticket["id"])[0].promised_date == date(2026, 11, 23)


def test_a_promise_without_an_item_or_a_choice_gets_the_default(env: HallEnv) -> None:
    _ticket, clerk = serve(env, 2, "A")
    assert env.store.finish(clerk, 2, "promised")["promised_date"] == "2026-11-24"  # 5 working days
    _ticket, clerk = serve(env, 2, "A")
    assert env.store.finish(clerk, 2, "promised", promised_days=1)["promised_date"] == "2026-11-18"


def test_the_hall_sets_the_default_promise(env: HallEnv) -> None:
    """rules.promised_working_days: the hall's default for items without a 承诺时限 of their own,
    changed through the manager's settings; an item's own 承诺时限 still wins."""
    assert env.store.snapshot(env.hall_id)["rules"]["promised_working_days"] == 5
    env.store.update_hall(env.manager, {"rules": {"promised_working_days": 10}})
    assert env.store.snapshot(env.hall_id)["rules"]["promised_working_days"] == 10
    _ticket, clerk = serve(env, 2, "A")
    assert env.store.finish(clerk, 2, "promised")["promised_date"] == "2026-12-01"  # Tue 11-17 + 10 working days
    _ticket, clerk = serve(env, 2, "A", ["A01"])
    assert env.store.finish(clerk, 2, "promised")["promised_date"] == "2026-11-19"  # A01's own 2 working days
    with env.refused("bad_config", 422):
        env.store.update_hall(env.manager, {"rules": {"promised_working_days": 0}})


@pytest.mark.parametrize(("outcome", "days"), [("immediate", 3), ("promised", 0), ("promised", 366)])
def test_promised_days_only_for_a_promised_case_and_in_range(env: HallEnv, outcome: str, days: int) -> None:
    ticket, clerk = serve(env, 2, "A", ["A01"])
    with env.refused("bad_promised_days", 422):
        env.store.finish(clerk, 2, outcome, promised_days=days)
    assert env.ticket(ticket["id"]).status == "serving"


def test_promise_counts_working_days_over_a_holiday(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"hours": {"closed_dates": ["2026-11-18", "2026-11-19"]}})
    _ticket, clerk = serve(env, 2, "A", ["A01"])
    assert env.store.finish(clerk, 2, "promised")["promised_date"] == "2026-11-23"


def test_finish_refusals_change_nothing(env: HallEnv) -> None:
    ticket = env.issue("C")
    clerk = env.clerk(5)
    with env.refused("no_current_ticket"):
        env.store.finish(clerk, 5, "immediate")
    env.store.call_next(clerk, 5)
    with env.refused("illegal_transition"):
        env.store.finish(clerk, 5, "immediate")  # start first
    env.store.start(clerk, 5)
    with env.refused("bad_outcome", 422) as caught:
        env.store.finish(clerk, 5, "done")
    assert "即办件" in caught.value.message.zh
    with env.refused("unknown_item", 404):
        env.store.finish(clerk, 5, "immediate", item_code="Z99")
    assert env.ticket(ticket["id"]).status == "serving"
    assert env.services(ticket["id"])[0].ended_at is None


# ------------------------------------------------------------------------------- transfer


def test_transfer_to_a_category_keeps_the_original_wait(env: HallEnv) -> None:
    ticket = env.issue("A", advance=600)  # A001 at 10:00
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    env.store.start(clerk, 2)
    env.advance(minutes=5)
    result = env.store.transfer(clerk, 2, to_series="C", note="联办")
    assert result["status"] == "waiting" and result["to"]["series"] == "C"
    assert result["number"] == "A001"  # the citizen keeps the ticket in hand
    row = env.ticket(ticket["id"])
    assert row.queue_key == ticket_key(env, ticket)  # the original waiting time is kept
    assert row.window_id is None and row.transfer_count == 1 and row.note == "联办"
    (service,) = env.services(ticket["id"])
    assert (service.end_reason, service.note) == ("transferred", "联办")
    event = env.events()[-1]
    assert event["kind"] == "ticket_transferred" and event["data"]["from_window"] == 2
    assert result["waiting_in_category"] == 1 and result["people_ahead"] == 0


def ticket_key(env: HallEnv, ticket: dict) -> float:
    from datetime import datetime

    return datetime.fromisoformat(ticket["issued_at"]).timestamp()


def test_transferred_ticket_is_called_by_the_new_category_before_later_arrivals(env: HallEnv) -> None:
    env.issue("A", advance=300)  # A001, waiting since 10:00
    env.issue("C", advance=60)  # C001 came later
    clerk2 = env.clerk(2)
    env.store.call_next(clerk2, 2)
    env.store.start(clerk2, 2)
    env.store.transfer(clerk2, 2, to_series="C")
    clerk5 = env.clerk(5)  # window 5 serves C only
    called = env.store.call_next(clerk5, 5)["ticket"]
    assert called is not None and called["number"] == "A001"  # its wait since 10:00 is kept


def test_transfer_to_a_window_is_called_there_first(env: HallEnv) -> None:
    env.issue("C", advance=60)  # C001, a long-waiting citizen at the real-estate windows
    env.issue("C", advance=60)
    moved = env.issue("A", advance=60)
    clerk2 = env.clerk(2)
    env.store.call_next(clerk2, 2)
    result = env.store.transfer(clerk2, 2, to_window=5)
    assert result["to"]["window"] == 5
    row = env.ticket(moved["id"])
    assert row.target_window_id == env.window_id(5) and row.status == "waiting"
    # window 1 also serves A, but the ticket is meant for window 5 only
    assert env.store.call_next(env.clerk(1), 1)["ticket"] is None
    clerk5 = env.clerk(5)
    called = env.store.call_next(clerk5, 5)["ticket"]
    assert called["number"] == "A001"  # before C001 and C002, who waited longer
    assert env.ticket(moved["id"]).target_window_id is None  # cleared once called
    env.store.no_show(clerk5, 5)
    assert env.store.call_next(clerk5, 5)["ticket"]["number"] == "C001"


def test_transfer_refusals(env: HallEnv) -> None:
    env.issue("A")
    clerk = env.clerk(2)
    with env.refused("no_current_ticket"):
        env.store.transfer(clerk, 2, to_series="C")
    env.store.call_next(clerk, 2)
    for kwargs in ({}, {"to_series": "C", "to_window": 5}):
        with env.refused("bad_transfer", 422):
            env.store.transfer(clerk, 2, **kwargs)
    with env.refused("bad_transfer", 422):
        env.store.transfer(clerk, 2, to_window=2)
    with env.refused("not_found", 404):
        env.store.transfer(clerk, 2, to_series="Z")
    with env.refused("not_found", 404):
        env.store.transfer(clerk, 2, to_window=77)
    with env.refused("window_closed", 409):
        env.store.transfer(clerk, 2, to_window=20)  # closed in the sample hall
    assert env.ticket(env.rows(Ticket)[0].id).status == "called"  # the refusal changed nothing


# ------------------------------------------------------------------------------- park / call back


def test_park_and_call_back(env: HallEnv) -> None:
    parked = env.issue("B", advance=60)
    env.issue("B", advance=60)
    clerk = env.clerk(3)
    env.store.call_next(clerk, 3)
    env.store.start(clerk, 3)
    result = env.store.park(clerk, 3, note="回去取户口簿")
    assert result["ticket"]["status"] == "parked"
    row = env.ticket(parked["id"])
    assert row.status == "parked" and row.window_id == env.window_id(3) and row.note == "回去取户口簿"
    assert env.services(parked["id"])[0].end_reason == "parked"
    assert [t["number"] for t in env.store.parked_tickets(env.hall_id, 3)] == ["B001"]
    # meanwhile the window serves the next citizen
    assert env.store.call_next(clerk, 3)["ticket"]["number"] == "B002"
    with env.refused("window_busy"):
        env.store.call_back(clerk, 3, parked["id"])
    env.store.start(clerk, 3)
    env.store.finish(clerk, 3, "immediate")
    # only the parking window may call it back
    clerk4 = env.clerk(4)
    with env.refused("not_at_this_window", 403):
        env.store.call_back(clerk4, 4, parked["id"])
    env.advance(minutes=5)
    back = env.store.call_back(clerk, 3, parked["id"])
    assert back["ticket"]["number"] == "B001" and back["ticket"]["status"] == "called"
    services = env.services(parked["id"])
    assert [s.end_reason for s in services] == ["parked", ""]  # a new service for the second visit
    assert services[1].called_at == env.clock.now()
    assert env.store.parked_tickets(env.hall_id, 3) == []
    env.store.start(clerk, 3)
    assert env.store.finish(clerk, 3, "immediate")["ticket"]["status"] == "done"


def test_park_a_called_ticket_and_refusals(env: HallEnv) -> None:
    ticket = env.issue("B")
    clerk = env.clerk(3)
    with env.refused("no_current_ticket"):
        env.store.park(clerk, 3)
    env.store.call_next(clerk, 3)
    env.store.park(clerk, 3)  # called but not yet started may be parked too
    assert env.ticket(ticket["id"]).status == "parked"
    waiting = env.issue("B")
    with env.refused("not_at_this_window", 403):
        env.store.call_back(clerk, 3, waiting["id"])  # a waiting ticket was never parked here
    with env.refused("illegal_transition"):
        env.store.call_number(clerk, 3, "B001")  # a parked ticket is called back, not called
