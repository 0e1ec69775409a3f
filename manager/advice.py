"""The manager console's bridge between the server's snapshot and the reallocation advisor.

No Qt here: this module turns the ``/api/snapshot`` JSON into a :class:`hall.advisor.HallSnapshot`,
runs :func:`hall.advisor.advise`, and turns a :class:`Recommendation` into the API calls that carry
it out. It also owns the console's small rules: how fast tickets arrive, how long a window has
been idle, which alerts are new, and how many moves auto-apply may make per hour.

Approximations (the snapshot carries counts, not per-ticket data)
-----------------------------------------------------------------
* **Waiting ages.** The snapshot gives, per category, the number waiting ``q`` and the longest
  wait ``L``. The ages are taken as evenly spread: ``L, L·(q-1)/q, …, L/q`` — as if tickets had
  arrived at a steady rate since the oldest one. Only the oldest age is exact; the long-wait alert
  (which looks at the oldest) is therefore exact, and the count over the limit is an estimate.
* **Arrival rate.** Counted client-side from the ``ticket_issued`` events the console has seen
  in the last hour (server time), divided by the time actually observed (at least
  ``MIN_OBSERVED_MINUTES``). Until the console has watched that long, the rate falls back to the
  backlog estimate ``q / L`` per minute (the rate that would have built the queue with nobody
  served) — an under-estimate when windows are busy, but never zero when people are waiting.
* **Service time.** The configured ``expected_service_minutes``; observed means are not in the
  snapshot.
* **Idle time.** Tracked by this console from successive snapshots (a window is busy while it has
  a current ticket); a console that just started sees every window as busy a moment ago, so it
  proposes no closures for ``close_idle_minutes``.
* **Rules.** The snapshot carries ``pause_warn_minutes`` and ``long_wait_alert_minutes``; the call
  rule and ``secondary_promote_minutes`` are not published and take :class:`RulesConfig` defaults.
* **Spare clerks.** The snapshot lists clerks only at windows, so "open a window with a free
  clerk" is proposed only for a closed window whose clerk is logged in.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hall.advisor import (
    Advice,
    AdvisorSettings,
    Alert,
    CategoryState,
    HallSnapshot,
    MoveKind,
    Recommendation,
    WindowState,
    WindowStatus,
    advise,
)
from hall.config import RulesConfig

MIN_OBSERVED_MINUTES = 10.0
RATE_WINDOW_MINUTES = 60.0
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


def waiting_ages(waiting: int, longest_minutes: float) -> tuple[float, ...]:
    """Evenly spread ages for ``waiting`` tickets, the oldest ``longest_minutes`` (see module doc)."""
    if waiting <= 0:
        return ()
    longest = max(0.0, float(longest_minutes))
    return tuple(longest * (waiting - i) / waiting for i in range(waiting))


def window_status(state: str) -> WindowStatus:
    if state == "paused":
        return WindowStatus.PAUSED
    if state == "closed":
        return WindowStatus.CLOSED
    return WindowStatus.OPEN


def rules_from_snapshot(snapshot: Mapping[str, Any]) -> RulesConfig:
    published = snapshot.get("rules") or {}
    defaults = RulesConfig()
    return RulesConfig(
        pause_warn_minutes=float(published.get("pause_warn_minutes", defaults.pause_warn_minutes)),
        long_wait_alert_minutes=float(published.get("long_wait_alert_minutes", defaults.long_wait_alert_minutes)),
    )


class ArrivalCounter:
    """Tickets issued per category over the last hour, from ``ticket_issued`` events."""

    def __init__(self, started: datetime | None = None) -> None:
        self.started = started
        self._seen: dict[str, deque[datetime]] = {}

    def observe_event(self, event: Mapping[str, Any]) -> None:
        if event.get("kind") != "ticket_issued":
            return
        ticket = (event.get("data") or {}).get("ticket") or {}
        series = ticket.get("series")
        at = parse_time(ticket.get("issued_at")) or parse_time(event.get("at"))
        if series and at is not None:
            self.record(str(series), at)

    def record(self, series: str, at: datetime) -> None:
        if self.started is None or at < self.started:
            self.started = at if self.started is None else min(self.started, at)
        self._seen.setdefault(series, deque()).append(at)

    def observed_minutes(self, now: datetime) -> float:
        return min(RATE_WINDOW_MINUTES, minutes_between(self.started, now) or 0.0)

    def per_hour(self, series: str, now: datetime, waiting: int = 0, longest_minutes: float = 0.0) -> float:
        seen = self._seen.get(series, deque())
        cutoff = now - timedelta(minutes=RATE_WINDOW_MINUTES)
        while seen and _naive(seen[0]) < _naive(cutoff):
            seen.popleft()
        observed = self.observed_minutes(now)
        if observed >= MIN_OBSERVED_MINUTES:
            return len(seen) * 60.0 / observed
        if waiting > 0 and longest_minutes > 0:
            return waiting * 60.0 / max(longest_minutes, 1.0)
        return 0.0


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


def build_snapshot(
    snapshot: Mapping[str, Any],
    arrivals: ArrivalCounter | None = None,
    idle: IdleTracker | None = None,
) -> HallSnapshot:
    """The advisor's view of the hall from ``/api/snapshot`` JSON (approximations in the module doc)."""
    now = parse_time(snapshot.get("now")) or datetime.now().astimezone()
    arrivals = arrivals or ArrivalCounter()
    idle = idle or IdleTracker()
    categories = []
    for c in snapshot.get("categories", []):
        waiting = int(c.get("waiting", 0))
        longest = float(c.get("longest_wait_minutes") or 0.0)
        categories.append(
            CategoryState(
                series=c["series"],
                waiting_ages=waiting_ages(waiting, longest),
                arrivals_per_hour=arrivals.per_hour(c["series"], now, waiting, longest),
                service_minutes=None,
                expected_service_minutes=float(c.get("expected_service_minutes") or 10.0),
                target_wait_minutes=float(c.get("target_wait_minutes") or 15.0),
                name_zh=c.get("name_zh", ""),
                name_en=c.get("name_en", ""),
            )
        )
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
    return HallSnapshot(tuple(categories), tuple(windows))


def advise_snapshot(
    snapshot: Mapping[str, Any],
    arrivals: ArrivalCounter | None = None,
    idle: IdleTracker | None = None,
    settings: AdvisorSettings | None = None,
) -> Advice:
    return advise(build_snapshot(snapshot, arrivals, idle), settings, rules_from_snapshot(snapshot))


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


@dataclass
class AlertTracker:
    """Remembers since when each alert has been active, so the console can show new ones first
    and drop an alert as soon as its condition stops (the advisor's alerts are stateless)."""

    since: dict[str, datetime] = field(default_factory=dict)

    def update(self, alerts: Sequence[Alert], now: datetime) -> list[tuple[Alert, datetime]]:
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
