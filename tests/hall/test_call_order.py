"""hall.call_order: which waiting ticket a window calls next, and where a late citizen goes back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hall.call_order import Candidate, WindowQueues, call_rank, choose_next, eligible, requeue_key
from hall.config import CallRule, RulesConfig

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
RULES = RulesConfig(call_rule=CallRule.PRIMARY_FIRST, secondary_promote_minutes=30, appointment_grace_minutes=15)
WINDOW = WindowQueues(1, primary=("A",), secondary=("B",))


def waited(minutes: float) -> float:
    """A queue key for a ticket that has waited ``minutes`` by NOW."""
    return (NOW - timedelta(minutes=minutes)).timestamp()


def ticket(ticket_id: int, series: str, minutes: float, **kwargs: object) -> Candidate:
    return Candidate(ticket_id=ticket_id, series=series, queue_key=waited(minutes), **kwargs)  # type: ignore[arg-type]


def pick(candidates: list[Candidate], window: WindowQueues = WINDOW, rules: RulesConfig = RULES) -> int | None:
    chosen = choose_next(candidates, window, NOW, rules)
    return chosen.ticket_id if chosen else None


def order(candidates: list[Candidate], window: WindowQueues = WINDOW, rules: RulesConfig = RULES) -> list[int]:
    """The whole calling order, as repeated calls would produce it."""
    left, called = list(candidates), []
    while (chosen := choose_next(left, window, NOW, rules)) is not None:
        called.append(chosen.ticket_id)
        left.remove(chosen)
    return called


# (name, candidates, expected ticket id called first)
CASES = [
    ("nobody waiting", [], None),
    ("only other categories waiting", [ticket(1, "C", 50)], None),
    ("longest wait within a category", [ticket(1, "A", 5), ticket(2, "A", 9)], 2),
    ("equal keys: lower id first", [ticket(7, "A", 5), ticket(3, "A", 5)], 3),
    ("priority first, even a new one", [ticket(1, "A", 25), ticket(2, "A", 1, priority=True)], 2),
    ("priority in a secondary category beats regular primary", [ticket(1, "A", 25), ticket(2, "B", 1, priority=True)], 2),
    ("priority primary before priority secondary", [ticket(1, "B", 20, priority=True), ticket(2, "A", 1, priority=True)], 2),
    (
        "appointment due (inside grace) before regular",
        [ticket(1, "A", 25), ticket(2, "A", 1, appointment_at=NOW + timedelta(minutes=10))],
        2,
    ),
    ("appointment exactly at grace is due", [ticket(1, "A", 25), ticket(2, "A", 1, appointment_at=NOW + timedelta(minutes=15))], 2),
    ("appointment not yet due waits like anyone", [ticket(1, "A", 25), ticket(2, "A", 1, appointment_at=NOW + timedelta(minutes=16))], 1),
    ("late appointment still due", [ticket(1, "A", 25), ticket(2, "A", 1, appointment_at=NOW - timedelta(minutes=40))], 2),
    ("priority before a due appointment", [ticket(1, "A", 1, appointment_at=NOW), ticket(2, "A", 0, priority=True)], 2),
    (
        "earlier appointment slot first",
        [ticket(1, "A", 20, appointment_at=NOW + timedelta(minutes=5)), ticket(2, "A", 1, appointment_at=NOW - timedelta(minutes=5))],
        2,
    ),
    ("primary before a longer-waiting secondary", [ticket(1, "B", 20), ticket(2, "A", 1)], 2),
    ("secondary when the primary queue is empty", [ticket(1, "B", 1)], 1),
    ("secondary promoted after 30 minutes", [ticket(1, "B", 31), ticket(2, "A", 29)], 1),
    ("promoted secondary still behind a longer-waiting primary", [ticket(1, "B", 31), ticket(2, "A", 40)], 2),
    ("transferred to this window goes first", [ticket(1, "A", 25), ticket(2, "A", 1, target_window=1)], 2),
    ("transferred to this window, even another category", [ticket(1, "A", 25), ticket(2, "G", 1, target_window=1)], 2),
    ("transferred elsewhere is not for us", [ticket(1, "A", 1, target_window=2)], None),
    ("priority beats a transfer", [ticket(1, "A", 1, target_window=1), ticket(2, "A", 0, priority=True)], 2),
]


@pytest.mark.parametrize(("candidates", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_choose_next(candidates: list[Candidate], expected: int | None) -> None:
    assert pick(candidates) == expected


def test_promotion_off_keeps_primary_first() -> None:
    rules = replace(RULES, secondary_promote_minutes=0)
    assert pick([ticket(1, "B", 300), ticket(2, "A", 1)], rules=rules) == 2


def test_longest_wait_rule_ignores_primary_and_secondary() -> None:
    rules = replace(RULES, call_rule=CallRule.LONGEST_WAIT)
    candidates = [ticket(1, "A", 5), ticket(2, "B", 20), ticket(3, "B", 2), ticket(4, "A", 10)]
    assert order(candidates, rules=rules) == [2, 4, 1, 3]
    assert order(candidates) == [4, 1, 2, 3]  # the same queue under primary_first (no promotion yet)


def test_longest_wait_rule_still_puts_priority_and_appointments_first() -> None:
    rules = replace(RULES, call_rule=CallRule.LONGEST_WAIT)
    candidates = [ticket(1, "B", 50), ticket(2, "A", 1, appointment_at=NOW), ticket(3, "B", 0, priority=True)]
    assert order(candidates, rules=rules) == [3, 2, 1]


def test_target_weighted_rule_orders_by_share_of_target() -> None:
    rules = replace(RULES, call_rule=CallRule.TARGET_WEIGHTED)
    window = WindowQueues(1, primary=("A",), secondary=("B",), targets={"A": 30.0, "B": 5.0})
    # shares of target: 1: 20/30 = 0.67, 2: 10/5 = 2, 3: 2/5 = 0.4, 4: 27/30 = 0.9
    candidates = [ticket(1, "A", 20), ticket(2, "B", 10), ticket(3, "B", 2), ticket(4, "A", 27)]
    assert order(candidates, window=window, rules=rules) == [2, 4, 1, 3]
    assert order(candidates, window=window, rules=replace(rules, call_rule=CallRule.LONGEST_WAIT)) == [4, 1, 2, 3]


def test_target_weighted_rule_with_equal_targets_is_longest_wait() -> None:
    rules = replace(RULES, call_rule=CallRule.TARGET_WEIGHTED)
    candidates = [ticket(1, "A", 5), ticket(2, "B", 20), ticket(3, "B", 2), ticket(4, "A", 10)]
    assert order(candidates, rules=rules) == [2, 4, 1, 3]  # no targets given: both count with the default


def test_target_weighted_rule_keeps_priority_appointments_and_transfers_first() -> None:
    rules = replace(RULES, call_rule=CallRule.TARGET_WEIGHTED)
    window = WindowQueues(1, primary=("A",), secondary=("B",), targets={"A": 30.0, "B": 1.0})
    candidates = [
        ticket(1, "B", 50),  # 50 times its target, still after the three below
        ticket(2, "A", 1, appointment_at=NOW),
        ticket(3, "A", 0, priority=True),
        ticket(4, "A", 1, target_window=1),
    ]
    assert order(candidates, window=window, rules=rules) == [3, 2, 4, 1]


def test_longest_queue_rule_calls_the_fullest_category_first() -> None:
    rules = replace(RULES, call_rule=CallRule.LONGEST_QUEUE)
    window = WindowQueues(1, primary=("A",), secondary=("B",), queue_lengths={"A": 2, "B": 5})
    candidates = [ticket(1, "A", 30), ticket(2, "B", 3), ticket(3, "A", 1, priority=True)]
    assert order(candidates, window=window, rules=rules) == [3, 2, 1]  # priority still first
    equal = WindowQueues(1, primary=("A",), secondary=("B",), queue_lengths={"A": 4, "B": 4})
    assert pick([ticket(1, "A", 5), ticket(2, "B", 9)], window=equal, rules=rules) == 2  # a tie: the older head


def test_a_missing_or_zero_target_counts_as_the_default() -> None:
    window = WindowQueues(1, primary=("A",), targets={"A": 0.0})
    assert window.target("A") == window.target("B") == 15.0


def test_full_order_of_a_mixed_queue() -> None:
    candidates = [
        ticket(1, "A", 10),
        ticket(2, "B", 40),  # promoted secondary
        ticket(3, "B", 5),
        ticket(4, "A", 2, priority=True),
        ticket(5, "A", 1, appointment_at=NOW + timedelta(minutes=5)),
        ticket(6, "A", 3, target_window=1),
        ticket(7, "C", 90),  # not served here
    ]
    assert order(candidates) == [4, 5, 6, 2, 1, 3]


def test_comprehensive_window_with_two_primaries() -> None:
    window = WindowQueues(19, primary=("B", "D"), secondary=("F", "H", "J"))
    assert window.all_series == ("B", "D", "F", "H", "J")
    assert order([ticket(1, "D", 4), ticket(2, "B", 6), ticket(3, "J", 9)], window=window) == [2, 1, 3]


def test_eligible() -> None:
    assert eligible(ticket(1, "A", 1), WINDOW) and eligible(ticket(1, "B", 1), WINDOW)
    assert not eligible(ticket(1, "C", 1), WINDOW)
    assert eligible(ticket(1, "C", 1, target_window=1), WINDOW)
    assert not eligible(ticket(1, "A", 1, target_window=2), WINDOW)


def test_rank_is_a_sort_key() -> None:
    keys = [call_rank(c, WINDOW, NOW, RULES) for c in (ticket(1, "A", 1, priority=True), ticket(2, "A", 5))]
    assert keys[0] < keys[1]


# ------------------------------------------------------------------------------- requeue_key


def ahead_of(key: float, keys: list[float]) -> int:
    return sum(1 for k in keys if k < key)


@pytest.mark.parametrize("places", [1, 2, 3, 5])
@pytest.mark.parametrize("queue_length", [0, 1, 2, 3, 4, 6, 10])
def test_requeue_places_exactly_k_ahead_or_at_the_end(places: int, queue_length: int) -> None:
    keys = [1000.0 + 10 * i for i in range(queue_length)]
    fallback = 5000.0  # now: later than everyone
    key = requeue_key(keys, places, fallback)
    assert ahead_of(key, keys) == min(places, queue_length)
    if queue_length < places:
        assert key == fallback  # a short queue: to the end
    assert key not in keys


def test_requeue_zero_places_goes_to_the_head() -> None:
    assert requeue_key([10.0, 20.0], 0, 99.0) < 10.0
    assert requeue_key([], 0, 99.0) == 99.0


def test_requeue_empty_queue_uses_fallback() -> None:
    assert requeue_key([], 3, 42.0) == 42.0


def test_requeue_short_queue_never_goes_before_a_later_key_than_now() -> None:
    # a waiting ticket whose key is later than "now" (e.g. another requeued one): still go behind it
    key = requeue_key([10.0, 100.0], 3, 50.0)
    assert key > 100.0


def test_requeue_with_tied_keys_keeps_k_ahead() -> None:
    keys = [10.0, 10.0, 10.0, 10.0, 10.0]
    key = requeue_key(keys, 3, 99.0)
    assert key > keys[2]  # at least the three at the head stay ahead
