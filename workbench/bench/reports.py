"""``hallq bench reports``: every report over a year of a big hall, on SQLite and on PostgreSQL.

The history is ``hallq seed-history``'s: 365 days x 8,000 tickets per working day (``--quick``: 30 days
x 2,000) in the 100-window hall, ending on a fixed day so the figures are comparable from run to
run. The seeded SQLite file is cached under ~/.cache/hallq/ keyed by the parameters (the bench runs
on a copy, so the cache never holds rollups and the one-off build is timed every time); PostgreSQL
runs on a throwaway cluster (tests/support/pg.py), seeded afresh, or on ``--database``: a PostgreSQL that
already holds the same history (the same tickets per day as the cached SQLite file) is reused without seeding,
so the lead can seed it once and re-run; one holding another history is refused.

The store's clock is the morning after the last seeded day, and the hall has opened for that day
(rolled over), so every seeded day is closed. Then, per backend: the first ``refresh_rollups``
(the one-off build of the daily rollups), and every report — each dimension over the whole year,
a month by clerk, filtered reports (one served by the rollups, one aggregated live from raw rows)
and the 好差评 records of a month — three times each: the first run and the best of the three.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hall.config import HallConfig
from hall.reports import Dimension, ReportFilter, ReportRequest

if TYPE_CHECKING:
    from db.engine import Engines

END = date(2026, 10, 31)  # the last seeded day; the year before it covers every kind of day in the holiday tables
SEED = 1
TARGET_SECONDS = 2.0
RUNS = 3


@dataclass(frozen=True)
class BenchSize:
    days: int
    per_day: int

    @property
    def first_day(self) -> date:
        return END - timedelta(days=self.days - 1)


FULL = BenchSize(365, 8000)
QUICK = BenchSize(30, 2000)


@dataclass
class Timing:
    name: str
    rows: int
    seconds: list[float]

    @property
    def first(self) -> float:
        return self.seconds[0]

    @property
    def best(self) -> float:
        return min(self.seconds)


@dataclass
class BackendRun:
    backend: str
    seeding: str  # how the history got there and how long it took
    tickets: int = 0
    refresh_seconds: float = 0.0
    days_built: int = 0
    timings: list[Timing] = field(default_factory=list)


def opening_morning(config: HallConfig) -> datetime:
    """10:00 hall time on the day after the history: every seeded day is over."""
    return datetime.combine(END + timedelta(days=1), dtime(10, 0), tzinfo=config.hours.zone).astimezone(UTC)


def bench_hall(size: BenchSize) -> HallConfig:
    from db.security import hash_pin
    from workbench.bench.large_hall import BENCH_PIN
    from workbench.history.default_hall import history_hall

    return history_hall(size.per_day, hash_pin(BENCH_PIN))


def tickets_per_day(engines: Engines, config: HallConfig, size: BenchSize) -> dict[date, int]:
    """The bench hall's tickets per business day of the benchmarked span: the fingerprint of a seeded history
    (the generator is deterministic, so the same parameters give the same counts on every backend)."""
    from sqlalchemy import func, select

    from db.models import Hall, Ticket

    with engines.read.connect() as conn:
        hall_id = conn.scalar(select(Hall.id).where(Hall.code == config.code))
        if hall_id is None:
            return {}
        counts = conn.execute(
            select(Ticket.business_day, func.count())
            .where(Ticket.hall_id == hall_id, Ticket.business_day.between(size.first_day, END))
            .group_by(Ticket.business_day)
        )
        return {day: int(count) for day, count in counts}


def seeded_tickets_per_day(url: str, config: HallConfig, size: BenchSize) -> dict[date, int]:
    from db.engine import make_engines

    engines = make_engines(url)
    try:
        return tickets_per_day(engines, config, size)
    finally:
        engines.dispose()


def seed_into(url: str, config: HallConfig, size: BenchSize, log: Callable[[str], None], expected: dict[date, int] | None = None) -> str:
    """Seed the history into ``url`` unless it is already there; says what it did and how long it took.

    A database that already holds tickets in the span is reused only if its tickets per day are ``expected``
    (those of the cached SQLite history of the same parameters): then seeding is skipped, so a PostgreSQL seeded
    once can be benchmarked again and again. Any other history there is refused rather than mixed or timed."""
    from hall.text import HallRuleError
    from server.runner import prepare_hall
    from workbench.history.seed import seed_history

    hall = prepare_hall(url, config, synchronous="NORMAL")
    try:
        present = tickets_per_day(hall.engines, config, size)
        if present:
            if expected is not None and present != expected:
                differing = sorted(day for day in present.keys() | expected.keys() if present.get(day) != expected.get(day))
                raise HallRuleError(
                    "history_differs",
                    f"数据库中已有不同的历史数据（{len(differing)} 天的号票数不同，首个 {differing[0]}）；请换一个空数据库",
                    f"the database holds a different history ({len(differing)} days differ in ticket count, first {differing[0]});"
                    " use an empty database",
                    409,
                )
            checked = "same tickets per day as the cached SQLite history" if expected is not None else "not compared"
            return f"already in the database, seeding skipped ({sum(present.values()):,} tickets on {len(present)} days; {checked})"
        report = seed_history(hall.engines, hall.hall_id, config, size.days, size.per_day, SEED, END, opening_morning(config), log)
    finally:
        hall.engines.dispose()
    log(report.summary())
    return f"seeded in {report.seconds:.0f} s ({report.rows['tickets']:,} tickets, {sum(report.rows.values()):,} rows)"


def cached_sqlite(cache_dir: Path, config: HallConfig, size: BenchSize, log: Callable[[str], None]) -> tuple[Path, str]:
    """The seeded SQLite file for these parameters, built once (under a temporary name, renamed when complete)."""
    from workbench.history.day import HISTORY_VERSION

    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"reports-bench-{size.days}d-{size.per_day}pd-seed{SEED}-{END:%Y%m%d}-v{HISTORY_VERSION}"
    path, notes = cache_dir / f"{stem}.db", cache_dir / f"{stem}.json"
    if path.exists() and notes.exists():
        seeding = json.loads(notes.read_text(encoding="utf-8"))["seeding"]
        return path, f"cached at {path} ({seeding})"
    building = cache_dir / f"{stem}.building-{os.getpid()}.db"
    try:
        seeding = seed_into(f"sqlite:///{building}", config, size, log)
        for suffix in ("-wal", "-shm"):  # the last connection checkpointed the WAL into the file
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        building.replace(path)
    finally:
        building.unlink(missing_ok=True)
    notes.write_text(json.dumps({"seeding": seeding}), encoding="utf-8")
    return path, seeding


def clear_rollups(url: str, hall_id: int) -> None:
    """A reused database: forget earlier rollups so the one-off build is timed again."""
    from sqlalchemy import delete

    from db.engine import make_engines
    from db.models import ReportDay, ReportRollup, ReportWatermark

    engines = make_engines(url)
    try:
        with engines.write.begin() as conn:
            for model in (ReportRollup, ReportDay, ReportWatermark):
                conn.execute(delete(model).where(model.hall_id == hall_id))
    finally:
        engines.dispose()


def time_reports(backend: str, url: str, config: HallConfig, size: BenchSize, seeding: str, log: Callable[[str], None]) -> BackendRun:
    from sqlalchemy import func, select

    from db.models import Ticket
    from db.reports.queries import ReportQueries
    from hall.clock import FakeClock
    from server.runner import prepare_hall

    # Reports are read a few minutes after the history's last write (its phone ratings are dated this very morning):
    # with the clock at that instant, the last day's rollup would count as possibly stale (REBUILD_MARGIN) and be
    # rebuilt on every report, which no real hall sees.
    hall = prepare_hall(url, config, FakeClock(opening_morning(config) + timedelta(minutes=5)), synchronous="NORMAL")
    run = BackendRun(backend, seeding)
    try:
        clear_rollups(url, hall.hall_id)
        store, hall_id = hall.store, hall.hall_id
        with store.read() as session:
            run.tickets = int(session.scalar(select(func.count()).select_from(Ticket).where(Ticket.hall_id == hall_id)) or 0)
        store.write(hall_id, lambda _uow: None)  # the hall opens this morning: the business day rolls over
        queries = ReportQueries(store)
        started = time.perf_counter()
        run.days_built = queries.refresh_rollups(hall_id)
        run.refresh_seconds = time.perf_counter() - started
        log(f"{backend}: rollups of {run.days_built} days built in {run.refresh_seconds:.1f} s")
        first, last_month = size.first_day, END.replace(day=1)
        first_series = config.categories[0].series
        first_clerk = config.clerks[0].staff_no
        span = "year" if size.days >= 365 else f"{size.days} days"
        cases: list[tuple[str, Callable[[], int]]] = [
            (f"{span} by {dimension.value}", lambda d=dimension: len(queries.report(hall_id, ReportRequest(first, END, d)).rows))
            for dimension in Dimension
        ]
        cases += [
            (
                f"month by clerk ({last_month:%Y-%m})",
                lambda: len(queries.report(hall_id, ReportRequest(last_month, END, Dimension.CLERK)).rows),
            ),
            (
                f"{span} by month, category {first_series}",
                lambda: len(queries.report(hall_id, ReportRequest(first, END, Dimension.MONTH, ReportFilter(category=first_series))).rows),
            ),
            (
                f"month by item, clerk {first_clerk} (live)",
                lambda: len(queries.report(hall_id, ReportRequest(last_month, END, Dimension.ITEM, ReportFilter(clerk=first_clerk))).rows),
            ),
            (f"好差评 records of {last_month:%Y-%m}", lambda: len(queries.rating_records(hall_id, last_month, END))),
        ]
        for name, case in cases:
            seconds, rows = [], 0
            for _ in range(RUNS):
                started = time.perf_counter()
                rows = case()
                seconds.append(time.perf_counter() - started)
            run.timings.append(Timing(name, rows, seconds))
            log(f"{backend}: {name}: {rows} rows, first {seconds[0]:.3f} s, best {min(seconds):.3f} s")
    finally:
        hall.engines.dispose()
    return run


def render(
    runs: list[BackendRun],
    skipped: list[str],
    size: BenchSize,
    config: HallConfig,
    quick: bool,
    load: tuple[float, float, float],
    started: float,
) -> str:
    cores = os.cpu_count() or 0
    out = [
        "hallq bench reports" + ("  (--quick)" if quick else ""),
        f"machine: {cores} CPU cores, load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
        + ("  — other work was running: figures are pessimistic" if load[0] > cores * 0.75 else ""),
        f"history: {size.days} days ending {END} (seed {SEED}), ~{size.per_day:,} tickets per working day in the seeded hall of"
        f" {len(config.windows)} windows and {len(config.categories)} categories; weekends appointments only, holidays closed",
        "SQLite synchronous=NORMAL on a copy of the cached seeded file; PostgreSQL fsync=off (throwaway cluster) unless --database",
        "",
    ]
    for run in runs:
        out.append(f"{run.backend}: {run.tickets:,} tickets; history {run.seeding}")
        out.append(f"{run.backend}: first refresh_rollups (one-off build of {run.days_built} days): {run.refresh_seconds:.1f} s")
    out += ["", f"{'backend':9} {'report':44} {'rows':>6} {'first s':>9} {f'best of {RUNS} s':>11}  target < {TARGET_SECONDS:.0f} s"]
    slow = 0
    for run in runs:
        for timing in run.timings:
            met = timing.best < TARGET_SECONDS
            slow += not met
            out.append(
                f"{run.backend:9} {timing.name:44} {timing.rows:>6} {timing.first:>9.3f} {timing.best:>11.3f}  {'met' if met else 'NOT met'}"
            )
    out.append("")
    for reason in skipped:
        out.append(f"skipped: {reason}")
    checked = sum(len(run.timings) for run in runs)
    out.append(
        f"{checked - slow} of {checked} reports under {TARGET_SECONDS:.0f} s (best of {RUNS}); total bench time {time.perf_counter() - started:.0f} s"
    )
    end_load = os.getloadavg()
    out.append(
        f"load average at the end {end_load[0]:.1f} / {end_load[1]:.1f} / {end_load[2]:.1f} (1/5/15 min; the bench itself adds about 1)"
    )
    return "\n".join(out)


def _pg_cluster_class() -> Any:
    from workbench.bench.server import _pg_cluster_class as find

    return find()


def main(args: argparse.Namespace) -> str:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    load = os.getloadavg()
    quick = bool(getattr(args, "quick", False))
    size = QUICK if quick else FULL
    cache_dir = Path(getattr(args, "cache_dir", None) or Path.home() / ".cache" / "hallq")

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    config = bench_hall(size)
    runs: list[BackendRun] = []
    skipped: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-reports-"))
    cluster = None
    try:
        cached, seeding = cached_sqlite(cache_dir, config, size, log)
        copy = workdir / "reports.db"
        shutil.copyfile(cached, copy)
        sqlite_history = seeded_tickets_per_day(f"sqlite:///{copy}", config, size)
        runs.append(time_reports("sqlite", f"sqlite:///{copy}", config, size, seeding, log))
        copy.unlink()
        pg_url = getattr(args, "database", None)
        if not pg_url:
            cluster_class, reason = _pg_cluster_class()
            if reason:
                skipped.append(f"PostgreSQL: {reason}")
            else:
                cluster = cluster_class(max_connections=50).start()
                pg_url = cluster.create_database("hallq_reports_bench")
        if pg_url:
            seeding = seed_into(pg_url, config, size, log, expected=sqlite_history)
            runs.append(time_reports("postgres", pg_url, config, size, seeding, log))
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return render(runs, skipped, size, config, quick, load, started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m workbench.bench.reports")
    parser.add_argument("--database")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cache-dir")
    print(main(parser.parse_args()))
