"""The text-message outbox (hall.sms): queued in the transaction of what causes a message,
claimed and marked by server.notify's sender, listed and resent from the manager console.

Queueing (:func:`queue_message`) is one ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
(hall, dedupe key): a retried or replayed operation never makes a second message. It is written in
the same transaction as the booking or call, so a message is never lost, and it sends nothing:
a gateway that hangs or fails cannot delay a ticket or a call.

Sending is at least once, by lease: :meth:`NotificationOps.claim_messages` moves the due
messages' ``next_try_at`` to the end of a lease and names the claiming sender, in one short write
(on PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so two server processes never
claim the same row); the sender sends outside any transaction and then marks each message sent,
or failed with its next try after an exponential backoff, only if it still holds the claim.
Only a sender that dies between the gateway's answer and the mark can cause a repeat (after the
lease); the dedupe key goes to the gateway as the request id so a provider can drop that repeat.

The number in clear lives in ``notify_contacts.phone_clear`` only until the contact's
``keep_until`` has passed and none of its messages is left to send; :meth:`erase_numbers` then
blanks it. Screens get only the masked number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Hall, Notification, NotifyContact, Ticket
from db.security import mask_phone
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.booking import normalize_phone
from hall.sms import (
    CANCELLED,
    FAILED,
    GIVEN_UP,
    MAX_ATTEMPTS,
    OPEN_STATUSES,
    PENDING,
    REMINDERS,
    SENT,
    SOON_AHEAD,
    backoff_seconds,
    reminder_times,
)
from hall.text import HallRuleError

NOTIFICATIONS = Notification.__table__
CONTACTS = NotifyContact.__table__
TICKETS = Ticket.__table__
PHONE_KEY = "_phone_key"  # db.booking.PHONE_KEY (not imported: db.booking imports this module)
NOTIFY_KEY = "_notify_key"  # in halls.booking: the key of contact hashes when no booking key exists yet
LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, ready for the gateway."""

    id: int
    hall_id: int
    kind: str
    phone: str  # in clear: only in the sender's memory while it sends
    phone_masked: str
    params: dict[str, str]
    dedupe_key: str
    attempts: int
    hall_name: str


# --------------------------------------------------------------------------- inside a hall transaction


def contact_hash(uow: UnitOfWork, phone: str) -> str:
    """The hall's keyed hash of a number (db.booking's key, so a booking's and a kiosk's agree)."""
    hall = uow.hall
    key = (hall.booking or {}).get(PHONE_KEY) or (hall.booking or {}).get(NOTIFY_KEY)
    if not key:
        key = secrets.token_hex(32)
        hall.booking = {**(hall.booking or {}), NOTIFY_KEY: key}
        uow.session.flush()
    return hmac.new(str(key).encode(), phone.encode(), hashlib.sha256).hexdigest()


def add_contact(
    uow: UnitOfWork,
    phone: str,
    phone_hashed: str,
    keep_until: datetime,
    appointment_id: int | None = None,
    ticket_id: int | None = None,
) -> int:
    row = NotifyContact(
        hall_id=uow.hall_id,
        appointment_id=appointment_id,
        ticket_id=ticket_id,
        phone_hash=phone_hashed,
        phone_masked=mask_phone(phone),
        phone_clear=phone,
        keep_until=keep_until,
        created_at=uow.now,
    )
    uow.session.add(row)
    uow.session.flush()
    return row.id


def contact_of(session: Session, appointment_id: int | None = None, ticket_id: int | None = None) -> NotifyContact | None:
    if appointment_id is not None:
        return session.scalar(select(NotifyContact).where(NotifyContact.appointment_id == appointment_id))
    return session.scalar(select(NotifyContact).where(NotifyContact.ticket_id == ticket_id))


def queue_message(
    uow: UnitOfWork, contact: NotifyContact | Any, kind: str, dedupe_key: str, params: dict[str, str], due_at: datetime | None = None
) -> None:
    """Queue one message unless one with ``dedupe_key`` exists already (then nothing changes)."""
    values = {
        "hall_id": uow.hall_id,
        "kind": kind,
        "contact_id": contact.id,
        "phone_masked": contact.phone_masked,
        "params": params,
        "dedupe_key": dedupe_key[:120],
        "status": PENDING,
        "created_at": uow.now,
        "due_at": due_at or uow.now,
        "next_try_at": due_at or uow.now,
        "attempts": 0,
        "claimed_by": "",
        "last_error": "",
    }
    dialect = postgresql if uow.connection.dialect.name == "postgresql" else sqlite
    uow.connection.execute(dialect.insert(NOTIFICATIONS).values(values).on_conflict_do_nothing())


def cancel_open(uow: UnitOfWork, contact_id: int, kinds: tuple[str, ...]) -> None:
    """Reminders of a booking that was moved or cancelled: no longer sent."""
    uow.connection.execute(
        update(NOTIFICATIONS)
        .where(NOTIFICATIONS.c.contact_id == contact_id, NOTIFICATIONS.c.kind.in_(kinds), NOTIFICATIONS.c.status.in_(OPEN_STATUSES))
        .values(status=CANCELLED, claimed_by="")
    )


def queue_booking(uow: UnitOfWork, appointment: Any, view: dict[str, Any], event: str) -> None:
    """``event`` (confirmed, moved, cancelled) of a citizen's booking: its message, and its
    reminders queued afresh for the (new) slot or cancelled. Nothing for a booking without a
    contact (a manager's). ``view`` is db.booking's view of the booking."""
    contact = contact_of(uow.session, appointment_id=appointment.id)
    if contact is None:
        return
    item = (view.get("item") or {}).get("name_zh") or (view.get("category") or {}).get("name_zh", "")
    day = date.fromisoformat(view["date"])
    params = {"item": item, "date": f"{day.month}月{day.day}日", "slot": view["slot"], "code": view["code"]}
    slot_key = appointment.slot_at.isoformat() + (f"@{uow.now.isoformat()}" if event == "moved" else "")  # A -> B -> A moves again
    queue_message(uow, contact, f"booking_{event}", f"appt:{appointment.id}:{event}:{slot_key}", params)
    cancel_open(uow, contact.id, REMINDERS)
    if event == "cancelled":
        contact.keep_until = uow.now
        return
    for kind, due in reminder_times(appointment.slot_at, uow.hours.zone, uow.now).items():
        queue_message(uow, contact, kind, f"appt:{appointment.id}:{kind}:{slot_key}", params, due)
    contact.keep_until = appointment.slot_at + timedelta(minutes=(appointment.slot_minutes or 0) + 60)
    uow.session.flush()


def queue_after_call(uow: UnitOfWork, ticket: Any, window_number: int) -> None:
    """After a ticket is called: 请到 N 号窗口 to its holder if they gave a number, and 即将到号 to
    holders with ``SOON_AHEAD`` or fewer ahead in that ticket's category. One indexed look-up
    when nobody in the category gave a number (the usual case)."""
    connection = uow.connection
    contacts = connection.execute(
        select(
            CONTACTS.c.id,
            CONTACTS.c.phone_masked,
            CONTACTS.c.ticket_id,
            TICKETS.c.display_number,
            TICKETS.c.status,
            TICKETS.c.id.label("tid"),
        )
        .join(TICKETS, TICKETS.c.id == CONTACTS.c.ticket_id)
        .where(
            CONTACTS.c.hall_id == uow.hall_id,
            CONTACTS.c.keep_until > uow.now,
            TICKETS.c.category_id == ticket.category_id,
            TICKETS.c.business_day == ticket.business_day,
            or_(TICKETS.c.id == ticket.id, TICKETS.c.status == "waiting"),
        )
    ).all()
    for contact in contacts:
        if contact.tid == ticket.id:
            queue_message(
                uow,
                contact,
                "called",
                f"ticket:{ticket.id}:called:{window_number}:{ticket.recall_count or 0}",
                {"number": contact.display_number, "window": str(window_number)},
            )
            continue
        ahead = _people_ahead(uow, contact.tid)
        if ahead <= SOON_AHEAD:
            queue_message(uow, contact, "soon", f"ticket:{contact.tid}:soon", {"number": contact.display_number, "ahead": str(ahead)})


def _people_ahead(uow: UnitOfWork, ticket_id: int) -> int:
    """Waiting tickets of the same category before this one in queue order (priority first, then
    queue key): the same order the call rule uses within a category."""
    me = TICKETS.alias("me")
    ahead = uow.connection.execute(
        select(func.count())
        .select_from(TICKETS.join(me, and_(me.c.id == ticket_id, TICKETS.c.category_id == me.c.category_id)))
        .where(
            TICKETS.c.hall_id == uow.hall_id,
            TICKETS.c.business_day == me.c.business_day,
            TICKETS.c.status == "waiting",
            TICKETS.c.id != me.c.id,
            or_(
                and_(TICKETS.c.priority.is_(True), me.c.priority.is_(False)),
                and_(
                    TICKETS.c.priority == me.c.priority,
                    or_(TICKETS.c.queue_key < me.c.queue_key, and_(TICKETS.c.queue_key == me.c.queue_key, TICKETS.c.id < me.c.id)),
                ),
            ),
        )
    ).scalar_one()
    return int(ahead)


def _erase_if_done(uow: UnitOfWork, message_id: int) -> None:
    """After a message is sent or given up: its number in clear is blanked when nothing more will
    be sent to it, i.e. it was a ticket's last message (叫号) or the contact's time is over
    (a cancelled booking, the last reminder), and none of its messages is still open."""
    connection = uow.connection
    row = connection.execute(
        select(NOTIFICATIONS.c.contact_id, NOTIFICATIONS.c.kind, CONTACTS.c.keep_until)
        .join(CONTACTS, CONTACTS.c.id == NOTIFICATIONS.c.contact_id)
        .where(NOTIFICATIONS.c.id == message_id)
    ).first()
    if row is None:
        return
    called_done = select(NOTIFICATIONS.c.id).where(
        NOTIFICATIONS.c.contact_id == row.contact_id, NOTIFICATIONS.c.kind == "called", NOTIFICATIONS.c.status.notin_(OPEN_STATUSES)
    )
    if row.keep_until > uow.now and connection.execute(called_done.limit(1)).first() is None:
        return
    still_open = select(NOTIFICATIONS.c.id).where(NOTIFICATIONS.c.contact_id == row.contact_id, NOTIFICATIONS.c.status.in_(OPEN_STATUSES))
    if connection.execute(still_open.limit(1)).first() is None:
        connection.execute(update(CONTACTS).where(CONTACTS.c.id == row.contact_id).values(phone_clear="", keep_until=uow.now))


# --------------------------------------------------------------------------- the sender's and the console's operations


class NotificationOps(StoreCore):
    """The outbox outside hall operations: claims and marks by the sender, the console's list and resend."""

    def notification_halls(self) -> list[int]:
        with self.read() as session:
            return [int(h) for h in session.scalars(select(Hall.id).order_by(Hall.id))]

    def claim_messages(self, hall_id: int, owner: str, limit: int = 20, lease_seconds: float = LEASE_SECONDS) -> list[Outgoing]:
        """Due messages for ``owner`` to send now, each held for ``lease_seconds``."""

        def work(uow: UnitOfWork) -> list[Outgoing]:
            connection = uow.connection
            due = (
                select(NOTIFICATIONS.c.id)
                .where(
                    NOTIFICATIONS.c.hall_id == hall_id,
                    NOTIFICATIONS.c.status.in_(OPEN_STATUSES),
                    NOTIFICATIONS.c.next_try_at <= uow.now,
                )
                .order_by(NOTIFICATIONS.c.next_try_at, NOTIFICATIONS.c.id)
                .limit(limit)
            )
            if connection.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = [int(i) for i in connection.execute(due).scalars()]
            if not ids:
                return []
            connection.execute(
                update(NOTIFICATIONS)
                .where(NOTIFICATIONS.c.id.in_(ids))
                .values(claimed_by=owner, next_try_at=uow.now + timedelta(seconds=lease_seconds))
            )
            hall_name = connection.execute(select(Hall.name_zh).where(Hall.id == hall_id)).scalar_one()
            rows = connection.execute(
                select(NOTIFICATIONS, CONTACTS.c.phone_clear)
                .join(CONTACTS, CONTACTS.c.id == NOTIFICATIONS.c.contact_id)
                .where(NOTIFICATIONS.c.id.in_(ids))
                .order_by(NOTIFICATIONS.c.id)
            ).all()
            out = []
            for row in rows:
                if not row.phone_clear:  # erased (retention): nothing can be sent any more
                    connection.execute(
                        update(NOTIFICATIONS)
                        .where(NOTIFICATIONS.c.id == row.id)
                        .values(status=GIVEN_UP, claimed_by="", last_error="号码已删除 number erased")
                    )
                    continue
                out.append(
                    Outgoing(
                        row.id,
                        hall_id,
                        row.kind,
                        row.phone_clear,
                        row.phone_masked,
                        dict(row.params or {}),
                        row.dedupe_key,
                        row.attempts,
                        hall_name,
                    )
                )
            return out

        return self.write(hall_id, work)

    def mark_sent(self, hall_id: int, message_id: int, owner: str) -> bool:
        """False when the claim was lost (lease ended and another sender took it): nothing changes."""

        def work(uow: UnitOfWork) -> bool:
            done = uow.connection.execute(
                update(NOTIFICATIONS)
                .where(NOTIFICATIONS.c.id == message_id, NOTIFICATIONS.c.claimed_by == owner, NOTIFICATIONS.c.status.in_(OPEN_STATUSES))
                .values(status=SENT, sent_at=uow.now, attempts=NOTIFICATIONS.c.attempts + 1, claimed_by="", last_error="")
            )
            if done.rowcount:
                _erase_if_done(uow, message_id)
            return bool(done.rowcount)

        return self.write(hall_id, work)

    def mark_failed(self, hall_id: int, message_id: int, owner: str, error: str, max_attempts: int = MAX_ATTEMPTS) -> str | None:
        """The failed try counted; the message's new status (``failed`` with a next try after the
        backoff, or ``given_up``), None when the claim was lost."""

        def work(uow: UnitOfWork) -> str | None:
            row = uow.connection.execute(
                select(NOTIFICATIONS.c.attempts, NOTIFICATIONS.c.claimed_by, NOTIFICATIONS.c.status).where(NOTIFICATIONS.c.id == message_id)
            ).first()
            if row is None or row.claimed_by != owner or row.status not in OPEN_STATUSES:
                return None
            attempts = row.attempts + 1
            status = GIVEN_UP if attempts >= max_attempts else FAILED
            uow.connection.execute(
                update(NOTIFICATIONS)
                .where(NOTIFICATIONS.c.id == message_id)
                .values(
                    status=status,
                    attempts=attempts,
                    claimed_by="",
                    last_error=error[:200],
                    next_try_at=uow.now + timedelta(seconds=backoff_seconds(attempts)),
                )
            )
            if status == GIVEN_UP:
                _erase_if_done(uow, message_id)
            return status

        return self.write(hall_id, work)

    def erase_numbers(self, hall_id: int) -> int:
        """Blank the numbers in clear no longer needed: past ``keep_until`` and no message left to send."""

        def work(uow: UnitOfWork) -> int:
            still_needed = select(NOTIFICATIONS.c.id).where(
                NOTIFICATIONS.c.contact_id == CONTACTS.c.id, NOTIFICATIONS.c.status.in_(OPEN_STATUSES)
            )
            done = uow.connection.execute(
                update(CONTACTS)
                .where(
                    CONTACTS.c.hall_id == hall_id, CONTACTS.c.phone_clear != "", CONTACTS.c.keep_until <= uow.now, ~still_needed.exists()
                )
                .values(phone_clear="")
            )
            return int(done.rowcount or 0)

        return self.write(hall_id, work)

    def notifications_of_day(self, hall_id: int, day: date | None = None) -> list[dict[str, Any]]:
        """The console's 短信 tab: the messages created on ``day`` (hall time; today when None),
        newest first; masked numbers only, and no booking code."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, _rules = self.settings(session, hall)
            day = day or self.clock.now().astimezone(hours.zone).date()
            start = datetime.combine(day, datetime.min.time(), tzinfo=hours.zone)
            rows = session.scalars(
                select(Notification)
                .where(
                    Notification.hall_id == hall_id, Notification.created_at >= start, Notification.created_at < start + timedelta(days=1)
                )
                .order_by(Notification.id.desc())
                .limit(2000)
            ).all()
            return [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "phone": r.phone_masked,
                    "status": r.status,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                    "created_at": r.created_at.isoformat(),
                    "due_at": r.due_at.isoformat(),
                    "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                    "params": {k: v for k, v in (r.params or {}).items() if k != "code"},
                }
                for r in rows
            ]

    def resend_notification(self, hall_id: int, message_id: int) -> dict[str, Any]:
        """A given-up message queued again (its tries counted afresh); other states are refused."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.get(Notification, message_id)
            if row is None or row.hall_id != hall_id:
                raise HallRuleError("no_message", "找不到该短信", "no such message", 404)
            if row.status != GIVEN_UP:
                raise HallRuleError("not_given_up", "只有已放弃的短信可以重发", "only a given-up message can be resent", 409)
            contact = uow.session.get(NotifyContact, row.contact_id)
            if contact is None or not contact.phone_clear:
                raise HallRuleError("number_erased", "号码已按规定删除，无法重发", "the number has been erased; it cannot be resent", 409)
            row.status, row.attempts, row.next_try_at, row.claimed_by = PENDING, 0, uow.now, ""
            uow.session.flush()
            return {"id": row.id, "status": row.status}

        return self.write(hall_id, work)

    def sign_up_ticket(self, hall_id: int, ticket_id: int, phone_text: str) -> dict[str, Any]:
        """A number given at the kiosk for a waiting ticket's 即将到号 and 叫号 messages (optional).
        Kept in clear until the end of the day; a second number replaces the first."""
        phone = normalize_phone(phone_text)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            ticket = uow.session.get(Ticket, ticket_id)
            if ticket is None or ticket.hall_id != hall_id:
                raise HallRuleError("no_ticket", "找不到该号码", "no such ticket", 404)
            if ticket.status != "waiting":
                raise HallRuleError("not_waiting", "该号码已不在等候，无需短信提醒", "this ticket is no longer waiting", 409)
            hashed = contact_hash(uow, phone)
            keep_until = uow.now + timedelta(hours=16)
            contact = contact_of(uow.session, ticket_id=ticket_id)
            if contact is None:
                add_contact(uow, phone, hashed, keep_until, ticket_id=ticket_id)
            else:
                contact.phone_clear, contact.phone_hash, contact.phone_masked, contact.keep_until = (
                    phone,
                    hashed,
                    mask_phone(phone),
                    keep_until,
                )
                uow.session.flush()
            contact = contact_of(uow.session, ticket_id=ticket_id)
            ahead = _people_ahead(uow, ticket_id)
            if contact is not None and ahead <= SOON_AHEAD:  # already close: 即将到号 at once, not at the next call
                queue_message(uow, contact, "soon", f"ticket:{ticket_id}:soon", {"number": ticket.display_number, "ahead": str(ahead)})
            return {"ticket_id": ticket_id, "phone": mask_phone(phone), "ahead": ahead}

        return self.write(hall_id, work)

    def delete_old_notifications(self, hall_id: int, before: datetime) -> int:
        def work(uow: UnitOfWork) -> int:
            done = uow.connection.execute(
                delete(NOTIFICATIONS).where(
                    NOTIFICATIONS.c.hall_id == hall_id, NOTIFICATIONS.c.created_at < before, NOTIFICATIONS.c.status.notin_(OPEN_STATUSES)
                )
            )
            return int(done.rowcount or 0)

        return self.write(hall_id, work)


__all__ = [
    "NotificationOps",
    "Outgoing",
    "add_contact",
    "cancel_open",
    "contact_of",
    "queue_after_call",
    "queue_booking",
    "queue_message",
]
