"""The planning query: what the reallocation advisor needs that the hall snapshot leaves out.

The snapshot (``HallStore.snapshot``) is drawn for screens: per category a waiting count and the
longest wait. The advisor (:mod:`hall.advisor`) predicts waits from the queue itself, so the
manager console asks for this read-only view instead of approximating it:

* per category the age of every waiting ticket (from its queue key, the place in the queue a
  transfer or a late requeue keeps), the tickets issued in the last 30 and 60 minutes (counts,
  and the age of each, which :func:`hall.forecast.live_rate` blends with the forecast), the
  forecast arrivals per hour now and in the next half hour from the hall's own history
  (:mod:`db.forecasts`), and the service time of today's finished services by
  :func:`hall.forecast.service_estimate` — the mean with each service capped (one left open over
  lunch would otherwise drag it for hours), not the median, which understates a skewed service
  time's load by about 12 %; with fewer than ``MIN_OBSERVED_SERVICES`` the configured
  ``expected_service_minutes``;
* how long the hall has been open today, so a rate early in the morning is not divided by an
  hour nobody could arrive in;
* every window's state and categories (primary first, in rank order) and the clerk logged in
  there with the categories the clerk is trained for;
* the call rule and the alert limits the advisor applies (the snapshot publishes only some).

One read transaction, no writes, no events. Works on SQLite and PostgreSQL alike (the grouping
is done in Python over today's rows of one hall, a few hundred at most).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.forecasts import ProfileCache, ReadsSessions, hall_profile, session_of
from db.models import Category, Clerk, ClerkSession, Hall, Service, Ticket, Window, WindowCategory
from db.store import hours_from_json, rules_from_json
from hall.calendar import business_day, is_working_day, local_time
from hall.config import HoursConfig, WeekendMode
from hall.forecast import MIN_OBSERVED_SERVICES, service_estimate
from hall.text import HallRuleError

RECENT_MINUTES = (30, 60)  # arrivals are counted over these spans


def planning_state(source: Session | ReadsSessions, hall_id: int, now: datetime, profiles: ProfileCache | None = None) -> dict[str, Any]:
    """The advisor's inputs for ``hall_id`` at ``now`` (an aware instant), as JSON-ready data;
    ``profiles``: the server's cache of arrival profiles (built from history on each call without)."""
    with session_of(source) as session:
        return _planning_state(session, hall_id, now, profiles)


def opened_minutes(hours: HoursConfig, now: datetime) -> float:
    """Minutes since the hall opened today (0 before opening and on a day it does not open)."""
    local = local_time(hours, now)
    today = local.date()
    starts: list[time] = []
    if today.isoformat() not in hours.closed_dates:
        if is_working_day(hours, today):
            starts = [r.start for r in hours.regular]
            starts += [r.start for r in (hours.lunch, hours.extended) if r is not None]
        elif hours.weekend is not None and hours.weekend_mode is not WeekendMode.CLOSED:
            starts = [hours.weekend.start]
    if not starts:
        return 0.0
    opening = datetime.combine(today, min(starts), tzinfo=local.tzinfo)
    return max(0.0, (local - opening).total_seconds() / 60.0)


def _planning_state(session: Session, hall_id: int, now: datetime, profiles: ProfileCache | None) -> dict[str, Any]:
    hall = session.get(Hall, hall_id)
    if hall is None:
        raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
    hours, rules = hours_from_json(hall.hours), rules_from_json(hall.rules)
    today = business_day(hours, now)
    now_ts = now.timestamp()

    ages: dict[int, list[float]] = defaultdict(list)
    for category_id, queue_key in session.execute(
        select(Ticket.category_id, Ticket.queue_key).where(
            Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.status == "waiting"
        )
    ):
        ages[category_id].append(round(max(0.0, (now_ts - queue_key) / 60.0), 2))

    longest_span = timedelta(minutes=max(RECENT_MINUTES))
    arrivals: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(RECENT_MINUTES, 0))
    arrival_ages: dict[int, list[float]] = defaultdict(list)
    for category_id, issued_at in session.execute(
        select(Ticket.category_id, Ticket.issued_at).where(
            Ticket.hall_id == hall_id,
            Ticket.business_day == today,
            Ticket.issued_at > now - longest_span,
            Ticket.issued_at <= now,
        )
    ):
        age = (now - issued_at).total_seconds() / 60.0
        arrival_ages[category_id].append(round(age, 2))
        for span in RECENT_MINUTES:
            if age < span:
                arrivals[category_id][span] += 1

    durations: dict[int, list[float]] = defaultdict(list)
    for category_id, started_at, ended_at in session.execute(
        select(Service.category_id, Service.started_at, Service.ended_at)
        .join(Ticket, Ticket.id == Service.ticket_id)
        .where(
            Service.hall_id == hall_id,
            Ticket.business_day == today,
            Service.end_reason == "finished",
            Service.started_at.is_not(None),
            Service.ended_at.is_not(None),
        )
    ):
        durations[category_id].append(max(0.0, (ended_at - started_at).total_seconds() / 60.0))

    profile = hall_profile(session, hall_id, hours, today, profiles)
    local_now = local_time(hours, now)
    next_slot = local_time(hours, now + timedelta(minutes=profile.slot_minutes))
    categories = []
    for c in session.scalars(
        select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.series)
    ):
        observed = durations.get(c.id, [])
        enough = len(observed) >= MIN_OBSERVED_SERVICES
        counts = arrivals.get(c.id, dict.fromkeys(RECENT_MINUTES, 0))
        categories.append(
            {
                "series": c.series,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "target_wait_minutes": c.target_wait_minutes,
                "expected_service_minutes": c.expected_service_minutes,
                "waiting_ages_minutes": sorted(ages.get(c.id, []), reverse=True),
                "arrivals_last_30_minutes": counts[30],
                "arrivals_last_60_minutes": counts[60],
                "arrival_ages_minutes": sorted(arrival_ages.get(c.id, [])),
                "forecast_per_hour_now": round(profile.rate_per_hour(c.series, today, local_now.time()), 3),
                "forecast_per_hour_next": round(profile.rate_per_hour(c.series, next_slot.date(), next_slot.time()), 3),
                "services_observed": len(observed),
                "service_minutes": round(service_estimate(observed, c.expected_service_minutes), 2),
                "service_minutes_observed": enough,
            }
        )

    series_of_window: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for window_id, series, is_primary in session.execute(
        select(WindowCategory.window_id, Category.series, WindowCategory.primary)
        .join(Category, Category.id == WindowCategory.category_id)
        .join(Window, Window.id == WindowCategory.window_id)
        .where(Window.hall_id == hall_id)
        .order_by(WindowCategory.window_id, WindowCategory.rank)
    ):
        series_of_window[window_id][0 if is_primary else 1].append(series)

    clerk_at: dict[int, Clerk] = {}
    for window_id, clerk in session.execute(
        select(ClerkSession.window_id, Clerk)
        .join(Clerk, Clerk.id == ClerkSession.clerk_id)
        .where(ClerkSession.hall_id == hall_id, ClerkSession.ended_at.is_(None))
    ).tuples():
        clerk_at[window_id] = clerk

    windows = []
    for w in session.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)):
        primary, secondary = series_of_window.get(w.id, ([], []))
        clerk = clerk_at.get(w.id)
        windows.append(
            {
                "number": w.number,
                "state": w.state,
                "primary": list(primary),
                "secondary": list(secondary),
                "changed_at": w.changed_at.isoformat() if w.changed_at else None,
                "clerk": {"staff_no": clerk.staff_no, "name": clerk.name, "skills": list(clerk.skills)} if clerk else None,
            }
        )

    return {
        "now": now.isoformat(),
        "business_day": today.isoformat(),
        "opened_minutes": round(opened_minutes(hours, now), 2),
        "forecast_days": profile.days_observed(today),  # days of history the forecasts rest on (0: none)
        "rules": {
            "call_rule": rules.call_rule.value,
            "secondary_promote_minutes": rules.secondary_promote_minutes,
            "pause_warn_minutes": rules.pause_warn_minutes,
            "long_wait_alert_minutes": rules.long_wait_alert_minutes,
        },
        "categories": categories,
        "windows": windows,
    }
