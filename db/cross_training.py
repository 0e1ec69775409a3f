"""交叉培训建议 for the live hall: which clerk to train in which second category, screened by the
queueing model and confirmed by simulation (:mod:`hall.simulation.training`), on the hall as the
database holds it now — the categories, windows and clerks the manager edited, the day's forecast
arrivals and the observed service times — not on the file it started from.

A few seconds of CPU (5 seeds, 4 simulated days each), so :class:`CrossTrainingCache` keeps one
answer per hall and inputs and lets one computation run at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.forecasts import ProfileCache, ReadsSessions, forecast_day, session_of
from db.models import Category, Clerk, Hall, Window, WindowCategory
from db.store import hours_from_json, rules_from_json
from hall.config import CategoryConfig, ClerkConfig, HallConfig, WindowConfig
from hall.simulation.settings import SimSettings
from hall.simulation.training import TrainingSuggestion, suggest_cross_training

SEEDS = tuple(range(1, 6))
CONFIRMED = 3  # suggestions simulated with and without the extra skill


def hall_config(session: Session, hall_id: int) -> HallConfig:
    """The hall's catalogue, windows and clerks as they are in the database (active ones)."""
    hall = session.get(Hall, hall_id)
    assert hall is not None
    categories = {
        c.id: c
        for c in session.scalars(
            select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.series)
        )
    }
    served: dict[int, list[tuple[int, bool, str]]] = {}
    for link in session.scalars(select(WindowCategory).join(Window).where(Window.hall_id == hall_id)):
        category = categories.get(link.category_id)
        if category is not None:
            served.setdefault(link.window_id, []).append((link.rank, link.primary, category.series))
    windows = []
    for w in session.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)):
        links = sorted(served.get(w.id, []))
        windows.append(
            WindowConfig(
                w.number,
                w.name_zh,
                w.name_en,
                w.department,
                primary=tuple(s for _rank, primary, s in links if primary),
                secondary=tuple(s for _rank, primary, s in links if not primary),
                open=w.state != "closed",
            )
        )
    clerks = tuple(
        ClerkConfig(c.staff_no, c.name, c.department, tuple(str(s) for s in c.skills or ()), lunch=c.lunch)
        for c in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id, Clerk.active).order_by(Clerk.staff_no))
    )
    return HallConfig(
        hall.code,
        hall.name_zh,
        hall.name_en,
        hours=hours_from_json(hall.hours),
        rules=rules_from_json(hall.rules),
        categories=tuple(
            CategoryConfig(c.series, c.name_zh, c.name_en, c.department, c.expected_service_minutes, c.target_wait_minutes)
            for c in categories.values()
        ),
        windows=tuple(windows),
        clerks=clerks,
    )


def _with_forecast(config: HallConfig, forecast: dict[str, Any]) -> tuple[HallConfig, SimSettings]:
    """The forecast's mean arrivals over its open slots and its observed service times; without
    history (no day observed) the simulator's own rates (each category's windows 85 % busy at the peak)."""
    if not forecast.get("days_observed"):
        return config, SimSettings(history_weeks=0)
    rates = []
    service = {}
    for c in forecast["categories"]:
        slots = [float(s["arrivals_per_hour"]) for s in c["slots"]]
        if slots:
            rates.append((str(c["series"]), sum(slots) / len(slots)))
        service[c["series"]] = float(c["service_minutes"])
    categories = tuple(
        dataclasses.replace(c, expected_service_minutes=service.get(c.series, c.expected_service_minutes)) for c in config.categories
    )
    return dataclasses.replace(config, categories=categories), SimSettings(history_weeks=0, rates_per_hour=tuple(rates))


def _estimate(value: Any) -> dict[str, float] | None:
    return None if value is None else {"value": round(value.value, 3), "half_width": round(value.half_width, 3)}


def _to_json(suggestion: TrainingSuggestion, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    home, train = names.get(suggestion.home, ("", "")), names.get(suggestion.train_in, ("", ""))
    return {
        "staff_no": suggestion.staff_no,
        "name": suggestion.name,
        "home": suggestion.home,
        "home_zh": home[0],
        "home_en": home[1],
        "train_in": suggestion.train_in,
        "train_in_zh": train[0],
        "train_in_en": train[1],
        "screened_gain": round(suggestion.screened_gain, 3),
        "mean_before": _estimate(suggestion.mean_before),
        "mean_after": _estimate(suggestion.mean_after),
        "saving": _estimate(suggestion.saving),
    }


def cross_training_inputs(
    source: Session | ReadsSessions, hall_id: int, now: datetime, profiles: ProfileCache | None
) -> tuple[HallConfig, SimSettings, dict[str, Any]]:
    with session_of(source) as session:
        config = hall_config(session, hall_id)
        forecast = forecast_day(session, hall_id, None, now, profiles)
    config, settings = _with_forecast(config, forecast)
    return config, settings, forecast


def cross_training(config: HallConfig, settings: SimSettings, forecast: dict[str, Any]) -> dict[str, Any]:
    """The ``/api/staffing-plan/cross-training`` JSON: the confirmed suggestions, best saving first."""
    suggestions = suggest_cross_training(config, settings, SEEDS, confirm=CONFIRMED)
    names = {c.series: (c.name_zh, c.name_en) for c in config.categories}
    return {
        "date": forecast["date"],
        "days_observed": forecast.get("days_observed", 0),
        "seeds": len(SEEDS),
        "policy": "skills",
        "suggestions": [_to_json(s, names) for s in suggestions],
    }


class CrossTrainingCache:
    """One answer per hall and inputs for ``ttl`` seconds; one computation at a time (the others
    wait for it and then read its answer), so a manager clicking twice costs one run."""

    def __init__(self, ttl: float = 600.0, max_entries: int = 8, clock: Callable[[], float] = time.monotonic) -> None:
        self._answers: OrderedDict[tuple[int, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self._ttl, self._max, self._clock = ttl, max_entries, clock

    def get(self, source: Session | ReadsSessions, hall_id: int, now: datetime, profiles: ProfileCache | None) -> dict[str, Any]:
        config, settings, forecast = cross_training_inputs(source, hall_id, now, profiles)
        inputs = json.dumps([repr(config), repr(settings), forecast["date"]], ensure_ascii=False)
        key = (hall_id, hashlib.sha256(inputs.encode()).hexdigest())
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and self._clock() - cached[0] < self._ttl:
                return cached[1]
            answer = cross_training(config, settings, forecast)
            self._answers[key] = (self._clock(), answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self._max:
                self._answers.popitem(last=False)
            return answer
