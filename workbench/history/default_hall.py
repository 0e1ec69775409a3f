"""The hall ``hallq seed-history`` fills when it is given no configuration: the benchmarks' large
hall with a real city hall's hours, lunch service, appointment-only weekends and the national
holidays."""

from __future__ import annotations

import dataclasses
from datetime import time as dtime

from hall.config import HallConfig, HoursConfig, RulesConfig, TimeRange, WeekendMode

# National holidays (法定节假日) and the weekend days worked in exchange (调休) in 2025 and 2026,
# as published by the State Council: the default history hall is closed / open on them.
HOLIDAYS = (
    "2025-01-01", *(f"2025-01-{d}" for d in range(28, 32)), *(f"2025-02-0{d}" for d in range(1, 5)),
    "2025-04-04", "2025-04-05", "2025-04-06", *(f"2025-05-0{d}" for d in range(1, 6)),
    "2025-05-31", "2025-06-01", "2025-06-02", *(f"2025-10-0{d}" for d in range(1, 9)),
    "2026-01-01", "2026-01-02", "2026-01-03", *(f"2026-02-{d}" for d in range(15, 24)),
    "2026-04-04", "2026-04-05", "2026-04-06", *(f"2026-05-0{d}" for d in range(1, 6)),
    "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27",
    *(f"2026-10-0{d}" for d in range(1, 8)),
)  # fmt: skip
EXCHANGED_WORKDAYS = (
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
)  # fmt: skip

HISTORY_HOURS = HoursConfig(
    regular=(TimeRange(dtime(8, 30), dtime(12, 0)), TimeRange(dtime(13, 30), dtime(17, 30))),
    lunch=TimeRange(dtime(12, 0), dtime(13, 30)),
    extended=TimeRange(dtime(17, 30), dtime(19, 0)),
    weekend=TimeRange(dtime(9, 0), dtime(17, 0)),
    weekend_mode=WeekendMode.APPOINTMENT_ONLY,
    closed_dates=HOLIDAYS,
    extra_workdays=EXCHANGED_WORKDAYS,
)
HISTORY_HALL_CODE = "history-hall"
TICKETS_PER_WINDOW = 80  # a busy city hall window: ~80 short services a day


def history_hall(per_day: int, pin_hash: str) -> HallConfig:
    """The benchmark's large hall (workbench/bench/large_hall.py) sized for ``per_day`` tickets, with a real
    hall's hours: 100 windows and 30 categories at 8,000 a day, services of 3.5–8.5 minutes (a
    city hall's quick items), lunch service, appointment-only weekends and the national holidays.
    Each category's first window stays open at lunch, covered by a B clerk of its own."""
    from workbench.bench.large_hall import large_hall

    windows = min(200, max(8, round(per_day / TICKETS_PER_WINDOW)))
    categories = min(30, max(3, windows * 3 // 10))
    base = large_hall(pin_hash, windows=windows, categories=categories, clerks=windows + categories)
    quick = tuple(dataclasses.replace(c, expected_service_minutes=3.5 + i % 6) for i, c in enumerate(base.categories))
    return dataclasses.replace(
        base,
        code=HISTORY_HALL_CODE,
        name_zh="市政务服务中心（历史数据）",
        name_en="City service hall (seeded history)",
        hours=HISTORY_HOURS,
        rules=RulesConfig(secondary_promote_minutes=30.0),
        categories=quick,
    )
