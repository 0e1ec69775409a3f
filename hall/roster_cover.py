"""Can the clerks on duty staff the windows a plan needs, and who eats lunch when (午间错峰).

* **Cover** (:func:`shortfall`). Each window a category needs must be staffed by a clerk trained
  for that category, one window per clerk. That is a bipartite matching (clerks × needed
  windows); Kuhn's augmenting paths find a largest one, and what stays unmatched is the
  shortfall per category — a category goes short when too few of the clerks on duty are trained
  for it, even if the head count would do.
* **Lunch turns** (:func:`lunch_turns`). The hall's lunch range (e.g. 12:00–13:30) is covered by
  consecutive turns of one break each, the last ending with the range (two turns of 60 minutes:
  11:30–12:30 and 12:30–13:30). The clerks are dealt to the turns round-robin by skill set, so
  each skill is split evenly; a local search then moves single clerks or swaps two while that
  lowers the shortfall over the slots the turns touch (ties: the more even split).

Plain Python: no Qt, no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class RosterClerk:
    """A clerk on the day's roster and the categories (series) they are trained for."""

    staff_no: str
    name: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class LunchTurn:
    """One lunch turn: its clerks are away from their windows from ``start`` to ``end``."""

    start: time
    end: time
    staff: tuple[str, ...]  # staff numbers

    def overlaps(self, start: time, end: time) -> bool:
        return self.start < end and start < self.end


def shortfall(needed: Mapping[str, int], clerks: Sequence[RosterClerk]) -> dict[str, int]:
    """Windows per category that ``clerks`` cannot staff (only categories that go short)."""
    # Scarce categories first: with several largest matchings the short one is then the category
    # with the most trained clerks to spare later, and the result does not depend on dict order.
    trained = {series: sum(series in c.skills for c in clerks) for series in needed}
    units = [series for series in sorted(needed, key=lambda s: (trained[s], s)) for _ in range(max(0, needed[series]))]
    unit_of_clerk: dict[int, int] = {}

    def augment(unit: int, visited: set[int]) -> bool:
        for index, clerk in enumerate(clerks):
            if units[unit] not in clerk.skills or index in visited:
                continue
            visited.add(index)
            if index not in unit_of_clerk or augment(unit_of_clerk[index], visited):
                unit_of_clerk[index] = unit
                return True
        return False

    short: dict[str, int] = {}
    for unit, series in enumerate(units):
        if not augment(unit, set()):
            short[series] = short.get(series, 0) + 1
    return short


def turn_ranges(lunch_start: time, lunch_end: time, turns: int, break_minutes: int) -> list[tuple[time, time]]:
    """``turns`` consecutive breaks of ``break_minutes``, the last ending at ``lunch_end``; when the
    range is wider than all the turns together, the first starts at ``lunch_start`` instead."""
    anchor = date(2000, 1, 3)
    end = datetime.combine(anchor, lunch_end)
    first = min(end - timedelta(minutes=turns * break_minutes), datetime.combine(anchor, lunch_start))
    span = max(break_minutes, int((end - first).total_seconds() // 60) // turns)
    return [((first + timedelta(minutes=k * span)).time(), (first + timedelta(minutes=(k + 1) * span)).time()) for k in range(turns)]


SlotNeeds = Sequence[tuple[time, time, Mapping[str, int]]]  # (slot start, slot end, windows needed per series)


def lunch_turns(
    clerks: Sequence[RosterClerk],
    ranges: Sequence[tuple[time, time]],
    slot_needs: SlotNeeds,
    max_rounds: int = 20,
) -> tuple[LunchTurn, ...]:
    """Deal ``clerks`` to the lunch ``ranges`` so the slots they touch go as little short as possible."""
    if not ranges or not clerks:
        return ()
    order = sorted(range(len(clerks)), key=lambda i: (clerks[i].skills, clerks[i].staff_no))
    turn_of = [0] * len(clerks)
    for position, index in enumerate(order):
        turn_of[index] = position % len(ranges)

    touched = [(start, end, needs) for start, end, needs in slot_needs if any(s < end and start < e for s, e in ranges)]

    def cost(assignment: Sequence[int]) -> tuple[int, int]:
        missing = 0
        for start, end, needs in touched:
            present = [c for c, k in zip(clerks, assignment, strict=True) if not (ranges[k][0] < end and start < ranges[k][1])]
            missing += sum(shortfall(needs, present).values())
        sizes = [assignment.count(k) for k in range(len(ranges))]
        return missing, max(sizes) - min(sizes)

    best = cost(turn_of)
    candidates: list[Callable[[list[int]], None]] = []
    for i in range(len(clerks)):
        for k in range(len(ranges)):
            candidates.append(lambda a, i=i, k=k: a.__setitem__(i, k))
    # Swaps between clerks of different skill sets only: swapping twins changes nothing.
    for i in range(len(clerks)):
        for j in range(i + 1, len(clerks)):
            if clerks[i].skills != clerks[j].skills:
                candidates.append(lambda a, i=i, j=j: a.__setitem__(slice(None), _swapped(a, i, j)))
    for _ in range(max_rounds):
        if best[0] == 0 and best[1] <= 1:
            break
        improved = False
        for change in candidates:
            trial = list(turn_of)
            change(trial)
            trial_cost = cost(trial)
            if trial_cost < best:
                turn_of, best, improved = trial, trial_cost, True
        if not improved:
            break
    return tuple(
        LunchTurn(start, end, tuple(clerks[i].staff_no for i in order if turn_of[i] == k)) for k, (start, end) in enumerate(ranges)
    )


def _swapped(assignment: Sequence[int], i: int, j: int) -> list[int]:
    out = list(assignment)
    out[i], out[j] = out[j], out[i]
    return out
