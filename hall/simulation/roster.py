"""Who is on duty: one roster for the day, built once and handed to every policy.

Each clerk on duty has a home window (the window of their department, in file order; then any
window left), a lunch break (none for the clerks who keep the lunch windows open) and a few short
AB absences. A policy decides where the clerks sit and what their windows serve, never who comes
to work: the comparison checks that every policy held the same clerk-minutes on duty.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hall.config import ClerkConfig, HallConfig
from hall.simulation.demand import hall_hours
from hall.simulation.settings import LunchMode, SimSettings

STAGGERED_BREAK_MINUTES = 60.0  # each lunch group's break when lunches are staggered


@dataclass(frozen=True)
class Duty:
    clerk: ClerkConfig
    home_window: int
    lunch: tuple[float, float] | None = None  # away from .. to, minutes after local midnight
    absences: tuple[tuple[float, float], ...] = ()  # (start, minutes): short AB absences, the window paused

    @property
    def staff_no(self) -> str:
        return self.clerk.staff_no


@dataclass(frozen=True)
class Roster:
    duties: tuple[Duty, ...]
    open_at: float
    close_at: float

    def duty_minutes(self, duty: Duty) -> float:
        """Minutes the clerk is on duty: the open hours less the lunch break (AB absences are on duty)."""
        lunch = duty.lunch[1] - duty.lunch[0] if duty.lunch else 0.0
        return self.close_at - self.open_at - lunch

    @property
    def clerk_minutes(self) -> float:
        return sum(self.duty_minutes(d) for d in self.duties)

    def of(self, staff_no: str) -> Duty:
        for duty in self.duties:
            if duty.staff_no == staff_no:
                return duty
        raise KeyError(staff_no)


def assign_clerks(config: HallConfig) -> tuple[dict[int, ClerkConfig], list[ClerkConfig]]:
    """Each window's clerk (same department, file order; then anyone left, open windows first) and the clerks left over."""
    free = list(config.clerks)
    out: dict[int, ClerkConfig] = {}
    for window in config.windows:
        match = next((c for c in free if c.department and c.department == window.department), None)
        if match is not None:
            out[window.number] = match
            free.remove(match)
    for window in sorted(config.windows, key=lambda w: not w.open):
        if window.number not in out and free:
            out[window.number] = free.pop(0)
    return out, free


def default_lunch_windows(config: HallConfig) -> tuple[int, ...]:
    """The first open window of each category stays open over lunch (午间服务)."""
    chosen: list[int] = []
    for category in config.categories:
        for window in config.windows:
            if window.open and category.series in window.primary:
                if window.number not in chosen:
                    chosen.append(window.number)
                break
    return tuple(sorted(chosen))


def _home_category(config: HallConfig, window_number: int, clerk: ClerkConfig) -> str:
    window = next(w for w in config.windows if w.number == window_number)
    return (window.primary or clerk.skills or ("",))[0]


def _lunches(config: HallConfig, settings: SimSettings, seated: list[tuple[int, ClerkConfig]]) -> dict[str, tuple[float, float] | None]:
    _open, _close, lunch = hall_hours(config)
    if lunch is None:
        return {clerk.staff_no: None for _n, clerk in seated}
    if settings.lunch_mode is LunchMode.FIXED:
        keep_open = set(settings.lunch_windows if settings.lunch_windows is not None else default_lunch_windows(config))
        return {clerk.staff_no: None if number in keep_open else lunch for number, clerk in seated}
    # staggered: within each home category alternate early and late, so each keeps someone at lunch
    length = min(STAGGERED_BREAK_MINUTES, lunch[1] - lunch[0])
    early = (lunch[0] - length / 2.0, lunch[0] + length / 2.0)
    late = (lunch[1] - length, lunch[1])
    seen: dict[str, int] = {}
    out: dict[str, tuple[float, float] | None] = {}
    for number, clerk in seated:
        home = _home_category(config, number, clerk)
        index = seen.get(home, 0)
        seen[home] = index + 1
        out[clerk.staff_no] = early if index % 2 == 0 else late
    return out


def _absences(
    settings: SimSettings, open_at: float, close_at: float, lunch: tuple[float, float] | None, rng: random.Random
) -> tuple[tuple[float, float], ...]:
    whole = int(settings.absences_per_clerk)
    count = whole + (1 if rng.random() < settings.absences_per_clerk - whole else 0)
    longest = settings.absence_max_minutes
    # the start is drawn over the clerk's working time, lunch left out, so an absence never overlaps it
    before = (lunch[0] - longest - open_at) if lunch else close_at - longest - open_at
    after = (close_at - longest - lunch[1]) if lunch else 0.0
    before, after = max(before, 0.0), max(after, 0.0)
    out: list[tuple[float, float]] = []
    for _ in range(count):
        u = rng.uniform(0.0, before + after)
        start = open_at + u if u < before or lunch is None else lunch[1] + (u - before)
        out.append((start, rng.uniform(min(1.0, longest), longest)))
    return tuple(sorted(out))


def make_roster(config: HallConfig, settings: SimSettings, rng: random.Random, include_closed_windows: bool = True) -> Roster:
    """The day's clerks on duty: one per window (closed windows too, unless ``include_closed_windows``
    is off: then the clerk of a window closed in the plan stays home, as the synthetic history has it)."""
    open_at, close_at, _lunch = hall_hours(config)
    assignment, _left_over = assign_clerks(config)
    open_numbers = {w.number for w in config.windows if w.open}
    seated = [
        (w.number, assignment[w.number])
        for w in config.windows
        if w.number in assignment and (include_closed_windows or w.number in open_numbers)
    ]
    lunches = _lunches(config, settings, seated)
    duties = []
    for number, clerk in seated:
        lunch = lunches[clerk.staff_no]
        duties.append(Duty(clerk, number, lunch, _absences(settings, open_at, close_at, lunch, rng)))
    return Roster(tuple(duties), open_at, close_at)
