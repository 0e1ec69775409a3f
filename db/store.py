"""The service layer: every hall operation is one database transaction built on hall/'s rules.

Each write runs in a :class:`UnitOfWork` that (1) rolls the business day over when the hall's
local date has changed (:func:`db.rollover.roll_over`), (2) performs the change, (3) appends its
events to the outbox and takes their sequence numbers from the hall row as the *last* statement,
so events are numbered in commit order without gaps even with several server processes, and (4)
commits. Transient lock conflicts (PostgreSQL deadlock / serialization failure) are retried;
rule violations raise :class:`hall.text.HallRuleError` and change nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import secrets
import threading
import time as _time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.engine import Engines
from db.fast_sql import as_sqlalchemy_error, run
from db.models import Event, Hall, IdempotencyRecord
from db.rollover import roll_over
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day
from hall.clock import Clock
from hall.config import HoursConfig, RulesConfig, parse_config
from hall.text import HallRuleError

log = logging.getLogger(__name__)
T = TypeVar("T")
HALLS: Table = Hall.__table__  # type: ignore[assignment]
EVENTS: Table = Event.__table__  # type: ignore[assignment]
IDEMPOTENCY: Table = IdempotencyRecord.__table__  # type: ignore[assignment]

CommitListener = Callable[[int, int], None]  # (hall_id, last event seq)

# Built once: SQLAlchemy then skips building and keying the statement on every operation.
IDEMPOTENCY_LOOKUP = select(IDEMPOTENCY.c.request_hash, IDEMPOTENCY.c.response).where(
    IDEMPOTENCY.c.scope == bindparam("scope"), IDEMPOTENCY.c.key == bindparam("key")
)
IDEMPOTENCY_SAVE = insert(IDEMPOTENCY)
INSERT_EVENT = insert(EVENTS)
TAKE_SEQ = (
    update(HALLS)
    .where(HALLS.c.id == bindparam("hall"))
    .values(event_seq=HALLS.c.event_seq + bindparam("count"))
    .returning(HALLS.c.event_seq)
)
# PostgreSQL: the hall row's event counter taken, the events stored and the NOTIFY queued
# (delivered at commit) in one statement, sent by psycopg together with the COMMIT (see
# StoreCore._append_and_commit_postgres). From here to COMMIT every other writer of the hall
# waits for the hall row, so this stretch is one round trip.
APPEND_EVENTS_POSTGRES = (
    "WITH taken AS ("
    " UPDATE halls SET event_seq = event_seq + %(count)s WHERE id = %(hall)s"
    " RETURNING event_seq, pg_notify('hallq_events', id::text || ':' || event_seq::text || ':' || %(origin)s) AS notified)"
    " INSERT INTO events (hall_id, seq, kind, data, created_at)"
    " SELECT %(hall)s, taken.event_seq - %(count)s + batch.ordinal, batch.event ->> 'kind', batch.event -> 'data', %(created_at)s"
    " FROM taken, json_array_elements(CAST(%(events)s AS json)) WITH ORDINALITY AS batch(event, ordinal)"
    " RETURNING seq"
)


@dataclass
class HallSettings:
    """A hall's parsed hours and rules, and the last business day this process knows was rolled over."""

    loaded_at: float
    hours: HoursConfig
    rules: RulesConfig
    rolled_day: date | None


# Events after which the cached windows-serving figures (estimated waits) must be recomputed.
WINDOW_LAYOUT_EVENTS = frozenset(
    {
        "window_changed",
        "window_paused",
        "window_resumed",
        "window_categories_changed",
        "clerk_logged_in",
        "clerk_logged_out",
        "config_changed",
        "day_rolled",
    }
)
SETTINGS_SECONDS = 5.0  # another server process sees a settings change within this time


def hours_from_json(data: dict[str, Any]) -> HoursConfig:
    return parse_config({"hall": {"code": "x", "name_zh": "x"}, "hours": data}).hours


def rules_from_json(data: dict[str, Any]) -> RulesConfig:
    return parse_config({"hall": {"code": "x", "name_zh": "x"}, "rules": data}).rules


def request_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _is_transient(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "diag", None), "sqlstate", None)
    return code in ("40P01", "40001", "55P03")


class StoreCore:
    """Transactions, the event outbox and hall settings; the operations are mixins on it, composed
    in :class:`db.hall_store.HallStore`."""

    def __init__(self, engines: Engines, clock: Clock) -> None:
        self.engines = engines
        self.clock = clock
        # Ends this process's NOTIFY payloads ("hall:seq:origin"): its own listener skips them, its
        # commit listeners having heard of those commits already.
        self.notify_origin = secrets.token_hex(6)
        self._listeners: list[CommitListener] = []
        self._settings_cache: dict[int, HallSettings] = {}
        # Informational figures for estimated waits, recomputed at most once a second per hall
        # (and at once after a window change in this process); never used to decide a rule.
        self._windows_serving_cache: dict[int, tuple[float, Any]] = {}  # db.waits.HallServing
        self._heartbeats: dict[int, tuple[float, dict[str, Any]]] = {}  # device id -> (when written, health)
        self._service_minutes_cache: dict[tuple[int, date], tuple[float, float]] = {}
        # SQLite has one writer at a time anyway: writes queue for one writer thread in this
        # process (instead of SQLite's sleep-and-retry busy wait), which commits them in groups.
        self._sqlite_writer = GroupCommitWriter(self) if engines.is_sqlite else None
        # Snapshots read under REPEATABLE READ on PostgreSQL so a snapshot and its event seq agree.
        self._read_bind = engines.read.execution_options(isolation_level="REPEATABLE READ") if engines.is_postgres else engines.read

    # ------------------------------------------------------------------ plumbing

    def add_commit_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def settings(self, session: Session, hall: Hall) -> tuple[HoursConfig, RulesConfig]:
        cached = self._settings_cache.get(hall.id)
        if cached and _time.monotonic() - cached.loaded_at < SETTINGS_SECONDS:
            return cached.hours, cached.rules
        hours, rules = hours_from_json(hall.hours), rules_from_json(hall.rules)
        self._settings_cache[hall.id] = HallSettings(_time.monotonic(), hours, rules, cached.rolled_day if cached else None)
        return hours, rules

    def _hall_settings(self, connection: Connection, hall_id: int) -> HallSettings:
        """Hours and rules without reading the hall row on every operation; the row is read when
        the cached copy is older than ``SETTINGS_SECONDS``."""
        cached = self._settings_cache.get(hall_id)
        if cached and _time.monotonic() - cached.loaded_at < SETTINGS_SECONDS:
            return cached
        row = connection.execute(select(HALLS.c.hours, HALLS.c.rules, HALLS.c.current_day).where(HALLS.c.id == hall_id)).first()
        if row is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        # current_day is a committed fact: the day it names has been rolled over.
        settings = HallSettings(_time.monotonic(), hours_from_json(row.hours), rules_from_json(row.rules), row.current_day)
        self._settings_cache[hall_id] = settings
        return settings

    def forget_settings(self, hall_id: int) -> None:
        self._settings_cache.pop(hall_id, None)
        self._windows_serving_cache.pop(hall_id, None)

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
                if self._sqlite_writer is not None:
                    return self._sqlite_writer.run(hall_id, work, idempotency)
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

    def submit(self, call: Callable[[], T]) -> Future[T] | None:
        """SQLite: run ``call`` — a store operation such as ``lambda: store.finish(...)`` — on the
        writer thread, its writes joined to the writer's next group commit; the future is resolved
        after that commit. An async server hands a request over in one thread hop this way instead
        of two (its worker thread, then the writer). None on PostgreSQL, where every caller writes
        on its own thread: run ``call`` there."""
        if self._sqlite_writer is None:
            return None
        return self._sqlite_writer.submit(call)

    def _write_once(self, hall_id: int, work: Callable[[UnitOfWork], T], idempotency: tuple[str, str, str] | None) -> T:
        with self.engines.write.connect() as connection, connection.begin():
            result, uow = self._write_in(connection, hall_id, work, idempotency)
        if uow is not None:
            self._committed(uow)
        return result

    def _write_in(
        self, connection: Connection, hall_id: int, work: Callable[[UnitOfWork], T], idempotency: tuple[str, str, str] | None
    ) -> tuple[T, UnitOfWork | None]:
        """One operation inside the caller's transaction (or savepoint): an idempotent replay, or
        the business-day rollover, the work, its idempotency record and its events. The unit of
        work comes back for :meth:`_committed`; None for a replay, which changed nothing."""
        if idempotency is not None:
            scope, key, digest = idempotency
            record = run(connection, IDEMPOTENCY_LOOKUP, {"scope": scope, "key": key}).first()
            if record is not None:
                if record.request_hash != digest:
                    raise HallRuleError(
                        "idempotency_mismatch",
                        "该幂等键已用于另一个不同的请求",
                        "this idempotency key was already used for a different request",
                        422,
                    )
                return record.response["result"], None
        settings = self._hall_settings(connection, hall_id)
        now = self.clock.now()
        uow = UnitOfWork(connection, hall_id, now, business_day(settings.hours, now), settings.hours, settings.rules)
        try:
            if settings.rolled_day != uow.today:
                roll_over(uow)
            result = work(uow)
            uow.flush()
            if idempotency is not None:
                run(
                    connection,
                    IDEMPOTENCY_SAVE,
                    {
                        "scope": idempotency[0],
                        "key": idempotency[1],
                        "request_hash": idempotency[2],
                        "response": {"result": result},
                        "created_at": now,
                    },
                )
            uow.last_seq = self._append_events(uow)
        finally:
            uow.close()
        return result, uow

    def _committed(self, uow: UnitOfWork) -> None:
        """After the commit: this process now knows today's rollover is done, window changes drop
        the windows-serving figures, and the event pump is woken."""
        settings = self._settings_cache.get(uow.hall_id)
        if settings is not None:
            settings.rolled_day = uow.today
        if not uow.events:
            return
        if any(kind in WINDOW_LAYOUT_EVENTS for kind, _ in uow.events):
            self._windows_serving_cache.pop(uow.hall_id, None)
        for listener in self._listeners:
            try:
                listener(uow.hall_id, uow.last_seq)
            except Exception:  # a listener must never undo a committed change
                log.exception("commit listener failed")

    def _append_events(self, uow: UnitOfWork) -> int:
        if not uow.events:
            return 0
        count = len(uow.events)
        # Taking the sequence numbers is the last statement: on PostgreSQL the hall row lock is
        # held only from here to commit, so events appear in commit order and never leave gaps.
        if self.engines.is_postgres:
            return self._append_and_commit_postgres(uow, count)
        last = int(run(uow.connection, TAKE_SEQ, {"hall": uow.hall_id, "count": count}).scalar_one())
        first = last - count + 1
        run(
            uow.connection,
            INSERT_EVENT,
            [
                {"hall_id": uow.hall_id, "seq": first + i, "kind": kind, "data": data, "created_at": uow.now}
                for i, (kind, data) in enumerate(uow.events)
            ],
        )
        return last

    def _append_and_commit_postgres(self, uow: UnitOfWork, count: int) -> int:
        """Number the events, store them, NOTIFY and COMMIT in one round trip (psycopg pipeline
        mode). Numbering locks the hall row until the commit, and every write of the hall queues
        behind that lock: sent separately, the COMMIT added a round trip and this thread's wait
        for the GIL to the time the lock was held. The transaction SQLAlchemy opened is then
        committed already; its own commit finds the connection idle and sends nothing."""
        driver = uow.connection.connection.driver_connection
        params = {
            "hall": uow.hall_id,
            "count": count,
            # One JSON document, not text arrays: psycopg escapes each array element with a regular
            # expression, a CPU cost on every write.
            "events": json.dumps([{"kind": kind, "data": data} for kind, data in uow.events]),
            "created_at": uow.now,
            "origin": self.notify_origin,
        }
        try:
            with driver.pipeline(), driver.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(APPEND_EVENTS_POSTGRES, params)
                driver.commit()  # type: ignore[union-attr]
                seqs = [int(seq) for (seq,) in cursor.fetchall()]
        except self.engines.write.dialect.loaded_dbapi.Error as error:
            raise as_sqlalchemy_error(self.engines.write.dialect, APPEND_EVENTS_POSTGRES, params, error) from error
        return max(seqs)

    # ------------------------------------------------------------------ events

    def events_after(self, hall_id: int, after: int, limit: int = 1000) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.connection().execute(
                select(EVENTS.c.seq, EVENTS.c.kind, EVENTS.c.data, EVENTS.c.created_at)
                .where(EVENTS.c.hall_id == hall_id, EVENTS.c.seq > after)
                .order_by(EVENTS.c.seq)
                .limit(limit)
            )
            return [event_dict(e) for e in rows]

    def last_event_seq(self, hall_id: int) -> int:
        with self.read() as session:
            return int(session.scalar(select(Hall.event_seq).where(Hall.id == hall_id)) or 0)


@dataclass(eq=False)
class _WriteJob:
    hall_id: int
    work: Callable[[UnitOfWork], Any]
    idempotency: tuple[str, str, str] | None
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    uow: UnitOfWork | None = None


@dataclass(eq=False)
class _CallJob:
    """A whole store operation run on the writer thread (see :meth:`StoreCore.submit`)."""

    call: Callable[[], Any]
    future: Future[Any]
    uows: list[UnitOfWork] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None


class GroupCommitWriter:
    """SQLite's single writer. With nobody else writing, the caller's thread runs its operation
    at once. Writes that arrive while one is running queue for the writer thread, which runs all
    those waiting in one transaction, each in its own SAVEPOINT (a refused or failed operation
    rolls back alone), and commits them — one fsync — together. Every caller gets its answer only
    after the commit, so an answer always describes stored data; events keep their gapless
    commit-order numbering because they are numbered inside the one transaction, in order."""

    MAX_GROUP = 64
    # The writer thread ends after this long without work (and starts again on the next queued
    # write), so a store nobody uses any more holds no thread, and through it no engine or file.
    IDLE_SECONDS = 5.0

    def __init__(self, store: StoreCore) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_WriteJob | _CallJob] = queue.SimpleQueue()
        self._busy = threading.Lock()  # held while a transaction is open
        self._mutex = threading.Lock()  # guards _waiting
        self._waiting = 0  # queued writes not yet answered: while any, newcomers queue behind them
        self._thread: threading.Thread | None = None
        self._owner: int | None = None  # the caller thread running its write itself, if any
        # While the writer thread runs a submitted operation: the group's connection, and the
        # units of work it has written so far (made known after the commit).
        self._call_connection: Connection | None = None
        self._call_uows: list[UnitOfWork] = []
        self._in_write = False

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._mutex:
            self._waiting += 1
        self._ensure_thread()
        self._queue.put(_CallJob(call, future))
        return future

    def run(self, hall_id: int, work: Callable[[UnitOfWork], T], idempotency: tuple[str, str, str] | None) -> T:
        on_writer = threading.current_thread() is self._thread
        if (self._in_write and on_writer) or self._owner == threading.get_ident():
            raise RuntimeError("a write cannot start another write from inside its transaction")
        if on_writer:
            return self._run_for_call(hall_id, work, idempotency)
        job = _WriteJob(hall_id, work, idempotency)
        with self._mutex:
            alone = self._waiting == 0 and self._busy.acquire(blocking=False)
            if not alone:
                self._waiting += 1
        if alone:
            self._owner = threading.get_ident()
            try:
                self._commit_group([job])
            finally:
                self._owner = None
                self._busy.release()
        else:
            self._ensure_thread()
            self._queue.put(job)
            job.done.wait()
            with self._mutex:
                self._waiting -= 1
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    @property
    def waiting(self) -> int:
        """Writes queued behind the one running (for monitoring and tests)."""
        return self._waiting

    def _ensure_thread(self) -> None:
        with self._mutex:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="hallq-sqlite-writer", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                group = [self._queue.get(timeout=self.IDLE_SECONDS)]
            except queue.Empty:
                with self._mutex:
                    # Every queued job was counted in _waiting before it was queued, so none
                    # can be stranded: a newcomer either sees this thread gone and starts one,
                    # or counted itself first and keeps this one serving.
                    if self._waiting == 0:
                        self._thread = None
                        return
                continue
            with self._busy:
                while len(group) < self.MAX_GROUP:
                    try:
                        group.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._commit_group(group)

    def _commit_group(self, group: list[_WriteJob | _CallJob]) -> None:
        store = self._store
        try:
            try:
                with store.engines.write.connect() as connection, connection.begin():
                    if len(group) == 1 and isinstance(group[0], _WriteJob):
                        self._run_alone(connection, group[0])
                    else:
                        for job in group:
                            if isinstance(job, _WriteJob):
                                self._run_in_savepoint(connection, job)
                            else:
                                self._run_call(connection, job)
            except Exception as error:
                # BEGIN or COMMIT failed, or the lone operation did: nothing of the group is stored.
                for job in group:
                    if job.error is None:
                        job.error, job.result = error, None
                    if isinstance(job, _WriteJob):
                        job.uow = None
                    else:
                        job.uows = []
                return
            for job in group:
                for uow in [job.uow] if isinstance(job, _WriteJob) else job.uows:
                    if uow is not None:
                        store._committed(uow)
        finally:
            for job in group:
                if isinstance(job, _WriteJob):
                    job.done.set()
                    continue
                with self._mutex:
                    self._waiting -= 1
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    job.future.set_result(job.result)

    def _run_call(self, connection: Connection, job: _CallJob) -> None:
        """A submitted operation: its writes (see :meth:`_run_for_call`) join this transaction."""
        self._call_connection, self._call_uows = connection, []
        try:
            job.result = job.call()
        except Exception as error:
            job.error = error
        finally:
            job.uows, self._call_connection = self._call_uows, None

    def _run_for_call(self, hall_id: int, work: Callable[[UnitOfWork], T], idempotency: tuple[str, str, str] | None) -> T:
        """A write of a submitted operation, on the writer thread: in its own SAVEPOINT of the
        open group transaction, so that a refusal rolls back only this write."""
        connection = self._call_connection
        if connection is None:
            raise RuntimeError("the writer thread writes only for a submitted operation")
        savepoint = connection.begin_nested()
        self._in_write = True
        try:
            result, uow = self._store._write_in(connection, hall_id, work, idempotency)
            savepoint.commit()
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        finally:
            self._in_write = False
        if uow is not None:
            self._call_uows.append(uow)
        return result

    def _run_alone(self, connection: Connection, job: _WriteJob) -> None:
        try:
            job.result, job.uow = self._store._write_in(connection, job.hall_id, job.work, job.idempotency)
        except Exception as error:
            job.error = error
            raise  # rolls the transaction back

    def _run_in_savepoint(self, connection: Connection, job: _WriteJob) -> None:
        savepoint = connection.begin_nested()
        try:
            job.result, job.uow = self._store._write_in(connection, job.hall_id, job.work, job.idempotency)
            savepoint.commit()
        except Exception as error:
            job.error, job.uow = error, None
            if savepoint.is_active:
                savepoint.rollback()


def event_dict(event: Any) -> dict[str, Any]:
    """An event row (ORM or Core) as the API sends it."""
    return {"seq": event.seq, "kind": event.kind, "data": event.data, "at": event.created_at.isoformat()}
