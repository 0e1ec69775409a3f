"""Faults of the machine under a running hall server, on a real small tmpfs holding the SQLite
database (tests/support/small_fs.py): the disk fills up (the kernel's ENOSPC), the database
turns read-only (SQLite's SQLITE_READONLY, see ``read_only_database``). Issuing stops with a 503 naming the fault in both languages (kiosks show 暂停取号,
every program keeps the server's message), the manager gets an alert, nothing acknowledged is
lost, and the same request (same idempotency key) succeeds once the fault is cleared."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from hall.clock import FakeClock
from hall.maintenance import maintenance_alerts
from server.client import HallClient, Offline
from tests.server.conftest import HallServer
from tests.support import small_fs
from tests.support.halls import TUESDAY_10AM

pytestmark = pytest.mark.skipif(small_fs.unavailable_reason() is not None, reason=str(small_fs.unavailable_reason()))


@pytest.fixture
def disk() -> Iterator[small_fs.SmallFilesystem]:
    with small_fs.small_filesystem(8192) as filesystem:
        yield filesystem


@pytest.fixture
def server(disk: small_fs.SmallFilesystem) -> Iterator[HallServer]:
    hall_server = HallServer(f"sqlite:///{disk.path}/hall.db", "sqlite", clock=FakeClock(TUESDAY_10AM))
    yield hall_server
    hall_server.close()


def _issue_until_refused(kiosk: HallClient, acknowledged: list[str], limit: int = 3000) -> tuple[Offline, str]:
    """Issues until the server refuses; every answered ticket is acknowledged to a citizen."""
    for _ in range(limit):
        key = kiosk.new_key()
        try:
            acknowledged.append(kiosk.issue("A", key=key)["number"])
        except Offline as refused:
            return refused, key
    raise AssertionError(f"{limit} tickets issued and no fault")


def _numbers_on_disk(database: Path) -> set[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return {f"{series}{number:03d}" for series, number in connection.execute("SELECT series, number FROM tickets")}


def _check_fault(server: HallServer, refused: Offline, code: str, zh: str, en: str) -> None:
    assert refused.status == 503 and refused.code == code
    assert zh in refused.zh and "暂停取号" in refused.zh and en in refused.en
    maintenance = server.manager.maintenance()  # reads still work: the console can be told
    assert maintenance["storage_fault"]["code"] == code
    alerts = maintenance_alerts(maintenance, server.clock.now())
    assert alerts and alerts[0].key == f"storage:{code}" and zh in alerts[0].message.zh


def test_disk_full_pauses_issuing_and_loses_nothing(server: HallServer, disk: small_fs.SmallFilesystem) -> None:
    kiosk = server.kiosk()
    acknowledged = [kiosk.issue("A")["number"] for _ in range(3)]
    disk.fill()
    refused, key = _issue_until_refused(kiosk, acknowledged)
    _check_fault(server, refused, "disk_full", "磁盘已满", "disk is full")
    with pytest.raises(Offline):  # still full: still refused, the same way
        kiosk.issue("A", key=key)

    disk.free()
    resumed = kiosk.issue("A", key=key)  # the kiosk resends the same request
    acknowledged.append(resumed["number"])
    assert server.manager.maintenance()["storage_fault"] is None
    assert set(acknowledged) <= _numbers_on_disk(disk.path / "hall.db")
    assert len(set(acknowledged)) == len(acknowledged)


@contextmanager
def read_only_database(server: HallServer) -> Iterator[None]:
    """Every write connection of the running server turned read-only with SQLite's own
    ``PRAGMA query_only``: writes fail with SQLITE_READONLY ("attempt to write a readonly
    database"), the error a read-only file gives. (Remounting the tmpfs read-only under a running
    server is refused while SQLite holds its files open for writing, so the fault is injected one
    layer up, in SQLite, not in hallq.)"""
    engine = server.engines.write

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA query_only={'ON' if state['read_only'] else 'OFF'}")

    state = {"read_only": True}
    event.listen(engine, "checkout", on_checkout)
    try:
        yield
    finally:
        state["read_only"] = False  # the next checkout of each connection makes it writable again


def test_read_only_database_pauses_issuing_and_loses_nothing(server: HallServer, disk: small_fs.SmallFilesystem) -> None:
    kiosk = server.kiosk()
    acknowledged = [kiosk.issue("A")["number"] for _ in range(3)]
    with read_only_database(server):
        refused, key = _issue_until_refused(kiosk, acknowledged)
        _check_fault(server, refused, "database_read_only", "只读", "read-only")
    acknowledged.append(kiosk.issue("A", key=key)["number"])
    assert server.manager.maintenance()["storage_fault"] is None
    assert set(acknowledged) <= _numbers_on_disk(disk.path / "hall.db")
