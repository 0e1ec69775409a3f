"""Which waiting ticket a window calls next.

Order, as the hall's rules say: 绿色通道 priority tickets first, then appointment tickets that
are due, then the longest-waiting ticket among the window's categories — primary categories
before secondary ones under the ``primary_first`` rule (a secondary category whose head has
waited longer than ``secondary_promote_minutes`` is treated as primary, like Qmatic's work
profiles), across all of them under ``longest_wait``, or under ``target_weighted`` the ticket
whose wait is the largest share of its category's target wait (a 10-minute wait in a category
with a 5-minute target goes before a 20-minute wait in one with a 30-minute target), or under ``longest_queue`` the head of the category with the most
tickets waiting.

The database hands this module the head candidates of each category the window serves (a few
rows, not the whole queue); the simulator hands it its in-memory queues. Both get the same pick.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hall.config import DEFAULT_TARGET_WAIT_MINUTES, CallRule, RulesConfig


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    series: str
    queue_key: float  # position in its queue; smaller is earlier (the original wait start)
    priority: bool = False
    appointment_at: datetime | None = None  # the booked slot, for appointment tickets
    target_window: int | None = None  # transferred to one window only


@dataclass(frozen=True)
class WindowQueues:
    """The window's categories in order: primary ones first, then secondary ones.

    ``targets`` are the categories' target waits in minutes, which only the ``target_weighted``
    rule reads; a series missing from it counts with the default target. ``queue_lengths`` are the
    tickets waiting per category, which only the ``longest_queue`` rule reads (missing: none).
    """

    number: int
    primary: Sequence[str]
    secondary: Sequence[str] = ()
    targets: Mapping[str, float] = field(default_factory=dict)
    queue_lengths: Mapping[str, int] = field(default_factory=dict)

    @property
    def all_series(self) -> tuple[str, ...]:
        return tuple(self.primary) + tuple(self.secondary)

    def target(self, series: str) -> float:
        target = self.targets.get(series, DEFAULT_TARGET_WAIT_MINUTES)
        return target if target > 0 else DEFAULT_TARGET_WAIT_MINUTES


def _waited_minutes(candidate: Candidate, now: datetime) -> float:
    return (now.timestamp() - candidate.queue_key) / 60.0


def call_rank(candidate: Candidate, window: WindowQueues, now: datetime, rules: RulesConfig) -> tuple[float, ...]:
    """A sort key: the smallest key is called first. Exposed so tests can show the order."""
    grace = timedelta(minutes=rules.appointment_grace_minutes)
    appointment_due = candidate.appointment_at is not None and candidate.appointment_at - grace <= now
    if candidate.priority:
        band = 0.0
    elif appointment_due:
        band = 1.0
    else:
        band = 2.0
    if candidate.target_window == window.number:
        band -= 0.5  # a ticket transferred to this very window goes before same-band tickets
    tier = 0.0
    if rules.call_rule is CallRule.PRIMARY_FIRST and candidate.series not in window.primary:
        promoted = rules.secondary_promote_minutes > 0 and _waited_minutes(candidate, now) >= rules.secondary_promote_minutes
        tier = 0.0 if promoted else 1.0
    appointment_order = candidate.appointment_at.timestamp() if appointment_due and candidate.appointment_at else 0.0
    if rules.call_rule is CallRule.TARGET_WEIGHTED:
        # The largest share of its target first; within one category that is still the oldest.
        lateness = -_waited_minutes(candidate, now) / window.target(candidate.series)
        return (band, tier, appointment_order, lateness, candidate.queue_key, float(candidate.ticket_id))
    if rules.call_rule is CallRule.LONGEST_QUEUE:
        # The fullest queue first; within one category (and on a tie) still the oldest ticket.
        crowd = -float(window.queue_lengths.get(candidate.series, 0))
        return (band, tier, appointment_order, crowd, candidate.queue_key, float(candidate.ticket_id))
    return (band, tier, appointment_order, candidate.queue_key, float(candidate.ticket_id))


def eligible(candidate: Candidate, window: WindowQueues) -> bool:
    if candidate.target_window is not None and candidate.target_window != window.number:
        return False
    return candidate.series in window.all_series or candidate.target_window == window.number


def choose_next(candidates: Iterable[Candidate], window: WindowQueues, now: datetime, rules: RulesConfig) -> Candidate | None:
    """The ticket ``window`` should call now, or None when nothing it serves is waiting."""
    usable = [c for c in candidates if eligible(c, window)]
    if not usable:
        return None
    return min(usable, key=lambda c: call_rank(c, window, now, rules))


def requeue_key(keys_in_order: Sequence[float], places: int, fallback: float) -> float:
    """Queue key for a late citizen who goes back ``places`` places behind the head of the queue.

    ``keys_in_order`` are the queue keys of the tickets now waiting in that queue, smallest first.
    The new key sits between the ``places``-th and the next ticket, so exactly ``places`` tickets
    stay ahead; with a shorter queue the citizen goes to the end (``fallback``, usually now).
    """
    if places <= 0:
        return keys_in_order[0] - 1.0 if keys_in_order else fallback
    if len(keys_in_order) < places:
        return max([fallback, *(k + 1e-3 for k in keys_in_order)])
    if len(keys_in_order) == places:
        return keys_in_order[-1] + 1e-3
    before, after = keys_in_order[places - 1], keys_in_order[places]
    if before == after:
        # Tickets issued in the same instant share a key; ids break the tie, and the late
        # ticket's id is older, so it must sort strictly after them to keep ``places`` ahead.
        return math.nextafter(before, math.inf)
    return (before + after) / 2.0
