"""The business day's rollover, run by the unit of work before the first write of a new day.

Kept apart from the operations so that db.store can run it without importing them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from db.models import Hall, IdempotencyRecord, Pause, Service, Ticket, Window
from db.no_shows import count_no_shows
from db.retention import erase_personal_data
from db.sessions import end_clerk_sessions
from db.unit_of_work import UnitOfWork
from hall.tickets import TicketStatus

# A client retries a request within seconds or minutes (the programs resend until answered). Its
# idempotency record, which holds the whole response, was kept for ever: the month-long soak
# measured 2.6 MB a day at 1,000 tickets, half of the database's growth, for nothing after the
# retry. Two days covers a retry across a night and a server restarted in the morning.
IDEMPOTENCY_KEEP = timedelta(days=2)


def roll_over(uow: UnitOfWork) -> None:
    """A new business day: close yesterday's open tickets (history is kept), numbering restarts,
    and every clerk still logged in is logged out (a session lasts one business day at most).

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
    end_clerk_sessions(uow, "rollover")
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < uow.now - IDEMPOTENCY_KEEP))
    # Daily housekeeping of issue 17: 爽约 counted, personal fields past the retention period erased.
    count_no_shows(uow)
    erase_personal_data(uow)
