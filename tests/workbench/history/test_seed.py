"""``hallq seed-history``: deterministic, constraint-safe synthetic history that the live store and
server carry on from, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from db.engine import Engines
from db.models import Base, ClerkSession, DayCounter, FollowUp, Pause, Rating, Service, Ticket
from hall.config import HallConfig
from hall.text import HallRuleError
from hall.tickets import RatingLevel
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall
from tests.server.invariants import check_numbering, check_service
from tests.support.pg import PgCluster
from workbench.bench.large_hall import BENCH_PIN
from workbench.history.default_hall import history_hall
from workbench.history.seed import SeedReport, seed_history

PER_DAY = 150
END = date(2026, 11, 17)  # a Tuesday; the span before it holds a weekend (appointments only)
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # the next morning, 10:00 hall time
HISTORY_TABLES = ("tickets", "services", "ratings", "followups", "pauses", "clerk_sessions", "day_counters", "appointments")


@pytest.fixture(scope="module")
def small_hall() -> HallConfig:
    # argon2 with the smallest parameters: the hall's clerks can still log in with BENCH_PIN
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(BENCH_PIN)
    return history_hall(PER_DAY, cheap)




def seeded(url: str, config: HallConfig, days: int = 5, seed: int = 7, end: date = END, now: datetime = NOW) -> tuple[Hall, SeedReport]:
    hall = prepare_hall(url, config, synchronous="NORMAL")
    return hall, seed_history(hall.engines, hall.hall_id, config, days, PER_DAY, seed, end, now)


def table_digest(engines: Engines) -> dict[str, str]:
    """A checksum of every history table's rows, ids included, in a backend-neutral text form."""
    digests = {}
    with engines.read.connect() as conn:
        for table in HISTORY_TABLES:
            rows = []
            for row in conn.execute(select(Base.metadata.tables[table])).mappings():
                rows.append(json.dumps({k: _neutral(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False))
            digests[table] = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
    return digests


def _neutral(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 3)
    return value


def check_history(hall: Hall, now: datetime) -> Counter[str]:
    """Every rule a real hall's history obeys, checked row by row; returns a few counts."""
    engines, hall_id = hall.engines, hall.hall_id
    per_series = check_numbering(engines, hall_id, [])
    statuses = check_service(engines, hall_id)
    assert set(statuses) <= {"done", "no_show"}, statuses  # a finished history leaves nothing open
    with engines.read.connect() as conn:
        counters = {(r.business_day.isoformat(), r.series): r.last_number for r in conn.execute(select(DayCounter.__table__))}
        tickets = {r.id: r for r in conn.execute(select(Ticket.__table__))}
        services = list(conn.execute(select(Service.__table__).order_by(Service.called_at)))
        ratings = {r.service_id: r for r in conn.execute(select(Rating.__table__))}
        followups = {r.rating_id: r for r in conn.execute(select(FollowUp.__table__))}
        sessions = list(conn.execute(select(ClerkSession.__table__).order_by(ClerkSession.started_at)))
        pauses = list(conn.execute(select(Pause.__table__)))
    assert counters == per_series, "day_counters must hold the last number of every (day, series), so issuing continues"

    def aware(moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    by_window: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    previous_end: dict[int, str] = {}  # ticket -> how its last service so far ended
    for service in services:
        ticket = tickets[service.ticket_id]
        assert service.queue_wait == (previous_end.get(service.ticket_id) != "parked"), "only a call-back is no queue wait"
        previous_end[service.ticket_id] = service.end_reason
        called, ended = aware(service.called_at), aware(service.ended_at)
        assert aware(ticket.issued_at) <= called < ended <= now
        # A parked ticket's call-back is no wait in the queue; every other call waited since the issue.
        waited = (called - aware(ticket.issued_at)).total_seconds() if service.queue_wait else 0.0
        assert abs(service.waited_seconds - waited) < 0.01
        assert service.end_reason in ("finished", "no_show", "transferred", "parked")
        if service.end_reason == "finished":
            assert service.outcome in ("immediate", "promised", "joint", "reported", "refused") and service.item_code
            assert (service.promised_date is not None) == (service.outcome == "promised")
            assert ticket.status == "done" and aware(ticket.closed_at) == ended and ticket.window_id == service.window_id
        else:
            assert service.outcome == "" and service.id not in ratings, "only a finished service is rated"
        by_window[service.window_id].append((called, ended, service.end_reason))
        if service.end_reason == "no_show":
            assert ticket.status == "no_show" and service.started_at is None and ticket.recall_count >= 1
    for window_id, spans in by_window.items():
        for (_a_start, a_end, _reason), (b_start, _b_end, _reason2) in itertools.pairwise(sorted(spans)):
            assert a_end <= b_start, f"window {window_id} served two citizens at once"
    # the clerk of every service is the one logged in at that window when it was called
    window_sessions: dict[int, list[Any]] = defaultdict(list)
    for row in sessions:
        window_sessions[row.window_id].append(row)
        assert aware(row.started_at) < aware(row.ended_at) <= now and row.end_reason in ("logout", "handover")
    for window_id, rows in window_sessions.items():
        for earlier, later in itertools.pairwise(rows):
            assert aware(earlier.ended_at) <= aware(later.started_at), f"two clerks logged in at window {window_id} at once"
    for service in services:
        logged_in = [
            s
            for s in window_sessions[service.window_id]
            if aware(s.started_at) <= aware(service.called_at) and aware(service.ended_at) <= aware(s.ended_at)
        ]
        assert [s.clerk_id for s in logged_in] == [service.clerk_id], f"service {service.id}: clerk not logged in at the window"
    for pause in pauses:
        start, end = aware(pause.started_at), aware(pause.ended_at)
        assert start < end
        assert not any(s.window_id == pause.window_id and aware(s.called_at) < end and start < aware(s.ended_at) for s in services)
        assert any(s.window_id == pause.window_id and aware(s.started_at) <= start and end <= aware(s.ended_at) for s in sessions)
    counts: Counter[str] = Counter()
    for rating in ratings.values():
        counts["ratings"] += 1
        if rating.level is None:
            counts["not_rated"] += 1
            assert rating.channel == "timeout" and not rating.is_default
            continue
        level = RatingLevel(rating.level)
        counts[level.value] += 1
        assert aware(rating.created_at) <= now
        if level.is_bad:
            followup = followups[rating.id]
            assert rating.reasons and followup.deadline > tickets[rating.ticket_id].business_day
            if followup.resolved_at is not None:
                assert followup.status in ("resolved", "appealed") and aware(followup.resolved_at) <= now
            counts[f"followup_{followup.status}"] += 1
        else:
            assert rating.id not in followups and not rating.reasons
    assert len(followups) == counts["dissatisfied"] + counts["very_dissatisfied"]
    counts["services"] = len(services)
    counts["tickets"] = len(tickets)
    counts["long_pauses"] = sum(1 for p in pauses if (aware(p.ended_at) - aware(p.started_at)).total_seconds() > 180)
    counts["handovers"] = sum(1 for s in sessions if s.post == "B")
    counts["outcome_immediate"] = sum(1 for s in services if s.outcome == "immediate")
    counts["transfers"] = sum(1 for s in services if s.end_reason == "transferred")
    counts["no_shows"] = statuses.get("no_show", 0)
    return counts


def test_seeded_history_obeys_every_rule_and_has_a_real_halls_mix(tmp_path: Path, small_hall: HallConfig) -> None:
    hall, report = seeded(f"sqlite:///{tmp_path / 'history.db'}", small_hall, days=10)
    try:
        counts = check_history(hall, NOW)
        # 10 days ending Tue 2026-11-17: 8 working days and 2 appointment-only weekend days
        assert report.open_days == 10 and report.rows["tickets"] == counts["tickets"]
        assert 8 * PER_DAY * 0.6 < counts["tickets"] < 8 * PER_DAY * 1.4
        rated = counts["ratings"] - counts["not_rated"]
        assert 0.84 < rated / counts["ratings"] < 0.96, counts
        assert counts["very_satisfied"] + counts["satisfied"] > 0.85 * rated
        assert counts["outcome_immediate"] > 0.6 * counts["services"]
        assert counts["no_shows"] and counts["transfers"] and counts["handovers"] and counts["long_pauses"]
        with hall.engines.read.connect() as conn:
            sources = Counter(
                r.source for r in conn.execute(select(Ticket.source, Ticket.business_day)) if r.business_day.isoweekday() >= 6
            )
        assert set(sources) == {"appointment"}, "an appointments-only weekend has only check-ins"
    finally:
        hall.engines.dispose()


def test_same_seed_same_rows_other_seed_other_rows(tmp_path: Path, small_hall: HallConfig) -> None:
    digests = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        hall, _report = seeded(f"sqlite:///{tmp_path / f'{name}.db'}", small_hall, days=3, seed=seed)
        digests.append(table_digest(hall.engines))
        hall.engines.dispose()
    assert digests[0] == digests[1]
    assert digests[0]["tickets"] != digests[2]["tickets"]


def test_history_never_overwrites_nor_reaches_into_the_future(tmp_path: Path, small_hall: HallConfig) -> None:
    hall, _report = seeded(f"sqlite:///{tmp_path / 'h.db'}", small_hall, days=2)
    try:
        with pytest.raises(HallRuleError) as caught:
            seed_history(hall.engines, hall.hall_id, small_hall, 3, PER_DAY, 1, END, NOW)
        assert caught.value.code == "history_exists" and caught.value.message.zh and caught.value.message.en
        with pytest.raises(HallRuleError) as caught:
            seed_history(hall.engines, hall.hall_id, small_hall, 1, PER_DAY, 1, END + timedelta(days=1), NOW)  # today, 10:00
        assert caught.value.code == "history_in_future"
        # earlier days append cleanly and the ids carry on after the rows already there
        seed_history(hall.engines, hall.hall_id, small_hall, 2, PER_DAY, 1, END - timedelta(days=2), NOW)
        check_history(hall, NOW)
    finally:
        hall.engines.dispose()


@pytest.mark.postgres
def test_postgres_gets_the_same_rows_and_the_store_carries_on(tmp_path: Path, small_hall: HallConfig, pg_cluster: PgCluster) -> None:
    sqlite_hall, _ = seeded(f"sqlite:///{tmp_path / 'same.db'}", small_hall, days=4)
    pg_hall, report = seeded(pg_cluster.create_database("seeded_history"), small_hall, days=4)
    try:
        assert report.rows["tickets"] > 0
        assert table_digest(pg_hall.engines) == table_digest(sqlite_hall.engines), "same seed, same rows on both backends"
        check_history(pg_hall, NOW)
        # the id sequences moved past the explicit ids: the live store inserts without a clash
        kiosk = pg_hall.store.authenticate(pg_hall.store.enroll_device(None, pg_hall.hall_id, "kiosk", "k")["token"])
        assert kiosk is not None
    finally:
        sqlite_hall.engines.dispose()
        pg_hall.engines.dispose()


def test_the_real_server_continues_todays_numbering_after_the_history(tmp_path: Path, small_hall: HallConfig) -> None:
    """History up to this evening (extended hours), then the server issues and calls on the same day,
    and the next morning numbering restarts with nothing left open to expire."""
    from hall.clock import FakeClock

    evening = datetime(2026, 11, 17, 10, 50, tzinfo=UTC)  # Tue 18:50 hall time: 延时服务 until 19:00
    clock = FakeClock(evening)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    seeding, _ = seeded(url, small_hall, days=3, end=END, now=evening)
    seeding.engines.dispose()
    hall = prepare_hall(url, small_hall, clock, synchronous="NORMAL")
    server = ServerThread(hall.store).start()
    clients: list[HallClient] = []

    def client(token: str) -> HallClient:
        clients.append(HallClient(server.url, token))
        return clients[-1]

    try:
        with hall.engines.read.connect() as conn:
            last_a = conn.scalar(select(DayCounter.last_number).where(DayCounter.business_day == END, DayCounter.series == "A"))
        assert last_a and last_a > 5
        kiosk = client(hall.store.enroll_device(None, hall.hall_id, "kiosk", "kiosk")["token"])
        issued = kiosk.issue("A")
        assert issued["number"] == f"A{last_a + 1:03d}" and issued["business_day"] == END.isoformat()
        counter = client(hall.store.enroll_device(None, hall.hall_id, "counter", "counter 1", 1)["token"])
        clerk = client(counter.login(small_hall.clerks[0].staff_no, BENCH_PIN)["token"])
        called = clerk.call_next(1)
        assert called["ticket"]["id"] == issued["id"], "the seeded tickets are all closed: the new one is the only one waiting"
        clerk.start(1)
        clerk.finish(1, "immediate")

        clock.set(datetime(2026, 11, 18, 2, 0, tzinfo=UTC))  # the next morning, 10:00
        next_day = kiosk.issue("A")
        assert next_day["number"] == "A001" and next_day["business_day"] == "2026-11-18"
        rolled = [e for e in hall.store.events_after(hall.hall_id, 0) if e["kind"] == "day_rolled"]
        assert rolled[-1]["data"]["expired"] == 0
        check_numbering(hall.engines, hall.hall_id, [issued, next_day])
    finally:
        for each in clients:
            each.close()
        server.stop()
        hall.engines.dispose()


def test_the_command_seeds_a_configured_hall(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``hallq seed-history --config`` on the sample county hall (lunch windows, appointment weekends)."""
    from hall.calendar import business_day
    from hall.config import SAMPLE_HALL_PATH, load_sample_hall
    from hallq.cli import main

    sample = load_sample_hall()
    end = business_day(sample.hours, datetime.now(UTC)) - timedelta(days=3)
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    argv = ["seed-history", "--days", "6", "--per-day", "120", "--seed", "3", "--end", end.isoformat()]
    assert main([*argv, "--database", url, "--config", str(SAMPLE_HALL_PATH)]) == 0
    printed = capsys.readouterr().out
    assert f"{sample.name_zh} ({sample.code})" in printed and f"seeded {end - timedelta(days=5)} .. {end}" in printed
    hall = prepare_hall(url, sample)
    try:
        counts = check_history(hall, datetime.now(UTC))
        assert counts["tickets"] > 200 and counts["handovers"] > 0
    finally:
        hall.engines.dispose()
