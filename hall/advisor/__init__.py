"""The reallocation advisor (窗口动态调整): where waits will grow, which window to open or move.

Input is a plain :class:`HallSnapshot` the server builds from its tables (or the simulator from
its queues): per category the waiting tickets' ages, the recent arrival rate and service time and
the target wait; per window its state, its categories, the clerk's skills and how long ago it was
last changed; and the clerks free to open a closed window. Output is an :class:`Advice`: a
predicted wait per category, recommended moves with a reason in both languages and the expected
gain, and alerts from the hall's rules. Nothing here talks to a database or a clock.

The model (documented so a manager can trust the numbers)
---------------------------------------------------------
1. **Demand.** Category c has arrival rate λ (per minute), mean service time s (the observed
   recent mean, else the configured expectation) and a backlog of q waiting tickets. Its *need*
   over the planning horizon H is ``a + q·s/H`` windows, where ``a = λ·s`` is the offered load.
2. **Capacity.** Every open window is one server. Its *primary* categories share it in
   proportion to their need per primary window; a category's primary capacity P is the sum of
   those shares. Under the ``primary_first`` call rule a window serves its *secondary* categories
   only with the time its primary ones leave over, so the window's spare ``Σ share·(1 − u)``
   (u = primary utilisation, need / P, at most 1) is split among its secondary categories by
   their unmet need. The category's effective number of servers is c = P + secondary share —
   a fractional number when windows serve several categories.
3. **Wait.** Two parts, in ticket-minutes over the horizon H:
   * the backlog as a fluid: ``q(t) = max(0, q + (λ − c/s)·t)``, integrated over [0, H];
   * the steady-state queue of an M/G/c system, ``λ·Wq`` per minute, where Wq is Erlang C for a
     real c (Sakasegawa's approximation) times the Allen–Cunneen factor (1 + cv²)/2 for
     lognormal service times, with the utilisation capped (an overloaded category's growth is
     already in the fluid part).
   Their sum J is the waiting the hall will accumulate; the *predicted wait* shown to the manager
   is the mean wait of a ticket taken in the next H minutes: ``(fluid area / H) / (c/s) + Wq``.
4. **Moves.** A candidate move changes one window; its gain is the fall in ΣJ, computed with
   the window out of service for the clerk's switching delay. Moves are chosen greedily, best
   first, at most ``max_moves`` per call and one per window, each re-checked on the full model.
5. **Pooling.** Besides helping a category over ``act_ratio`` × target, a window may take, in one
   move, every other category its clerk is trained for that has tickets or arrivals and is not
   yet over ``act_ratio``, as secondary. Under ``primary_first`` those are served only with the
   window's spare minutes (or once a ticket is promoted), so its own queues lose little; the bar
   is lower: ``pool_gain_share`` × ``min_gain_ticket_minutes``. This acts before a queue builds:
   small categories share the spare time of several windows, as 一窗受理 intends.

Hysteresis and safety
---------------------
* A category is helped only when its predicted wait exceeds ``act_ratio`` × its target. The
  default (0.3) acts well before the published target is breached: tuned on the simulator, acting
  only once the target is exceeded leaves the mean wait about 10 % higher (see the report of
  ``hallq simulate``).
* The gain must exceed ``min_gain_ticket_minutes`` (the switching cost, beyond the delay);
  ``pool_gain_share`` of it for pooling. Pooling only adds secondary categories, so it
  never takes a window from anyone and cannot flap.
* A window may leave (or share less of itself with) a category only if that category's predicted
  wait afterwards stays under ``release_ratio`` × its target, or stays clearly (by
  ``balance_margin``) below the helped category's wait relative to target — so the reverse move
  is not attractive the next time round.
* A window changed less than ``min_stay_minutes`` ago is not changed again; paused windows and
  windows without a logged-in clerk are not changed.
* A category with waiting tickets (or arrivals) never loses its last window, and never its last
  window where it is primary.
* A category is only given to a window whose clerk has the skill; a closed window is opened
  only with a free clerk who has it.
* A window is proposed for closing only when it has been idle ``close_idle_minutes``, nobody
  waits for its categories and every one of them stays under ``close_below_ratio`` × target.
"""

from __future__ import annotations

from dataclasses import replace

from hall.advisor.alerts import alerts_of
from hall.advisor.model import build_model, predictions_of
from hall.advisor.moves import recommend_moves
from hall.advisor.snapshot import (
    Advice,
    AdvisorSettings,
    Alert,
    AlertKind,
    CategoryState,
    HallSnapshot,
    MoveKind,
    Prediction,
    Recommendation,
    SpareClerk,
    WindowState,
    WindowStatus,
    serving_of,
)
from hall.config import RulesConfig

__all__ = [
    "Advice",
    "AdvisorSettings",
    "Alert",
    "AlertKind",
    "CategoryState",
    "HallSnapshot",
    "MoveKind",
    "Prediction",
    "Recommendation",
    "SpareClerk",
    "WindowState",
    "WindowStatus",
    "advise",
    "alerts",
    "apply_recommendation",
    "predict",
    "recommend",
    "serving_of",
]


def predict(snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None) -> dict[str, Prediction]:
    """Predicted wait per category under the current window allocation."""
    return predictions_of(build_model(snapshot, settings, rules))


def advise(snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None) -> Advice:
    """Predictions, recommendations and alerts for one snapshot."""
    settings = settings or AdvisorSettings()
    rules = rules or RulesConfig()
    model = build_model(snapshot, settings, rules)
    predictions = predictions_of(model)
    found_alerts = alerts_of(snapshot, predictions, settings, rules)
    return Advice(predictions, recommend_moves(model, snapshot), found_alerts)


def recommend(
    snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None
) -> tuple[Recommendation, ...]:
    """Recommended window moves, best first (at most ``settings.max_moves``, one per window)."""
    return recommend_moves(build_model(snapshot, settings, rules), snapshot)


def alerts(snapshot: HallSnapshot, rules: RulesConfig | None = None, settings: AdvisorSettings | None = None) -> tuple[Alert, ...]:
    """Alerts from the hall's rules. Stateless: an alert clears when its condition stops."""
    settings = settings or AdvisorSettings()
    rules = rules or RulesConfig()
    return alerts_of(snapshot, predict(snapshot, settings, rules), settings, rules)


def apply_recommendation(snapshot: HallSnapshot, rec: Recommendation) -> HallSnapshot:
    """The snapshot as it will be once ``rec`` is carried out (for previews, tests and the simulator)."""
    windows = []
    spare = list(snapshot.spare_clerks)
    for w in snapshot.windows:
        if w.number != rec.window:
            windows.append(w)
            continue
        if rec.kind is MoveKind.CLOSE_WINDOW:
            if w.clerk is not None:
                spare.append(SpareClerk(w.clerk, w.clerk_skills))
            windows.append(replace(w, status=WindowStatus.CLOSED, clerk=None, clerk_skills=(), minutes_since_change=0.0, idle_minutes=0.0))
            continue
        clerk, skills = w.clerk, w.clerk_skills
        if rec.kind is MoveKind.OPEN_WINDOW and rec.clerk is not None and rec.clerk != w.clerk:
            taken = next((s for s in spare if s.staff_no == rec.clerk), None)
            if taken is not None:
                spare.remove(taken)
                clerk, skills = taken.staff_no, taken.skills
        windows.append(
            replace(
                w,
                status=WindowStatus.OPEN,
                primary=rec.primary,
                secondary=rec.secondary,
                clerk=clerk,
                clerk_skills=skills,
                minutes_since_change=0.0,
                idle_minutes=0.0,
            )
        )
    return replace(snapshot, windows=tuple(windows), spare_clerks=tuple(spare))
