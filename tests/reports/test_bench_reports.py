"""``hallq bench reports`` end to end, shrunk to a week of a small hall so it stays a smoke test:
it seeds (and caches) the history, builds the rollups, times every report on SQLite (and on
PostgreSQL when a cluster can be started) and prints one line per report."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from hall.reports import Dimension
from hallq import bench_reports
from tests.support.pg import unavailable_reason


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
