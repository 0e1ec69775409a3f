"""The console's advisor bridge, without Qt: snapshot JSON -> HallSnapshot -> advice -> API calls."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hall.advisor import AlertKind, MoveKind, Recommendation, WindowStatus
from hall.text import Bilingual
from manager.advice import (
    AlertTracker,
    ArrivalCounter,
    AutoApplyPolicy,
    IdleTracker,
    advise_snapshot,
    build_snapshot,
    recommendation_calls,
    skill_gaps,
    waiting_ages,
)

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def category(series: str, waiting: int = 0, longest: float = 0.0, target: float = 15.0, service: float = 10.0) -> dict[str, Any]:
    return {"series": series, "name_zh": f"业务{series}", "name_en": f"Cat {series}", "waiting": waiting,
            "longest_wait_minutes": longest, "target_wait_minutes": target, "expected_service_minutes": service,
            "windows_serving": 1, "estimated_wait_minutes": 0}


def window(number: int, primary: list[str], secondary: list[str] | None = None, state: str = "open",
           clerk: tuple[str, list[str]] | None = None, current: bool = False, paused_since: datetime | None = None) -> dict[str, Any]:
    return {"number": number, "name_zh": f"{number}号", "state": state, "primary": primary, "secondary": secondary or [],
            "current": {"number": "X001"} if current else None,
            "clerk": {"staff_no": clerk[0], "name": "某", "skills": clerk[1]} if clerk else None,
            "paused_since": paused_since.isoformat() if paused_since else None, "changed_at": None}


def snap(categories: list[dict[str, Any]], windows: list[dict[str, Any]], now: datetime = NOW) -> dict[str, Any]:
    return {"now": now.isoformat(), "categories": categories, "windows": windows,
            "rules": {"pause_warn_minutes": 3, "long_wait_alert_minutes": 30}}


def test_waiting_ages_spread_evenly_with_the_exact_oldest() -> None:
    assert waiting_ages(0, 12.0) == ()
    assert waiting_ages(4, 20.0) == (20.0, 15.0, 10.0, 5.0)


def test_build_snapshot_maps_states_clerks_and_pauses() -> None:
    data = snap(
        [category("A", waiting=3, longest=9.0), category("B")],
        [window(1, ["A"], ["B"], clerk=("1001", ["A", "B"])),
         window(2, ["B"], state="paused", clerk=("1002", ["B"]), paused_since=NOW - timedelta(minutes=5)),
         window(3, ["A"], state="closed")],
    )
    hs = build_snapshot(data)
    a = hs.category("A")
    assert a.waiting == 3 and a.oldest_minutes == 9.0 and a.target_wait_minutes == 15.0
    assert a.arrivals_per_hour == 3 * 60 / 9.0  # backlog estimate before enough has been observed
    w1, w2, w3 = hs.windows
    assert (w1.status, w1.primary, w1.secondary, w1.clerk, w1.clerk_skills) == (WindowStatus.OPEN, ("A",), ("B",), "1001", ("A", "B"))
    assert w2.status is WindowStatus.PAUSED and w2.paused_minutes == 5.0
    assert w3.status is WindowStatus.CLOSED and w3.clerk is None and math.isinf(w3.minutes_since_change)


def test_arrival_rate_counts_issued_events_once_observed_long_enough() -> None:
    arrivals = ArrivalCounter(started=NOW - timedelta(minutes=30))
    for i in range(12):
        at = NOW - timedelta(minutes=2 * i)
        arrivals.observe_event({"kind": "ticket_issued", "data": {"ticket": {"series": "A", "issued_at": at.isoformat()}}})
    arrivals.observe_event({"kind": "ticket_called", "data": {"ticket": {"series": "A"}}})
    assert arrivals.per_hour("A", NOW) == 12 * 60 / 30
    assert arrivals.per_hour("B", NOW) == 0.0
    later = NOW + timedelta(minutes=90)
    assert arrivals.per_hour("A", later) == 0.0  # older than an hour: forgotten


def test_idle_tracker_counts_from_the_last_busy_snapshot() -> None:
    idle = IdleTracker()
    assert idle.idle_minutes(1, False, NOW) == 0.0
    assert idle.idle_minutes(1, False, NOW + timedelta(minutes=20)) == 20.0
    assert idle.idle_minutes(1, True, NOW + timedelta(minutes=25)) == 0.0


def test_a_long_queue_gets_a_recommendation_that_becomes_api_calls() -> None:
    data = snap(
        [category("A", waiting=30, longest=25.0, target=15.0), category("B", target=15.0)],
        [window(1, ["A"], clerk=("1001", ["A"]), current=True),
         window(2, ["B"], clerk=("1002", ["A", "B"]))],
    )
    advice = advise_snapshot(data)
    assert advice.predictions["A"].over_target
    rec = advice.recommendations[0]
    assert rec.window == 2 and rec.series == "A" and "A" in rec.primary + rec.secondary
    assert rec.reason.zh and rec.reason.en
    calls = recommendation_calls(rec)
    assert [c.method for c in calls] == ["set_window_categories"]
    assert calls[0].args[:3] == (2, list(rec.primary), list(rec.secondary))
    assert calls[0].args[3].startswith("系统建议：") and len(calls[0].args[3]) <= 300


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
    waiting = snap([category("A", waiting=2, longest=41.0)], [window(1, ["A"], clerk=("1001", ["A"]))])
    alerts = advise_snapshot(waiting).alerts
    assert AlertKind.LONG_WAIT in {a.kind for a in alerts}
    first = tracker.update(alerts, NOW)
    again = tracker.update(alerts, NOW + timedelta(minutes=1))
    assert [since for _, since in again] == [since for _, since in first] == [NOW] * len(alerts)
    served = snap([category("A")], [window(1, ["A"], clerk=("1001", ["A"]))])
    assert advise_snapshot(served).alerts == ()
    assert tracker.update((), NOW) == [] and tracker.since == {}


def test_unserved_and_long_pause_alerts() -> None:
    data = snap([category("A", waiting=1, longest=1.0)],
                [window(1, ["A"], state="closed"), window(2, ["B"], state="paused", paused_since=NOW - timedelta(minutes=4))])
    kinds = {a.kind for a in advise_snapshot(data).alerts}
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
