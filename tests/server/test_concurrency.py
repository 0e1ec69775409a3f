"""Many kiosks and many windows at once against one server: numbers stay unique and gap-free,
no ticket is served twice or lost (DESIGN.md §4), on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from server.client import ApiError, HallClient, Offline
from tests.server.conftest import HallServer
from tests.server.invariants import check_numbering, check_service

ISSUERS = 50
TICKETS_PER_ISSUER = 3
COUNTERS = 30
TIME_LIMIT = 90.0
SAMPLE_SERIES = ["A", "B", "C", "D", "E", "F", "G", "H", "J"]
RETRYABLE = {"busy", "conflict"}


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.finished: list[dict[str, Any]] = []
        self.retries: Counter[str] = Counter()
        self.failures: list[str] = []

    def add(self, bucket: list[dict[str, Any]], item: dict[str, Any]) -> None:
        with self.lock:
            bucket.append(item)

    def retry(self, what: str) -> None:
        with self.lock:
            self.retries[what] += 1

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)


def issue_with_retry(kiosk: HallClient, series: str, rec: Recorder, deadline: float) -> dict[str, Any] | None:
    """Issue once; transient failures are retried with the same idempotency key."""
    key = HallClient.new_key()
    while time.monotonic() < deadline:
        try:
            return kiosk.issue(series, key=key)
        except Offline:
            rec.retry("issue offline")
        except ApiError as error:
            if error.code not in RETRYABLE:
                rec.fail(f"issue {series}: {error}")
                return None
            rec.retry(f"issue {error.code}")
        time.sleep(0.01)
    rec.fail("issue: out of time")
    return None


def serve_loop(clerk: HallClient, window: int, rec: Recorder, issuing_done: threading.Event, deadline: float) -> None:
    """call-next -> start -> finish until the kiosks are done and nobody is left waiting."""
    idle = 0
    while time.monotonic() < deadline:
        try:
            called = clerk.call_next(window)
        except ApiError as error:
            if error.code in RETRYABLE:
                rec.retry(f"call {error.code}")
                continue
            rec.fail(f"call at {window}: {error}")
            return
        if called["ticket"] is None:
            idle += 1
            if issuing_done.is_set() and idle >= 3:
                return
            time.sleep(0.1)  # an empty call-next is still a write transaction: do not hammer the lock
            continue
        idle = 0
        rec.add(rec.calls, called)
        try:
            clerk.start(window)
            rec.add(rec.finished, clerk.finish(window, "immediate"))
        except ApiError as error:
            rec.fail(f"serve {called['ticket']['number']} at {window}: {error}")
            return
    rec.fail(f"window {window}: out of time")


def run_hall(issuer_clients: list[HallClient], clerks: list[tuple[HallClient, int]], rng: random.Random) -> Recorder:
    rec = Recorder()
    issuing_done = threading.Event()
    deadline = time.monotonic() + TIME_LIMIT
    start = threading.Barrier(len(issuer_clients) + len(clerks))

    def issuer(kiosk: HallClient, seed: int) -> None:
        local = random.Random(seed)
        start.wait()
        for _ in range(TICKETS_PER_ISSUER):
            result = issue_with_retry(kiosk, local.choice(SAMPLE_SERIES), rec, deadline)
            if result is not None:
                rec.add(rec.issued, result)

    def counter(clerk: HallClient, window: int) -> None:
        start.wait()
        serve_loop(clerk, window, rec, issuing_done, deadline)

    issuers = [threading.Thread(target=issuer, args=(k, rng.random())) for k in issuer_clients]
    counters = [threading.Thread(target=counter, args=c) for c in clerks]
    for thread in issuers + counters:
        thread.start()
    for thread in issuers:
        thread.join()
    issuing_done.set()
    for thread in counters:
        thread.join()
    return rec


def drain(clerk: HallClient, window: int, rec: Recorder) -> None:
    """A last sweep at an all-categories window (PostgreSQL's SKIP LOCKED may make a busy
    counter see an empty queue while another transaction holds the head)."""
    while True:
        called = clerk.call_next(window)
        if called["ticket"] is None:
            return
        rec.add(rec.calls, called)
        clerk.start(window)
        rec.add(rec.finished, clerk.finish(window, "immediate"))


def thirty_counters(hs: HallServer) -> list[tuple[HallClient, int]]:
    """The sample hall's 20 windows (20 starts closed) plus 10 new all-category windows, each
    with a clerk logged in through its counter."""
    hs.manager.open_window(20, "test")
    hs.add_windows(range(21, 31), SAMPLE_SERIES)
    with ThreadPoolExecutor(8) as pool:  # PIN hashing (argon2) is slow on purpose: do it in parallel
        list(pool.map(hs.add_clerk, [f"20{n}" for n in range(21, 31)]))
        return list(pool.map(lambda n: (hs.clerk(n) if n <= 20 else hs.clerk(n, f"20{n}"), n), range(1, COUNTERS + 1)))


def test_concurrent_issue_and_service(hall_server: HallServer) -> None:
    hs = hall_server
    clerks = thirty_counters(hs)
    kiosk_tokens = [hs.token("kiosk", f"kiosk {i}") for i in range(10)]
    issuers = [hs.client(kiosk_tokens[i % len(kiosk_tokens)]) for i in range(ISSUERS)]

    rec = run_hall(issuers, clerks, random.Random(7))
    assert not rec.failures, rec.failures[:10]
    drain(*clerks[-1], rec)

    assert len(rec.issued) == ISSUERS * TICKETS_PER_ISSUER
    per_series = check_numbering(hs.engines, hs.hall.hall_id, rec.issued)
    assert sum(per_series.values()) == ISSUERS * TICKETS_PER_ISSUER  # nothing issued beyond the responses
    statuses = check_service(hs.engines, hs.hall.hall_id, rec.calls)
    # Every issued ticket was called exactly once and finished: none lost, none served twice.
    assert statuses == {"done": ISSUERS * TICKETS_PER_ISSUER}, statuses
    assert sorted(c["ticket"]["id"] for c in rec.calls) == sorted(r["id"] for r in rec.issued)
    assert len({f["service_id"] for f in rec.finished}) == len(rec.finished) == len(rec.issued)

    # ... and the API agrees with the database.
    snapshot = hs.manager.snapshot()
    assert all(c["waiting"] == 0 for c in snapshot["categories"])
    assert all(w["current"] is None for w in snapshot["windows"])
    for issued in random.Random(1).sample(rec.issued, 5):
        assert hs.manager.ticket(issued["id"])["status"] == "done"
