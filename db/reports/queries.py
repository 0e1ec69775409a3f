"""Report queries: a hall's figures per day, week, month, category, item, window, clerk, department,
hour and weekday, built on the definitions of :mod:`hall.reports`.

Why daily rollups. A year of a busy hall is ~3 M tickets, services and ratings; exact percentiles
over that many raw rows take far too long on SQLite. So every *closed* business day (earlier than
today and already rolled over, so its open tickets are expired and its pauses ended) is reduced
once to one ``report_rollups`` row per (dimension, key) for the grouping dimensions hall, category,
item, window, clerk, department and hour: additive counters plus two sparse histograms (waiting
and service time). Day, week, month and weekday rows are the hall rows of their days. A report
reads the rollups of its closed days and aggregates the open days (today) live from raw rows with
the *same* code, so a closed day from its rollup equals the same day computed live.

Histogram resolution (the percentiles' only approximation): whole seconds below 1 hour, 10-second
bins from 1 to 4 hours, 1-minute bins from 4 to 24 hours, one bin above 24 hours. A percentile is
the lower edge of the bin holding the nearest-rank value, so it is exact for waits and services
measured in whole seconds under an hour, and otherwise at most one bin below the exact value.
Means and maxima are exact.

Staleness. Closed days still change in three ways, and none may go unnoticed:
- a rating arrives later (phone channel; a default rating inserted after N days): ratings are
  scanned by ``created_at`` since the last check (indexed) and their days rebuilt;
- a 'not rated' row is turned into a default rating in place (``apply_default_ratings``): when
  default ratings are on, the remaining 'not rated' rows per day (a partial index) are compared
  with the count the rollup was built from;
- a 差评 follow-up is resolved (or reopened) later: its update is found in the audit log
  (``update_followup`` writes one per change, indexed by time) and its day rebuilt. Unresolved
  follow-ups are stored by deadline, so 'open' turns 'overdue' by the date a report is read.
A build records the clock time it started; a rating created up to ``REBUILD_MARGIN`` before that
still marks the day stale, so a rating whose transaction began before the build's read and
committed after it is not lost. Tickets and services of a closed day do not change (the roll-over
expired the open ones); labels (names) are looked up at report time, so renames show at once.
``ReportQueries(store, use_rollups=False)`` aggregates everything live: the reference in tests.

Building is chunked per day: the day's raw rows are read in a read transaction, and only the
rollup rows are written, in one short write transaction per day, so the hall server keeps writing.

Reports filtered by one field (category, window, clerk or department) use the rollups of that
field's rows when the report is by time or by that same field; any other filtered report is
aggregated live over its (filtered, hence smaller) raw rows.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import repeat
from typing import Any, Final

import numpy as np
from sqlalchemy import BigInteger, Select, String, Text, cast, delete, extract, func, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db.models import (
    AuditEntry,
    Category,
    Clerk,
    FollowUp,
    Hall,
    Item,
    Pause,
    Rating,
    ReportDay,
    ReportRollup,
    ReportWatermark,
    Service,
    Ticket,
    Window,
)
from db.store import StoreCore, UnitOfWork
from hall.calendar import business_day
from hall.config import HoursConfig, RulesConfig
from hall.reports import (
    AB_ABSENCE_LIMIT_SECONDS,
    WEEKDAY_NAMES,
    Dimension,
    DurationStats,
    RatingRecord,
    Report,
    ReportFilter,
    ReportRequest,
    ReportRow,
)
from hall.text import Bilingual, HallRuleError
from hall.tickets import Outcome, RatingLevel

# ---------------------------------------------------------------------------- histograms

_FINE_LIMIT: Final = 3600  # whole seconds below 1 h
_MEDIUM_LIMIT: Final = 4 * 3600  # 10-second bins up to 4 h
_COARSE_LIMIT: Final = 24 * 3600  # 1-minute bins up to 24 h
_MEDIUM_FIRST: Final = _FINE_LIMIT
_COARSE_FIRST: Final = _MEDIUM_FIRST + (_MEDIUM_LIMIT - _FINE_LIMIT) // 10
_OVERFLOW_BIN: Final = _COARSE_FIRST + (_COARSE_LIMIT - _MEDIUM_LIMIT) // 60
BIN_COUNT: Final = _OVERFLOW_BIN + 1
_SPARSE: Final = np.dtype([("bin", "<u2"), ("count", "<u4")])  # 6 bytes per non-empty bin


def bin_of(seconds: float) -> int:
    value = max(0.0, seconds)
    if value < _FINE_LIMIT:
        return int(value)
    if value < _MEDIUM_LIMIT:
        return _MEDIUM_FIRST + int((value - _FINE_LIMIT) // 10)
    if value < _COARSE_LIMIT:
        return _COARSE_FIRST + int((value - _MEDIUM_LIMIT) // 60)
    return _OVERFLOW_BIN


def bin_floor(index: int) -> float:
    """The lowest value a bin holds: what a percentile falling in the bin reports."""
    if index < _MEDIUM_FIRST:
        return float(index)
    if index < _COARSE_FIRST:
        return float(_FINE_LIMIT + (index - _MEDIUM_FIRST) * 10)
    if index < _OVERFLOW_BIN:
        return float(_MEDIUM_LIMIT + (index - _COARSE_FIRST) * 60)
    return float(_COARSE_LIMIT)


class Histogram:
    """Counts per bin: a Counter while facts are added one by one, sparse arrays once merged."""

    __slots__ = ("_counter", "_parts")

    def __init__(self) -> None:
        self._counter: dict[int, int] = {}
        self._parts: list[np.ndarray] = []

    def add(self, seconds: float) -> None:
        self.add_bin(bin_of(seconds))

    def add_bin(self, index: int) -> None:
        self._counter[index] = self._counter.get(index, 0) + 1

    def arrays(self) -> list[np.ndarray]:
        if not self._counter:
            return self._parts
        counted = np.array(sorted(self._counter.items()), dtype=np.int64).reshape(-1, 2)
        sparse = np.empty(len(counted), dtype=_SPARSE)
        sparse["bin"], sparse["count"] = counted[:, 0], counted[:, 1]
        return [*self._parts, sparse]

    def merge(self, other: Histogram) -> None:
        self._parts.extend(other.arrays())

    def encode(self) -> bytes:
        dense = self.dense()
        nonzero = np.flatnonzero(dense)
        sparse = np.empty(len(nonzero), dtype=_SPARSE)
        sparse["bin"], sparse["count"] = nonzero, dense[nonzero]
        return sparse.tobytes()

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        histogram = cls()
        if blob:
            histogram._parts.append(np.frombuffer(blob, dtype=_SPARSE))
        return histogram

    def dense(self) -> np.ndarray:
        parts = self.arrays()
        if not parts:
            return np.zeros(BIN_COUNT, dtype=np.int64)
        joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return np.bincount(joined["bin"], weights=joined["count"], minlength=BIN_COUNT).astype(np.int64)


def duration_stats(count: int, total: float, maximum: float, histogram: Histogram) -> DurationStats:
    if count == 0:
        return DurationStats()
    cumulative = np.cumsum(histogram.dense())

    def percentile(fraction: float) -> float:
        rank = max(1, math.ceil(fraction * count))
        return bin_floor(int(np.searchsorted(cumulative, rank)))

    return DurationStats(count=count, mean=total / count, median=percentile(0.5), p90=percentile(0.9), max=maximum)


# ---------------------------------------------------------------------------- one row's figures

_COUNTERS: Final = (
    "issued",
    "followups_on_time",
    "followups_late",
    "served",
    "no_shows",
    "transfers",
    "wait_count",
    "service_count",
    "default_ratings",
    "not_rated",
    "pause_count",
    "ab_absences",
)
_SUMS: Final = ("wait_sum", "service_sum", "pause_seconds")
_MAXIMA: Final = ("wait_max", "service_max")
_ADDITIVE: Final = (*_COUNTERS, *_SUMS)


class Figures:
    """The additive figures of one report row over some days; merged across days and stored per day."""

    __slots__ = (
        *_COUNTERS,
        *_SUMS,
        *_MAXIMA,
        "outcomes",
        "ratings",
        "wait_histogram",
        "service_histogram",
        "open_followups",
    )

    def __init__(self) -> None:
        for name in _COUNTERS:
            setattr(self, name, 0)
        for name in (*_SUMS, *_MAXIMA):
            setattr(self, name, 0.0)
        self.outcomes: dict[str, int] = {}
        self.ratings: dict[str, int] = {}
        self.wait_histogram = Histogram()
        self.service_histogram = Histogram()
        # Unresolved follow-ups by deadline (ISO date): open or overdue depends on the day the report is read.
        self.open_followups: dict[str, int] = {}

    # ------------------------------------------------------------ facts

    def add_service(self, fact: _ServiceFact) -> None:
        if fact.queue_wait:  # a call-back of a parked ticket ends no wait in the queue
            self.wait_count += 1
            self.wait_sum += fact.waited
            self.wait_max = max(self.wait_max, fact.waited)
            self.wait_histogram.add_bin(fact.wait_bin)
        if fact.end_reason == "no_show":
            self.no_shows += 1
        elif fact.end_reason == "transferred":
            self.transfers += 1
        elif fact.end_reason == "finished":
            self.served += 1
            self.service_count += 1
            self.service_sum += fact.service_seconds
            self.service_max = max(self.service_max, fact.service_seconds)
            self.service_histogram.add_bin(fact.service_bin)
            if fact.outcome:
                self.outcomes[fact.outcome] = self.outcomes.get(fact.outcome, 0) + 1
        if fact.followup_deadline is not None:
            if fact.followup_resolved_on_time is None:
                deadline = fact.followup_deadline.isoformat()
                self.open_followups[deadline] = self.open_followups.get(deadline, 0) + 1
            elif fact.followup_resolved_on_time:
                self.followups_on_time += 1
            else:
                self.followups_late += 1
        if fact.rated:
            if fact.level is None:
                self.not_rated += 1
            elif fact.is_default:
                self.default_ratings += 1
            else:
                self.ratings[fact.level] = self.ratings.get(fact.level, 0) + 1

    def add_pause(self, seconds: float) -> None:
        self.pause_count += 1
        self.pause_seconds += seconds
        if seconds > AB_ABSENCE_LIMIT_SECONDS:
            self.ab_absences += 1

    # ------------------------------------------------------------ merging and storing

    def merge(self, other: Figures) -> None:
        for name in (*_COUNTERS, *_SUMS):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in _MAXIMA:
            setattr(self, name, max(getattr(self, name), getattr(other, name)))
        for name, count in other.outcomes.items():
            self.outcomes[name] = self.outcomes.get(name, 0) + count
        for name, count in other.ratings.items():
            self.ratings[name] = self.ratings.get(name, 0) + count
        self.wait_histogram.merge(other.wait_histogram)
        self.service_histogram.merge(other.service_histogram)
        for deadline, count in other.open_followups.items():
            self.open_followups[deadline] = self.open_followups.get(deadline, 0) + count

    def counters_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in (*_COUNTERS, *_SUMS, *_MAXIMA)}
        data["outcomes"] = dict(self.outcomes)
        data["ratings"] = dict(self.ratings)
        data["open_followups"] = dict(self.open_followups)
        return data

    def row(self, key: str, label: Bilingual, issued_applies: bool, today: date) -> ReportRow:
        """The report row as read on ``today``: an unresolved follow-up past its deadline is overdue."""
        due = today.isoformat()
        past_due = sum(count for deadline, count in self.open_followups.items() if deadline < due)
        return ReportRow(
            key=key,
            label=label,
            issued=self.issued if issued_applies else None,
            served=self.served,
            no_shows=self.no_shows,
            transfers=self.transfers,
            wait=duration_stats(self.wait_count, self.wait_sum, self.wait_max, self.wait_histogram),
            service=duration_stats(self.service_count, self.service_sum, self.service_max, self.service_histogram),
            outcomes={outcome: self.outcomes.get(outcome.value, 0) for outcome in Outcome},
            ratings={level: self.ratings.get(level.value, 0) for level in RatingLevel},
            default_ratings=self.default_ratings,
            not_rated=self.not_rated,
            followups_on_time=self.followups_on_time,
            followups_overdue=self.followups_late + past_due,
            followups_open=sum(self.open_followups.values()) - past_due,
            pause_count=self.pause_count,
            pause_seconds=self.pause_seconds,
            ab_absences=self.ab_absences,
        )


class _RollupSum:
    """The running sum of stored rollup rows for one report row: numbers added as they are read, histogram
    blobs kept as bytes and decoded once, joined. Summing a year of rows this way costs a few dict operations
    per stored row, where building and merging a :class:`Figures` per row cost far more than the reading."""

    __slots__ = ("_additive", "_maxima", "_open_followups", "_outcomes", "_ratings", "_service_blobs", "_wait_blobs")

    def __init__(self) -> None:
        self._additive: dict[str, float] = dict.fromkeys(_ADDITIVE, 0)
        self._maxima: dict[str, float] = dict.fromkeys(_MAXIMA, 0.0)
        self._outcomes: dict[str, int] = {}
        self._ratings: dict[str, int] = {}
        self._open_followups: dict[str, int] = {}
        self._wait_blobs: list[bytes] = []
        self._service_blobs: list[bytes] = []

    def add(self, counters: dict[str, Any], wait_histogram: bytes, service_histogram: bytes) -> None:
        additive, maxima = self._additive, self._maxima
        for name in _ADDITIVE:
            value = counters.get(name)
            if value:
                additive[name] += value
        for name in _MAXIMA:
            value = counters.get(name)
            if value and value > maxima[name]:
                maxima[name] = value
        for field, sums in (("outcomes", self._outcomes), ("ratings", self._ratings), ("open_followups", self._open_followups)):
            for name, count in counters.get(field, {}).items():
                sums[name] = sums.get(name, 0) + count
        if wait_histogram:
            self._wait_blobs.append(wait_histogram)
        if service_histogram:
            self._service_blobs.append(service_histogram)

    def figures(self) -> Figures:
        figures = Figures()
        for name in _COUNTERS:
            setattr(figures, name, int(self._additive[name]))
        for name in _SUMS:
            setattr(figures, name, float(self._additive[name]))
        for name in _MAXIMA:
            setattr(figures, name, float(self._maxima[name]))
        figures.outcomes = {str(name): int(count) for name, count in self._outcomes.items()}
        figures.ratings = {str(name): int(count) for name, count in self._ratings.items()}
        figures.open_followups = {str(name): int(count) for name, count in self._open_followups.items()}
        figures.wait_histogram = Histogram.decode(b"".join(self._wait_blobs))
        figures.service_histogram = Histogram.decode(b"".join(self._service_blobs))
        return figures


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
    days' tickets against a scan of the whole services table (every service in the history), which took 1.2 s for a
    month of a year's history against 0.35 s by looking each ticket's services and ratings up in their indexes; the
    JIT compilation it then adds costs another 0.1 s, and the sort spills to disk under the default work_mem."""
    connection.exec_driver_sql(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; SET LOCAL work_mem = '32MB'"
    )


def _plain_rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of ``query`` as the driver's own tuples, on the connection's transaction: SQLAlchemy's Row objects
    and their per-value processing cost ~0.2 s for the ~130 k 好差评 records of a month, so the columns are
    chosen to need none. The values are written into the SQL (only numbers and dates are ever bound here, and the
    PostgreSQL form has no '%' that the driver would see doubled)."""
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
    cyclic garbage collector again and again over an ever larger heap: it took a third of the time. It is paused
    for the build and resumed after, unless someone else had paused it; another thread building at the same
    time may resume it early, which only costs speed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------------------- raw facts


@dataclass(frozen=True, slots=True)
class _ServiceFact:
    day: date
    hour: int  # hall-local hour the ticket was taken
    series: str
    item: str
    window: str
    clerk: str
    department: str
    waited: float
    queue_wait: bool  # False: a call-back of a parked ticket, left out of the waiting-time figures
    service_seconds: float
    wait_bin: int  # histogram bins, computed once per service rather than once per dimension
    service_bin: int
    end_reason: str
    outcome: str
    rated: bool  # a rating row exists (a level, a default, or 'not rated')
    level: str | None
    is_default: bool
    followup_deadline: date | None  # the 差评 follow-up's deadline, if the rating opened one
    followup_resolved_on_time: bool | None  # None while unresolved


# The grouping dimensions stored in rollups; day / week / month / weekday are hall rows by day.
ROLLUP_DIMENSIONS: Final = (
    Dimension.HALL,
    Dimension.CATEGORY,
    Dimension.ITEM,
    Dimension.WINDOW,
    Dimension.CLERK,
    Dimension.DEPARTMENT,
    Dimension.HOUR,
)
_TIME_DIMENSIONS: Final = frozenset({Dimension.HALL, Dimension.DAY, Dimension.WEEK, Dimension.MONTH, Dimension.WEEKDAY})
_NOT_PER_TICKET: Final = frozenset({Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT})
_FILTER_DIMENSIONS: Final = {
    "category": Dimension.CATEGORY,
    "window": Dimension.WINDOW,
    "clerk": Dimension.CLERK,
    "department": Dimension.DEPARTMENT,
}
HALL_KEY: Final = ""  # the key of the one hall row in rollups
_LONG_PERIOD_DAYS: Final = 62  # from here a window-filtered service query starts from the window (see _service_days)


@dataclass
class _Context:
    """What a report needs besides the facts: the hall's zone and today, and names for the keys."""

    hall_id: int
    hours: HoursConfig
    rules: RulesConfig
    today: date
    first_open_day: date  # days before this one are closed and may be rolled up
    categories: dict[int, Category]
    category_by_series: dict[str, Category]
    windows: dict[int, Window]
    clerks: dict[int, Clerk]
    items: dict[str, Item]

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.hours.zone)

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.hours.zone).astimezone(UTC)


Groups = dict[tuple[date, Dimension, str], Figures]


def _keys_of_service(fact: _ServiceFact) -> dict[Dimension, str]:
    return {
        Dimension.HALL: HALL_KEY,
        Dimension.CATEGORY: fact.series,
        Dimension.ITEM: fact.item,
        Dimension.WINDOW: fact.window,
        Dimension.CLERK: fact.clerk,
        Dimension.DEPARTMENT: fact.department,
        Dimension.HOUR: f"{fact.hour:02d}",
    }


class _Collector:
    """Aggregates raw rows of a day range into figures per (day, dimension, key)."""

    def __init__(self, session: Session, context: _Context, wanted: ReportFilter, dimensions: Iterable[Dimension]) -> None:
        self.session = session
        self.context = context
        self.wanted = wanted
        self.dimensions = tuple(dict.fromkeys(dimensions))
        self.groups: Groups = {}
        self.clock_now: datetime | None = None  # set by the caller: an open pause counts until now

    def figures(self, day: date, dimension: Dimension, key: str) -> Figures:
        slot = (day, dimension, key)
        found = self.groups.get(slot)
        if found is None:
            found = self.groups[slot] = Figures()
        return found

    # ------------------------------------------------------------ filters on raw rows

    def _service_conditions(self) -> list[Any]:
        wanted, context = self.wanted, self.context
        conditions: list[Any] = []
        if wanted.category is not None:
            category = context.category_by_series.get(wanted.category)
            conditions.append(Service.category_id == (category.id if category else -1))
        if wanted.window is not None:
            conditions.append(Service.window_id.in_([w.id for w in context.windows.values() if w.number == wanted.window] or [-1]))
        if wanted.clerk is not None:
            conditions.append(Service.clerk_id.in_([c.id for c in context.clerks.values() if c.staff_no == wanted.clerk] or [-1]))
        if wanted.department is not None:
            conditions.append(Service.department == wanted.department)
        return conditions

    # ------------------------------------------------------------ collecting

    def collect(self, start: date, end: date) -> Groups:
        self._tickets(start, end)
        self._services(start, end)
        self._pauses(start, end)
        return self.groups

    def _tickets(self, start: date, end: date) -> None:
        wanted = self.wanted
        if wanted.window is not None or wanted.clerk is not None or wanted.department is not None:
            return  # tickets are taken per category: 'issued' has no meaning for these filters
        conditions = [Ticket.hall_id == self.context.hall_id, Ticket.business_day.between(start, end)]
        if wanted.category is not None:
            conditions.append(Ticket.series == wanted.category)
        dimensions = [d for d in self.dimensions if d in (Dimension.HALL, Dimension.CATEGORY, Dimension.ITEM, Dimension.HOUR)]
        if Dimension.ITEM not in dimensions and Dimension.HOUR not in dimensions:
            # Counts per day and category are all that is needed: counted by the database, not
            # row by row here (a year of one category by window: 125,000 tickets, 2 s -> 0.1 s).
            counted = select(Ticket.business_day, Ticket.series, func.count()).where(*conditions).group_by(Ticket.business_day, Ticket.series)
            for day, series, count in self.session.execute(counted):
                for dimension in dimensions:
                    self.figures(day, dimension, HALL_KEY if dimension is Dimension.HALL else series).issued += count
            return
        query = select(Ticket.business_day, Ticket.series, Ticket.items, Ticket.issued_at).where(*conditions)
        for day, series, items, issued_at in self.session.execute(query.order_by(Ticket.id)):
            keys = {
                Dimension.HALL: HALL_KEY,
                Dimension.CATEGORY: series,
                # A ticket counts once, under the first item it was taken for (the one its service records).
                Dimension.ITEM: items[0] if items else "",
                Dimension.HOUR: f"{self.context.local(issued_at).hour:02d}",
            }
            for dimension in dimensions:
                self.figures(day, dimension, keys[dimension]).issued += 1

    def _service_days(self, start: date, end: date) -> Any:
        """The services' day condition. SQLite keeps no statistics unless ANALYZE runs, so it drives every service
        query from the tickets of the period, even when the report is filtered to one window: a year of one window
        by item then reads a year of tickets (2.3 s on the benchmark year). ``likely()`` tells its planner the day
        range is no filter to start from, so it reads the window's services (services_by_window) and looks their
        tickets up: 0.25 s. The same for one clerk or one category (services_by_clerk, services_by_category: a
        clerk's year by item 2.2 -> 0.9 s). Only for long periods: for a day or a month the tickets of the period
        are as cheap."""
        condition = Ticket.business_day.between(start, end)
        wanted = self.wanted
        one_of_few = wanted.window is not None or wanted.clerk is not None or wanted.category is not None
        if one_of_few and (end - start).days >= _LONG_PERIOD_DAYS and self.session.get_bind().dialect.name == "sqlite":
            return func.likely(condition)
        return condition

    def service_facts(self, start: date, end: date) -> Iterator[_ServiceFact]:
        context = self.context
        query = (
            select(
                Ticket.business_day,
                Ticket.issued_at,
                Service.category_id,
                Service.item_code,
                Service.window_id,
                Service.clerk_id,
                Service.department,
                Service.waited_seconds,
                Service.queue_wait,
                Service.started_at,
                Service.ended_at,
                Service.end_reason,
                Service.outcome,
                Rating.id,
                Rating.level,
                Rating.is_default,
                FollowUp.deadline,
                FollowUp.status,
                FollowUp.resolved_at,
            )
            .join(Ticket, Ticket.id == Service.ticket_id)
            .outerjoin(Rating, Rating.service_id == Service.id)
            .outerjoin(FollowUp, FollowUp.rating_id == Rating.id)
            .where(Ticket.hall_id == context.hall_id, self._service_days(start, end), *self._service_conditions())
            .order_by(Service.id)
        )
        windows, clerks, categories = context.windows, context.clerks, context.categories
        for row in self.session.execute(query):
            (
                day,
                issued_at,
                category_id,
                item,
                window_id,
                clerk_id,
                department,
                waited,
                queue_wait,
                started,
                ended,
                reason,
                outcome,
                rating_id,
                level,
                default,
                deadline,
                followup_status,
                resolved_at,
            ) = row
            window = windows.get(window_id)
            clerk = clerks.get(clerk_id) if clerk_id is not None else None
            category = categories.get(category_id)
            service_seconds = max(0.0, (ended - started).total_seconds()) if reason == "finished" and started and ended else 0.0
            waited = max(0.0, float(waited or 0.0))
            resolved_on_time = None
            if deadline is not None and followup_status != "open" and resolved_at is not None:
                # on time = resolved by the end of the deadline's day, hall time
                resolved_on_time = context.local(resolved_at).date() <= deadline
            yield _ServiceFact(
                day=day,
                hour=context.local(issued_at).hour,
                series=category.series if category else "",
                item=item or "",
                window=str(window.number) if window else "",
                clerk=clerk.staff_no if clerk else "",
                department=department or "",
                waited=waited,
                queue_wait=bool(queue_wait),
                service_seconds=service_seconds,
                wait_bin=bin_of(waited),
                service_bin=bin_of(service_seconds),
                end_reason=reason or "",
                outcome=outcome or "",
                rated=rating_id is not None,
                level=level,
                is_default=bool(default),
                followup_deadline=deadline,
                followup_resolved_on_time=resolved_on_time,
            )

    def _services(self, start: date, end: date) -> None:
        dimensions = [d for d in self.dimensions if d in ROLLUP_DIMENSIONS]
        for fact in self.service_facts(start, end):
            keys = _keys_of_service(fact)
            for dimension in dimensions:
                self.figures(fact.day, dimension, keys[dimension]).add_service(fact)

    def _pauses(self, start: date, end: date) -> None:
        """Pauses belong to a window (and the clerk who paused), on the business day they began."""
        wanted, context = self.wanted, self.context
        if wanted.category is not None:
            return  # a pause stops a window, not a category
        query = select(Pause.window_id, Pause.clerk_id, Pause.started_at, Pause.ended_at).where(
            Pause.hall_id == context.hall_id,
            Pause.started_at >= context.day_start(start),
            Pause.started_at < context.day_start(end + timedelta(days=1)),
        )
        dimensions = [
            d for d in self.dimensions if d in (Dimension.HALL, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT, Dimension.HOUR)
        ]
        for window_id, clerk_id, started_at, ended_at in self.session.execute(query.order_by(Pause.id)):
            window = context.windows.get(window_id)
            clerk = context.clerks.get(clerk_id) if clerk_id is not None else None
            keys = {
                Dimension.HALL: HALL_KEY,
                Dimension.WINDOW: str(window.number) if window else "",
                Dimension.CLERK: clerk.staff_no if clerk else "",
                Dimension.DEPARTMENT: window.department if window else "",
                Dimension.HOUR: f"{context.local(started_at).hour:02d}",
            }
            if wanted.window is not None and keys[Dimension.WINDOW] != str(wanted.window):
                continue
            if wanted.clerk is not None and keys[Dimension.CLERK] != wanted.clerk:
                continue
            if wanted.department is not None and keys[Dimension.DEPARTMENT] != wanted.department:
                continue
            until = ended_at or self.clock_now or started_at  # an open pause counts until now
            seconds = max(0.0, (until - started_at).total_seconds())
            day = business_day(context.hours, started_at)
            for dimension in dimensions:
                self.figures(day, dimension, keys[dimension]).add_pause(seconds)


# ---------------------------------------------------------------------------- labels and keys


def _day_label(day: date) -> Bilingual:
    weekday = WEEKDAY_NAMES[day.isoweekday()]
    return Bilingual(f"{day.isoformat()} {weekday.zh}", f"{day.isoformat()} {weekday.en[:3]}")


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_key(dimension: Dimension, day: date) -> str:
    if dimension is Dimension.DAY:
        return day.isoformat()
    if dimension is Dimension.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if dimension is Dimension.MONTH:
        return f"{day.year}-{day.month:02d}"
    if dimension is Dimension.WEEKDAY:
        return str(day.isoweekday())
    return "hall"


def _label(dimension: Dimension, key: str, context: _Context) -> Bilingual:
    if dimension is Dimension.HALL:
        return Bilingual("全厅", "whole hall")
    if dimension is Dimension.DAY:
        return _day_label(date.fromisoformat(key))
    if dimension is Dimension.WEEK:
        year, week = key.split("-W")
        return Bilingual(f"{year}年第{int(week)}周", f"{year} week {int(week)}")
    if dimension is Dimension.MONTH:
        year, month = key.split("-")
        return Bilingual(f"{year}年{int(month)}月", f"{_MONTHS_EN[int(month) - 1]} {year}")
    if dimension is Dimension.WEEKDAY:
        return WEEKDAY_NAMES[int(key)]
    if dimension is Dimension.HOUR:
        hour = int(key)
        return Bilingual(f"{hour:02d}:00–{hour + 1:02d}:00", f"{hour:02d}:00–{hour + 1:02d}:00")
    if dimension is Dimension.CATEGORY:
        category = context.category_by_series.get(key)
        return Bilingual(f"{key} {category.name_zh}", f"{key} {category.name_en or category.name_zh}") if category else Bilingual(key, key)
    if dimension is Dimension.ITEM:
        if not key:
            return Bilingual("未选事项", "no item chosen")
        item = context.items.get(key)
        return Bilingual(f"{key} {item.name_zh}", f"{key} {item.name_en or item.name_zh}") if item else Bilingual(key, key)
    if dimension is Dimension.WINDOW:
        if not key:
            return Bilingual("未知窗口", "unknown window")
        window = next((w for w in context.windows.values() if str(w.number) == key), None)
        name_zh, name_en = (window.name_zh, window.name_en or window.name_zh) if window else ("", "")
        return Bilingual(f"{key}号窗口 {name_zh}".strip(), f"Window {key} {name_en}".strip())
    if dimension is Dimension.CLERK:
        if not key:
            return Bilingual("未登录人员", "no clerk logged in")
        clerk = next((c for c in context.clerks.values() if c.staff_no == key), None)
        name = clerk.name if clerk else ""
        return Bilingual(f"{name}（{key}）" if name else key, f"{name} ({key})" if name else key)
    if dimension is Dimension.DEPARTMENT:
        # Departments are named in Chinese only in the hall's configuration.
        return Bilingual(key, key) if key else Bilingual("未指定部门", "no department")
    raise ValueError(dimension)


def _sort_key(dimension: Dimension, key: str) -> tuple[int, str]:
    if dimension in (Dimension.WINDOW, Dimension.HOUR, Dimension.WEEKDAY) and key.isdigit():
        return (int(key), key)
    return (0, key)


# ---------------------------------------------------------------------------- the queries


REBUILD_MARGIN = timedelta(seconds=60)  # longer than any write transaction: a rating begun before a build may commit after it


class ReportQueries:
    """Reports, 好差评 records and the daily rollups behind them, for one store."""

    def __init__(self, store: StoreCore, *, use_rollups: bool = True) -> None:
        self.store = store
        # use_rollups=False aggregates every day live from raw rows: the reference the rollups are checked against.
        self.use_rollups = use_rollups

    # ------------------------------------------------------------ context

    def _context(self, session: Session, hall_id: int) -> _Context:
        hall = session.get(Hall, hall_id)
        if hall is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        hours, rules = self.store.settings(session, hall)
        today = business_day(hours, self.store.clock.now())
        # A day is closed once it is over *and* the hall has rolled over past it (its open tickets expired).
        first_open = min(today, hall.current_day) if hall.current_day is not None else date.min
        categories = {c.id: c for c in session.scalars(select(Category).where(Category.hall_id == hall_id))}
        return _Context(
            hall_id=hall_id,
            hours=hours,
            rules=rules,
            today=today,
            first_open_day=first_open,
            categories=categories,
            category_by_series={c.series: c for c in categories.values()},
            windows={w.id: w for w in session.scalars(select(Window).where(Window.hall_id == hall_id))},
            clerks={c.id: c for c in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id))},
            items={i.code: i for i in session.scalars(select(Item).where(Item.hall_id == hall_id))},
        )

    # ------------------------------------------------------------ reports

    def report(self, hall_id: int, request: ReportRequest) -> Report:
        if request.end < request.start:
            raise HallRuleError("bad_period", "结束日期早于开始日期", "the period ends before it starts", 422)
        wanted = request.filter
        set_filters = [name for name in _FILTER_DIMENSIONS if getattr(wanted, name) is not None]
        by = request.by
        source_dimension = Dimension.HALL if by in _TIME_DIMENSIONS else by
        rollup_dimension: Dimension | None = None
        rollup_key: str | None = None
        if not set_filters:
            rollup_dimension = source_dimension
        elif len(set_filters) == 1:
            filter_dimension = _FILTER_DIMENSIONS[set_filters[0]]
            if source_dimension in (Dimension.HALL, filter_dimension):
                rollup_dimension, rollup_key = filter_dimension, str(getattr(wanted, set_filters[0]))
        use_rollups = rollup_dimension is not None and self.use_rollups
        # Decided once: a day closed now stays closed, even if the hall rolls over meanwhile.
        closed_end = min(request.end, self._last_closed_day(hall_id))
        if use_rollups:
            self._refresh(hall_id, request.start, closed_end)
        with self.store.read() as session:
            context = self._context(session, hall_id)
            live_start = request.start
            # Every figure is summed in day order (closed days from their rollups, then the live ones), per report row.
            row_sums: dict[str, _RollupSum] = {}
            total_sum = _RollupSum()
            if use_rollups and rollup_dimension is not None and closed_end >= request.start:
                self._load_rollups(session, context, request, closed_end, rollup_dimension, rollup_key, row_sums, total_sum)
                live_start = closed_end + timedelta(days=1)
            rows = {row_key: summed.figures() for row_key, summed in row_sums.items()}
            total = total_sum.figures()
            if live_start <= request.end:
                collector = _Collector(session, context, wanted, {source_dimension, Dimension.HALL})
                collector.clock_now = self.store.clock.now()
                groups = collector.collect(live_start, request.end)
                for day, dimension, key in sorted(groups, key=lambda k: (k[0], k[1].value, k[2])):
                    figures = groups[(day, dimension, key)]
                    if dimension is Dimension.HALL:
                        total.merge(figures)
                        if by in _TIME_DIMENSIONS:
                            rows.setdefault(time_key(by, day), Figures()).merge(figures)
                    elif dimension is source_dimension:
                        rows.setdefault(key, Figures()).merge(figures)
            return self._assemble(request, context, rows, total)

    def _assemble(self, request: ReportRequest, context: _Context, rows: dict[str, Figures], total: Figures) -> Report:
        by, wanted = request.by, request.filter
        issued_applies = wanted.window is None and wanted.clerk is None and wanted.department is None
        report_rows = [
            figures.row(key, _label(by, key, context), issued_applies and by not in _NOT_PER_TICKET, context.today)
            for key, figures in sorted(rows.items(), key=lambda pair: _sort_key(by, pair[0]))
        ]
        return Report(
            request=request, rows=report_rows, total=total.row("total", Bilingual("合计", "total"), issued_applies, context.today)
        )

    def _load_rollups(
        self,
        session: Session,
        context: _Context,
        request: ReportRequest,
        end: date,
        dimension: Dimension,
        key: str | None,
        row_sums: dict[str, _RollupSum],
        total_sum: _RollupSum,
    ) -> None:
        """Sum the stored rows of ``dimension`` (only ``key`` when the report is filtered to it) into the report's
        rows, and the hall rows into the total. A year by clerk is ~35 k stored rows: they are read as plain tuples
        and added straight into one running sum per report row (no figures object per stored row)."""
        by = request.by
        by_time = by in _TIME_DIMENSIONS
        query = select(
            ReportRollup.business_day,
            ReportRollup.dimension,
            ReportRollup.key,
            cast(ReportRollup.counters, Text),  # decoded here, with no per-value type processing on the way
            ReportRollup.wait_histogram,
            ReportRollup.service_histogram,
        ).where(ReportRollup.hall_id == context.hall_id, ReportRollup.business_day.between(request.start, end))
        if key is not None:
            # Filtered to one key: the key's own rows are both the rows and the total.
            query = query.where(ReportRollup.dimension == dimension.value, ReportRollup.key == key)
        else:
            query = query.where(ReportRollup.dimension.in_(sorted({dimension.value, Dimension.HALL.value})))
        hall = Dimension.HALL.value
        time_keys: dict[date, str] = {}
        rows = session.connection().execute(query.order_by(ReportRollup.business_day, ReportRollup.dimension, ReportRollup.key)).all()
        for day, dimension_name, stored_key, counters_json, wait_blob, service_blob in rows:
            counters = json.loads(counters_json)
            is_total = key is not None or dimension_name == hall
            if is_total:
                total_sum.add(counters, wait_blob, service_blob)
            if by_time:
                if not is_total:
                    continue
                row_key = time_keys.get(day)
                if row_key is None:
                    row_key = time_keys[day] = time_key(by, day)
            elif key is None and dimension_name == hall:
                continue
            else:
                row_key = stored_key
            summed = row_sums.get(row_key)
            if summed is None:
                summed = row_sums[row_key] = _RollupSum()
            summed.add(counters, wait_blob, service_blob)

    # ------------------------------------------------------------ 好差评 records

    def rating_records(self, hall_id: int, start: date, end: date) -> list[RatingRecord]:
        """Citizens' and default ratings of services on business days start..end, oldest first.
        No personal data: the rater is never stored, comments are left out (they may name people).

        A busy month is ~130 k records and a manager waits for them, so the work is done a column at a time rather
        than a row at a time: the database writes the case numbers and gives the instants as whole seconds since
        1970, numpy turns those into local ISO texts (:func:`_local_iso_texts`), the names of categories, windows
        and clerks and the rating levels are mapped per column with dict look-ups, the reasons are read as JSON
        text and decoded only when there are any (most ratings have none), and the records are built by one
        ``map`` over the columns."""
        # The cyclic collector stays paused from the fetch to the last record: the ~130 k rows and records hold no
        # cycles, and every pass over them while they are young cost ~0.05 s.
        with _without_cycle_collection():
            with self.store.read() as session:
                context = self._context(session, hall_id)
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

    # ------------------------------------------------------------ rollups

    def _last_closed_day(self, hall_id: int) -> date:
        with self.store.read() as session:
            return self._context(session, hall_id).first_open_day - timedelta(days=1)

    def refresh_rollups(self, hall_id: int, progress: Callable[[date], None] | None = None) -> int:
        """Build the rollups of every closed day that has none or a stale one; returns the days built.

        ``progress`` is called with each day built (a year takes a while; see the module docstring)."""
        return self._refresh(hall_id, date.min, self._last_closed_day(hall_id), progress)

    def _refresh(self, hall_id: int, start: date, end: date, progress: Callable[[date], None] | None = None) -> int:
        """Build each closed day of start..end without a rollup. Empty days get their (empty) record
        too, so they are not looked at again; days before the hall's first ticket or pause are skipped."""
        if end < start:
            return 0
        self._mark_stale_days(hall_id)
        with self.store.read() as session:
            first = self._first_day(session, hall_id)
            if first is None:
                return 0
            start = max(start, first)
            built = set(
                session.scalars(
                    select(ReportDay.business_day).where(ReportDay.hall_id == hall_id, ReportDay.business_day.between(start, end))
                )
            )
        count = 0
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            if day in built:
                continue
            self._build_day(hall_id, day)
            count += 1
            if progress is not None:
                progress(day)
        return count

    def _first_day(self, session: Session, hall_id: int) -> date | None:
        """The hall's first business day with a ticket or a pause (both found through an index)."""
        first_ticket = session.scalar(select(func.min(Ticket.business_day)).where(Ticket.hall_id == hall_id))
        first_pause = session.scalar(select(func.min(Pause.started_at)).where(Pause.hall_id == hall_id))
        hall = session.get(Hall, hall_id)
        if hall is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        hours, _ = self.store.settings(session, hall)
        days = [day for day in (first_ticket, business_day(hours, first_pause) if first_pause else None) if day is not None]
        return min(days) if days else None

    def _build_day(self, hall_id: int, day: date) -> None:
        built_at = self.store.clock.now()
        with self.store.read() as session:
            context = self._context(session, hall_id)
            collector = _Collector(session, context, ReportFilter(), ROLLUP_DIMENSIONS)
            collector.clock_now = built_at
            groups = collector.collect(day, day)
            hall_figures = groups.get((day, Dimension.HALL, HALL_KEY))
            pending = hall_figures.not_rated if hall_figures else 0
        rows = [
            {
                "hall_id": hall_id,
                "business_day": day,
                "dimension": dimension.value,
                "key": key,
                "counters": figures.counters_json(),
                "wait_histogram": figures.wait_histogram.encode(),
                "service_histogram": figures.service_histogram.encode(),
            }
            for (_, dimension, key), figures in groups.items()
        ]

        def write(uow: UnitOfWork) -> None:
            session = uow.session
            session.execute(delete(ReportRollup).where(ReportRollup.hall_id == hall_id, ReportRollup.business_day == day))
            session.execute(delete(ReportDay).where(ReportDay.hall_id == hall_id, ReportDay.business_day == day))
            if rows:
                session.execute(ReportRollup.__table__.insert(), rows)
            session.add(ReportDay(hall_id=hall_id, business_day=day, built_at=built_at, pending_ratings=pending))

        try:
            self.store.write(hall_id, write)
        except HallRuleError as error:
            if error.code != "conflict":  # another process built the same day at the same moment: theirs is as good
                raise

    def _days_with_changed_followups(
        self, session: Session, hall_id: int, since: datetime | None, built: dict[date, tuple[datetime, int]]
    ) -> set[date]:
        """Closed days whose 差评 follow-ups were updated after the build. Every update goes through
        ``update_followup``, which writes an audit entry ("followup", with the follow-up's id): the
        audit log (indexed by time) is the change record; a reopened follow-up leaves no other trace."""
        query = select(AuditEntry.detail, AuditEntry.created_at).where(AuditEntry.hall_id == hall_id, AuditEntry.action == "followup")
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        changed_at: dict[int, datetime] = {}
        for detail, created_at in session.execute(query):
            followup_id = detail.get("followup") if isinstance(detail, dict) else None
            if isinstance(followup_id, int):
                changed_at[followup_id] = max(created_at, changed_at.get(followup_id, created_at))
        if not changed_at:
            return set()
        days = session.execute(
            select(FollowUp.id, Ticket.business_day)
            .join(Rating, Rating.id == FollowUp.rating_id)
            .join(Service, Service.id == Rating.service_id)
            .join(Ticket, Ticket.id == Service.ticket_id)
            .where(FollowUp.id.in_(sorted(changed_at)))
        )
        return {day for followup_id, day in days if day in built and changed_at[followup_id] >= built[day][0] - REBUILD_MARGIN}

    def _mark_stale_days(self, hall_id: int) -> None:
        """Forget the rollups of closed days whose ratings or follow-ups changed after they were built."""
        checked_at = self.store.clock.now()
        with self.store.read() as session:
            context = self._context(session, hall_id)
            since = session.scalar(select(ReportWatermark.ratings_checked_to).where(ReportWatermark.hall_id == hall_id))
            built = {
                day: (built_at, pending)
                for day, built_at, pending in session.execute(
                    select(ReportDay.business_day, ReportDay.built_at, ReportDay.pending_ratings).where(ReportDay.hall_id == hall_id)
                )
            }
            if not built:
                stale: set[date] = set()
            else:
                new_ratings = (
                    select(Ticket.business_day, func.max(Rating.created_at))
                    .join(Service, Service.id == Rating.service_id)
                    .join(Ticket, Ticket.id == Service.ticket_id)
                    .where(Rating.hall_id == hall_id)
                    .group_by(Ticket.business_day)
                )
                if since is not None:
                    new_ratings = new_ratings.where(Rating.created_at >= since)
                stale = {
                    day
                    for day, newest in session.execute(new_ratings)
                    if day in built and newest is not None and newest >= built[day][0] - REBUILD_MARGIN
                }
                stale |= self._days_with_changed_followups(session, hall_id, since, built)
                if context.rules.default_rating_days > 0:
                    # 'Not rated' rows turned into defaults in place keep their created_at: compare counts.
                    pending_now = dict(
                        session.execute(
                            select(Ticket.business_day, func.count())
                            .select_from(Rating)
                            .join(Service, Service.id == Rating.service_id)
                            .join(Ticket, Ticket.id == Service.ticket_id)
                            .where(Rating.hall_id == hall_id, Rating.level.is_(None))
                            .group_by(Ticket.business_day)
                        ).all()
                    )
                    stale |= {day for day, (_, pending) in built.items() if pending_now.get(day, 0) != pending}

        def write(uow: UnitOfWork) -> None:
            session = uow.session
            if stale:
                ordered = sorted(stale)
                session.execute(delete(ReportDay).where(ReportDay.hall_id == hall_id, ReportDay.business_day.in_(ordered)))
                session.execute(delete(ReportRollup).where(ReportRollup.hall_id == hall_id, ReportRollup.business_day.in_(ordered)))
            mark = checked_at - REBUILD_MARGIN
            row = session.get(ReportWatermark, hall_id)
            if row is None:
                session.add(ReportWatermark(hall_id=hall_id, ratings_checked_to=mark))
            elif since is None or mark > since:
                row.ratings_checked_to = mark

        self.store.write(hall_id, write)


__all__ = ["BIN_COUNT", "Figures", "Histogram", "ReportQueries", "bin_floor", "bin_of", "duration_stats", "time_key"]
