"""个人信息保护法 in the database (rules: hall.privacy): personal fields erased after the hall's
retention period, the rows and every figure they feed kept.

Run once a business day from the rollover (db.rollover) and on the manager's housekeeping call;
each erasure is one UPDATE whose WHERE also asks that something is left to erase, so a second run
changes nothing and reports zeros. What is erased, for rows about a day before the cut-off:

- bookings (appointments): the masked name and number, the number's keyed hash, a pending
  request's token and code hash, the holder's ID hash (0016);
- tickets: the clerk's note and the priority reason (the priority flag stays), the holder's ID
  hash and masked number (一人一号, 0016);
- services: the clerk's note;
- closed 差评 follow-ups: the 回访 contact number, the notes and the citizen's view; their calls'
  results (open follow-ups keep theirs until they are closed: the hall still has to call back);
- 爽约 records older than the suspension rule can count (hall.no_shows) are deleted.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import delete, or_, select, update

from db.models import Appointment, BookingNoShow, FollowUp, FollowUpCall, Service, Ticket
from db.no_shows import hall_booking
from db.sms_retention import erase_expired_contacts
from db.unit_of_work import UnitOfWork
from hall.no_shows import keep_no_shows_after
from hall.privacy import erase_before, privacy_from_json


def erase_personal_data(uow: UnitOfWork) -> dict[str, int]:
    """Erase what the retention period no longer allows; returns rows changed per kind."""
    hall_id = uow.hall_id
    privacy = privacy_from_json(uow.hall.privacy)
    cutoff_day = erase_before(privacy, uow.today)
    cutoff = datetime.combine(cutoff_day, time.min, tzinfo=uow.hours.zone)
    session = uow.session

    def changed(statement: object) -> int:
        return int(session.execute(statement).rowcount or 0)  # type: ignore[call-overload,attr-defined]

    counts = {
        "bookings": changed(
            update(Appointment)
            .where(
                Appointment.hall_id == hall_id,
                Appointment.slot_at < cutoff,
                or_(
                    Appointment.name_masked != "",
                    Appointment.contact_masked != "",
                    Appointment.phone_hash != "",
                    Appointment.request_token.is_not(None),
                    Appointment.verify_hash != "",
                    Appointment.id_hash != "",
                ),
            )
            .values(name_masked="", contact_masked="", phone_hash="", request_token=None, verify_hash="", id_hash="")
            .execution_options(synchronize_session=False)
        ),
        "tickets": changed(
            update(Ticket)
            .where(
                Ticket.hall_id == hall_id,
                Ticket.business_day < cutoff_day,
                or_(Ticket.note != "", Ticket.priority_reason != "", Ticket.id_hash != "", Ticket.id_masked != ""),
            )
            .values(note="", priority_reason="", id_hash="", id_masked="")
            .execution_options(synchronize_session=False)
        ),
        "services": changed(
            update(Service)
            .where(Service.hall_id == hall_id, Service.called_at < cutoff, Service.note != "")
            .values(note="")
            .execution_options(synchronize_session=False)
        ),
    }
    closed = select(FollowUp.id).where(FollowUp.hall_id == hall_id, FollowUp.status != "open", FollowUp.created_at < cutoff)
    counts["followup_calls"] = changed(
        update(FollowUpCall)
        .where(FollowUpCall.followup_id.in_(closed), FollowUpCall.result != "")
        .values(result="")
        .execution_options(synchronize_session=False)
    )
    counts["followups"] = changed(
        update(FollowUp)
        .where(
            FollowUp.hall_id == hall_id,
            FollowUp.status != "open",
            FollowUp.created_at < cutoff,
            or_(FollowUp.contact_phone != "", FollowUp.notes != "", FollowUp.citizen_view != ""),
        )
        .values(contact_phone="", notes="", citizen_view="")
        .execution_options(synchronize_session=False)
    )
    counts["no_show_records"] = changed(
        delete(BookingNoShow)
        .where(BookingNoShow.hall_id == hall_id, BookingNoShow.business_day < keep_no_shows_after(hall_booking(uow.hall), uow.today))
        .execution_options(synchronize_session=False)
    )
    counts["sms_numbers"] = erase_expired_contacts(uow, cutoff)  # 短信 contacts (db.notifications)
    if any(counts.values()):
        uow.emit("personal_data_erased", before=cutoff_day.isoformat(), **counts)
    return counts
