"""What the advisor inside the simulator may know: only what production could know live.

* arrivals: the tickets taken so far today, blended (:func:`hall.forecast.live_rate`) with a
  forecast built by :func:`hall.forecast.build_profile` from the hall's *history* — past days made
  by the same demand generator with other random streams, never the day being simulated;
* service: :func:`hall.forecast.service_estimate` over the services *finished* so far today, not
  the service time of the ticket being called;
* clerks: only those on duty and not at lunch can open a window (the engine's spare list).

The same functions of hall/forecast.py feed the advisor in production.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, time, timedelta

from hall.calendar import is_working_day
from hall.config import HallConfig
from hall.forecast import ArrivalProfile, build_profile, live_rate, service_estimate
from hall.simulation.demand import hall_hours, make_day, planned_peak_rates, shape
from hall.simulation.settings import SimSettings


def history_profile(config: HallConfig, settings: SimSettings, seed: int) -> ArrivalProfile | None:
    """The arrival profile the hall would have built from ``history_weeks`` weeks of past working days
    (None when ``history_weeks`` is 0: the advisor then uses the planned rates, as before)."""
    if settings.history_weeks <= 0:
        return None
    today = settings.day
    zone = config.hours.zone
    arrivals: list[tuple[str, datetime]] = []
    day = today - timedelta(weeks=settings.history_weeks)
    while day < today:
        if is_working_day(config.hours, day) and day.isoformat() not in config.hours.closed_dates:
            plan = make_day(config, dataclasses.replace(settings, day=day), random.Random(f"history:{seed}:{day.isoformat()}"))
            midnight = datetime.combine(day, time(0), tzinfo=zone)
            arrivals.extend((t.series, midnight + timedelta(minutes=t.arrival)) for t in plan.tickets)
        day += timedelta(days=1)
    return build_profile(arrivals, config.hours, today, weeks=settings.history_weeks)


class LiveView:
    """Today's arrivals and finished services per category, and the forecast to blend them with."""

    def __init__(self, config: HallConfig, settings: SimSettings, profile: ArrivalProfile | None, day: date) -> None:
        self.settings = settings
        self.profile = profile if profile is not None and profile.days_observed(day) > 0 else None
        self.day = day
        self.open_at, self.close_at, _lunch = hall_hours(config)
        self.planned_peak = planned_peak_rates(config, settings)
        self.expected = {c.series: c.expected_service_minutes for c in config.categories}
        self.arrivals: dict[str, list[float]] = {c.series: [] for c in config.categories}
        self.finished: dict[str, list[float]] = {c.series: [] for c in config.categories}

    def arrived(self, series: str, minute: float) -> None:
        self.arrivals[series].append(minute)

    def finished_service(self, series: str, minutes: float) -> None:
        self.finished[series].append(minutes)

    def forecast_per_minute(self, series: str, minute: float) -> float | None:
        if self.profile is None:
            return self.planned_peak[series] * shape(minute)
        whole = int(minute)
        at = time(min(whole // 60, 23), whole % 60)
        return self.profile.rate_per_hour(series, self.day, at) / 60.0

    def arrivals_per_hour(self, series: str, minute: float) -> float:
        if not self.open_at <= minute < self.close_at:
            return 0.0
        # arrivals are recorded as they happen, so the list holds only what is known by now
        rate = live_rate(
            self.forecast_per_minute(series, minute),
            self.arrivals[series],
            minute,
            self.open_at,
            window_minutes=self.settings.rate_window_minutes,
            prior_minutes=self.settings.rate_prior_minutes,
        )
        return rate * 60.0

    def service_minutes(self, series: str) -> float:
        return service_estimate(self.finished[series], self.expected[series])
