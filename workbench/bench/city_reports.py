"""`hallq bench city_reports`: how long the city takes to answer the console's report over 50 halls'
day (10 with --quick).

Each hall's day is simulated (workbench/city_day.py: 1,000 citizens at 12 windows, ~5 events each:
issued, called, started, finished, rated, with no-shows, 差评 and follow-ups) and stored with the
city's own ingest (city.ingest.ingest, in batches of 5,000; the ingest rate is `hallq bench city`'s
subject, not this one's). Then the city server (in this process, over mutual TLS with a console
certificate) answers GET /city/api/report for the day by hall, by category and by district, five
times each: the median and the slowest are printed, with the rows the report counts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from city.ingest import WireEvent, ingest
from city.profiles import set_hall_profile
from city.runner import CityServerThread
from cityconsole.rules import CITY_ZONE
from workbench.bench.city import _postgres
from workbench.bench.server import _pg_cluster_class
from workbench.city_day import HallDayPlan, simulated_day

REPEATS = 5
INGEST_BATCH = 5_000


def fill_city(city: CityServerThread, halls: int, tickets: int, now: datetime) -> int:
    day = now.astimezone(CITY_ZONE).date()
    events = 0
    for index in range(halls):
        code = f"hall-{index:03d}"
        plan = HallDayPlan(seed=index, day=day, opened=now - timedelta(hours=9), now=now, tickets=tickets, windows=12)
        wire = [WireEvent(e["seq"], e["kind"], e["data"], datetime.fromisoformat(e["created_at"])) for e in simulated_day(plan)]
        for first in range(0, len(wire), INGEST_BATCH):
            ingest(city.engine, code, len(wire), wire[first : first + INGEST_BATCH], now)
        set_hall_profile(city.engine, code, create=True, name=f"第 {index + 1} 大厅", district=f"第 {index % 6 + 1} 区")
        events += len(wire)
    return events


def main(args: argparse.Namespace) -> str:
    _pg_cluster_class()
    from tests.support.city import CityPki, client

    quick = bool(getattr(args, "quick", False))
    halls, tickets = (10, 300) if quick else (50, 1_000)
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-city-reports-"))
    lines = [f"hallq bench city_reports  ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"]
    try:
        with _postgres(getattr(args, "database", None)) as (url, reason):
            if url is None:
                return f"hallq bench city_reports: skipped, PostgreSQL: {reason}"
            pki = CityPki(workdir / "pki")
            city = CityServerThread(url, pki.ca_directory).start()
            try:
                now = datetime.now(UTC)
                started = time.perf_counter()
                events = fill_city(city, halls, tickets, now)
                lines.append(f"  {halls} halls × 1 day: {events:,} events ingested in {time.perf_counter() - started:.1f} s (setup)")
                day = now.astimezone(CITY_ZONE).date().isoformat()
                with client(city.url, pki.console(), pki.ca_directory / "ca.pem", timeout=300.0) as http:
                    for by in ("hall", "category", "district"):
                        times, rows, served = [], 0, 0
                        for _ in range(REPEATS):
                            begun = time.perf_counter()
                            response = http.get("/city/api/report", params={"start": day, "end": day, "by": by})
                            times.append(time.perf_counter() - begun)
                            response.raise_for_status()
                            body = response.json()
                            rows, served = len(body["rows"]), body["total"]["served"]
                        lines.append(
                            f"  GET /city/api/report by {by:<9} median {statistics.median(times) * 1000:7.0f} ms, "
                            f"slowest {max(times) * 1000:7.0f} ms  ({rows} rows, {served:,} services counted)"
                        )
            finally:
                city.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return "\n".join(lines)
