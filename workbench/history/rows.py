"""The rows of synthetic history and how they are written.

The rows are exactly the ones the store writes (db/issuing.py, db/calling.py, db/serving.py, db/ratings.py) — same columns, same values a
finished day leaves behind — so reports, exports and the live server read them like real history.
They are written in bulk — executemany on SQLite, COPY on PostgreSQL, one statement per table per
chunk of days — with ids assigned here so no generated key is read back; on PostgreSQL the id
sequences are moved on afterwards.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, func, select, text
from sqlalchemy.engine import Connection

from db.models import Appointment, Category, Clerk, ClerkSession, DayCounter, FollowUp, Item, Pause, Rating, Service, Ticket, Window
from hall.config import HallConfig
from hall.text import HallRuleError

# --------------------------------------------------------------------------- the hall as stored


@dataclass(frozen=True)
class StoredHall:
    """Ids of the hall's rows, looked up once: history refers to them."""

    hall_id: int
    category_ids: dict[str, int]
    category_departments: dict[str, str]
    items: dict[str, list[tuple[str, int]]]  # series -> [(item code, promised days)]
    window_ids: dict[int, int]
    window_departments: dict[int, str]
    clerk_ids: dict[str, int]
    appointment_codes: frozenset[str]

    @classmethod
    def load(cls, conn: Connection, hall_id: int, config: HallConfig) -> StoredHall:
        categories = {row.series: row for row in conn.execute(select(Category.__table__).where(Category.hall_id == hall_id))}
        by_category_id = {row.id: series for series, row in categories.items()}
        items: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for row in conn.execute(
            select(Item.category_id, Item.code, Item.promised_days).where(Item.hall_id == hall_id).order_by(Item.sort_order)
        ):
            items[by_category_id[row.category_id]].append((row.code, row.promised_days))
        windows = {row.number: row for row in conn.execute(select(Window.__table__).where(Window.hall_id == hall_id))}
        clerks = {row.staff_no: row.id for row in conn.execute(select(Clerk.staff_no, Clerk.id).where(Clerk.hall_id == hall_id))}
        missing = (
            [c.series for c in config.categories if c.series not in categories]
            + [str(w.number) for w in config.windows if w.number not in windows]
            + [c.staff_no for c in config.clerks if c.staff_no not in clerks]
        )
        if missing:
            raise HallRuleError(
                "config_mismatch",
                f"数据库中的大厅与配置不一致（缺少 {', '.join(missing[:5])}），请使用导入该大厅时的配置",
                f"the hall in the database does not match the configuration (missing {', '.join(missing[:5])}); use the hall's own configuration",
                422,
            )
        return cls(
            hall_id,
            {s: row.id for s, row in categories.items()},
            {s: row.department for s, row in categories.items()},
            dict(items),
            {n: row.id for n, row in windows.items()},
            {n: row.department for n, row in windows.items()},
            clerks,
            frozenset(conn.scalars(select(Appointment.code).where(Appointment.hall_id == hall_id))),
        )


# --------------------------------------------------------------------------- one day


@dataclass
class DayRows:
    """Every row one business day leaves behind, as dicts for executemany."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    counters: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    latest: datetime | None = None  # the day's last timestamp

    TABLES = (
        ("tickets", Ticket),
        ("services", Service),
        ("ratings", Rating),
        ("followups", FollowUp),
        ("pauses", Pause),
        ("sessions", ClerkSession),
        ("counters", DayCounter),
        ("appointments", Appointment),
    )

    def extend(self, other: DayRows) -> None:
        for name, _model in self.TABLES:
            getattr(self, name).extend(getattr(other, name))

    def counts(self) -> Counter[str]:
        return Counter({name: len(getattr(self, name)) for name, _model in self.TABLES})


class IdTaker(Protocol):
    def take(self, model: type[Any]) -> int: ...


class CountingIds:
    """Ids for rows that are built but never written (checking a day before seeding it)."""

    def __init__(self) -> None:
        self.value = 0

    def take(self, model: type[Any]) -> int:
        self.value += 1
        return self.value


class IdSource:
    """Row ids handed out here (after the largest already stored), so related rows are written
    without reading generated keys back."""

    MODELS = (Ticket, Service, Rating, FollowUp, Pause, ClerkSession, Appointment)

    def __init__(self, conn: Connection) -> None:
        self._next = {model.__tablename__: int(conn.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1 for model in self.MODELS}

    def take(self, model: type[Any]) -> int:
        table = model.__tablename__
        value = self._next[table]
        self._next[table] = value + 1
        return value


def write_rows(conn: Connection, rows: DayRows) -> None:
    """Each table's rows in one statement: executemany on SQLite, COPY on PostgreSQL.

    Values go through each column type's own bind processor (the store's UTC datetimes, JSON, dates),
    so the stored text is exactly what an ORM insert writes; the tuples are built here because letting
    ``insert(model)`` compile parameters row by row costs more than the writing itself on SQLite,
    and COPY is PostgreSQL's own bulk-load path."""
    dialect = conn.dialect
    preparer = dialect.identifier_preparer
    for name, model in DayRows.TABLES:
        batch = getattr(rows, name)
        if not batch:
            continue
        table = model.__table__
        names = [column.name for column in table.columns]
        quoted = ", ".join(preparer.quote(n) for n in names)
        if dialect.name == "postgresql":
            json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {preparer.quote(table.name)} ({quoted}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row([json.dumps(row[n]) if n in json_columns else row[n] for n in names])
            continue
        processors = [
            (n, column.type.dialect_impl(dialect).bind_processor(dialect)) for n, column in zip(names, table.columns, strict=True)
        ]
        values = [tuple(row[n] if process is None or row[n] is None else process(row[n]) for n, process in processors) for row in batch]
        placeholders = ", ".join("?" for _ in names)
        conn.exec_driver_sql(f"INSERT INTO {preparer.quote(table.name)} ({quoted}) VALUES ({placeholders})", values)


def advance_sequences(conn: Connection) -> None:
    """Explicit ids do not move PostgreSQL's serial sequences: move them past the largest id."""
    for model in IdSource.MODELS:
        table = model.__tablename__
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
