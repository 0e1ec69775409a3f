"""The reallocation advisor on constructed hall situations."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from hall.advisor import (
    AdvisorSettings,
    AlertKind,
    CategoryState,
    HallSnapshot,
    MoveKind,
    Recommendation,
    SpareClerk,
    WindowState,
    WindowStatus,
    advise,
    alerts,
    apply_recommendation,
    predict,
    recommend,
)
from hall.advisor.model import Model, ModelWindow, build_model
from hall.advisor.moves import _giving_cost, _windows_to_try
from hall.config import CallRule, RulesConfig
from hall.queueing import erlang_c, fluid_area, mmc_wait, steady_wait

OPEN, CLOSED, PAUSED = WindowStatus.OPEN, WindowStatus.CLOSED, WindowStatus.PAUSED


def cat(series: str, waiting: int = 0, per_hour: float = 0.0, service: float = 10.0, target: float = 15.0,
        oldest: float = 10.0) -> CategoryState:
    ages = tuple(oldest * (i + 1) / waiting for i in range(waiting)) if waiting else ()
    return CategoryState(series, ages, per_hour, None, service, target, f"业务{series}", f"Cat {series}")


def win(number: int, primary: tuple[str, ...], secondary: tuple[str, ...] = (), skills: tuple[str, ...] | None = None,
        status: WindowStatus = OPEN, since: float = math.inf, **kw: float) -> WindowState:
    clerk = None if status is CLOSED and skills is None else f"c{number}"
    return WindowState(number, status, primary, secondary, clerk, skills if skills is not None else primary + secondary,
                       minutes_since_change=since, **kw)


def overloaded_x(skills_for_y_windows: tuple[str, ...] = ("X", "Y"), since: float = math.inf) -> HallSnapshot:
    """X: long queue and more arrivals than its one window can take; Y: three quiet windows."""
    return HallSnapshot(
        categories=(cat("X", waiting=12, per_hour=9.0, oldest=25.0), cat("Y", waiting=0, per_hour=3.0)),
        windows=(
            win(1, ("X",)),
            win(2, ("Y",), skills=skills_for_y_windows, since=since),
            win(3, ("Y",), skills=skills_for_y_windows, since=since),
            win(4, ("Y",), skills=skills_for_y_windows, since=since),
        ),
    )


def assert_skills(snapshot: HallSnapshot, recs: tuple[Recommendation, ...]) -> None:
    spare = {c.staff_no: set(c.skills) for c in snapshot.spare_clerks}
    for rec in recs:
        if rec.kind is MoveKind.CLOSE_WINDOW:
            continue
        window = snapshot.window(rec.window)
        skills = spare[rec.clerk] if rec.kind is MoveKind.OPEN_WINDOW and rec.clerk in spare else set(window.clerk_skills)
        added = set(rec.primary + rec.secondary) - set(window.primary + window.secondary)
        assert added <= skills, (rec, skills)


# --------------------------------------------------------------------------- queueing formulas


def test_erlang_c_matches_the_pooling_figures_in_the_domain_notes() -> None:
    # 12 single-window queues at 85 % with 10-minute services wait ~57 min; one pooled group of 12 ~3 min
    single = mmc_wait(1, 0.085, 10.0)
    pooled = mmc_wait(12, 12 * 0.085, 10.0)
    assert single == pytest.approx(56.7, abs=0.1)
    assert 2.0 < pooled < 4.0
    assert erlang_c(1, 0.85) == pytest.approx(0.85)
    assert math.isinf(mmc_wait(2, 0.3, 10.0))


def test_fractional_server_wait_is_close_to_erlang_c_and_smooth() -> None:
    for servers in (1, 2, 4, 8, 12):
        for rho in (0.5, 0.7, 0.85, 0.9):
            exact = mmc_wait(servers, servers * rho / 10.0, 10.0)
            approx = steady_wait(float(servers), rho, 10.0)
            # Sakasegawa is tight where waits matter (high load) and errs on the safe side at low load
            assert exact <= approx + 1e-9 and approx - exact <= max(0.05 * exact, 0.6), (servers, rho)
    # between integers the wait falls steadily as servers are added at the same arrival rate
    waits = [steady_wait(c, 1.5 / c, 10.0) for c in (1.6, 1.8, 2.0, 2.2, 2.5)]
    assert waits == sorted(waits, reverse=True)


def test_fluid_backlog_area() -> None:
    assert fluid_area(10, 0.0, 1.0, 30.0) == pytest.approx(50.0)         # drains in 10 min: triangle
    assert fluid_area(0, 1.0, 0.5, 10.0) == pytest.approx(25.0)          # grows at 0.5 a minute
    assert fluid_area(5, 0.0, 0.1, 10.0) == pytest.approx(5 * 10 - 0.1 * 50)


# --------------------------------------------------------------------------- predictions


def test_prediction_grows_with_backlog_and_shrinks_with_windows() -> None:
    base = HallSnapshot((cat("X", waiting=2, per_hour=6.0),), (win(1, ("X",)), win(2, ("X",))))
    longer = HallSnapshot((cat("X", waiting=10, per_hour=6.0),), base.windows)
    more = HallSnapshot(base.categories, (*base.windows, win(3, ("X",))))
    w_base, w_longer, w_more = (predict(s)["X"].wait_minutes for s in (base, longer, more))
    assert w_longer > w_base > w_more >= 0
    unserved = HallSnapshot((cat("X", waiting=3, per_hour=6.0),), (win(1, ("Y",)),))
    prediction = predict(unserved)["X"]
    assert not prediction.served and math.isinf(prediction.wait_minutes)


def test_shared_window_counts_fractionally() -> None:
    snapshot = HallSnapshot((cat("X", per_hour=6.0), cat("Y", per_hour=6.0)), (win(1, ("X", "Y")), win(2, ("X",))))
    p = predict(snapshot)
    assert p["X"].servers == pytest.approx(1.0 + 1.0 / 3.0, rel=0.05)   # need per primary window: X 1/2, Y 1/1
    assert p["Y"].servers == pytest.approx(2.0 / 3.0, rel=0.05)
    assert p["X"].servers + p["Y"].servers == pytest.approx(2.0)


# --------------------------------------------------------------------------- recommendations


def test_overloaded_category_gets_a_window() -> None:
    snapshot = overloaded_x()
    recs = recommend(snapshot)
    assert recs, "an overloaded category with idle neighbours must be helped"
    first = recs[0]
    assert first.series == "X" and first.window in (2, 3, 4)
    assert first.kind in (MoveKind.MOVE_WINDOW, MoveKind.ADD_CATEGORY)
    assert first.gain_ticket_minutes >= AdvisorSettings().min_gain_ticket_minutes
    assert first.wait_after < first.wait_before
    assert str(first.window) in first.reason.zh and str(first.window) in first.reason.en
    assert "X" in first.primary + first.secondary
    after = apply_recommendation(snapshot, first)
    assert predict(after)["X"].wait_minutes < predict(snapshot)["X"].wait_minutes
    assert len(recs) <= AdvisorSettings().max_moves
    assert len({r.window for r in recs}) == len(recs)   # one change per window per call


def test_a_closed_window_is_opened_with_a_free_clerk_who_has_the_skill() -> None:
    snapshot = HallSnapshot(
        categories=(cat("X", waiting=15, per_hour=10.0, oldest=30.0), cat("Y", waiting=4, per_hour=12.0)),
        windows=(win(1, ("X",)), win(2, ("Y",)), win(9, (), status=CLOSED)),
        spare_clerks=(SpareClerk("s1", ("Y",)), SpareClerk("s2", ("X", "Y"))),
    )
    recs = recommend(snapshot)
    opens = [r for r in recs if r.kind is MoveKind.OPEN_WINDOW]
    assert opens and opens[0].window == 9 and opens[0].series == "X"
    assert opens[0].clerk == "s2"                       # s1 cannot serve X
    assert "9" in opens[0].reason.zh and "s2" in opens[0].reason.en
    after = apply_recommendation(snapshot, opens[0])
    assert after.window(9).status is OPEN and after.window(9).clerk == "s2"
    assert [c.staff_no for c in after.spare_clerks] == ["s1"]


def test_clerk_skills_are_respected() -> None:
    # the Y clerks are not trained for X: nothing may give them X, and a free clerk without X opens nothing for it
    snapshot = overloaded_x(skills_for_y_windows=("Y",))
    assert [r for r in recommend(snapshot) if r.series == "X"] == []
    with_spare = HallSnapshot(snapshot.categories, (*snapshot.windows, win(9, (), status=CLOSED)), (SpareClerk("s", ("Y",)),))
    assert [r for r in recommend(with_spare) if r.series == "X"] == []


def test_random_halls_never_break_skills_or_strand_a_category() -> None:
    rng = random.Random(5)
    names = "ABCDEFGH"
    for _ in range(60):
        cats = tuple(cat(s, waiting=rng.randint(0, 12), per_hour=rng.uniform(0, 12), service=rng.uniform(4, 20),
                         oldest=rng.uniform(0, 40)) for s in names)
        windows = []
        for number in range(1, 15):
            skills = tuple(rng.sample(names, rng.randint(1, 3)))
            if rng.random() < 0.15:
                windows.append(win(number, (), status=CLOSED))
            else:
                windows.append(win(number, skills[:1], skills[1:2], skills=skills, since=rng.choice((5.0, 60.0)),
                                   idle_minutes=rng.choice((0.0, 60.0))))
        spare = tuple(SpareClerk(f"s{i}", tuple(rng.sample(names, 2))) for i in range(2))
        snapshot = HallSnapshot(cats, tuple(windows), spare)
        recs = recommend(snapshot)
        assert_skills(snapshot, recs)
        after = snapshot
        for rec in recs:
            assert snapshot.window(rec.window).minutes_since_change >= AdvisorSettings().min_stay_minutes
            after = apply_recommendation(after, rec)
        for c in cats:
            busy = c.waiting > 0 or c.arrivals_per_hour > 0
            serving_before = [w for w in snapshot.windows if w.status is not CLOSED and c.series in w.series]
            primary_before = [w for w in serving_before if c.series in w.primary]
            serving_after = [w for w in after.windows if w.status is not CLOSED and c.series in w.series]
            primary_after = [w for w in serving_after if c.series in w.primary]
            if busy and serving_before:
                assert serving_after, c.series
            if busy and primary_before:
                assert primary_after, c.series


def test_the_last_window_of_a_busy_category_is_never_taken() -> None:
    # window 2 is Y's only window; its clerk could serve X, which is far worse off — still not taken
    snapshot = HallSnapshot(
        categories=(cat("X", waiting=20, per_hour=12.0, oldest=40.0), cat("Y", waiting=2, per_hour=1.0)),
        windows=(win(1, ("X",)), win(2, ("Y",), skills=("X", "Y"))),
    )
    for rec in recommend(snapshot):
        if rec.window == 2:
            assert "Y" in rec.primary
    # with Y's queue gone and no Y arrivals the window may serve X (adding it costs the least switching)
    idle_y = HallSnapshot((snapshot.categories[0], cat("Y")), snapshot.windows)
    assert any(r.window == 2 and "X" in r.primary + r.secondary for r in recommend(idle_y))


def test_minimum_stay_after_a_change() -> None:
    settings = AdvisorSettings(min_stay_minutes=20.0)
    fresh = overloaded_x(since=5.0)
    assert recommend(fresh, settings) == ()
    settled = overloaded_x(since=25.0)
    assert recommend(settled, settings)


def test_no_move_when_the_gain_does_not_pay_the_switching_cost() -> None:
    snapshot = overloaded_x()
    best = recommend(snapshot)[0].gain_ticket_minutes
    assert recommend(snapshot, AdvisorSettings(min_gain_ticket_minutes=best * 2 + 100)) == ()


def test_calm_hall_gets_no_recommendations() -> None:
    snapshot = HallSnapshot((cat("X", waiting=1, per_hour=4.0), cat("Y", per_hour=4.0)),
                            (win(1, ("X",), ("Y",)), win(2, ("Y",), ("X",))))
    assert recommend(snapshot) == ()


def _oscillating(step: int, amplitude: float, windows: tuple[WindowState, ...]) -> HallSnapshot:
    phase = math.sin(2 * math.pi * step / 12)        # a one-hour cycle at 5-minute steps
    x = cat("X", waiting=max(0, round(4 + 4 * amplitude * phase)), per_hour=12 * (1 + amplitude * phase))
    y = cat("Y", waiting=max(0, round(4 - 4 * amplitude * phase)), per_hour=12 * (1 - amplitude * phase))
    return HallSnapshot((x, y), windows)


@pytest.mark.parametrize("amplitude", [0.1, 0.2, 0.3])
def test_hysteresis_prevents_flapping(amplitude: float) -> None:
    """Repeated advice over a slowly oscillating hall, applied each time, settles and never undoes itself.

    Six windows, four on X and two on Y, equal loads swinging ±amplitude over an hour, checked every
    5 minutes for 4 hours. One window per category (no sharing), no minimum stay: only the
    hysteresis band and the switching cost hold the advisor.
    """
    settings = AdvisorSettings(min_stay_minutes=0.0, max_categories_per_window=1)
    windows = tuple(win(n, ("X",) if n <= 4 else ("Y",), skills=("X", "Y")) for n in range(1, 7))
    history: dict[int, list[tuple[str, ...]]] = {w.number: [w.primary] for w in windows}
    moves = 0
    for step in range(48):
        snapshot = _oscillating(step, amplitude, windows)
        for rec in recommend(snapshot, settings):
            snapshot = apply_recommendation(snapshot, rec)
            history[rec.window].append(rec.primary)
            moves += 1
        windows = tuple(w if w.minutes_since_change == math.inf else
                        WindowState(w.number, w.status, w.primary, w.secondary, w.clerk, w.clerk_skills,
                                    minutes_since_change=w.minutes_since_change + 5.0) for w in snapshot.windows)
    assert moves == 1                               # the lopsided start is fixed once ...
    assert all(len(h) <= 2 for h in history.values())   # ... and nothing goes back and forth


def test_close_an_idle_window_only_when_safe() -> None:
    quiet = HallSnapshot(
        (cat("X", per_hour=1.0),),
        (win(1, ("X",)), win(2, ("X",), since=120.0, idle_minutes=60.0)),
    )
    recs = recommend(quiet)
    assert len(recs) == 1 and recs[0].kind is MoveKind.CLOSE_WINDOW and recs[0].window == 2
    assert "2" in recs[0].reason.zh
    after = apply_recommendation(quiet, recs[0])
    assert after.window(2).status is CLOSED and [c.staff_no for c in after.spare_clerks] == ["c2"]
    # not the only window, not with people waiting, not when busy enough
    assert recommend(HallSnapshot(quiet.categories, quiet.windows[1:])) == ()
    assert recommend(HallSnapshot((cat("X", waiting=1, per_hour=1.0),), quiet.windows)) == ()
    assert recommend(HallSnapshot((cat("X", per_hour=10.0),), quiet.windows)) == ()


# --------------------------------------------------------------------------- alerts


def test_alerts_appear_and_clear() -> None:
    rules = RulesConfig(long_wait_alert_minutes=30, pause_warn_minutes=3)
    settings = AdvisorSettings(queue_alert_count=10)
    bad = HallSnapshot(
        categories=(cat("X", waiting=12, per_hour=8.0, oldest=35.0), cat("Y", waiting=2, per_hour=2.0), cat("Z", waiting=1)),
        windows=(win(1, ("X",)), win(2, ("Y",), status=PAUSED, paused_minutes=5.0)),
    )
    found = {(a.kind, a.series, a.window) for a in alerts(bad, rules, settings)}
    assert (AlertKind.LONG_WAIT, "X", None) in found
    assert (AlertKind.LONG_QUEUE, None, 1) in found
    assert (AlertKind.LONG_PAUSE, None, 2) in found
    assert (AlertKind.OVER_TARGET, "X", None) in found
    assert (AlertKind.UNSERVED, "Z", None) in found
    assert all(a.message.zh and a.message.en for a in alerts(bad, rules, settings))
    good = HallSnapshot(
        categories=(cat("X", waiting=2, per_hour=3.0, oldest=8.0), cat("Y", waiting=1, per_hour=2.0), cat("Z")),
        windows=(win(1, ("X",)), win(2, ("Y",), status=PAUSED, paused_minutes=2.0), win(3, ("X",), ("Z",)), win(4, ("Y",))),
    )
    assert alerts(good, rules, settings) == ()
    keys = {a.key for a in alerts(bad, rules, settings)}
    assert "long_wait:X:" in keys and "long_pause::2" in keys


def test_unserved_follows_who_serves_now() -> None:
    """hall.serving: a category whose only window is paused or has nobody logged in is unserved."""
    people = (cat("X", waiting=3, oldest=7.0),)
    for window in (win(1, ("X",), status=PAUSED, paused_minutes=1.0), WindowState(1, OPEN, ("X",), (), None, ())):
        found = {(a.kind, a.series) for a in alerts(HallSnapshot(people, (window,)), RulesConfig())}
        assert (AlertKind.UNSERVED, "X") in found
        assert (AlertKind.OVER_TARGET, "X") not in found  # the same news once, not "预计等候无窗口办理" again
        assert math.isinf(predict(HallSnapshot(people, (window,)))["X"].wait_minutes)
    staffed = HallSnapshot(people, (win(1, ("X",)),))
    assert (AlertKind.UNSERVED, "X") not in {(a.kind, a.series) for a in alerts(staffed, RulesConfig())}
    assert not math.isinf(predict(staffed)["X"].wait_minutes)


def test_advise_bundles_predictions_recommendations_and_alerts() -> None:
    snapshot = overloaded_x()
    advice = advise(snapshot, rules=RulesConfig())
    assert set(advice.predictions) == {"X", "Y"}
    assert advice.recommendations == recommend(snapshot, rules=RulesConfig())
    assert any(a.kind is AlertKind.OVER_TARGET for a in advice.alerts)


def test_promotion_rule_bounds_a_secondary_category_wait() -> None:
    # Y is only secondary at a saturated window: without promotion its predicted wait explodes;
    # with the 30-minute promotion rule it is served like a primary after 30 minutes
    snapshot = HallSnapshot((cat("X", waiting=6, per_hour=7.0), cat("Y", waiting=3, per_hour=2.0)), (win(1, ("X",), ("Y",)),))
    without = predict(snapshot, rules=RulesConfig(secondary_promote_minutes=0))["Y"].wait_minutes
    with_rule = predict(snapshot, rules=RulesConfig(secondary_promote_minutes=30))["Y"].wait_minutes
    assert with_rule < without
    assert with_rule >= 30.0


def test_pooling_adds_the_clerks_other_quiet_categories_before_a_queue_builds() -> None:
    snapshot = HallSnapshot(
        (cat("X", per_hour=2.0), cat("Y", waiting=1, per_hour=2.0, oldest=4.0), cat("Z", waiting=1, per_hour=2.0, oldest=3.0),
         cat("W", per_hour=3.0)),
        (win(1, ("X",), skills=("X", "Y", "Z", "V")), win(2, ("Y",)), win(3, ("Z",)), win(4, ("W",))),
    )
    settings = AdvisorSettings()
    assert all(p.wait_minutes <= settings.act_ratio * p.target_wait_minutes for p in predict(snapshot).values())  # nobody strained
    (rec,) = recommend(snapshot)
    # W: the clerk is not trained for it; V: the clerk's skill is not a category of this hall
    assert (rec.kind, rec.window, rec.primary, set(rec.secondary)) == (MoveKind.ADD_CATEGORY, 1, ("X",), {"Y", "Z"})
    bar = settings.min_gain_ticket_minutes
    assert settings.pool_gain_share * bar <= rec.gain_ticket_minutes < bar   # under a move's bar, over pooling's
    assert "业务Y、业务Z" in rec.reason.zh and "Cat Y, Cat Z" in rec.reason.en
    assert recommend(snapshot, AdvisorSettings(pool_secondaries=False)) == ()
    # pooled and settled: nothing is taken back (pooling only adds, so it cannot flap)
    pooled = apply_recommendation(snapshot, rec)
    settled = replace(pooled, windows=tuple(replace(w, minutes_since_change=math.inf) for w in pooled.windows))
    assert recommend(settled) == ()


def test_with_broad_skills_only_the_windows_that_give_least_are_tried() -> None:
    """Every clerk trained for everything: the windows tried for a helped category are those that
    already serve it and the ``windows_per_category`` whose own categories lose least; the
    recommendation is the same as when every window is tried."""
    names = [chr(ord("A") + i) for i in range(8)]
    categories = [cat("A", waiting=12, per_hour=30.0, oldest=40.0), *(cat(s, per_hour=3.0 + 4 * i) for i, s in enumerate(names[1:]))]
    windows = [win(n, (names[n % 8],), skills=tuple(names)) for n in range(1, 25)]
    snapshot = HallSnapshot(tuple(categories), tuple(windows))
    settings = AdvisorSettings(windows_per_category=4)
    model = build_model(snapshot, settings, RulesConfig())
    giving = {w.number: _giving_cost(model, w) for w in model.windows}
    tried = _windows_to_try(model, 0, giving)
    serving_a = [w.number for w in model.windows if 0 in w.primary]
    assert [w.number for w in tried[: len(serving_a)]] == serving_a
    others = tried[len(serving_a) :]
    assert len(others) == 4
    assert max(giving[w.number] for w in others) <= min(giving[w.number] for w in model.windows if w not in tried)
    everything = recommend(snapshot, AdvisorSettings(windows_per_category=0))
    assert everything and recommend(snapshot, settings)[0] == everything[0]


# --------------------------------------------------------------------------- the call rule


def two_primaries_one_overloaded() -> HallSnapshot:
    """Window 1 serves X and Y as primaries; X has a long queue, Y is quiet; window 2 serves Z."""
    return HallSnapshot(
        categories=(cat("X", waiting=14, per_hour=8.0, oldest=30.0), cat("Y", per_hour=2.0), cat("Z", per_hour=2.0)),
        windows=(win(1, ("X", "Y")), win(2, ("Z",), skills=("Z", "X"))),
    )


def test_focus_moves_only_where_the_call_rule_has_a_primary_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under primary_first "window 1 serves X first" changes the calling order; under longest_wait
    and target_weighted it changes nothing, so it is not even scored there (nor a primary place
    next to a secondary one), and window 2 is offered X as one more category called by waiting time."""
    scored: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    real = Model.try_change

    def spy(self: Model, w: ModelWindow, primary: list[int], secondary: list[int], avail: float) -> object:
        scored.append((w.number, tuple(primary), tuple(secondary)))
        return real(self, w, primary, secondary, avail)

    monkeypatch.setattr(Model, "try_change", spy)
    snapshot = two_primaries_one_overloaded()
    x, y, z = 0, 1, 2
    recommend(snapshot, rules=RulesConfig(call_rule=CallRule.PRIMARY_FIRST))
    assert (1, (x,), (y,)) in scored, "focus on X at window 1"
    assert (2, (z, x), ()) in scored, "X as a second primary at window 2"
    for rule in (CallRule.LONGEST_WAIT, CallRule.TARGET_WEIGHTED):
        scored.clear()
        moves = recommend(snapshot, rules=RulesConfig(call_rule=rule))
        assert (1, (x,), (y,)) not in scored and (2, (z, x), ()) not in scored and (2, (x,), (z,)) not in scored, rule
        assert (2, (z,), (x,)) in scored
        added = [r for r in moves if r.kind is MoveKind.ADD_CATEGORY and r.window == 2]
        assert added and "按等候叫号" in added[0].reason.zh and "by waiting time" in added[0].reason.en


def test_shared_capacity_model_splits_a_window_by_need_under_longest_wait() -> None:
    """With share_by_need_across the window's categories share it by need under a rule that calls
    across them (X, with most of the need, gets most of window 1), where primary_first gives the
    secondary category only the primary's spare time."""
    snapshot = HallSnapshot(
        categories=(cat("X", waiting=6, per_hour=4.0), cat("Y", waiting=6, per_hour=4.0)),
        windows=(win(1, ("X",), ("Y",)),),
    )
    shared = AdvisorSettings(share_by_need_across=True)
    across = predict(snapshot, shared, RulesConfig(call_rule=CallRule.LONGEST_WAIT))
    tiered = predict(snapshot, shared, RulesConfig(call_rule=CallRule.PRIMARY_FIRST))
    assert across["X"].servers == pytest.approx(0.5) and across["Y"].servers == pytest.approx(0.5)
    assert tiered["X"].servers == pytest.approx(1.0) and tiered["Y"].servers < 0.1
    # the default (spare-time model for both) is what the simulator measured best
    assert predict(snapshot, AdvisorSettings(), RulesConfig(call_rule=CallRule.LONGEST_WAIT))["X"].servers == pytest.approx(1.0)


def test_pooling_has_an_allowance_beyond_max_moves() -> None:
    """Eight windows, each clerk trained for the next window's category too: all eight may pool in
    one call (max_pool_moves), not three at a time; without the allowance max_moves holds."""
    names = "ABCDEFGH"
    snapshot = HallSnapshot(
        categories=tuple(cat(s, per_hour=2.5) for s in names),
        windows=tuple(win(i + 1, (s,), skills=(s, names[(i + 1) % 8])) for i, s in enumerate(names)),
    )
    pooled = recommend(snapshot, AdvisorSettings(max_pool_moves=30))
    assert len(pooled) == 8 and all(r.kind is MoveKind.ADD_CATEGORY and r.secondary for r in pooled)
    assert len({r.window for r in pooled}) == len(pooled), "one move per window"
    assert len(recommend(snapshot, AdvisorSettings(max_pool_moves=0))) == 3
