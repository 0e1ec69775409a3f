"""The hall's history as forecasts: arrival profiles and service times over the past weeks.

* :func:`arrival_history` — one query: every ticket issued in a span of business days, as
  ``(series, issued_at)``, read through an index that starts with (hall, business day). The
  bucketing into half hours happens in :func:`hall.forecast.build_profile`, in the hall's time
  zone, the same way on SQLite and PostgreSQL.
* :class:`ProfileCache` — the history before today does not change during the day, so a server
  builds a hall's profile once a day (and again when the hall's hours change) rather than at
  every planning poll of the manager console.
* :func:`forecast_day` — the ``/api/forecast`` JSON: a day's profile per category and slot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from db.models import Category, Hall, Service, Ticket
from db.store import hours_from_json
from hall.calendar import business_day
from hall.config import HoursConfig
from hall.forecast import DEFAULT_SLOT_MINUTES, DEFAULT_WEEKS, ArrivalProfile, build_profile, day_kind, service_estimate
from hall.text import HallRuleError

FORECAST_HORIZON_DAYS = 366  # /api/forecast answers for dates this far before or after today


class ReadsSessions(Protocol):
    """A store (``db.store.StoreCore``) that opens read transactions."""

    def read(self) -> Any: ...


@contextmanager
def session_of(source: Session | ReadsSessions) -> Iterator[Session]:
    if isinstance(source, Session):
        yield source
    else:
        with source.read() as session:
            yield session


# The range on (hall_id, business_day) is the head of the tickets_by_day and one_number_per_day indexes.
ARRIVALS_IN_SPAN = select(Ticket.series, Ticket.issued_at).where(
    Ticket.hall_id == bindparam("hall_id"), Ticket.business_day >= bindparam("first_day"), Ticket.business_day < bindparam("end_day")
)


def arrival_history(session: Session, hall_id: int, first_day: date, end_day: date) -> list[tuple[str, datetime]]:
    """``(series, issued_at)`` of every ticket of ``hall_id`` issued on business days in [first_day, end_day)."""
    rows = session.execute(ARRIVALS_IN_SPAN, {"hall_id": hall_id, "first_day": first_day, "end_day": end_day})
    return [(series, issued_at) for series, issued_at in rows]


def service_history(session: Session, hall_id: int, first_day: date, end_day: date) -> dict[int, list[float]]:
    """Minutes of every finished service per category id, for tickets of business days in [first_day, end_day)."""
    durations: dict[int, list[float]] = defaultdict(list)
    for category_id, started_at, ended_at in session.execute(
        select(Service.category_id, Service.started_at, Service.ended_at)
        .join(Ticket, Ticket.id == Service.ticket_id)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.business_day >= first_day,
            Ticket.business_day < end_day,
            Service.end_reason == "finished",
            Service.started_at.is_not(None),
            Service.ended_at.is_not(None),
        )
    ):
        durations[category_id].append(max(0.0, (ended_at - started_at).total_seconds() / 60.0))
    return durations


class ProfileCache:
    """Arrival profiles by (hall, today, hours, weeks, slot), the most recent few kept.

    A profile rests on the days before today only, so it stays right all day; the hall's hours
    are part of the key because a holiday added to the calendar changes which days count.
    """

    def __init__(self, max_entries: int = 32) -> None:
        self._entries: OrderedDict[tuple[int, date, HoursConfig, int, int], ArrivalProfile] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self.builds = 0  # profiles built (not served from the cache): for tests and benchmarks

    def profile(
        self,
        session: Session,
        hall_id: int,
        hours: HoursConfig,
        today: date,
        weeks: int = DEFAULT_WEEKS,
        slot_minutes: int = DEFAULT_SLOT_MINUTES,
    ) -> ArrivalProfile:
        key = (hall_id, today, hours, weeks, slot_minutes)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                return cached
        profile = build_profile(arrival_history(session, hall_id, today - timedelta(weeks=weeks), today), hours, today, weeks, slot_minutes)
        with self._lock:
            self.builds += 1
            self._entries[key] = profile
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return profile


def hall_profile(session: Session, hall_id: int, hours: HoursConfig, today: date, cache: ProfileCache | None) -> ArrivalProfile:
    """The hall's profile for ``today``: from the cache when the server keeps one, else built now."""
    if cache is not None:
        return cache.profile(session, hall_id, hours, today)
    return build_profile(arrival_history(session, hall_id, today - timedelta(weeks=DEFAULT_WEEKS), today), hours, today)


def parse_forecast_date(text: str | None, today: date) -> date:
    """The ``date`` query parameter of /api/forecast: an ISO date within a year of today (400 otherwise)."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise HallRuleError(
            "bad_date", f"日期“{(text or '')[:20]}”无效，应写作 YYYY-MM-DD", f"'{(text or '')[:20]}' is not a date; write YYYY-MM-DD", 400
        ) from None
    if abs((day - today).days) > FORECAST_HORIZON_DAYS:
        raise HallRuleError(
            "date_out_of_range",
            f"只能预测今天前后 {FORECAST_HORIZON_DAYS} 天内的日期",
            f"forecasts cover dates within {FORECAST_HORIZON_DAYS} days of today",
            400,
        )
    return day


def forecast_day(
    source: Session | ReadsSessions, hall_id: int, requested: str | None, now: datetime, cache: ProfileCache | None = None
) -> dict[str, Any]:
    """The ``/api/forecast`` JSON for the ``requested`` ISO date, today when None (the shape is in
    the route's doc); a bilingual 400 for anything else."""
    with session_of(source) as session:
        hall = session.get(Hall, hall_id)
        if hall is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        hours = hours_from_json(hall.hours)
        today = business_day(hours, now)
        day = today if requested is None else parse_forecast_date(requested, today)
        profile = hall_profile(session, hall_id, hours, today, cache)
        services = service_history(session, hall_id, today - timedelta(weeks=DEFAULT_WEEKS), today)
        kind = day_kind(hours, day)
        categories = []
        for c in session.scalars(
            select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.series)
        ):
            observed = services.get(c.id, [])
            categories.append(
                {
                    "series": c.series,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "expected_service_minutes": c.expected_service_minutes,
                    "target_wait_minutes": c.target_wait_minutes,
                    "service_minutes": round(service_estimate(observed, c.expected_service_minutes), 2),
                    "services_observed": len(observed),
                    "slots": [
                        {"start": f"{start:%H:%M}", "arrivals_per_hour": round(rate, 3)} for start, rate in profile.day(c.series, day)
                    ],
                }
            )
    return {
        "date": day.isoformat(),
        "slot_minutes": profile.slot_minutes,
        "weeks": DEFAULT_WEEKS,
        "open": kind is not None,
        "days_observed": profile.days_observed(day),
        "categories": categories,
    }
