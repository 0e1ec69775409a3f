"""The staffing plan (排班建议) on hand-checked Erlang C figures and constructed rosters."""

from __future__ import annotations

import math
from datetime import date, time

import pytest

from hall.calendar import Period
from hall.config import SAMPLE_HALL_PATH, load_config
from hall.queueing import erlang_c, halfin_whitt_servers, mmc_wait, mmc_wait_beyond
from hall.roster_cover import RosterClerk, lunch_turns, shortfall, turn_ranges
from hall.staffing_plan import (
    CategoryDemand,
    ServiceLevel,
    plan_day,
    pooled_windows,
    pools_from_windows,
    windows_needed,
)
from hall.text import HallRuleError

LEVEL = ServiceLevel()  # mean wait ≤ target, 80 % called within the target
TUESDAY = date(2026, 11, 17)
SATURDAY = date(2026, 11, 21)


def test_erlang_c_and_its_tail_match_the_hand_figures() -> None:
    # c = 3, a = 2: Erlang B = (8/6) / (1 + 2 + 2 + 8/6) = 4/19, C = B / (1 − ρ + ρB) = 4/9.
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    # c = 2, a = 1: B = 1/5, C = (1/5) / (1/2 + 1/10) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # c = 4, a = 2: B = 2/21, C = 4/23.
    assert erlang_c(4, 2.0) == pytest.approx(4 / 23)
    # λ = 0.2/min, s = 10 min, c = 3: Wq = C·s/(c − a) = 4/9 · 10 / 1; P(W > 10) = 4/9 · e^(−1·10/10).
    assert mmc_wait(3, 0.2, 10.0) == pytest.approx(40 / 9)
    assert mmc_wait_beyond(3, 0.2, 10.0, 10.0) == pytest.approx(4 / 9 * math.exp(-1.0))
    assert mmc_wait_beyond(3, 0.2, 10.0, 0.0) == pytest.approx(erlang_c(3, 2.0))
    assert mmc_wait_beyond(2, 0.2, 10.0, 5.0) == 1.0  # a = c: the queue never settles


def test_windows_needed_meets_both_the_mean_and_the_share_within_target() -> None:
    # 12 an hour × 10 minutes = a load of 2. Two windows never settle. Three: mean wait 4.44 ≤ 15
    # and P(W > 15) = 4/9 · e^(−1.5) = 0.099 ≤ 0.2, so three.
    assert windows_needed(12.0, 10.0, 15.0, LEVEL) == 3
    # A 5-minute target: three windows give a mean of 4.44 ≤ 5 but P(W > 5) = 4/9 · e^(−0.5) = 0.27
    # > 0.2; four give 4/23 · e^(−1) = 0.064, so the share binds and the answer is four.
    assert mmc_wait_beyond(3, 0.2, 10.0, 5.0) == pytest.approx(0.2696, abs=1e-4)
    assert windows_needed(12.0, 10.0, 5.0, LEVEL) == 4
    # A stricter level needs more: 95 % within 5 minutes at four windows is 1 − 0.064 = 93.6 %.
    assert windows_needed(12.0, 10.0, 5.0, ServiceLevel(0.95)) == 5
    assert windows_needed(0.0, 10.0, 15.0, LEVEL) == 0
    with pytest.raises(HallRuleError):
        windows_needed(1e6, 10.0, 15.0, LEVEL)
    with pytest.raises(HallRuleError) as bad:
        ServiceLevel(1.2)
    assert "达标比例" in bad.value.message.zh and "share" in bad.value.message.en


def test_the_square_root_rule_agrees_with_erlang_c_within_one_window() -> None:
    differences = []
    for per_hour in (3, 6, 12, 24, 40, 60, 90, 150, 300):
        for service, target in ((4.0, 10.0), (8.0, 15.0), (12.0, 15.0), (20.0, 20.0)):
            exact = windows_needed(per_hour, service, target, LEVEL)
            root = halfin_whitt_servers(per_hour / 60.0 * service, service, target, LEVEL.within_target_share)
            differences.append(root - exact)
    assert max(abs(d) for d in differences) <= 1
    assert differences.count(0) > len(differences) // 2  # mostly the same count


def test_pooling_needs_fewer_windows_than_separate_queues() -> None:
    # Two categories of 12 an hour × 10 minutes need 3 + 3 windows apart; pooled (24 an hour, a load
    # of 4) five meet the level: C(5, 4) = 0.554, mean 5.5 min, P(W > 15) = 0.554 · e^(−1.5) = 0.12.
    assert pooled_windows([(12.0, 10.0, 15.0), (12.0, 10.0, 15.0)], LEVEL) == 5
    assert pooled_windows([(0.0, 10.0, 15.0)], LEVEL) == 0


def test_pools_are_the_categories_that_already_share_a_small_window() -> None:
    config = load_config(SAMPLE_HALL_PATH)
    pools = pools_from_windows(w.primary + w.secondary for w in config.windows)
    # windows 1 (A+B), 4 (B+E), 7 and 12 (C+E); 10 and 14 (D+F), 17 (H+D); the 综合 windows 19
    # and 20 serve four or five categories and would join everything, so they do not count.
    assert pools == (("A", "B", "C", "E"), ("D", "F", "H"))


def clerk(staff_no: str, *skills: str) -> RosterClerk:
    return RosterClerk(staff_no, f"clerk {staff_no}", skills)


def test_shortfall_is_by_skill_not_by_head_count() -> None:
    both_a = [clerk("1", "A"), clerk("2", "A")]
    assert shortfall({"A": 1, "B": 1}, both_a) == {"B": 1}  # two clerks, two windows, nobody for B
    # The generalist takes B, the specialist A: nothing short; a second A window is short.
    assert shortfall({"A": 1, "B": 1}, [clerk("1", "A", "B"), clerk("2", "A")]) == {}
    assert shortfall({"A": 2, "B": 1}, [clerk("1", "A", "B"), clerk("2", "A")]) == {"A": 1}
    # An augmenting path: 1 took A first, B needs 1, so 1 moves to B and 2 takes A.
    assert shortfall({"B": 1, "A": 1}, [clerk("1", "A", "B"), clerk("2", "A", "C")]) == {}
    assert shortfall({"A": 0}, []) == {}


def test_turn_ranges_end_with_the_lunch_range() -> None:
    assert turn_ranges(time(12), time(13, 30), 2, 60) == [(time(11, 30), time(12, 30)), (time(12, 30), time(13, 30))]
    # A range wider than the turns: they start with it and share it.
    assert turn_ranges(time(11), time(14), 2, 60) == [(time(11), time(12, 30)), (time(12, 30), time(14))]


def test_lunch_turns_keep_the_busy_slot_staffed() -> None:
    four = [clerk(str(n), "A") for n in range(1, 5)]
    ranges = [(time(11, 30), time(12, 30)), (time(12, 30), time(13, 30))]
    # 11:30 needs three windows, 12:30 one: dealing two and two would leave 11:30 one short, so
    # only one clerk eats early.
    needs = [(time(11, 30), time(12), {"A": 3}), (time(12, 30), time(13), {"A": 1})]
    early, late = lunch_turns(four, ranges, needs)
    assert (len(early.staff), len(late.staff)) == (1, 3)
    # Two skills, one window each: every turn keeps one clerk of each.
    mixed = [clerk("1", "A"), clerk("2", "A"), clerk("3", "B"), clerk("4", "B")]
    even = [(time(11, 30), time(12), {"A": 1, "B": 1}), (time(12, 30), time(13), {"A": 1, "B": 1})]
    early, late = lunch_turns(mixed, ranges, even)
    assert sorted(early.staff) in (["1", "3"], ["1", "4"], ["2", "3"], ["2", "4"])
    assert lunch_turns([], ranges, even) == ()


def sample_demands(scale: float = 1.0, day: date = TUESDAY) -> list[CategoryDemand]:
    """A two-category hall day: a morning peak, a quiet lunch, extended hours."""
    starts = [time(8, 30), time(9), time(9, 30), time(10), time(11, 30), time(12), time(12, 30), time(13), time(17, 30), time(18, 30)]
    shape = [0.6, 1.0, 1.0, 0.8, 0.7, 0.3, 0.3, 0.5, 0.4, 0.2]
    return [
        CategoryDemand("A", "甲业务", "Cat A", 10.0, 15.0, tuple((s, 24.0 * f * scale) for s, f in zip(starts, shape, strict=True))),
        CategoryDemand("B", "乙业务", "Cat B", 10.0, 15.0, tuple((s, 12.0 * f * scale) for s, f in zip(starts, shape, strict=True))),
    ]


def test_a_day_plan_sizes_each_slot_and_splits_lunch() -> None:
    hours = load_config(SAMPLE_HALL_PATH).hours  # lunch 12:00-13:30, extended 17:30-19:00
    roster = [clerk("1", "A"), clerk("2", "A"), clerk("3", "A"), clerk("4", "A", "B"), clerk("5", "B"), clerk("6", "B")]
    plan = plan_day(TUESDAY, hours, sample_demands(), roster, window_count=8, pools=[("A", "B")])
    nine = plan.slots[1]
    assert (nine.start, nine.end, nine.period) == (time(9), time(9, 30), Period.REGULAR)
    # 24 an hour × 10 min (a = 4) needs 5 windows (four never settle; five: C(5, 4) = 0.554, mean
    # 5.5 min ✓, P(W > 15) = 0.554·e^(−1.5) = 0.12 ✓); 12 an hour (a = 2) needs 3 as checked above.
    assert (nine.windows_of("A"), nine.windows_of("B"), nine.needed) == (5, 3, 8)
    assert nine.pooled_needed == windows_needed(36.0, 10.0, 15.0, LEVEL) == 7  # one fewer than 5 + 3
    assert nine.on_duty == 6 and nine.shortfall == 2  # six clerks for eight windows
    assert plan.peak() is nine  # the first of the equal 09:00 and 09:30
    assert [s.period for s in plan.slots[5:8]] == [Period.LUNCH] * 3
    assert [s.period for s in plan.slots[8:]] == [Period.EXTENDED] * 2
    early, late = plan.lunch_turns
    assert (early.start, early.end, late.start, late.end) == (time(11, 30), time(12, 30), time(12, 30), time(13, 30))
    assert sorted(early.staff + late.staff) == ["1", "2", "3", "4", "5", "6"]
    at_1130 = plan.slots[4]
    assert at_1130.on_duty == 6 - len(early.staff)
    notes = plan.notes()
    assert notes[0].zh.startswith("08:30") or notes[0].zh.startswith("09:00")
    assert any("甲业务" in n.zh and "Cat A" in n.en for n in notes)


def test_a_weekend_day_is_appointment_only_and_small() -> None:
    hours = load_config(SAMPLE_HALL_PATH).hours
    weekend = [
        CategoryDemand("A", "甲业务", "Cat A", 10.0, 15.0, ((time(9), 3.0), (time(9, 30), 3.0))),
    ]
    plan = plan_day(SATURDAY, hours, weekend, [clerk("1", "A"), clerk("2", "A")], window_count=8)
    assert [s.period for s in plan.slots] == [Period.APPOINTMENT_ONLY] * 2
    # 3 an hour × 10 minutes: a = 0.5, one window: mean wait 5 ✓, P(W > 15) = 0.5·e^(−0.75) = 0.24 ✗;
    # two: C(2, 0.5) = 0.1, P(W > 15) = 0.1·e^(−2.25) ✓.
    assert [s.needed for s in plan.slots] == [2, 2]
    assert plan.notes() == []
