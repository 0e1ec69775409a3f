"""The service layer: every hall operation is one database transaction built on hall/'s rules.

Each write runs in a :class:`UnitOfWork` that (1) rolls the business day over when the hall's
local date has changed, (2) performs the change, (3) appends its events to the outbox and takes
their sequence numbers from the hall row as the *last* statement, so events are numbered in
commit order without gaps even with several server processes, and (4) commits. Transient lock
conflicts (PostgreSQL deadlock / serialization failure) are retried; rule violations raise
:class:`hall.text.HallRuleError` and change nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time as _time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.engine import Engines
from db.models import Event, Hall, IdempotencyRecord
from hall.clock import Clock
from hall.config import HoursConfig, RulesConfig
from hall.text import HallRuleError

log = logging.getLogger(__name__)
T = TypeVar("T")

CommitListener = Callable[[int, int], None]  # (hall_id, last event seq)


@dataclass
class UnitOfWork:
    session: Session
    hall: Hall
    now: datetime
    today: date
    hours: HoursConfig
    rules: RulesConfig
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, kind: str, /, **data: Any) -> None:
        self.events.append((kind, data))


def hours_from_json(data: dict[str, Any]) -> HoursConfig:
    from hall.config import parse_config

    return parse_config({"hall": {"code": "x", "name_zh": "x"}, "hours": data}).hours


def rules_from_json(data: dict[str, Any]) -> RulesConfig:
    from hall.config import parse_config

    return parse_config({"hall": {"code": "x", "name_zh": "x"}, "rules": data}).rules


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _is_transient(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "diag", None), "sqlstate", None)
    return code in ("40P01", "40001", "55P03")


class StoreCore:
    """Transactions, the event outbox and hall settings; operations live in :class:`db.operations.HallStore`."""

    def __init__(self, engines: Engines, clock: Clock) -> None:
        self.engines = engines
        self.clock = clock
        self._listeners: list[CommitListener] = []
        self._settings_cache: dict[int, tuple[float, HoursConfig, RulesConfig]] = {}
        # Snapshots read under REPEATABLE READ on PostgreSQL so a snapshot and its event seq agree.
        # SQLite has one writer at a time anyway; queueing writers on a lock in this process
        # replaces SQLite's sleep-and-retry busy wait, which made the slowest writes seconds long.
        self._sqlite_write_lock = threading.Lock() if engines.is_sqlite else None
        self._read_bind = engines.read.execution_options(isolation_level="REPEATABLE READ") if engines.is_postgres else engines.read

    # ------------------------------------------------------------------ plumbing

    def add_commit_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def settings(self, session: Session, hall: Hall) -> tuple[HoursConfig, RulesConfig]:
        cached = self._settings_cache.get(hall.id)
        if cached and _time.monotonic() - cached[0] < 5.0:
            return cached[1], cached[2]
        hours, rules = hours_from_json(hall.hours), rules_from_json(hall.rules)
        self._settings_cache[hall.id] = (_time.monotonic(), hours, rules)
        return hours, rules

    def forget_settings(self, hall_id: int) -> None:
        self._settings_cache.pop(hall_id, None)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._read_bind, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def write(
        self,
        hall_id: int,
        work: Callable[[UnitOfWork], T],
        idempotency: tuple[str, str, str] | None = None,
    ) -> T:
        """Run ``work`` in one write transaction; ``idempotency`` is (scope, key, request hash)."""
        for attempt in range(8):
            try:
                if self._sqlite_write_lock is not None:
                    with self._sqlite_write_lock:
                        return self._write_once(hall_id, work, idempotency)
                return self._write_once(hall_id, work, idempotency)
            except IntegrityError as error:
                # Two retries of one idempotent request racing on PostgreSQL: the loser finds
                # the winner's record on the next attempt. Any other integrity error is a bug
                # or a rule the database caught first: report it as a conflict.
                if idempotency is not None and attempt == 0:
                    continue
                log.warning("integrity error: %s", error.orig)
                raise HallRuleError(
                    "conflict", "操作与其他终端的操作冲突，请重试", "the change conflicted with another terminal; try again"
                ) from error
            except OperationalError as error:
                if _is_transient(error) and attempt < 7:
                    _time.sleep(0.005 * (attempt + 1))
                    continue
                if "database is locked" in str(error.orig):
                    raise HallRuleError("busy", "系统繁忙，请稍后重试", "the hall server is busy; try again", 503) from error
                raise
        raise HallRuleError("busy", "系统繁忙，请稍后重试", "the hall server is busy; try again", 503)

    def _write_once(self, hall_id: int, work: Callable[[UnitOfWork], T], idempotency: tuple[str, str, str] | None) -> T:
        with Session(self.engines.write, expire_on_commit=False) as session:
            with session.begin():
                hall = session.get(Hall, hall_id)
                if hall is None:
                    raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
                if idempotency is not None:
                    scope, key, digest = idempotency
                    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
                    if record is not None:
                        if record.request_hash != digest:
                            raise HallRuleError(
                                "idempotency_mismatch",
                                "该幂等键已用于另一个不同的请求",
                                "this idempotency key was already used for a different request",
                                422,
                            )
                        return record.response["result"]  # type: ignore[no-any-return]
                hours, rules = self.settings(session, hall)
                now = self.clock.now()
                from hall.calendar import business_day

                uow = UnitOfWork(session, hall, now, business_day(hours, now), hours, rules)
                self._roll_over_if_needed(uow)
                result = work(uow)
                if idempotency is not None:
                    session.add(
                        IdempotencyRecord(
                            scope=idempotency[0],
                            key=idempotency[1],
                            request_hash=idempotency[2],
                            response={"result": result},
                            created_at=now,
                        )
                    )
                last_seq = self._append_events(uow)
            if uow.events:
                for listener in self._listeners:
                    try:
                        listener(hall_id, last_seq)
                    except Exception:  # a listener must never undo a committed change
                        log.exception("commit listener failed")
            return result

    def _append_events(self, uow: UnitOfWork) -> int:
        if not uow.events:
            return uow.hall.event_seq
        session = uow.session
        session.flush()
        count = len(uow.events)
        # Taking the sequence numbers is the last statement: on PostgreSQL the hall row lock is
        # held only from here to commit, so events appear in commit order and never leave gaps.
        last = session.execute(
            update(Hall).where(Hall.id == uow.hall.id).values(event_seq=Hall.event_seq + count).returning(Hall.event_seq)
        ).scalar_one()
        first = last - count + 1
        session.add_all(
            Event(hall_id=uow.hall.id, seq=first + i, kind=kind, data=data, created_at=uow.now) for i, (kind, data) in enumerate(uow.events)
        )
        if self.engines.is_postgres:
            session.execute(select(func.pg_notify("hallq_events", f"{uow.hall.id}:{last}")))
        return int(last)

    def _roll_over_if_needed(self, uow: UnitOfWork) -> None:
        if uow.hall.current_day == uow.today:
            return
        from db.operations import roll_over

        roll_over(uow)

    # ------------------------------------------------------------------ events

    def events_after(self, hall_id: int, after: int, limit: int = 1000) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.scalars(select(Event).where(Event.hall_id == hall_id, Event.seq > after).order_by(Event.seq).limit(limit)).all()
            return [event_dict(e) for e in rows]

    def last_event_seq(self, hall_id: int) -> int:
        with self.read() as session:
            return int(session.scalar(select(Hall.event_seq).where(Hall.id == hall_id)) or 0)


def event_dict(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "kind": event.kind, "data": event.data, "at": event.created_at.isoformat()}
