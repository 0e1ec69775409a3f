"""岗位公示 photos in the database (rules: :mod:`hall.photos`).

* ``set_clerk_photo`` — the manager (console, API or ``hallq clerk photo``) stores a checked photo
  for a clerk, or removes it; ``clerks.photo`` gets the photo's tag (or ""), audited, and a
  ``config_changed`` event (what = ``clerk_photo``) tells the pads and window screens to refetch.
* ``window_clerk_photo`` — the photo of the clerk logged in at a window now, for that window's
  pad and screen; None when nobody is logged in there or the clerk has no photo.

Beside the store (like db.reports.ReportQueries) rather than mixed into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from db.common import Actor
from db.models import AuditEntry, Clerk, ClerkPhoto, ClerkSession, Window
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.photos import check_photo
from hall.text import HallRuleError


@dataclass(frozen=True)
class StoredPhoto:
    staff_no: str
    media_type: str
    content: bytes
    tag: str


class PhotoOps:
    def __init__(self, store: StoreCore) -> None:
        self.store = store

    def set_clerk_photo(self, actor: Actor, staff_no: str, content: bytes | None) -> dict[str, Any]:
        """Store ``content`` as the clerk's photo (checked first), or remove it when None."""
        info = check_photo(content) if content is not None else None

        def work(uow: UnitOfWork) -> dict[str, Any]:
            clerk = uow.session.scalar(select(Clerk).where(Clerk.hall_id == uow.hall_id, Clerk.staff_no == staff_no))
            if clerk is None:
                raise HallRuleError("unknown_clerk", f"没有工号为 {staff_no} 的工作人员", f"no clerk has staff number {staff_no}", 404)
            uow.session.execute(delete(ClerkPhoto).where(ClerkPhoto.clerk_id == clerk.id))
            if info is not None and content is not None:
                uow.session.add(
                    ClerkPhoto(
                        clerk_id=clerk.id,
                        hall_id=uow.hall_id,
                        media_type=info.media_type,
                        content=content,
                        tag=info.tag,
                        updated_at=uow.now,
                    )
                )
            clerk.photo = info.tag if info is not None else ""
            detail: dict[str, Any] = {"staff_no": staff_no, "photo": clerk.photo}
            if info is not None:
                detail |= {"width": info.width, "height": info.height, "bytes": len(content or b"")}
            uow.session.add(AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="clerk_photo", detail=detail, created_at=uow.now))
            uow.emit("config_changed", what="clerk_photo", detail={"staff_no": staff_no, "photo": clerk.photo})
            return {"staff_no": staff_no, "photo": clerk.photo}

        return self.store.write(actor.hall_id, work)

    def window_clerk_photo(self, hall_id: int, window_number: int) -> StoredPhoto | None:
        with self.store.read() as session:
            row = session.execute(
                select(Clerk.staff_no, ClerkPhoto.media_type, ClerkPhoto.content, ClerkPhoto.tag)
                .join(ClerkSession, ClerkSession.clerk_id == Clerk.id)
                .join(Window, Window.id == ClerkSession.window_id)
                .join(ClerkPhoto, ClerkPhoto.clerk_id == Clerk.id)
                .where(Window.hall_id == hall_id, Window.number == window_number, ClerkSession.ended_at.is_(None))
            ).first()
        return StoredPhoto(row.staff_no, row.media_type, row.content, row.tag) if row is not None else None
