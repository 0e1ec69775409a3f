"""`hallq bench booking`: how heavy and how quick the citizens' booking pages are, and how long
200 confirmations at once for one slot's last 10 places take.

A hall server runs in-process on 127.0.0.1 (SQLite in a temp dir, the sample hall, its clock on
a Tuesday 10:00) with the rate limits opened for the bench. Figures: each page's bytes (no
compression: what a weak connection carries) and its p50 / p99 over repeated requests; then the
burst: 200 pending requests confirmed on 200 threads at once, its wall time, how many were
booked (must be 10) and refused. Printed, never asserted (DESIGN.md §7). Client and server share
one Python process, so the times are a pessimistic bound.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from hall.clock import FakeClock
from hardware.speech.bench import percentile
from server.booking.verification import SENT_FILE_VARIABLE
from server.limits import Limits
from server.runner import ServerThread, prepare_hall

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the sample hall
OPEN = Limits(public_rate=(1e6, 1_000_000), booking_request_rate=(1e6, 1_000_000))


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Every call on its own thread, released together by a barrier; each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:  # reported in the figures as neither booked nor full
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main(args: argparse.Namespace) -> str:
    repeats = 10 if getattr(args, "quick", False) else 50
    with tempfile.TemporaryDirectory(prefix="hallq-bench-booking-") as work:
        sent = Path(work) / "sent.jsonl"
        os.environ[SENT_FILE_VARIABLE] = str(sent)
        hall = prepare_hall(f"sqlite:///{Path(work) / 'hall.db'}", clock=FakeClock(START), synchronous="NORMAL")
        server = ServerThread(hall.store, limits=OPEN).start()
        lines = ["booking pages (SQLite, sample hall, one process; bytes uncompressed):"]
        phones = iter(range(10_000))
        try:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                pages = {
                    "items /b": lambda: http.get("/b"),
                    "days": lambda: http.get("/b/i/C02"),
                    "slots": lambda: http.get("/b/i/C02/2026-11-17"),
                    "details form": lambda: http.get("/b/i/C02/2026-11-17/1400"),
                    "request (code sent)": lambda: http.post(
                        "/b/request",
                        data={"item": "D01", "day": "2026-11-17", "start": "1400", "name": "张三", "phone": f"1370000{next(phones):04d}"},
                    ),
                }
                for name, fetch in pages.items():
                    times, size = [], 0
                    for _ in range(repeats):
                        began = time.perf_counter()
                        response = fetch()
                        times.append((time.perf_counter() - began) * 1000)
                        size = len(response.content)
                    lines.append(f"  {name:20s} {size:6d} B   p50 {percentile(times, 50):6.1f} ms   p99 {percentile(times, 99):6.1f} ms")
                lines.append(burst(http, hall, sent))
        finally:
            server.stop()
            hall.engines.dispose()
            os.environ.pop(SENT_FILE_VARIABLE, None)
    return "\n".join(lines)


def burst(http: httpx.Client, hall: object, sent: Path) -> str:
    """200 confirmations at once for the last 10 places of 户籍 G at 14:30 (1-minute services)."""
    store, hall_id = hall.store, hall.hall_id  # type: ignore[attr-defined]
    manager = store.authenticate(store.enroll_device(None, hall_id, "manager", "bench", None)["token"])
    store.upsert_category(manager, "G", {"expected_service_minutes": 1.0})
    form = {"item": "G01", "day": "2026-11-17", "start": "1430", "name": "钱七"}
    tokens = []
    for n in range(220):
        page = http.post("/b/request", data={**form, "phone": f"1591111{n:04d}"})
        tokens.append(re.search(r'name="request" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    codes = {json.loads(line)["phone"][-4:]: json.loads(line)["code"] for line in sent.read_text().splitlines()}
    for n in range(20):
        http.post("/b/verify", data={"request": tokens[n], "code": codes[f"{n:04d}"]})
    clients = [httpx.Client(base_url=str(http.base_url), timeout=60) for _ in range(200)]
    began = time.perf_counter()
    outcomes = at_once(
        [lambda c=c, n=n: c.post("/b/verify", data={"request": tokens[n], "code": codes[f"{n:04d}"]}) for n, c in enumerate(clients, 20)]
    )
    took = time.perf_counter() - began
    for client in clients:
        client.close()
    booked = sum(1 for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 200)
    full = sum(1 for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 409)
    return f"burst: 200 confirmations at once for the last 10 places: {took:.2f} s wall, {booked} booked, {full} told the slot is full"
