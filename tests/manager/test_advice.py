"""The console's advisor bridge, without Qt: snapshot + planning JSON -> HallSnapshot -> advice -> API calls."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hall.advisor import AlertKind, MoveKind, Recommendation, WindowStatus
from hall.config import CallRule
from hall.text import Bilingual
from manager.advice import (
    AlertTracker,
    AutoApplyPolicy,
    IdleTracker,
    advise_hall,
    arrivals_per_hour,
    build_snapshot,
    recommendation_calls,
    rules_from_planning,
    skill_gaps,
)
from server.client import ApiError
from tests.counter.live import LiveHall

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
RULES = {"call_rule": "primary_first", "secondary_promote_minutes": 30, "pause_warn_minutes": 3, "long_wait_alert_minutes": 30}


def category(series: str, ages: tuple[float, ...] = (), arrived: tuple[float, ...] = (), target: float = 15.0,
             service: float = 10.0, observed_service: float | None = None, forecast: float = 0.0) -> dict[str, Any]:
    """One category of the planning JSON (db/planning.py); ``arrived``: ages of the last hour's arrivals."""
    return {"series": series, "name_zh": f"业务{series}", "name_en": f"Cat {series}", "target_wait_minutes": target,
            "expected_service_minutes": service, "waiting_ages_minutes": sorted(ages, reverse=True),
            "arrivals_last_30_minutes": sum(age < 30 for age in arrived), "arrivals_last_60_minutes": len(arrived),
            "arrival_ages_minutes": sorted(arrived), "forecast_per_hour_now": forecast, "forecast_per_hour_next": forecast,
            "services_observed": 5 if observed_service is not None else 0,
            "service_minutes": observed_service if observed_service is not None else service,
            "service_minutes_observed": observed_service is not None}


def window(number: int, primary: list[str], secondary: list[str] | None = None, state: str = "open",
           clerk: tuple[str, list[str]] | None = None, current: bool = False, paused_since: datetime | None = None) -> dict[str, Any]:
    """One window of the snapshot JSON."""
    return {"number": number, "name_zh": f"{number}号", "state": state, "primary": primary, "secondary": secondary or [],
            "current": {"number": "X001"} if current else None,
            "clerk": {"staff_no": clerk[0], "name": "某", "skills": clerk[1]} if clerk else None,
            "paused_since": paused_since.isoformat() if paused_since else None, "changed_at": None}


def reads(categories: list[dict[str, Any]], windows: list[dict[str, Any]], opened: float = 120.0,
          now: datetime = NOW) -> tuple[dict[str, Any], dict[str, Any]]:
    """(snapshot, planning) as the console reads them."""
    snapshot = {"now": now.isoformat(), "windows": windows}
    planning = {"now": now.isoformat(), "opened_minutes": opened, "rules": RULES, "categories": categories}
    return snapshot, planning


def test_build_snapshot_takes_queues_from_planning_and_states_from_the_snapshot() -> None:
    snapshot, planning = reads(
        [category("A", ages=(9.0, 4.5, 1.0), arrived=(2, 10, 20, 40, 50)), category("B", observed_service=7.5)],
        [window(1, ["A"], ["B"], clerk=("1001", ["A", "B"])),
         window(2, ["B"], state="paused", clerk=("1002", ["B"]), paused_since=NOW - timedelta(minutes=5)),
         window(3, ["A"], state="closed")],
    )
    hs = build_snapshot(snapshot, planning)
    a, b = hs.category("A"), hs.category("B")
    assert a.waiting_ages == (9.0, 4.5, 1.0) and a.oldest_minutes == 9.0 and a.target_wait_minutes == 15.0
    assert a.arrivals_per_hour == pytest.approx(3 * 60 / 30)   # 3 in the last half hour, no history: 6 an hour
    assert a.service_minutes is None and a.mean_service_minutes == 10.0      # too few services: configured
    assert b.service_minutes == 7.5 and b.mean_service_minutes == 7.5        # observed (the server's capped mean)
    w1, w2, w3 = hs.windows
    assert (w1.status, w1.primary, w1.secondary, w1.clerk, w1.clerk_skills) == (WindowStatus.OPEN, ("A",), ("B",), "1001", ("A", "B"))
    assert w2.status is WindowStatus.PAUSED and w2.paused_minutes == 5.0
    assert w3.status is WindowStatus.CLOSED and w3.clerk is None and math.isinf(w3.minutes_since_change)


def test_arrival_rate_blends_the_last_half_hour_with_the_forecast() -> None:
    """hall.forecast.live_rate, as the simulator uses it: the forecast weighs like 15 minutes."""
    seen = category("A", arrived=(1, 5, 12, 25, 40, 55), forecast=12.0)
    assert arrivals_per_hour(seen, 155.0) == pytest.approx(4 * 60 / 30)  # no history: 4 in the last half hour
    assert arrivals_per_hour(seen, 155.0, forecast_days=20) == pytest.approx((4 + 0.2 * 15) / 45 * 60)  # 9.33 an hour
    assert arrivals_per_hour(seen, 3.0) == pytest.approx(1 * 60 / 10)  # open 3 minutes: at least 10 observed
    assert arrivals_per_hour(seen, 0.0, forecast_days=20) == pytest.approx(12.0)  # at opening: the forecast
    assert arrivals_per_hour(category("A"), 0.0) == 0.0
    legacy = {"series": "A", "arrivals_last_30_minutes": 6, "arrivals_last_60_minutes": 9}  # a server without the ages
    assert arrivals_per_hour(legacy, 155.0) == pytest.approx(6 * 60 / 30)


def test_rules_come_from_the_planning_data() -> None:
    rules = rules_from_planning({"rules": {**RULES, "call_rule": "longest_wait", "secondary_promote_minutes": 20}})
    assert (rules.call_rule, rules.secondary_promote_minutes, rules.long_wait_alert_minutes) == (CallRule.LONGEST_WAIT, 20.0, 30.0)
    assert rules_from_planning({}).call_rule is CallRule.PRIMARY_FIRST


def test_idle_tracker_counts_from_the_last_busy_snapshot() -> None:
    idle = IdleTracker()
    assert idle.idle_minutes(1, False, NOW) == 0.0
    assert idle.idle_minutes(1, False, NOW + timedelta(minutes=20)) == 20.0
    assert idle.idle_minutes(1, True, NOW + timedelta(minutes=25)) == 0.0


def test_a_long_queue_gets_a_recommendation_that_becomes_api_calls() -> None:
    snapshot, planning = reads(
        [category("A", ages=tuple(25.0 * (i + 1) / 30 for i in range(30)), arrived=tuple(2.0 * i for i in range(25)), target=15.0),
         category("B", target=15.0)],
        [window(1, ["A"], clerk=("1001", ["A"]), current=True),
         window(2, ["B"], clerk=("1002", ["A", "B"]))],
    )
    advice = advise_hall(snapshot, planning)
    assert advice.predictions["A"].over_target
    rec = advice.recommendations[0]
    assert rec.window == 2 and rec.series == "A" and "A" in rec.primary + rec.secondary
    assert rec.reason.zh and rec.reason.en
    calls = recommendation_calls(rec)
    assert [c.method for c in calls] == ["set_window_categories"]
    assert calls[0].args[:3] == (2, list(rec.primary), list(rec.secondary))
    assert calls[0].args[3].startswith("系统建议：") and len(calls[0].args[3]) <= 300


def test_the_console_reads_planning_from_the_real_server(live: LiveHall) -> None:
    """Manager only; the figures reach the advisor unchanged (ages exact, not spread)."""
    live.issue("G", advance=600)    # 10 minutes later
    live.issue("G", advance=240)    # 4 minutes later
    manager = live.client("manager")
    planning, snapshot = manager.planning(), manager.snapshot()
    g = {c["series"]: c for c in planning["categories"]}["G"]
    assert g["waiting_ages_minutes"] == [14.0, 4.0]
    assert (g["arrivals_last_30_minutes"], g["arrivals_last_60_minutes"], g["arrival_ages_minutes"]) == (2, 2, [4.0, 14.0])
    advice = advise_hall(snapshot, planning)
    assert advice.predictions["G"].waiting == 2
    observed = max(10.0, min(30.0, planning["opened_minutes"]))  # a new hall: no history, no forecast
    assert planning["forecast_days"] == 0 and advice.predictions["G"].arrivals_per_hour == pytest.approx(2 * 60 / observed)
    with pytest.raises(ApiError) as refused:
        live.client("kiosk").planning()
    assert refused.value.status == 403 and refused.value.zh and refused.value.en


def test_open_and_close_recommendations_become_the_right_calls() -> None:
    base = dict(series="A", before_primary=(), before_secondary=(), clerk="1020", gain_ticket_minutes=50.0,
                wait_before=40.0, wait_after=10.0, reason=Bilingual("开", "open"))
    opening = Recommendation(kind=MoveKind.OPEN_WINDOW, window=20, primary=("A",), secondary=("B",), **base)  # type: ignore[arg-type]
    assert [(c.method, c.args) for c in recommendation_calls(opening, "r")] == [
        ("set_window_categories", (20, ["A"], ["B"], "r")), ("open_window", (20, "r"))]
    closing = Recommendation(kind=MoveKind.CLOSE_WINDOW, window=7, primary=(), secondary=(), **base)  # type: ignore[arg-type]
    assert [(c.method, c.args) for c in recommendation_calls(closing, "r")] == [("close_window", (7, "r"))]


def test_alerts_come_and_go_with_their_conditions() -> None:
    tracker = AlertTracker()
    waiting = reads([category("A", ages=(41.0, 20.0))], [window(1, ["A"], clerk=("1001", ["A"]))])
    alerts = advise_hall(*waiting).alerts
    long_wait = [a for a in alerts if a.kind is AlertKind.LONG_WAIT]
    assert long_wait and "1 人等候超过 30 分钟" in long_wait[0].message.zh   # exact ages: one over the limit
    first = tracker.update(alerts, NOW)
    again = tracker.update(alerts, NOW + timedelta(minutes=1))
    assert [since for _, since in again] == [since for _, since in first] == [NOW] * len(alerts)
    served = reads([category("A")], [window(1, ["A"], clerk=("1001", ["A"]))])
    assert advise_hall(*served).alerts == ()
    assert tracker.update((), NOW) == [] and tracker.since == {}


def test_unserved_and_long_pause_alerts() -> None:
    data = reads([category("A", ages=(1.0,))],
                 [window(1, ["A"], state="closed"), window(2, ["B"], state="paused", paused_since=NOW - timedelta(minutes=4))])
    kinds = {a.kind for a in advise_hall(*data).alerts}
    assert {AlertKind.UNSERVED, AlertKind.LONG_PAUSE} <= kinds


def test_auto_apply_is_opt_in_limited_per_hour_and_never_closes() -> None:
    base = dict(series="A", before_primary=(), before_secondary=(), clerk=None, gain_ticket_minutes=1.0,
                wait_before=0.0, wait_after=0.0, reason=Bilingual("x", "x"))
    move = Recommendation(kind=MoveKind.ADD_CATEGORY, window=1, primary=("A",), secondary=(), **base)  # type: ignore[arg-type]
    close = Recommendation(kind=MoveKind.CLOSE_WINDOW, window=2, primary=(), secondary=(), **base)  # type: ignore[arg-type]
    policy = AutoApplyPolicy(max_per_hour=2)
    assert policy.pick([move], NOW) is None
    policy.enabled = True
    assert policy.pick([close], NOW) is None
    assert policy.pick([close, move], NOW) is move
    policy.record(NOW)
    policy.record(NOW + timedelta(minutes=10))
    assert policy.pick([move], NOW + timedelta(minutes=20)) is None
    assert policy.pick([move], NOW + timedelta(minutes=61)) is move


def test_skill_gaps_warn_about_categories_the_clerk_cannot_do() -> None:
    assert skill_gaps(window(3, ["B"], clerk=("1003", ["B", "E"])), ["C", "B"]) == ["C"]
    assert skill_gaps(window(3, ["B"]), ["C"]) == []
