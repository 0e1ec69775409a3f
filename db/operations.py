"""Hall operations: issue, call, recall, start, finish, transfer, park, pause, login, rate ...

Each public method of :class:`HallStore` is one transaction (see :mod:`db.store`). The rules
come from hall/ (state machine, call order, calendar, waits); this module turns them into
conditional updates whose row counts prove the change won against concurrent terminals.
"""

from __future__ import annotations

import functools
import secrets
import time as _time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from db.fast_sql import run
from db.models import (
    Appointment,
    AuditEntry,
    Category,
    Clerk,
    ClerkSession,
    DayCounter,
    Device,
    FollowUp,
    Hall,
    Item,
    Pause,
    Rating,
    Service,
    Ticket,
    Window,
    WindowCategory,
)
from db.security import mask_name, mask_phone, new_token, token_hash, verify_pin
from db.store import StoreCore, UnitOfWork
from hall.calendar import add_days, hall_state
from hall.call_order import Candidate, WindowQueues, choose_next, requeue_key
from hall.numbering import format_number, parse_number
from hall.text import HallRuleError
from hall.tickets import (
    BAD_RATING_REASONS,
    MAX_PROMISED_WORKING_DAYS,
    PRIORITY_REASONS,
    Action,
    Outcome,
    RatingLevel,
    TicketSource,
    TicketStatus,
    next_status,
    promised_working_days,
)
from hall.waits import estimate_wait_minutes

T = TypeVar("T")

ROLES = ("kiosk", "counter", "display", "pad", "manager", "clerk")
RATING_WINDOW = timedelta(minutes=15)  # a pad may rate the service that finished within this time
ACTIVE_STATUSES = (TicketStatus.CALLED.value, TicketStatus.SERVING.value)
# Delivered at commit to every server process listening (server.events), which then forgets the tokens it resolved.
TOKENS_CHANGED_CHANNEL = "hallq_tokens"
NOTIFY_TOKENS_CHANGED = text(f"SELECT pg_notify('{TOKENS_CHANGED_CHANNEL}', '')")
CALL_ATTEMPTS = 10  # each failed attempt means another window called that head: the queue moved on
INFORMATION_SECONDS = 1.0  # how long windows-serving and observed service minutes (estimated waits) are reused

# The hot paths (issue, call-next, start, finish) use SQLAlchemy Core on these tables: no ORM
# objects, identity map, flush or refresh per operation.
TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
CATEGORIES: Table = Category.__table__  # type: ignore[assignment]
ITEMS: Table = Item.__table__  # type: ignore[assignment]
WINDOWS: Table = Window.__table__  # type: ignore[assignment]
WINDOW_CATEGORIES: Table = WindowCategory.__table__  # type: ignore[assignment]
SERVICES: Table = Service.__table__  # type: ignore[assignment]
DAY_COUNTERS: Table = DayCounter.__table__  # type: ignore[assignment]

# "status IN ('called', 'serving')" spelled with literals, as in the partial unique index
# one_ticket_at_window: SQLite uses a partial index only when the query's own text implies the
# index's condition, which bound parameters never do (with them it scans every ticket ever issued).
AT_A_WINDOW = TICKETS.c.status.in_([literal_column(f"'{status}'") for status in ACTIVE_STATUSES])
# The same for tickets_due_appointments (status = 'waiting'): with the status bound, SQLite could
# use that partial index only by preparing call-next's queue read again for each execution's
# values — 0.35 ms a call, more than the index saved at 5,000 waiting.
IS_WAITING = TICKETS.c.status == literal_column(f"'{TicketStatus.WAITING.value}'")


class NotAnIndexKey(ColumnElement[Any]):
    """A column that SQLite must not look up by index: rendered with SQLite's documented unary
    ``+`` (a no-op on the value), plainly elsewhere. For "waiting in this category today" SQLite
    otherwise picks tickets_by_day (every waiting ticket of the day, thousands in a big hall)
    over queue_head (the category's own queue); PostgreSQL plans from statistics."""

    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(NotAnIndexKey)
def _plain_column(element: NotAnIndexKey, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(NotAnIndexKey, "sqlite")
def _unindexed_column(element: NotAnIndexKey, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


TODAY_IN_QUEUE = NotAnIndexKey(TICKETS.c.business_day)
# Tickets transferred to a window are found through tickets_transferred_to_window, so the day
# must not be an index key either: through tickets_by_day SQLite read every waiting ticket of the
# day (2.5 ms per call-next at 6,000 waiting; 0.46 ms through the transfer index).
TRANSFERRED_DAY = TODAY_IN_QUEUE
_WAITING_IN_QUEUE = and_(
    TICKETS.c.hall_id == bindparam("hall_id"),
    TODAY_IN_QUEUE == bindparam("day"),
    TICKETS.c.category_id == bindparam("category_id"),
    TICKETS.c.status == TicketStatus.WAITING.value,
)
COUNT_QUEUE = select(func.count()).where(_WAITING_IN_QUEUE)


def _count_ahead(priority: bool) -> Any:
    """Everyone waiting in the queue and those ahead of one ticket, in one pass over the queue."""
    earlier = or_(
        TICKETS.c.queue_key < bindparam("queue_key"),
        and_(TICKETS.c.queue_key == bindparam("queue_key"), TICKETS.c.id < bindparam("ticket_id")),
    )
    ahead = and_(TICKETS.c.priority, earlier) if priority else or_(TICKETS.c.priority, earlier)
    return select(func.count(), func.coalesce(func.sum(case((ahead, 1), else_=0)), 0)).where(_WAITING_IN_QUEUE)


COUNT_AHEAD_OF_PRIORITY = _count_ahead(priority=True)
COUNT_AHEAD_OF_REGULAR = _count_ahead(priority=False)

CATEGORY_BY_SERIES = select(
    CATEGORIES.c.id,
    CATEGORIES.c.series,
    CATEGORIES.c.name_zh,
    CATEGORIES.c.name_en,
    CATEGORIES.c.department,
    CATEGORIES.c.expected_service_minutes,
).where(CATEGORIES.c.hall_id == bindparam("hall_id"), CATEGORIES.c.series == bindparam("series"), CATEGORIES.c.active)
INSERT_TICKET = insert(TICKETS).returning(*TICKETS.c)
INSERT_SERVICE = insert(SERVICES)
ITEM_BY_CODE = select(ITEMS.c.code, ITEMS.c.name_zh, ITEMS.c.name_en, ITEMS.c.materials, ITEMS.c.promised_days).where(
    ITEMS.c.hall_id == bindparam("hall_id"), ITEMS.c.code == bindparam("code")
)
_OPEN_SERVICE = and_(SERVICES.c.ticket_id == bindparam("ticket"), SERVICES.c.ended_at.is_(None))
START_SERVICE = (
    update(SERVICES)
    .where(_OPEN_SERVICE)
    .values(started_at=bindparam("started_at"), clerk_id=func.coalesce(bindparam("clerk", type_=Integer), SERVICES.c.clerk_id))
    .returning(SERVICES.c.id)
)
FINISH_SERVICE = (
    update(SERVICES)
    .where(_OPEN_SERVICE)
    .values(
        ended_at=bindparam("ended_at"),
        end_reason="finished",
        outcome=bindparam("outcome"),
        promised_date=bindparam("promised_date"),
        note=bindparam("note"),
        clerk_id=func.coalesce(bindparam("clerk", type_=Integer), SERVICES.c.clerk_id),
        item_code=func.coalesce(bindparam("item", type_=String), SERVICES.c.item_code),
    )
    .returning(SERVICES.c.id, SERVICES.c.clerk_id)
)


DEVICES: Table = Device.__table__  # type: ignore[assignment]
CLERK_SESSIONS: Table = ClerkSession.__table__  # type: ignore[assignment]
CLERKS: Table = Clerk.__table__  # type: ignore[assignment]
DEVICE_BY_TOKEN = (
    select(DEVICES.c.id, DEVICES.c.hall_id, DEVICES.c.role, DEVICES.c.window_id, DEVICES.c.name, WINDOWS.c.number.label("window_number"))
    .select_from(DEVICES.outerjoin(WINDOWS, WINDOWS.c.id == DEVICES.c.window_id))
    .where(DEVICES.c.token_hash == bindparam("digest"), DEVICES.c.revoked_at.is_(None))
)
CLERK_BY_TOKEN = (
    select(
        CLERK_SESSIONS.c.id,
        CLERK_SESSIONS.c.hall_id,
        CLERK_SESSIONS.c.device_id,
        CLERK_SESSIONS.c.window_id,
        CLERK_SESSIONS.c.clerk_id,
        WINDOWS.c.number.label("window_number"),
        CLERKS.c.staff_no,
    )
    .select_from(
        CLERK_SESSIONS.outerjoin(WINDOWS, WINDOWS.c.id == CLERK_SESSIONS.c.window_id).outerjoin(
            CLERKS, CLERKS.c.id == CLERK_SESSIONS.c.clerk_id
        )
    )
    .where(CLERK_SESSIONS.c.token_hash == bindparam("digest"), CLERK_SESSIONS.c.ended_at.is_(None))
)


@functools.cache
def _ticket_transition(value_names: tuple[str, ...]) -> Any:
    """A conditional status change (built once per set of extra columns); no row back means another terminal changed the ticket first."""
    return (
        update(TICKETS)
        .where(TICKETS.c.id == bindparam("ticket"), TICKETS.c.status == bindparam("from_status"))
        .values(status=bindparam("to_status"), **{name: bindparam(name) for name in value_names})
        .returning(*TICKETS.c)
    )


@dataclass(frozen=True)
class WindowRef:
    """The window fields the hot paths need, read with the window's current ticket."""

    id: int
    number: int
    name_zh: str
    name_en: str
    department: str
    state: str


@dataclass(frozen=True)
class CategoryRef:
    id: int
    series: str
    name_zh: str
    name_en: str
    department: str


@dataclass(frozen=True)
class Actor:
    """Who is asking: resolved from a bearer token by the server."""

    hall_id: int
    role: str
    device_id: int | None = None
    window_id: int | None = None
    window_number: int | None = None
    clerk_id: int | None = None
    session_id: int | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.role}:{self.name or self.device_id}"


def not_found(what_zh: str, what_en: str) -> HallRuleError:
    return HallRuleError("not_found", f"找不到{what_zh}", f"{what_en} not found", 404)


# ---------------------------------------------------------------------------- shared queries


def _category_by_series(session: Session, hall_id: int, series: str) -> Category:
    category = session.scalar(select(Category).where(Category.hall_id == hall_id, Category.series == series, Category.active))
    if category is None:
        raise not_found(f"业务类别“{series[:4]}”", f"service category '{series[:4]}'")
    return category


def _window_by_number(session: Session, hall_id: int, number: int, lock: bool = False) -> Window:
    query = select(Window).where(Window.hall_id == hall_id, Window.number == number)
    if lock:
        query = query.with_for_update()
    window = session.scalar(query)
    if window is None:
        raise not_found(f"{number}号窗口", f"window {number}")
    return window


def _window_queues(session: Session, window: Window) -> tuple[WindowQueues, dict[int, str]]:
    rows = session.execute(
        select(Category.id, Category.series, WindowCategory.primary)
        .join(WindowCategory, WindowCategory.category_id == Category.id)
        .where(WindowCategory.window_id == window.id)
        .order_by(WindowCategory.rank)
    ).all()
    primary = [series for _, series, is_primary in rows if is_primary]
    secondary = [series for _, series, is_primary in rows if not is_primary]
    return WindowQueues(window.number, primary, secondary), {cid: series for cid, series, _ in rows}


def _active_ticket(session: Session, window: Window) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.window_id == window.id, AT_A_WINDOW))


def _window_busy(display_number: str) -> HallRuleError:
    return HallRuleError(
        "window_busy",
        f"请先办结、过号或挂起当前号码 {display_number}",
        f"finish, no-show or park the current ticket {display_number} first",
    )


def _require_no_current_ticket(session: Session, window: Window) -> None:
    """Calling, pausing or closing needs the window's current citizen dealt with first."""
    current = _active_ticket(session, window)
    if current is not None:
        raise _window_busy(current.display_number)


def _check_usable(state: str, window_number: int) -> None:
    if state == "closed":
        raise HallRuleError("window_closed", f"{window_number}号窗口已关闭", f"window {window_number} is closed")
    if state == "paused":
        raise HallRuleError(
            "window_paused", f"{window_number}号窗口暂停服务中，请先恢复", f"window {window_number} is paused; resume first"
        )


def _open_service(session: Session, ticket: Ticket) -> Service | None:
    return session.scalar(select(Service).where(Service.ticket_id == ticket.id, Service.ended_at.is_(None)))


def _ticket_for_update(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = uow.session.scalar(select(Ticket).where(Ticket.id == ticket_id, Ticket.hall_id == uow.hall_id).with_for_update())
    if ticket is None:
        raise not_found("该号票", "ticket")
    return ticket


def _transition(uow: UnitOfWork, ticket: Ticket, action: Action, **values: Any) -> TicketStatus:
    """Apply a state change as a conditional update; a concurrent change makes it fail cleanly."""
    current = TicketStatus(ticket.status)
    target = next_status(current, action)
    result = uow.session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == current.value).values(status=target.value, **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise HallRuleError("conflict", "该号票刚被其他窗口处理", "another window just acted on this ticket")
    uow.session.refresh(ticket)
    return target


def ticket_brief(ticket: Ticket, category: Category | None = None, window: Window | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ticket.id,
        "public_id": ticket.public_id,
        "number": ticket.display_number,
        "series": ticket.series,
        "status": ticket.status,
        "priority": ticket.priority,
        "priority_reason": ticket.priority_reason,
        "source": ticket.source,
        "items": ticket.items,
        "issued_at": ticket.issued_at.isoformat(),
        "business_day": ticket.business_day.isoformat(),
        "recall_count": ticket.recall_count,
        "transfer_count": ticket.transfer_count,
        "note": ticket.note,
        "appointment_at": ticket.appointment_at.isoformat() if ticket.appointment_at else None,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
    }
    if category is not None:
        data["category"] = {"series": category.series, "name_zh": category.name_zh, "name_en": category.name_en}
    if window is not None:
        data["window"] = {"number": window.number, "name_zh": window.name_zh, "name_en": window.name_en}
    return data


def _waited_seconds(ticket: Ticket, now: datetime) -> float:
    return max(0.0, now.timestamp() - ticket.queue_key) if ticket.queue_key else 0.0


# ---------------------------------------------------------------------------- business day


def roll_over(uow: UnitOfWork) -> None:
    """A new business day: close yesterday's open tickets (history is kept), numbering restarts.

    The conditional update makes exactly one transaction (of any server process) do the work.
    """
    session, hall_id = uow.session, uow.hall_id
    won = session.execute(
        update(Hall).where(Hall.id == hall_id, or_(Hall.current_day.is_(None), Hall.current_day != uow.today)).values(current_day=uow.today)
    ).rowcount  # type: ignore[attr-defined]
    if won != 1:
        return
    open_statuses = [s.value for s in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.PARKED)]
    stale = select(Ticket.id).where(Ticket.hall_id == hall_id, Ticket.business_day < uow.today, Ticket.status.in_(open_statuses))
    stale_ids = list(session.scalars(stale))
    if stale_ids:
        session.execute(
            update(Service)
            .where(Service.ticket_id.in_(stale_ids), Service.ended_at.is_(None))
            .values(ended_at=uow.now, end_reason="expired")
        )
        session.execute(
            update(Ticket).where(Ticket.id.in_(stale_ids)).values(status=TicketStatus.EXPIRED.value, closed_at=uow.now, window_id=None)
        )
    session.execute(update(Pause).where(Pause.hall_id == hall_id, Pause.ended_at.is_(None)).values(ended_at=uow.now))
    session.execute(update(Window).where(Window.hall_id == hall_id, Window.state == "paused").values(state="open", changed_at=uow.now))
    uow.emit("day_rolled", business_day=uow.today.isoformat(), expired=len(stale_ids))


# ---------------------------------------------------------------------------- the store


class HallStore(StoreCore):
    # ============================================================ issuing

    def issue_ticket(
        self,
        actor: Actor,
        series: str,
        items: list[str] | None = None,
        priority_reason: str | None = None,
        source: str = TicketSource.KIOSK.value,
        idempotency_key: str | None = None,
        _appointment: Appointment | None = None,
    ) -> dict[str, Any]:
        """Take a number. Never capped (限号 is forbidden): the only refusals are a closed hall,
        an unknown category or item, and a walk-in on an appointments-only day."""
        items = list(items or [])
        payload = {"op": "issue", "series": series, "items": items, "priority": priority_reason, "source": source}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            return self._issue(uow, series, items, priority_reason, source, None)

        return self.write(actor.hall_id, work, self._idem(actor, idempotency_key, payload))

    def _issue(
        self, uow: UnitOfWork, series: str, items: list[str], priority_reason: str | None, source: str, appointment: Appointment | None
    ) -> dict[str, Any]:
        connection = uow.connection
        state = hall_state(uow.hours, uow.now)
        if appointment is None and not state.accepts_walk_ins:
            notice = state.notice
            raise HallRuleError("hall_not_taking_walk_ins", notice.zh, notice.en, 409)
        if source not in {s.value for s in TicketSource}:
            raise HallRuleError("bad_source", "未知的取号渠道", "unknown ticket source", 422)
        if priority_reason is not None and priority_reason not in PRIORITY_REASONS:
            raise HallRuleError("bad_priority_reason", "未知的绿色通道类别", "unknown priority reason", 422)
        category = run(connection, CATEGORY_BY_SERIES, {"hall_id": uow.hall_id, "series": series}).first()
        if category is None:
            raise not_found(f"业务类别“{series[:4]}”", f"service category '{series[:4]}'")
        if items:
            known = set(connection.scalars(select(ITEMS.c.code).where(ITEMS.c.category_id == category.id)))
            unknown = [code for code in items if code not in known]
            if unknown:
                raise HallRuleError(
                    "unknown_item", f"该业务下没有事项 {unknown[0][:32]}", f"no item {unknown[0][:32]} in this category", 404
                )
        number = self._next_number(uow, series)
        ticket = run(
            connection, INSERT_TICKET,
            {
                "hall_id": uow.hall_id,
                "public_id": secrets.token_hex(8),
                "business_day": uow.today,
                "series": series,
                "number": number,
                "display_number": format_number(series, number),
                "category_id": category.id,
                "items": items,
                "priority": priority_reason is not None,
                "priority_reason": priority_reason or "",
                "source": source,
                "appointment_at": appointment.slot_at if appointment else None,
                "status": TicketStatus.WAITING.value,
                "issued_at": uow.now,
                "queue_key": uow.now.timestamp(),
                "recall_count": 0,
                "transfer_count": 0,
                "note": "",
                "print_count": 0,
            },
        ).one()
        position = self._position(connection, ticket, category.expected_service_minutes)
        result = ticket_brief(ticket, category)
        result.update(position)
        result["hall_period"] = state.period.value
        uow.emit("ticket_issued", ticket=ticket_brief(ticket, category), waiting=position["waiting_in_category"])
        return result

    def _next_number(self, uow: UnitOfWork, series: str) -> int:
        """The per-(hall, day, series) counter row, created or incremented in one statement under its row lock."""
        return int(
            run(uow.connection, self._take_number, {"hall_id": uow.hall_id, "business_day": uow.today, "series": series}).scalar_one()
        )

    @functools.cached_property
    def _take_number(self) -> Any:
        """INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on both databases (SQLite >= 3.35).
        Written as text because SQLAlchemy does not cache the compiled form of the dialects'
        ``on_conflict_do_update`` ("no key"): compiling it again cost 0.5 ms of every ticket issued."""
        return text(
            "INSERT INTO day_counters (hall_id, business_day, series, last_number) VALUES (:hall_id, :business_day, :series, 1) "
            "ON CONFLICT (hall_id, business_day, series) DO UPDATE SET last_number = day_counters.last_number + 1 "
            "RETURNING last_number"
        ).bindparams(
            bindparam("hall_id", type_=DAY_COUNTERS.c.hall_id.type),
            bindparam("business_day", type_=DAY_COUNTERS.c.business_day.type),
            bindparam("series", type_=DAY_COUNTERS.c.series.type),
        )

    def _position(self, connection: Connection, ticket: Any, expected_minutes: float | None = None) -> dict[str, Any]:
        """People ahead in the ticket's own queue, windows serving it, and the estimated wait."""
        queue = {"hall_id": ticket.hall_id, "day": ticket.business_day, "category_id": ticket.category_id}
        if ticket.status != TicketStatus.WAITING.value:
            total, ahead = run(connection, COUNT_QUEUE, queue).scalar_one(), 0
        else:
            count = COUNT_AHEAD_OF_PRIORITY if ticket.priority else COUNT_AHEAD_OF_REGULAR
            total, ahead = run(connection, count, {**queue, "queue_key": ticket.queue_key, "ticket_id": ticket.id}).one()
        windows = self._windows_serving(connection, ticket.hall_id, ticket.category_id)
        minutes = self._service_minutes(connection, ticket.category_id, ticket.business_day, expected_minutes)
        return {
            "people_ahead": int(ahead),
            "waiting_in_category": int(total),
            "windows_serving": windows,
            "estimated_wait_minutes": estimate_wait_minutes(int(ahead), windows, minutes),
        }

    def _windows_serving(self, connection: Connection, hall_id: int, category_id: int) -> float:
        """Open windows serving the category; a window shared by k categories counts as 1/k.

        Computed for the whole hall at once and kept for a second (dropped at once after a window
        change in this process): it only feeds the estimated wait, never a rule."""
        cached = self._windows_serving_cache.get(hall_id)
        if cached is None or _time.monotonic() - cached[0] > INFORMATION_SECONDS:
            rows = connection.execute(
                select(WINDOW_CATEGORIES.c.window_id, WINDOW_CATEGORIES.c.category_id, WINDOWS.c.state)
                .join(WINDOWS, WINDOWS.c.id == WINDOW_CATEGORIES.c.window_id)
                .where(WINDOWS.c.hall_id == hall_id)
            ).all()
            categories_of_window: dict[int, int] = defaultdict(int)
            for window_id, _category, _state in rows:
                categories_of_window[window_id] += 1
            shares: dict[int, float] = defaultdict(float)
            for window_id, category, window_state in rows:
                if window_state == "open":
                    shares[category] += 1.0 / categories_of_window[window_id]
            cached = (_time.monotonic(), {category: round(share, 2) for category, share in shares.items()})
            self._windows_serving_cache[hall_id] = cached
        return cached[1].get(category_id, 0.0)

    def _service_minutes(self, connection: Connection, category_id: int, day: date, expected: float | None = None) -> float:
        """Mean of the category's last 20 services today (from 5 on), else its configured minutes.
        Kept for a second: it only feeds the estimated wait."""
        cached = self._service_minutes_cache.get((category_id, day))
        if cached is not None and _time.monotonic() - cached[0] <= INFORMATION_SECONDS:
            return cached[1]
        if expected is None:
            expected = connection.execute(
                select(CATEGORIES.c.expected_service_minutes).where(CATEGORIES.c.id == category_id)
            ).scalar_one_or_none()
        recent = connection.execute(
            select(SERVICES.c.started_at, SERVICES.c.ended_at)
            .join(TICKETS, TICKETS.c.id == SERVICES.c.ticket_id)
            .where(
                SERVICES.c.category_id == category_id,
                SERVICES.c.end_reason == "finished",
                TICKETS.c.business_day == day,
                SERVICES.c.started_at.is_not(None),
            )
            .order_by(SERVICES.c.ended_at.desc())
            .limit(20)
        ).all()
        if len(recent) < 5:
            minutes = float(expected if expected is not None else 10.0)
        else:
            minutes = max(1.0, sum((end - start).total_seconds() for start, end in recent) / len(recent) / 60.0)
        if len(self._service_minutes_cache) > 10_000:
            self._service_minutes_cache.clear()
        self._service_minutes_cache[(category_id, day)] = (_time.monotonic(), minutes)
        return minutes

    def _idem(self, actor: Actor, key: str | None, payload: dict[str, Any]) -> tuple[str, str, str] | None:
        if key is None:
            return None
        from db.store import request_hash

        scope = f"{actor.hall_id}:{actor.role}:{actor.device_id}:{actor.session_id or ''}"
        return scope, key, request_hash(payload)

    def reprint(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """Count a reprint (allowed, and logged in the audit trail)."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            ticket = _ticket_for_update(uow, ticket_id)
            ticket.print_count += 1
            uow.emit("ticket_reprinted", number=ticket.display_number, print_count=ticket.print_count)
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="reprint", detail={"ticket": ticket.display_number}, created_at=uow.now
                )
            )
            return {"number": ticket.display_number, "print_count": ticket.print_count}

        return self.write(actor.hall_id, work)

    def ticket_status(self, hall_id: int, ticket_id: int | None = None, public_id: str | None = None) -> dict[str, Any]:
        """What a citizen may see of a ticket: number, status, people ahead, estimated wait —
        and what the hall is calling now. No personal data."""
        with self.read() as session:
            query = select(Ticket)
            query = (
                query.where(Ticket.public_id == public_id)
                if public_id is not None
                else query.where(Ticket.id == ticket_id, Ticket.hall_id == hall_id)
            )
            ticket = session.scalar(query)
            if ticket is None:
                raise not_found("该号票", "ticket")
            category = session.get(Category, ticket.category_id)
            window = session.get(Window, ticket.window_id) if ticket.window_id else None
            hall = session.get(Hall, ticket.hall_id)
            data = ticket_brief(ticket, category, window)
            data.update(self._position(session.connection(), ticket))
            data["hall"] = {"name_zh": hall.name_zh if hall else "", "name_en": hall.name_en if hall else ""}
            data["now_calling"] = self._recent_calls(session, ticket.hall_id, 5)
            return data

    # ============================================================ calling

    def call_next(self, actor: Actor, window_number: int, idempotency_key: str | None = None) -> dict[str, Any]:
        payload = {"op": "call_next", "window": window_number}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            connection = uow.connection
            window = self._usable_window_row(uow, window_number)
            lost: list[int] = []  # heads another window claimed first (PostgreSQL: locked or already called)
            for _attempt in range(CALL_ATTEMPTS):
                queues, categories, candidates = self._head_candidates(uow, window, lost)
                pick = choose_next(candidates, queues, uow.now, uow.rules)
                if pick is None:
                    return {"ticket": None, "window": window_number, "message": {"zh": "当前没有等候的号码", "en": "nobody is waiting"}}
                ticket = run(
                    connection, self._claim_ticket, {"ticket_id": pick.ticket_id, "window_id": window.id, "called_at": uow.now}
                ).first()
                if ticket is not None:
                    return self._after_call(uow, actor, window, ticket, categories.get(ticket.category_id))
                lost.append(pick.ticket_id)
            raise HallRuleError("busy", "叫号冲突过多，请重试", "too many concurrent calls; try again", 503)

        return self.write(actor.hall_id, work, self._idem(actor, idempotency_key, payload))

    @functools.cached_property
    def _claim_ticket(self) -> Any:
        """The conditional update that calls a waiting ticket; no row back means another window won.
        On PostgreSQL a head locked by another window's call is skipped at once instead of waited for."""
        condition = and_(TICKETS.c.id == bindparam("ticket_id"), TICKETS.c.status == TicketStatus.WAITING.value)
        if self.engines.is_postgres:
            free = select(TICKETS.c.id).where(TICKETS.c.id == bindparam("ticket_id")).with_for_update(skip_locked=True)
            condition = and_(condition, TICKETS.c.id.in_(free))
        return (
            update(TICKETS)
            .where(condition)
            .values(
                status=TicketStatus.CALLED.value,
                window_id=bindparam("window_id"),
                called_at=bindparam("called_at"),
                recall_count=0,
                target_window_id=None,
            )
            .returning(*TICKETS.c)
        )

    def _usable_window(self, uow: UnitOfWork, window_number: int) -> Window:
        window = _window_by_number(uow.session, uow.hall_id, window_number, lock=True)
        _check_usable(window.state, window_number)
        _require_no_current_ticket(uow.session, window)
        return window

    def _usable_window_row(self, uow: UnitOfWork, window_number: int) -> Any:
        """The window, locked, with its current ticket's number in the same statement."""
        window = run(uow.connection, self._window_for_call, {"hall_id": uow.hall_id, "number": window_number}).first()
        if window is None:
            raise not_found(f"{window_number}号窗口", f"window {window_number}")
        _check_usable(window.state, window_number)
        if window.current_number is not None:
            raise _window_busy(window.current_number)
        return window

    @functools.cached_property
    def _window_for_call(self) -> Any:
        current = select(TICKETS.c.display_number).where(TICKETS.c.window_id == WINDOWS.c.id, AT_A_WINDOW).limit(1).scalar_subquery()
        query = select(*WINDOWS.c, current.label("current_number")).where(
            WINDOWS.c.hall_id == bindparam("hall_id"), WINDOWS.c.number == bindparam("number")
        )
        return query.with_for_update(of=WINDOWS) if self.engines.is_postgres else query

    def _head_candidates(self, uow: UnitOfWork, window: Any, lost: list[int]) -> tuple[WindowQueues, dict[int, Any], list[Candidate]]:
        """The window's categories and the few tickets that can be next — each category's head,
        its first due appointment, and the head of tickets transferred to this window — in one
        statement. The pure rule in hall.call_order picks among them."""
        params: dict[str, Any] = {
            "window_id": window.id,
            "hall_id": uow.hall_id,
            "day": uow.today,
            "due_before": uow.now + timedelta(minutes=uow.rules.appointment_grace_minutes),
        }
        if lost:
            params["lost"] = lost
        rows = (uow.connection.execute(self._candidates_excluding_lost, params) if lost else run(uow.connection, self._candidates_query, params)).all()
        primary: list[str] = []
        secondary: list[str] = []
        categories: dict[int, Any] = {}
        found: dict[int, Candidate] = {}
        for row in rows:
            if row.category_id is not None and row.category_id not in categories:
                categories[row.category_id] = row
                (primary if row.primary else secondary).append(row.series)
        for row in rows:
            if row.ticket_id is not None and row.ticket_id not in found:
                served = categories.get(row.ticket_category_id)
                found[row.ticket_id] = Candidate(
                    ticket_id=row.ticket_id,
                    # A ticket transferred to another category keeps its printed series letter
                    # but queues in the new category: rank it by the category it waits in.
                    series=served.series if served is not None else row.ticket_series,
                    queue_key=row.queue_key,
                    priority=row.priority,
                    appointment_at=row.appointment_at,
                    target_window=window.number if row.target_window_id == window.id else None,
                )
        return WindowQueues(window.number, primary, secondary), categories, list(found.values())

    @functools.cached_property
    def _candidates_query(self) -> Any:
        return self._build_candidates_query(excluding_lost=False)

    @functools.cached_property
    def _candidates_excluding_lost(self) -> Any:
        """For a second attempt, without the heads another window claimed first. A separate
        statement because an expanding IN is rendered again on every execution (0.1 ms of every
        call-next), and the first attempt, nearly always the only one, has nothing to exclude."""
        return self._build_candidates_query(excluding_lost=True)

    def _build_candidates_query(self, excluding_lost: bool) -> Any:
        def waiting(day: ColumnElement[Any]) -> ColumnElement[bool]:
            condition = and_(TICKETS.c.hall_id == bindparam("hall_id"), day == bindparam("day"), IS_WAITING)
            return and_(condition, TICKETS.c.id.not_in(bindparam("lost", expanding=True))) if excluding_lost else condition

        reachable = or_(TICKETS.c.target_window_id.is_(None), TICKETS.c.target_window_id == bindparam("window_id"))
        in_category = and_(waiting(TODAY_IN_QUEUE), TICKETS.c.category_id == WINDOW_CATEGORIES.c.category_id, reachable)
        queue_order = (TICKETS.c.priority.desc(), TICKETS.c.queue_key, TICKETS.c.id)

        def head(priority: bool) -> Any:
            # One head per lane: the queue_head index (…, priority, queue_key, id) then hands
            # over the first row directly; "priority DESC, queue_key" over both lanes made SQLite
            # read and sort the category's whole queue. A priority lane's head always outranks the
            # regular one in hall.call_order, so offering both changes no pick.
            lane = TICKETS.c.priority.is_(True) if priority else TICKETS.c.priority.is_(False)
            return select(TICKETS.c.id).where(in_category, lane).order_by(TICKETS.c.queue_key, TICKETS.c.id).limit(1).scalar_subquery()

        due = (
            select(TICKETS.c.id)
            .where(in_category, TICKETS.c.appointment_at.is_not(None), TICKETS.c.appointment_at <= bindparam("due_before"))
            .order_by(TICKETS.c.appointment_at)
            .limit(1)
            .scalar_subquery()
        )
        served = (
            select(
                WINDOW_CATEGORIES.c.category_id,
                WINDOW_CATEGORIES.c.rank,
                WINDOW_CATEGORIES.c.primary,
                CATEGORIES.c.series,
                CATEGORIES.c.name_zh,
                CATEGORIES.c.name_en,
                CATEGORIES.c.department,
                head(priority=True).label("priority_head_id"),
                head(priority=False).label("head_id"),
                due.label("due_id"),
            )
            .join(CATEGORIES, CATEGORIES.c.id == WINDOW_CATEGORIES.c.category_id)
            .where(WINDOW_CATEGORIES.c.window_id == bindparam("window_id"))
            .cte("served")
        )
        ticket_columns = (
            TICKETS.c.id.label("ticket_id"),
            TICKETS.c.series.label("ticket_series"),
            TICKETS.c.category_id.label("ticket_category_id"),
            TICKETS.c.queue_key,
            TICKETS.c.priority,
            TICKETS.c.appointment_at,
            TICKETS.c.target_window_id,
        )
        per_category = select(
            served.c.category_id,
            served.c.rank,
            served.c.primary,
            served.c.series,
            served.c.name_zh,
            served.c.name_en,
            served.c.department,
            *ticket_columns,
        ).select_from(served.outerjoin(TICKETS, TICKETS.c.id.in_([served.c.priority_head_id, served.c.head_id, served.c.due_id])))
        transferred_head = (
            select(TICKETS.c.id)
            .where(waiting(TRANSFERRED_DAY), TICKETS.c.target_window_id == bindparam("window_id"))
            .order_by(*queue_order)
            .limit(1)
            .scalar_subquery()
        )
        # A ticket transferred to this window may wait in a category the window does not serve.
        transferred = select(
            null().label("category_id"),
            null().label("rank"),
            null().label("primary"),
            null().label("series"),
            null().label("name_zh"),
            null().label("name_en"),
            null().label("department"),
            *ticket_columns,
        ).where(TICKETS.c.id == transferred_head)
        return union_all(per_category, transferred).order_by(literal_column("rank"))

    def _after_call(
        self, uow: UnitOfWork, actor: Actor, window: Any, ticket: Any, category: Any = None, queue_wait: bool = True
    ) -> dict[str, Any]:
        """The service row and the ticket_called event; ``window``/``ticket``/``category`` may be
        ORM objects or Core rows. ``queue_wait`` False: the ticket comes back from being parked,
        so this call ends no wait in the queue (hall.reports: waiting time)."""
        connection = uow.connection
        if category is None or getattr(category, "series", None) is None:
            category = connection.execute(
                select(CATEGORIES.c.id, CATEGORIES.c.series, CATEGORIES.c.name_zh, CATEGORIES.c.name_en, CATEGORIES.c.department).where(
                    CATEGORIES.c.id == ticket.category_id
                )
            ).one()
        clerk_id = actor.clerk_id or self._clerk_at(uow.session, window.id)
        waited = _waited_seconds(ticket, uow.now) if queue_wait else 0.0
        run(
            connection, INSERT_SERVICE,
            {
                "hall_id": uow.hall_id,
                "ticket_id": ticket.id,
                "window_id": window.id,
                "clerk_id": clerk_id,
                "called_by_clerk_id": clerk_id,
                "category_id": ticket.category_id,
                "item_code": ticket.items[0] if ticket.items else "",
                "department": window.department or category.department,
                "waited_seconds": waited,
                "queue_wait": queue_wait,
                "called_at": uow.now,
                # given, not left to the columns' Python defaults, so the insert can skip SQLAlchemy's execution context
                "end_reason": "",
                "outcome": "",
                "note": "",
            },
        )
        brief = ticket_brief(ticket, category, window)
        brief["waited_minutes"] = round(waited / 60.0, 1)
        uow.emit("ticket_called", ticket=brief, window=window.number, recall=0)
        return {"ticket": brief, "window": window.number}

    def _clerk_at(self, session: Session, window_id: int) -> int | None:
        return session.scalar(select(ClerkSession.clerk_id).where(ClerkSession.window_id == window_id, ClerkSession.ended_at.is_(None)))

    def call_number(self, actor: Actor, window_number: int, number_text: str) -> dict[str, Any]:
        """Call a specific waiting number (e.g. a citizen at the window with a ticket in hand)."""
        series, number = parse_number(number_text)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = self._usable_window(uow, window_number)
            ticket = uow.session.scalar(
                select(Ticket)
                .where(Ticket.hall_id == uow.hall_id, Ticket.business_day == uow.today, Ticket.series == series, Ticket.number == number)
                .with_for_update()
            )
            if ticket is None:
                raise not_found(f"今日号码 {format_number(series, number)}", f"today's ticket {format_number(series, number)}")
            _transition(uow, ticket, Action.CALL, window_id=window.id, called_at=uow.now, recall_count=0, target_window_id=None)
            return self._after_call(uow, actor, window, ticket)

        return self.write(actor.hall_id, work)

    def _current(self, uow: UnitOfWork, window_number: int, ticket_id: int | None) -> tuple[Window, Ticket]:
        window = _window_by_number(uow.session, uow.hall_id, window_number)
        ticket = _ticket_for_update(uow, ticket_id) if ticket_id is not None else _active_ticket(uow.session, window)
        if ticket is None:
            raise HallRuleError("no_current_ticket", f"{window_number}号窗口当前没有号码", f"window {window_number} has no current ticket")
        if ticket.window_id != window.id:
            raise HallRuleError(
                "not_at_this_window",
                f"号码 {ticket.display_number} 不在本窗口",
                f"ticket {ticket.display_number} is not at this window",
                403,
            )
        return window, ticket

    def recall(self, actor: Actor, window_number: int) -> dict[str, Any]:
        """重呼: announce again; after ``recall_limit`` recalls the ticket becomes a no-show."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window, ticket = self._current(uow, window_number, None)
            if ticket.status != TicketStatus.CALLED.value:
                next_status(TicketStatus(ticket.status), Action.RECALL)
            if ticket.recall_count >= uow.rules.recall_limit:
                return self._no_show(uow, window, ticket, automatic=True)
            _transition(uow, ticket, Action.RECALL, recall_count=ticket.recall_count + 1, called_at=uow.now)
            category = uow.session.get(Category, ticket.category_id)
            brief = ticket_brief(ticket, category, window)
            uow.emit("ticket_called", ticket=brief, window=window.number, recall=ticket.recall_count)
            return {
                "ticket": brief,
                "window": window.number,
                "recall_count": ticket.recall_count,
                "recalls_left": uow.rules.recall_limit - ticket.recall_count,
            }

        return self.write(actor.hall_id, work)

    def no_show(self, actor: Actor, window_number: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window, ticket = self._current(uow, window_number, None)
            return self._no_show(uow, window, ticket, automatic=False)

        return self.write(actor.hall_id, work)

    def _no_show(self, uow: UnitOfWork, window: Window, ticket: Ticket, automatic: bool) -> dict[str, Any]:
        _transition(uow, ticket, Action.NO_SHOW, closed_at=uow.now)
        service = _open_service(uow.session, ticket)
        if service is not None:
            service.ended_at, service.end_reason = uow.now, "no_show"
        brief = ticket_brief(ticket, None, window)
        uow.emit("ticket_no_show", ticket=brief, window=window.number, automatic=automatic)
        return {"ticket": brief, "window": window.number, "no_show": True, "automatic": automatic}

    def requeue(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """A citizen who missed their call came back: back in the queue ``late_requeue_places`` from the head."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            ticket = _ticket_for_update(uow, ticket_id)
            if ticket.business_day != uow.today:
                raise HallRuleError(
                    "ticket_expired", "该号票不是今天的，请重新取号", "this ticket is not from today; please take a new one"
                )
            keys = list(
                uow.session.scalars(
                    select(Ticket.queue_key)
                    .where(
                        Ticket.hall_id == uow.hall_id,
                        Ticket.business_day == uow.today,
                        Ticket.category_id == ticket.category_id,
                        Ticket.status == "waiting",
                        ~Ticket.priority,
                    )
                    .order_by(Ticket.queue_key)
                    .limit(uow.rules.late_requeue_places + 1)
                )
            )
            key = requeue_key(keys, uow.rules.late_requeue_places, uow.now.timestamp())
            _transition(uow, ticket, Action.REQUEUE, queue_key=key, window_id=None, closed_at=None, recall_count=0)
            brief = ticket_brief(ticket)
            uow.emit("ticket_requeued", ticket=brief)
            brief.update(self._position(uow.connection, ticket))
            return brief

        return self.write(actor.hall_id, work)

    # ============================================================ serving

    def start(self, actor: Actor, window_number: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window, ticket, category = self._current_row(uow, window_number)
            ticket = self._transition_row(uow, ticket, Action.START, {})
            service_id = run(
                uow.connection, START_SERVICE, {"ticket": ticket.id, "started_at": uow.now, "clerk": actor.clerk_id or None}
            ).scalar_one_or_none()
            brief = ticket_brief(ticket, category, window)
            uow.emit("service_started", ticket=brief, window=window.number, service_id=service_id)
            return {"ticket": brief, "window": window.number, "service_id": service_id}

        return self.write(actor.hall_id, work)

    def finish(
        self,
        actor: Actor,
        window_number: int,
        outcome: str,
        item_code: str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
        promised_days: int | None = None,
    ) -> dict[str, Any]:
        """办结 with an outcome (即办件 / 承诺件 / 联办件 / 上报件 / 退办件); opens the pad's rating.
        A 承诺件's deadline is ``promised_days`` working days from today if the clerk gave it,
        else the item's 承诺时限, else the hall's rules.promised_working_days (hall.tickets.promised_working_days)."""
        try:
            outcome_value = Outcome(outcome)
        except ValueError:
            raise HallRuleError(
                "bad_outcome",
                "办结结果应为即办件、承诺件、联办件、上报件或退办件",
                "outcome must be immediate, promised, joint, reported or refused",
                422,
            ) from None
        if promised_days is not None and (outcome_value is not Outcome.PROMISED or not 1 <= promised_days <= MAX_PROMISED_WORKING_DAYS):
            raise HallRuleError(
                "bad_promised_days",
                "承诺时限只用于承诺件，应为 1–365 个工作日",
                "promised days are for a promised case only, 1 to 365 working days",
                422,
            )
        payload = {"op": "finish", "window": window_number, "outcome": outcome, "item": item_code, "note": note}
        if promised_days is not None:
            payload["promised_days"] = promised_days

        def work(uow: UnitOfWork) -> dict[str, Any]:
            connection = uow.connection
            window, ticket, category = self._current_row(uow, window_number)
            ticket = self._transition_row(uow, ticket, Action.FINISH, {"closed_at": uow.now})
            item = None
            code = item_code or (ticket.items[0] if ticket.items else None)
            if code:
                item = run(connection, ITEM_BY_CODE, {"hall_id": uow.hall_id, "code": code}).first()
                if item is None and item_code:
                    raise HallRuleError("unknown_item", f"未知事项 {item_code[:32]}", f"unknown item {item_code[:32]}", 404)
            promised = None
            if outcome_value is Outcome.PROMISED:
                days = promised_working_days(promised_days, item.promised_days if item else None, uow.rules.promised_working_days)
                promised = add_days(uow.hours, uow.today, days, working=True)
            service = run(
                connection, FINISH_SERVICE,
                {
                    "ticket": ticket.id,
                    "ended_at": uow.now,
                    "outcome": outcome_value.value,
                    "promised_date": promised,
                    "note": note[:200],
                    "clerk": actor.clerk_id or None,
                    "item": item.code if item is not None else None,
                },
            ).first()
            if service is None:  # the database guarantees one open service per called ticket
                raise HallRuleError("conflict", "该号票刚被其他窗口处理", "another window just acted on this ticket")
            brief = ticket_brief(ticket, category, window)
            result = {
                "ticket": brief,
                "window": window.number,
                "service_id": service.id,
                "outcome": outcome_value.value,
                "promised_date": promised.isoformat() if promised else None,
                "item": {"code": item.code, "name_zh": item.name_zh, "name_en": item.name_en, "materials": item.materials}
                if item
                else None,
                "clerk_id": service.clerk_id,
            }
            uow.emit(
                "service_finished",
                ticket=brief,
                window=window.number,
                service_id=service.id,
                outcome=outcome_value.value,
                item=result["item"],
            )
            return result

        return self.write(actor.hall_id, work, self._idem(actor, idempotency_key, payload))

    def _current_row(self, uow: UnitOfWork, window_number: int) -> tuple[Any, Any, Any]:
        """The window, its current (called or serving) ticket and that ticket's category, in one statement."""
        row = run(uow.connection, self._current_query, {"hall_id": uow.hall_id, "number": window_number}).first()
        if row is None:
            raise not_found(f"{window_number}号窗口", f"window {window_number}")
        window = WindowRef(row.w_id, row.w_number, row.w_name_zh, row.w_name_en, row.w_department, row.w_state)
        if row.id is None:
            raise HallRuleError("no_current_ticket", f"{window_number}号窗口当前没有号码", f"window {window_number} has no current ticket")
        category = CategoryRef(row.category_id, row.c_series, row.c_name_zh, row.c_name_en, row.c_department)
        return window, row, category

    @functools.cached_property
    def _current_query(self) -> Any:
        window_columns = [WINDOWS.c[name].label(f"w_{name}") for name in ("id", "number", "name_zh", "name_en", "department", "state")]
        category_columns = [CATEGORIES.c[name].label(f"c_{name}") for name in ("series", "name_zh", "name_en", "department")]
        at_window = and_(TICKETS.c.window_id == WINDOWS.c.id, AT_A_WINDOW)
        return (
            select(*window_columns, *TICKETS.c, *category_columns)
            .select_from(WINDOWS.outerjoin(TICKETS, at_window).outerjoin(CATEGORIES, CATEGORIES.c.id == TICKETS.c.category_id))
            .where(WINDOWS.c.hall_id == bindparam("hall_id"), WINDOWS.c.number == bindparam("number"))
        )

    def _transition_row(self, uow: UnitOfWork, ticket: Any, action: Action, values: dict[str, Any]) -> Any:
        """:func:`_transition` for Core rows: the conditional update returns the changed row."""
        current = TicketStatus(ticket.status)
        target = next_status(current, action)
        statement = _ticket_transition(tuple(sorted(values)))
        changed = run(
            uow.connection, statement, {"ticket": ticket.id, "from_status": current.value, "to_status": target.value, **values}
        ).first()
        if changed is None:
            raise HallRuleError("conflict", "该号票刚被其他窗口处理", "another window just acted on this ticket")
        return changed

    def transfer(
        self, actor: Actor, window_number: int, to_series: str | None = None, to_window: int | None = None, note: str = ""
    ) -> dict[str, Any]:
        """转移 to another category or window, keeping the original waiting time (首问负责)."""
        if (to_series is None) == (to_window is None):
            raise HallRuleError(
                "bad_transfer", "请选择转移到的业务或窗口（二选一）", "give either a category or a window to transfer to", 422
            )

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window, ticket = self._current(uow, window_number, None)
            values: dict[str, Any] = {"window_id": None, "transfer_count": ticket.transfer_count + 1, "note": note[:200], "recall_count": 0}
            target_label: dict[str, Any]
            if to_series is not None:
                category = _category_by_series(uow.session, uow.hall_id, to_series)
                values.update(category_id=category.id, target_window_id=None)
                target_label = {"series": category.series, "name_zh": category.name_zh}
            else:
                assert to_window is not None
                target = _window_by_number(uow.session, uow.hall_id, to_window)
                if target.id == window.id:
                    raise HallRuleError("bad_transfer", "不能转移到本窗口", "cannot transfer to the same window", 422)
                if target.state == "closed":
                    # A ticket sent to a closed window would wait there unseen until the window reopens.
                    raise HallRuleError(
                        "window_closed", f"{target.number}号窗口已关闭，不能转入", f"window {target.number} is closed; cannot transfer there", 409
                    )
                values.update(target_window_id=target.id)
                target_label = {"window": target.number, "name_zh": target.name_zh}
            service = _open_service(uow.session, ticket)
            # queue_key is kept: the citizen keeps the place their original wait earned.
            _transition(uow, ticket, Action.TRANSFER, **values)
            if service is not None:
                service.ended_at, service.end_reason, service.note = uow.now, "transferred", note[:200]
            brief = ticket_brief(ticket, uow.session.get(Category, ticket.category_id))
            uow.emit("ticket_transferred", ticket=brief, from_window=window.number, to=target_label)
            result = dict(brief)
            result.update(self._position(uow.connection, ticket))
            result["to"] = target_label
            return result

        return self.write(actor.hall_id, work)

    def park(self, actor: Actor, window_number: int, note: str = "") -> dict[str, Any]:
        """挂起: set the citizen aside (e.g. to fetch a document) and serve others meanwhile."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window, ticket = self._current(uow, window_number, None)
            service = _open_service(uow.session, ticket)
            _transition(uow, ticket, Action.PARK, note=note[:200])
            if service is not None:
                service.ended_at, service.end_reason = uow.now, "parked"
            brief = ticket_brief(ticket, None, window)
            uow.emit("ticket_parked", ticket=brief, window=window.number)
            return {"ticket": brief, "window": window.number}

        return self.write(actor.hall_id, work)

    def call_back(self, actor: Actor, window_number: int, ticket_id: int) -> dict[str, Any]:
        """回呼 a ticket this window parked."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = self._usable_window(uow, window_number)
            ticket = _ticket_for_update(uow, ticket_id)
            if ticket.window_id != window.id:
                raise HallRuleError(
                    "not_at_this_window",
                    f"号码 {ticket.display_number} 不是本窗口挂起的",
                    f"ticket {ticket.display_number} was not parked at this window",
                    403,
                )
            _transition(uow, ticket, Action.CALL_BACK, called_at=uow.now, recall_count=0)
            return self._after_call(uow, actor, window, ticket, queue_wait=False)

        return self.write(actor.hall_id, work)

    def parked_tickets(self, hall_id: int, window_number: int) -> list[dict[str, Any]]:
        with self.read() as session:
            window = _window_by_number(session, hall_id, window_number)
            rows = session.scalars(
                select(Ticket).where(Ticket.window_id == window.id, Ticket.status == TicketStatus.PARKED.value).order_by(Ticket.called_at)
            )
            return [ticket_brief(t) for t in rows]

    # ============================================================ windows

    def pause(self, actor: Actor, window_number: int, reason: str) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = _window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            if window.state != "open":
                raise HallRuleError(
                    "window_not_open", f"{window_number}号窗口未在服务，不能暂停", f"window {window_number} is not open, cannot pause"
                )
            _require_no_current_ticket(uow.session, window)
            window.state, window.changed_at = "paused", uow.now
            pause = Pause(hall_id=uow.hall_id, window_id=window.id, clerk_id=actor.clerk_id, reason=reason[:100], started_at=uow.now)
            uow.session.add(pause)
            uow.session.flush()
            uow.emit("window_paused", window=window.number, reason=reason[:100], since=uow.now.isoformat())
            return {"window": window.number, "state": "paused", "pause_id": pause.id, "since": uow.now.isoformat()}

        return self.write(actor.hall_id, work)

    def resume(self, actor: Actor, window_number: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = _window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            pause = uow.session.scalar(select(Pause).where(Pause.window_id == window.id, Pause.ended_at.is_(None)))
            if window.state != "paused" or pause is None:
                raise HallRuleError("window_not_paused", f"{window_number}号窗口未暂停", f"window {window_number} is not paused")
            pause.ended_at = uow.now
            window.state, window.changed_at = "open", uow.now
            seconds = (uow.now - pause.started_at).total_seconds()
            uow.emit("window_resumed", window=window.number, paused_seconds=seconds)
            return {"window": window.number, "state": "open", "paused_seconds": seconds}

        return self.write(actor.hall_id, work)

    def set_window_open(self, actor: Actor, window_number: int, is_open: bool, reason: str = "") -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = _window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            if not is_open:
                _require_no_current_ticket(uow.session, window)
            # Opening or closing ends any pause: its duration is kept, the window is no longer paused.
            uow.session.execute(update(Pause).where(Pause.window_id == window.id, Pause.ended_at.is_(None)).values(ended_at=uow.now))
            window.state, window.changed_at = ("open" if is_open else "closed"), uow.now
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id,
                    actor=actor.label,
                    action="window_open" if is_open else "window_close",
                    detail={"window": window_number},
                    reason=reason[:300],
                    created_at=uow.now,
                )
            )
            uow.emit("window_changed", window=window.number, state=window.state)
            return {"window": window.number, "state": window.state}

        return self.write(actor.hall_id, work)

    def set_window_categories(
        self, actor: Actor, window_number: int, primary: list[str], secondary: list[str], reason: str = ""
    ) -> dict[str, Any]:
        """窗口动态调整: which categories a window serves, in order. Applied at once and audited."""
        if set(primary) & set(secondary):
            raise HallRuleError("bad_categories", "同一业务不能既是主要又是次要", "a category cannot be both primary and secondary", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = _window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            before, _ = _window_queues(uow.session, window)
            categories = [_category_by_series(uow.session, uow.hall_id, s) for s in [*primary, *secondary]]
            uow.session.execute(WindowCategory.__table__.delete().where(WindowCategory.window_id == window.id))
            for rank, category in enumerate(categories):
                uow.session.add(WindowCategory(window_id=window.id, category_id=category.id, rank=rank, primary=rank < len(primary)))
            window.changed_at = uow.now
            detail = {
                "window": window_number,
                "before": {"primary": list(before.primary), "secondary": list(before.secondary)},
                "after": {"primary": primary, "secondary": secondary},
            }
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="reallocate", detail=detail, reason=reason[:300], created_at=uow.now
                )
            )
            uow.emit("window_categories_changed", window=window_number, primary=primary, secondary=secondary)
            return {"window": window_number, "primary": primary, "secondary": secondary}

        return self.write(actor.hall_id, work)

    # ============================================================ clerks

    def login(self, actor: Actor, staff_no: str, pin: str, handover: bool = False) -> dict[str, Any]:
        """A clerk logs in at the counter's own window. If another clerk is logged in there,
        ``handover`` ends their session (A/B 岗 handover) so who served what stays recorded."""
        if actor.window_id is None:
            raise HallRuleError("device_has_no_window", "该终端未绑定窗口", "this terminal is not bound to a window", 403)
        with self.read() as session:
            clerk = session.scalar(select(Clerk).where(Clerk.hall_id == actor.hall_id, Clerk.staff_no == staff_no, Clerk.active))
        # argon2 verification runs outside the write transaction: it is slow on purpose.
        if clerk is None or not verify_pin(clerk.pin_hash, pin):
            raise HallRuleError("bad_login", "工号或密码错误", "wrong staff number or PIN", 401)
        token = new_token()

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = uow.session.get(Window, actor.window_id)
            assert window is not None
            current = uow.session.scalar(
                select(ClerkSession).where(ClerkSession.window_id == window.id, ClerkSession.ended_at.is_(None)).with_for_update()
            )
            post = "A"
            previous = None
            if current is not None:
                if current.clerk_id == clerk.id:
                    current.ended_at, current.end_reason = uow.now, "relogin"
                elif not handover:
                    other = uow.session.get(Clerk, current.clerk_id)
                    name = other.name if other else "?"
                    raise HallRuleError(
                        "window_taken",
                        f"{name}正在本窗口办公；如需AB岗交接请选择“交接”",
                        f"{name} is logged in here; choose handover for an A/B post change",
                        409,
                    )
                else:
                    current.ended_at, current.end_reason = uow.now, "handover"
                    post = "B" if current.post == "A" else "A"
                    previous = current.clerk_id
                uow.session.flush()
            self._end_sessions_elsewhere(uow, clerk, window)
            session_row = ClerkSession(
                hall_id=uow.hall_id,
                clerk_id=clerk.id,
                window_id=window.id,
                device_id=actor.device_id,
                token_hash=token_hash(token),
                post=post,
                started_at=uow.now,
            )
            uow.session.add(session_row)
            uow.session.flush()
            card = clerk_card(clerk)
            uow.emit("clerk_logged_in", window=window.number, clerk=card, post=post, handover_from=previous)
            return {"token": token, "session_id": session_row.id, "window": window.number, "clerk": card, "post": post}

        return self._write_changing_tokens(actor.hall_id, work)

    def _end_sessions_elsewhere(self, uow: UnitOfWork, clerk: Clerk, window: Window) -> None:
        """One clerk, one window: logging in here ends a session left open at another window
        (the clerk moved and forgot to log out), unless a citizen is still at that window."""
        stale = uow.session.scalars(
            select(ClerkSession)
            .where(ClerkSession.clerk_id == clerk.id, ClerkSession.window_id != window.id, ClerkSession.ended_at.is_(None))
            .with_for_update()
        ).all()
        for row in stale:
            other = uow.session.get(Window, row.window_id)
            number = other.number if other else "?"
            busy = uow.session.scalar(
                select(Ticket.display_number).where(Ticket.window_id == row.window_id, Ticket.status.in_(("called", "serving")))
            )
            if busy:
                raise HallRuleError(
                    "clerk_busy_elsewhere",
                    f"{clerk.name}仍在{number}号窗口办理{busy}，请先在该窗口办结或退出",
                    f"{clerk.name} is still serving {busy} at window {number}; finish or log out there first",
                    409,
                )
            row.ended_at, row.end_reason = uow.now, "moved"
            uow.emit("clerk_logged_out", window=number, clerk_id=row.clerk_id, reason="moved")

    def logout(self, actor: Actor) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.get(ClerkSession, actor.session_id)
            if row is None or row.ended_at is not None:
                raise HallRuleError("not_logged_in", "未登录", "not logged in", 401)
            row.ended_at, row.end_reason = uow.now, "logout"
            window = uow.session.get(Window, row.window_id)
            uow.emit("clerk_logged_out", window=window.number if window else None, clerk_id=row.clerk_id)
            return {"ended": True}

        return self._write_changing_tokens(actor.hall_id, work)

    # ============================================================ ratings

    def rate(
        self,
        actor: Actor,
        service_id: int,
        level: str | None,
        reasons: list[str] | None = None,
        comment: str = "",
        channel: str = "pad",
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """好差评 for one finished service: once, from that window's pad only; a 差评 opens a
        follow-up with a deadline. ``level=None`` records 'not rated' (pad timeout)."""
        reasons = list(reasons or [])
        try:
            rating_level = RatingLevel(level) if level is not None else None
        except ValueError:
            raise HallRuleError("bad_level", "评价等级无效", "invalid rating level", 422) from None
        unknown = [r for r in reasons if r not in BAD_RATING_REASONS]
        if unknown:
            raise HallRuleError("bad_reason", "未知的差评原因", f"unknown reason {unknown[0][:30]}", 422)
        if reasons and (rating_level is None or not rating_level.is_bad):
            raise HallRuleError("bad_reason", "只有差评需要选择原因", "reasons are only for a bad rating", 422)
        payload = {"op": "rate", "service": service_id, "level": level, "reasons": reasons, "comment": comment}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            service = uow.session.scalar(select(Service).where(Service.id == service_id, Service.hall_id == uow.hall_id).with_for_update())
            if service is None:
                raise not_found("该次服务", "service")
            if actor.window_id is not None and service.window_id != actor.window_id:
                raise HallRuleError("other_window", "只能评价本窗口的服务", "a pad can only rate its own window's service", 403)
            if service.end_reason != "finished":
                raise HallRuleError("service_not_finished", "该次服务尚未办结，不能评价", "the service has not finished", 409)
            latest = uow.session.scalar(
                select(func.max(Service.id)).where(Service.window_id == service.window_id, Service.end_reason == "finished")
            )
            if service.id != latest or service.ended_at is None or uow.now - service.ended_at > RATING_WINDOW:
                raise HallRuleError(
                    "rating_closed", "只能评价本窗口刚刚办结的服务", "only the service that just finished at this window can be rated", 409
                )
            if uow.session.scalar(select(Rating.id).where(Rating.service_id == service.id)) is not None:
                raise HallRuleError(
                    "already_rated", "该次服务已评价，一事一评", "this service has already been rated (one rating per service)", 409
                )
            rating = Rating(
                hall_id=uow.hall_id,
                service_id=service.id,
                ticket_id=service.ticket_id,
                window_id=service.window_id,
                clerk_id=service.clerk_id,
                category_id=service.category_id,
                item_code=service.item_code,
                department=service.department,
                level=rating_level.value if rating_level else None,
                reasons=reasons,
                comment=comment[:500],
                channel=channel if rating_level else "timeout",
                created_at=uow.now,
            )
            uow.session.add(rating)
            uow.session.flush()
            followup = None
            if rating_level is not None and rating_level.is_bad:
                deadline = add_days(uow.hours, uow.today, uow.rules.followup_days, uow.rules.followup_working_days)
                row = FollowUp(hall_id=uow.hall_id, rating_id=rating.id, deadline=deadline, created_at=uow.now)
                uow.session.add(row)
                uow.session.flush()
                followup = {"id": row.id, "deadline": deadline.isoformat()}
            window = uow.session.get(Window, service.window_id)
            # Rater information is confidential: events carry the level, not who rated.
            uow.emit(
                "service_rated",
                window=window.number if window else None,
                service_id=service.id,
                level=rating.level,
                bad=bool(rating_level and rating_level.is_bad),
            )
            return {"rating_id": rating.id, "service_id": service.id, "level": rating.level, "followup": followup}

        return self.write(actor.hall_id, work, self._idem(actor, idempotency_key, payload))

    def apply_default_ratings(self, actor: Actor) -> dict[str, Any]:
        """Regions that record a default (基本满意 after N days) get it stored *as a default*."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            days = uow.rules.default_rating_days
            if days <= 0:
                return {"applied": 0}
            cutoff = uow.now - timedelta(days=days)
            rated = select(Rating.service_id).where(Rating.level.is_not(None))
            services = uow.session.scalars(
                select(Service).where(
                    Service.hall_id == uow.hall_id, Service.end_reason == "finished", Service.ended_at < cutoff, Service.id.not_in(rated)
                )
            ).all()
            for service in services:
                existing = uow.session.scalar(select(Rating).where(Rating.service_id == service.id))
                if existing is None:
                    existing = Rating(
                        hall_id=uow.hall_id,
                        service_id=service.id,
                        ticket_id=service.ticket_id,
                        window_id=service.window_id,
                        clerk_id=service.clerk_id,
                        category_id=service.category_id,
                        item_code=service.item_code,
                        department=service.department,
                        created_at=uow.now,
                    )
                    uow.session.add(existing)
                existing.level, existing.is_default, existing.channel = RatingLevel.BASIC.value, True, "default"
            if services:
                uow.emit("ratings_defaulted", applied=len(services))
            return {"applied": len(services)}

        return self.write(actor.hall_id, work)

    def update_followup(self, actor: Actor, followup_id: int, status: str, notes: str = "", citizen_view: str = "") -> dict[str, Any]:
        if status not in ("open", "resolved", "appealed"):
            raise HallRuleError("bad_status", "状态应为 open、resolved 或 appealed", "status must be open, resolved or appealed", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(FollowUp).where(FollowUp.id == followup_id, FollowUp.hall_id == uow.hall_id))
            if row is None:
                raise not_found("该差评回访", "follow-up")
            row.status, row.notes, row.citizen_view = status, notes[:2000], citizen_view[:200]
            row.resolved_at = uow.now if status != "open" else None
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id,
                    actor=actor.label,
                    action="followup",
                    detail={"followup": followup_id, "status": status},
                    created_at=uow.now,
                )
            )
            uow.emit("followup_changed", followup=followup_id, status=status)
            return {
                "id": row.id,
                "status": row.status,
                "deadline": row.deadline.isoformat(),
                "on_time": row.resolved_at is None or row.resolved_at.astimezone(uow.hours.zone).date() <= row.deadline,  # the hall's date, not UTC's
            }

        return self.write(actor.hall_id, work)

    def followups(self, hall_id: int) -> list[dict[str, Any]]:
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, _ = self.settings(session, hall)
            from hall.calendar import business_day

            today = business_day(hours, self.clock.now())
            rows = session.execute(
                select(FollowUp, Rating, Window.number, Clerk.name, Ticket.display_number)
                .join(Rating, Rating.id == FollowUp.rating_id)
                .join(Window, Window.id == Rating.window_id)
                .join(Ticket, Ticket.id == Rating.ticket_id)
                .outerjoin(Clerk, Clerk.id == Rating.clerk_id)
                .where(FollowUp.hall_id == hall_id)
                .order_by(FollowUp.deadline)
            ).all()
            return [
                {
                    "id": f.id,
                    "deadline": f.deadline.isoformat(),
                    "status": f.status,
                    "notes": f.notes,
                    "citizen_view": f.citizen_view,
                    "overdue": f.status == "open" and f.deadline < today,
                    "level": r.level,
                    "reasons": r.reasons,
                    "comment": r.comment,
                    "window": number,
                    "clerk": name or "",
                    "ticket": ticket,
                    "rated_at": r.created_at.isoformat(),
                }
                for f, r, number, name, ticket in rows
            ]

    # ============================================================ appointments

    def add_appointment(
        self, actor: Actor, series: str, slot_at: datetime, name: str = "", phone: str = "", item_code: str = "", channel: str = "online"
    ) -> dict[str, Any]:
        """预约 as data: only masked contact details are stored."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            category = _category_by_series(uow.session, uow.hall_id, series)
            code = f"{secrets.randbelow(10**6):06d}"
            while uow.session.scalar(select(Appointment.id).where(Appointment.hall_id == uow.hall_id, Appointment.code == code)):
                code = f"{secrets.randbelow(10**6):06d}"
            row = Appointment(
                hall_id=uow.hall_id,
                code=code,
                category_id=category.id,
                item_code=item_code,
                slot_at=slot_at,
                name_masked=mask_name(name),
                contact_masked=mask_phone(phone),
                channel=channel,
            )
            uow.session.add(row)
            uow.session.flush()
            # No code, name or phone in the event: the stream reaches displays; the code is the citizen's key.
            uow.emit("appointment_added", series=series, slot_at=slot_at.isoformat(), channel=channel)
            return {
                "id": row.id,
                "code": code,
                "series": series,
                "slot_at": slot_at.isoformat(),
                "name": row.name_masked,
                "phone": row.contact_masked,
            }

        return self.write(actor.hall_id, work)

    def check_in(self, actor: Actor, code: str, idempotency_key: str | None = None) -> dict[str, Any]:
        """Appointment check-in at the kiosk issues a ticket that is called when its slot is due."""
        payload = {"op": "check_in", "code": code}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(
                select(Appointment).where(Appointment.hall_id == uow.hall_id, Appointment.code == code.strip()).with_for_update()
            )
            if row is None:
                raise HallRuleError("unknown_appointment", "预约码不存在，请核对", "no appointment with this code", 404)
            if row.ticket_id is not None:
                ticket = uow.session.get(Ticket, row.ticket_id)
                raise HallRuleError(
                    "already_checked_in",
                    f"该预约已取号：{ticket.display_number if ticket else ''}",
                    "this appointment already has a ticket",
                    409,
                )
            from hall.calendar import business_day

            if business_day(uow.hours, row.slot_at) != uow.today:
                raise HallRuleError(
                    "wrong_day",
                    f"预约日期为 {business_day(uow.hours, row.slot_at)}，请在预约当日取号",
                    "the appointment is for another day",
                    409,
                )
            category = uow.session.get(Category, row.category_id)
            assert category is not None
            result = self._issue(uow, category.series, [row.item_code] if row.item_code else [], None, TicketSource.APPOINTMENT.value, row)
            row.ticket_id, row.checked_in_at = result["id"], uow.now
            return result

        return self.write(actor.hall_id, work, self._idem(actor, idempotency_key, payload))

    # ============================================================ snapshot

    def snapshot(self, hall_id: int) -> dict[str, Any]:
        """Everything a display or console needs to draw the hall, with the event seq it matches."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, rules = self.settings(session, hall)
            now = self.clock.now()
            from hall.calendar import business_day

            today = business_day(hours, now)
            state = hall_state(hours, now)
            counts = dict(
                session.execute(
                    select(Ticket.category_id, func.count())
                    .where(Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.status == "waiting")
                    .group_by(Ticket.category_id)
                ).all()
            )
            oldest = dict(
                session.execute(
                    select(Ticket.category_id, func.min(Ticket.queue_key))
                    .where(Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.status == "waiting")
                    .group_by(Ticket.category_id)
                ).all()
            )
            categories = []
            for c in session.scalars(
                select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.series)
            ):
                waiting = int(counts.get(c.id, 0))
                windows = self._windows_serving(session.connection(), hall_id, c.id)
                items = session.scalars(select(Item).where(Item.category_id == c.id).order_by(Item.sort_order, Item.code)).all()
                categories.append(
                    {
                        "series": c.series,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "department": c.department,
                        "waiting": waiting,
                        "windows_serving": windows,
                        "estimated_wait_minutes": estimate_wait_minutes(waiting, windows, c.expected_service_minutes) if waiting else 0,
                        "longest_wait_minutes": round((now.timestamp() - oldest[c.id]) / 60.0, 1) if c.id in oldest else 0.0,
                        "target_wait_minutes": c.target_wait_minutes,
                        "expected_service_minutes": c.expected_service_minutes,
                        "items": [
                            {
                                "code": i.code,
                                "name_zh": i.name_zh,
                                "name_en": i.name_en,
                                "materials": i.materials,
                                "promised_days": i.promised_days,
                                "fee": i.fee,
                            }
                            for i in items
                        ],
                    }
                )
            windows_out = []
            for w in session.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)):
                queues, _ = _window_queues(session, w)
                active = _active_ticket(session, w)
                if active is not None and active.business_day != today:
                    active = None  # yesterday's ticket, closed at the first write of the new day
                clerk_session = session.scalar(select(ClerkSession).where(ClerkSession.window_id == w.id, ClerkSession.ended_at.is_(None)))
                clerk = session.get(Clerk, clerk_session.clerk_id) if clerk_session else None
                pause = session.scalar(select(Pause).where(Pause.window_id == w.id, Pause.ended_at.is_(None)))
                windows_out.append(
                    {
                        "number": w.number,
                        "name_zh": w.name_zh,
                        "name_en": w.name_en,
                        "department": w.department,
                        "state": w.state,
                        "primary": list(queues.primary),
                        "secondary": list(queues.secondary),
                        "current": ticket_brief(active) if active else None,
                        "clerk": clerk_card(clerk) if clerk else None,
                        "post": clerk_session.post if clerk_session else None,
                        "paused_since": pause.started_at.isoformat() if pause else None,
                        "pause_reason": pause.reason if pause else "",
                        "changed_at": w.changed_at.isoformat() if w.changed_at else None,
                    }
                )
            return {
                "seq": hall.event_seq,
                "now": now.isoformat(),
                "hall": {
                    "id": hall.id,
                    "code": hall.code,
                    "name_zh": hall.name_zh,
                    "name_en": hall.name_en,
                    "complaint_phone": hall.complaint_phone,
                    "public_url": hall.public_url,
                    "notices": hall.notices,
                    "business_day": today.isoformat(),
                    "timezone": hours.timezone,
                    "period": state.period.value,
                    "notice": state.notice.as_dict(),
                    "accepts_walk_ins": state.accepts_walk_ins,
                },
                "rules": {
                    "recall_limit": rules.recall_limit,
                    "pause_warn_minutes": rules.pause_warn_minutes,
                    "long_wait_alert_minutes": rules.long_wait_alert_minutes,
                    "promised_working_days": rules.promised_working_days,
                },
                "categories": categories,
                "windows": windows_out,
                "recent_calls": self._recent_calls(session, hall_id, 10),
            }

    def _recent_calls(self, session: Session, hall_id: int, limit: int) -> list[dict[str, Any]]:
        rows = session.execute(
            select(Ticket.display_number, Ticket.status, Window.number, Window.name_zh, Service.called_at)
            .join(Ticket, Ticket.id == Service.ticket_id)
            .join(Window, Window.id == Service.window_id)
            .where(Service.hall_id == hall_id)
            .order_by(Service.id.desc())
            .limit(limit)
        ).all()
        return [{"number": n, "status": s, "window": w, "window_name": wn, "called_at": at.isoformat()} for n, s, w, wn, at in rows]

    # ============================================================ devices and audit

    def enroll_device(self, actor: Actor | None, hall_id: int, role: str, name: str, window_number: int | None = None) -> dict[str, Any]:
        """Create a device token for a role (and window). The token is shown once and stored hashed."""
        if role not in ROLES or role == "clerk":
            raise HallRuleError(
                "bad_role", "角色应为 kiosk、counter、display、pad 或 manager", "role must be kiosk, counter, display, pad or manager", 422
            )
        if role in ("counter", "pad") and window_number is None:
            raise HallRuleError("needs_window", "窗口终端和评价器需要绑定窗口", "counters and pads must be bound to a window", 422)
        token = new_token()

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = _window_by_number(uow.session, hall_id, window_number) if window_number is not None else None
            device = Device(
                hall_id=hall_id,
                name=name[:100],
                role=role,
                window_id=window.id if window else None,
                token_hash=token_hash(token),
                created_at=uow.now,
            )
            uow.session.add(device)
            uow.session.flush()
            uow.session.add(
                AuditEntry(
                    hall_id=hall_id,
                    actor=actor.label if actor else "system",
                    action="enroll",
                    detail={"device": device.id, "role": role, "window": window_number, "name": name[:100]},
                    created_at=uow.now,
                )
            )
            uow.emit("device_enrolled", device_id=device.id, role=role, window=window_number)  # never the token
            return {"device_id": device.id, "role": role, "window": window_number, "token": token}

        return self.write(hall_id, work)

    def device_alert(self, actor: Actor, kind: str, zh: str, en: str) -> dict[str, Any]:
        """A device reports trouble (printer out of paper, keypad bus offline ...) to the manager."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            detail = {"device": actor.device_id, "name": actor.name, "role": actor.role, "window": actor.window_number, "kind": kind}
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="device_alert", detail=detail, reason=zh[:300], created_at=uow.now
                )
            )
            uow.emit("device_alert", **detail, message={"zh": zh, "en": en}, at=uow.now.isoformat())
            return {"reported": True}

        return self.write(actor.hall_id, work)

    def revoke_device(self, actor: Actor, device_id: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            device = uow.session.scalar(select(Device).where(Device.id == device_id, Device.hall_id == uow.hall_id))
            if device is None:
                raise not_found("该终端", "device")
            device.revoked_at = uow.now
            uow.emit("device_revoked", device_id=device_id, role=device.role)
            uow.session.add(
                AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="revoke", detail={"device": device_id}, created_at=uow.now)
            )
            return {"device_id": device_id, "revoked": True}

        return self._write_changing_tokens(actor.hall_id, work)

    def devices(self, hall_id: int) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.execute(
                select(Device, Window.number)
                .outerjoin(Window, Window.id == Device.window_id)
                .where(Device.hall_id == hall_id)
                .order_by(Device.id)
            ).all()
            return [
                {
                    "id": d.id,
                    "name": d.name,
                    "role": d.role,
                    "window": n,
                    "created_at": d.created_at.isoformat(),
                    "revoked": d.revoked_at is not None,
                }
                for d, n in rows
            ]

    # How long a resolved token is trusted without reading it again. Logout, handover and
    # revocation clear this process's cache at once, and on PostgreSQL they NOTIFY every other
    # server process (hallq_tokens), whose event listener clears theirs. So 30 s, where every
    # change reaches this process: SQLite (one server process) or PostgreSQL while the listener
    # is connected (``token_changes_followed``); else 2 s, the longest another process may then
    # honour a revoked token. Re-reading every token every 2 s cost 8-11 % of the server's CPU.
    AUTH_CACHE_SECONDS = 2.0
    AUTH_CACHE_SECONDS_FOLLOWED = 30.0
    token_changes_followed = False  # set by the server's PostgreSQL listener (server.events)
    _token_generation = 0  # bumped by forget_tokens: a token read before it is not cached after it

    def authenticate(self, token: str) -> Actor | None:
        """The device or clerk behind a token. Cached briefly: it runs on every request."""
        found, actor = self.cached_actor(token)
        if found:
            return actor
        digest = token_hash(token)
        generation = self._token_generation
        actor = self._authenticate(digest)
        if actor is not None and generation == self._token_generation:
            cache = self._auth_cache
            if len(cache) > 10_000:
                cache.clear()
            cache[digest] = (_time.monotonic(), actor)
        return actor

    def cached_actor(self, token: str) -> tuple[bool, Actor | None]:
        """(True, actor) when the token was resolved less than ``AUTH_CACHE_SECONDS`` ago; no I/O,
        so the server can answer most requests' authentication without a worker thread."""
        hit = self._auth_cache.get(token_hash(token))
        if hit is not None and _time.monotonic() - hit[0] < self._auth_cache_seconds:
            return True, hit[1]
        return False, None

    @property
    def _auth_cache_seconds(self) -> float:
        return self.AUTH_CACHE_SECONDS_FOLLOWED if self.engines.is_sqlite or self.token_changes_followed else self.AUTH_CACHE_SECONDS

    @functools.cached_property
    def _auth_cache(self) -> dict[str, tuple[float, Actor]]:
        return {}

    def forget_tokens(self) -> None:
        """After a logout, handover or revocation this process stops honouring old tokens at once."""
        self._token_generation += 1
        self._auth_cache.clear()

    def _write_changing_tokens(self, hall_id: int, work: Callable[[UnitOfWork], T]) -> T:
        """A write that ends or hands over tokens: this process forgets the tokens it resolved,
        and on PostgreSQL every other server process is told when the change commits."""

        def notifying(uow: UnitOfWork) -> T:
            result = work(uow)
            if self.engines.is_postgres:
                uow.connection.execute(NOTIFY_TOKENS_CHANGED)
            return result

        result = self.write(hall_id, notifying)
        self.forget_tokens()
        return result

    def _authenticate(self, digest: str) -> Actor | None:
        with self.engines.read.connect() as connection:
            device = connection.execute(DEVICE_BY_TOKEN, {"digest": digest}).first()
            if device is not None:
                return Actor(device.hall_id, device.role, device.id, device.window_id, device.window_number, name=device.name)
            row = connection.execute(CLERK_BY_TOKEN, {"digest": digest}).first()
            if row is not None:
                return Actor(
                    row.hall_id, "clerk", row.device_id, row.window_id, row.window_number, row.clerk_id, row.id, row.staff_no or ""
                )
        return None

    def audit_log(self, hall_id: int, limit: int = 200) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.hall_id == hall_id).order_by(AuditEntry.id.desc()).limit(limit))
            return [
                {"id": a.id, "actor": a.actor, "action": a.action, "detail": a.detail, "reason": a.reason, "at": a.created_at.isoformat()}
                for a in rows
            ]

    def clerk_today(self, hall_id: int, clerk_id: int) -> dict[str, Any]:
        """The clerk's own figures for today: served, average service time, ratings."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            assert hall is not None
            hours, _ = self.settings(session, hall)
            from hall.calendar import business_day

            today = business_day(hours, self.clock.now())
            rows = session.execute(
                select(Service.started_at, Service.ended_at)
                .join(Ticket, Ticket.id == Service.ticket_id)
                .where(Service.clerk_id == clerk_id, Service.end_reason == "finished", Ticket.business_day == today)
            ).all()
            durations = [(e - s).total_seconds() for s, e in rows if s and e]
            levels = session.execute(
                select(Rating.level, func.count())
                .join(Ticket, Ticket.id == Rating.ticket_id)
                .where(Rating.clerk_id == clerk_id, Ticket.business_day == today, Rating.level.is_not(None), ~Rating.is_default)
                .group_by(Rating.level)
            ).all()
            return {
                "served": len(rows),
                "average_service_minutes": round(sum(durations) / len(durations) / 60.0, 1) if durations else None,
                "ratings": {level: count for level, count in levels},
            }


def clerk_card(clerk: Clerk) -> dict[str, Any]:
    """岗位公示: what the pad and window screen show of the clerk."""
    return {
        "id": clerk.id,
        "staff_no": clerk.staff_no,
        "name": clerk.name,
        "department": clerk.department,
        "photo": clerk.photo,
        "skills": clerk.skills,
    }
