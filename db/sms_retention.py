"""The 短信 contacts under the hall's retention period (个人信息保护法): db.retention calls
:func:`erase_expired_contacts` daily. Apart from db.notifications because db.retention runs inside
the rollover, below the store that db.notifications builds on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from db.models import Notification, NotifyContact
from db.unit_of_work import UnitOfWork
from hall.sms import GIVEN_UP, OPEN_STATUSES

NOTIFICATIONS = Notification.__table__
CONTACTS = NotifyContact.__table__


def erase_expired_contacts(uow: UnitOfWork, cutoff: datetime) -> int:
    """The hall's retention (db.retention): numbers given before ``cutoff`` are erased whatever is
    left to send (their open messages are given up), and the masked forms blanked too."""
    old = select(CONTACTS.c.id).where(CONTACTS.c.hall_id == uow.hall_id, CONTACTS.c.created_at < cutoff)
    uow.connection.execute(
        update(NOTIFICATIONS)
        .where(NOTIFICATIONS.c.contact_id.in_(old), NOTIFICATIONS.c.status.in_(OPEN_STATUSES))
        .values(status=GIVEN_UP, claimed_by="", last_error="号码已按保存期限删除 number erased (retention)")
    )
    uow.connection.execute(
        update(NOTIFICATIONS).where(NOTIFICATIONS.c.contact_id.in_(old), NOTIFICATIONS.c.phone_masked != "").values(phone_masked="")
    )
    done = uow.connection.execute(
        update(CONTACTS)
        .where(CONTACTS.c.id.in_(old), or_(CONTACTS.c.phone_clear != "", CONTACTS.c.phone_masked != "", CONTACTS.c.phone_hash != ""))
        .values(phone_clear="", phone_masked="", phone_hash="")
    )
    return int(done.rowcount or 0)
