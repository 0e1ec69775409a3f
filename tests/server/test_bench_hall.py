"""The benchmark's large hall: built in code, it imports, and its bulk preload leaves numbering
that issuing continues without a gap."""

from __future__ import annotations

from pathlib import Path

from hallq.bench_server import CATEGORIES, WINDOWS, large_hall, preload_waiting, series_names
from server.runner import prepare_hall
from tests.server.invariants import check_numbering, check_service


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
