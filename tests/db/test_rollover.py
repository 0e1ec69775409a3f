"""The business day rolls over at the hall's local midnight on the first write: numbering restarts,
yesterday's open tickets expire, every clerk still logged in is logged out, and history stays."""

from __future__ import annotations

from datetime import UTC, date, datetime

from db.models import ClerkSession, DayCounter, Hall, Pause, Service, Ticket, Window
from tests.db.conftest import HallEnv

LOCAL_MIDNIGHT = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)  # 00:00 Wed 2026-11-18 in Shanghai
NEXT_MORNING = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # 09:00 Wed


def day_one(env: HallEnv) -> dict[str, dict]:
    """A001 done, A002 called, A003 being served, B001 parked, B002 and C001 waiting, D001 no-show."""
    tickets = {name: env.issue(name[0]) for name in ("A001", "A002", "A003", "B001", "B002", "C001", "D001")}
    clerk1, clerk2, clerk3 = env.clerk(1), env.clerk(2), env.clerk(3)
    env.store.call_next(clerk1, 1)  # A001
    env.store.start(clerk1, 1)
    env.store.finish(clerk1, 1, "immediate")
    env.store.call_next(clerk1, 1)  # A002, stays called
    env.store.call_next(clerk2, 2)  # A003
    env.store.start(clerk2, 2)  # stays serving
    env.store.call_next(clerk3, 3)  # B001
    env.store.park(clerk3, 3)
    clerk8 = env.clerk(8)
    env.store.call_next(clerk8, 8)  # D001
    env.store.no_show(clerk8, 8)
    env.store.pause(env.clerk(5), 5, "下班前")
    return tickets


def test_rollover_at_local_midnight(env: HallEnv) -> None:
    tickets = day_one(env)
    finished_at = env.ticket(tickets["A001"]["id"]).closed_at
    env.clock.set(datetime(2026, 11, 17, 15, 59, tzinfo=UTC))  # 23:59 local: still day one
    env.store.set_window_open(env.manager, 20, True)
    assert env.rows(Hall)[0].current_day == date(2026, 11, 17)
    assert env.ticket(tickets["C001"]["id"]).status == "waiting"
    seq = env.last_seq()

    env.clock.set(LOCAL_MIDNIGHT)  # any write after local midnight starts the new day
    env.store.set_window_open(env.manager, 20, False)
    events = env.events(seq)
    # the five clerks of day one are logged out: a session lasts one business day at most
    assert [e["kind"] for e in events] == ["day_rolled", *["clerk_logged_out"] * 5, "window_changed"]
    assert events[0]["data"] == {"business_day": "2026-11-18", "expired": 5}
    assert sorted(e["data"]["window"] for e in events[1:6]) == [1, 2, 3, 5, 8]
    assert {e["data"]["reason"] for e in events[1:6]} == {"rollover"}
    sessions = env.rows(ClerkSession)
    assert len(sessions) == 5 and all(s.ended_at == LOCAL_MIDNIGHT and s.end_reason == "rollover" for s in sessions)
    assert env.rows(Hall)[0].current_day == date(2026, 11, 18)

    for name in ("A002", "A003", "B001", "B002", "C001"):  # called, serving, parked, waiting, waiting
        row = env.ticket(tickets[name]["id"])
        assert row.status == "expired", name
        assert row.closed_at == LOCAL_MIDNIGHT and row.window_id is None
    open_services = env.rows(Service, Service.ended_at.is_(None))
    assert open_services == []
    ended = {s.ticket_id: s for s in env.rows(Service, Service.end_reason == "expired")}
    assert set(ended) == {tickets["A002"]["id"], tickets["A003"]["id"]}
    assert all(s.ended_at == LOCAL_MIDNIGHT for s in ended.values())
    # history is kept untouched
    done = env.ticket(tickets["A001"]["id"])
    assert done.status == "done" and done.closed_at == finished_at
    assert env.services(tickets["A001"]["id"])[0].end_reason == "finished"
    assert env.ticket(tickets["D001"]["id"]).status == "no_show"
    assert env.services(tickets["B001"]["id"])[0].end_reason == "parked"
    assert len(env.rows(Ticket)) == 7
    # the paused window is open again and its pause closed
    assert env.rows(Window, Window.number == 5)[0].state == "open"
    assert all(p.ended_at == LOCAL_MIDNIGHT for p in env.rows(Pause))


def test_numbering_restarts_per_series(env: HallEnv) -> None:
    day_one(env)
    env.clock.set(NEXT_MORNING)
    first = env.issue("A")
    assert first["number"] == "A001" and first["business_day"] == "2026-11-18"
    assert first["people_ahead"] == 0 and first["waiting_in_category"] == 1  # yesterday's queue is gone
    assert env.issue("B")["number"] == "B001"
    assert env.issue("A")["number"] == "A002"
    kinds = [kind for kind in env.event_kinds() if kind != "clerk_logged_out"]  # day one's clerks, logged out by the rollover
    assert kinds[-4] == "day_rolled"  # written in the first transaction of the day, before its ticket
    counters = {(c.business_day, c.series): c.last_number for c in env.rows(DayCounter)}
    assert counters[(date(2026, 11, 17), "A")] == 3 and counters[(date(2026, 11, 18), "A")] == 2
    # two tickets called A001 now exist, one per business day
    assert len(env.rows(Ticket, Ticket.display_number == "A001")) == 2


def test_new_day_windows_are_free_and_yesterdays_tickets_are_not_called(env: HallEnv) -> None:
    tickets = day_one(env)
    env.clock.set(NEXT_MORNING)
    clerk1 = env.clerk(1)  # window 1 had A002 called when the day ended: it is free now
    assert env.store.call_next(clerk1, 1)["ticket"] is None  # yesterday's waiting A and B tickets are not called
    env.issue("A")
    assert env.store.call_next(clerk1, 1)["ticket"]["number"] == "A001"
    assert env.ticket(env.rows(Ticket, Ticket.status == "called")[0].id).business_day == date(2026, 11, 18)
    clerk3 = env.clerk(3)
    with env.refused("not_at_this_window", 403):
        env.store.call_back(clerk3, 3, tickets["B001"]["id"])  # yesterday's parked ticket expired
    with env.refused("ticket_expired"):
        env.store.requeue(env.manager, tickets["D001"]["id"])  # yesterday's no-show must take a new number
    snap = env.store.snapshot(env.hall_id)
    assert snap["hall"]["business_day"] == "2026-11-18"
    assert {c["series"]: c["waiting"] for c in snap["categories"]}["B"] == 0


def test_rollover_happens_once(env: HallEnv) -> None:
    env.issue("A")
    env.clock.set(NEXT_MORNING)
    env.issue("A")
    env.issue("A")
    assert env.event_kinds().count("day_rolled") == 2  # the fixture's first day and this one


def test_rollover_forgets_idempotency_records_older_than_two_days(env: HallEnv) -> None:
    """Found by the month-long soak: every keyed request's record (with its whole response) was
    kept for ever, half of the database's daily growth. A retry comes within minutes."""
    from datetime import timedelta

    from db.models import IdempotencyRecord

    first = env.store.issue_ticket(env.kiosk, "A", idempotency_key="monday")
    env.clock.set(NEXT_MORNING)
    env.store.issue_ticket(env.kiosk, "A", idempotency_key="tuesday")
    assert {r.key for r in env.rows(IdempotencyRecord)} == {"monday", "tuesday"}  # a retry over a night still works
    assert env.store.issue_ticket(env.kiosk, "A", idempotency_key="monday") == first
    env.clock.set(NEXT_MORNING + timedelta(days=2))
    env.store.issue_ticket(env.kiosk, "A", idempotency_key="thursday")
    assert {r.key for r in env.rows(IdempotencyRecord)} == {"tuesday", "thursday"}  # Monday's is past the two days
