"""Where a ticket stands: people ahead in its queue, windows serving its category, and the
estimated wait (hall.waits) — what the kiosk prints and the phone page shows.

These figures inform, they never decide a rule, so the windows-serving shares and the observed
service minutes are reused for ``INFORMATION_SECONDS`` instead of being read on every ticket.
"""

from __future__ import annotations

import time as _time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select

from db.common import CATEGORIES, CLERK_SESSIONS, SERVICES, TICKETS, TODAY_IN_QUEUE, WINDOW_CATEGORIES, WINDOWS
from db.fast_sql import run
from db.store import StoreCore
from hall.serving import Staffing, WindowServing, serving_shares, serving_windows, staffing
from hall.tickets import TicketStatus
from hall.waits import estimate_wait_minutes

INFORMATION_SECONDS = 1.0  # how long windows-serving and observed service minutes are reused


@dataclass(frozen=True)
class HallServing:
    """hall.serving's answer for one hall, keyed by category id."""

    windows: tuple[WindowServing, ...]      # categories as ids (as text)
    shares: dict[int, float]                # category id -> windows serving it
    numbers: dict[int, list[int]]           # category id -> numbers of the windows serving it
    staffing: dict[int, Staffing]           # window number -> its staffing


def hall_serving(connection: Connection, hall_id: int) -> HallServing:
    """Read windows, their categories and open clerk sessions, and apply hall.serving."""
    windows = connection.execute(select(WINDOWS.c.id, WINDOWS.c.number, WINDOWS.c.state).where(WINDOWS.c.hall_id == hall_id)).all()
    categories: dict[int, list[str]] = defaultdict(list)
    for window_id, category_id in connection.execute(
        select(WINDOW_CATEGORIES.c.window_id, WINDOW_CATEGORIES.c.category_id)
        .join(WINDOWS, WINDOWS.c.id == WINDOW_CATEGORIES.c.window_id)
        .where(WINDOWS.c.hall_id == hall_id)
    ):
        categories[window_id].append(str(category_id))
    staffed = set(
        connection.scalars(
            select(CLERK_SESSIONS.c.window_id).where(CLERK_SESSIONS.c.hall_id == hall_id, CLERK_SESSIONS.c.ended_at.is_(None))
        )
    )
    serving = tuple(
        WindowServing(number, staffing(state, window_id in staffed), tuple(categories.get(window_id, ())))
        for window_id, number, state in windows
    )
    return HallServing(
        serving,
        {int(c): share for c, share in serving_shares(serving).items()},
        {int(c): numbers for c, numbers in serving_windows(serving).items()},
        {w.number: w.staffing for w in serving},
    )

_WAITING_IN_QUEUE = and_(
    TICKETS.c.hall_id == bindparam("hall_id"),
    TODAY_IN_QUEUE == bindparam("day"),
    TICKETS.c.category_id == bindparam("category_id"),
    TICKETS.c.status == TicketStatus.WAITING.value,
)
COUNT_QUEUE = select(func.count()).where(_WAITING_IN_QUEUE)


def _count_ahead(priority: bool) -> Any:
    """Everyone waiting in the queue and those ahead of one ticket, in one pass over the queue."""
    earlier = or_(
        TICKETS.c.queue_key < bindparam("queue_key"),
        and_(TICKETS.c.queue_key == bindparam("queue_key"), TICKETS.c.id < bindparam("ticket_id")),
    )
    ahead = and_(TICKETS.c.priority, earlier) if priority else or_(TICKETS.c.priority, earlier)
    return select(func.count(), func.coalesce(func.sum(case((ahead, 1), else_=0)), 0)).where(_WAITING_IN_QUEUE)


COUNT_AHEAD_OF_PRIORITY = _count_ahead(priority=True)
COUNT_AHEAD_OF_REGULAR = _count_ahead(priority=False)


class WaitEstimates(StoreCore):
    """A ticket's place in its queue and its estimated wait, for the operations that report them."""

    def _position(self, connection: Connection, ticket: Any, expected_minutes: float | None = None) -> dict[str, Any]:
        """People ahead in the ticket's own queue, windows serving it, and the estimated wait."""
        queue = {"hall_id": ticket.hall_id, "day": ticket.business_day, "category_id": ticket.category_id}
        if ticket.status != TicketStatus.WAITING.value:
            total, ahead = run(connection, COUNT_QUEUE, queue).scalar_one(), 0
        else:
            count = COUNT_AHEAD_OF_PRIORITY if ticket.priority else COUNT_AHEAD_OF_REGULAR
            total, ahead = run(connection, count, {**queue, "queue_key": ticket.queue_key, "ticket_id": ticket.id}).one()
        windows = self._windows_serving(connection, ticket.hall_id, ticket.category_id)
        minutes = self._service_minutes(connection, ticket.category_id, ticket.business_day, expected_minutes)
        return {
            "people_ahead": int(ahead),
            "waiting_in_category": int(total),
            "windows_serving": windows,
            "estimated_wait_minutes": estimate_wait_minutes(int(ahead), windows, minutes),
        }

    def _windows_serving(self, connection: Connection, hall_id: int, category_id: int) -> float:
        """Windows serving the category now (hall.serving: open, a clerk in, not paused); a window
        shared by k categories counts as 1/k."""
        return self._hall_serving(connection, hall_id).shares.get(category_id, 0.0)

    def _hall_serving(self, connection: Connection, hall_id: int) -> HallServing:
        """Who serves what now, for the whole hall at once, kept for a second (dropped at once after
        a window change, login or logout in this process): it feeds estimates, never a rule."""
        cached = self._windows_serving_cache.get(hall_id)
        if cached is not None and _time.monotonic() - cached[0] <= INFORMATION_SECONDS:
            return cached[1]
        serving = hall_serving(connection, hall_id)
        self._windows_serving_cache[hall_id] = (_time.monotonic(), serving)
        return serving

    def _service_minutes(self, connection: Connection, category_id: int, day: date, expected: float | None = None) -> float:
        """Mean of the category's last 20 services today (from 5 on), else its configured minutes.
        Kept for a second: it only feeds the estimated wait."""
        cached = self._service_minutes_cache.get((category_id, day))
        if cached is not None and _time.monotonic() - cached[0] <= INFORMATION_SECONDS:
            return cached[1]
        if expected is None:
            expected = connection.execute(
                select(CATEGORIES.c.expected_service_minutes).where(CATEGORIES.c.id == category_id)
            ).scalar_one_or_none()
        recent = connection.execute(
            select(SERVICES.c.started_at, SERVICES.c.ended_at)
            .join(TICKETS, TICKETS.c.id == SERVICES.c.ticket_id)
            .where(
                SERVICES.c.category_id == category_id,
                SERVICES.c.end_reason == "finished",
                TICKETS.c.business_day == day,
                SERVICES.c.started_at.is_not(None),
            )
            .order_by(SERVICES.c.ended_at.desc())
            .limit(20)
        ).all()
        if len(recent) < 5:
            minutes = float(expected if expected is not None else 10.0)
        else:
            minutes = max(1.0, sum((end - start).total_seconds() for start, end in recent) / len(recent) / 60.0)
        if len(self._service_minutes_cache) > 10_000:
            self._service_minutes_cache.clear()
        self._service_minutes_cache[(category_id, day)] = (_time.monotonic(), minutes)
        return minutes

