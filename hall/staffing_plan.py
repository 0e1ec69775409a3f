"""The staffing plan (排班建议): how many windows each category needs in every half hour of a day.

Input: the forecast arrivals per hour of each category in each slot (:mod:`hall.forecast`, from
the hall's own history), each category's mean service time and target wait, the hall's hours and
the clerks on the roster. Per slot and category:

* **Erlang C** (:mod:`hall.queueing`): the fewest windows ``c`` for which the M/M/c queue meets the
  service level — mean wait ≤ the category's target *and* at least ``within_target_share`` (80 %)
  called within the target. Each slot is treated as a steady state of its own forecast rate (the
  usual "stationary independent period" approach); the M/M/c model takes service times as
  exponential, which overstates the waits of the hall's less variable (lognormal, cv ≈ 0.5)
  services, so the figure errs towards one window too many rather than too few.
* **Square-root rule**: ``⌈a + β√a⌉`` with β from the Halfin–Whitt limit of the same service
  level, shown beside the Erlang C figure as a cross-check (they differ by at most one window at
  a hall's loads).
* **Pooled**: the windows needed if categories that already share a window pooled their queues
  (one M/M/c queue of their summed load, their load-weighted service time and the strictest of
  their targets) — what cross-training buys.
* **Cover**: whether the clerks at their windows in that slot — the roster less those at lunch —
  can staff the windows needed, by skill (:func:`hall.roster_cover.shortfall`), and which
  categories go short when they cannot.
* **Lunch turns** (午间错峰, :func:`hall.roster_cover.lunch_turns`): the clerks split over turns
  around the hall's lunch range so each slot keeps the windows it needs.

Extended hours (延时) and weekend days (双休日) are slots like any other, with their own forecast.
Plain Python: no Qt, no SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hall.calendar import Period, is_working_day
from hall.config import HoursConfig, WeekendMode
from hall.queueing import halfin_whitt_servers, mmc_wait, mmc_wait_beyond
from hall.roster_cover import LunchTurn, RosterClerk, lunch_turns, shortfall, turn_ranges
from hall.text import Bilingual, HallRuleError

DEFAULT_WITHIN_TARGET_SHARE = 0.8
DEFAULT_LUNCH_TURNS = 2
DEFAULT_LUNCH_BREAK_MINUTES = 60
MAX_WINDOWS_PER_CATEGORY = 500  # a forecast this large is a data error, not a hall


@dataclass(frozen=True)
class ServiceLevel:
    """What "enough windows" means: mean wait ≤ target and this share called within the target."""

    within_target_share: float = DEFAULT_WITHIN_TARGET_SHARE

    def __post_init__(self) -> None:
        if not 0.0 < self.within_target_share < 1.0:
            raise HallRuleError(
                "bad_service_level",
                "达标比例应在 0 与 1 之间（如 0.8）",
                "the share within target must lie between 0 and 1 (e.g. 0.8)",
                422,
            )


@dataclass(frozen=True)
class CategoryDemand:
    """One category's forecast for the day: (slot start, arrivals per hour) in order."""

    series: str
    name_zh: str
    name_en: str
    service_minutes: float
    target_wait_minutes: float
    slots: tuple[tuple[time, float], ...]


@dataclass(frozen=True)
class CategorySlot:
    series: str
    arrivals_per_hour: float
    windows: int  # Erlang C
    square_root_windows: int  # the square-root rule, as a cross-check
    mean_wait_minutes: float  # at ``windows`` windows
    within_target_share: float  # at ``windows`` windows


@dataclass(frozen=True)
class SlotPlan:
    start: time
    end: time
    period: Period
    categories: tuple[CategorySlot, ...]
    pooled_needed: int
    on_duty: int  # clerks at their windows: the roster less those at lunch
    short: Mapping[str, int]  # windows the clerks on duty cannot staff, per series

    @property
    def needed(self) -> int:
        return sum(c.windows for c in self.categories)

    @property
    def shortfall(self) -> int:
        return sum(self.short.values())

    def windows_of(self, series: str) -> int:
        return next((c.windows for c in self.categories if c.series == series), 0)


@dataclass(frozen=True)
class StaffingPlan:
    day: date
    slot_minutes: int
    level: ServiceLevel
    demands: tuple[CategoryDemand, ...]
    clerks: tuple[RosterClerk, ...]
    window_count: int
    pools: tuple[tuple[str, ...], ...]
    lunch_turns: tuple[LunchTurn, ...]
    slots: tuple[SlotPlan, ...]

    def peak(self, periods: Iterable[Period] | None = None, before: time | None = None) -> SlotPlan | None:
        """The slot needing the most windows (the earliest of equals), among ``periods`` and before ``before``."""
        wanted = set(periods) if periods is not None else None
        chosen = [s for s in self.slots if (wanted is None or s.period in wanted) and (before is None or s.start < before)]
        return max(chosen, key=lambda s: (s.needed, -s.start.hour * 60 - s.start.minute), default=None)

    def notes(self) -> list[Bilingual]:
        """One sentence per slot that goes short: by how much, which categories, and whether the
        hall's windows, not only its clerks, are too few."""
        names = {d.series: d for d in self.demands}
        out: list[Bilingual] = []
        for slot in self.slots:
            if not slot.shortfall and slot.needed <= self.window_count:
                continue
            parts = sorted(slot.short.items())
            zh = f"{slot.start:%H:%M} 需 {slot.needed} 个窗口，在岗 {slot.on_duty} 人"
            en = f"{slot.start:%H:%M}: {slot.needed} windows needed, {slot.on_duty} clerks at windows"
            if slot.shortfall:
                zh += f"，缺 {slot.shortfall}（" + "、".join(f"{names[s].name_zh} {n}" for s, n in parts) + "）"
                en += f", {slot.shortfall} short (" + ", ".join(f"{names[s].name_en} {n}" for s, n in parts) + ")"
            if slot.needed > self.window_count:
                zh += f"；大厅只有 {self.window_count} 个窗口"
                en += f"; the hall has {self.window_count} windows"
            out.append(Bilingual(zh, en))
        return out


def windows_needed(arrivals_per_hour: float, service_minutes: float, target_wait_minutes: float, level: ServiceLevel) -> int:
    """The fewest windows for which M/M/c meets ``level`` (0 when nobody is expected)."""
    if arrivals_per_hour <= 0.0:
        return 0
    rate = arrivals_per_hour / 60.0
    load = rate * service_minutes
    windows = max(1, math.floor(load) + 1)
    while windows <= MAX_WINDOWS_PER_CATEGORY:
        if (
            mmc_wait(windows, rate, service_minutes) <= target_wait_minutes
            and mmc_wait_beyond(windows, rate, service_minutes, target_wait_minutes) <= 1.0 - level.within_target_share
        ):
            return windows
        windows += 1
    raise HallRuleError(
        "forecast_too_large",
        f"预测到达量过大（每小时 {arrivals_per_hour:.0f} 人），无法排班",
        f"the forecast ({arrivals_per_hour:.0f} arrivals an hour) is too large to plan",
        422,
    )


def size_category(
    arrivals_per_hour: float, service_minutes: float, target_wait_minutes: float, level: ServiceLevel, series: str
) -> CategorySlot:
    windows = windows_needed(arrivals_per_hour, service_minutes, target_wait_minutes, level)
    rate = arrivals_per_hour / 60.0
    root = halfin_whitt_servers(rate * service_minutes, service_minutes, target_wait_minutes, level.within_target_share)
    wait = mmc_wait(windows, rate, service_minutes) if windows else 0.0
    within = 1.0 - mmc_wait_beyond(windows, rate, service_minutes, target_wait_minutes) if windows else 1.0
    return CategorySlot(series, arrivals_per_hour, windows, root, wait, within)


def pooled_windows(members: Sequence[tuple[float, float, float]], level: ServiceLevel) -> int:
    """Windows for categories pooled into one queue: ``members`` are (arrivals per hour, service
    minutes, target wait); the pool's service time is load-weighted, its target the strictest."""
    arrivals = sum(m[0] for m in members)
    if arrivals <= 0.0:
        return 0
    service = sum(m[0] * m[1] for m in members) / arrivals
    target = min(m[2] for m in members if m[0] > 0.0)
    return windows_needed(arrivals, service, target, level)


def pools_from_windows(window_categories: Iterable[Sequence[str]], max_categories: int = 2) -> tuple[tuple[str, ...], ...]:
    """Groups of categories that already share a window: the connected pairs of windows serving
    at most ``max_categories`` categories (an all-round 综合 window would join everything)."""
    parent: dict[str, str] = {}

    def root(series: str) -> str:
        while parent.setdefault(series, series) != series:
            series = parent[series]
        return series

    for categories in window_categories:
        unique = list(dict.fromkeys(categories))
        if not 2 <= len(unique) <= max_categories:
            continue
        for other in unique[1:]:
            parent[root(other)] = root(unique[0])
    groups: dict[str, list[str]] = {}
    for series in parent:
        groups.setdefault(root(series), []).append(series)
    return tuple(sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1))


def slot_period(hours: HoursConfig, day: date, start: time) -> Period:
    if not is_working_day(hours, day):
        return Period.APPOINTMENT_ONLY if hours.weekend_mode is WeekendMode.APPOINTMENT_ONLY else Period.WEEKEND
    if hours.lunch is not None and hours.lunch.contains(start):
        return Period.LUNCH
    if hours.extended is not None and hours.extended.contains(start):
        return Period.EXTENDED
    return Period.REGULAR


def _slot_end(start: time, slot_minutes: int) -> time:
    end = datetime.combine(date(2000, 1, 3), start) + timedelta(minutes=slot_minutes)
    return time.max if end.date() != date(2000, 1, 3) else end.time()


def plan_day(
    day: date,
    hours: HoursConfig,
    demands: Sequence[CategoryDemand],
    clerks: Sequence[RosterClerk],
    window_count: int,
    slot_minutes: int = 30,
    level: ServiceLevel | None = None,
    pools: Sequence[Sequence[str]] = (),
    turns: int = DEFAULT_LUNCH_TURNS,
    lunch_break_minutes: int = DEFAULT_LUNCH_BREAK_MINUTES,
) -> StaffingPlan:
    """The day's plan. Every demand lists the same slots (the day's open slots, in order)."""
    level = level or ServiceLevel()
    starts = sorted({start for d in demands for start, _ in d.slots})
    by_series = {d.series: dict(d.slots) for d in demands}
    sized: list[tuple[time, time, tuple[CategorySlot, ...]]] = []
    for start in starts:
        cells = tuple(
            size_category(by_series[d.series].get(start, 0.0), d.service_minutes, d.target_wait_minutes, level, d.series) for d in demands
        )
        sized.append((start, _slot_end(start, slot_minutes), cells))

    ranges = (
        turn_ranges(hours.lunch.start, hours.lunch.end, turns, lunch_break_minutes)
        if hours.lunch is not None and turns > 0 and starts
        else []
    )
    needs = [(start, end, {c.series: c.windows for c in cells}) for start, end, cells in sized]
    chosen_turns = lunch_turns(clerks, ranges, needs)
    demand_of = {d.series: d for d in demands}
    slots: list[SlotPlan] = []
    for start, end, cells in sized:
        away = {staff for turn in chosen_turns if turn.overlaps(start, end) for staff in turn.staff}
        present = [c for c in clerks if c.staff_no not in away]
        pooled = 0
        pooled_series: set[str] = set()
        for pool in pools:
            members = [s for s in pool if s in demand_of]
            pooled_series.update(members)
            rates = [(next(c.arrivals_per_hour for c in cells if c.series == s), demand_of[s]) for s in members]
            pooled += pooled_windows([(rate, d.service_minutes, d.target_wait_minutes) for rate, d in rates], level)
        pooled += sum(c.windows for c in cells if c.series not in pooled_series)
        slots.append(
            SlotPlan(
                start,
                end,
                slot_period(hours, day, start),
                cells,
                pooled,
                len(present),
                shortfall({c.series: c.windows for c in cells}, present),
            )
        )
    return StaffingPlan(
        day,
        slot_minutes,
        level,
        tuple(demands),
        tuple(clerks),
        window_count,
        tuple(tuple(p) for p in pools),
        chosen_turns,
        tuple(slots),
    )


def _clock(moment: time) -> str:
    return "24:00" if moment == time.max else f"{moment:%H:%M}"


def _peak_json(slot: SlotPlan | None) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {"start": _clock(slot.start), "needed": slot.needed, "pooled_needed": slot.pooled_needed, "on_duty": slot.on_duty}


def plan_to_json(plan: StaffingPlan, hours: HoursConfig) -> dict[str, Any]:
    """The plan as JSON-ready data (the /api/staffing-plan answer, less the forecast's own fields)."""
    names = {c.staff_no: c.name for c in plan.clerks}
    noon = hours.lunch.start if hours.lunch is not None else time(12)
    regular = (Period.REGULAR, Period.WEEKEND, Period.APPOINTMENT_ONLY)
    return {
        "date": plan.day.isoformat(),
        "slot_minutes": plan.slot_minutes,
        "within_target_share": plan.level.within_target_share,
        "clerks": len(plan.clerks),
        "windows": plan.window_count,
        "categories": [
            {
                "series": d.series,
                "name_zh": d.name_zh,
                "name_en": d.name_en,
                "service_minutes": d.service_minutes,
                "target_wait_minutes": d.target_wait_minutes,
            }
            for d in plan.demands
        ],
        "pools": [list(p) for p in plan.pools],
        "lunch_turns": [
            {"start": _clock(t.start), "end": _clock(t.end), "staff": [{"staff_no": s, "name": names.get(s, "")} for s in t.staff]}
            for t in plan.lunch_turns
        ],
        "slots": [
            {
                "start": _clock(s.start),
                "end": _clock(s.end),
                "period": s.period.value,
                "needed": s.needed,
                "pooled_needed": s.pooled_needed,
                "on_duty": s.on_duty,
                "shortfall": s.shortfall,
                "short": dict(sorted(s.short.items())),
                "categories": [
                    {
                        "series": c.series,
                        "arrivals_per_hour": round(c.arrivals_per_hour, 2),
                        "windows": c.windows,
                        "square_root_windows": c.square_root_windows,
                        "mean_wait_minutes": round(c.mean_wait_minutes, 2),
                        "within_target_share": round(c.within_target_share, 3),
                    }
                    for c in s.categories
                ],
            }
            for s in plan.slots
        ],
        "peaks": {
            "morning": _peak_json(plan.peak(regular, before=noon)),
            "lunch": _peak_json(plan.peak([Period.LUNCH])),
            "afternoon": _peak_json(
                max((s for s in plan.slots if s.period in regular and s.start >= noon), key=lambda s: s.needed, default=None)
            ),
            "extended": _peak_json(plan.peak([Period.EXTENDED])),
            "day": _peak_json(plan.peak()),
        },
        "notes": [n.as_dict() for n in plan.notes()],
    }
