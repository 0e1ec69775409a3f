"""Backups and restores on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore):
backup while the hall runs, the hall keeps issuing, restore, and the hall resumes with every
ticket the backup held and numbers that continue from it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db import backup as backups
from db.models import Ticket
from hall.text import HallRuleError
from server.runner import prepare_hall
from tests.db.conftest import HallEnv
from tests.support.pg import find_bindir


def _numbers(env: HallEnv) -> list[str]:
    with env.session() as session:
        return sorted(t.number for t in session.scalars(select(Ticket).where(Ticket.hall_id == env.hall_id)))


def test_backup_restore_and_the_hall_resumes(hall_env: HallEnv, tmp_path: Path) -> None:
    env = hall_env
    for _ in range(5):
        env.issue("A")
    backed_up = _numbers(env)
    record = backups.backup(env.hall.engines.url, tmp_path / "backups", env.clock.now(), pg_bindir=find_bindir())
    assert record.tickets == len(backed_up) == 5
    assert Path(record.path).exists() and backups.latest(tmp_path / "backups") == record

    # The hall keeps working after the backup; these tickets are newer than the backup.
    for _ in range(3):
        env.issue("A")
    assert len(_numbers(env)) == 8

    url = env.hall.engines.url
    env.hall.engines.dispose()  # the server is stopped for a restore
    assert backups.restore(url, Path(record.path), pg_bindir=find_bindir()) == 5

    resumed = prepare_hall(url, env.hall.config, clock=env.clock, synchronous="NORMAL")
    env.hall = resumed
    try:
        assert _numbers(env) == backed_up
        issued = env.issue("A")  # numbering continues from the restored counter: no duplicate
        assert issued["number"] not in backed_up
        assert len(_numbers(env)) == 6
    finally:
        resumed.engines.dispose()


def test_retention_keeps_the_newest(env: HallEnv, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    taken = [backups.backup(env.hall.engines.url, directory, env.clock.now() + timedelta(days=day), keep=3) for day in range(5)]
    assert [r.path for r in backups.records(directory)] == [r.path for r in taken[-3:]]
    assert not Path(taken[0].path).exists()


def test_a_damaged_backup_is_refused(env: HallEnv, tmp_path: Path) -> None:
    record = backups.backup(env.hall.engines.url, tmp_path / "b", env.clock.now())
    damaged = Path(record.path)
    data = bytearray(damaged.read_bytes())
    data[0:16] = b"not a database!!"
    damaged.write_bytes(bytes(data))
    with pytest.raises(HallRuleError) as refused:
        backups.restore(env.hall.engines.url, damaged)
    assert refused.value.code in {"backup_unreadable", "backup_corrupt"}
    assert "备份" in refused.value.message.zh
    # The live database was not touched.
    with sqlite3.connect(env.hall.engines.url.removeprefix("sqlite:///")) as live:
        assert live.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_backup_leaves_nothing_behind_but_itself(env: HallEnv, tmp_path: Path) -> None:
    """Found by the month-long soak: each night left hallq-….db.partial-wal and -shm beside the
    backup (the copy was in WAL mode and its connections were never closed), which retention never
    removed. A backup is now one self-contained file in rollback-journal mode, and its record."""
    directory = tmp_path / "backups"
    taken = [backups.backup(env.hall.engines.url, directory, env.clock.now() + timedelta(days=day), keep=2) for day in range(4)]
    kept = {Path(r.path).name for r in taken[-2:]}
    assert {p.name for p in directory.iterdir()} == kept | {name.replace(".db", ".json") for name in kept}
    with sqlite3.connect(f"file:{taken[-1].path}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
