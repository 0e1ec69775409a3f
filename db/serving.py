"""Serving the citizen at the window: start, finish (办结, with its outcome and 承诺件 deadline),
transfer (转移, keeping the original wait), park (挂起) and call back (回呼).

Builds on calling: a parked ticket comes back through the same call as a new one, and transfers
and parking act on the window's current ticket as calling finds it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, select, update

from db.calling import CallingOps
from db.common import (
    AT_A_WINDOW,
    CATEGORIES,
    ITEMS,
    SERVICES,
    TICKETS,
    WINDOWS,
    Actor,
    category_by_series,
    idempotency,
    not_found,
    open_service,
    ticket_brief,
    ticket_for_update,
    transition,
    window_by_number,
)
from db.fast_sql import run
from db.models import Category, Ticket
from db.unit_of_work import UnitOfWork
from hall.calendar import add_days
from hall.text import HallRuleError
from hall.tickets import MAX_PROMISED_WORKING_DAYS, Action, Outcome, TicketStatus, next_status, promised_working_days

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
        materials_received=bindparam("materials_received"),
        note=bindparam("note"),
        clerk_id=func.coalesce(bindparam("clerk", type_=Integer), SERVICES.c.clerk_id),
        item_code=func.coalesce(bindparam("item", type_=String), SERVICES.c.item_code),
    )
    .returning(SERVICES.c.id, SERVICES.c.clerk_id)
)


@functools.cache
def ticket_transition(value_names: tuple[str, ...]) -> Any:
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


class ServingOps(CallingOps):
    """The service at the window, from start to 办结, transfer or parking."""

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
        materials_received: list[str] | None = None,
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
        if materials_received is not None and outcome_value is not Outcome.PROMISED:
            raise HallRuleError(
                "bad_materials", "已收材料只用于承诺件", "materials received are recorded for a promised case only", 422
            )
        payload: dict[str, Any] = {"op": "finish", "window": window_number, "outcome": outcome, "item": item_code, "note": note}
        if promised_days is not None:
            payload["promised_days"] = promised_days
        if materials_received is not None:
            payload["materials_received"] = materials_received

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
                    "materials_received": [m[:200] for m in materials_received[:50]] if materials_received is not None else None,
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
                "materials_received": materials_received,
                "case_url": f"/t/{brief['public_id']}" if promised else None,
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
                department=window.department or category.department,  # the city's reports by department
            )
            return result

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))

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
        statement = ticket_transition(tuple(sorted(values)))
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
                category = category_by_series(uow.session, uow.hall_id, to_series)
                values.update(category_id=category.id, target_window_id=None)
                target_label = {"series": category.series, "name_zh": category.name_zh}
            else:
                assert to_window is not None
                target = window_by_number(uow.session, uow.hall_id, to_window)
                if target.id == window.id:
                    raise HallRuleError("bad_transfer", "不能转移到本窗口", "cannot transfer to the same window", 422)
                if target.state == "closed":
                    # A ticket sent to a closed window would wait there unseen until the window reopens.
                    raise HallRuleError(
                        "window_closed", f"{target.number}号窗口已关闭，不能转入", f"window {target.number} is closed; cannot transfer there", 409
                    )
                values.update(target_window_id=target.id)
                target_label = {"window": target.number, "name_zh": target.name_zh}
            service = open_service(uow.session, ticket)
            # queue_key is kept: the citizen keeps the place their original wait earned.
            transition(uow, ticket, Action.TRANSFER, **values)
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
            service = open_service(uow.session, ticket)
            transition(uow, ticket, Action.PARK, note=note[:200])
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
            ticket = ticket_for_update(uow, ticket_id)
            if ticket.window_id != window.id:
                raise HallRuleError(
                    "not_at_this_window",
                    f"号码 {ticket.display_number} 不是本窗口挂起的",
                    f"ticket {ticket.display_number} was not parked at this window",
                    403,
                )
            transition(uow, ticket, Action.CALL_BACK, called_at=uow.now, recall_count=0)
            return self._after_call(uow, actor, window, ticket, queue_wait=False)

        return self.write(actor.hall_id, work)

    def parked_tickets(self, hall_id: int, window_number: int) -> list[dict[str, Any]]:
        with self.read() as session:
            window = window_by_number(session, hall_id, window_number)
            rows = session.scalars(
                select(Ticket).where(Ticket.window_id == window.id, Ticket.status == TicketStatus.PARKED.value).order_by(Ticket.called_at)
            )
            return [ticket_brief(t) for t in rows]

