"""Alembic migrations: a fresh database gets every table; upgrading again changes nothing and
keeps every row; the migrated schema matches the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from db.engine import SQLITE_JOURNAL_SIZE_LIMIT_BYTES, Engines, make_engines
from db.models import Base, Category, Hall, Item, Window, WindowCategory
from db.schema import _hours_json, _rules_json, import_hall, upgrade
from db.store import hours_from_json, rules_from_json
from hall.config import HallConfig, parse_config
from tests.db.conftest import HallEnv

TINY = parse_config(
    {
        "hall": {"code": "tiny", "name_zh": "小厅"},
        "categories": [{"series": "A", "name_zh": "甲", "items": [{"code": "A01", "name_zh": "一"}]}],
        "windows": [{"number": 1, "name_zh": "一号", "primary": ["A"]}],
    }
)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Engines]:
    made = make_engines(f"sqlite:///{tmp_path}/fresh.db", synchronous="NORMAL")
    yield made
    made.dispose()


def test_upgrade_creates_every_table(engines: Engines) -> None:
    upgrade(engines)
    tables = set(inspect(engines.write).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    with engines.write.connect() as connection:
        # head: the city downlink
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0018"


def test_migrated_schema_matches_the_models(engines: Engines) -> None:
    upgrade(engines)
    with engines.write.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_partial_unique_indexes_exist(engines: Engines) -> None:
    upgrade(engines)
    inspector = inspect(engines.write)
    unique = {
        index["name"]
        for table in ("tickets", "services", "pauses", "clerk_sessions")
        for index in inspector.get_indexes(table)
        if index["unique"]
    }
    assert {"one_ticket_at_window", "one_open_service_per_ticket", "one_open_pause_per_window", "one_clerk_per_window", "one_window_per_clerk"} <= unique


def test_upgrade_twice_is_a_no_op_and_keeps_rows(engines: Engines) -> None:
    upgrade(engines)
    hall_id = import_hall(engines, TINY)
    with Session(engines.write) as session, session.begin():
        session.get(Hall, hall_id).event_seq = 7  # type: ignore[union-attr]
    upgrade(engines)
    upgrade(engines)
    assert import_hall(engines, TINY) == hall_id  # importing again finds the hall
    with Session(engines.read) as session:
        assert session.scalar(select(func.count()).select_from(Hall)) == 1
        assert session.get(Hall, hall_id).event_seq == 7  # type: ignore[union-attr]
        assert session.scalars(select(Category.series)).all() == ["A"]
        assert session.scalars(select(Item.code)).all() == ["A01"]
        assert session.scalars(select(Window.number)).all() == [1]
        assert session.scalar(select(func.count()).select_from(WindowCategory)) == 1


def test_upgrade_on_a_new_directory(tmp_path: Path) -> None:
    made = make_engines(f"sqlite:///{tmp_path}/deeper/still/hall.db")
    try:
        upgrade(made)
        assert (tmp_path / "deeper" / "still" / "hall.db").exists()
    finally:
        made.dispose()


def test_sqlite_pragmas(engines: Engines) -> None:
    upgrade(engines)
    with engines.write.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA soft_heap_limit").scalar() == 24 << 20  # the pool's caches together
        assert connection.exec_driver_sql("PRAGMA journal_size_limit").scalar() == SQLITE_JOURNAL_SIZE_LIMIT_BYTES


def test_a_wal_grown_behind_a_long_reader_is_cut_back_afterwards(tmp_path: Path) -> None:
    """A reader holding its snapshot stops checkpoints from starting the WAL over, so it grows past
    the limit; once the reader is gone and a checkpoint ran, the next write cuts the file back."""
    made = make_engines(f"sqlite:///{tmp_path}/hall.db")
    wal = tmp_path / "hall.db-wal"
    try:
        with made.write.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE filler (blob BLOB)")
        with made.read.begin() as reader:
            reader.exec_driver_sql("SELECT count(*) FROM filler").scalar()   # the snapshot is held from here
            for _ in range(24):
                with made.write.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO filler VALUES (randomblob(1048576))")
            assert wal.stat().st_size > SQLITE_JOURNAL_SIZE_LIMIT_BYTES
        raw = made.write.raw_connection()   # outside a transaction, as SQLite's autocheckpoint runs
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            raw.close()
        with made.write.begin() as connection:
            connection.exec_driver_sql("INSERT INTO filler VALUES (x'00')")
        assert wal.stat().st_size <= SQLITE_JOURNAL_SIZE_LIMIT_BYTES
    finally:
        made.dispose()


def test_hours_and_rules_survive_the_database(sample_hall: HallConfig) -> None:
    # stored as JSON on the hall row, read back through the same parser
    assert hours_from_json(_hours_json(sample_hall)) == sample_hall.hours
    assert rules_from_json(_rules_json(sample_hall)) == sample_hall.rules


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        make_engines("mysql://localhost/hall")


def _migrate(engines: Engines, revision: str, down: bool = False) -> None:
    """``upgrade`` to (or ``downgrade`` to) one revision, as db.schema.upgrade runs Alembic."""
    from alembic import command

    from db.schema import alembic_config

    config = alembic_config(engines.url)
    with engines.write.connect() as connection:
        if engines.is_sqlite:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
        if not engines.is_sqlite:
            connection.commit()
    engines.dispose()  # pooled connections may hold statements prepared for the old columns


def test_0005_marks_existing_call_backs_and_forgets_rollups(hall_env: HallEnv) -> None:
    """A hall upgraded from 0004: the service that called back a parked ticket is marked as no
    queue wait, the others are not, and the report rollups are built again by the new rule."""
    from datetime import timedelta

    from db.models import ReportDay, ReportRollup, Service
    from db.reports.queries import ReportQueries
    from hall.reports import ReportRequest

    store, clerk = hall_env.store, hall_env.clerk(1)
    parked = store.issue_ticket(hall_env.kiosk, "A")
    store.issue_ticket(hall_env.kiosk, "A")
    store.call_next(clerk, 1)
    store.park(clerk, 1)
    store.call_next(clerk, 1)  # the other ticket: a plain call
    store.start(clerk, 1)
    store.finish(clerk, 1, "immediate")
    store.call_back(clerk, 1, parked["id"])
    store.start(clerk, 1)
    store.finish(clerk, 1, "immediate")
    day = hall_env.clock.now().date()
    hall_env.clock.advance(timedelta(days=1))
    store.issue_ticket(hall_env.kiosk, "A")  # closes the day
    ReportQueries(store).report(hall_env.hall_id, ReportRequest(day - timedelta(days=1), day + timedelta(days=1)))
    engines = hall_env.hall.engines
    with Session(engines.read) as session:
        assert session.scalar(select(func.count()).select_from(ReportRollup)) > 0

    _migrate(engines, "0004", down=True)
    _migrate(engines, "head")

    with Session(engines.read) as session:
        marks = session.execute(select(Service.ticket_id, Service.end_reason, Service.queue_wait).order_by(Service.id)).all()
        assert session.scalar(select(func.count()).select_from(ReportRollup)) == 0
        assert session.scalar(select(func.count()).select_from(ReportDay)) == 0
    assert [(ticket == parked["id"], reason, wait) for ticket, reason, wait in marks] == [
        (True, "parked", True),
        (False, "finished", True),
        (True, "finished", False),  # the call-back
    ]
