"""The staffing plan of a day from the hall's rows (db/staffing.py), on SQLite and PostgreSQL.

The history is tests/db/test_forecasts.py's: one 不动产 (C) ticket at 10:00 on every workday from
Tuesday 2026-11-17 to Monday the 23rd, two on the 17th. Asked on Tuesday the 24th, C's 10:00 slot
expects (1 × 4 + 2 × 2.4) / 3 = 2.933 an hour; at the sample hall's 20 minutes a service that is a
load of a = 0.978. One window never settles (ρ = 0.98 would mean a wait of 15 hours); two:
Erlang B = (a²/2) / (1 + a + a²/2) = 0.1947, C = B / (1 − ρ + ρB) = 0.3211 with ρ = a/2, mean wait
C·20 / (2 − a) = 6.28 min ≤ 20 and P(W > 20) = C·e^(−(2 − a)) = 0.115 ≤ 0.2: two windows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.forecasts import ProfileCache
from db.staffing import staffing_plan_day
from tests.db.conftest import HallEnv
from tests.db.test_forecasts import build_history


def test_the_plan_of_a_day_from_the_history(hall_env: HallEnv) -> None:
    build_history(hall_env)
    hall_env.clock.advance(timedelta(hours=23, minutes=50))  # Tuesday the 24th, 09:50
    cache = ProfileCache()
    plan = staffing_plan_day(hall_env.store, hall_env.hall_id, None, hall_env.clock.now(), cache)
    assert plan["date"] == "2026-11-24" and plan["open"] is True and plan["days_observed"] == 5
    assert (plan["clerks"], plan["windows"], plan["slot_minutes"]) == (20, 20, 30)
    assert plan["pools"] == [["A", "B", "C", "E"], ["D", "F", "H"]]  # categories sharing a two-category window
    slots = {s["start"]: s for s in plan["slots"]}
    assert slots["08:30"]["period"] == "regular" and slots["12:00"]["period"] == "lunch" and slots["18:30"]["period"] == "extended"
    ten = slots["10:00"]
    c = {cell["series"]: cell for cell in ten["categories"]}["C"]
    assert c["arrivals_per_hour"] == pytest.approx(2.93, abs=0.01)
    assert (c["windows"], c["square_root_windows"]) == (2, 2)
    assert c["mean_wait_minutes"] == pytest.approx(6.28, abs=0.01) and c["within_target_share"] == pytest.approx(0.8845, abs=0.001)
    assert ten["needed"] == 2 and ten["pooled_needed"] == 2 and ten["shortfall"] == 0 and ten["on_duty"] == 20
    assert slots["09:30"]["needed"] == 0  # nobody came at 09:30
    assert plan["peaks"]["morning"]["start"] == "10:00" and plan["peaks"]["lunch"]["needed"] == 0
    early, late = plan["lunch_turns"]
    assert (early["start"], early["end"], late["start"], late["end"]) == ("11:30", "12:30", "12:30", "13:30")
    assert len(early["staff"]) + len(late["staff"]) == 20 and abs(len(early["staff"]) - len(late["staff"])) <= 1
    assert slots["12:00"]["on_duty"] == 20 - len(early["staff"])
    assert plan["notes"] == []
    # A Saturday: appointment-only, its own (empty) pool; a holiday: no slots.
    saturday = staffing_plan_day(hall_env.store, hall_env.hall_id, "2026-11-28", hall_env.clock.now(), cache)
    assert {s["period"] for s in saturday["slots"]} == {"appointment_only"} and saturday["peaks"]["day"]["needed"] == 0
    holiday = staffing_plan_day(hall_env.store, hall_env.hall_id, "2026-10-01", hall_env.clock.now(), cache)
    assert holiday["open"] is False and holiday["slots"] == [] and holiday["lunch_turns"] == [] and holiday["peaks"]["day"] is None
    assert cache.builds == 1
