"""Taking a number: issuing a ticket (kiosk, counter, appointment check-in), its number from
the day's counter, reprints, appointments, and the ticket status a citizen's phone reads.

Numbers come from a per-(hall, day, series) counter row, taken in one statement under its row
lock, so two kiosks never print the same number; the ticket is printed only after the commit.
"""

from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text

from db.common import (
    CATEGORIES,
    ITEMS,
    TICKETS,
    Actor,
    category_by_series,
    idempotency,
    not_found,
    recent_calls,
    ticket_brief,
    ticket_for_update,
)
from db.fast_sql import run
from db.identity import IdentityOps, Person
from db.models import Appointment, AuditEntry, Category, DayCounter, Hall, Item, Ticket, Window
from db.security import mask_name, mask_phone
from db.unit_of_work import UnitOfWork
from db.waits import WaitEstimates
from hall.booking import new_booking_code
from hall.calendar import business_day, check_appointment_slot, hall_state
from hall.numbering import format_number
from hall.text import HallRuleError
from hall.tickets import ASSIST_MODES, PRIORITY_REASONS, TicketSource, TicketStatus, may_claim_source

DAY_COUNTERS: Table = DayCounter.__table__  # type: ignore[assignment]

CATEGORY_BY_SERIES = select(
    CATEGORIES.c.id,
    CATEGORIES.c.series,
    CATEGORIES.c.name_zh,
    CATEGORIES.c.name_en,
    CATEGORIES.c.department,
    CATEGORIES.c.expected_service_minutes,
).where(CATEGORIES.c.hall_id == bindparam("hall_id"), CATEGORIES.c.series == bindparam("series"), CATEGORIES.c.active)
INSERT_TICKET = insert(TICKETS).returning(*TICKETS.c)


class IssuingOps(WaitEstimates, IdentityOps):
    """Tickets issued (kiosk, counter, appointment check-in), reprinted and looked up by citizens."""

    def issue_ticket(
        self,
        actor: Actor,
        series: str,
        items: list[str] | None = None,
        priority_reason: str | None = None,
        source: str = TicketSource.KIOSK.value,
        idempotency_key: str | None = None,
        _appointment: Appointment | None = None,
        assist: str = "",
        person: Person | None = None,
    ) -> dict[str, Any]:
        """Take a number. Never capped (限号 is forbidden): the only refusals are a closed hall,
        an unknown category or item, and a walk-in on an appointments-only day. A guide desk's
        ticket keeps who issued it and its 代办/帮办 mark (``assist``). A ``person`` (an ID card read at
        the kiosk) holds one waiting ticket per category (一人一号, db.identity)."""
        items = list(items or [])
        if source in {s.value for s in TicketSource} and not may_claim_source(actor.role, source):
            raise HallRuleError("source_not_yours", "此终端不能以该渠道取号", f"a {actor.role} may not issue {source} tickets", 403)
        payload = {"op": "issue", "series": series, "items": items, "priority": priority_reason, "source": source, "assist": assist}
        if person is not None:
            payload["person"] = person.id_hash
        issued_by = actor.name if source == TicketSource.GUIDE_DESK.value else ""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            return self._issue(uow, series, items, priority_reason, source, None, assist, issued_by, person)

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))

    def _issue(
        self,
        uow: UnitOfWork,
        series: str,
        items: list[str],
        priority_reason: str | None,
        source: str,
        appointment: Appointment | None,
        assist: str = "",
        issued_by: str = "",
        person: Person | None = None,
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
        if assist and (assist not in ASSIST_MODES or source != TicketSource.GUIDE_DESK.value):
            raise HallRuleError(
                "bad_assist", "代办/帮办只能由导办台标记，且应为代办或帮办", "only the guide desk marks 代办 (proxy) or 帮办 (help)", 422
            )
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
        if person is not None:
            self._check_one_per_person(uow, category.id, person)
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
                "issued_by": issued_by[:100],
                "assist": assist,
                "appointment_at": appointment.slot_at if appointment else None,
                "status": TicketStatus.WAITING.value,
                "issued_at": uow.now,
                "queue_key": uow.now.timestamp(),
                "recall_count": 0,
                "transfer_count": 0,
                "note": "",
                "print_count": 0,
                "id_hash": person.id_hash if person else "",
                "id_masked": person.id_masked if person else "",
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
        ``on_conflict_do_update`` ("no key") and would compile it again for every ticket issued."""
        return text(
            "INSERT INTO day_counters (hall_id, business_day, series, last_number) VALUES (:hall_id, :business_day, :series, 1) "
            "ON CONFLICT (hall_id, business_day, series) DO UPDATE SET last_number = day_counters.last_number + 1 "
            "RETURNING last_number"
        ).bindparams(
            bindparam("hall_id", type_=DAY_COUNTERS.c.hall_id.type),
            bindparam("business_day", type_=DAY_COUNTERS.c.business_day.type),
            bindparam("series", type_=DAY_COUNTERS.c.series.type),
        )

    def reprint(self, actor: Actor, ticket_id: int) -> dict[str, Any]:
        """Count a reprint (allowed, and logged in the audit trail)."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            ticket = ticket_for_update(uow, ticket_id)
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
            data["now_calling"] = [c for c in recent_calls(session, ticket.hall_id, ticket.business_day, 5) if c["status"] != "done"]
            # 办事指南 and 一次性告知: what the printed ticket promises the QR code shows.
            guide = session.execute(
                select(Item.code, Item.name_zh, Item.name_en, Item.materials, Item.promised_days, Item.fee).where(
                    Item.hall_id == ticket.hall_id, Item.code.in_(ticket.items or [])
                )
            ).all()
            data["guide"] = [row._asdict() for row in guide]
            data["department"] = category.department if category else ""
            data["serving_windows"] = self._hall_serving(session.connection(), ticket.hall_id).numbers.get(ticket.category_id, [])
            return data

    def add_appointment(
        self, actor: Actor, series: str, slot_at: datetime, name: str = "", phone: str = "", item_code: str = "", channel: str = "online",
        person: Person | None = None,
    ) -> dict[str, Any]:
        """预约 as data: only masked contact details are stored; with ``person`` (the citizen's ID
        card read at the guide desk) the booking can be checked in by that card (db.card_checkin)."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            check_appointment_slot(uow.hours, slot_at, uow.now)
            category = category_by_series(uow.session, uow.hall_id, series)
            code = new_booking_code()  # 10 characters, not a guessable 6-digit number
            while uow.session.scalar(select(Appointment.id).where(Appointment.hall_id == uow.hall_id, Appointment.code == code)):
                code = new_booking_code()
            row = Appointment(
                hall_id=uow.hall_id,
                code=code,
                category_id=category.id,
                item_code=item_code,
                slot_at=slot_at,
                name_masked=mask_name(name),
                contact_masked=mask_phone(phone),
                channel=channel,
                id_hash=person.id_hash if person else "",
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

    def check_in(self, actor: Actor, code: str, idempotency_key: str | None = None, person: Person | None = None) -> dict[str, Any]:
        """Appointment check-in at the kiosk issues a ticket that is called when its slot is due.
        A ``person`` (the card read at check-in, 刷身份证) is kept on the booking and the ticket."""
        payload = {"op": "check_in", "code": code, "person": person.id_hash if person else ""}
        # Typed as printed ("ABCDE FGHJK") or scanned; older 6-digit codes stay as they are.
        code = "".join(ch for ch in code if ch not in " -").upper()

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(
                select(Appointment).where(Appointment.hall_id == uow.hall_id, Appointment.code == code).with_for_update()
            )
            if row is None or row.status != "booked":  # a request never verified, or cancelled
                raise HallRuleError("unknown_appointment", "预约码不存在，请核对", "no appointment with this code", 404)
            if row.ticket_id is not None:
                ticket = uow.session.get(Ticket, row.ticket_id)
                raise HallRuleError(
                    "already_checked_in",
                    f"该预约已取号：{ticket.display_number if ticket else ''}",
                    "this appointment already has a ticket",
                    409,
                )
            if business_day(uow.hours, row.slot_at) != uow.today:
                raise HallRuleError(
                    "wrong_day",
                    f"预约日期为 {business_day(uow.hours, row.slot_at)}，请在预约当日取号",
                    "the appointment is for another day",
                    409,
                )
            if person is not None:
                row.id_hash = person.id_hash
            return self._check_in_booking(uow, row, person, late=False)

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))

    def _check_in_booking(self, uow: UnitOfWork, row: Appointment, person: Person | None, late: bool) -> dict[str, Any]:
        """The ticket of a booking checked in today: an appointment ticket, or (``late``) a walk-in."""
        category = uow.session.get(Category, row.category_id)
        assert category is not None
        items = [row.item_code] if row.item_code else []
        if late:
            result = self._issue(uow, category.series, items, None, TicketSource.KIOSK.value, None, person=person)
        else:
            result = self._issue(uow, category.series, items, None, TicketSource.APPOINTMENT.value, row, person=person)
        row.ticket_id, row.checked_in_at = result["id"], uow.now
        local = row.slot_at.astimezone(uow.hours.zone)
        end = local + timedelta(minutes=row.slot_minutes) if row.slot_minutes else None
        # For the slip: the booking and its slot ("预约 ABCDE FGHJK 09:00-09:30").
        result["booking"] = {
            "code": row.code,
            "slot": f"{local:%H:%M}" + (f"-{end:%H:%M}" if end else ""),
            "date": local.date().isoformat(),
        }
        if late:
            result["booking"]["late"] = True   # too late for its slot: a walk-in number instead
        return result
