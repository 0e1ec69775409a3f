"""Calling: call next (order rules), call a number, recall, no-show and the late citizen's requeue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, update

from db.common import TICKETS, Actor
from db.models import Service, Ticket
from tests.db.conftest import HallEnv


def numbers_called(env: HallEnv, window: int, clerk_actor: Actor, count: int) -> list[str]:
    """Call ``count`` tickets one after another at ``window``, marking each a no-show to free the window."""
    called = []
    for _ in range(count):
        result = env.store.call_next(clerk_actor, window)
        if result["ticket"] is None:
            break
        called.append(result["ticket"]["number"])
        env.store.no_show(clerk_actor, window)
    return called


def test_call_next_calls_the_longest_waiting(env: HallEnv) -> None:
    for _ in range(3):
        env.issue("A", advance=60)
    clerk = env.clerk(2)
    result = env.store.call_next(clerk, 2)
    assert result["window"] == 2
    brief = result["ticket"]
    assert brief["number"] == "A001" and brief["status"] == "called" and brief["window"]["number"] == 2
    assert brief["waited_minutes"] == 3.0
    row = env.ticket(brief["id"])
    assert row.window_id == env.window_id(2) and row.called_at == env.clock.now()
    (service,) = env.services(brief["id"])
    assert service.window_id == env.window_id(2) and service.ended_at is None
    assert service.clerk_id == service.called_by_clerk_id == env.clerk_id("1002")
    assert service.waited_seconds == 180.0 and service.department == "住房和城乡建设局"
    assert env.event_kinds()[-1] == "ticket_called"


def test_nobody_waiting(env: HallEnv) -> None:
    env.issue("C")  # not served at window 1
    clerk = env.clerk(1)
    before = env.last_seq()
    result = env.store.call_next(clerk, 1)
    assert result["ticket"] is None
    assert result["message"] == {"zh": "当前没有等候的号码", "en": "nobody is waiting"}
    assert env.last_seq() == before  # nothing happened, nothing announced


def test_call_order_priority_appointment_primary_secondary(env: HallEnv) -> None:
    # Window 1: primary A, secondary B; a secondary is promoted after 30 minutes of waiting.
    env.issue("B", advance=60)  # B001, waits long but < 30 min
    env.issue("A", advance=60)  # A001
    env.issue("A", advance=60)  # A002
    appointment = env.store.add_appointment(env.manager, "A", env.clock.now() + timedelta(minutes=10))
    env.store.check_in(env.kiosk, appointment["code"])  # A003, due within the 15-minute grace
    env.advance(seconds=60)
    env.issue("B", priority_reason="disabled", advance=60)  # B002, priority
    clerk = env.clerk(1)
    assert numbers_called(env, 1, clerk, 10) == ["B002", "A003", "A001", "A002", "B001"]


def test_secondary_waiting_past_promotion_goes_before_primary(env: HallEnv) -> None:
    env.issue("B")
    env.advance(minutes=31)
    env.issue("A")
    clerk = env.clerk(1)
    assert numbers_called(env, 1, clerk, 2) == ["B001", "A001"]


def test_secondary_not_yet_promoted_waits_for_primary(env: HallEnv) -> None:
    env.issue("B")
    env.advance(minutes=20)
    env.issue("A")
    clerk = env.clerk(1)
    assert numbers_called(env, 1, clerk, 2) == ["A001", "B001"]


def test_longest_wait_rule(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"call_rule": "longest_wait"}})
    env.issue("B", advance=120)
    env.issue("A", advance=60)
    env.issue("B", advance=60)
    clerk = env.clerk(1)
    assert numbers_called(env, 1, clerk, 3) == ["B001", "A001", "B002"]


def test_target_weighted_rule_calls_the_largest_share_of_its_target(env: HallEnv) -> None:
    """Window 1 serves A (target 20 min) first and B (15 min) second. A has waited 4 minutes,
    B 3.5: 3.5/15 is more of its target than 4/20, so B goes first; primary_first and
    longest_wait would both call A. The targets are read from the database: with B's target at
    30 minutes, A goes first again."""
    env.store.update_hall(env.manager, {"rules": {"call_rule": "target_weighted"}})
    clerk = env.clerk(1)
    env.issue("A", advance=30)
    env.issue("B", advance=210)
    assert numbers_called(env, 1, clerk, 2) == ["B001", "A001"]
    env.store.upsert_category(env.manager, "B", {"target_wait_minutes": 30})
    env.issue("A", advance=30)
    env.issue("B", advance=210)
    assert numbers_called(env, 1, clerk, 2) == ["A002", "B002"]


def test_target_weighted_rule_keeps_priority_first(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"call_rule": "target_weighted"}})
    env.issue("B", advance=600)
    env.issue("A", advance=1, priority_reason="disabled")
    clerk = env.clerk(1)
    assert numbers_called(env, 1, clerk, 2) == ["A001", "B001"]


def test_longest_queue_rule_calls_from_the_fullest_category(env: HallEnv) -> None:
    """Window 1 serves A first and B second. One A has waited longest, but three B wait: the
    longest_queue rule calls B's head, then on every tie the older head, else the fuller queue."""
    env.store.update_hall(env.manager, {"rules": {"call_rule": "longest_queue"}})
    clerk = env.clerk(1)
    env.issue("A", advance=60)
    for _ in range(3):
        env.issue("B", advance=60)
    env.issue("A", advance=60)
    assert numbers_called(env, 1, clerk, 5) == ["B001", "A001", "B002", "B003", "A002"]


def test_window_with_a_current_ticket_cannot_call_again(env: HallEnv) -> None:
    env.issue("A")
    env.issue("A")
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    with env.refused("window_busy", 409) as caught:
        env.store.call_next(clerk, 2)
    assert "A001" in caught.value.message.zh
    env.store.start(clerk, 2)
    with env.refused("window_busy"):
        env.store.call_next(clerk, 2)


def test_closed_window_cannot_call(env: HallEnv) -> None:
    env.issue("C")
    with env.refused("window_closed"):
        env.store.call_next(env.manager, 20)
    with env.refused("not_found", 404):
        env.store.call_next(env.manager, 99)


def test_two_windows_never_get_the_same_ticket(env: HallEnv) -> None:
    env.issue("A")
    env.issue("A")
    first = env.store.call_next(env.clerk(1), 1)["ticket"]["number"]
    second = env.store.call_next(env.clerk(2), 2)["ticket"]["number"]
    assert {first, second} == {"A001", "A002"}
    assert env.store.call_next(env.clerk(3), 3)["ticket"] is None  # window 3 serves B only


# ------------------------------------------------------------------------------- call a number


def test_call_number(env: HallEnv) -> None:
    for _ in range(3):
        env.issue("B")
    clerk = env.clerk(3)
    result = env.store.call_number(clerk, 3, " b3 ")
    assert result["ticket"]["number"] == "B003" and result["ticket"]["status"] == "called"
    assert env.ticket(result["ticket"]["id"]).window_id == env.window_id(3)
    env.store.no_show(clerk, 3)
    # any waiting ticket of today, even of a category the window does not serve
    env.issue("G")
    assert env.store.call_number(clerk, 3, "G001")["ticket"]["number"] == "G001"


def test_call_number_refusals(env: HallEnv) -> None:
    env.issue("B")
    clerk3, clerk4 = env.clerk(3), env.clerk(4)
    with env.refused("not_found", 404):
        env.store.call_number(clerk3, 3, "B099")
    with env.refused("bad_ticket_number", 422):
        env.store.call_number(clerk3, 3, "B-1")
    env.store.call_number(clerk3, 3, "B001")
    with env.refused("illegal_transition", 409) as caught:
        env.store.call_number(clerk4, 4, "B001")
    assert "已叫号" in caught.value.message.zh


def test_call_number_zero_is_a_clean_refusal(env: HallEnv) -> None:
    clerk = env.clerk(2)
    with env.refused("bad_ticket_number", 422):
        env.store.call_number(clerk, 2, "A0")


# ------------------------------------------------------------------------------- recall, no-show


def test_recall_counts_up_and_the_next_one_after_the_limit_is_a_no_show(env: HallEnv) -> None:
    ticket = env.issue("D")
    clerk = env.clerk(8)
    env.store.call_next(clerk, 8)
    for n in (1, 2, 3):  # recall_limit = 3
        env.advance(seconds=30)
        result = env.store.recall(clerk, 8)
        assert (result["recall_count"], result["recalls_left"]) == (n, 3 - n)
        assert env.ticket(ticket["id"]).called_at == env.clock.now()
        last = env.events()[-1]
        assert (last["kind"], last["data"]["recall"], last["data"]["window"]) == ("ticket_called", n, 8)
    result = env.store.recall(clerk, 8)
    assert result["no_show"] is True and result["automatic"] is True
    row = env.ticket(ticket["id"])
    assert row.status == "no_show" and row.closed_at == env.clock.now() and row.recall_count == 3
    assert env.services(ticket["id"])[0].end_reason == "no_show"
    last = env.events()[-1]
    assert last["kind"] == "ticket_no_show" and last["data"]["automatic"] is True
    # the window is free again
    assert env.store.call_next(clerk, 8)["ticket"] is None


def test_recall_limit_is_a_setting(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"recall_limit": 1}})
    env.issue("D")
    clerk = env.clerk(8)
    env.store.call_next(clerk, 8)
    assert env.store.recall(clerk, 8)["recall_count"] == 1
    assert env.store.recall(clerk, 8)["no_show"] is True


def test_recall_needs_a_called_ticket(env: HallEnv) -> None:
    clerk = env.clerk(8)
    with env.refused("no_current_ticket"):
        env.store.recall(clerk, 8)
    env.issue("D")
    env.store.call_next(clerk, 8)
    env.store.start(clerk, 8)
    with env.refused("illegal_transition"):
        env.store.recall(clerk, 8)  # a citizen being served is not recalled


def test_no_show(env: HallEnv) -> None:
    ticket = env.issue("E")
    clerk = env.clerk(11)
    env.store.call_next(clerk, 11)
    env.advance(minutes=2)
    result = env.store.no_show(clerk, 11)
    assert result["no_show"] is True and result["automatic"] is False
    row = env.ticket(ticket["id"])
    assert row.status == "no_show" and row.closed_at == env.clock.now()
    (service,) = env.services(ticket["id"])
    assert (service.end_reason, service.ended_at) == ("no_show", env.clock.now())
    with env.refused("no_current_ticket"):
        env.store.no_show(clerk, 11)


def test_no_show_refused_once_service_started(env: HallEnv) -> None:
    env.issue("E")
    clerk = env.clerk(11)
    env.store.call_next(clerk, 11)
    env.store.start(clerk, 11)
    with env.refused("illegal_transition"):
        env.store.no_show(clerk, 11)


# ------------------------------------------------------------------------------- requeue


def test_late_citizen_goes_back_exactly_three_places(env: HallEnv) -> None:
    late = env.issue("F", advance=60)
    for _ in range(5):
        env.issue("F", advance=60)  # F002..F006
    clerk = env.clerk(13)
    env.store.call_next(clerk, 13)
    env.store.no_show(clerk, 13)
    env.advance(minutes=10)
    result = env.store.requeue(clerk, late["id"])
    assert result["status"] == "waiting" and result["number"] == "F001"
    assert result["people_ahead"] == 3  # late_requeue_places
    row = env.ticket(late["id"])
    assert row.window_id is None and row.closed_at is None and row.recall_count == 0
    assert env.events()[-1]["kind"] == "ticket_requeued"
    called = []
    for _ in range(6):
        called.append(env.store.call_next(clerk, 13)["ticket"]["number"])
        env.store.no_show(clerk, 13)
    assert called[:5] == ["F002", "F003", "F004", "F001", "F005"]


def test_late_citizen_in_a_short_queue_goes_to_the_end(env: HallEnv) -> None:
    late = env.issue("F", advance=60)
    env.issue("F", advance=60)
    clerk = env.clerk(13)
    env.store.call_next(clerk, 13)
    env.store.no_show(clerk, 13)
    assert env.store.requeue(clerk, late["id"])["people_ahead"] == 1
    env.issue("F")
    assert env.store.ticket_status(env.hall_id, ticket_id=late["id"])["people_ahead"] == 1  # the newcomer is behind


def test_requeue_only_after_a_no_show(env: HallEnv) -> None:
    ticket = env.issue("F")
    clerk = env.clerk(13)
    with env.refused("illegal_transition"):
        env.store.requeue(clerk, ticket["id"])
    with env.refused("not_found", 404):
        env.store.requeue(clerk, 9999)


def test_call_next_records_who_called(env: HallEnv) -> None:
    env.issue("A")
    env.clerk(2)
    # a manager calling at window 2 is recorded against the clerk logged in there
    ticket = env.store.call_next(env.manager, 2)["ticket"]
    assert env.services(ticket["id"])[0].clerk_id == env.clerk_id("1002")
    assert env.rows(Service, Service.ticket_id == ticket["id"])[0].called_by_clerk_id == env.clerk_id("1002")
    assert env.rows(Ticket, Ticket.status == "called")[0].id == ticket["id"]


def test_a_head_another_window_holds_is_skipped_on_the_next_attempt(hall_env: HallEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a head locked by another window's call is skipped (SKIP LOCKED): the claim
    returns no row while the head still reads as waiting. The next attempt must read the queue
    without it (the statement that excludes lost heads), or it would pick the same head again."""
    env = hall_env
    first, second = env.issue("A")["id"], env.issue("A")["id"]
    store = env.store
    read_queue, claim = store._head_candidates, store._claim_ticket
    held_elsewhere = (
        update(TICKETS)
        .where(TICKETS.c.id == bindparam("ticket_id"), TICKETS.c.id < 0)
        .values(window_id=bindparam("window_id"), called_at=bindparam("called_at"))
        .returning(*TICKETS.c)
    )
    attempts: list[list[int]] = []

    def racing(uow: Any, window: Any, lost: list[int]) -> Any:
        attempts.append(list(lost))
        monkeypatch.setitem(store.__dict__, "_claim_ticket", held_elsewhere if len(attempts) == 1 else claim)
        return read_queue(uow, window, lost)

    monkeypatch.setattr(store, "_head_candidates", racing)
    called = store.call_next(env.clerk(2), 2)["ticket"]
    assert attempts == [[], [first]]
    assert called["id"] == second and called["number"] == "A002"
    assert env.ticket(first).status == "waiting"
