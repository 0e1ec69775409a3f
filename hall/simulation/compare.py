"""Comparing policies fairly: the same tickets and the same clerks on duty, over many seeds.

For each seed the demand generator makes ``days`` days of tickets and the roster makes the day's
clerks on duty; every policy serves exactly those tickets with exactly those clerks (common random
numbers). The comparison **refuses** a result whose clerk-minutes on duty differ from the
roster's, or whose tickets differ: a policy that wins by having one clerk more proves nothing.

Every figure is the mean over seeds of the per-seed figure, with a 95 % confidence interval
(Student's t over the per-seed values). The share of the gap closed is computed per seed:
``(static − policy) / (static − pooled)`` of the mean wait.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from hall.advisor import AdvisorSettings
from hall.config import HallConfig
from hall.simulation.demand import PEAK_END, PEAK_START, make_day, planned_tickets_per_day
from hall.simulation.engine import DayResult, simulate_day
from hall.simulation.live import history_profile
from hall.simulation.policies import Policy, policy
from hall.simulation.roster import make_roster
from hall.simulation.settings import SimSettings
from hall.text import HallRuleError

_TOLERANCE_MINUTES = 1e-6


class UnequalStaffing(HallRuleError):
    """Two policies were about to be compared with different clerks on duty (or different tickets)."""

    def __init__(
        self, name: str, minutes: float, expected: float, what_zh: str = "在岗人员分钟数", what_en: str = "clerk-minutes on duty"
    ) -> None:
        super().__init__(
            "unequal_staffing",
            f"策略 {name} 的{what_zh}为 {minutes:.1f}，与排班的 {expected:.1f} 不同：不同的人手不能比较",
            f"policy {name} ran with {minutes:.1f} {what_en} against the roster's {expected:.1f}: different staffing cannot be compared",
            500,
        )


def t_quantile_975(df: int) -> float:
    """Two-sided 95 % quantile of Student's t: a table to 5 degrees of freedom, then the
    Cornish–Fisher expansion (within 0.002 from 6 on)."""
    if df <= 0:
        return math.inf
    exact = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
    if df in exact:
        return exact[df]
    z = 1.959964
    z3, z5, z7 = z**3, z**5, z**7
    return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df**2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df**3)


@dataclass(frozen=True)
class Estimate:
    """The mean over seeds and the half-width of its 95 % confidence interval."""

    value: float
    half_width: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Estimate:
        usable = [v for v in values if not math.isnan(v)]
        if not usable:
            return cls(math.nan, math.nan)
        if len(usable) == 1:
            return cls(usable[0], math.nan)
        return cls(statistics.fmean(usable), t_quantile_975(len(usable) - 1) * statistics.stdev(usable) / math.sqrt(len(usable)))

    def text(self, digits: int = 1, scale: float = 1.0, suffix: str = "") -> str:
        if math.isnan(self.value):
            return "–"
        ci = "" if math.isnan(self.half_width) else f" ±{self.half_width * scale:.{digits}f}"
        return f"{self.value * scale:.{digits}f}{suffix}{ci}"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass(frozen=True)
class SeedFigures:
    """One policy on one seed's days."""

    mean: float
    p90: float
    max: float
    share_long: float
    moves_per_day: float
    unserved: int
    no_shows: int
    stale_advice: int

    @classmethod
    def of(cls, results: Sequence[DayResult], long_wait: float) -> SeedFigures:
        waits = [w for r in results for w in r.waits]
        days = max(len(results), 1)
        return cls(
            mean=statistics.fmean(waits) if waits else 0.0,
            p90=percentile(waits, 0.9),
            max=max(waits, default=0.0),
            share_long=sum(1 for w in waits if w > long_wait) / len(waits) if waits else 0.0,
            moves_per_day=sum(r.moves for r in results) / days,
            unserved=sum(r.unserved for r in results),
            no_shows=sum(r.no_shows for r in results),
            stale_advice=sum(r.stale_advice for r in results),
        )


@dataclass(frozen=True)
class PolicySummary:
    name: str
    seeds: tuple[SeedFigures, ...]
    gaps: tuple[float, ...]  # share of the static–pooled gap closed, per seed

    def estimate(self, figure: str) -> Estimate:
        return Estimate.of([float(getattr(s, figure)) for s in self.seeds])

    @property
    def mean(self) -> Estimate:
        return self.estimate("mean")

    @property
    def p90(self) -> Estimate:
        return self.estimate("p90")

    @property
    def gap(self) -> Estimate:
        return Estimate.of(self.gaps)

    @property
    def unserved(self) -> int:
        return sum(s.unserved for s in self.seeds)


@dataclass(frozen=True)
class Comparison:
    hall: str
    seeds: tuple[int, ...]
    days: int
    policies: tuple[PolicySummary, ...]
    tickets_per_day: float
    planned_tickets_per_day: float
    clerks_on_duty: float  # per day
    clerk_minutes_per_day: float  # the same for every policy (checked)
    peak_load: float  # offered work at the morning peak / clerks on duty
    call_rule: str
    runtime_seconds: float
    settings: SimSettings = field(default_factory=SimSettings)

    def policy(self, name: str) -> PolicySummary:
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(name)

    def gap_closed(self, name: str) -> Estimate:
        return self.policy(name).gap


def _with_references(policies: Sequence[Policy]) -> list[Policy]:
    names = [p.name for p in policies]
    out = list(policies)
    if "static" not in names:
        out.insert(0, policy("static"))
    if "pooled" not in names:
        out.append(policy("pooled"))
    return out


def compare(
    config: HallConfig,
    policies: Sequence[Policy],
    seeds: Sequence[int] = tuple(range(1, 11)),
    days: int = 1,
    settings: SimSettings | None = None,
    advisor_settings: AdvisorSettings | None = None,
) -> Comparison:
    """Run every policy on the same days and rosters of each seed (static and pooled always included)."""
    settings = settings or SimSettings()
    settings.check()
    if days < 1 or not seeds:
        raise HallRuleError("bad_sim_setting", "至少需要 1 天和 1 个随机种子", "a comparison needs at least one day and one seed", 422)
    started = time.perf_counter()
    runs = _with_references(policies)
    per_seed: dict[str, list[SeedFigures]] = {p.name: [] for p in runs}
    tickets = clerks = clerk_minutes = peak_work = 0.0
    for seed in seeds:
        profile = history_profile(config, settings, seed)
        results: dict[str, list[DayResult]] = {p.name: [] for p in runs}
        for day in range(days):
            plan = make_day(config, settings, random.Random(seed * 1_000_003 + day))
            roster = make_roster(config, settings, random.Random(f"roster:{seed}:{day}"))
            tickets += len(plan.tickets)
            clerks += len(roster.duties)
            clerk_minutes += roster.clerk_minutes
            peak_work += sum(t.service for t in plan.tickets if PEAK_START <= t.arrival < PEAK_END)
            for run in runs:
                result = simulate_day(config, plan, roster, run, settings, advisor_settings, profile)
                if abs(result.clerk_minutes - roster.clerk_minutes) > _TOLERANCE_MINUTES:
                    raise UnequalStaffing(run.name, result.clerk_minutes, roster.clerk_minutes)
                called = len(result.waits) + result.no_shows + result.unserved
                if called != len(plan.tickets):
                    raise UnequalStaffing(run.name, called, len(plan.tickets), "票数", "tickets")
                results[run.name].append(result)
        for run in runs:
            per_seed[run.name].append(SeedFigures.of(results[run.name], settings.long_wait_minutes))
    summaries = []
    for run in runs:
        gaps = []
        for i in range(len(seeds)):
            static, pooled = per_seed["static"][i].mean, per_seed["pooled"][i].mean
            gaps.append((static - per_seed[run.name][i].mean) / (static - pooled) if static - pooled > 1e-9 else math.nan)
        summaries.append(PolicySummary(run.name, tuple(per_seed[run.name]), tuple(gaps)))
    n = len(seeds) * days
    return Comparison(
        hall=f"{config.name_zh} ({config.code})",
        seeds=tuple(seeds),
        days=days,
        policies=tuple(summaries),
        tickets_per_day=tickets / n,
        planned_tickets_per_day=planned_tickets_per_day(config, settings),
        clerks_on_duty=clerks / n,
        clerk_minutes_per_day=clerk_minutes / n,
        peak_load=peak_work / n / (PEAK_END - PEAK_START) / max(clerks / n, 1.0),
        call_rule=config.rules.call_rule.value,
        runtime_seconds=time.perf_counter() - started,
        settings=settings,
    )


def format_comparison(comparison: Comparison) -> str:
    s = comparison.settings
    long = s.long_wait_minutes
    seeds = comparison.seeds
    seed_text = f"{seeds[0]}–{seeds[-1]}" if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))) else ", ".join(map(str, seeds))
    lines = [
        f"hallq simulate — {comparison.hall}: {len(seeds)} seeds ({seed_text}) × {comparison.days} day(s), call rule {comparison.call_rule}",
        f"tickets per day {comparison.tickets_per_day:.0f} (planned {comparison.planned_tickets_per_day:.0f}, load ×{s.load_factor:g}); "
        f"morning-peak offered load {comparison.peak_load:.2f} per clerk",
        f"clerks on duty {comparison.clerks_on_duty:.0f}, {comparison.clerk_minutes_per_day:.0f} clerk-minutes a day — the same under every policy (checked)",
        f"service cv {s.service_cv:.2f}, switch cost {s.switch_cost_minutes:g} min, no-shows {s.no_show_share:.0%}, appointments {s.appointment_share:.0%}, "
        f"承诺件 {s.long_service_share:.0%} ×{s.long_service_factor:g}, AB absences {s.absences_per_clerk:g}/clerk, lunch {s.lunch_mode.value}, "
        f"advice applied {s.advice_delay_minutes:g} min late, forecast from {s.history_weeks} weeks of history",
        "waits in minutes from taking the number to being called; mean over seeds ± 95 % confidence interval",
        "",
        f"{'policy':<24}{'mean':>12}{'p90':>13}{'max':>8}{f'>{long:.0f}min':>14}{'gap closed':>14}{'moves/day':>11}",
    ]
    for p in comparison.policies:
        gap = "" if p.name in ("static", "pooled") else p.gap.text(0, 100.0, "%")
        lines.append(
            f"{p.name:<24}{p.mean.text():>12}{p.p90.text():>13}{p.estimate('max').value:>8.0f}"
            f"{p.estimate('share_long').text(1, 100.0, '%'):>14}{gap:>14}{p.estimate('moves_per_day').value:>11.1f}"
        )
        if p.unserved:
            lines.append(f"  ! {p.unserved} tickets left unserved")
        stale = sum(x.stale_advice for x in p.seeds)
        if stale:
            lines.append(f"  {stale} recommendations dropped: the window had changed before the manager applied them")
    lines += [
        "",
        "gap closed = (static − policy) / (static − pooled) of the mean wait, per seed. pooled = every clerk serves every category "
        "(skills ignored): the lower bound. skills = each window serves all its clerk's categories; idle-longest = an idle window "
        "takes the longest queue among its clerk's categories. max = the longest wait of a seed, averaged over seeds.",
        f"runtime {comparison.runtime_seconds:.1f} s",
    ]
    return "\n".join(lines)
