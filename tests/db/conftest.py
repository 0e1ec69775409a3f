"""A real SQLite hall for every test, fast.

The sample hall is migrated and imported once per session and each test gets its own copy of
the database file. The template stores the clerks' PINs as real argon2 hashes made with the
smallest parameters argon2 allows (verification reads the parameters from the hash), so the
many logins in these tests cost microseconds instead of ~50 ms each; a PIN set through the
store (``upsert_clerk``) still gets the production parameters.
Devices (kiosk, counters, pads, manager) are enrolled for real and their tokens authenticated
the way the server does, so the actors are exactly the ones the API would hand the store.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.common import Actor
from db.config_ops import ConfigStore
from db.models import Clerk, Event, Service, Ticket, Window
from hall.clock import FakeClock
from hall.config import HallConfig
from hall.text import HallRuleError
from server.runner import Hall, prepare_hall
from tests.support.halls import sample_hall_hashed
from tests.support.pg import PgCluster

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 2026-11-17 10:00 Asia/Shanghai


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, sample_hall: HallConfig) -> Path:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    clerks = tuple(replace(c, pin=None, pin_hash=cheap.hash(c.pin or "")) for c in sample_hall.clerks)
    path = tmp_path_factory.mktemp("template") / "hall.db"
    prepared = prepare_hall(f"sqlite:///{path}", replace(sample_hall, clerks=clerks), FakeClock(START), synchronous="NORMAL")
    prepared.engines.dispose()  # the last connection checkpoints the WAL into the file
    return path


@dataclass
class HallEnv:
    """The prepared hall plus enrolled devices and helpers to look at rows."""

    hall: Hall
    clock: FakeClock
    _devices: dict[tuple[str, int | None], Actor] = field(default_factory=dict)

    @property
    def store(self) -> ConfigStore:
        return self.hall.store

    @property
    def hall_id(self) -> int:
        return self.hall.hall_id

    # ------------------------------------------------------------ actors

    def device(self, role: str, window: int | None = None) -> Actor:
        key = (role, window)
        if key not in self._devices:
            token = self.store.enroll_device(None, self.hall_id, role, f"{role}-{window or ''}", window)["token"]
            actor = self.store.authenticate(token)
            assert actor is not None
            self._devices[key] = actor
        return self._devices[key]

    @property
    def kiosk(self) -> Actor:
        return self.device("kiosk")

    @property
    def manager(self) -> Actor:
        return self.device("manager")

    def counter(self, window: int) -> Actor:
        return self.device("counter", window)

    def pad(self, window: int) -> Actor:
        return self.device("pad", window)

    def clerk(self, window: int, staff_no: str | None = None, pin: str | None = None, handover: bool = False) -> Actor:
        """Log a clerk in at ``window`` (sample staff 1001 sits at window 1 ...) and return the
        clerk actor the server would build from the session token."""
        staff_no = staff_no or str(1000 + window)
        token = self.store.login(self.counter(window), staff_no, pin or staff_no, handover=handover)["token"]
        actor = self.store.authenticate(token)
        assert actor is not None and actor.role == "clerk"
        return actor

    # ------------------------------------------------------------ shortcuts

    def issue(self, series: str, advance: float = 1.0, **kwargs: Any) -> dict[str, Any]:
        """Issue a ticket, then let ``advance`` seconds pass so queue keys differ."""
        result = self.store.issue_ticket(self.kiosk, series, **kwargs)
        self.clock.advance(advance)
        return result

    def advance(self, **kwargs: float) -> datetime:
        return self.clock.advance(timedelta(**kwargs))

    @contextmanager
    def refused(self, code: str, status: int | None = None) -> Iterator[pytest.ExceptionInfo[HallRuleError]]:
        """The block must be refused with ``code``, a message in both languages, and no event."""
        before = self.last_seq()
        with pytest.raises(HallRuleError) as caught:
            yield caught
        error = caught.value
        assert error.code == code, f"{error.code}: {error}"
        if status is not None:
            assert error.status == status
        assert error.message.zh and error.message.en and error.message.zh != error.message.en
        # Devices the block enrolled lazily (env.counter(1) inside it) are set-up, not the operation.
        written = [e["kind"] for e in self.events(before) if e["kind"] != "device_enrolled"]
        assert written == [], "a refused operation must not write events"

    # ------------------------------------------------------------ rows

    def session(self) -> Session:
        return Session(self.hall.engines.read, expire_on_commit=False)

    def ticket(self, ticket_id: int) -> Ticket:
        with self.session() as session:
            row = session.get(Ticket, ticket_id)
            assert row is not None
            return row

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.session() as session:
            return list(session.scalars(select(model).where(*where)))

    def services(self, ticket_id: int) -> list[Service]:
        with self.session() as session:
            return list(session.scalars(select(Service).where(Service.ticket_id == ticket_id).order_by(Service.id)))

    def window_id(self, number: int) -> int:
        with self.session() as session:
            return int(session.scalar(select(Window.id).where(Window.hall_id == self.hall_id, Window.number == number)))

    def clerk_id(self, staff_no: str) -> int:
        with self.session() as session:
            return int(session.scalar(select(Clerk.id).where(Clerk.hall_id == self.hall_id, Clerk.staff_no == staff_no)))

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        return self.store.events_after(self.hall_id, after, limit=100_000)

    def event_kinds(self, after: int = 0) -> list[str]:
        return [e["kind"] for e in self.events(after)]

    def last_seq(self) -> int:
        return self.store.last_event_seq(self.hall_id)

    def all_events(self) -> list[Event]:
        return self.rows(Event, Event.hall_id == self.hall_id)


@pytest.fixture
def env(template_db: Path, tmp_path: Path, clock: FakeClock) -> Iterator[HallEnv]:
    path = tmp_path / "hall.db"
    shutil.copyfile(template_db, path)
    prepared = prepare_hall(f"sqlite:///{path}", clock=clock, synchronous="NORMAL")
    hall_env = HallEnv(prepared, clock)
    # Enrolling the kiosk and the manager console is the day's first write: the business day
    # starts (event 1, day_rolled) before the test begins.
    hall_env.device("kiosk")
    hall_env.device("manager")
    yield hall_env
    prepared.engines.dispose()


_pg_databases = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hall_env(request: pytest.FixtureRequest, template_db: Path, tmp_path: Path) -> Iterator[HallEnv]:
    """The sample hall on SQLite (a copy of the template) and on the throwaway PostgreSQL, with a kiosk and a manager."""
    clock = FakeClock(START)
    if request.param == "sqlite":
        path = tmp_path / "hall.db"
        shutil.copyfile(template_db, path)
        prepared = prepare_hall(f"sqlite:///{path}", clock=clock, synchronous="NORMAL")
    else:
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        prefix = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
        url = cluster.create_database(f"{prefix}_{next(_pg_databases)}")
        prepared = prepare_hall(url, sample_hall_hashed(), clock=clock)
    env = HallEnv(prepared, clock)
    env.device("kiosk")
    env.device("manager")
    yield env
    prepared.engines.dispose()
