"""The soak's view of the backup folder, while the server's retention works in it."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.soak.measure import _still_there, backups_in


def _backup(folder: Path, name: str, size: int, mtime: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    path.with_suffix(".json").write_text("{}")
    os.utime(path, (mtime, mtime))
    return path


def test_the_newest_backup_is_the_last_written_and_a_record_without_its_backup_is_left_over(tmp_path: Path) -> None:
    _backup(tmp_path, "hallq-20270301-023000.db", 100, 1_000)
    _backup(tmp_path, "hallq-20270302-023000.db", 300, 2_000)
    (tmp_path / "scheduled-since").write_text("")
    (tmp_path / "hallq-20270228-023000.json").write_text("{}")

    found = backups_in(tmp_path)

    assert (found.newest, found.count, found.newest_bytes, found.total_bytes) == ("hallq-20270302-023000.db", 2, 300, 400)
    assert found.stray == ["hallq-20270228-023000.json"]


def test_a_backup_removed_after_it_was_listed_is_skipped_not_an_error(tmp_path: Path) -> None:
    kept = _backup(tmp_path, "hallq-20270302-023000.db", 10, 2_000)
    removed = tmp_path / "hallq-20270301-023000.db"  # listed by glob, then deleted by retention

    assert list(_still_there([removed, kept])) == [(2_000, kept)]
