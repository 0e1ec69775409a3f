"""Safe client retries (idempotency keys), the event outbox, and the snapshot screens draw from."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import AuditEntry, DayCounter, IdempotencyRecord, Rating, Service, Ticket
from hall.text import HallRuleError
from tests.db.conftest import HallEnv

# ------------------------------------------------------------------------------- idempotency


def test_issue_retry_returns_the_same_ticket_without_a_new_number(env: HallEnv) -> None:
    first = env.store.issue_ticket(env.kiosk, "A", ["A01"], idempotency_key="k-1")
    seq = env.last_seq()
    env.advance(seconds=5)
    again = env.store.issue_ticket(env.kiosk, "A", ["A01"], idempotency_key="k-1")
    assert again == first
    assert len(env.rows(Ticket)) == 1 and env.last_seq() == seq
    assert env.rows(DayCounter)[0].last_number == 1
    assert env.issue("A")["number"] == "A002"


def test_same_key_with_a_different_body_is_refused_and_changes_nothing(env: HallEnv) -> None:
    env.store.issue_ticket(env.kiosk, "A", idempotency_key="k-1")
    for kwargs in ({"series": "B"}, {"series": "A", "items": ["A01"]}, {"series": "A", "priority_reason": "elderly"}):
        with env.refused("idempotency_mismatch", 422):
            env.store.issue_ticket(env.kiosk, idempotency_key="k-1", **kwargs)
    assert [t.display_number for t in env.rows(Ticket)] == ["A001"]
    assert len(env.rows(IdempotencyRecord)) == 1


def test_keys_are_scoped_to_the_device(env: HallEnv) -> None:
    guide_desk = env.device("kiosk", None)
    other_kiosk = env.store.authenticate(env.store.enroll_device(None, env.hall_id, "kiosk", "second kiosk")["token"])
    assert other_kiosk is not None
    one = env.store.issue_ticket(guide_desk, "A", idempotency_key="same")
    two = env.store.issue_ticket(other_kiosk, "A", idempotency_key="same")
    assert (one["number"], two["number"]) == ("A001", "A002")


def test_call_next_retry_does_not_call_a_second_ticket(env: HallEnv) -> None:
    env.issue("A")
    env.issue("A")
    clerk = env.clerk(2)
    first = env.store.call_next(clerk, 2, idempotency_key="call-1")
    again = env.store.call_next(clerk, 2, idempotency_key="call-1")
    assert again == first and first["ticket"]["number"] == "A001"
    assert len(env.rows(Ticket, Ticket.status == "called")) == 1


def test_finish_and_rate_retries(env: HallEnv) -> None:
    env.issue("A", items=["A03"])
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    env.store.start(clerk, 2)
    done = env.store.finish(clerk, 2, "promised", idempotency_key="fin-1")
    assert env.store.finish(clerk, 2, "promised", idempotency_key="fin-1") == done  # not "no current ticket"
    with env.refused("idempotency_mismatch", 422):
        env.store.finish(clerk, 2, "immediate", idempotency_key="fin-1")
    pad = env.pad(2)
    rated = env.store.rate(pad, done["service_id"], "dissatisfied", idempotency_key="rate-1")
    assert env.store.rate(pad, done["service_id"], "dissatisfied", idempotency_key="rate-1") == rated
    assert len(env.rows(Rating)) == 1 and len(env.rows(Service)) == 1


def test_check_in_retry(env: HallEnv) -> None:
    booking = env.store.add_appointment(env.manager, "C", env.clock.now() + timedelta(minutes=5))
    first = env.store.check_in(env.kiosk, booking["code"], idempotency_key="ci")
    assert env.store.check_in(env.kiosk, booking["code"], idempotency_key="ci") == first
    assert len(env.rows(Ticket)) == 1


# ------------------------------------------------------------------------------- events


def test_every_operation_writes_its_event_in_order_with_gapless_seqs(env: HallEnv) -> None:
    seen: list[tuple[int, int]] = []
    env.store.add_commit_listener(lambda hall_id, seq: seen.append((hall_id, seq)))
    env.counter(1), env.pad(1)  # enrolled up front (device_enrolled events)
    start = env.last_seq()
    first, *enrolled = env.event_kinds()
    assert first == "day_rolled" and set(enrolled) == {"device_enrolled"}  # the fixture's first write started the business day
    store, m = env.store, env.manager
    clerk = env.clerk(1)  # clerk_logged_in
    a1 = env.issue("A")  # ticket_issued
    env.issue("A")  # ticket_issued
    store.call_next(clerk, 1)  # ticket_called
    store.recall(clerk, 1)  # ticket_called (recall 1)
    store.start(clerk, 1)  # service_started
    done = store.finish(clerk, 1, "immediate")  # service_finished
    store.rate(env.pad(1), done["service_id"], "very_dissatisfied")  # service_rated
    store.call_next(clerk, 1)  # ticket_called
    store.park(clerk, 1)  # ticket_parked
    parked = env.rows(Ticket, Ticket.status == "parked")[0]
    store.call_back(clerk, 1, parked.id)  # ticket_called
    store.transfer(clerk, 1, to_window=2)  # ticket_transferred
    store.pause(clerk, 1, "break")  # window_paused
    store.resume(clerk, 1)  # window_resumed
    b1 = env.issue("B")  # ticket_issued
    store.call_next(clerk, 1)  # ticket_called
    store.no_show(clerk, 1)  # ticket_no_show
    store.requeue(m, b1["id"])  # ticket_requeued
    store.set_window_open(m, 20, True)  # window_changed
    store.set_window_categories(m, 20, ["C"], [])  # window_categories_changed
    followup = env.rows(Rating)[0].id
    store.update_followup(m, followup, "resolved")  # followup_changed
    store.upsert_category(m, "K", {"name_zh": "新业务"})  # config_changed
    store.logout(clerk)  # clerk_logged_out
    store.reprint(env.kiosk, a1["id"])  # ticket_reprinted
    store.revoke_device(m, env.pad(1).device_id)  # device_revoked
    expected = [
        "clerk_logged_in", "ticket_issued", "ticket_issued", "ticket_called", "ticket_called", "service_started",
        "service_finished", "service_rated", "ticket_called", "ticket_parked", "ticket_called", "ticket_transferred",
        "window_paused", "window_resumed", "ticket_issued", "ticket_called", "ticket_no_show", "ticket_requeued",
        "window_changed", "window_categories_changed", "followup_changed", "config_changed", "clerk_logged_out",
        "ticket_reprinted", "device_revoked",
    ]  # fmt: skip
    events = env.events(start)
    assert [e["kind"] for e in events] == expected
    seqs = [e["seq"] for e in env.events()]
    assert seqs == list(range(1, len(seqs) + 1))  # gapless from 1
    assert env.last_seq() == seqs[-1] == env.store.snapshot(env.hall_id)["seq"]
    assert seen and seen[-1] == (env.hall_id, seqs[-1])
    assert [s for _, s in seen] == sorted(s for _, s in seen)
    issued = events[1]["data"]["ticket"]
    assert issued["number"] == "A001" and issued["id"] == a1["id"]
    assert events[4]["data"]["recall"] == 1
    # the outbox can be read from any point
    assert [e["seq"] for e in env.store.events_after(env.hall_id, seqs[-3])] == seqs[-2:]
    assert len(env.store.events_after(env.hall_id, 0, limit=5)) == 5


def test_refused_operations_write_no_events(env: HallEnv) -> None:
    env.counter(2), env.kiosk, env.manager
    before = env.last_seq()
    clerk = env.clerk(2)
    after_login = env.last_seq()
    assert after_login == before + 1
    attempts = (
        lambda: env.store.recall(clerk, 2),
        lambda: env.store.issue_ticket(env.kiosk, "Z"),
        lambda: env.store.resume(clerk, 2),
        lambda: env.store.set_window_categories(env.manager, 2, ["Q"], []),
    )
    for attempt in attempts:
        with pytest.raises(HallRuleError):
            attempt()
    assert env.last_seq() == after_login
    assert env.issue("A")  # and the next event follows without a gap
    assert [e["seq"] for e in env.events()] == list(range(1, after_login + 2))


# ------------------------------------------------------------------------------- snapshot


def test_snapshot_contents(env: HallEnv) -> None:
    env.issue("A", advance=300)
    env.issue("A", advance=60)
    env.issue("C", advance=60)
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    env.store.pause(env.clerk(5), 5, "培训")
    snap = env.store.snapshot(env.hall_id)
    hall = snap["hall"]
    assert hall["code"] == "sample-county" and hall["business_day"] == "2026-11-17" and hall["period"] == "regular"
    assert hall["accepts_walk_ins"] is True and hall["timezone"] == "Asia/Shanghai" and len(hall["notices"]) == 5
    assert snap["rules"] == {"call_rule": "primary_first", "recall_limit": 3, "pause_warn_minutes": 3.0, "long_wait_alert_minutes": 30.0, "promised_working_days": 5}
    assert snap["now"] == env.clock.now().isoformat() and snap["seq"] == env.last_seq()
    categories = {c["series"]: c for c in snap["categories"]}
    assert list(categories) == ["A", "B", "C", "D", "E", "F", "G", "H", "J"]
    assert categories["A"]["waiting"] == 1 and categories["A"]["longest_wait_minutes"] == 2.0  # A002, since 10:05; now 10:07
    assert categories["C"]["waiting"] == 1 and categories["B"]["waiting"] == 0 and categories["B"]["longest_wait_minutes"] == 0.0
    assert [i["code"] for i in categories["A"]["items"]] == ["A01", "A02", "A03"]
    assert categories["G"]["items"][1]["fee"] == "120元"
    windows = {w["number"]: w for w in snap["windows"]}
    assert len(windows) == 20
    assert windows[2]["current"]["number"] == "A001" and windows[2]["clerk"]["staff_no"] == "1002"
    assert windows[5]["state"] == "paused" and windows[5]["pause_reason"] == "培训" and windows[5]["paused_since"]
    assert windows[20]["state"] == "closed" and windows[20]["clerk"] is None and windows[20]["current"] is None
    assert (windows[19]["primary"], windows[19]["secondary"]) == (["B", "D"], ["F", "H", "J"])
    assert snap["recent_calls"][0] == {
        "number": "A001",
        "status": "called",
        "window": 2,
        "window_name": "投资项目窗口",
        "called_at": env.clock.now().isoformat(),
    }


def test_device_alert_is_audited_and_announced(env: HallEnv) -> None:
    kiosk = env.kiosk
    assert env.store.device_alert(kiosk, "printer_paper_out", "打印机缺纸", "printer out of paper") == {"reported": True}
    event = env.events()[-1]
    assert event["kind"] == "device_alert"
    assert event["data"]["kind"] == "printer_paper_out" and event["data"]["message"] == {"zh": "打印机缺纸", "en": "printer out of paper"}
    assert event["data"]["device"] == kiosk.device_id and event["data"]["role"] == "kiosk"
    (entry,) = env.rows(AuditEntry, AuditEntry.action == "device_alert")
    assert entry.reason == "打印机缺纸" and entry.detail["kind"] == "printer_paper_out"
