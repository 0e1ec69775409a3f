"""The 好差评 records: one record per citizen's or default rating of a service on a period's business days,
for the rating platform's export. No personal data: the rater is never stored, and comments are left out
(they may name people).

A busy month is ~130 k records and a manager waits for them, so the work is done a column at a time rather
than a row at a time: the database writes the case numbers and gives the instants as whole seconds since
1970, numpy turns those into local ISO texts, names and levels are mapped per column with dict look-ups, the
reasons are decoded only when there are any, and the records are built by one ``map`` over the columns.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo
from itertools import repeat
from typing import Any, Final

import numpy as np
from sqlalchemy import BigInteger, Select, String, Text, cast, extract, func, select, type_coerce
from sqlalchemy.engine import Connection

from db.models import Rating, Service, Ticket
from db.reports.context import load_context
from db.store import StoreCore
from hall.reports import RatingRecord
from hall.tickets import RatingLevel


def read_rating_records(store: StoreCore, hall_id: int, start: date, end: date) -> list[RatingRecord]:
    """Citizens' and default ratings of services on business days start..end, oldest first."""
    # The cyclic collector stays paused from the fetch to the last record: the rows and records hold no cycles.
    with _without_cycle_collection():
        with store.read() as session:
            context = load_context(store, session, hall_id)
            series_of = {category_id: category.series for category_id, category in context.categories.items()}
            window_number_of = {window_id: window.number for window_id, window in context.windows.items()}
            staff_no_of = {clerk_id: clerk.staff_no for clerk_id, clerk in context.clerks.items()}
            clerk_name_of = {clerk_id: clerk.name for clerk_id, clerk in context.clerks.items()}
            level_of = {level.value: level for level in RatingLevel}
            connection = session.connection()
            is_postgres = connection.dialect.name == "postgresql"
            if is_postgres:
                _plan_rating_records_by_index(connection)
            rows = _plain_rows(connection, _rating_records_query(is_postgres, hall_id, start, end))
        if not rows:
            return []
        (
            case_nos,
            public_ids,
            item_codes,
            category_ids,
            departments,
            window_ids,
            clerk_ids,
            levels,
            defaults,
            reasons,
            channels,
            seconds,
        ) = zip(*rows, strict=True)
        del rows
        defaults = tuple(map(bool, defaults))  # SQLite's driver gives 0 and 1
        rated_at_iso = _local_iso_texts(seconds, context.hours.zone)
        # Positional, in RatingRecord's field order (a test pins it): keywords cannot be passed through map().
        return list(
            map(
                RatingRecord,
                case_nos,
                public_ids,
                item_codes,
                map(series_of.get, category_ids, repeat("")),
                departments,
                map(window_number_of.get, window_ids, repeat(0)),
                map(staff_no_of.get, clerk_ids, repeat("")),
                map(clerk_name_of.get, clerk_ids, repeat("")),
                map(level_of.__getitem__, levels),
                defaults,
                [[str(reason) for reason in json.loads(text)] if text and text != "[]" else [] for text in reasons],
                ["default" if is_default else channel for is_default, channel in zip(defaults, channels, strict=True)],
                rated_at_iso,
            )
        )


_QUARTER_HOUR: Final = 15 * 60  # seconds


def _local_iso_texts(epoch_seconds: Sequence[int], zone: tzinfo) -> list[str]:
    """ISO 8601 texts to the second, in the hall's zone with its offset, of many UTC instants given as whole
    seconds since 1970 (e.g. the ~130 k ratings of a month), formatted by numpy in bulk: a ``datetime`` and an
    ``isoformat()`` per instant cost more than everything else done for a 好差评 record. The zone's offset is
    looked up once per quarter hour (every zone transition since 1970 falls on a quarter hour in UTC)."""
    if not epoch_seconds:
        return []
    seconds = np.fromiter(epoch_seconds, dtype=np.int64, count=len(epoch_seconds))
    quarters, quarter_of = np.unique(seconds // _QUARTER_HOUR, return_inverse=True)
    offsets = np.empty(len(quarters), dtype=np.int64)
    suffixes: list[str] = []
    for index, quarter in enumerate(quarters.tolist()):
        local = datetime.fromtimestamp(quarter * _QUARTER_HOUR, zone)
        offset = local.utcoffset() or timedelta(0)
        offsets[index] = offset.days * 86_400 + offset.seconds  # whole seconds: zoneinfo offsets have no microseconds
        suffixes.append(local.isoformat(timespec="seconds")[19:])  # "+08:00", as isoformat() writes it
    # numpy writes the local date and time; the offsets are appended in Python, which is faster than numpy's string add.
    local_texts: list[str] = np.datetime_as_string((seconds + offsets[quarter_of]).astype("datetime64[s]"), unit="s").tolist()
    if len(suffixes) == 1:  # one offset over the whole period: most halls, most months
        suffix = suffixes[0]
        return [text + suffix for text in local_texts]
    return list(map(str.__add__, local_texts, np.array(suffixes, dtype=object)[quarter_of].tolist()))


def _rating_records_query(is_postgres: bool, hall_id: int, start: date, end: date) -> Select[Any]:
    """The 好差评 records' columns in RatingRecord's order, ids where names are looked up; driven from the days' tickets
    (indexed by business day) through their services to each one's rating."""
    if is_postgres:
        day_digits: Any = func.to_char(Ticket.business_day, "YYYYMMDD")
        rated_at_seconds: Any = cast(func.floor(extract("epoch", Rating.created_at)), BigInteger)
    else:  # SQLite keeps the day as ISO text and the instant as naive UTC text
        day_digits = func.replace(Ticket.business_day, "-", "")
        # Cut to the second first: strftime rounds '…:57.9996' to the millisecond, i.e. up to the next second.
        rated_at_seconds = cast(func.strftime("%s", func.substr(Rating.created_at, 1, 19)), BigInteger)
    return (
        select(
            type_coerce(day_digits, String) + "-" + Ticket.display_number,  # the case number, e.g. "20261117-A023"
            Ticket.public_id,
            Rating.item_code,
            Rating.category_id,
            Rating.department,
            Rating.window_id,
            Rating.clerk_id,
            Rating.level,
            Rating.is_default,
            cast(Rating.reasons, Text),
            Rating.channel,
            rated_at_seconds,
        )
        .select_from(Ticket)
        .join(Service, Service.ticket_id == Ticket.id)
        .join(Rating, Rating.service_id == Service.id)
        .where(Ticket.hall_id == hall_id, Ticket.business_day.between(start, end), Rating.level.is_not(None))
        .order_by(Rating.created_at, Rating.id)
    )


def _plan_rating_records_by_index(connection: Connection) -> None:
    """PostgreSQL settings for the records query, for this read transaction only. The planner prefers hashing the
    days' tickets against a scan of the whole services table (every service in the history), which is several times
    slower than looking each ticket's services and ratings up in their indexes; JIT compilation adds more than it
    saves here, and the sort spills to disk under the default work_mem."""
    connection.exec_driver_sql(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; SET LOCAL work_mem = '32MB'"
    )


def _plain_rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of ``query`` as the driver's own tuples, on the connection's transaction: SQLAlchemy's Row objects
    and their per-value processing are a large share of the time for a month of 好差评 records, so the columns
    are chosen to need none. The values are written into the SQL (only numbers and dates are ever bound here, and
    the PostgreSQL form has no '%' that the driver would see doubled)."""
    sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Builds of ~100 k small objects that form no reference cycles (the 好差评 records of a month) trigger the
    cyclic garbage collector again and again over an ever larger heap, for nothing. It is paused for the build
    and resumed after, unless someone else had paused it; another thread building at the same time may resume
    it early, which only costs speed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
