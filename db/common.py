"""What the operation modules share: the tables as SQLAlchemy Core handles, who is asking
(:class:`Actor`), lookups of windows, categories and tickets, the guarded ticket state change,
and a ticket as the API shows it.

The hot paths (issue, call-next, start, finish) use SQLAlchemy Core on these tables: no ORM
objects, identity map, flush or refresh per operation. The rarer operations use the unit of
work's ORM session and the lookups below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Table, literal_column, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from db.models import Category, Clerk, ClerkSession, Item, Service, Ticket, Window, WindowCategory
from db.store import request_hash
from db.unit_of_work import UnitOfWork
from hall.call_order import WindowQueues
from hall.text import HallRuleError
from hall.tickets import Action, TicketStatus, next_status

ACTIVE_STATUSES = (TicketStatus.CALLED.value, TicketStatus.SERVING.value)
WITHDRAWN_CALLS = ("transferred", "no_show", "parked", "expired")  # service end reasons after which a call no longer stands

TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
CATEGORIES: Table = Category.__table__  # type: ignore[assignment]
ITEMS: Table = Item.__table__  # type: ignore[assignment]
WINDOWS: Table = Window.__table__  # type: ignore[assignment]
WINDOW_CATEGORIES: Table = WindowCategory.__table__  # type: ignore[assignment]
SERVICES: Table = Service.__table__  # type: ignore[assignment]
CLERK_SESSIONS: Table = ClerkSession.__table__  # type: ignore[assignment]

# "status IN ('called', 'serving')" spelled with literals, as in the partial unique index
# one_ticket_at_window: SQLite uses a partial index only when the query's own text implies the
# index's condition, which bound parameters never do (with them it scans every ticket ever issued).
AT_A_WINDOW = TICKETS.c.status.in_([literal_column(f"'{status}'") for status in ACTIVE_STATUSES])
# The same for tickets_due_appointments (status = 'waiting'): with the status bound, SQLite could
# use that partial index only by preparing call-next's queue read again for each execution's
# values, which costs more than the index saves.
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
# must not be an index key either: through tickets_by_day SQLite would read every waiting ticket
# of the day.
TRANSFERRED_DAY = TODAY_IN_QUEUE


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


def idempotency(actor: Actor, key: str | None, payload: dict[str, Any]) -> tuple[str, str, str] | None:
    """The (scope, key, request hash) :meth:`StoreCore.write` replays a retried request by; None without a key."""
    if key is None:
        return None
    scope = f"{actor.hall_id}:{actor.role}:{actor.device_id}:{actor.session_id or ''}"
    return scope, key, request_hash(payload)


# ---------------------------------------------------------------------------- lookups


def category_by_series(session: Session, hall_id: int, series: str) -> Category:
    category = session.scalar(select(Category).where(Category.hall_id == hall_id, Category.series == series, Category.active))
    if category is None:
        raise not_found(f"业务类别“{series[:4]}”", f"service category '{series[:4]}'")
    return category


def window_by_number(session: Session, hall_id: int, number: int, lock: bool = False) -> Window:
    query = select(Window).where(Window.hall_id == hall_id, Window.number == number)
    if lock:
        query = query.with_for_update()
    window = session.scalar(query)
    if window is None:
        raise not_found(f"{number}号窗口", f"window {number}")
    return window


def window_queues(session: Session, window: Window) -> tuple[WindowQueues, dict[int, str]]:
    rows = session.execute(
        select(Category.id, Category.series, WindowCategory.primary)
        .join(WindowCategory, WindowCategory.category_id == Category.id)
        .where(WindowCategory.window_id == window.id)
        .order_by(WindowCategory.rank)
    ).all()
    primary = [series for _, series, is_primary in rows if is_primary]
    secondary = [series for _, series, is_primary in rows if not is_primary]
    return WindowQueues(window.number, primary, secondary), {cid: series for cid, series, _ in rows}


def active_ticket(session: Session, window: Window) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.window_id == window.id, AT_A_WINDOW))


def window_busy(display_number: str) -> HallRuleError:
    return HallRuleError(
        "window_busy",
        f"请先办结、过号或挂起当前号码 {display_number}",
        f"finish, no-show or park the current ticket {display_number} first",
    )


def require_no_current_ticket(session: Session, window: Window) -> None:
    """Calling, pausing or closing needs the window's current citizen dealt with first."""
    current = active_ticket(session, window)
    if current is not None:
        raise window_busy(current.display_number)


def check_usable(state: str, window_number: int) -> None:
    if state == "closed":
        raise HallRuleError("window_closed", f"{window_number}号窗口已关闭", f"window {window_number} is closed")
    if state == "paused":
        raise HallRuleError(
            "window_paused", f"{window_number}号窗口暂停服务中，请先恢复", f"window {window_number} is paused; resume first"
        )


def open_service(session: Session, ticket: Ticket) -> Service | None:
    return session.scalar(select(Service).where(Service.ticket_id == ticket.id, Service.ended_at.is_(None)))


def ticket_for_update(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = uow.session.scalar(select(Ticket).where(Ticket.id == ticket_id, Ticket.hall_id == uow.hall_id).with_for_update())
    if ticket is None:
        raise not_found("该号票", "ticket")
    return ticket


def transition(uow: UnitOfWork, ticket: Ticket, action: Action, **values: Any) -> TicketStatus:
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
        "assist": ticket.assist,
        "issued_by": ticket.issued_by,
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




def recent_calls(session: Session, hall_id: int, day: date, limit: int) -> list[dict[str, Any]]:
    """The hall's latest calls, newest first: what the hall screen and the phone page show as "now calling".

    A call withdrawn since (the ticket was transferred, missed or parked at that window) is left
    out: it no longer tells anyone where to go. A finished service stays, marked ``done``. Only
    the business ``day``'s calls: yesterday's are history, not calls."""
    rows = session.execute(
        select(Ticket.display_number, Ticket.status, Window.number, Window.name_zh, Service.called_at, Service.end_reason)
        .join(Ticket, Ticket.id == Service.ticket_id)
        .join(Window, Window.id == Service.window_id)
        .where(Service.hall_id == hall_id, Ticket.business_day == day, Service.end_reason.not_in(WITHDRAWN_CALLS))
        .order_by(Service.id.desc())
        .limit(limit)
    ).all()
    return [
        {"number": n, "status": "done" if reason else s, "window": w, "window_name": wn, "called_at": at.isoformat()}
        for n, s, w, wn, at, reason in rows
    ]


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
