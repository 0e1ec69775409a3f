"""``hallq server --workers N``: several processes share one port on PostgreSQL and keep the
invariants under concurrent issuers and counters; SQLite refuses more than one process."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.runner import prepare_hall
from tests.server.conftest import HallDriver, unique_name
from tests.server.invariants import check_numbering, check_service
from tests.server.test_concurrency import ISSUERS, TICKETS_PER_ISSUER, drain, run_hall, thirty_counters
from tests.support.halls import REPO, always_open, write_always_open_sample
from tests.support.pg import PgCluster, free_port


def _hallq_server(database: str, port: int, workers: int, config: Path | None, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "hallq", "server", "--database", database, "--port", str(port), "--workers", str(workers)]
    if config is not None:
        command += ["--config", str(config)]
    with open(log, "ab") as out:
        return subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=out, stderr=subprocess.STDOUT)


def _worker_pids(supervisor: int) -> list[int]:
    """The supervisor's children that serve requests (multiprocessing also starts a resource tracker)."""
    found = subprocess.run(["pgrep", "-P", str(supervisor)], capture_output=True, text=True).stdout.split()
    workers = []
    for pid in found:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            workers.append(int(pid))
    return workers


@pytest.fixture
def workers_server(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[tuple[HallDriver, subprocess.Popen[bytes]]]:
    url = pg_cluster.create_database(unique_name("workers"))
    hall = prepare_hall(url, always_open())
    port = free_port()
    log = tmp_path / "server.log"
    process = _hallq_server(url, port, 2, write_always_open_sample(tmp_path / "hall.toml"), log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200 and len(_worker_pids(process.pid)) >= 2:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "hallq server --workers 2 did not start"
            time.sleep(0.05)
        driver = HallDriver(hall, [f"http://127.0.0.1:{port}"])
        yield driver, process
        driver.close_clients()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)
        hall.engines.dispose()


@pytest.mark.postgres
def test_two_workers_on_one_port_keep_the_invariants(workers_server: tuple[HallDriver, subprocess.Popen[bytes]]) -> None:
    driver, process = workers_server
    assert len(_worker_pids(process.pid)) == 2
    clerks = thirty_counters(driver)
    kiosk_tokens = [driver.token("kiosk", f"kiosk {i}") for i in range(10)]
    issuers = [driver.client(kiosk_tokens[i % 10]) for i in range(ISSUERS)]
    start_seq = driver.manager.snapshot()["seq"]

    rec = run_hall(issuers, clerks, random.Random(5))
    assert not rec.failures, rec.failures[:10]
    drain(*clerks[-1], rec)

    check_numbering(driver.engines, driver.hall.hall_id, rec.issued)
    assert check_service(driver.engines, driver.hall.hall_id, rec.calls) == {"done": ISSUERS * TICKETS_PER_ISSUER}
    seqs = [e["seq"] for e in driver.store.events_after(driver.hall.hall_id, start_seq, 1_000_000)]
    assert seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs))) and seqs, "events numbered without gaps"


def test_sqlite_runs_one_process(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'hall.db'}"
    process = _hallq_server(database, free_port(), 2, None, tmp_path / "server.log")
    assert process.wait(60) == 2
    message = (tmp_path / "server.log").read_text(errors="replace")
    assert "PostgreSQL" in message and "多个服务进程" in message
    assert not (tmp_path / "hall.db").exists(), "refused before touching the database"
