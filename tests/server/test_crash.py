"""kill -9 of ``hallq server`` in the middle of issuing: after a restart on the same database
every ticket that was answered is there, and numbering goes on with no gap and no repeat."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from server.client import ApiError, HallClient, Offline
from server.runner import prepare_hall
from tests.server.conftest import fresh_database
from tests.server.invariants import check_numbering
from tests.support.halls import ServerProcess, always_open, write_always_open_sample

SERIES = ["A", "B", "C"]
THREADS = 6


def issue_until_offline(url: str, token: str, series: str, answered: list[dict[str, Any]], lock: threading.Lock) -> None:
    client = HallClient(url, token, timeout=10)
    try:
        while True:
            try:
                ticket = client.issue(series)
            except Offline:
                return  # the server is gone
            except ApiError as error:
                if error.code == "busy":
                    continue
                raise
            with lock:
                answered.append(ticket)
    finally:
        client.close()


def test_kill_9_mid_load_loses_no_answered_ticket(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> None:
    url = fresh_database(request, backend, tmp_path)
    hall = prepare_hall(url, always_open())
    token = str(hall.store.enroll_device(None, hall.hall_id, "kiosk", "crash kiosk")["token"])
    config = write_always_open_sample(tmp_path / "hall.toml")

    server = ServerProcess(url, config, log_path=tmp_path / "server-1.log").start()
    answered: list[dict[str, Any]] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=issue_until_offline, args=(server.url, token, SERIES[i % len(SERIES)], answered, lock))
        for i in range(THREADS)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(answered) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()  # SIGKILL mid-load: requests are in flight
        for thread in threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        assert len(answered) >= 60, f"only {len(answered)} tickets before the deadline; see {server.log_path}"

        restarted = ServerProcess(url, config, log_path=tmp_path / "server-2.log").start()
        try:
            per_series = check_numbering(hall.engines, hall.hall_id, answered)
            kiosk = HallClient(restarted.url, token)
            for series in SERIES:
                count = sum(n for (_day, s), n in per_series.items() if s == series)
                after = kiosk.issue(series)
                assert after["number"] == f"{series}{count + 1:03d}", (
                    f"after the crash {series} went on with {after['number']}, not {count + 1}"
                )
                answered.append(after)
            kiosk.close()
            check_numbering(hall.engines, hall.hall_id, answered)
        finally:
            restarted.stop()
    finally:
        server.kill()
        hall.engines.dispose()
