"""``hallq bench reports`` end to end, shrunk to a week of a small hall so it stays a smoke test:
it seeds (and caches) the history, builds the rollups, times every report on SQLite (and on
PostgreSQL when a cluster can be started) and prints one line per report."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from hall.reports import Dimension
from hall.text import HallRuleError
from tests.support.pg import PgCluster, unavailable_reason
from workbench.bench import reports as bench_reports


def test_quick_bench_times_every_report_and_reuses_its_cached_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_reports, "QUICK", bench_reports.BenchSize(days=7, per_day=200))
    cache = tmp_path / "cache"
    args = argparse.Namespace(quick=True, database=None, cache_dir=str(cache))

    output = bench_reports.main(args)

    backends = ["sqlite"] + ([] if unavailable_reason() else ["postgres"])
    for backend in backends:
        assert re.search(rf"^{backend}: first refresh_rollups \(one-off build of [1-9]\d* days\): [\d.]+ s$", output, re.M), output
        lines = [line for line in output.splitlines() if line.startswith(f"{backend} ") and re.search(r"(met|NOT met)$", line)]
        names = [line.split()[1:4] for line in lines]
        assert len(lines) == len(Dimension) + 4, output
        for dimension in Dimension:
            assert ["7", "days", "by"] in names and any(line.split()[4] == dimension.value for line in lines), (dimension, output)
        by_hall = next(line for line in lines if line.split()[4] == "hall")
        assert by_hall.split()[5] == "1"  # one row for the whole hall
        records = next(line for line in lines if "好差评" in line)
        assert int(records.split()[5]) > 0
    assert "reports under 2 s" in output
    assert len(list(cache.glob("reports-bench-7d-200pd-*.db"))) == 1 and not list(cache.glob("*building*"))

    again = bench_reports.main(args)
    assert f"history cached at {cache}" in again


def test_bench_reuses_a_postgresql_that_holds_the_same_history_and_refuses_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_cluster: PgCluster
) -> None:
    """With --database the lead seeds PostgreSQL once and re-runs the bench: the second run finds the same tickets
    per day as the cached SQLite history and skips seeding; a database holding another history is refused."""
    monkeypatch.setattr(bench_reports, "QUICK", bench_reports.BenchSize(days=3, per_day=100))
    url = pg_cluster.create_database("bench_reports_reuse")
    args = argparse.Namespace(quick=True, database=url, cache_dir=str(tmp_path / "cache"))

    first = bench_reports.main(args)
    assert re.search(r"^postgres: [\d,]+ tickets; history seeded in \d+ s", first, re.M), first

    again = bench_reports.main(args)
    tickets = re.search(r"^postgres: ([\d,]+) tickets;", again, re.M)
    assert tickets is not None, again
    assert f"history already in the database, seeding skipped ({tickets.group(1)} tickets on " in again
    assert "same tickets per day as the cached SQLite history" in again
    assert len([line for line in again.splitlines() if line.startswith("postgres ") and line.endswith("met")]) == len(Dimension) + 4

    other = pg_cluster.create_database("bench_reports_other")
    smaller = bench_reports.BenchSize(days=3, per_day=60)
    bench_reports.seed_into(other, bench_reports.bench_hall(smaller), smaller, lambda _line: None)
    with pytest.raises(HallRuleError) as refused:
        bench_reports.main(argparse.Namespace(quick=True, database=other, cache_dir=str(tmp_path / "cache")))
    assert refused.value.code == "history_differs"
