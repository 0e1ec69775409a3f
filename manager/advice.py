"""The manager console's bridge between the server and the reallocation advisor.

No Qt here: this module joins the ``/api/snapshot`` JSON (window states, pauses, current tickets)
and the manager-only ``/api/planning`` JSON (:mod:`db.planning`: per category the age of every
waiting ticket and of every arrival in the last hour, the forecast arrival rate from the hall's
history, today's service-time estimate; the hall's call rule) into a :class:`hall.advisor.HallSnapshot`, runs :func:`hall.advisor.advise`, and turns a
:class:`Recommendation` into the API calls that carry it out. It also owns the console's small
rules: how long a window has been idle, which alerts are new, and how many moves auto-apply may
make per hour.

What is estimated here, and how
-------------------------------
* **Arrival rate.** :func:`hall.forecast.live_rate`, the function the simulator uses: the
  arrivals of the last 30 minutes the hall was open, blended with the forecast for now
  (``forecast_per_hour_now``, from the hall's own history per weekday and half hour), which
  weighs like 15 minutes of observation. A hall without history yet (``forecast_days`` 0) has
  no forecast: the observation alone, over at least ``MIN_OBSERVED_MINUTES``.
* **Service time.** The server's :func:`hall.forecast.service_estimate` (the capped mean of
  today's finished services) when it has observed enough (``service_minutes_observed``);
  otherwise the advisor uses the configured expectation.
* **Idle time.** Tracked by this console from successive snapshots (a window is busy while it has
  a current ticket); a console that just started sees every window as busy a moment ago, so it
  proposes no closures for ``close_idle_minutes``.
* **Spare clerks.** Only clerks logged in at a window are known, so "open a window with a free
  clerk" is proposed only for a closed window whose clerk is logged in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from hall.advisor import (
    Advice,
    AdvisorSettings,
    CategoryState,
    HallSnapshot,
    MoveKind,
    Recommendation,
    WindowState,
    WindowStatus,
    advise,
)
from hall.config import CallRule, RulesConfig
from hall.forecast import live_rate

MIN_OBSERVED_MINUTES = 10.0
REASON_LIMIT = 300  # the server's limit on an audited reason


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def minutes_between(earlier: datetime | None, later: datetime | None) -> float | None:
    if earlier is None or later is None:
        return None
    if (earlier.tzinfo is None) != (later.tzinfo is None):
        earlier, later = earlier.replace(tzinfo=None), later.replace(tzinfo=None)
    return max(0.0, (later - earlier).total_seconds() / 60.0)


def window_status(state: str) -> WindowStatus:
    if state == "paused":
        return WindowStatus.PAUSED
    if state == "closed":
        return WindowStatus.CLOSED
    return WindowStatus.OPEN


def rules_from_planning(planning: Mapping[str, Any]) -> RulesConfig:
    """The rules the advisor applies, as the server publishes them (defaults for what is missing)."""
    published = planning.get("rules") or {}
    defaults = RulesConfig()
    try:
        call_rule = CallRule(published.get("call_rule", defaults.call_rule.value))
    except ValueError:
        call_rule = defaults.call_rule
    return RulesConfig(
        call_rule=call_rule,
        secondary_promote_minutes=float(published.get("secondary_promote_minutes", defaults.secondary_promote_minutes)),
        pause_warn_minutes=float(published.get("pause_warn_minutes", defaults.pause_warn_minutes)),
        long_wait_alert_minutes=float(published.get("long_wait_alert_minutes", defaults.long_wait_alert_minutes)),
    )


def arrivals_per_hour(category: Mapping[str, Any], opened_minutes: float, forecast_days: int = 0) -> float:
    """The arrival rate the advisor uses for one planning category (how: the module doc)."""
    ages = category.get("arrival_ages_minutes")
    if ages is None:  # a server from before the forecasts: its recent arrivals, as if just now
        ages = [0.0] * int(category.get("arrivals_last_30_minutes", 0))
    # On a clock whose zero is now, arrivals lie at minus their age, in ascending order.
    arrival_minutes = sorted(-float(age) for age in ages)
    forecast = float(category.get("forecast_per_hour_now") or 0.0) / 60.0 if forecast_days > 0 else None
    rate = live_rate(forecast, arrival_minutes, 0.0, -max(0.0, float(opened_minutes)), min_observed_minutes=MIN_OBSERVED_MINUTES)
    return rate * 60.0


def category_state(category: Mapping[str, Any], opened_minutes: float, forecast_days: int = 0) -> CategoryState:
    observed = bool(category.get("service_minutes_observed"))
    return CategoryState(
        series=category["series"],
        waiting_ages=tuple(float(age) for age in category.get("waiting_ages_minutes", ())),
        arrivals_per_hour=arrivals_per_hour(category, opened_minutes, forecast_days),
        service_minutes=float(category["service_minutes"]) if observed else None,
        expected_service_minutes=float(category.get("expected_service_minutes") or 10.0),
        target_wait_minutes=float(category.get("target_wait_minutes") or 15.0),
        name_zh=category.get("name_zh", ""),
        name_en=category.get("name_en", ""),
    )


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


@dataclass
class IdleTracker:
    """When each window last had a ticket at it, as seen in successive snapshots."""

    last_busy: dict[int, datetime] = field(default_factory=dict)

    def idle_minutes(self, number: int, busy: bool, now: datetime) -> float:
        if busy or number not in self.last_busy:
            self.last_busy[number] = now
            return 0.0
        return minutes_between(self.last_busy[number], now) or 0.0


def build_snapshot(snapshot: Mapping[str, Any], planning: Mapping[str, Any], idle: IdleTracker | None = None) -> HallSnapshot:
    """The advisor's view of the hall: queues from ``planning``, window states from ``snapshot``."""
    now = parse_time(snapshot.get("now")) or parse_time(planning.get("now")) or datetime.now().astimezone()
    idle = idle or IdleTracker()
    opened = float(planning.get("opened_minutes") or 0.0)
    forecast_days = int(planning.get("forecast_days") or 0)
    categories = tuple(category_state(c, opened, forecast_days) for c in planning.get("categories", []))
    windows = []
    for w in snapshot.get("windows", []):
        clerk = w.get("clerk") or None
        status = window_status(str(w.get("state", "open")))
        since_change = minutes_between(parse_time(w.get("changed_at")), now)
        paused = minutes_between(parse_time(w.get("paused_since")), now) if status is WindowStatus.PAUSED else None
        windows.append(
            WindowState(
                number=int(w["number"]),
                status=status,
                primary=tuple(w.get("primary", [])),
                secondary=tuple(w.get("secondary", [])),
                clerk=clerk["staff_no"] if clerk else None,
                clerk_skills=tuple(clerk.get("skills") or ()) if clerk else (),
                minutes_since_change=math.inf if since_change is None else since_change,
                paused_minutes=paused or 0.0,
                idle_minutes=idle.idle_minutes(int(w["number"]), bool(w.get("current")), now),
            )
        )
    return HallSnapshot(categories, tuple(windows))


def advise_hall(
    snapshot: Mapping[str, Any],
    planning: Mapping[str, Any],
    idle: IdleTracker | None = None,
    settings: AdvisorSettings | None = None,
) -> Advice:
    """Predictions, recommendations and alerts for the hall as the two reads describe it."""
    return advise(build_snapshot(snapshot, planning, idle), settings, rules_from_planning(planning))


# --------------------------------------------------------------------------- carrying out a move


@dataclass(frozen=True)
class ApiCall:
    """One ``HallClient`` method call: ``getattr(client, method)(*args)``."""

    method: str
    args: tuple[Any, ...]

    def run(self, client: Any) -> Any:
        return getattr(client, self.method)(*self.args)


def reason_text(recommendation: Recommendation, prefix: str = "系统建议") -> str:
    return f"{prefix}：{recommendation.reason.zh}"[:REASON_LIMIT]


def recommendation_calls(recommendation: Recommendation, reason: str | None = None) -> list[ApiCall]:
    """The API calls that carry out ``recommendation``, in order (each is audited by the server)."""
    why = (reason if reason is not None else reason_text(recommendation))[:REASON_LIMIT]
    w = recommendation.window
    if recommendation.kind is MoveKind.CLOSE_WINDOW:
        return [ApiCall("close_window", (w, why))]
    calls = [ApiCall("set_window_categories", (w, list(recommendation.primary), list(recommendation.secondary), why))]
    if recommendation.kind is MoveKind.OPEN_WINDOW:
        calls.append(ApiCall("open_window", (w, why)))
    return calls


def run_calls(client: Any, calls: Sequence[ApiCall]) -> list[Any]:
    """Run calls in order, stopping at the first error (raised). Meant for a worker thread."""
    return [call.run(client) for call in calls]


def skill_gaps(window: Mapping[str, Any], series: Iterable[str]) -> list[str]:
    """Categories the window's logged-in clerk has no skill for (a warning, not a refusal)."""
    clerk = window.get("clerk") or None
    if not clerk:
        return []
    skills = set(clerk.get("skills") or ())
    return [s for s in series if s not in skills]


# --------------------------------------------------------------------------- alerts and auto-apply


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


AlertT = TypeVar("AlertT", bound=Keyed)


@dataclass
class AlertTracker:
    """Remembers since when each alert has been active, so the console can show new ones first
    and drop an alert as soon as its condition stops (the advisor's alerts and the device alerts,
    :func:`hall.devices.device_alerts`, are stateless: each is known by its key)."""

    since: dict[str, datetime] = field(default_factory=dict)

    def update(self, alerts: Sequence[AlertT], now: datetime) -> list[tuple[AlertT, datetime]]:
        keys = {a.key for a in alerts}
        for key in list(self.since):
            if key not in keys:
                del self.since[key]
        out = []
        for alert in alerts:
            out.append((alert, self.since.setdefault(alert.key, now)))
        out.sort(key=lambda pair: pair[1], reverse=True)
        return out


@dataclass
class AutoApplyPolicy:
    """Opt-in automatic application of the best recommendation, at most ``max_per_hour`` moves
    in any rolling hour (server time). Closures are never applied automatically."""

    enabled: bool = False
    max_per_hour: int = 4
    applied: list[datetime] = field(default_factory=list)

    def used(self, now: datetime) -> int:
        cutoff = _naive(now) - timedelta(hours=1)
        self.applied = [t for t in self.applied if _naive(t) > cutoff]
        return len(self.applied)

    def pick(self, recommendations: Sequence[Recommendation], now: datetime) -> Recommendation | None:
        if not self.enabled or self.used(now) >= self.max_per_hour:
            return None
        for rec in recommendations:
            if rec.kind is not MoveKind.CLOSE_WINDOW:
                return rec
        return None

    def record(self, now: datetime) -> None:
        self.applied.append(now)


def snapshot_now(snapshot: Mapping[str, Any]) -> datetime:
    return parse_time(snapshot.get("now")) or datetime.now().astimezone()
