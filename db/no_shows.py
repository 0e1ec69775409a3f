"""爽约 in the database (rules: hall.no_shows): counting no-shows, and the suspension check that
the booking pages and the phone-booking form run before a booking is taken.

``count_no_shows`` runs in the business day's rollover (db.rollover) and from the manager's
housekeeping call. It is idempotent: a booking counted becomes ``no_show`` (so it is never
looked at again) and its record's appointment id is unique.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Appointment, BookingNoShow, Hall
from db.unit_of_work import UnitOfWork
from hall.booking import booking_from_json
from hall.config import BookingConfig
from hall.no_shows import no_show_deadline, suspended_until, suspension_error

NO_SHOW = "no_show"
LONGEST_SLOT = timedelta(minutes=240)  # hall.booking's slot_minutes upper bound


def hall_booking(hall: Hall) -> BookingConfig:
    return booking_from_json({k: v for k, v in (hall.booking or {}).items() if not k.startswith("_")})


def count_no_shows(uow: UnitOfWork) -> int:
    """Mark every booking past its late window without a check-in as a no-show; returns how many."""
    booking = hall_booking(uow.hall)
    latest = uow.now - timedelta(minutes=booking.no_show_after_minutes)
    candidates = uow.session.scalars(
        select(Appointment).where(
            Appointment.hall_id == uow.hall_id,
            Appointment.status == "booked",
            Appointment.ticket_id.is_(None),
            Appointment.slot_at < latest,
        )
    ).all()
    counted = 0
    for row in candidates:
        if no_show_deadline(row.slot_at, row.slot_minutes, booking) > uow.now:
            continue
        row.status = NO_SHOW
        counted += 1
        if row.phone_hash:  # a manager's booking made without a number is a no-show in the figures only
            day = row.business_day or row.slot_at.astimezone(uow.hours.zone).date()
            uow.session.add(
                BookingNoShow(hall_id=uow.hall_id, appointment_id=row.id, phone_hash=row.phone_hash, business_day=day, counted_at=uow.now)
            )
    if counted:
        uow.session.flush()
        uow.emit("no_shows_counted", count=counted)
    return counted


def suspension_of(session: Session, hall_id: int, booking: BookingConfig, phone_hash: str, today: date) -> date | None:
    """The first day the number may book again, or None when it may book now."""
    since = today - timedelta(days=booking.no_show_window_days + booking.suspend_days)
    days = session.scalars(
        select(BookingNoShow.business_day).where(
            BookingNoShow.hall_id == hall_id, BookingNoShow.phone_hash == phone_hash, BookingNoShow.business_day >= since
        )
    ).all()
    return suspended_until(days, booking, today) if days else None


def check_not_suspended(session: Session, hall_id: int, booking: BookingConfig, phone_hash: str, today: date) -> None:
    """A bilingual 403 saying until when, for a number suspended after too many no-shows."""
    until = suspension_of(session, hall_id, booking, phone_hash, today)
    if until is not None:
        raise suspension_error(until, booking)
