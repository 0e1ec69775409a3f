"""`hallq bench advisor`: how long one advisor call takes on a large hall.

A synthetic hall of 30 categories and 100 windows (some windows closed with free clerks, queues of
varied length, a few categories overloaded), twice: clerks trained for 2–5 categories, and every
clerk trained for every category (the case with the most candidate moves). One call of
:func:`hall.advisor.advise` (predictions, recommendations and alerts) timed ~200 times each.
"""

from __future__ import annotations

import random
import statistics
import time

from hall.advisor import AdvisorSettings, CategoryState, HallSnapshot, SpareClerk, WindowState, WindowStatus, advise
from hall.config import RulesConfig


def _series(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else "Z" + chr(ord("A") + i - 26)


def synthetic_snapshot(categories: int = 30, windows: int = 100, seed: int = 7, full_skills: bool = False) -> HallSnapshot:
    rng = random.Random(seed)
    names = [_series(i) for i in range(categories)]
    cats = []
    for name in names:
        service = rng.uniform(5.0, 20.0)
        servers = windows * 0.9 / categories
        load = rng.uniform(0.6, 1.3) * servers
        waiting = tuple(rng.uniform(0.0, 40.0) for _ in range(rng.randint(0, 25)))
        cats.append(
            CategoryState(
                name,
                waiting,
                load / service * 60.0,
                service * rng.uniform(0.9, 1.1),
                service,
                rng.choice((10.0, 15.0, 20.0)),
                f"业务{name}",
                f"Category {name}",
            )
        )
    wins = []
    spare = []
    for number in range(1, windows + 1):
        home = names[(number - 1) % categories]
        skills = tuple(dict.fromkeys([home, *rng.sample(names, rng.randint(1, 4))]))
        if full_skills:
            skills = tuple(dict.fromkeys([home, *names]))
        if number % 10 == 0:
            wins.append(WindowState(number, WindowStatus.CLOSED))
            spare.append(SpareClerk(f"s{number}", skills))
            continue
        secondary = tuple(s for s in skills[1:2] if s != home)
        status = WindowStatus.PAUSED if number % 37 == 0 else WindowStatus.OPEN
        wins.append(
            WindowState(
                number,
                status,
                (home,),
                secondary,
                f"c{number}",
                skills,
                minutes_since_change=rng.uniform(0, 120),
                paused_minutes=4.0 if status is WindowStatus.PAUSED else 0.0,
                idle_minutes=rng.choice((0.0, 0.0, 0.0, 50.0)),
            )
        )
    return HallSnapshot(tuple(cats), tuple(wins), tuple(spare))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _figures(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p99 {_percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms"


def _bench_case(title: str, snapshot: HallSnapshot, runs: int) -> list[str]:
    settings = AdvisorSettings()
    rules = RulesConfig(secondary_promote_minutes=30)
    advice = advise(snapshot, settings, rules)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        advise(snapshot, settings, rules)
        wall.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.process_time() - start_cpu) * 1000.0)
    skills = statistics.mean(len(w.clerk_skills) for w in snapshot.windows if w.clerk is not None)
    return [
        f"{title}: {len(snapshot.categories)} categories × {len(snapshot.windows)} windows, "
        f"{skills:.1f} skills per clerk, {sum(c.waiting for c in snapshot.categories)} waiting, "
        f"{len(snapshot.spare_clerks)} free clerks",
        f"  one advise() (predict + recommend + alerts), {runs} runs",
        f"  wall {_figures(wall)}",
        f"  cpu  {_figures(cpu)}",
        f"  recommendations {len(advice.recommendations)}, alerts {len(advice.alerts)}",
    ]


def bench_advisor(runs: int = 200) -> str:
    lines = [
        *_bench_case("advisor, skill chains of 2-5", synthetic_snapshot(), runs),
        *_bench_case("advisor, full skills", synthetic_snapshot(full_skills=True), runs),
        "(cpu time is what the code costs when other processes share the machine)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(bench_advisor())


def main(args: object) -> str:
    """``hallq bench advisor``."""
    return bench_advisor(50 if getattr(args, "quick", False) else 200)
