"""Database-level checks of the hall's invariants after a concurrent run (DESIGN.md §4)."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.engine import Engines
from db.models import Base, Hall, Service, Ticket


def tickets_by_id(engines: Engines, hall_id: int) -> dict[int, Ticket]:
    with Session(engines.read) as session:
        return {t.id: t for t in session.scalars(select(Ticket).where(Ticket.hall_id == hall_id))}


def services_by_ticket(engines: Engines, hall_id: int) -> dict[int, list[Service]]:
    result: dict[int, list[Service]] = defaultdict(list)
    with Session(engines.read) as session:
        for service in session.scalars(select(Service).where(Service.hall_id == hall_id).order_by(Service.id)):
            result[service.ticket_id].append(service)
    return result


def check_numbering(engines: Engines, hall_id: int, issued: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """No duplicate (day, series, number); numbers per series are exactly 1..N; every successful
    issue response is in the database with the number it announced. Returns N per (day, series)."""
    tickets = tickets_by_id(engines, hall_id)
    keys = Counter((t.business_day.isoformat(), t.series, t.number) for t in tickets.values())
    duplicates = [k for k, n in keys.items() if n > 1]
    assert not duplicates, f"duplicate ticket numbers: {duplicates[:10]}"
    per_series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for t in tickets.values():
        per_series[(t.business_day.isoformat(), t.series)].append(t.number)
    for key, numbers in per_series.items():
        numbers.sort()
        assert numbers == list(range(1, len(numbers) + 1)), f"numbering of {key} has gaps/holes: {_holes(numbers)}"
    for response in issued:
        row = tickets.get(response["id"])
        assert row is not None, f"issued ticket {response['number']} (id {response['id']}) is missing from the database"
        assert row.display_number == response["number"] and row.series == response["series"], (response, row.display_number)
    ids = [r["id"] for r in issued]
    assert len(ids) == len(set(ids)), "two issue responses returned the same ticket"
    numbers = [(r["business_day"], r["number"]) for r in issued]
    assert len(numbers) == len(set(numbers)), "two issue responses announced the same number"
    return {k: len(v) for k, v in per_series.items()}


def _holes(numbers: list[int]) -> list[int]:
    present = set(numbers)
    return [n for n in range(1, max(numbers) + 1) if n not in present][:10]


def check_service(engines: Engines, hall_id: int, calls: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """No ticket served at two windows, none lost, every call response's ticket unique."""
    tickets = tickets_by_id(engines, hall_id)
    services = services_by_ticket(engines, hall_id)
    for ticket_id, rows in services.items():
        assert ticket_id in tickets, f"service for unknown ticket {ticket_id}"
        finished = [s for s in rows if s.end_reason == "finished"]
        assert len(finished) <= 1, f"ticket {tickets[ticket_id].display_number} finished {len(finished)} times"
        open_rows = [s for s in rows if s.ended_at is None]
        assert len(open_rows) <= 1, f"ticket {tickets[ticket_id].display_number} has {len(open_rows)} open services"
        spans = sorted((s.called_at, s.ended_at) for s in rows)
        for (_a_start, a_end), (b_start, _b_end) in itertools.pairwise(spans):
            assert a_end is not None and a_end <= b_start, f"ticket {tickets[ticket_id].display_number} served at two windows at once"
    status_counts: Counter[str] = Counter()
    for ticket in tickets.values():
        status_counts[ticket.status] += 1
        rows = services.get(ticket.id, [])
        if ticket.status == "waiting":
            assert all(s.ended_at is not None for s in rows), f"waiting ticket {ticket.display_number} has an open service"
        elif ticket.status in ("called", "serving"):
            assert ticket.window_id is not None
            open_rows = [s for s in rows if s.ended_at is None]
            assert len(open_rows) == 1 and open_rows[0].window_id == ticket.window_id, f"{ticket.display_number}: open service mismatch"
        elif ticket.status == "done":
            assert [s for s in rows if s.end_reason == "finished"], f"done ticket {ticket.display_number} has no finished service"
        else:
            assert ticket.status in ("no_show", "parked", "expired"), f"{ticket.display_number}: unknown status {ticket.status}"
    # at most one ticket active per window
    active = Counter(t.window_id for t in tickets.values() if t.status in ("called", "serving"))
    assert all(n == 1 for n in active.values()), f"a window has several active tickets: {active}"
    if calls is not None:
        ids = [c["ticket"]["id"] for c in calls if c.get("ticket")]
        assert len(ids) == len(set(ids)), (
            f"a ticket was handed to two call-next responses: {[i for i, n in Counter(ids).items() if n > 1][:10]}"
        )
        for ticket_id in ids:
            assert ticket_id in tickets and services.get(ticket_id), f"called ticket {ticket_id} has no service row"
    return dict(status_counts)


def database_fingerprint(engines: Engines, hall_id: int) -> dict[str, Any]:
    """Row counts of every table, the hall's event seq, and a checksum of tickets and services."""
    counts: dict[str, Any] = {}
    with engines.read.connect() as conn:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        counts["event_seq"] = conn.execute(select(Hall.event_seq).where(Hall.id == hall_id)).scalar_one()
        for name in ("tickets", "services", "windows", "pauses", "clerk_sessions", "day_counters", "halls"):
            rows = sorted(json.dumps(list(r), default=str) for r in conn.execute(text(f"SELECT * FROM {name}")))
            counts[f"{name}_sha"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return counts
