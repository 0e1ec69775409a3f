"""The staffing plan (排班建议) of a day from the hall's own rows: the ``/api/staffing-plan`` JSON.

The forecast is :func:`db.forecasts.forecast_day`'s (arrivals per category and half hour from the
hall's history, services at their observed capped mean); the roster is the hall's active clerks
with their skills, less those the manager marked absent for the day (在岗 tab); the pools are the categories that already share a window. The plan itself is
:func:`hall.staffing_plan.plan_day`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.forecasts import ProfileCache, ReadsSessions, forecast_day, session_of
from db.models import Category, Clerk, Hall, Window, WindowCategory
from db.roster import ABSENT
from db.store import hours_from_json
from hall.roster_cover import RosterClerk
from hall.staffing_plan import CategoryDemand, plan_day, plan_to_json, pools_from_windows


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def staffing_plan_day(
    source: Session | ReadsSessions, hall_id: int, requested: str | None, now: datetime, cache: ProfileCache | None = None
) -> dict[str, Any]:
    """The plan for the ``requested`` ISO date (today when None): :func:`hall.staffing_plan.plan_to_json`
    plus the forecast's ``open`` and ``days_observed``; a bilingual 400 for a bad date."""
    with session_of(source) as session:
        forecast = forecast_day(session, hall_id, requested, now, cache)
        hall = session.get(Hall, hall_id)
        assert hall is not None  # forecast_day refused an unknown hall
        hours = hours_from_json(hall.hours)
        day = datetime.fromisoformat(forecast["date"]).date()
        clerks, absent = [], []
        for c in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id, Clerk.active).order_by(Clerk.staff_no)):
            if c.off_duty_day == day and c.off_duty_reason == ABSENT:  # the roster: marked absent for the day
                absent.append({"staff_no": c.staff_no, "name": c.name})
            else:
                clerks.append(RosterClerk(c.staff_no, c.name, tuple(str(s) for s in c.skills or ())))
        window_series: dict[int, list[str]] = defaultdict(list)
        for window_id, series in session.execute(
            select(WindowCategory.window_id, Category.series)
            .join(Category, Category.id == WindowCategory.category_id)
            .join(Window, Window.id == WindowCategory.window_id)
            .where(Window.hall_id == hall_id)
            .order_by(WindowCategory.window_id, WindowCategory.rank)
        ):
            window_series[window_id].append(series)
        window_count = session.scalar(select(func.count()).select_from(Window).where(Window.hall_id == hall_id)) or 0
    demands = [
        CategoryDemand(
            c["series"],
            c["name_zh"],
            c["name_en"],
            float(c["service_minutes"]),
            float(c["target_wait_minutes"]),
            tuple((_clock(s["start"]), float(s["arrivals_per_hour"])) for s in c["slots"]),
        )
        for c in forecast["categories"]
    ]
    plan = plan_day(
        day,
        hours,
        demands,
        clerks,
        int(window_count),
        slot_minutes=int(forecast["slot_minutes"]),
        pools=pools_from_windows(window_series.values()),
    )
    return {**plan_to_json(plan, hours), "open": forecast["open"], "days_observed": forecast["days_observed"], "absent": absent}
