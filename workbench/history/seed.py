"""``hallq seed-history``: a year (or any span) of realistic synthetic hall history, for demos and benchmarks.

Day after day the generator (day.py: the hall-day simulator plus what else happens at the
counters) builds the rows, and they are written in bulk in chunks of days (rows.py). The hall is
the one given, or default_hall.py's. No events are written and the hall's event_seq is left
alone: events are the live stream, not history.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from db.engine import Engines
from db.models import Hall, Ticket
from hall.calendar import business_day
from hall.config import HallConfig
from hall.text import HallRuleError
from workbench.history.day import HistoryBuilder
from workbench.history.default_hall import history_hall
from workbench.history.rows import CountingIds, DayRows, IdSource, StoredHall, advance_sequences, write_rows

CHUNK_TICKETS = 40_000  # rows are written per chunk of days of about this many tickets


@dataclass
class SeedReport:
    first_day: date
    last_day: date
    open_days: int = 0
    closed_days: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    simulate_seconds: float = 0.0
    write_seconds: float = 0.0
    seconds: float = 0.0

    def summary(self) -> str:
        rows = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"已生成 {self.first_day} 至 {self.last_day} 的历史数据 / seeded {self.first_day} .. {self.last_day}: "
            f"{self.open_days} open days, {self.closed_days} closed\n"
            f"rows: {rows}\n"
            f"time: {self.seconds:.1f} s (simulating and building rows {self.simulate_seconds:.1f} s, writing {self.write_seconds:.1f} s)"
        )


def seed_history(
    engines: Engines,
    hall_id: int,
    config: HallConfig,
    days: int,
    per_day: int,
    seed: int = 1,
    end: date | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Write ``days`` business days of history ending at ``end`` (default: yesterday, hall time).

    Refuses a span that reaches past now or that already holds tickets (history never overwrites)."""
    if days < 1 or per_day < 1:
        raise HallRuleError("bad_span", "天数和每日号票数须至少为 1", "days and tickets per day must be at least 1", 422)
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    today = business_day(config.hours, now)
    end = end or today - timedelta(days=1)
    if end > today:
        raise HallRuleError("history_in_future", f"结束日期 {end} 晚于今天", f"the end date {end} is after today", 422)
    first = end - timedelta(days=days - 1)
    with engines.write.begin() as conn:
        stored = StoredHall.load(conn, hall_id, config)
        existing = conn.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.hall_id == hall_id, Ticket.business_day.between(first, end))
        )
        if existing:
            raise HallRuleError(
                "history_exists",
                f"{first} 至 {end} 已有 {existing} 张号票；历史数据不会覆盖已有记录",
                f"{existing} tickets already exist between {first} and {end}; history never overwrites rows",
                409,
            )
        ids = IdSource(conn)
    builder = HistoryBuilder(config, stored, ids, seed, per_day, now)
    if end == today:
        # a day still under way: its simulated close must already be over, or the history would reach into the future
        rows = HistoryBuilder(config, stored, CountingIds(), seed, per_day, now).build(end)
        if rows is not None and rows.latest is not None and rows.latest > now:
            raise HallRuleError(
                "history_in_future",
                f"今天（{end}）的业务尚未结束，历史数据只能到昨天",
                f"today ({end}) is not over yet; history can end yesterday at the latest",
                422,
            )
    report = SeedReport(first, end)
    pending = DayRows()
    last_seeded: date | None = None
    month_label, month_started, month_tickets = "", time.perf_counter(), 0

    def flush() -> None:
        nonlocal pending
        if not pending.tickets and not pending.sessions:
            return
        write_started = time.perf_counter()
        with engines.write.begin() as conn:
            write_rows(conn, pending)
        report.write_seconds += time.perf_counter() - write_started
        report.rows.update(pending.counts())
        pending = DayRows()

    day = first
    while day <= end:
        label = f"{day:%Y-%m}"
        if label != month_label:
            if month_label and progress:
                progress(f"  {month_label}: {month_tickets:,} tickets ({time.perf_counter() - month_started:.1f} s)")
            month_label, month_started, month_tickets = label, time.perf_counter(), 0
        build_started = time.perf_counter()
        rows = builder.build(day)
        report.simulate_seconds += time.perf_counter() - build_started
        if rows is None:
            report.closed_days += 1
        else:
            report.open_days += 1
            month_tickets += len(rows.tickets)
            pending.extend(rows)
            last_seeded = day
            if len(pending.tickets) >= CHUNK_TICKETS:
                flush()
        day += timedelta(days=1)
    flush()
    if progress and month_label:
        progress(f"  {month_label}: {month_tickets:,} tickets ({time.perf_counter() - month_started:.1f} s)")
    with engines.write.begin() as conn:
        if engines.is_postgres:
            advance_sequences(conn)
        if last_seeded is not None:
            # the store rolls the business day over when current_day differs from today; a hall that
            # has never run gets the last seeded day, so its first live write starts today cleanly
            conn.execute(
                update(Hall)
                .where(Hall.id == hall_id, (Hall.current_day.is_(None)) | (Hall.current_day < last_seeded))
                .values(current_day=last_seeded)
            )
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- the command


def main(args: argparse.Namespace) -> int:
    import logging

    from hall.config import load_config
    from server.runner import default_database_url, prepare_hall

    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    if args.config:
        config = load_config(args.config)
    else:
        from db.security import hash_pin
        from workbench.bench.large_hall import BENCH_PIN

        config = history_hall(args.per_day, hash_pin(BENCH_PIN))
    url = args.database or default_database_url()
    end = date.fromisoformat(args.end) if args.end else None
    hall = prepare_hall(url, config)
    try:
        print(
            f"hallq seed-history: {config.name_zh} ({config.code}), {len(config.windows)} windows, {len(config.categories)} categories; "
            f"{args.days} days x ~{args.per_day:,} tickets per working day, seed {args.seed}; database {hall.engines.write.dialect.name}",
            flush=True,
        )
        report = seed_history(
            hall.engines, hall.hall_id, config, args.days, args.per_day, args.seed, end, progress=lambda line: print(line, flush=True)
        )
    finally:
        hall.engines.dispose()
    print(report.summary())
    print(f"total with migration and hall import: {time.perf_counter() - started:.1f} s")
    if not args.config:
        print(f"clerks of this hall log in with their staff number (5001 ...) and PIN {BENCH_PIN}")
    return 0
