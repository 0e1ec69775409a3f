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

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from hall.config import CallRule, CategoryConfig, RulesConfig
from hall.queueing import fluid_area, steady_wait, variability_factor
from hall.serving import Staffing, WindowServing, staffing, unserved_categories
from hall.text import Bilingual

# --------------------------------------------------------------------------- the snapshot


class WindowStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"   # 暂停服务: the clerk stepped away (AB post: at most 3 minutes)
    CLOSED = "closed"


@dataclass(frozen=True)
class CategoryState:
    series: str
    waiting_ages: tuple[float, ...] = ()        # minutes each waiting ticket has waited so far
    arrivals_per_hour: float = 0.0               # recent arrival rate
    service_minutes: float | None = None         # observed recent mean service time, if known
    expected_service_minutes: float = 10.0       # configured fallback
    target_wait_minutes: float = 15.0
    name_zh: str = ""
    name_en: str = ""

    @classmethod
    def from_config(
        cls,
        category: CategoryConfig,
        waiting_ages: Iterable[float] = (),
        arrivals_per_hour: float = 0.0,
        service_minutes: float | None = None,
    ) -> CategoryState:
        return cls(
            series=category.series,
            waiting_ages=tuple(waiting_ages),
            arrivals_per_hour=arrivals_per_hour,
            service_minutes=service_minutes,
            expected_service_minutes=category.expected_service_minutes,
            target_wait_minutes=category.target_wait_minutes,
            name_zh=category.name_zh,
            name_en=category.name_en,
        )

    @property
    def waiting(self) -> int:
        return len(self.waiting_ages)

    @property
    def oldest_minutes(self) -> float:
        return max(self.waiting_ages, default=0.0)

    @property
    def mean_service_minutes(self) -> float:
        if self.service_minutes is not None and self.service_minutes > 0:
            return self.service_minutes
        return max(self.expected_service_minutes, 0.1)

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.name_zh or self.series, self.name_en or self.series)


@dataclass(frozen=True)
class WindowState:
    number: int
    status: WindowStatus
    primary: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    clerk: str | None = None                    # staff number of the logged-in clerk
    clerk_skills: tuple[str, ...] = ()
    minutes_since_change: float = math.inf      # since its categories or state were last changed
    paused_minutes: float = 0.0                 # how long it has been paused (PAUSED only)
    idle_minutes: float = 0.0                   # how long it has had nobody to serve (0 while serving)

    @property
    def series(self) -> tuple[str, ...]:
        return self.primary + self.secondary


@dataclass(frozen=True)
class SpareClerk:
    """A clerk on duty without a window, who could open a closed one."""

    staff_no: str
    skills: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class HallSnapshot:
    categories: tuple[CategoryState, ...]
    windows: tuple[WindowState, ...]
    spare_clerks: tuple[SpareClerk, ...] = ()

    def category(self, series: str) -> CategoryState:
        for category in self.categories:
            if category.series == series:
                return category
        raise KeyError(series)

    def window(self, number: int) -> WindowState:
        for window in self.windows:
            if window.number == number:
                return window
        raise KeyError(number)


@dataclass(frozen=True)
class AdvisorSettings:
    horizon_minutes: float = 30.0           # H: how far ahead waits are predicted
    # Tuned on the simulator (30 seeded days of the sample hall, see hall/simulator.py): acting
    # early, well before the published target is breached, is what keeps the mean wait low.
    act_ratio: float = 0.3                  # help a category whose predicted wait exceeds target × this
    release_ratio: float = 0.8              # take from a category only if it stays under target × this ...
    balance_margin: float = 0.5             # ... or stays this much (relatively) below the helped one
    min_gain_ticket_minutes: float = 10.0   # switching cost: a move must save more waiting than this
    switch_delay_minutes: float = 3.0       # the clerk changes business (move, open): window not serving
    add_delay_minutes: float = 1.0          # adding a category to a window
    min_stay_minutes: float = 15.0          # a changed window stays at least this long
    max_moves: int = 3                      # recommendations per call
    # Pooling: a window also takes its clerk's other trained categories as secondary when that saves
    # at least this share of min_gain_ticket_minutes. Cheap (primary_first serves them only with spare
    # time, and the change costs add_delay_minutes), so its bar is lower than a move's. On the
    # simulator it lifts the share of the static–pooled gap closed by up to 6 points (30 days,
    # seeds 1 and 2: +0/+6 with the old sample skills, +5/+4 with the cross-trained ones).
    pool_secondaries: bool = True
    pool_gain_share: float = 0.2
    max_categories_per_window: int = 5
    max_beneficiaries: int = 8              # categories considered for help per round (worst first)
    service_cv: float = 0.55                # coefficient of variation of service times (lognormal σ≈0.5)
    utilisation_cap: float = 0.95           # steady-state part; overload is in the fluid part
    queue_alert_count: int = 10             # alert when more than this wait for a window's categories
    close_idle_minutes: float = 45.0
    close_below_ratio: float = 0.1
    # the call rule's secondary_promote_minutes; None = take it from the rules given to advise()
    secondary_promote_minutes: float | None = None


# --------------------------------------------------------------------------- the answer


class MoveKind(StrEnum):
    OPEN_WINDOW = "open_window"       # open a closed window (with a free clerk) for a category
    ADD_CATEGORY = "add_category"     # the window also serves the category (secondary or primary)
    MOVE_WINDOW = "move_window"       # the window's primary becomes the category; old ones turn secondary
    CLOSE_WINDOW = "close_window"     # an idle window closes; its clerk is free


@dataclass(frozen=True)
class Recommendation:
    kind: MoveKind
    window: int
    series: str | None                      # the category helped (None for a close)
    primary: tuple[str, ...]                # the window's categories after the move
    secondary: tuple[str, ...]
    before_primary: tuple[str, ...]
    before_secondary: tuple[str, ...]
    clerk: str | None                       # who serves there after the move (the free clerk for an open)
    gain_ticket_minutes: float              # predicted fall in total waiting over the horizon (< 0 for a close)
    wait_before: float                      # predicted wait of the helped category (or the window's, for a close)
    wait_after: float
    reason: Bilingual

    @property
    def as_primary(self) -> bool:
        return self.series is not None and self.series in self.primary


@dataclass(frozen=True)
class Prediction:
    series: str
    waiting: int
    arrivals_per_hour: float
    service_minutes: float
    servers: float                  # effective windows (fractional)
    utilisation: float              # offered load / servers (inf without a window)
    wait_minutes: float             # predicted mean wait over the horizon (inf without a window)
    target_wait_minutes: float

    @property
    def served(self) -> bool:
        return self.servers > 0.0

    @property
    def over_target(self) -> bool:
        return self.wait_minutes > self.target_wait_minutes


class AlertKind(StrEnum):
    LONG_WAIT = "long_wait"         # someone has waited longer than rules.long_wait_alert_minutes
    LONG_QUEUE = "long_queue"       # more than N waiting for a window's categories
    LONG_PAUSE = "long_pause"       # a window paused longer than rules.pause_warn_minutes
    OVER_TARGET = "over_target"     # a category's predicted wait exceeds its target
    UNSERVED = "unserved"           # tickets waiting and no window serves the category (hall.serving)


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    series: str | None
    window: int | None
    value: float
    limit: float
    message: Bilingual

    @property
    def key(self) -> str:
        """Stable identity, so a console can tell an alert that persists from a new one."""
        return f"{self.kind.value}:{self.series or ''}:{self.window if self.window is not None else ''}"


def serving_of(window: WindowState) -> WindowServing:
    """The window in :mod:`hall.serving`'s terms: the one definition of who serves what now."""
    return WindowServing(window.number, staffing(window.status.value, window.clerk is not None), window.series)


@dataclass(frozen=True)
class Advice:
    predictions: Mapping[str, Prediction]
    recommendations: tuple[Recommendation, ...]
    alerts: tuple[Alert, ...]


# --------------------------------------------------------------------------- the model

_EPS = 1e-9


@dataclass
class _Win:
    number: int
    status: WindowStatus
    primary: list[int]
    secondary: list[int]
    clerk: str | None
    skills: frozenset[int]
    since_change: float
    idle: float
    avail: float = 1.0
    changed: bool = False
    pshare: dict[int, float] = field(default_factory=dict)    # primary capacity given to each category
    contrib: dict[int, float] = field(default_factory=dict)   # total capacity given to each category
    promo: dict[int, float] = field(default_factory=dict)     # extra capacity promoted secondary tickets claim

    @property
    def serving(self) -> bool:
        return staffing(self.status.value, self.clerk is not None) is Staffing.SERVING

    @property
    def movable(self) -> bool:
        return self.status is WindowStatus.OPEN and self.clerk is not None


@dataclass
class _Candidate:
    gain: float
    kind: MoveKind
    window: _Win
    target: int
    primary: list[int]
    secondary: list[int]
    avail: float
    clerk: SpareClerk | None = None
    wait_after: float = 0.0
    min_gain: float = 0.0


class _Model:
    def __init__(self, snapshot: HallSnapshot, settings: AdvisorSettings, promote_minutes: float) -> None:
        self.settings = settings
        self.promote = promote_minutes
        self.cats = snapshot.categories
        self.index = {c.series: i for i, c in enumerate(self.cats)}
        h = settings.horizon_minutes
        self.h = h
        self.lam = [max(0.0, c.arrivals_per_hour) / 60.0 for c in self.cats]
        self.svc = [c.mean_service_minutes for c in self.cats]
        self.q = [float(c.waiting) for c in self.cats]
        self.target = [max(c.target_wait_minutes, 0.1) for c in self.cats]
        self.need = [self.lam[i] * self.svc[i] + self.q[i] * self.svc[i] / h for i in range(len(self.cats))]
        self.active = [self.q[i] > 0 or self.lam[i] > 0 for i in range(len(self.cats))]
        cv2 = settings.service_cv * settings.service_cv
        self.vf = variability_factor(settings.service_cv)
        # the random queue cannot build up beyond what the horizon allows: mean |reflected Brownian
        # motion| averaged over [0, H] is (2/3)·sqrt(2σ²H/π), with σ² = λ(1 + cv²) near saturation
        self.transient = [(2.0 / 3.0) * math.sqrt(2.0 * lam * (1.0 + cv2) * h / math.pi) for lam in self.lam]
        self.windows: list[_Win] = []
        for w in snapshot.windows:
            skills = frozenset(self.index[s] for s in w.clerk_skills if s in self.index) if w.clerk is not None else frozenset()
            self.windows.append(_Win(
                number=w.number,
                status=w.status,
                primary=[self.index[s] for s in w.primary if s in self.index],
                secondary=[self.index[s] for s in w.secondary if s in self.index],
                clerk=w.clerk,
                skills=skills,
                since_change=w.minutes_since_change,
                idle=w.idle_minutes,
            ))
        self.spare = list(snapshot.spare_clerks)
        self.by_skill: list[list[_Win]] = [[] for _ in self.cats]
        for win in self.windows:
            for c in win.skills:
                self.by_skill[c].append(win)
        self.solve()

    # ---- full model

    def solve(self) -> None:
        n = len(self.cats)
        self.m = [0] * n          # serving windows where c is primary
        self.count = [0] * n      # serving windows that list c at all
        for w in self.windows:
            if w.serving:
                for c in w.primary:
                    self.m[c] += 1
                for c in w.primary + w.secondary:
                    self.count[c] += 1
        prim = [0.0] * n
        for w in self.windows:
            w.pshare = {}
            if w.serving and w.primary:
                w.pshare = self._primary_shares(w.primary, w.avail, lambda c: self.m[c])
                for c, share in w.pshare.items():
                    prim[c] += share
        self.prim = prim
        servers = prim[:]
        promo = [0.0] * n
        for w in self.windows:
            w.contrib = dict(w.pshare)
            w.promo = {}
            if not w.serving or not w.secondary:
                continue
            self._secondary(w.primary, w.secondary, w.avail, w.pshare, prim, w.contrib, w.promo)
            for c in w.secondary:
                servers[c] += w.contrib.get(c, 0.0)
                promo[c] += w.promo.get(c, 0.0)
        self.servers = servers
        self.promo_servers = promo
        self.cost = [0.0] * n
        self.wait = [0.0] * n
        for c in range(n):
            self.cost[c], self.wait[c] = self.category_cost(c, servers[c], promo[c])
        self.total = sum(self.cost)

    def _primary_shares(self, primary: Sequence[int], avail: float, windows_of: Callable[[int], int]) -> dict[int, float]:
        """A window's primary categories share it in proportion to their need per primary window."""
        weights = [self.need[c] / max(windows_of(c), 1) for c in primary]
        total = sum(weights)
        return {c: avail * (weight / total if total > _EPS else 1.0 / len(primary))
                for c, weight in zip(primary, weights, strict=True)}

    def _secondary(self, primary: Sequence[int], secondary: Sequence[int], avail: float, pshare: Mapping[int, float],
                   prim: Callable[[int], float] | Sequence[float], contrib: dict[int, float], promo: dict[int, float]) -> None:
        """Capacity a window gives its secondary categories: its spare time, split by unmet need, and,
        under the promotion rule, the fair share a long-waiting secondary ticket can claim."""
        get = prim if callable(prim) else prim.__getitem__
        if primary:
            spare = sum(share * (1.0 - (min(1.0, self.need[c] / get(c)) if get(c) > _EPS else 1.0))
                        for c, share in pshare.items())
        else:
            spare = avail
        weights = [max(0.0, self.need[c] - get(c)) + 0.1 * self.need[c] + _EPS for c in secondary]
        total = sum(weights)
        for c, weight in zip(secondary, weights, strict=True):
            contrib[c] = contrib.get(c, 0.0) + spare * weight / total
        if self.promote > 0 and primary:
            base = sum(self.need[p] / max(self.m[p], 1) for p in primary)
            for c in secondary:
                own = self.need[c] / max(self.count[c], 1)
                fair = avail * own / (base + own) if base + own > _EPS else 0.0
                promo[c] = max(0.0, fair - contrib[c])

    def category_cost(self, c: int, servers: float, promoted: float = 0.0) -> tuple[float, float]:
        """(ticket-minutes of waiting over the horizon, predicted mean wait) for category c."""
        cost, wait = self._cost(c, servers)
        if promoted > _EPS and self.promote > 0 and wait > self.promote:
            # tickets past the promotion age are called like primary ones: the category waits about
            # the promotion age, or what the larger (promoted) capacity gives, whichever is longer
            cost2, wait2 = self._cost(c, servers + promoted)
            capped = max(self.promote, wait2)
            if capped < wait:
                scaled = cost2 * capped / wait2 if wait2 > _EPS else cost2
                return min(cost, scaled), capped
        return cost, wait

    def _cost(self, c: int, servers: float) -> tuple[float, float]:
        lam, s, q, h = self.lam[c], self.svc[c], self.q[c], self.h
        if servers <= _EPS:
            busy = q > 0 or lam > 0
            return q * h + lam * h * h / 2.0, (math.inf if busy else 0.0)
        rate = servers / s
        area = fluid_area(q, lam, rate, h)
        utilisation = min(lam * s / servers, self.settings.utilisation_cap)
        queue = 0.0
        if utilisation > 0:
            queue = min(lam * steady_wait(servers, utilisation, s) * self.vf, self.transient[c])
        return area + h * queue, (area / h + queue) / rate

    # ---- one window changed, the rest held

    def try_change(self, w: _Win, primary: Sequence[int], secondary: Sequence[int], avail: float
                   ) -> tuple[float, dict[int, float], dict[int, float]]:
        """(change in ΣJ, new servers, new waits) for the categories the change touches."""
        new: dict[int, float] = {}
        new_promo: dict[int, float] = {}
        was_primary = set(w.primary) if w.serving else set()
        if primary and avail > 0:
            new = self._primary_shares(primary, avail, lambda c: self.m[c] + (0 if c in was_primary else 1))
        prim_after: dict[int, float] = {}
        for c in set(w.pshare) | set(new) | set(secondary):
            prim_after[c] = self.prim[c] - w.pshare.get(c, 0.0) + (new.get(c, 0.0) if c in primary else 0.0)
        if secondary and avail > 0:
            pshare = dict(new)
            self._secondary(primary, secondary, avail, pshare, lambda c: prim_after.get(c, self.prim[c]), new, new_promo)
        touched = set(w.contrib) | set(w.promo) | set(new) | set(new_promo)
        delta = 0.0
        servers: dict[int, float] = {}
        waits: dict[int, float] = {}
        for c in touched:
            after = max(0.0, self.servers[c] - w.contrib.get(c, 0.0) + new.get(c, 0.0))
            promo = max(0.0, self.promo_servers[c] - w.promo.get(c, 0.0) + new_promo.get(c, 0.0))
            cost, wait = self.category_cost(c, after, promo)
            delta += cost - self.cost[c]
            servers[c] = after + promo
            waits[c] = wait
        return delta, servers, waits


# --------------------------------------------------------------------------- public functions


def _model(snapshot: HallSnapshot, settings: AdvisorSettings | None, rules: RulesConfig | None) -> _Model:
    settings = settings or AdvisorSettings()
    promote = settings.secondary_promote_minutes
    if promote is None:
        promote = rules.secondary_promote_minutes if rules is not None and rules.call_rule is CallRule.PRIMARY_FIRST else 0.0
    return _Model(snapshot, settings, promote)


def predict(snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None
            ) -> dict[str, Prediction]:
    """Predicted wait per category under the current window allocation."""
    return _predictions(_model(snapshot, settings, rules))


def _predictions(model: _Model) -> dict[str, Prediction]:
    out: dict[str, Prediction] = {}
    for c, cat in enumerate(model.cats):
        load = model.lam[c] * model.svc[c]
        servers = model.servers[c]
        out[cat.series] = Prediction(
            series=cat.series,
            waiting=cat.waiting,
            arrivals_per_hour=cat.arrivals_per_hour,
            service_minutes=model.svc[c],
            servers=servers,
            utilisation=load / servers if servers > _EPS else (math.inf if load > 0 else 0.0),
            wait_minutes=model.wait[c],
            target_wait_minutes=cat.target_wait_minutes,
        )
    return out


def advise(snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None) -> Advice:
    """Predictions, recommendations and alerts for one snapshot."""
    settings = settings or AdvisorSettings()
    rules = rules or RulesConfig()
    model = _model(snapshot, settings, rules)
    predictions = _predictions(model)
    found_alerts = _alerts(snapshot, predictions, settings, rules)
    return Advice(predictions, _recommend(model, snapshot), found_alerts)


def recommend(snapshot: HallSnapshot, settings: AdvisorSettings | None = None, rules: RulesConfig | None = None
              ) -> tuple[Recommendation, ...]:
    """Recommended window moves, best first (at most ``settings.max_moves``, one per window)."""
    return _recommend(_model(snapshot, settings, rules), snapshot)


def alerts(snapshot: HallSnapshot, rules: RulesConfig | None = None, settings: AdvisorSettings | None = None) -> tuple[Alert, ...]:
    """Alerts from the hall's rules. Stateless: an alert clears when its condition stops."""
    settings = settings or AdvisorSettings()
    rules = rules or RulesConfig()
    return _alerts(snapshot, predict(snapshot, settings, rules), settings, rules)


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
            windows.append(replace(w, status=WindowStatus.CLOSED, clerk=None, clerk_skills=(),
                                   minutes_since_change=0.0, idle_minutes=0.0))
            continue
        clerk, skills = w.clerk, w.clerk_skills
        if rec.kind is MoveKind.OPEN_WINDOW and rec.clerk is not None and rec.clerk != w.clerk:
            taken = next((s for s in spare if s.staff_no == rec.clerk), None)
            if taken is not None:
                spare.remove(taken)
                clerk, skills = taken.staff_no, taken.skills
        windows.append(replace(w, status=WindowStatus.OPEN, primary=rec.primary, secondary=rec.secondary,
                               clerk=clerk, clerk_skills=skills, minutes_since_change=0.0, idle_minutes=0.0))
    return replace(snapshot, windows=tuple(windows), spare_clerks=tuple(spare))


# --------------------------------------------------------------------------- recommending


def _recommend(model: _Model, snapshot: HallSnapshot) -> tuple[Recommendation, ...]:
    settings = model.settings
    out: list[Recommendation] = []
    rejected: set[tuple[int, int, MoveKind, int, int]] = set()
    while len(out) < settings.max_moves:
        candidates = _candidates(model, rejected)
        if not candidates:
            break
        # best saving first; on a tie (two backlogs that both outlast the horizon save the same
        # ticket-minutes) the category further over its target goes first
        candidates.sort(key=lambda cand: (-round(cand.gain, 1), -model.wait[cand.target] / model.target[cand.target]))
        chosen = None
        for cand in candidates[:4]:
            before_total = model.total
            undo = _apply(model, cand)
            gain = before_total - model.total
            if gain >= cand.min_gain:
                chosen = (cand, undo, gain)
                break
            _undo(model, cand, undo)
            rejected.add((cand.window.number, cand.target, cand.kind, len(cand.primary), len(cand.secondary)))
        if chosen is None:
            break
        cand, undo, gain = chosen
        out.append(_describe(model, cand, undo, gain))
    if not out:
        close = _close_candidate(model)
        if close is not None:
            out.append(close)
    return tuple(out)


def _candidates(model: _Model, rejected: set[tuple[int, int, MoveKind, int, int]]) -> list[_Candidate]:
    settings = model.settings
    h = model.h
    n = len(model.cats)
    ratio = [model.wait[c] / model.target[c] for c in range(n)]
    helped = [c for c in range(n) if model.active[c] and ratio[c] > settings.act_ratio]
    helped.sort(key=lambda c: -ratio[c])
    helped = helped[: settings.max_beneficiaries]
    found: list[_Candidate] = []
    move_avail = max(0.0, (h - settings.switch_delay_minutes) / h)
    add_avail = max(0.0, (h - settings.add_delay_minutes) / h)
    max_cats = settings.max_categories_per_window

    def consider(kind: MoveKind, w: _Win, c: int, primary: list[int], secondary: list[int], avail: float,
                 clerk: SpareClerk | None = None, min_gain: float | None = None) -> None:
        if (w.number, c, kind, len(primary), len(secondary)) in rejected:
            return
        delta, servers, waits = model.try_change(w, primary, secondary, avail)
        gain = -delta
        threshold = settings.min_gain_ticket_minutes if min_gain is None else min_gain
        if gain < threshold:
            return
        helped_ratio = waits.get(c, model.wait[c]) / model.target[c]
        for x, after in servers.items():
            if x == c or after >= model.servers[x] + model.promo_servers[x] - 1e-9 or not model.active[x]:
                continue
            x_ratio = waits[x] / model.target[x]
            if x_ratio > settings.release_ratio and x_ratio * (1.0 + settings.balance_margin) > helped_ratio:
                return
        if w.serving and not _keeps_windows(model, w, primary, secondary):
            return
        found.append(_Candidate(gain, kind, w, c, primary, secondary, avail, clerk, waits.get(c, model.wait[c]), threshold))

    if settings.pool_secondaries:
        # pool: a window also takes, as secondary, the clerk's other trained categories that have
        # tickets or arrivals — spare minutes of one window then serve several small queues
        for w in model.windows:
            if not w.movable or w.changed or w.since_change < settings.min_stay_minutes:
                continue
            current = w.primary + w.secondary
            # categories already over act_ratio are helped by the moves below, at the full bar
            extra = [x for x in w.skills if x not in current and model.active[x] and ratio[x] <= settings.act_ratio]
            extra.sort(key=lambda x: -ratio[x])
            extra = extra[: max(0, max_cats - len(current))]
            if extra:
                consider(MoveKind.ADD_CATEGORY, w, extra[0], list(w.primary), [*w.secondary, *extra], add_avail,
                         min_gain=settings.min_gain_ticket_minutes * settings.pool_gain_share)
    closed = [w for w in model.windows if w.status is WindowStatus.CLOSED and not w.changed]
    empty_closed = next((w for w in closed if w.clerk is None), None)
    for c in helped:
        # open a closed window: its own logged-in clerk, or a free clerk at an empty closed window
        for w in closed:
            if w.clerk is not None and c in w.skills:
                consider(MoveKind.OPEN_WINDOW, w, c, [c], _extra_skills(model, w.skills, c, max_cats - 1, ratio), move_avail)
        if empty_closed is not None:
            seen: set[frozenset[str]] = set()
            for clerk in model.spare:
                skills = frozenset(clerk.skills)
                if model.cats[c].series not in skills or skills in seen:
                    continue
                seen.add(skills)
                idx = frozenset(model.index[s] for s in clerk.skills if s in model.index)
                consider(MoveKind.OPEN_WINDOW, empty_closed, c, [c], _extra_skills(model, idx, c, max_cats - 1, ratio),
                         move_avail, clerk)
        # change an open window whose clerk has the skill
        for w in model.by_skill[c]:
            if not w.movable or w.changed or w.since_change < settings.min_stay_minutes:
                continue
            current = w.primary + w.secondary
            if c in w.primary:
                if len(w.primary) > 1:   # focus: c alone first, the window's other categories after it
                    consider(MoveKind.MOVE_WINDOW, w, c, [c], [x for x in current if x != c], add_avail)
                continue
            if c not in w.secondary and len(current) < max_cats:
                consider(MoveKind.ADD_CATEGORY, w, c, list(w.primary), [*w.secondary, c], add_avail)
            # sharing the primary place takes from the window's primary categories: skip at once when
            # one of them is already too strained to give (the full check would refuse it anyway)
            if any(model.active[x] and ratio[x] > settings.release_ratio
                   and ratio[x] * (1.0 + settings.balance_margin) > ratio[c] for x in w.primary):
                continue
            others = [x for x in w.secondary if x != c]
            if len(w.primary) + 1 + len(others) <= max_cats:
                consider(MoveKind.ADD_CATEGORY, w, c, [*w.primary, c], others, add_avail)
            demoted = [x for x in current if x != c]
            demoted.sort(key=lambda x: -model.need[x])
            consider(MoveKind.MOVE_WINDOW, w, c, [c], demoted[: max_cats - 1], move_avail)
    return found


def _extra_skills(model: _Model, skills: frozenset[int], c: int, room: int, ratio: Sequence[float]) -> list[int]:
    """A newly opened window also takes, as secondary, the clerk's other categories that are under strain."""
    extra = [x for x in skills if x != c and model.active[x] and ratio[x] > 0.5]
    extra.sort(key=lambda x: -ratio[x])
    return extra[: max(room, 0)]


def _keeps_windows(model: _Model, w: _Win, primary: Sequence[int], secondary: Sequence[int]) -> bool:
    """No category with waiting tickets or arrivals loses its last window, or its last primary window."""
    after_all = set(primary) | set(secondary)
    for x in w.primary:
        if model.active[x] and x not in primary and model.m[x] <= 1:
            return False
    for x in w.primary + w.secondary:
        if model.active[x] and x not in after_all and model.count[x] <= 1:
            return False
    return True


@dataclass
class _Undo:
    status: WindowStatus
    primary: list[int]
    secondary: list[int]
    clerk: str | None
    skills: frozenset[int]
    avail: float
    since_change: float
    spare_index: int | None
    wait_before: float
    by_skill_added: bool


def _apply(model: _Model, cand: _Candidate) -> _Undo:
    w = cand.window
    undo = _Undo(w.status, w.primary, w.secondary, w.clerk, w.skills, w.avail, w.since_change, None,
                 model.wait[cand.target], False)
    if cand.clerk is not None:
        undo.spare_index = model.spare.index(cand.clerk)
        model.spare.pop(undo.spare_index)
        w.clerk = cand.clerk.staff_no
        w.skills = frozenset(model.index[s] for s in cand.clerk.skills if s in model.index)
        for c in w.skills:
            model.by_skill[c].append(w)
        undo.by_skill_added = True
    w.status = WindowStatus.OPEN
    w.primary, w.secondary = list(cand.primary), list(cand.secondary)
    w.avail = cand.avail
    w.since_change = 0.0
    w.changed = True
    model.solve()
    return undo


def _undo(model: _Model, cand: _Candidate, undo: _Undo) -> None:
    w = cand.window
    if undo.by_skill_added:
        for c in w.skills:
            model.by_skill[c].remove(w)
    if undo.spare_index is not None and cand.clerk is not None:
        model.spare.insert(undo.spare_index, cand.clerk)
    w.status, w.primary, w.secondary = undo.status, undo.primary, undo.secondary
    w.clerk, w.skills, w.avail, w.since_change = undo.clerk, undo.skills, undo.avail, undo.since_change
    w.changed = False
    model.solve()


def _names(model: _Model, items: Iterable[int]) -> tuple[str, str]:
    items = list(items)
    zh = "、".join(model.cats[c].label.zh for c in items) or "无"
    en = ", ".join(model.cats[c].label.en for c in items) or "nothing"
    return zh, en


def _describe(model: _Model, cand: _Candidate, undo: _Undo, gain: float) -> Recommendation:
    c = cand.target
    cat = model.cats[c]
    name = cat.label
    series = [x.series for x in model.cats]
    before, after, target = undo.wait_before, model.wait[c], cat.target_wait_minutes
    before_text = "无窗口办理" if math.isinf(before) else f"{before:.0f} 分钟"
    before_en = "no window serves it" if math.isinf(before) else f"{before:.0f} min"
    why_zh = f"{name.zh}预计等候{before_text}，目标 {target:.0f} 分钟；调整后约 {after:.0f} 分钟，全厅共减少约 {gain:.0f} 人·分钟等候"
    why_en = (f"{name.en}: predicted wait {before_en} against a {target:.0f} min target; about {after:.0f} min after, "
              f"saving about {gain:.0f} ticket-minutes of waiting in the next {model.h:.0f} min")
    w = cand.window
    if cand.kind is MoveKind.OPEN_WINDOW:
        clerk = w.clerk or ""
        zh = f"开放{w.number}号窗口（工号 {clerk}）办理{name.zh}。{why_zh}"
        en = f"Open window {w.number} (clerk {clerk}) for {name.en}. {why_en}"
    elif cand.kind is MoveKind.MOVE_WINDOW and c in undo.primary:
        others_zh, others_en = _names(model, [x for x in undo.primary if x != c])
        zh = f"{w.number}号窗口专办{name.zh}，{others_zh}改为兼办。{why_zh}"
        en = f"Window {w.number} serves {name.en} first; {others_en} become secondary. {why_en}"
    elif cand.kind is MoveKind.MOVE_WINDOW:
        old_zh, old_en = _names(model, undo.primary)
        zh = f"{w.number}号窗口由主办{old_zh}改为主办{name.zh}（原业务转为兼办）。{why_zh}"
        en = f"Move window {w.number} from {old_en} to {name.en} (the old categories become secondary). {why_en}"
    elif c in cand.primary:
        zh = f"{w.number}号窗口增加主办{name.zh}。{why_zh}"
        en = f"Window {w.number} also serves {name.en} as a primary category. {why_en}"
    else:
        added = [x for x in cand.secondary if x not in undo.primary and x not in undo.secondary]
        added_zh, added_en = _names(model, added or [c])
        zh = f"{w.number}号窗口兼办{added_zh}（本窗口业务无人等候时办理）。{why_zh}"
        en = f"Window {w.number} also serves {added_en} when its own queues are empty. {why_en}"
    return Recommendation(
        kind=cand.kind,
        window=w.number,
        series=cat.series,
        primary=tuple(series[x] for x in w.primary),
        secondary=tuple(series[x] for x in w.secondary),
        before_primary=tuple(series[x] for x in undo.primary),
        before_secondary=tuple(series[x] for x in undo.secondary),
        clerk=w.clerk,
        gain_ticket_minutes=gain,
        wait_before=before,
        wait_after=after,
        reason=Bilingual(zh, en),
    )


def _close_candidate(model: _Model) -> Recommendation | None:
    settings = model.settings
    best: tuple[float, _Win, dict[int, float]] | None = None
    for w in model.windows:
        if (not w.movable or w.changed or w.idle < settings.close_idle_minutes
                or w.since_change < settings.min_stay_minutes):
            continue
        cats = w.primary + w.secondary
        if any(model.q[c] > 0 for c in cats) or not _keeps_windows(model, w, [], []):
            continue
        delta, _servers, waits = model.try_change(w, [], [], 0.0)
        if any(waits[c] > settings.close_below_ratio * model.target[c] for c in waits):
            continue
        if best is None or delta < best[0]:
            best = (delta, w, waits)
    if best is None:
        return None
    delta, w, waits = best
    series = [x.series for x in model.cats]
    cats_zh, cats_en = _names(model, w.primary + w.secondary)
    worst = max(waits.values(), default=0.0)
    reason = Bilingual(
        f"{w.number}号窗口已空闲 {w.idle:.0f} 分钟，{cats_zh}无人等候；关闭后预计等候不超过 {worst:.0f} 分钟，仍远低于目标，工作人员可做其他工作",
        f"Window {w.number} has been idle {w.idle:.0f} min and nobody waits for {cats_en}; after closing the predicted "
        f"wait stays at most {worst:.0f} min, well under target, and the clerk is free for other work",
    )
    return Recommendation(
        kind=MoveKind.CLOSE_WINDOW,
        window=w.number,
        series=None,
        primary=(),
        secondary=(),
        before_primary=tuple(series[x] for x in w.primary),
        before_secondary=tuple(series[x] for x in w.secondary),
        clerk=None,
        gain_ticket_minutes=-delta,
        wait_before=max((model.wait[c] for c in waits), default=0.0),
        wait_after=worst,
        reason=reason,
    )


# --------------------------------------------------------------------------- alerts


def _alerts(snapshot: HallSnapshot, predictions: Mapping[str, Prediction], settings: AdvisorSettings,
            rules: RulesConfig) -> tuple[Alert, ...]:
    out: list[Alert] = []
    waiting = {c.series: c.waiting for c in snapshot.categories}
    unserved = set(unserved_categories(waiting, (serving_of(w) for w in snapshot.windows)))
    for cat in snapshot.categories:
        name = cat.label
        limit = rules.long_wait_alert_minutes
        if limit > 0 and cat.oldest_minutes > limit:
            over = sum(1 for age in cat.waiting_ages if age > limit)
            out.append(Alert(AlertKind.LONG_WAIT, cat.series, None, cat.oldest_minutes, limit, Bilingual(
                f"{name.zh}有 {over} 人等候超过 {limit:.0f} 分钟（最长 {cat.oldest_minutes:.0f} 分钟），请开设应急窗口",
                f"{name.en}: {over} waited over {limit:.0f} min (longest {cat.oldest_minutes:.0f} min); open an emergency window",
            )))
        if cat.series in unserved:
            out.append(Alert(AlertKind.UNSERVED, cat.series, None, float(cat.waiting), 0.0, Bilingual(
                f"{name.zh}有 {cat.waiting} 人等候，但没有在岗窗口办理（窗口关闭、暂停或无人登录）",
                f"{name.en}: {cat.waiting} waiting and no staffed window serves it (closed, paused or nobody logged in)",
            )))
        prediction = predictions.get(cat.series)
        if prediction is not None and (cat.waiting or cat.arrivals_per_hour > 0) and prediction.over_target:
            value = prediction.wait_minutes
            text_zh = "无窗口办理" if math.isinf(value) else f"{value:.0f} 分钟"
            text_en = "no window" if math.isinf(value) else f"{value:.0f} min"
            out.append(Alert(AlertKind.OVER_TARGET, cat.series, None, value, cat.target_wait_minutes, Bilingual(
                f"{name.zh}预计等候{text_zh}，超过目标 {cat.target_wait_minutes:.0f} 分钟",
                f"{name.en}: predicted wait {text_en}, over the {cat.target_wait_minutes:.0f} min target",
            )))
    for w in snapshot.windows:
        if w.status is WindowStatus.CLOSED:
            continue
        queued = sum(waiting.get(s, 0) for s in w.series)
        if queued > settings.queue_alert_count:
            out.append(Alert(AlertKind.LONG_QUEUE, None, w.number, float(queued), float(settings.queue_alert_count), Bilingual(
                f"{w.number}号窗口所办业务有 {queued} 人等候",
                f"{queued} waiting for the categories of window {w.number}",
            )))
        if w.status is WindowStatus.PAUSED and w.paused_minutes > rules.pause_warn_minutes:
            out.append(Alert(AlertKind.LONG_PAUSE, None, w.number, w.paused_minutes, rules.pause_warn_minutes, Bilingual(
                f"{w.number}号窗口已暂停 {w.paused_minutes:.0f} 分钟，超过 {rules.pause_warn_minutes:.0f} 分钟（AB角）",
                f"Window {w.number} paused {w.paused_minutes:.0f} min, over the {rules.pause_warn_minutes:.0f} min AB-post limit",
            )))
    return tuple(out)
