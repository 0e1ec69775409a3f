"""The advisor's queueing model of the hall (see :mod:`hall.advisor` for the model in words):
per category its need, capacity from the windows that serve it, and the waiting it will
accumulate over the horizon; and the same for one window changed with the rest held."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from hall.advisor.snapshot import AdvisorSettings, HallSnapshot, Prediction, WindowStatus
from hall.config import CallRule, RulesConfig
from hall.queueing import fluid_area, steady_wait, variability_factor
from hall.serving import Staffing, staffing

# --------------------------------------------------------------------------- the model

EPS = 1e-9


@dataclass
class ModelWindow:
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
    pshare: dict[int, float] = field(default_factory=dict)  # primary capacity given to each category
    contrib: dict[int, float] = field(default_factory=dict)  # total capacity given to each category
    promo: dict[int, float] = field(default_factory=dict)  # extra capacity promoted secondary tickets claim

    @property
    def serving(self) -> bool:
        return staffing(self.status.value, self.clerk is not None) is Staffing.SERVING

    @property
    def movable(self) -> bool:
        return self.status is WindowStatus.OPEN and self.clerk is not None


class Model:
    def __init__(
        self, snapshot: HallSnapshot, settings: AdvisorSettings, promote_minutes: float, call_rule: CallRule = CallRule.PRIMARY_FIRST
    ) -> None:
        self.settings = settings
        self.promote = promote_minutes
        # Under primary_first a window serves its secondary categories with the time its primary
        # ones leave over; under longest_wait and target_weighted it calls across all of them, so
        # "primary" means nothing to the queues and moves that only reorder the tiers do nothing.
        self.calls_across = call_rule is not CallRule.PRIMARY_FIRST
        # Whether the capacity model shares such a window by need too (see AdvisorSettings).
        self.shared = self.calls_across and settings.share_by_need_across
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
        self.windows: list[ModelWindow] = []
        for w in snapshot.windows:
            skills = frozenset(self.index[s] for s in w.clerk_skills if s in self.index) if w.clerk is not None else frozenset()
            self.windows.append(
                ModelWindow(
                    number=w.number,
                    status=w.status,
                    primary=[self.index[s] for s in w.primary if s in self.index],
                    secondary=[self.index[s] for s in w.secondary if s in self.index],
                    clerk=w.clerk,
                    skills=skills,
                    since_change=w.minutes_since_change,
                    idle=w.idle_minutes,
                )
            )
        self.spare = list(snapshot.spare_clerks)
        self.by_skill: list[list[ModelWindow]] = [[] for _ in self.cats]
        for win in self.windows:
            for c in win.skills:
                self.by_skill[c].append(win)
        self.solve()

    # ---- full model

    def tiers(self, primary: Sequence[int], secondary: Sequence[int]) -> tuple[list[int], list[int]]:
        """A window's categories as the call rule serves them: those that share its time, then those
        served only with what they leave over (none when the rule calls across all categories)."""
        if self.shared:
            return [*primary, *secondary], []
        return list(primary), list(secondary)

    def solve(self) -> None:
        n = len(self.cats)
        self.m = [0] * n  # serving windows where c shares the first tier (primary under primary_first)
        self.count = [0] * n  # serving windows that list c at all
        tiers = {}
        for w in self.windows:
            if w.serving:
                tiers[w.number] = first, _second = self.tiers(w.primary, w.secondary)
                for c in first:
                    self.m[c] += 1
                for c in w.primary + w.secondary:
                    self.count[c] += 1
        prim = [0.0] * n
        for w in self.windows:
            w.pshare = {}
            if w.serving and tiers[w.number][0]:
                w.pshare = self._primary_shares(tiers[w.number][0], w.avail, lambda c: self.m[c])
                for c, share in w.pshare.items():
                    prim[c] += share
        self.prim = prim
        servers = prim[:]
        promo = [0.0] * n
        for w in self.windows:
            w.contrib = dict(w.pshare)
            w.promo = {}
            if not w.serving or not tiers[w.number][1]:
                continue
            first, second = tiers[w.number]
            self._secondary(first, second, w.avail, w.pshare, prim, w.contrib, w.promo)
            for c in second:
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
        return {c: avail * (weight / total if total > EPS else 1.0 / len(primary)) for c, weight in zip(primary, weights, strict=True)}

    def _secondary(
        self,
        primary: Sequence[int],
        secondary: Sequence[int],
        avail: float,
        pshare: Mapping[int, float],
        prim: Callable[[int], float] | Sequence[float],
        contrib: dict[int, float],
        promo: dict[int, float],
    ) -> None:
        """Capacity a window gives its secondary categories: its spare time, split by unmet need, and,
        under the promotion rule, the fair share a long-waiting secondary ticket can claim."""
        get = prim if callable(prim) else prim.__getitem__
        if primary:
            spare = sum(share * (1.0 - (min(1.0, self.need[c] / get(c)) if get(c) > EPS else 1.0)) for c, share in pshare.items())
        else:
            spare = avail
        weights = [max(0.0, self.need[c] - get(c)) + 0.1 * self.need[c] + EPS for c in secondary]
        total = sum(weights)
        for c, weight in zip(secondary, weights, strict=True):
            contrib[c] = contrib.get(c, 0.0) + spare * weight / total
        if self.promote > 0 and primary:
            base = sum(self.need[p] / max(self.m[p], 1) for p in primary)
            for c in secondary:
                own = self.need[c] / max(self.count[c], 1)
                fair = avail * own / (base + own) if base + own > EPS else 0.0
                promo[c] = max(0.0, fair - contrib[c])

    def category_cost(self, c: int, servers: float, promoted: float = 0.0) -> tuple[float, float]:
        """(ticket-minutes of waiting over the horizon, predicted mean wait) for category c."""
        cost, wait = self._cost(c, servers)
        if promoted > EPS and self.promote > 0 and wait > self.promote:
            # tickets past the promotion age are called like primary ones: the category waits about
            # the promotion age, or what the larger (promoted) capacity gives, whichever is longer
            cost2, wait2 = self._cost(c, servers + promoted)
            capped = max(self.promote, wait2)
            if capped < wait:
                scaled = cost2 * capped / wait2 if wait2 > EPS else cost2
                return min(cost, scaled), capped
        return cost, wait

    def _cost(self, c: int, servers: float) -> tuple[float, float]:
        lam, s, q, h = self.lam[c], self.svc[c], self.q[c], self.h
        if servers <= EPS:
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

    def try_change(
        self, w: ModelWindow, primary: Sequence[int], secondary: Sequence[int], avail: float
    ) -> tuple[float, dict[int, float], dict[int, float]]:
        """(change in ΣJ, new servers, new waits) for the categories the change touches."""
        new: dict[int, float] = {}
        new_promo: dict[int, float] = {}
        was_primary = set(self.tiers(w.primary, w.secondary)[0]) if w.serving else set()
        primary, secondary = self.tiers(primary, secondary)
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


def build_model(snapshot: HallSnapshot, settings: AdvisorSettings | None, rules: RulesConfig | None) -> Model:
    settings = settings or AdvisorSettings()
    promote = settings.secondary_promote_minutes
    if promote is None:
        promote = rules.secondary_promote_minutes if rules is not None and rules.call_rule is CallRule.PRIMARY_FIRST else 0.0
    return Model(snapshot, settings, promote, rules.call_rule if rules is not None else CallRule.PRIMARY_FIRST)


def predictions_of(model: Model) -> dict[str, Prediction]:
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
            utilisation=load / servers if servers > EPS else (math.inf if load > 0 else 0.0),
            wait_minutes=model.wait[c],
            target_wait_minutes=cat.target_wait_minutes,
        )
    return out
