"""`hallq bench city`: what shipping events to the city costs the hall, and how fast one city
ingests many halls.

1. One hall (SQLite, served over HTTP in this process) with a backlog of 10,000 events in its
   outbox: ticket issue latency at the hall with no shipper, then while the shipper drains the
   backlog to the city. Also the drain rate and the shipper's CPU per event (its thread's time).
2. N simulated halls (50; 10 with --quick), each replaying a recorded day of events as fast as it
   can in batches of 500 into one city (``hallq city serve`` in its own process, PostgreSQL on
   this machine): events per second ingested, the time a batch waits for its ack (p50/p99), and
   CPU per event of the city process, of PostgreSQL and of the sending side.

PostgreSQL is a throwaway cluster (tests/support/pg.py) unless --database names one.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from db.city_outbox import CityOutbox
from db.models import Event
from db.models import Hall as HallRow
from db.security import hash_pin
from server.city_link import CityLinkConfig, CityShipper
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from workbench.bench.cpu import PostgresCpu, process_tree_cpu
from workbench.bench.large_hall import BENCH_PIN, large_hall
from workbench.bench.server import _pg_cluster_class

BACKLOG = 10_000
BATCH = 500


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def recorded_day(count: int, start: datetime) -> list[dict[str, Any]]:
    """A hall day's events as the outbox holds them: each citizen issued, called, started, finished
    and rated (five events), numbered from 1."""
    events: list[dict[str, Any]] = []
    for ticket_id in itertools.count(1):
        at = start + timedelta(seconds=ticket_id * 7)
        brief = {
            "id": ticket_id,
            "public_id": f"p{ticket_id}",
            "number": f"A{ticket_id % 1000:03d}",
            "series": "A",
            "status": "waiting",
            "priority": False,
            "source": "kiosk",
            "items": ["A01"],
            "issued_at": at.isoformat(),
            "business_day": at.date().isoformat(),
            "recall_count": 0,
            "transfer_count": 0,
            "appointment_at": None,
            "called_at": None,
        }
        called = {**brief, "status": "called", "called_at": (at + timedelta(minutes=5)).isoformat()}
        steps = [
            ("ticket_issued", {"ticket": brief, "waiting": 3}),
            ("ticket_called", {"ticket": called, "window": 1 + ticket_id % 8, "recall": 0}),
            ("service_started", {"ticket": {**called, "status": "serving"}, "window": 1 + ticket_id % 8, "service_id": ticket_id}),
            (
                "service_finished",
                {
                    "ticket": {**called, "status": "done"},
                    "window": 1 + ticket_id % 8,
                    "service_id": ticket_id,
                    "outcome": "immediate",
                    "item": {"code": "A01", "name_zh": "事项", "name_en": "Item", "materials": []},
                },
            ),
            ("service_rated", {"window": 1 + ticket_id % 8, "service_id": ticket_id, "level": "satisfied", "bad": False, "followup": None}),
        ]
        for kind, data in steps:
            events.append({"seq": len(events) + 1, "kind": kind, "data": data, "created_at": at.isoformat()})
            if len(events) == count:
                return events
    return events


# ---------------------------------------------------------------------------- part 1: the hall's side


def _latency_line(label: str, latencies: list[float]) -> str:
    p50, p99 = statistics.median(latencies) * 1000, _percentile(latencies, 0.99) * 1000
    return f"  {label:<46} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  ({len(latencies)} requests)"


def hall_side(workdir: Path, city_url: str, files: Any, quick: bool) -> list[str]:
    hall = prepare_hall(f"sqlite:///{workdir / 'hall.db'}", large_hall(hash_pin(BENCH_PIN), windows=4, categories=4, clerks=4))
    now = datetime.now(UTC)
    day = recorded_day(BACKLOG, now - timedelta(hours=3))
    with hall.engines.write.begin() as connection:  # the backlog a hall builds up while the city is away
        rows = [{"hall_id": hall.hall_id, "seq": e["seq"], "kind": e["kind"], "data": e["data"], "created_at": now} for e in day]
        connection.execute(insert(Event), rows)
        connection.execute(update(HallRow).where(HallRow.id == hall.hall_id).values(event_seq=BACKLOG))
    server = ServerThread(hall.store).start()
    kiosk = HallClient(server.url, str(hall.store.enroll_device(None, hall.hall_id, "kiosk", "bench kiosk")["token"]))
    requests = 150 if quick else 500

    def issue_latencies(until: Any = None) -> list[float]:
        latencies = []
        for _ in range(requests):
            if until is not None and until():
                break
            started = time.perf_counter()
            kiosk.issue("A")
            latencies.append(time.perf_counter() - started)
        return latencies

    try:
        issue_latencies()  # warm up
        quiet = issue_latencies()
        config = CityLinkConfig(city_url, files.cert, files.key, files.ca, batch_events=BATCH)
        shipper = CityShipper(CityOutbox(hall.engines, hall.hall_id), config)
        store_listener = shipper.wake
        hall.store.add_commit_listener(store_listener)
        started = time.perf_counter()
        shipper.start()
        draining = issue_latencies(until=lambda: shipper.state.acked_seq >= BACKLOG)
        while shipper.state.acked_seq < BACKLOG:
            time.sleep(0.01)
        drained = time.perf_counter() - started
        after = issue_latencies()  # quiet again: how much of the difference is this machine's noise
        shipper.stop()
    finally:
        kiosk.close()
        server.stop()
        hall.engines.dispose()
    per_event_us = shipper.state.cpu_seconds / max(1, shipper.state.shipped_events) * 1e6
    return [
        f"hall side: a backlog of {BACKLOG:,} events (SQLite hall, served over HTTP in this process)",
        _latency_line("ticket issue at the hall, before the shipper:", quiet),
        _latency_line("ticket issue while the backlog drains:", draining),
        _latency_line("ticket issue after the drain (shipper idle):", after),
        f"  backlog drained in {drained:.1f} s ({BACKLOG / drained:,.0f} events/s, batches of {BATCH}); shipper CPU {per_event_us:.0f} µs per event",
    ]


# ---------------------------------------------------------------------------- part 2: many halls, one city


def city_side(city: Any, pki: Any, client: Any, halls: int, per_hall: int) -> list[str]:
    day = recorded_day(per_hall, datetime.now(UTC) - timedelta(hours=8))
    certificates = [pki.hall(f"sim-{index:03d}") for index in range(halls)]
    ack_waits: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(halls + 1)

    def replay(index: int) -> None:
        code = f"sim-{index:03d}"
        waits = []
        with client(city.url, certificates[index], pki.ca_directory / "ca.pem", timeout=60.0) as http:
            ready.wait()
            for first in range(0, len(day), BATCH):
                batch = day[first : first + BATCH]
                started = time.perf_counter()
                response = http.post("/city/api/ingest", json={"hall": code, "head_seq": len(day), "events": batch})
                waits.append(time.perf_counter() - started)
                if response.status_code != 200:
                    with lock:
                        failures.append(f"{code}: {response.status_code} {response.text[:200]}")
                    return
        with lock:
            ack_waits.extend(waits)

    threads = [threading.Thread(target=replay, args=(index,), daemon=True) for index in range(halls)]
    for thread in threads:
        thread.start()
    ready.wait()
    assert city.process is not None
    city_cpu, pg_cpu, sender_cpu = process_tree_cpu(city.process.pid), PostgresCpu.now(), time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    city_spent = process_tree_cpu(city.process.pid) - city_cpu
    pg_after = PostgresCpu.now()
    pg_spent = pg_after.spent_since(pg_cpu) if pg_after is not None and pg_cpu is not None else float("nan")
    sender_spent = time.process_time() - sender_cpu
    events = halls * per_hall
    lines = [
        f"city side: {halls} simulated halls × {per_hall:,} events (a recorded day: issue, call, start, finish, rate), batches of {BATCH}",
        f"  ingested {events:,} events in {elapsed:.1f} s: {events / elapsed:,.0f} events/s",
        f"  a batch's wait for its ack (the lag a hall sees): p50 {statistics.median(ack_waits) * 1000:.0f} ms  p99 {_percentile(ack_waits, 0.99) * 1000:.0f} ms",
        f"  CPU per event: city process {city_spent / events * 1e6:.0f} µs, PostgreSQL {pg_spent / events * 1e6:.0f} µs, "
        f"sending halls {sender_spent / events * 1e6:.0f} µs (TLS + JSON, this process)",
    ]
    if failures:
        lines.append(f"  FAILED batches: {len(failures)}; first: {failures[0]}")
    return lines


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[tuple[str | None, str]]:
    if url:
        yield url, ""
        return
    cluster_class, reason = _pg_cluster_class()
    if reason:
        yield None, reason
        return
    cluster = cluster_class(max_connections=300).start()
    try:
        yield cluster.create_database("hallq_city_bench"), ""
    finally:
        cluster.stop()


def main(args: argparse.Namespace) -> str:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    _pg_cluster_class()  # puts the source checkout's tests package first on the path
    from tests.support.city import CityPki, CityProcess, client
    from tests.support.pg import free_port

    quick = bool(getattr(args, "quick", False))
    halls, per_hall = (10, 2_000) if quick else (int(getattr(args, "halls", 0) or 50), 4_000)
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-city-"))
    lines = [f"hallq bench city  ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"]
    try:
        with _postgres(getattr(args, "database", None)) as (url, reason):
            if url is None:
                return f"hallq bench city: skipped, PostgreSQL: {reason}"
            pki = CityPki(workdir / "pki")
            console = pki.console()
            city = CityProcess(url, pki.ca_directory, free_port(), workdir / "city.log").start(console)
            try:
                lines += hall_side(workdir, city.url, pki.hall("bench-large-hall"), quick)
                lines += city_side(city, pki, client, halls, per_hall)
            finally:
                city.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return "\n".join(lines)
