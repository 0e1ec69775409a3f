"""Calling citizens to a window: call next, call a given number, recall (重呼), no-show (过号)
and requeueing a late citizen.

"Call next" reads the few tickets that can be next (each served category's heads, due
appointments, tickets transferred to this window) in one statement, lets hall.call_order pick,
and claims the pick with a conditional update; no row back means another window won it, and
the next attempt leaves that ticket out.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal_column, null, or_, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.common import (
    AT_A_WINDOW,
    CATEGORIES,
    IS_WAITING,
    SERVICES,
    TICKETS,
    TODAY_IN_QUEUE,
    TRANSFERRED_DAY,
    WINDOW_CATEGORIES,
    WINDOWS,
    Actor,
    active_ticket,
    check_usable,
    idempotency,
    not_found,
    open_service,
    require_no_current_ticket,
    ticket_brief,
    ticket_for_update,
    transition,
    window_busy,
    window_by_number,
)
from db.fast_sql import run
from db.models import AuditEntry, Category, ClerkSession, Ticket, Window
from db.notifications import queue_after_call
from db.unit_of_work import UnitOfWork
from db.waits import WaitEstimates
from hall.calendar import business_day
from hall.call_order import Candidate, WindowQueues, choose_next, requeue_key
from hall.config import CallRule
from hall.numbering import format_number, parse_number
from hall.text import HallRuleError
from hall.tickets import Action, TicketStatus, next_status

CALL_ATTEMPTS = 10  # each failed attempt means another window called that head: the queue moved on
INSERT_SERVICE = insert(SERVICES)


def waited_seconds(ticket: Ticket, now: datetime) -> float:
    return max(0.0, now.timestamp() - ticket.queue_key) if ticket.queue_key else 0.0


class CallingOps(WaitEstimates):
    """Calling a ticket to a window and what follows when the citizen does not come."""

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

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))

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
        window = window_by_number(uow.session, uow.hall_id, window_number, lock=True)
        check_usable(window.state, window_number)
        require_no_current_ticket(uow.session, window)
        return window

    def _usable_window_row(self, uow: UnitOfWork, window_number: int) -> Any:
        """The window, locked, with its current ticket's number in the same statement."""
        window = run(uow.connection, self._window_for_call, {"hall_id": uow.hall_id, "number": window_number}).first()
        if window is None:
            raise not_found(f"{window_number}号窗口", f"window {window_number}")
        check_usable(window.state, window_number)
        if window.current_number is not None:
            raise window_busy(window.current_number)
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
        counted = uow.rules.call_rule is CallRule.LONGEST_QUEUE  # only that rule needs the queues' lengths
        if lost:
            rows = uow.connection.execute(self._counted_excluding_lost if counted else self._candidates_excluding_lost, params).all()
        else:
            rows = run(uow.connection, self._counted_candidates_query if counted else self._candidates_query, params).all()
        primary: list[str] = []
        secondary: list[str] = []
        targets: dict[str, float] = {}  # for the target_weighted call rule
        lengths: dict[str, int] = {}  # for the longest_queue call rule
        categories: dict[int, Any] = {}
        found: dict[int, Candidate] = {}
        for row in rows:
            if row.category_id is not None and row.category_id not in categories:
                categories[row.category_id] = row
                (primary if row.primary else secondary).append(row.series)
                targets[row.series] = row.target_wait_minutes
                lengths[row.series] = row.waiting_count or 0
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
        return WindowQueues(window.number, primary, secondary, targets, lengths), categories, list(found.values())

    @functools.cached_property
    def _candidates_query(self) -> Any:
        return self._build_candidates_query(excluding_lost=False)

    @functools.cached_property
    def _candidates_excluding_lost(self) -> Any:
        """For a second attempt, without the heads another window claimed first. A separate
        statement because an expanding IN is rendered again on every execution, and the first
        attempt, nearly always the only one, has nothing to exclude."""
        return self._build_candidates_query(excluding_lost=True)

    @functools.cached_property
    def _counted_candidates_query(self) -> Any:
        return self._build_candidates_query(excluding_lost=False, counted=True)

    @functools.cached_property
    def _counted_excluding_lost(self) -> Any:
        return self._build_candidates_query(excluding_lost=True, counted=True)

    def _build_candidates_query(self, excluding_lost: bool, counted: bool = False) -> Any:
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
                CATEGORIES.c.target_wait_minutes,
                # tickets waiting in the category, for the longest_queue call rule
                (select(func.count()).select_from(TICKETS).where(in_category).scalar_subquery() if counted else null()).label(
                    "waiting_count"
                ),
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
            served.c.target_wait_minutes,
            served.c.waiting_count,
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
            null().label("target_wait_minutes"),
            null().label("waiting_count"),
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
        waited = waited_seconds(ticket, uow.now) if queue_wait else 0.0
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
        queue_after_call(uow, ticket, window.number)  # 短信: queued only, sent later (db.notifications)
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
            late = ticket.status == TicketStatus.NO_SHOW.value
            if late and not uow.rules.late_call_at_window:
                raise HallRuleError(
                    "late_call_not_allowed",
                    f"本厅规定过号须重新排队，请为 {ticket.display_number} 选“重新排队”",
                    f"this hall's rule: a late return goes back in the queue; requeue {ticket.display_number}",
                )
            transition(
                uow, ticket, Action.CALL, window_id=window.id, called_at=uow.now, recall_count=0, target_window_id=None, closed_at=None
            )
            # A late return's wait ended at its first call; the time away is not queue waiting.
            return self._after_call(uow, actor, window, ticket, queue_wait=not late)

        return self.write(actor.hall_id, work)

    def find_ticket(self, hall_id: int, number_text: str) -> dict[str, Any]:
        """Today's ticket by its number, where it stands, and what a clerk may do with it under the
        hall's rule for late returns (``actions``: "requeue", "call")."""
        series, number = parse_number(number_text)
        with self.read() as session:
            settings = self._hall_settings(session.connection(), hall_id)
            today = business_day(settings.hours, self.clock.now())
            ticket = session.scalar(
                select(Ticket).where(Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.series == series, Ticket.number == number)
            )
            if ticket is None:
                raise not_found(f"今日号码 {format_number(series, number)}", f"today's ticket {format_number(series, number)}")
            category = session.get(Category, ticket.category_id)
            window = session.get(Window, ticket.window_id) if ticket.window_id else None
            data = ticket_brief(ticket, category, window)
            data.update(self._position(session.connection(), ticket))
            actions: list[str] = []
            if ticket.status == TicketStatus.NO_SHOW.value:
                actions = ["requeue", "call"] if settings.rules.late_call_at_window else ["requeue"]
            elif ticket.status == TicketStatus.WAITING.value:
                actions = ["call"]
            data["actions"] = actions
            data["late_requeue_places"] = settings.rules.late_requeue_places
            return data

    def _current(self, uow: UnitOfWork, window_number: int, ticket_id: int | None) -> tuple[Window, Ticket]:
        window = window_by_number(uow.session, uow.hall_id, window_number)
        ticket = ticket_for_update(uow, ticket_id) if ticket_id is not None else active_ticket(uow.session, window)
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
            transition(uow, ticket, Action.RECALL, recall_count=ticket.recall_count + 1, called_at=uow.now)
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
        transition(uow, ticket, Action.NO_SHOW, closed_at=uow.now)
        service = open_service(uow.session, ticket)
        if service is not None:
            service.ended_at, service.end_reason = uow.now, "no_show"
        brief = ticket_brief(ticket, None, window)
        uow.emit("ticket_no_show", ticket=brief, window=window.number, automatic=automatic)
        return {"ticket": brief, "window": window.number, "no_show": True, "automatic": automatic}

    def requeue(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """A citizen who missed their call came back: back in the queue ``late_requeue_places`` from the head."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            ticket = ticket_for_update(uow, ticket_id)
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
            transition(uow, ticket, Action.REQUEUE, queue_key=key, window_id=None, closed_at=None, recall_count=0)
            brief = ticket_brief(ticket)
            # who put a missed number back ahead of others (a clerk, the guide desk or a kiosk scan)
            uow.session.add(
                AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="requeue", detail={"ticket": brief["number"]}, created_at=uow.now)
            )
            uow.emit("ticket_requeued", ticket=brief)
            brief.update(self._position(uow.connection, ticket))
            return brief

        return self.write(actor.hall_id, work)

