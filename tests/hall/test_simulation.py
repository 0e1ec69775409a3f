"""The hall-day simulator: deterministic, fair (same tickets, same clerks), real call order, real advisor."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import time

import pytest

import hall.simulation.engine as engine
from hall.advisor import HallSnapshot, MoveKind
from hall.config import CallRule, CategoryConfig, ClerkConfig, HallConfig, HoursConfig, RulesConfig, TimeRange, WindowConfig
from hall.forecast import service_estimate
from hall.simulation import (
    BasePlan,
    DayPlan,
    LunchMode,
    Roster,
    SimSettings,
    SimTicket,
    UnequalStaffing,
    compare,
    default_lunch_windows,
    format_comparison,
    make_day,
    make_roster,
    policy,
    reference_policies,
    simulate_day,
    synthetic_hall,
)
from hall.simulation.compare import t_quantile_975
from hall.simulation.live import history_profile
from hall.simulation.policies import SEATING, Seating, skills_seating, static_seating
from hall.simulation.training import screen, suggest_cross_training, with_skill
from hall.text import HallRuleError
from workbench.bench.advisor import bench_advisor
from workbench.simulate import parse, simulate_main

STATIC = policy("static")


def tiny_hall(rules: RulesConfig | None = None, windows: int = 1) -> HallConfig:
    return HallConfig(
        code="tiny",
        name_zh="小厅",
        name_en="Tiny hall",
        hours=HoursConfig(
            regular=(TimeRange(time(8, 30), time(12, 0)), TimeRange(time(13, 30), time(17, 30))),
            lunch=TimeRange(time(12, 0), time(13, 30)),
        ),
        rules=rules or RulesConfig(),
        categories=(
            CategoryConfig("A", "甲", "A", expected_service_minutes=10),
            CategoryConfig("B", "乙", "B", expected_service_minutes=10),
        ),
        windows=tuple(WindowConfig(n, "窗", primary=("A",), secondary=("B",)) for n in range(1, windows + 1)),
        clerks=tuple(ClerkConfig(str(n), "王", skills=("A", "B"), pin="1234") for n in range(1, windows + 1)),
    )


def minutes(h: int, m: int) -> float:
    return h * 60.0 + m


def roster_of(config: HallConfig, settings: SimSettings | None = None) -> Roster:
    return make_roster(config, settings or SimSettings(), random.Random(0))


def run(config: HallConfig, tickets: tuple[SimTicket, ...], name: str = "static", settings: SimSettings | None = None):  # type: ignore[no-untyped-def]
    settings = settings or SimSettings(history_weeks=0)
    return simulate_day(config, DayPlan(tickets, {}), roster_of(config, settings), policy(name), settings, record=True)


# --------------------------------------------------------------------------- the day and the calls


def test_a_day_is_deterministic_for_a_seed(sample_hall: HallConfig) -> None:
    settings = SimSettings()
    one = make_day(sample_hall, settings, random.Random(42))
    assert one == make_day(sample_hall, settings, random.Random(42)) != make_day(sample_hall, settings, random.Random(43))
    roster = make_roster(sample_hall, settings, random.Random(1))
    profile = history_profile(sample_hall, settings, 42)
    first = simulate_day(sample_hall, one, roster, policy("advisor/15"), settings, profile=profile, record=True)
    again = simulate_day(sample_hall, one, roster, policy("advisor/15"), settings, profile=profile, record=True)
    assert first.waits == again.waits and first.calls == again.calls
    assert [r for _t, r in first.recommendations] == [r for _t, r in again.recommendations]


def test_every_ticket_is_called_once_under_every_policy(sample_hall: HallConfig) -> None:
    settings = SimSettings(no_show_share=0.05, appointment_share=0.1, absences_per_clerk=2, lunch_mode=LunchMode.STAGGERED)
    plan = make_day(sample_hall, settings, random.Random(3))
    roster = make_roster(sample_hall, settings, random.Random(3))
    for each in reference_policies((15.0,)):
        result = simulate_day(sample_hall, plan, roster, each, settings, record=True)
        assert result.unserved == 0
        assert sorted(t for _m, _w, t in result.calls) == [t.ticket_id for t in plan.tickets], each.name
        assert len(result.waits) + result.no_shows == len(plan.tickets)
        assert all(w >= 0 for w in result.waits)
        assert result.clerk_minutes == pytest.approx(roster.clerk_minutes)


def test_calls_use_the_real_call_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Priority first, then primary before secondary — and every pick goes through choose_next."""
    tickets = (
        SimTicket(1, minutes(8, 30), "A", False, 30.0),  # keeps the window busy until 09:00
        SimTicket(2, minutes(8, 35), "B", False, 5.0),  # secondary, earliest of the rest
        SimTicket(3, minutes(8, 40), "A", False, 5.0),
        SimTicket(4, minutes(8, 50), "B", True, 5.0),  # 绿色通道, latest
    )
    seen = []
    real = engine.choose_next

    def spy(candidates, window, now, rules):  # type: ignore[no-untyped-def]
        pick = real(candidates, window, now, rules)
        seen.append(pick.ticket_id if pick else None)
        return pick

    monkeypatch.setattr(engine, "choose_next", spy)
    result = run(tiny_hall(), tickets)
    order = [ticket for _m, _w, ticket in result.calls]
    assert order == [1, 4, 3, 2]
    assert seen == order
    assert result.waits[1] == pytest.approx(10.0)  # the priority ticket waited from 08:50 to 09:00


def test_the_call_rule_is_the_halls() -> None:
    tickets = (
        SimTicket(1, minutes(8, 30), "A", False, 30.0),
        SimTicket(2, minutes(8, 35), "B", False, 5.0),
        SimTicket(3, minutes(8, 40), "A", False, 5.0),
    )
    primary_first = run(tiny_hall(), tickets)
    longest = run(tiny_hall(RulesConfig(call_rule=CallRule.LONGEST_WAIT)), tickets)
    assert [t for _m, _w, t in primary_first.calls] == [1, 3, 2]
    assert [t for _m, _w, t in longest.calls] == [1, 2, 3]


def test_long_waiting_secondary_ticket_is_promoted() -> None:
    tickets = (
        SimTicket(1, minutes(8, 30), "A", False, 40.0),
        SimTicket(2, minutes(8, 31), "B", False, 5.0),  # waits 39 min by 09:10: promoted
        SimTicket(3, minutes(8, 32), "A", False, 5.0),
    )
    result = run(tiny_hall(RulesConfig(secondary_promote_minutes=30)), tickets)
    assert [ticket for _m, _w, ticket in result.calls] == [1, 2, 3]


def test_a_due_appointment_goes_before_earlier_walk_ins() -> None:
    tickets = (
        SimTicket(1, minutes(9, 0), "A", False, 20.0),
        SimTicket(2, minutes(9, 1), "A", False, 5.0),
        SimTicket(3, minutes(9, 5), "A", False, 5.0, appointment_at=minutes(9, 10)),
    )
    assert [t for _m, _w, t in run(tiny_hall(), tickets).calls] == [1, 3, 2]


def test_idle_longest_takes_the_longest_queue() -> None:
    tickets = (
        SimTicket(1, minutes(9, 0), "A", False, 20.0),
        SimTicket(2, minutes(9, 1), "A", False, 5.0),  # the oldest waiting ticket ...
        SimTicket(3, minutes(9, 2), "B", False, 5.0),
        SimTicket(4, minutes(9, 3), "B", False, 5.0),  # ... but B's queue is longer
    )
    assert [t for _m, _w, t in run(tiny_hall(), tickets, "skills").calls] == [1, 2, 3, 4]
    assert [t for _m, _w, t in run(tiny_hall(), tickets, "idle-longest").calls] == [1, 3, 2, 4]


def test_a_switch_of_category_costs_time_under_every_policy() -> None:
    tickets = (
        SimTicket(1, minutes(9, 0), "A", False, 10.0),
        SimTicket(2, minutes(9, 0) + 0.1, "B", False, 10.0),
        SimTicket(3, minutes(9, 0) + 0.2, "B", False, 10.0),
    )
    for name in ("static", "pooled"):
        result = run(tiny_hall(), tickets, name, SimSettings(switch_cost_minutes=2.0, history_weeks=0))
        assert [m for m, _w, _t in result.calls] == pytest.approx([minutes(9, 0), minutes(9, 10), minutes(9, 22)])


def test_a_no_show_costs_the_recall_time_and_has_no_wait() -> None:
    tickets = (SimTicket(1, minutes(9, 0), "A", False, 0.0, no_show=True), SimTicket(2, minutes(9, 0) + 0.5, "A", False, 5.0))
    result = run(tiny_hall(), tickets, settings=SimSettings(no_show_minutes=2.0, history_weeks=0))
    assert result.no_shows == 1
    assert result.waits == pytest.approx([1.5])


def test_shares_of_no_shows_appointments_and_long_services_follow_the_settings(sample_hall: HallConfig) -> None:
    plain = make_day(sample_hall, SimSettings(), random.Random(5))
    busy = make_day(sample_hall, SimSettings(no_show_share=0.2, appointment_share=0.2, long_service_share=0.2), random.Random(5))
    assert [t.arrival for t in plain.tickets] == [t.arrival for t in busy.tickets]  # the same citizens come
    n = len(busy.tickets)
    assert 0.12 < sum(t.no_show for t in busy.tickets) / n < 0.28
    assert 0.12 < sum(t.appointment_at is not None for t in busy.tickets) / n < 0.28
    longer = sum(1 for a, b in zip(plain.tickets, busy.tickets, strict=True) if not b.no_show and b.service > a.service * 2.9)
    assert 0.1 < longer / n < 0.25
    assert all(t.appointment_at is None or t.appointment_at >= t.arrival for t in busy.tickets)


# --------------------------------------------------------------------------- the clerks


def test_lunch_service_runs_with_the_lunch_windows_only(sample_hall: HallConfig) -> None:
    lunch = set(default_lunch_windows(sample_hall))
    assert 0 < len(lunch) < len([w for w in sample_hall.windows if w.open])
    settings = SimSettings(history_weeks=0)
    plan = make_day(sample_hall, settings, random.Random(9))
    result = simulate_day(sample_hall, plan, roster_of(sample_hall), STATIC, settings, record=True)
    at_lunch = {window for moment, window, _t in result.calls if minutes(12, 0) <= moment < minutes(13, 30)}
    assert at_lunch and at_lunch <= lunch


def test_staggered_lunch_keeps_every_category_staffed_and_clerks_eat(sample_hall: HallConfig) -> None:
    settings = SimSettings(lunch_mode=LunchMode.STAGGERED, history_weeks=0)
    roster = roster_of(sample_hall, settings)
    assert all(d.lunch is not None for d in roster.duties)
    assert {d.lunch for d in roster.duties} == {(minutes(11, 30), minutes(12, 30)), (minutes(12, 30), minutes(13, 30))}
    plan = make_day(sample_hall, settings, random.Random(9))
    result = simulate_day(sample_hall, plan, roster, STATIC, settings, record=True)
    home = {d.home_window: d for d in roster.duties}
    for moment, window, _t in result.calls:
        lunch = home[window].lunch
        assert lunch is not None and not lunch[0] <= moment < lunch[1]


def test_an_ab_absence_pauses_the_window() -> None:
    hall = tiny_hall()
    settings = SimSettings(history_weeks=0)
    roster = roster_of(hall, settings)
    away = Roster((dataclasses.replace(roster.duties[0], absences=((minutes(9, 5), 3.0),)),), roster.open_at, roster.close_at)
    tickets = (SimTicket(1, minutes(9, 0), "A", False, 10.0), SimTicket(2, minutes(9, 1), "A", False, 5.0))
    result = simulate_day(hall, DayPlan(tickets, {}), away, STATIC, settings, record=True)
    # busy at 09:05: the clerk steps away after the ticket, 09:10–09:13
    assert [m for m, _w, _t in result.calls] == pytest.approx([minutes(9, 0), minutes(9, 13)])
    assert result.clerk_minutes == pytest.approx(away.clerk_minutes)


def test_static_opens_the_reserve_window_with_its_categories(sample_hall: HallConfig) -> None:
    reserve = next(w for w in sample_hall.windows if not w.open)
    roster = roster_of(sample_hall)
    assert len(roster.duties) == len(sample_hall.clerks) == len(sample_hall.windows)
    seat = static_seating(sample_hall, roster).seats[reserve.number]
    assert (seat.primary, seat.secondary) == (reserve.primary, reserve.secondary)
    plan = make_day(sample_hall, SimSettings(), random.Random(2))
    result = simulate_day(sample_hall, plan, roster, STATIC, SimSettings(history_weeks=0), record=True)
    assert any(window == reserve.number for _m, window, _t in result.calls)


def test_policies_are_never_compared_with_different_clerks(sample_hall: HallConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Must-show test: a policy made to drop one clerk makes the comparison refuse."""

    def skills_but_one_clerk_stays_home(config: HallConfig, roster: Roster) -> Seating:
        full = skills_seating(config, roster)
        dropped = max(full.seats)
        return Seating({n: s for n, s in full.seats.items() if n != dropped}, full.spare)

    monkeypatch.setitem(SEATING, BasePlan.SKILLS, skills_but_one_clerk_stays_home)
    with pytest.raises(UnequalStaffing) as refused:
        compare(sample_hall, [policy("skills")], seeds=[1], settings=SimSettings(history_weeks=0))
    assert "skills" in str(refused.value) and "不同的人手不能比较" in refused.value.message.zh
    # the same with a clerk too many (one from outside the roster)
    extra = ClerkConfig("9999", "外援", skills=("A",))

    def one_clerk_too_many(config: HallConfig, roster: Roster) -> Seating:
        full = static_seating(config, roster)
        return Seating(full.seats, (extra,))

    monkeypatch.setitem(SEATING, BasePlan.SKILLS, one_clerk_too_many)
    with pytest.raises(UnequalStaffing):
        compare(sample_hall, [policy("skills")], seeds=[1], settings=SimSettings(history_weeks=0))


# --------------------------------------------------------------------------- the advisor inside


def test_the_advisor_in_the_simulator_respects_clerk_skills(sample_hall: HallConfig) -> None:
    skills = {c.staff_no: set(c.skills) for c in sample_hall.clerks}
    settings = SimSettings()
    plan = make_day(sample_hall, settings, random.Random(1_000_003 + 6))  # a day with a heavy G peak
    result = simulate_day(sample_hall, plan, roster_of(sample_hall), policy("advisor/15"), settings, record=True)
    assert result.moves == len(result.recommendations) > 0
    for _t, rec in result.recommendations:
        if rec.kind is not MoveKind.CLOSE_WINDOW:
            assert rec.clerk is not None
            assert set(rec.primary + rec.secondary) <= skills[rec.clerk], rec


def test_the_advisor_knows_only_what_production_knows(sample_hall: HallConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finished services only (not the called ticket's true time), no clerk at lunch among the spare ones."""
    snapshots: list[tuple[float, HallSnapshot]] = []
    real = engine.advise

    def spy(snapshot, settings, rules):  # type: ignore[no-untyped-def]
        snapshots.append((day.now, snapshot))
        return real(snapshot, settings, rules)

    monkeypatch.setattr(engine, "advise", spy)
    settings = SimSettings(lunch_mode=LunchMode.STAGGERED)
    plan = make_day(sample_hall, settings, random.Random(11))
    roster = roster_of(sample_hall, settings)
    day = engine._Day(
        sample_hall,
        plan,
        roster,
        policy("skills+advisor/15"),
        settings,
        engine.AdvisorSettings(),
        history_profile(sample_hall, settings, 11),
        False,
    )
    day.run()
    expected = {c.series: c.expected_service_minutes for c in sample_hall.categories}
    first_at, first = snapshots[0]
    assert first_at == minutes(8, 30)
    assert all(c.service_minutes == expected[c.series] for c in first.categories)  # nothing finished yet
    lunch_of = {d.staff_no: d.lunch for d in roster.duties}
    for at, snapshot in snapshots:
        for spare in snapshot.spare_clerks:
            lunch = lunch_of[spare.staff_no]
            assert lunch is None or not lunch[0] <= at < lunch[1]
    finished_a = [m for m in day.live.finished["A"]]
    assert day.live.service_minutes("A") == service_estimate(finished_a, expected["A"])


def test_the_forecast_comes_from_past_days_not_the_day_simulated(sample_hall: HallConfig) -> None:
    settings = SimSettings()
    profile = history_profile(sample_hall, settings, 1)
    assert profile is not None and profile.days_observed(settings.day) == 20  # four weeks of working days
    assert profile.rate_per_hour("D", settings.day, time(9, 30)) > profile.rate_per_hour("D", settings.day, time(12, 30)) > 0
    assert history_profile(sample_hall, settings, 2) != profile
    assert history_profile(sample_hall, dataclasses.replace(settings, history_weeks=0), 1) is None


def test_late_advice_is_applied_late(sample_hall: HallConfig) -> None:
    settings = SimSettings(advice_delay_minutes=5.0)
    plan = make_day(sample_hall, settings, random.Random(1_000_003 + 6))
    result = simulate_day(sample_hall, plan, roster_of(sample_hall), policy("advisor/15"), settings, record=True)
    assert result.moves > 0
    assert all((t - minutes(8, 30)) % 15 == pytest.approx(5.0) for t, _r in result.recommendations)


# --------------------------------------------------------------------------- comparing


def test_a_small_comparison_over_seeds(sample_hall: HallConfig) -> None:
    comparison = compare(sample_hall, reference_policies((15.0,)), seeds=range(1, 4), days=1)
    names = [p.name for p in comparison.policies]
    assert names == ["static", "skills", "idle-longest", "advisor/15min", "skills+advisor/15min", "pooled"]
    static, pooled = comparison.policy("static"), comparison.policy("pooled")
    for p in comparison.policies:
        assert len(p.seeds) == 3 and p.unserved == 0
        assert pooled.mean.value <= p.mean.value + 1e-9
        assert math.isfinite(p.mean.half_width)
    assert comparison.policy("advisor/15min").mean.value < static.mean.value
    assert static.estimate("moves_per_day").value == 0 and comparison.policy("advisor/15min").estimate("moves_per_day").value > 0
    assert comparison.clerks_on_duty == len(sample_hall.clerks)
    table = format_comparison(comparison)
    for word in ("static", "idle-longest", "skills+advisor/15min", "pooled", "gap closed", "p90", "±", "clerk-minutes", "runtime"):
        assert word in table


def test_t_quantile() -> None:
    assert t_quantile_975(9) == pytest.approx(2.262, abs=0.002)
    assert t_quantile_975(4) == pytest.approx(2.776, abs=0.005)
    assert t_quantile_975(1000) == pytest.approx(1.962, abs=0.002)


def test_synthetic_halls() -> None:
    chains, full = synthetic_hall(30, 100, "chains"), synthetic_hall(30, 100, "full")
    for hall in (chains, full):
        assert len(hall.categories) == 30 and len(hall.windows) == len(hall.clerks) == 100
    assert all(len(c.skills) == 2 for c in chains.clerks)
    assert {c.skills[1] for c in chains.clerks} == {c.series for c in chains.categories}  # every category has a second line
    assert all(len(c.skills) == 30 for c in full.clerks)


def test_simulate_main_prints_the_table() -> None:
    table = simulate_main(parse(["--quick", "--every", "15", "30", "--switch-cost", "0.5", "--lunch", "staggered", "--rates", "A=6"]))
    for word in ("static", "advisor/15min", "advisor/30min", "skills+advisor/30min", "pooled", "gap closed", "3 seeds"):
        assert word in table
    for bad in (
        ["--load", "-1"],
        ["--rates", "A=x"],
        ["--rates", "Q=3"],
        ["--policies", "magic"],
        ["--hall", "/nowhere.toml"],
        ["--no-show", "2"],
    ):
        with pytest.raises(HallRuleError) as refused:
            simulate_main(parse(["--quick", *bad]))
        assert refused.value.message.zh and refused.value.message.en


def test_bench_prints_figures() -> None:
    text = bench_advisor(runs=3)
    assert "30 categories × 100 windows" in text and "p99" in text
    assert "full skills" in text and "30.0 skills per clerk" in text, "the case with every clerk trained for everything"


def test_cross_training_is_screened_then_simulated(sample_hall: HallConfig) -> None:
    settings = SimSettings()
    screened = screen(sample_hall, settings)
    trained = {c.staff_no: set(c.skills) for c in sample_hall.clerks}
    assert screened and all(s.train_in not in trained[s.staff_no] and s.screened_gain > 0 for s in screened)
    gains = [round(s.screened_gain, 9) for s in screened]
    assert gains == sorted(gains, reverse=True)
    best = suggest_cross_training(sample_hall, settings, seeds=[1, 2], confirm=2)
    assert len(best) == 2 and len({b.train_in for b in best}) == 2
    for suggestion in best:
        assert suggestion.mean_before is not None and suggestion.mean_after is not None and suggestion.saving is not None
        assert suggestion.saving.value == pytest.approx(suggestion.mean_before.value - suggestion.mean_after.value)
    assert with_skill(sample_hall, "1001", "J").clerks[0].skills[-1] == "J"
    table = simulate_main(parse(["--quick", "--cross-training"]))
    assert "交叉培训建议" in table and "train in" in table


def test_the_target_weighted_rule_reaches_the_simulator() -> None:
    hall = tiny_hall(RulesConfig(call_rule=CallRule.TARGET_WEIGHTED))
    hall = dataclasses.replace(
        hall,
        categories=(
            CategoryConfig("A", "甲", "A", expected_service_minutes=10, target_wait_minutes=30),
            CategoryConfig("B", "乙", "B", expected_service_minutes=10, target_wait_minutes=5),
        ),
    )
    tickets = (
        SimTicket(1, minutes(8, 30), "A", False, 30.0),
        SimTicket(2, minutes(8, 31), "A", False, 5.0),  # 29 min of a 30 min target by 09:00
        SimTicket(3, minutes(8, 50), "B", False, 5.0),  # 10 min of a 5 min target: called first
    )
    assert [t for _m, _w, t in run(hall, tickets, "pooled").calls] == [1, 3, 2]
