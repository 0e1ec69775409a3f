"""Simulated hall days for the city: what a hall's outbox ships (the event kinds and payloads of
db/: clerk logins, tickets issued and called, services started and finished, ratings with 差评
follow-ups, no-shows, pauses, device alerts), made by a small queue simulation so the waits, the
queues still waiting "now" and the windows' states follow from the arrivals and the staffing.

Used by the city console's tests, its screenshots (workbench/city_screens.py) and the city report
bench (workbench/bench/city_reports.py)."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

# Category -> (department, items): a county centre's usual 综合窗口 categories.
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "A": ("公安局", ("A01", "A02")),
    "B": ("人社局", ("B01", "B02")),
    "C": ("自然资源局", ("C01",)),
    "D": ("市场监管局", ("D01", "D02")),
    "E": ("公积金中心", ("E01",)),
}
LEVELS = (("very_satisfied", 0.62), ("satisfied", 0.24), ("basically_satisfied", 0.09), ("dissatisfied", 0.04), ("very_dissatisfied", 0.01))
BAD_LEVELS = ("dissatisfied", "very_dissatisfied")


@dataclass
class HallDayPlan:
    """One hall's day: ``tickets`` citizens arriving evenly from ``opened`` to ``now`` at
    ``windows`` windows (``staffed`` of them with a clerk), mean service ``service_minutes``."""

    seed: int
    day: date
    opened: datetime
    now: datetime
    tickets: int
    windows: int
    staffed: int | None = None
    service_minutes: float = 9.0
    paused_window: int | None = None  # paused 12 minutes before now, not resumed
    faults: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, zh, en) device alerts
    unresolved_followups: int = 0  # the last N 差评 stay open


def _level(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for level, share in LEVELS:
        total += share
        if roll < total:
            return level
    return LEVELS[0][0]


def simulated_day(plan: HallDayPlan) -> list[dict[str, Any]]:
    """The day's events up to ``plan.now`` in time order, seq from 1."""
    rng = random.Random(plan.seed)
    timeline: list[tuple[datetime, int, str, dict[str, Any]]] = []
    order = 0

    def emit(at: datetime, kind: str, /, **data: Any) -> None:
        nonlocal order
        order += 1
        if at <= plan.now:
            timeline.append((at, order, kind, data))

    emit(plan.opened - timedelta(minutes=30), "day_rolled", business_day=plan.day.isoformat())
    staffed = plan.windows if plan.staffed is None else plan.staffed
    pause_at = plan.now - timedelta(minutes=12)
    for window in range(1, staffed + 1):
        emit(plan.opened - timedelta(minutes=5), "clerk_logged_in", window=window, clerk=f"{window:02d}")
    if plan.paused_window is not None:
        emit(pause_at, "window_paused", window=plan.paused_window, reason="临时离开", since=pause_at.isoformat())
    free = [(plan.opened, window) for window in range(1, staffed + 1)]
    heapq.heapify(free)
    span = (plan.now - plan.opened).total_seconds()
    bad_services: list[tuple[int, datetime]] = []
    numbers: dict[str, int] = {}
    for ticket_id in range(1, plan.tickets + 1):
        issued = plan.opened + timedelta(seconds=span * (ticket_id - 0.5) / plan.tickets + rng.uniform(-20, 20))
        series = rng.choice("AAABBBCCDDE")
        numbers[series] = numbers.get(series, 0) + 1
        department, items = CATEGORIES[series]
        brief: dict[str, Any] = {
            "id": ticket_id,
            "public_id": f"t{plan.seed}-{ticket_id}",
            "number": f"{series}{numbers[series]:03d}",
            "series": series,
            "status": "waiting",
            "priority": False,
            "source": "kiosk",
            "items": [items[0]],
            "issued_at": issued.isoformat(),
            "business_day": plan.day.isoformat(),
            "recall_count": 0,
            "transfer_count": 0,
            "appointment_at": None,
            "called_at": None,
        }
        emit(issued, "ticket_issued", ticket=brief, waiting=0)
        if not free:
            continue
        at, window = heapq.heappop(free)
        called_at = max(at, issued) + timedelta(seconds=rng.uniform(10, 40))
        if window == plan.paused_window and called_at >= pause_at:
            continue  # the paused window calls no one; its citizens stay waiting
        called = {**brief, "status": "called", "called_at": called_at.isoformat()}
        emit(called_at, "ticket_called", ticket=called, window=window, recall=0)
        if rng.random() < 0.03:
            no_show = called_at + timedelta(minutes=2)
            emit(no_show, "ticket_no_show", ticket={**called, "status": "no_show"}, window=window, automatic=False)
            heapq.heappush(free, (no_show, window))
            continue
        started = called_at + timedelta(seconds=rng.uniform(30, 90))
        emit(started, "service_started", ticket={**called, "status": "serving"}, window=window, service_id=ticket_id)
        finished = started + timedelta(minutes=max(1.5, rng.gauss(plan.service_minutes, plan.service_minutes / 3)))
        item = rng.choice(items)
        emit(
            finished,
            "service_finished",
            ticket={**called, "status": "done"},
            window=window,
            service_id=ticket_id,
            outcome="immediate" if rng.random() < 0.8 else "promised",
            item={"code": item, "name_zh": item, "name_en": item, "materials": []},
            department=department,
        )
        heapq.heappush(free, (finished + timedelta(seconds=rng.uniform(20, 60)), window))
        level = _level(rng)
        rated = finished + timedelta(seconds=8)
        bad = level in BAD_LEVELS
        emit(
            rated,
            "service_rated",
            window=window,
            service_id=ticket_id,
            level=level,
            bad=bad,
            followup=ticket_id if bad else None,
            followup_deadline=(plan.day + timedelta(days=3)).isoformat() if bad else None,
        )
        if bad and rated <= plan.now:
            bad_services.append((ticket_id, rated))
    keep_open = {service for service, _ in bad_services[len(bad_services) - plan.unresolved_followups :]} if plan.unresolved_followups else set()
    for service, rated in bad_services:
        if service not in keep_open:
            emit(min(plan.now, rated + timedelta(minutes=50)), "followup_changed", followup=service, status="resolved")
    for index, (kind, zh, en) in enumerate(plan.faults):
        emit(plan.now - timedelta(minutes=7 + 11 * index), "device_alert", device=index + 1, role="kiosk", kind=kind, message={"zh": zh, "en": en})
    timeline.sort(key=lambda entry: (entry[0], entry[1]))
    return [
        {"seq": seq, "kind": kind, "data": data, "created_at": at.isoformat()} for seq, (at, _order, kind, data) in enumerate(timeline, 1)
    ]


def ship_day(http: Any, code: str, events: list[dict[str, Any]], head_seq: int | None = None, batch: int = 500) -> None:
    """Post a day's events to the city as the hall's shipper does (``http``: an HTTPS client with
    the hall's certificate, e.g. tests.support.city.client); raises on a refused batch."""
    head = head_seq if head_seq is not None else len(events)
    for first in range(0, len(events), batch):
        response = http.post("/city/api/ingest", json={"hall": code, "head_seq": head, "events": events[first : first + batch]})
        if response.status_code != 200:
            raise RuntimeError(f"the city refused {code}'s batch: {response.status_code} {response.text[:300]}")
