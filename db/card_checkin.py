"""Check-in by ID card (刷身份证签到): the holder's booking for today, or nothing to check in.

The kiosk reads a card and asks :meth:`CardCheckInOps.check_in_by_card` with the card's keyed hash.
A booking of today that carries that hash (one checked in once by code with the card, or made with
it at the guide desk or by phone) is checked in when the citizen is within the hall's arrival window (``[booking] early_minutes``
before the slot to ``late_minutes`` after): an appointment ticket; later than that the booking is
closed with a walk-in number (一人一号 applies); earlier, a clear refusal with the time to come back.
Without such a booking the answer is ``no_booking_today`` (404) and the kiosk lets the citizen take
a walk-in number with the same card.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from db.common import Actor, idempotency
from db.identity import Person, booking_settings
from db.issuing import IssuingOps
from db.models import Appointment
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day
from hall.identity import Arrival, arrival
from hall.text import HallRuleError

NO_BOOKING = HallRuleError(
    "no_booking_today", "您今天没有预约，可直接取号", "you have no booking for today; you may take a number", 404
)


class CardCheckInOps(IssuingOps):
    """Check-in of a booking by the holder's ID card."""

    def check_in_by_card(self, actor: Actor, person: Person, idempotency_key: str | None = None) -> dict[str, Any]:
        payload = {"op": "check_in_by_card", "person": person.id_hash}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            rows = uow.session.scalars(
                select(Appointment)
                .where(
                    Appointment.hall_id == uow.hall_id,
                    Appointment.id_hash == person.id_hash,
                    Appointment.status == "booked",
                    Appointment.ticket_id.is_(None),
                )
                .order_by(Appointment.slot_at)
                .with_for_update()
            ).all()
            rows = [row for row in rows if business_day(uow.hours, row.slot_at) == uow.today]
            if not rows:
                raise NO_BOOKING
            settings = booking_settings(uow.hall)
            row = rows[0]
            when = arrival(row.slot_at, uow.now, settings.early_minutes, settings.late_minutes)
            if when is Arrival.EARLY:
                opens = (row.slot_at - timedelta(minutes=settings.early_minutes)).astimezone(uow.hours.zone)
                raise HallRuleError(
                    "too_early",
                    f"您预约的时段为 {row.slot_at.astimezone(uow.hours.zone):%H:%M}，请于 {opens:%H:%M} 后签到",
                    f"your booking is at {row.slot_at.astimezone(uow.hours.zone):%H:%M}; check in from {opens:%H:%M}",
                    409,
                )
            return self._check_in_booking(uow, row, person, late=when is Arrival.LATE)

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))
