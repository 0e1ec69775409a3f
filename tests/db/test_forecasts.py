"""Forecasts from the hall's history (db/forecasts.py) and in the planning read, on SQLite and PostgreSQL.

The history (hall-local times; the sample hall's tests start on Tuesday 2026-11-17 at 10:00):
one 不动产 (C) ticket at 10:00 on every workday from the 17th to Monday the 23rd, two on
Tuesday the 17th, none at the weekend (appointment-only). Asked on Tuesday the 24th:

* the workday pool rests on 5 days with 6 tickets in the 10:00 slot: 1.2 a half hour = 2.4/h;
* Tuesdays rest on one day with 2 tickets = 4/h, shrunk towards the pool as if it were two
  more days: (1 × 4 + 2 × 2.4) / 3 = 2.933/h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.forecasts import ARRIVALS_IN_SPAN, ProfileCache, arrival_history, forecast_day
from db.planning import planning_state
from hall.text import HallRuleError
from tests.db.conftest import HallEnv
from tests.db.test_query_plans import plan

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASKED_DAY = date(2026, 11, 24)
TUESDAY_10 = (1 * 4 + 2 * 2.4) / 3


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def build_history(env: HallEnv) -> None:
    env.issue("C", advance=0)
    for offset in range(7):  # the 17th to the 23rd at 10:00
        if (date(2026, 11, 17) + timedelta(days=offset)).isoweekday() <= 5:
            env.issue("C", advance=0)
        if offset < 6:
            env.clock.advance(timedelta(days=1))


def test_the_history_query_reads_the_span_of_days(hall_env: HallEnv) -> None:
    build_history(hall_env)
    with hall_env.session() as session:
        rows = arrival_history(session, hall_env.hall_id, date(2026, 11, 18), date(2026, 11, 23))
        everything = arrival_history(session, hall_env.hall_id, date(2026, 11, 1), ASKED_DAY)
    assert [series for series, _ in rows] == ["C"] * 3  # Wed-Fri; the weekend had none; Monday is the end
    assert {issued.astimezone(SHANGHAI).strftime("%H:%M") for _, issued in rows} == {"10:00"}
    assert len(everything) == 6  # two on the 17th


def test_the_history_query_searches_an_index_of_days(env: HallEnv) -> None:
    steps = "\n".join(plan(env, ARRIVALS_IN_SPAN, {"hall_id": env.hall_id, "first_day": date(2026, 9, 1), "end_day": ASKED_DAY}))
    # tickets_by_day or the (hall, day, series, number) unique index: either starts at the span.
    assert "SEARCH tickets USING INDEX" in steps and "business_day>?" in steps and "SCAN" not in steps, steps


def test_planning_publishes_the_forecast_now_and_next(hall_env: HallEnv) -> None:
    build_history(hall_env)
    hall_env.clock.advance(timedelta(hours=23, minutes=50))  # Tuesday the 24th, 09:50
    cache = ProfileCache()
    state = planning_state(hall_env.store, hall_env.hall_id, hall_env.clock.now(), cache)
    c = {category["series"]: category for category in state["categories"]}["C"]
    assert state["forecast_days"] == 5
    assert c["forecast_per_hour_now"] == 0.0  # the 09:30 slot saw nobody
    assert c["forecast_per_hour_next"] == pytest.approx(TUESDAY_10, abs=1e-3)  # 10:20 is in the 10:00 slot
    assert c["arrival_ages_minutes"] == []
    hall_env.issue("C", advance=0)
    hall_env.clock.advance(timedelta(minutes=15))
    again = planning_state(hall_env.store, hall_env.hall_id, hall_env.clock.now(), cache)
    c = {category["series"]: category for category in again["categories"]}["C"]
    assert c["arrival_ages_minutes"] == [15.0] and c["forecast_per_hour_now"] == pytest.approx(TUESDAY_10, abs=1e-3)
    assert cache.builds == 1  # the history was read once for the day


def test_the_forecast_of_a_day(hall_env: HallEnv) -> None:
    build_history(hall_env)
    hall_env.clock.advance(timedelta(hours=23, minutes=50))
    now = hall_env.clock.now()
    wednesday = forecast_day(hall_env.store, hall_env.hall_id, "2026-11-25", now)
    assert (wednesday["date"], wednesday["slot_minutes"], wednesday["open"], wednesday["days_observed"]) == ("2026-11-25", 30, True, 5)
    c = {category["series"]: category for category in wednesday["categories"]}["C"]
    assert (c["name_zh"], c["target_wait_minutes"], c["service_minutes"], c["services_observed"]) == ("不动产登记", 20.0, 20.0, 0)
    slots = {slot["start"]: slot["arrivals_per_hour"] for slot in c["slots"]}
    assert next(iter(slots)) == "08:30" and list(slots)[-1] == "18:30" and len(slots) == 21
    # Wednesdays: one day with 1 ticket = 2/h, shrunk towards the pool's 2.4/h.
    assert slots["10:00"] == pytest.approx((1 * 2 + 2 * 2.4) / 3, abs=1e-3) and slots["09:30"] == 0.0
    assert forecast_day(hall_env.store, hall_env.hall_id, None, now)["date"] == "2026-11-24"
    holiday = forecast_day(hall_env.store, hall_env.hall_id, "2026-10-01", now)
    assert not holiday["open"] and all(category["slots"] == [] for category in holiday["categories"])
    saturday = forecast_day(hall_env.store, hall_env.hall_id, "2026-11-28", now)
    assert saturday["open"] and all(slot["arrivals_per_hour"] == 0.0 for slot in saturday["categories"][0]["slots"])
    for garbage in ("tomorrow", "2026-13-01", "", "2030-01-01"):
        with pytest.raises(HallRuleError) as refused:
            forecast_day(hall_env.store, hall_env.hall_id, garbage, now)
        assert refused.value.status == 400 and refused.value.message.zh and refused.value.message.en
