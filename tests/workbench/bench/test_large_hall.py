"""The benchmark's large hall: built in code, it imports, and its bulk preload leaves numbering
that issuing continues without a gap."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.runner import prepare_hall
from tests.server.invariants import check_numbering, check_service
from tests.support.pg import PgCluster
from workbench.bench.large_hall import CATEGORIES, WINDOWS, large_hall, preload_waiting, series_names


def test_large_hall_preload_then_issue_continues_numbering(tmp_path: Path) -> None:
    from db.security import hash_pin

    config = large_hall(hash_pin("246810"))
    assert len(config.windows) == WINDOWS and len(config.categories) == CATEGORIES and len(config.clerks) == WINDOWS
    assert len(set(series_names(CATEGORIES))) == CATEGORIES
    hall = prepare_hall(f"sqlite:///{tmp_path / 'bench.db'}", config)
    try:
        preload_waiting(hall, 300)
        kiosk = hall.store.authenticate(hall.store.enroll_device(None, hall.hall_id, "kiosk", "k")["token"])
        issued = [hall.store.issue_ticket(kiosk, "A"), hall.store.issue_ticket(kiosk, "AD")]
        assert [t["number"] for t in issued] == ["A011", "AD011"]  # 300 tickets over 30 series: 10 each
        per_series = check_numbering(hall.engines, hall.hall_id, issued)
        assert sum(per_series.values()) == 302
        assert check_service(hall.engines, hall.hall_id) == {"waiting": 302}
    finally:
        hall.engines.dispose()


def test_postgres_cpu_counts_a_backend_that_ended_with_only_its_time_in_the_phase() -> None:
    from workbench.bench.cpu import PostgresCpu

    before = PostgresCpu({1: 5.0, 2: 3.0, 3: 1.0}, reaped=10.0)
    # Backend 2 ended after 0.5 s more (3.5 s in all, now in the postmaster's reaped count);
    # backend 4 started during the phase.
    after = PostgresCpu({1: 6.0, 3: 1.5, 4: 0.5}, reaped=13.5)
    assert after.spent_since(before) == 1.0 + 0.5 + 0.5 + 0.5


@pytest.mark.postgres
def test_postgres_cpu_reads_the_running_cluster(pg_cluster: PgCluster) -> None:
    import psycopg

    from workbench.bench.cpu import PostgresCpu

    before = PostgresCpu.now()
    assert before is not None and len(before.processes) >= 2  # the postmaster and its helpers
    # A connection of its own that works and then ends: its backend's time must show.
    with psycopg.connect(pg_cluster.url(driver="postgresql")) as connection:
        connection.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
    # The postmaster reaps the ended backend a moment after the connection closes.
    deadline = time.monotonic() + 5
    while (after := PostgresCpu.now()) is not None and after.reaped == before.reaped and time.monotonic() < deadline:
        time.sleep(0.05)
    assert after is not None and after.spent_since(before) > 0.05
