"""Which clerk to train in which second category (交叉培训建议), screened by a queueing model and
confirmed by simulation.

**Screen.** At the morning peak on the plan, category c has arrival rate λ and service time s
and its primary windows m (a window with k primary categories counts 1/k). A clerk whose home
category h runs at utilisation ρ_h has ``1 − ρ_h`` of their time spare; the categories they are
already trained for besides h share it. Training them in k adds their share of that spare time to
k's servers. The screen's gain is the fall in waiting at the peak,
``λ_k · (Wq(m_k + extra_k) − Wq(m_k + extra_k + share))`` in ticket-minutes per minute, with Wq
the M/G/c wait of :mod:`hall.queueing` (Sakasegawa for a real number of servers, Allen–Cunneen).
**Confirm.** The best few, one per category, are simulated: the ``skills`` policy (each window
serves all its clerk's categories) on the same seeds with and without the extra skill, and the
mean wait compared seed by seed (a 95 % interval of the difference).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from hall.config import ClerkConfig, HallConfig
from hall.queueing import steady_wait, variability_factor
from hall.simulation.compare import Estimate, compare
from hall.simulation.demand import planned_peak_rates, primary_capacity
from hall.simulation.policies import policy
from hall.simulation.roster import assign_clerks
from hall.simulation.settings import SimSettings

_CONFIRM_POLICY = "skills"


@dataclass(frozen=True)
class TrainingSuggestion:
    staff_no: str
    name: str
    home: str  # the category of the clerk's own window
    train_in: str
    screened_gain: float  # ticket-minutes of waiting saved per minute at the morning peak (the model)
    mean_before: Estimate | None = None  # simulated mean wait, minutes (None: not simulated)
    mean_after: Estimate | None = None
    saving: Estimate | None = None  # before − after, paired by seed


def _wait(servers: float, load: float, service: float, cv: float) -> float:
    if servers <= 0.0:
        return float("inf")
    utilisation = min(load / servers, 0.99)  # an overloaded category: a long, finite wait to compare by
    return steady_wait(servers, utilisation, service) * variability_factor(cv)


def screen(config: HallConfig, settings: SimSettings) -> list[TrainingSuggestion]:
    """Every (clerk, untrained category) pair with a positive screened gain, best first."""
    rates = planned_peak_rates(config, settings)
    service = {c.series: c.expected_service_minutes for c in config.categories}
    primary = primary_capacity(config)
    load = {s: rates[s] * service[s] for s in rates}
    utilisation = {s: min(load[s] / primary[s], 1.0) if primary[s] > 0 else 1.0 for s in rates}
    assignment, _left = assign_clerks(config)
    homes: list[tuple[ClerkConfig, str]] = []
    for window in config.windows:
        clerk = assignment.get(window.number)
        if clerk is not None:
            homes.append((clerk, (window.primary or clerk.skills or ("",))[0]))
    # the spare time other clerks already give to their extra categories
    extra = dict.fromkeys(rates, 0.0)
    for clerk, home in homes:
        others = [s for s in clerk.skills if s != home and s in extra]
        if home in utilisation and others:
            for s in others:
                extra[s] += (1.0 - utilisation[home]) / len(others)
    cv = settings.service_cv
    out: list[TrainingSuggestion] = []
    for clerk, home in homes:
        if home not in utilisation:
            continue
        others = [s for s in clerk.skills if s != home and s in extra]
        share = (1.0 - utilisation[home]) / (len(others) + 1)
        if share <= 0.0:
            continue
        for category in config.categories:
            k = category.series
            if k in clerk.skills:
                continue
            servers = primary[k] + extra[k]
            gain = rates[k] * (_wait(servers, load[k], service[k], cv) - _wait(servers + share, load[k], service[k], cv))
            if gain > 0.0:
                out.append(TrainingSuggestion(clerk.staff_no, clerk.name, home, k, gain))
    # equal gains (a plan balanced at the peak): take the clerk from the category with most windows, who is missed least
    out.sort(key=lambda t: (-round(t.screened_gain, 9), -primary[t.home]))
    return out


def with_skill(config: HallConfig, staff_no: str, series: str) -> HallConfig:
    clerks = tuple(dataclasses.replace(c, skills=(*c.skills, series)) if c.staff_no == staff_no else c for c in config.clerks)
    return dataclasses.replace(config, clerks=clerks)


def suggest_cross_training(
    config: HallConfig, settings: SimSettings, seeds: Sequence[int], confirm: int = 3, days: int = 1
) -> list[TrainingSuggestion]:
    """The ``confirm`` best screened suggestions (one per category and clerk), each simulated with and without the extra skill."""
    chosen: list[TrainingSuggestion] = []
    for candidate in screen(config, settings):
        if all(c.train_in != candidate.train_in and c.staff_no != candidate.staff_no for c in chosen):
            chosen.append(candidate)
        if len(chosen) >= confirm:
            break
    settings = dataclasses.replace(settings, history_weeks=0)  # no advisor runs: no forecast needed
    run = [policy(_CONFIRM_POLICY)]
    before = compare(config, run, seeds=seeds, days=days, settings=settings).policy(_CONFIRM_POLICY)
    out = []
    for candidate in chosen:
        after = compare(with_skill(config, candidate.staff_no, candidate.train_in), run, seeds=seeds, days=days, settings=settings).policy(
            _CONFIRM_POLICY
        )
        saving = Estimate.of([b.mean - a.mean for b, a in zip(before.seeds, after.seeds, strict=True)])
        out.append(dataclasses.replace(candidate, mean_before=before.mean, mean_after=after.mean, saving=saving))
    out.sort(key=lambda t: -(t.saving.value if t.saving else 0.0))
    return out


def format_training(config: HallConfig, suggestions: Sequence[TrainingSuggestion], seeds: Sequence[int]) -> str:
    lines = [
        f"交叉培训建议 / cross-training suggestions — {config.name_zh} ({config.code}), {len(seeds)} seeds, policy {_CONFIRM_POLICY}",
        f"{'clerk':<14}{'home':>6}{'train in':>10}{'screen':>9}{'mean before':>14}{'mean after':>14}{'saving':>14}",
    ]
    for t in suggestions:
        before = t.mean_before.text(2) if t.mean_before else "–"
        after = t.mean_after.text(2) if t.mean_after else "–"
        saving = t.saving.text(2) if t.saving else "–"
        lines.append(
            f"{t.staff_no + ' ' + t.name:<14}{t.home:>6}{t.train_in:>10}{t.screened_gain:>9.2f}{before:>14}{after:>14}{saving:>14}"
        )
    lines += [
        "screen = waiting saved at the morning peak by the queueing model (ticket-minutes per minute); "
        "before/after = simulated mean wait in minutes (± 95 %), saving paired by seed.",
        "筛选值为排队模型在上午高峰估算的等候减少量；前后对比为仿真平均等候（分钟）。",
    ]
    return "\n".join(lines)
