"""The benchmarks' large hall, built in code: 100 windows, 30 categories, 100 clerks, open every
day all day (the benches run on the system clock), and a bulk preload of waiting tickets.
``hallq seed-history`` sizes its default hall from the same builder."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any

from hall.config import CategoryConfig, ClerkConfig, HallConfig, HoursConfig, ItemConfig, TimeRange, WindowConfig

HALL_CODE = "bench-large-hall"
PRELOAD = 5_000
WINDOWS = 100
CATEGORIES = 30

BENCH_PIN = "246810"


def series_names(count: int) -> list[str]:
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    names = letters + [a + b for a in letters for b in letters]
    return names[:count]


def large_hall(pin_hash: str, windows: int = WINDOWS, categories: int = CATEGORIES, clerks: int = WINDOWS) -> HallConfig:
    """A big county hall, open every day all day (the bench runs on the system clock)."""
    names = series_names(categories)
    cats = tuple(
        CategoryConfig(
            series=s,
            name_zh=f"业务{s}",
            name_en=f"Service {s}",
            department=f"部门{i % 12}",
            expected_service_minutes=8 + i % 10,
            items=(ItemConfig(f"{s}01", f"事项{s}01", f"Item {s}01", promised_days=3), ItemConfig(f"{s}02", f"事项{s}02", f"Item {s}02")),
        )
        for i, s in enumerate(names)
    )
    wins = tuple(
        WindowConfig(
            number=n,
            name_zh=f"{n}号窗口",
            name_en=f"Window {n}",
            department=f"部门{n % 12}",
            primary=(names[(n - 1) % categories],),
            secondary=(names[n % categories], names[(n + 1) % categories]),
        )
        for n in range(1, windows + 1)
    )
    staff = tuple(ClerkConfig(staff_no=f"{5000 + n}", name=f"办事员{n}", pin_hash=pin_hash) for n in range(1, clerks + 1))
    hours = HoursConfig(workdays=(1, 2, 3, 4, 5, 6, 7), regular=(TimeRange(dtime(0, 0), dtime(23, 59, 59, 999999)),))
    return HallConfig(
        code=HALL_CODE,
        name_zh="大型政务服务中心（压测）",
        name_en="Large hall (benchmark)",
        hours=hours,
        categories=cats,
        windows=wins,
        clerks=staff,
    )


def preload_waiting(hall: Any, count: int) -> None:
    """``count`` waiting tickets for today, spread over the categories, by bulk insert (with the
    day counters they imply, so issuing continues the numbering)."""
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import Session

    from db.models import Category, DayCounter, Ticket
    from db.models import Hall as HallRow
    from hall.calendar import business_day
    from hall.numbering import format_number

    now = datetime.now(UTC)
    today = business_day(hall.config.hours, now)
    with Session(hall.engines.write) as session, session.begin():
        categories = dict(session.execute(select(Category.series, Category.id).where(Category.hall_id == hall.hall_id)).all())
        names = sorted(categories)
        counters: dict[str, int] = defaultdict(int)
        for series, last in session.execute(
            select(DayCounter.series, DayCounter.last_number).where(DayCounter.hall_id == hall.hall_id, DayCounter.business_day == today)
        ):
            counters[series] = last
        existing = set(counters)
        rows = []
        for i in range(count):
            series = names[i % len(names)]
            counters[series] += 1
            number = counters[series]
            rows.append(
                {
                    "hall_id": hall.hall_id,
                    "public_id": secrets.token_hex(8),
                    "business_day": today,
                    "series": series,
                    "number": number,
                    "display_number": format_number(series, number),
                    "category_id": categories[series],
                    "items": [],
                    "priority": False,
                    "priority_reason": "",
                    "source": "kiosk",
                    "issued_by": "",
                    "assist": "",
                    "status": "waiting",
                    "issued_at": now,
                    "queue_key": now.timestamp() - count + i,
                    "recall_count": 0,
                    "transfer_count": 0,
                    "note": "",
                    "print_count": 0,
                }
            )
        session.execute(insert(Ticket), rows)
        for series, last in counters.items():
            if series in existing:
                session.execute(
                    update(DayCounter)
                    .where(DayCounter.hall_id == hall.hall_id, DayCounter.business_day == today, DayCounter.series == series)
                    .values(last_number=last)
                )
            else:
                session.execute(insert(DayCounter).values(hall_id=hall.hall_id, business_day=today, series=series, last_number=last))
        session.execute(update(HallRow).where(HallRow.id == hall.hall_id).values(current_day=today))
    if hall.engines.is_postgres:
        # A hall that has been running has planner statistics (autovacuum analyzes a table once a
        # tenth of it changed); a bulk insert into a new table has none until autovacuum's next
        # round, and with none PostgreSQL reads the day's whole queue for every call.
        with hall.engines.write.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
