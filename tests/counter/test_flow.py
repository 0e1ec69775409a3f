"""The counter's state machine without Qt: which actions each state allows, and the pause timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from counter.flow import ENABLED, CounterAction, CounterFlow, CounterState, FlowError, ticket_notes

A, S = CounterAction, CounterState
T0 = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
TICKET = {"id": 7, "number": "A007", "status": "called", "issued_at": T0.isoformat(), "called_at": (T0 + timedelta(minutes=12)).isoformat()}


def logged_in() -> CounterFlow:
    flow = CounterFlow()
    flow.logged_in({"clerk": {"id": 1, "name": "王丽"}, "post": "A", "window": 1})
    return flow


def test_logged_out_allows_nothing() -> None:
    flow = CounterFlow()
    assert flow.enabled_actions() == frozenset()
    with pytest.raises(FlowError) as caught:
        flow.begin(A.CALL_NEXT)
    assert "不能" in str(caught.value) and "cannot" in str(caught.value)


def test_a_whole_service() -> None:
    flow = logged_in()
    assert flow.state is S.IDLE and flow.can(A.CALL_NEXT) and not flow.can(A.FINISH)
    flow.begin(A.CALL_NEXT)
    assert flow.busy and not flow.can(A.CALL_NEXT), "a second press while the call is in flight is refused"
    assert flow.called({"ticket": TICKET})
    assert flow.state is S.CALLED and flow.can(A.START) and flow.can(A.RECALL) and not flow.can(A.CALL_NEXT)
    assert flow.waited_minutes() == 12.0
    flow.begin(A.START)
    flow.started({"service_id": 3})
    assert flow.state is S.SERVING and flow.can(A.FINISH) and not flow.can(A.NO_SHOW)
    flow.begin(A.FINISH)
    flow.finished({"service_id": 3})
    assert flow.state is S.IDLE and flow.ticket is None and flow.last_service == {"service_id": 3}


def test_nobody_waiting_stays_idle() -> None:
    flow = logged_in()
    flow.begin(A.CALL_NEXT)
    assert not flow.called({"ticket": None})
    assert flow.state is S.IDLE and not flow.busy


def test_refusal_changes_nothing() -> None:
    flow = logged_in()
    flow.begin(A.CALL_NEXT)
    flow.failed()
    assert flow.state is S.IDLE and flow.can(A.CALL_NEXT)


def test_recall_counts_then_no_show() -> None:
    flow = logged_in()
    flow.called({"ticket": TICKET})
    for n in (1, 2, 3):
        flow.begin(A.RECALL)
        flow.recalled({"recall_count": n, "recalls_left": 3 - n})
        assert flow.recall_count == n and flow.recalls_left == 3 - n
    flow.begin(A.RECALL)
    flow.recalled({"no_show": True})
    assert flow.state is S.IDLE and flow.ticket is None


@pytest.mark.parametrize("action", [A.TRANSFER, A.PARK, A.NO_SHOW])
def test_ticket_leaving_frees_the_window(action: CounterAction) -> None:
    flow = logged_in()
    flow.called({"ticket": TICKET})
    flow.begin(action)
    flow.ticket_closed()
    assert flow.state is S.IDLE


def test_two_way_keys_follow_the_state() -> None:
    flow = logged_in()
    assert flow.action_for_key("F8") is A.CALL_BACK and flow.action_for_key("F9") is A.PAUSE
    assert flow.action_for_key("F4") is None
    flow.called({"ticket": TICKET})
    assert flow.action_for_key("F8") is A.PARK and flow.action_for_key("F9") is None
    flow.ticket_closed()
    flow.paused(T0, "AB岗临时离开")
    assert flow.action_for_key("F9") is A.RESUME and flow.action_for_key("F1") is None


def test_pause_warns_past_the_ab_post_limit() -> None:
    flow = logged_in()
    flow.paused(T0, "AB岗临时离开")
    assert flow.pause_elapsed(T0 + timedelta(minutes=2)) == timedelta(minutes=2)
    assert not flow.pause_overdue(T0 + timedelta(minutes=3))
    assert flow.pause_overdue(T0 + timedelta(minutes=3, seconds=1))
    flow.resumed()
    assert flow.state is S.IDLE and flow.pause_elapsed(T0 + timedelta(hours=1)) == timedelta(0)


def test_restore_from_the_servers_snapshot() -> None:
    flow = logged_in()
    flow.restore({"current": {**TICKET, "status": "serving"}, "state": "open"}, {"pause_warn_minutes": 5, "recall_limit": 2})
    assert flow.state is S.SERVING and flow.ticket["number"] == "A007"
    assert flow.pause_warn_minutes == 5 and flow.recall_limit == 2
    flow.restore({"current": None, "state": "paused", "paused_since": T0.isoformat(), "pause_reason": "会议"})
    assert flow.state is S.PAUSED and flow.paused_since == T0 and flow.pause_reason == "会议"
    flow.restore({"current": None, "state": "open"})
    assert flow.state is S.IDLE


def test_every_state_has_a_rule() -> None:
    assert set(ENABLED) == set(CounterState)


def test_ticket_notes() -> None:
    notes = ticket_notes({"priority": True, "priority_reason": "elderly", "transfer_count": 1, "note": "补材料",
                          "appointment_at": T0.isoformat()})
    texts = " ".join(n.zh for n in notes)
    assert "老年人" in texts and "转来 1 次" in texts and "补材料" in texts and "预约" in texts
    assert ticket_notes(None) == []


def test_ticket_notes_name_the_guide_desks_proxy_and_help_marks() -> None:
    assert [n.zh for n in ticket_notes({"assist": "proxy"})] == ["导办台：代办"]
    assert [n.en for n in ticket_notes({"assist": "help"})] == ["guide desk: helped through"]
    assert ticket_notes({"assist": ""}) == []
