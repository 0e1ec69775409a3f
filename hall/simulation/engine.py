"""One simulated hall day under one policy: a seeded discrete-event run.

* **Calls** go through the real :func:`hall.call_order.choose_next` over the heads of the window's
  queues with the hall's rules (its call rule, promotion of long-waiting secondary tickets, the
  绿色通道 and appointment bands); the ``idle-longest`` policy picks the longest queue instead.
* **Clerks** come from the day's roster: lunch breaks (a busy clerk finishes the ticket first) and
  short AB absences (the window paused) are the roster's, the same under every policy.
* **The advisor** sees a :class:`hall.advisor.HallSnapshot` built only from what is known live
  (:mod:`hall.simulation.live`); its recommendations are applied ``advice_delay_minutes`` later,
  and dropped if the window changed meanwhile. A moved or opened window stops serving for the
  switching delay after its current ticket.
* **Switch cost**: a window whose next ticket is of another category than its last takes
  ``switch_cost_minutes`` longer, under every policy — pooling is not free.

The wait of a ticket is from taking the number to being called; a no-show's wait is not counted.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from hall.advisor import (
    AdvisorSettings,
    CategoryState,
    HallSnapshot,
    MoveKind,
    Recommendation,
    SpareClerk,
    WindowState,
    WindowStatus,
    advise,
)
from hall.call_order import Candidate, WindowQueues, choose_next
from hall.config import ClerkConfig, HallConfig
from hall.forecast import ArrivalProfile
from hall.simulation.demand import DayPlan, SimTicket, hall_hours
from hall.simulation.live import LiveView
from hall.simulation.policies import SEATING, Dispatch, Policy
from hall.simulation.roster import Roster
from hall.simulation.settings import SimSettings

_IDLE, _BUSY, _SWITCHING, _CLOSED, _AWAY = "idle", "busy", "switching", "closed", "away"
_LUNCH, _ABSENCE = "lunch", "absence"
_AFTER_CLOSE_MINUTES = 240.0  # keep advising this long after closing while tickets wait


@dataclass
class DayResult:
    waits: list[float]
    moves: int
    unserved: int
    clerk_minutes: float = 0.0  # the roster's duty minutes of the clerks the policy held all day
    no_shows: int = 0
    stale_advice: int = 0  # recommendations dropped because the window changed before they were applied
    served_priority_waits: list[float] = field(default_factory=list)
    recommendations: list[tuple[float, Recommendation]] = field(default_factory=list)
    calls: list[tuple[float, int, int]] = field(default_factory=list)  # (minute, window, ticket id)


@dataclass
class _Win:
    number: int
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    clerk: ClerkConfig | None
    state: str
    last_change: float = -math.inf
    idle_since: float = 0.0
    pending_delay: float | None = None  # a change decided while serving: the delay after this ticket
    leave_after: tuple[str, float] | None = None  # (lunch, until) or (absence, minutes): after this ticket
    away_kind: str = ""
    away_since: float = 0.0
    away_until: float = 0.0
    last_series: str | None = None
    token: int = 0  # bumped on every state change that makes pending ready/back events stale
    serves: frozenset[str] = frozenset()

    def set_categories(self, primary: tuple[str, ...], secondary: tuple[str, ...]) -> None:
        self.primary, self.secondary = primary, secondary
        self.serves = frozenset(primary + secondary)

    @property
    def series(self) -> tuple[str, ...]:
        return self.primary + self.secondary


@dataclass
class _Waiting:
    ticket: SimTicket
    candidate: Candidate


class _Day:
    def __init__(
        self,
        config: HallConfig,
        plan: DayPlan,
        roster: Roster,
        policy: Policy,
        settings: SimSettings,
        advisor_settings: AdvisorSettings,
        profile: ArrivalProfile | None,
        record: bool,
    ) -> None:
        self.config = config
        self.plan = plan
        self.roster = roster
        self.policy = policy
        self.settings = settings
        self.advisor_settings = advisor_settings
        self.record = record
        self.rules = config.rules
        self.targets = {c.series: c.target_wait_minutes for c in config.categories}  # for the target_weighted call rule
        self.open_at, self.close_at, _lunch = hall_hours(config)
        self.base = datetime.combine(settings.day, time(0), tzinfo=config.hours.zone).astimezone(UTC)
        self.base_ts = self.base.timestamp()
        self.live = LiveView(config, settings, profile, settings.day)
        seating = SEATING[policy.base](config, roster)
        self.windows: list[_Win] = []
        self.window_of: dict[str, _Win | None] = {}
        for wc in config.windows:
            seat = seating.seats.get(wc.number)
            w = _Win(wc.number, (), (), None, _CLOSED, idle_since=self.open_at)
            if seat is not None:
                w.clerk, w.state = seat.clerk, _IDLE
                w.set_categories(tuple(seat.primary), tuple(seat.secondary))
                self.window_of[seat.clerk.staff_no] = w
            else:
                w.set_categories(wc.primary, wc.secondary)  # a closed window keeps its plan for the advisor
            self.windows.append(w)
        self.spare: list[ClerkConfig] = list(seating.spare)
        for clerk in self.spare:
            self.window_of[clerk.staff_no] = None
        self.away_until: dict[str, float] = {}  # spare clerks at lunch
        self.held = frozenset(self.window_of)
        self.by_number = {w.number: w for w in self.windows}
        all_series = tuple(c.series for c in config.categories)
        # per category: 绿色通道 tickets, walk-ins (both in arrival order) and appointments (by slot),
        # so the head of each is a candidate, as the database hands choose_next its head rows
        self.prio: dict[str, deque[_Waiting]] = {s: deque() for s in all_series}
        self.normal: dict[str, deque[_Waiting]] = {s: deque() for s in all_series}
        self.booked: dict[str, deque[_Waiting]] = {s: deque() for s in all_series}
        self.events: list[tuple[float, int, int, str, object]] = []
        self.seq = 0
        self.now = self.open_at
        self.result = DayResult(waits=[], moves=0, unserved=0)
        self.waiting_count = 0

    # ---- events

    def push(self, t: float, kind: str, payload: object = None, order: int = 0) -> None:
        """``order`` breaks ties at the same instant: clerks back from lunch together take their windows in window order."""
        self.seq += 1
        heapq.heappush(self.events, (t, order, self.seq, kind, payload))

    def schedule_roster(self) -> None:
        for duty in self.roster.duties:
            if duty.staff_no not in self.held:
                continue
            if duty.lunch is not None:
                self.push(duty.lunch[0], "leave", (duty.staff_no, _LUNCH, duty.lunch[1]))
            for start, minutes in duty.absences:
                self.push(start, "leave", (duty.staff_no, _ABSENCE, minutes))

    def run(self) -> DayResult:
        for ticket in self.plan.tickets:
            self.push(ticket.arrival, "arrive", ticket)
        self.schedule_roster()
        every = self.policy.advise_every
        if every is not None:
            self.push(self.open_at, "advise")
        while self.events:
            t, _order, _seq, kind, payload = heapq.heappop(self.events)
            self.now = t
            if kind == "arrive":
                assert isinstance(payload, SimTicket)
                self.arrive(payload)
            elif kind == "done":
                assert isinstance(payload, tuple)
                self.done(*payload)
            elif kind in ("ready", "back"):
                assert isinstance(payload, tuple)
                w, token = payload
                if w.token == token:
                    self.ready(w) if kind == "ready" else self.back(w)
            elif kind == "leave":
                assert isinstance(payload, tuple)
                self.leave(*payload)
            elif kind == "advise":
                assert every is not None
                self.advise()
                if t + every <= self.close_at or (self.waiting_count > 0 and t < self.close_at + _AFTER_CLOSE_MINUTES):
                    self.push(t + every, "advise")
            elif kind == "apply":
                assert isinstance(payload, tuple)
                for rec in payload:
                    self.carry_out(rec)
        self.finish()
        return self.result

    def finish(self) -> None:
        held_now = {w.clerk.staff_no for w in self.windows if w.clerk is not None} | {c.staff_no for c in self.spare}
        if held_now != self.held:
            raise RuntimeError(f"policy {self.policy.name}: clerks on duty changed during the day ({sorted(self.held ^ held_now)})")
        full_day = self.roster.close_at - self.roster.open_at
        duty = {d.staff_no: self.roster.duty_minutes(d) for d in self.roster.duties}
        self.result.clerk_minutes = sum(duty.get(staff, full_day) for staff in self.held)
        self.result.unserved = self.waiting_count

    # ---- tickets

    def arrive(self, ticket: SimTicket) -> None:
        appointment = self.base + timedelta(minutes=ticket.appointment_at) if ticket.appointment_at is not None else None
        candidate = Candidate(ticket.ticket_id, ticket.series, self.base_ts + ticket.arrival * 60.0, ticket.priority, appointment)
        item = _Waiting(ticket, candidate)
        if ticket.priority or ticket.appointment_at is None:
            (self.prio if ticket.priority else self.normal)[ticket.series].append(item)
        else:
            queue = self.booked[ticket.series]
            queue.insert(bisect.bisect_right([q.ticket.appointment_at or 0.0 for q in queue], ticket.appointment_at), item)
        self.live.arrived(ticket.series, ticket.arrival)
        self.waiting_count += 1
        for w in self.windows:
            if w.state == _IDLE and ticket.series in w.serves and self.dispatch(w):
                break

    def queues(self, series: str) -> tuple[deque[_Waiting], deque[_Waiting], deque[_Waiting]]:
        return self.prio[series], self.normal[series], self.booked[series]

    def heads(self, series: tuple[str, ...]) -> list[Candidate]:
        out: list[Candidate] = []
        for s in series:
            for queue in self.queues(s):
                if queue:
                    out.append(queue[0].candidate)
        return out

    def pick(self, w: _Win, now: datetime) -> Candidate | None:
        lengths = {s: sum(len(q) for q in self.queues(s)) for s in w.series}  # for the longest_queue rule
        queues = WindowQueues(w.number, w.primary, w.secondary, self.targets, lengths)
        heads = self.heads(w.series)
        if not heads:
            return None
        pick = choose_next(heads, queues, now, self.rules)
        if self.policy.dispatch is Dispatch.CALL_RULE or pick is None or pick.priority:
            return pick
        grace = timedelta(minutes=self.rules.appointment_grace_minutes)
        if pick.appointment_at is not None and pick.appointment_at - grace <= now:
            return pick  # a due appointment still goes first
        longest = max(w.series, key=lambda s: (sum(len(q) for q in self.queues(s)), self.head_age_key(s)))
        return choose_next(self.heads((longest,)), queues, now, self.rules)

    def head_age_key(self, series: str) -> float:
        """Larger for an older head: ties between equally long queues go to the longer-waiting one."""
        keys = [q[0].candidate.queue_key for q in self.queues(series) if q]
        return -min(keys) if keys else -math.inf

    def dispatch(self, w: _Win) -> bool:
        if w.state != _IDLE:
            return False
        pick = self.pick(w, self.base + timedelta(minutes=self.now))
        if pick is None:
            return False
        waiting = next(q for q in self.queues(pick.series) if q and q[0].candidate is pick).popleft()
        assert waiting.candidate is pick
        ticket = waiting.ticket
        self.waiting_count -= 1
        if self.record:
            self.result.calls.append((self.now, w.number, ticket.ticket_id))
        switch = self.settings.switch_cost_minutes if w.last_series is not None and w.last_series != ticket.series else 0.0
        w.last_series = ticket.series
        if ticket.no_show:
            self.result.no_shows += 1
            busy = self.settings.no_show_minutes
        else:
            wait = self.now - ticket.arrival
            self.result.waits.append(wait)
            if ticket.priority:
                self.result.served_priority_waits.append(wait)
            busy = ticket.service + switch
        w.state = _BUSY
        self.push(self.now + busy, "done", (w, ticket.series, busy, ticket.no_show))
        return True

    def done(self, w: _Win, series: str, busy: float, no_show: bool) -> None:
        if not no_show:
            # what production learns when the clerk presses 办结: the whole time the ticket took
            self.live.finished_service(series, busy)
        if w.leave_after is not None:
            kind, value = w.leave_after
            w.leave_after = None
            self.go_away(w, kind, value)
            return
        if w.pending_delay is not None:
            self.start_switch(w, w.pending_delay)
            w.pending_delay = None
            return
        self.become_idle(w)

    def become_idle(self, w: _Win) -> None:
        w.state = _IDLE
        w.idle_since = self.now
        self.dispatch(w)

    def start_switch(self, w: _Win, delay: float) -> None:
        w.state = _SWITCHING
        w.token += 1
        self.push(self.now + delay, "ready", (w, w.token))

    def ready(self, w: _Win) -> None:
        if w.state == _SWITCHING:
            self.become_idle(w)

    # ---- the clerks' lunch and absences

    def leave(self, staff_no: str, kind: str, value: float) -> None:
        w = self.window_of.get(staff_no)
        if w is None:
            if kind == _LUNCH:  # a spare clerk at lunch cannot open a window meanwhile
                self.away_until[staff_no] = value
            return
        if w.state == _AWAY:
            if kind == _LUNCH:  # lunch starts during an absence: the clerk stays away until lunch ends
                w.away_kind, w.away_until = _LUNCH, value
                w.token += 1
                self.push(value, "back", (w, w.token), order=w.number)
            return
        if w.state == _BUSY:
            w.leave_after = (kind, value)
            return
        self.go_away(w, kind, value)

    def go_away(self, w: _Win, kind: str, value: float) -> None:
        until = value if kind == _LUNCH else self.now + value
        if until <= self.now:  # the ticket ran past the end of lunch: no lunch left to take
            self.become_idle(w)
            return
        # a change being made when the clerk leaves stands when they are back
        w.state, w.away_kind, w.away_since, w.away_until = _AWAY, kind, self.now, until
        w.token += 1
        self.push(until, "back", (w, w.token), order=w.number)

    def back(self, w: _Win) -> None:
        if w.state != _AWAY:
            return
        if w.pending_delay is not None:
            self.start_switch(w, w.pending_delay)
            w.pending_delay = None
            return
        self.become_idle(w)

    # ---- the advisor

    def snapshot(self) -> HallSnapshot:
        t = self.now
        categories = []
        for cat in self.config.categories:
            s = cat.series
            ages = tuple(t - item.ticket.arrival for q in self.queues(s) for item in q)
            categories.append(CategoryState.from_config(cat, ages, self.live.arrivals_per_hour(s, t), self.live.service_minutes(s)))
        windows = []
        for w in self.windows:
            since = t - w.last_change
            if w.clerk is None or w.state == _CLOSED or (w.state == _AWAY and w.away_kind == _LUNCH):
                windows.append(WindowState(w.number, WindowStatus.CLOSED, w.primary, w.secondary, minutes_since_change=since))
            elif w.state == _AWAY:
                windows.append(
                    WindowState(
                        w.number,
                        WindowStatus.PAUSED,
                        w.primary,
                        w.secondary,
                        w.clerk.staff_no,
                        w.clerk.skills,
                        minutes_since_change=since,
                        paused_minutes=t - w.away_since,
                    )
                )
            else:
                idle = t - w.idle_since if w.state == _IDLE else 0.0
                windows.append(
                    WindowState(
                        w.number,
                        WindowStatus.OPEN,
                        w.primary,
                        w.secondary,
                        w.clerk.staff_no,
                        w.clerk.skills,
                        minutes_since_change=since,
                        idle_minutes=idle,
                    )
                )
        spare = tuple(SpareClerk(c.staff_no, c.skills, c.name) for c in self.spare if self.away_until.get(c.staff_no, -math.inf) <= t)
        return HallSnapshot(tuple(categories), tuple(windows), spare)

    def advise(self) -> None:
        advice = advise(self.snapshot(), self.advisor_settings, self.rules)
        if not advice.recommendations:
            return
        if self.settings.advice_delay_minutes > 0:
            self.push(self.now + self.settings.advice_delay_minutes, "apply", advice.recommendations)
            return
        for rec in advice.recommendations:
            self.carry_out(rec)

    def still_valid(self, w: _Win, rec: Recommendation) -> bool:
        """Advice applied late is dropped when the window is no longer as the advisor saw it."""
        if rec.kind is MoveKind.OPEN_WINDOW:
            if w.clerk is not None and not (w.state == _AWAY and w.away_kind == _LUNCH) and w.state != _CLOSED:
                return (w.primary, w.secondary) == (rec.before_primary, rec.before_secondary) and w.clerk.staff_no == rec.clerk
            return any(c.staff_no == rec.clerk and self.away_until.get(c.staff_no, -math.inf) <= self.now for c in self.spare)
        if w.clerk is None or w.state in (_CLOSED, _AWAY):
            return False
        if rec.kind is MoveKind.CLOSE_WINDOW and w.state != _IDLE:
            return False
        return (w.primary, w.secondary) == (rec.before_primary, rec.before_secondary)

    def carry_out(self, rec: Recommendation) -> None:
        w = self.by_number[rec.window]
        if not self.still_valid(w, rec):
            self.result.stale_advice += 1
            return
        self.result.moves += 1
        if self.record:
            self.result.recommendations.append((self.now, rec))
        w.last_change = self.now
        if rec.kind is MoveKind.CLOSE_WINDOW:
            assert w.clerk is not None
            self.to_spare(w)
            w.state = _CLOSED
            w.token += 1
            return
        if rec.kind is MoveKind.OPEN_WINDOW and rec.clerk is not None and (w.clerk is None or w.clerk.staff_no != rec.clerk):
            if w.clerk is not None:  # the window's own clerk is at lunch: they take the spare place
                self.to_spare(w)
            clerk = next(c for c in self.spare if c.staff_no == rec.clerk)
            self.spare.remove(clerk)
            w.clerk, w.state = clerk, _IDLE
            w.leave_after = w.pending_delay = None
            w.token += 1
            self.window_of[clerk.staff_no] = w
        w.set_categories(rec.primary, rec.secondary)
        delay = self.settings.add_delay_minutes if rec.kind is MoveKind.ADD_CATEGORY else self.settings.switch_delay_minutes
        if w.state == _BUSY:
            w.pending_delay = delay
        else:
            self.start_switch(w, delay)

    def to_spare(self, w: _Win) -> None:
        assert w.clerk is not None
        if w.state == _AWAY:
            self.away_until[w.clerk.staff_no] = w.away_until
        self.spare.append(w.clerk)
        self.window_of[w.clerk.staff_no] = None
        w.clerk = None


def simulate_day(
    config: HallConfig,
    plan: DayPlan,
    roster: Roster,
    policy: Policy,
    settings: SimSettings | None = None,
    advisor_settings: AdvisorSettings | None = None,
    profile: ArrivalProfile | None = None,
    record: bool = False,
) -> DayResult:
    """One day of ``plan``'s tickets served by ``roster``'s clerks under ``policy``.

    ``profile`` is the arrival forecast from the hall's history (:func:`hall.simulation.live.history_profile`);
    None gives the advisor the planned rates.
    """
    settings = settings or SimSettings()
    return _Day(config, plan, roster, policy, settings, advisor_settings or AdvisorSettings(), profile, record).run()
