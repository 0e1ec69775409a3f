"""One business day of synthetic history, as the rows the store would have written.

Each open day is a real run of the hall-day simulator (hall/simulation/): its time-varying
Poisson arrivals per category with the morning peak and the quiet lunch, lognormal service times,
the day's forecast error, and the real call order over the hall's window plan. Around the
simulated calls this module adds what a day at the counters also holds, each a small share:
no-shows after recalls, transfers (首问负责: the ticket keeps its place and is served at another
window), parked tickets called back, A/B post handovers (the lunch windows are covered by the B
clerks), pauses (some over the 3-minute AB limit), outcomes with promised dates, 好差评 ratings
with 差评 follow-ups resolved on time, late or still open, and weekend appointment check-ins.
Everything drawn comes from generators seeded by (seed, day), so the same arguments give the
same rows.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from counter.flow import PAUSE_REASONS
from db.models import Appointment, ClerkSession, FollowUp, Pause, Rating, Service, Ticket
from hall.calendar import add_days, is_working_day
from hall.config import ClerkConfig, HallConfig, WeekendMode
from hall.numbering import format_number
from hall.simulation import (
    SimSettings,
    SimTicket,
    assign_clerks,
    default_lunch_windows,
    make_day,
    make_roster,
    planned_peak_rates,
    policy,
    shape,
    simulate_day,
)
from hall.tickets import BAD_RATING_REASONS, Outcome, RatingLevel, TicketSource
from workbench.history.rows import DayRows, IdTaker, StoredHall

HISTORY_VERSION = 1  # bump when the generated rows change: cached benchmark histories are keyed by it

# --------------------------------------------------------------------------- shares of what happens at a counter

WEEKDAY_VOLUME = {1: 1.06, 2: 1.02, 3: 1.0, 4: 0.98, 5: 0.94, 6: 1.0, 7: 1.0}  # Mondays are the busiest
AFTER_HOLIDAY_VOLUME = 1.15  # the first working day after three or more closed days
APPOINTMENT_ONLY_SHARE = 0.04  # of a weekday's volume, on an appointments-only weekend day
OPEN_WEEKEND_SHARE = 0.30
WEEKDAY_APPOINTMENT_SHARE = 0.03
NO_SHOW_SHARE = 0.03
TRANSFER_SHARE = 0.02
PARK_SHARE = 0.006
RECALLED_SHARE = 0.08  # served tickets the clerk had to call again
GUIDE_DESK_SHARE = 0.07  # 导办员 issued the ticket for the citizen
COUNTER_SHARE = 0.01
ITEM_CHOSEN_SHARE = 0.7  # the citizen picked an item at the kiosk (else the clerk records it at finish)
PHONE_RATING_SHARE = 0.04  # rated later on a phone call-back instead of the pad
AB_HANDOVER_SHARE = 0.08  # window-days with an afternoon A/B handover
PAUSES_PER_WINDOW_DAY = ((0, 0.45), (1, 0.35), (2, 0.15), (3, 0.05))
LONG_PAUSE_SHARE = 0.15  # pauses over the 3-minute AB limit
# 差评 follow-ups whose deadline has passed: on time, late, appealed, still open
FOLLOWUP_PAST_DEADLINE = (("on_time", 0.86), ("late", 0.07), ("appealed", 0.02), ("open", 0.05))
OUTCOMES_PROMISED_ITEM = ((Outcome.PROMISED, 0.62), (Outcome.IMMEDIATE, 0.28), (Outcome.JOINT, 0.05), (Outcome.REPORTED, 0.03))
OUTCOMES_ON_THE_SPOT_ITEM = ((Outcome.IMMEDIATE, 0.955), (Outcome.JOINT, 0.015), (Outcome.REPORTED, 0.005))
REFUSED_SHARE = 0.02  # 退办件: materials incomplete, refused with a written reason
PRIORITY_REASON_WEIGHTS = (("elderly", 0.55), ("disabled", 0.12), ("pregnant", 0.12), ("infant", 0.12), ("military", 0.05), ("other", 0.04))
FOLLOWUP_NOTES = ("已核实情况，向群众说明并致歉，已回访", "已整改，窗口加强业务培训，已回访", "已协调部门办结，已回访")
CITIZEN_VIEWS = (("满意", 0.6), ("基本满意", 0.3), ("不满意", 0.1))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    roll, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if roll < total:
            return value
    return weighted[-1][0]


@dataclass
class _Visit:
    """One ticket's life at the counters, in minutes after the business day's local midnight."""

    sim: SimTicket
    series: str
    number: int
    window: int
    call: float
    end: float
    kind: str = "served"  # served | no_show | transfer | park
    split: float = 0.0  # transfer / park: when the first service ends
    second_window: int = 0
    second_call: float = 0.0
    second_end: float = 0.0
    second_series: str = ""


@dataclass
class _Slot:
    """A stretch of a window's day: a service (the visit's first or second part) or a pause (no visit)."""

    start: float
    end: float
    visit: _Visit | None = None
    second: bool = False

    def shift(self, minutes: float) -> None:
        self.start += minutes
        self.end += minutes
        visit = self.visit
        if visit is None:
            return
        if self.second:
            visit.second_call += minutes
            visit.second_end += minutes
        else:
            visit.call += minutes
            visit.end += minutes
            if visit.split:
                visit.split += minutes


class _WindowDay:
    """A window's services and pauses through one day, in order, never overlapping."""

    def __init__(self) -> None:
        self.slots: list[_Slot] = []

    def add(self, slot: _Slot) -> None:
        bisect.insort(self.slots, slot, key=lambda s: s.start)

    @property
    def busy(self) -> list[tuple[float, float]]:
        return [(slot.start, slot.end) for slot in self.slots]

    def free_at(self, moment: float) -> float:
        """``moment``, or the end of the service running then: the next chance to call someone or hand over."""
        for slot in self.slots:
            if slot.start <= moment < slot.end:
                return slot.end
            if slot.start > moment:
                break
        return moment

    def insert_next(self, earliest: float, length: float, visit: _Visit) -> _Slot:
        """Serve ``visit`` as soon as the window is free after ``earliest`` — its ticket kept its place
        in the queue (首问负责) — and push the window's later services back until an idle stretch absorbs it."""
        start = self.free_at(earliest)
        slot = _Slot(start, start + length, visit, second=True)
        visit.second_call, visit.second_end = slot.start, slot.end
        cursor = slot.end
        for later in self.slots:
            if later.start < slot.start:
                continue
            if later.start >= cursor:
                break
            later.shift(cursor - later.start)
            cursor = later.end
        self.add(slot)
        return slot

    def remove(self, slot: _Slot) -> None:
        self.slots.remove(slot)

    def gaps(self, start: float, end: float) -> Iterator[tuple[float, float]]:
        cursor = start
        for slot in self.slots:
            if slot.end <= cursor:
                continue
            if slot.start >= end:
                break
            if slot.start > cursor:
                yield cursor, slot.start
            cursor = max(cursor, slot.end)
        if cursor < end:
            yield cursor, end


def _minutes(moment: dtime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def expected_tickets(config: HallConfig, settings: SimSettings) -> float:
    """Tickets a day the simulator plans for ``config`` (peak rates times the day shape over the open hours)."""
    hours = config.hours
    ranges = [*hours.regular, *([hours.lunch] if hours.lunch else [])]
    if not ranges:
        return 0.0
    open_at, close_at = min(_minutes(r.start) for r in ranges), max(_minutes(r.end) for r in ranges)
    shape_minutes = sum(shape(open_at + m + 0.5) for m in range(int(close_at - open_at)))
    return sum(planned_peak_rates(config, settings).values()) * shape_minutes


class HistoryBuilder:
    """Builds the rows of one business day after another for one hall."""

    def __init__(self, config: HallConfig, stored: StoredHall, ids: IdTaker, seed: int, per_day: int, now: datetime) -> None:
        self.config = config
        self.stored = stored
        self.ids = ids
        self.seed = seed
        self.per_day = per_day
        self.now = now
        self.hours = config.hours
        self.rules = config.rules
        self.zone = config.hours.zone
        self.assignment, spare = assign_clerks(config)
        for window in config.windows:  # the clerk of a window closed in the plan is in the reserve, as in the simulator
            if not window.open and window.number in self.assignment:
                spare.append(self.assignment.pop(window.number))
        self.lunch_windows = default_lunch_windows(config) if config.hours.lunch else ()
        # each lunch window's B clerk (while the reserve lasts); the rest of the reserve covers afternoon handovers
        self.lunch_cover = dict(zip(self.lunch_windows, spare, strict=False))
        self.afternoon_cover = spare[len(self.lunch_cover) :] or spare
        clerk_rng = random.Random(f"{seed}:clerks")
        # how each clerk's citizens rate: the share who rate at all, and a 差评 multiplier (a few weak clerks: 蜗牛奖 candidates)
        self.rating_share = {c.staff_no: clerk_rng.uniform(0.86, 0.95) for c in config.clerks}
        self.bad_factor = {c.staff_no: _pick(clerk_rng, ((0.5, 0.25), (1.0, 0.65), (2.5, 0.10))) for c in config.clerks}
        weekday_plan = SimSettings(peak_utilisation=1.0)
        self.weekday_capacity = expected_tickets(config, weekday_plan)
        weekend_windows = tuple(w for w in config.windows if w.number in (self.lunch_windows or default_lunch_windows(config)))
        self.weekend_config: HallConfig | None = None
        self.weekend_capacity = 0.0
        if config.hours.weekend is not None and config.hours.weekend_mode is not WeekendMode.CLOSED:
            weekend_hours = dataclasses.replace(config.hours, regular=(config.hours.weekend,), lunch=None, extended=None)
            self.weekend_config = dataclasses.replace(config, hours=weekend_hours, windows=weekend_windows)
            self.weekend_capacity = expected_tickets(self.weekend_config, weekday_plan)
        self.promise_dates: dict[tuple[date, int], date] = {}
        self.staff_of = {clerk_id: staff_no for staff_no, clerk_id in stored.clerk_ids.items()}
        self.appointment_codes = set(stored.appointment_codes)

    def appointment_code(self, appointment_id: int) -> str:
        """A 6-digit code like the store's, unique in the hall: a fixed permutation of the id, stepped past codes in use."""
        code = (appointment_id * 7919 + 104_729) % 1_000_000
        while f"{code:06d}" in self.appointment_codes:
            code = (code + 1) % 1_000_000
        text = f"{code:06d}"
        self.appointment_codes.add(text)
        return text

    # ---------------------------------------------------------------- calendar

    def day_kind(self, day: date) -> str:
        """working | weekend (walk-ins) | appointments | closed"""
        if day.isoformat() in self.hours.closed_dates:
            return "closed"
        if is_working_day(self.hours, day):
            return "working"
        if self.weekend_config is None:
            return "closed"
        return "weekend" if self.hours.weekend_mode is WeekendMode.OPEN else "appointments"

    def volume(self, day: date, kind: str) -> float:
        if kind == "working":
            factor = WEEKDAY_VOLUME[day.isoweekday()]
            closed_before = 0
            while closed_before < 10 and not is_working_day(self.hours, day - timedelta(days=closed_before + 1)):
                closed_before += 1
            if closed_before >= 3:
                factor *= AFTER_HOLIDAY_VOLUME
            return self.per_day * factor
        return self.per_day * (OPEN_WEEKEND_SHARE if kind == "weekend" else APPOINTMENT_ONLY_SHARE)

    def instant(self, day: date, minute: float) -> datetime:
        midnight = datetime.combine(day, dtime(0), tzinfo=self.zone).astimezone(UTC)
        return midnight + timedelta(minutes=minute)

    def promised(self, day: date, days: int) -> date:
        key = (day, days)
        if key not in self.promise_dates:
            self.promise_dates[key] = add_days(self.hours, day, days, working=True)
        return self.promise_dates[key]

    # ---------------------------------------------------------------- the day

    def build(self, day: date) -> DayRows | None:
        """The day's rows, or None when the hall is closed that day."""
        kind = self.day_kind(day)
        if kind == "closed":
            return None
        day_config = self.config if kind == "working" else self.weekend_config
        assert day_config is not None
        capacity = self.weekday_capacity if kind == "working" else self.weekend_capacity
        if capacity <= 0:
            return None
        settings = SimSettings(peak_utilisation=self.volume(day, kind) / capacity, day=day)
        plan = make_day(day_config, settings, random.Random(self.seed * 1_000_003 + day.toordinal()))
        # the plan's open windows only: the reserve clerk covers lunch and handovers in this history
        roster = make_roster(day_config, settings, random.Random(f"{self.seed}:roster"), include_closed_windows=False)
        result = simulate_day(day_config, plan, roster, policy("static"), settings, record=True)
        rng = random.Random(f"{self.seed}:{day.isoformat()}")
        return _Day(self, day, kind, day_config, plan.tickets, result.calls, rng).rows()


class _Day:
    def __init__(
        self,
        builder: HistoryBuilder,
        day: date,
        kind: str,
        config: HallConfig,
        tickets: tuple[SimTicket, ...],
        calls: list[tuple[float, int, int]],
        rng: random.Random,
    ) -> None:
        self.b = builder
        self.day = day
        self.kind = kind
        self.config = config
        self.rng = rng
        self.rows_out = DayRows()
        self.midnight = builder.instant(day, 0.0)
        hours = config.hours
        self.open_at = min(_minutes(r.start) for r in hours.regular)
        self.close_at = max(_minutes(r.end) for r in hours.regular)
        self.lunch = (_minutes(hours.lunch.start), _minutes(hours.lunch.end)) if hours.lunch else None
        self.lunch_windows = set(builder.lunch_windows) if self.lunch else set()
        self.windows: dict[int, _WindowDay] = {window.number: _WindowDay() for window in config.windows}
        serving: defaultdict[str, list[int]] = defaultdict(list)
        for window in config.windows:
            if not window.open or window.number not in builder.assignment:
                continue  # only staffed windows serve a transferred citizen
            for series in (*window.primary, *window.secondary):
                serving[series].append(window.number)
        self.serving: dict[str, list[int]] = dict(serving)
        by_id = {t.ticket_id: t for t in tickets}
        # numbered per series in the order taken (the simulator's tickets come sorted by arrival)
        self.last_numbers: Counter[str] = Counter()
        number_of: dict[int, int] = {}
        for ticket in tickets:
            self.last_numbers[ticket.series] += 1
            number_of[ticket.ticket_id] = self.last_numbers[ticket.series]
        self.visits: list[_Visit] = []
        for minute, window, ticket_id in calls:
            sim = by_id[ticket_id]
            self.visits.append(_Visit(sim, sim.series, number_of[ticket_id], window, minute, minute + sim.service))
        self.visits.sort(key=lambda v: v.sim.ticket_id)

    def t(self, minute: float) -> datetime:
        return self.midnight + timedelta(minutes=minute)

    # ---------------------------------------------------------------- shaping the visits

    def shape_visits(self) -> None:
        """Turn a few served visits into no-shows, transfers and parked tickets, in the order called."""
        rng = self.rng
        second_parts: list[tuple[_Visit, str]] = []
        main_slots: dict[int, _Slot] = {}
        for visit in self.visits:
            roll = rng.random()
            if roll < NO_SHOW_SHARE and visit.sim.service > 1.0:
                # called, recalled, then 过号: the window is free again after a minute or two (within the simulated slot)
                visit.kind, visit.end = "no_show", visit.call + min(rng.uniform(1.0, 2.5), visit.sim.service)
            elif roll < NO_SHOW_SHARE + TRANSFER_SHARE and visit.sim.service > 2.0:
                second_parts.append((visit, "transfer"))
            elif roll < NO_SHOW_SHARE + TRANSFER_SHARE + PARK_SHARE and visit.sim.service > 3.0:
                second_parts.append((visit, "park"))
            slot = _Slot(visit.call, visit.end, visit)
            main_slots[visit.sim.ticket_id] = slot
            self.windows[visit.window].add(slot)
        second_slots: list[tuple[_Visit, _Slot]] = []
        for visit, kind in sorted(second_parts, key=lambda part: part[0].call):
            placed = self._second_service(visit, kind)
            if placed is not None:
                second_slots.append((visit, placed))
        # a later push can move a first part past its own second part (rare): that visit stays a plain service
        for visit, slot in second_slots:
            if visit.second_call < visit.split + 0.5:
                self.windows[visit.second_window].remove(slot)
                visit.kind, visit.split = "served", 0.0

    def _second_service(self, visit: _Visit, kind: str) -> _Slot | None:
        rng = self.rng
        split = visit.call + rng.uniform(1.0, min(4.0, visit.sim.service * 0.5))
        if kind == "transfer":
            window_config = next(w for w in self.config.windows if w.number == visit.window)
            choices = [s for s in window_config.secondary if s != visit.series] or [
                c.series for c in self.config.categories if c.series != visit.series
            ]
            if not choices:
                return None
            target = rng.choice(choices)
            candidates = [n for n in self.serving.get(target, []) if n != visit.window]
            if not candidates:
                return None
            # the other category's queue is called at whichever of its windows frees first
            number = min(rng.sample(candidates, len(candidates)), key=lambda n: self.windows[n].free_at(split))
            mean = self.config.category(target).expected_service_minutes
            length = rng.lognormvariate(math.log(mean) - 0.125, 0.5)
            earliest = split + rng.uniform(0.5, 3.0)  # the citizen walks over to the other window's queue
        else:
            target, number = visit.series, visit.window
            length = max(1.0, visit.sim.service - (split - visit.call)) + rng.uniform(1.0, 3.0)
            earliest = split + rng.uniform(5.0, 20.0)  # fetching the missing document
        # the rest of the first window's slot stays idle: the clerk finished the hand-over paperwork
        visit.kind, visit.split, visit.second_series, visit.second_window = kind, split, target, number
        slot = self.windows[number].insert_next(earliest, length, visit)
        return slot

    # ---------------------------------------------------------------- clerks at the windows

    def sessions(self) -> dict[int, list[tuple[float, float, str, str, str]]]:
        """Per window: (start, end, staff_no, post, end_reason), in order."""
        rng = self.rng
        out: dict[int, list[tuple[float, float, str, str, str]]] = {}
        cover_pool = list(self.b.afternoon_cover)
        rng.shuffle(cover_pool)
        for number, window in self.windows.items():
            clerk = self.b.assignment.get(number)
            if clerk is None or not window.busy:
                continue
            first_call, last_end = window.busy[0][0], max(end for _start, end in window.busy)
            login = min(self.open_at - rng.uniform(2.0, 10.0), first_call - 0.2)
            logout = max(last_end, self.close_at) + rng.uniform(1.0, 8.0)
            rows: list[tuple[float, float, str, str, str]] = []
            a = clerk.staff_no
            if self.lunch and number not in self.lunch_windows:
                lunch_start, lunch_end = self.lunch
                # the clerk finishes the morning's last citizen (a pushed-back one may run into lunch), then logs out
                morning_end = max([lunch_start, *(end for start, end in window.busy if start < lunch_end)]) + rng.uniform(0.5, 3.0)
                afternoon_calls = [start for start, _end in window.busy if start >= lunch_end]
                if afternoon_calls:
                    morning_end = min(morning_end, afternoon_calls[0])
                afternoon_start = max(morning_end, min([lunch_end - rng.uniform(0.0, 5.0), *afternoon_calls[:1]]))
                rows.append((login, morning_end, a, "A", "logout"))
                rows.extend(self._afternoon(window, afternoon_start, logout, a, cover_pool))
            elif self.lunch and number in self.b.lunch_cover:
                # the lunch window: the B clerk takes over between services at lunch and hands back after
                b = self.b.lunch_cover[number].staff_no
                handover = window.free_at(self.lunch[0] + rng.uniform(-2.0, 3.0))
                back = window.free_at(max(handover + 30.0, self.lunch[1] + rng.uniform(-3.0, 3.0)))
                rows.append((login, handover, a, "A", "handover"))
                rows.append((handover, back, b, "B", "handover"))
                rows.append((back, max(logout, back + 1.0), a, "A", "logout"))
            else:
                rows.extend(self._afternoon(window, login, logout, a, cover_pool))
            out[number] = rows
        return out

    def _afternoon(
        self, window: _WindowDay, start: float, end: float, a: str, cover_pool: list[ClerkConfig]
    ) -> list[tuple[float, float, str, str, str]]:
        rng = self.rng
        if not cover_pool or rng.random() >= AB_HANDOVER_SHARE or self.kind != "working":
            return [(start, end, a, "A", "logout")]
        away = window.free_at(rng.uniform(14.5 * 60, 16.0 * 60))
        back = window.free_at(away + rng.uniform(20.0, 60.0))
        if not (start < away < back < end - 1.0):
            return [(start, end, a, "A", "logout")]
        b = cover_pool.pop().staff_no
        return [(start, away, a, "A", "handover"), (away, back, b, "B", "handover"), (back, end, a, "A", "logout")]

    # ---------------------------------------------------------------- rows

    def rows(self) -> DayRows:
        self.shape_visits()
        sessions = self.sessions()
        b, rng, out = self.b, self.rng, self.rows_out
        stored = b.stored
        hall_id = stored.hall_id
        session_starts = {n: [s[0] for s in rows] for n, rows in sessions.items()}

        def clerk_at(window: int, minute: float) -> str | None:
            rows = sessions.get(window)
            if not rows:
                return None
            index = max(0, bisect.bisect_right(session_starts[window], minute) - 1)
            return rows[index][2]

        latest = self.midnight
        for number, rows in sessions.items():
            for start, end, staff_no, post, reason in rows:
                out.sessions.append(
                    {
                        "id": b.ids.take(ClerkSession),
                        "hall_id": hall_id,
                        "clerk_id": stored.clerk_ids[staff_no],
                        "window_id": stored.window_ids[number],
                        "device_id": None,
                        "token_hash": hashlib.sha256(f"{rng.getrandbits(128):032x}".encode()).hexdigest(),
                        "post": post,
                        "started_at": self.t(start),
                        "ended_at": self.t(end),
                        "end_reason": reason,
                        "last_seen_at": self.t(end),
                    }
                )
                latest = max(latest, self.t(end))
            self._pauses(number, rows)
        for visit in self.visits:
            latest = max(latest, self._ticket(visit, clerk_at))
        for series, last in sorted(self.last_numbers.items()):
            out.counters.append({"hall_id": hall_id, "business_day": self.day, "series": series, "last_number": last})
        out.latest = latest
        return out

    def _pauses(self, number: int, rows: list[tuple[float, float, str, str, str]]) -> None:
        b, rng = self.b, self.rng
        window = self.windows[number]
        count = _pick(rng, PAUSES_PER_WINDOW_DAY)
        for _ in range(count):
            length = rng.uniform(3.3, 12.0) if rng.random() < LONG_PAUSE_SHARE else rng.uniform(0.5, 2.9)
            start_row = rng.choice(rows)
            gaps = [(s, e) for s, e in window.gaps(start_row[0] + 1.0, start_row[1] - 1.0) if e - s >= length + 0.2]
            if not gaps:
                continue
            gap_start, gap_end = rng.choice(gaps)
            start = rng.uniform(gap_start + 0.1, gap_end - length - 0.1)
            window.add(_Slot(start, start + length))  # so a second pause does not overlap this one
            b_reason = _pick(rng, ((0, 0.6), (1, 0.25), (2, 0.05), (3, 0.10)))
            self.rows_out.pauses.append(
                {
                    "id": b.ids.take(Pause),
                    "hall_id": b.stored.hall_id,
                    "window_id": b.stored.window_ids[number],
                    "clerk_id": b.stored.clerk_ids[start_row[2]],
                    "reason": PAUSE_REASONS[b_reason].zh,
                    "started_at": self.t(start),
                    "ended_at": self.t(start + length),
                }
            )

    @staticmethod
    def _assist(source: str, ticket_id: int) -> str:
        """A guide desk ticket of the history is 代办, 帮办 or neither by turns: from its id, not
        the day's random stream, so every other figure of a seeded history stays as it was."""
        if source != TicketSource.GUIDE_DESK.value:
            return ""
        return ("proxy", "help", "")[ticket_id % 3]

    def _item_for(self, series: str) -> tuple[str, int] | None:
        items = self.b.stored.items.get(series)
        if not items:
            return None
        # the first item of a category (often the one with a promise) is the less common one
        if len(items) > 1 and self.rng.random() < 0.25 / (0.25 + len(items) - 1):
            return items[0]
        return items[self.rng.randrange(1, len(items))] if len(items) > 1 else items[0]

    def _ticket(self, visit: _Visit, clerk_at: Callable[[int, float], str | None]) -> datetime:
        b, rng, out, stored = self.b, self.rng, self.rows_out, self.b.stored
        hall_id = stored.hall_id
        sim = visit.sim
        issued = self.t(sim.arrival)
        ticket_id = b.ids.take(Ticket)
        item = self._item_for(visit.series)
        chosen_items = [item[0]] if item and rng.random() < ITEM_CHOSEN_SHARE else []
        appointment = self.kind == "appointments" or (self.kind == "working" and rng.random() < WEEKDAY_APPOINTMENT_SHARE)
        if appointment:
            source = TicketSource.APPOINTMENT.value
        else:
            roll = rng.random()
            source = (
                TicketSource.GUIDE_DESK.value
                if roll < GUIDE_DESK_SHARE
                else TicketSource.COUNTER.value
                if roll < GUIDE_DESK_SHARE + COUNTER_SHARE
                else TicketSource.KIOSK.value
            )
        slot = None
        if appointment:
            slot_minute = max(self.open_at, math.floor((sim.arrival + rng.uniform(0.0, 15.0)) / 30.0) * 30.0)
            slot = self.t(slot_minute)
            appointment_id = b.ids.take(Appointment)
            surname = SURNAMES[rng.randrange(len(SURNAMES))]
            out.appointments.append(
                {
                    "id": appointment_id,
                    "hall_id": hall_id,
                    "code": b.appointment_code(appointment_id),
                    "category_id": stored.category_ids[visit.series],
                    "item_code": chosen_items[0] if chosen_items else "",
                    "slot_at": slot,
                    "name_masked": f"{surname}*",
                    "contact_masked": f"1{rng.randrange(30, 99)}****{rng.randrange(10_000):04d}",
                    "channel": rng.choice(("online", "online", "online", "phone")),
                    "ticket_id": ticket_id,
                    "checked_in_at": issued,
                    # made at the desk: booked, no phone hash, holding no place in booking_slots (0014)
                    "status": "booked",
                    "business_day": None,
                    "slot_minutes": 0,
                    "phone_hash": "",
                    "request_token": None,
                    "verify_hash": "",
                    "verify_expires_at": None,
                    "verify_failures": 0,
                    "created_at": None,
                    "cancelled_at": None,
                    "id_hash": "",  # seeded citizens show no ID card (0016)
                }
            )
        priority_reason = _pick(rng, PRIORITY_REASON_WEIGHTS) if sim.priority else ""
        final_series = visit.second_series if visit.kind == "transfer" else visit.series
        final_window = visit.second_window if visit.kind in ("transfer", "park") else visit.window
        final_call = visit.second_call if visit.kind in ("transfer", "park") else visit.call
        final_end = visit.second_end if visit.kind in ("transfer", "park") else visit.end
        status = "no_show" if visit.kind == "no_show" else "done"
        recalls = rng.randint(1, max(1, self.b.rules.recall_limit)) if visit.kind == "no_show" else int(rng.random() < RECALLED_SHARE)
        note = ""
        if visit.kind == "transfer":
            note = f"转{self.config.category(final_series).name_zh}"
        elif visit.kind == "park":
            note = "补材料"
        out.tickets.append(
            {
                "id": ticket_id,
                "hall_id": hall_id,
                "public_id": f"{rng.getrandbits(64):016x}",
                "business_day": self.day,
                "series": visit.series,
                "number": visit.number,
                "display_number": format_number(visit.series, visit.number),
                "category_id": stored.category_ids[final_series],
                "items": chosen_items,
                "priority": sim.priority,
                "priority_reason": priority_reason,
                "source": source,
                "issued_by": "导办台1" if source == TicketSource.GUIDE_DESK.value else "",
                "assist": self._assist(source, ticket_id),
                "appointment_at": slot,
                "status": status,
                "issued_at": issued,
                "queue_key": issued.timestamp(),
                "window_id": stored.window_ids[final_window],
                "target_window_id": None,
                "recall_count": recalls,
                "transfer_count": 1 if visit.kind == "transfer" else 0,
                "note": note,
                "called_at": self.t(final_call),
                "closed_at": self.t(final_end),
                "print_count": 0,
                "id_hash": "",
                "id_masked": "",
            }
        )
        ticket_item = chosen_items[0] if chosen_items else ""

        def service(window: int, series: str, call: float, end: float, reason: str, started: bool, queue_wait: bool = True) -> int:
            service_id = b.ids.take(Service)
            clerk = clerk_at(window, call)
            clerk_id = stored.clerk_ids[clerk] if clerk else None
            walk = min(rng.uniform(0.15, 1.0), (end - call) * 0.3)
            out.services.append(
                {
                    "id": service_id,
                    "hall_id": hall_id,
                    "ticket_id": ticket_id,
                    "window_id": stored.window_ids[window],
                    "clerk_id": clerk_id,
                    "called_by_clerk_id": clerk_id,
                    "category_id": stored.category_ids[series],
                    "item_code": ticket_item,
                    "department": stored.window_departments[window] or stored.category_departments[series],
                    # a parked ticket's call-back is no wait in the queue (hall.reports)
                    "waited_seconds": max(0.0, (call - sim.arrival) * 60.0) if queue_wait else 0.0,
                    "queue_wait": queue_wait,
                    "called_at": self.t(call),
                    "started_at": self.t(call + walk) if started else None,
                    "ended_at": self.t(end),
                    "end_reason": reason,
                    "outcome": "",
                    "promised_date": None,
                    "materials_received": None,   # not recorded in synthetic history
                    "note": note if reason == "transferred" else "",
                }
            )
            return service_id

        if visit.kind == "no_show":
            service(visit.window, visit.series, visit.call, visit.end, "no_show", started=False)
            return self.t(visit.end)
        if visit.kind in ("transfer", "park"):
            service(
                visit.window, visit.series, visit.call, visit.split, "transferred" if visit.kind == "transfer" else "parked", started=True
            )
        service(final_window, final_series, final_call, final_end, "finished", started=True, queue_wait=visit.kind != "park")
        finished = out.services[-1]
        self._finish(finished, final_series, ticket_item)
        rated_at = self._rating(finished, final_window, final_call)
        return max(self.t(final_end), rated_at)

    def _finish(self, row: dict[str, Any], series: str, ticket_item: str) -> None:
        """The clerk records the item and the outcome (承诺件 get the promised date the store computes)."""
        rng = self.rng
        items = self.b.stored.items.get(series, [])
        item = next((i for i in items if i[0] == ticket_item), None) or self._item_for(series)
        promised_days = item[1] if item else 0
        if rng.random() < REFUSED_SHARE:
            outcome = Outcome.REFUSED
        else:
            outcome = _pick(rng, OUTCOMES_PROMISED_ITEM if promised_days > 0 else OUTCOMES_ON_THE_SPOT_ITEM)
        row["outcome"] = outcome.value
        row["item_code"] = item[0] if item else row["item_code"]
        if outcome is Outcome.PROMISED:
            row["promised_date"] = self.b.promised(self.day, promised_days or 5)

    def _rating(self, service: dict[str, Any], window: int, call: float) -> datetime:
        b, rng, out = self.b, self.rng, self.rows_out
        clerk_id = service["clerk_id"]
        staff_no = b.staff_of.get(clerk_id) if clerk_id is not None else None
        ended: datetime = service["ended_at"]
        level: RatingLevel | None = None
        if rng.random() < b.rating_share.get(staff_no or "", 0.9):
            long_wait = service["waited_seconds"] > 30 * 60
            bad = 0.011 * b.bad_factor.get(staff_no or "", 1.0) * (2.0 if long_wait else 1.0)
            roll = rng.random()
            if roll < bad:
                level = RatingLevel.DISSATISFIED if rng.random() < 0.6 else RatingLevel.VERY_DISSATISFIED
            elif roll < bad + 0.05:
                level = RatingLevel.BASIC
            elif roll < bad + 0.05 + 0.15:
                level = RatingLevel.SATISFIED
            else:
                level = RatingLevel.VERY_SATISFIED
        phone = level is not None and rng.random() < PHONE_RATING_SHARE
        created = ended + (timedelta(hours=rng.uniform(2.0, 30.0)) if phone else timedelta(seconds=rng.uniform(3.0, 40.0)))
        created = min(created, max(ended, b.now))
        reasons: list[str] = []
        if level is not None and level.is_bad:
            reasons = rng.sample(list(BAD_RATING_REASONS), rng.choice((1, 1, 2)))
            if service["waited_seconds"] > 30 * 60 and "wait" not in reasons and rng.random() < 0.7:
                reasons[0] = "wait"
        rating_id = b.ids.take(Rating)
        is_default = False
        channel = ("phone" if phone else "pad") if level is not None else "timeout"
        if level is None and b.rules.default_rating_days > 0 and b.now - ended > timedelta(days=b.rules.default_rating_days):
            # the region records a default after N days: stored as a default, never as the citizen's own
            level, is_default, channel = RatingLevel.BASIC, True, "default"
        out.ratings.append(
            {
                "id": rating_id,
                "hall_id": service["hall_id"],
                "service_id": service["id"],
                "ticket_id": service["ticket_id"],
                "window_id": service["window_id"],
                "clerk_id": clerk_id,
                "category_id": service["category_id"],
                "item_code": service["item_code"],
                "department": service["department"],
                "level": level.value if level else None,
                "is_default": is_default,
                "reasons": sorted(reasons),
                "comment": "",
                "channel": channel,
                "created_at": created,
            }
        )
        if level is not None and level.is_bad and not is_default:
            self._followup(rating_id, created)
        return created

    def _followup(self, rating_id: int, created: datetime) -> None:
        b, rng = self.b, self.rng
        deadline = add_days(b.hours, self.day, b.rules.followup_days, b.rules.followup_working_days)
        deadline_end = b.instant(deadline, 24 * 60.0)
        horizon = b.now
        status, resolved_at, notes, view = "open", None, "", ""
        if deadline_end <= horizon:
            fate = _pick(rng, FOLLOWUP_PAST_DEADLINE)
        else:
            fate = "on_time" if rng.random() < 0.5 else "open"
        if fate in ("on_time", "appealed"):
            latest = min(deadline_end - timedelta(hours=1), horizon)
            if latest > created:
                resolved_at = created + (latest - created) * rng.uniform(0.1, 0.95)
        elif fate == "late":
            resolved_at = min(deadline_end + timedelta(days=rng.uniform(0.5, 6.0)), horizon)
        if resolved_at is not None:
            status = "appealed" if fate == "appealed" else "resolved"
            notes = "群众恶意差评，已提出申诉" if fate == "appealed" else rng.choice(FOLLOWUP_NOTES)
            view = "" if fate == "appealed" else _pick(rng, CITIZEN_VIEWS)
        self.rows_out.followups.append(
            {
                "id": b.ids.take(FollowUp),
                "hall_id": b.stored.hall_id,
                "rating_id": rating_id,
                "deadline": deadline,
                "status": status,
                "notes": notes,
                "citizen_view": view,
                "contact_phone": "",  # no synthetic phone numbers: the history's citizens left none
                "created_at": created,
                "resolved_at": resolved_at,
            }
        )
