"""好差评: one rating per finished service, from that window's pad only, within
``RATING_WINDOW``; a bad rating opens a follow-up (差评回访) with a deadline; regions that record
a default rating get it stored as a default.

Who rated is confidential: events carry the level, never the rater.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from db.common import Actor, idempotency, not_found
from db.models import AuditEntry, Clerk, FollowUp, FollowUpCall, Hall, Rating, Service, Ticket, Window
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.calendar import add_days, business_day
from hall.contact import mask_phone, valid_phone
from hall.text import HallRuleError
from hall.tickets import BAD_RATING_REASONS, RatingLevel

RATING_WINDOW = timedelta(minutes=15)  # a pad may rate the service that finished within this time


def rating_of(uow: UnitOfWork, service: Service, **values: Any) -> Rating:
    """A rating row for ``service``, carrying the service's window, clerk, category, item and
    department so reports never join back to the service."""
    return Rating(
        hall_id=uow.hall_id,
        service_id=service.id,
        ticket_id=service.ticket_id,
        window_id=service.window_id,
        clerk_id=service.clerk_id,
        category_id=service.category_id,
        item_code=service.item_code,
        department=service.department,
        created_at=uow.now,
        **values,
    )


class RatingOps(StoreCore):
    """Ratings of finished services and the follow-ups of bad ones."""

    def rate(
        self,
        actor: Actor,
        service_id: int,
        level: str | None,
        reasons: list[str] | None = None,
        comment: str = "",
        channel: str = "pad",
        idempotency_key: str | None = None,
        contact_phone: str = "",
    ) -> dict[str, Any]:
        """好差评 for one finished service: once, from that window's pad only; a 差评 opens a
        follow-up with a deadline. ``level=None`` records 'not rated' (pad timeout)."""
        reasons = list(reasons or [])
        try:
            rating_level = RatingLevel(level) if level is not None else None
        except ValueError:
            raise HallRuleError("bad_level", "评价等级无效", "invalid rating level", 422) from None
        unknown = [r for r in reasons if r not in BAD_RATING_REASONS]
        if unknown:
            raise HallRuleError("bad_reason", "未知的差评原因", f"unknown reason {unknown[0][:30]}", 422)
        if reasons and (rating_level is None or not rating_level.is_bad):
            raise HallRuleError("bad_reason", "只有差评需要选择原因", "reasons are only for a bad rating", 422)
        if contact_phone and not (rating_level is not None and rating_level.is_bad and valid_phone(contact_phone)):
            raise HallRuleError(
                "bad_contact",
                "回访电话应为11位手机号，且仅用于差评",
                "the contact must be an 11-digit mobile number, for a bad rating only",
                422,
            )
        payload = {"op": "rate", "service": service_id, "level": level, "reasons": reasons, "comment": comment, "contact": contact_phone}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            service = uow.session.scalar(select(Service).where(Service.id == service_id, Service.hall_id == uow.hall_id).with_for_update())
            if service is None:
                raise not_found("该次服务", "service")
            if actor.window_id is not None and service.window_id != actor.window_id:
                raise HallRuleError("other_window", "只能评价本窗口的服务", "a pad can only rate its own window's service", 403)
            if service.end_reason != "finished":
                raise HallRuleError("service_not_finished", "该次服务尚未办结，不能评价", "the service has not finished", 409)
            latest = uow.session.scalar(
                select(func.max(Service.id)).where(Service.window_id == service.window_id, Service.end_reason == "finished")
            )
            if service.id != latest or service.ended_at is None or uow.now - service.ended_at > RATING_WINDOW:
                raise HallRuleError(
                    "rating_closed", "只能评价本窗口刚刚办结的服务", "only the service that just finished at this window can be rated", 409
                )
            if uow.session.scalar(select(Rating.id).where(Rating.service_id == service.id)) is not None:
                raise HallRuleError(
                    "already_rated", "该次服务已评价，一事一评", "this service has already been rated (one rating per service)", 409
                )
            rating = rating_of(
                uow,
                service,
                level=rating_level.value if rating_level else None,
                reasons=reasons,
                comment=comment[:500],
                channel=channel if rating_level else "timeout",
            )
            uow.session.add(rating)
            uow.session.flush()
            followup = None
            if rating_level is not None and rating_level.is_bad:
                deadline = add_days(uow.hours, uow.today, uow.rules.followup_days, uow.rules.followup_working_days)
                row = FollowUp(hall_id=uow.hall_id, rating_id=rating.id, deadline=deadline, contact_phone=contact_phone, created_at=uow.now)
                uow.session.add(row)
                uow.session.flush()
                followup = {"id": row.id, "deadline": deadline.isoformat()}
            window = uow.session.get(Window, service.window_id)
            # Rater information is confidential: events carry the level, not who rated.
            uow.emit(
                "service_rated",
                window=window.number if window else None,
                service_id=service.id,
                level=rating.level,
                bad=bool(rating_level and rating_level.is_bad),
                followup=followup["id"] if followup else None,  # the city links 差评 follow-ups to ratings
                followup_deadline=followup["deadline"] if followup else None,  # the city's on-time figures
            )
            return {"rating_id": rating.id, "service_id": service.id, "level": rating.level, "followup": followup}

        return self.write(actor.hall_id, work, idempotency(actor, idempotency_key, payload))

    def apply_default_ratings(self, actor: Actor) -> dict[str, Any]:
        """Regions that record a default (基本满意 after N days) get it stored *as a default*."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            days = uow.rules.default_rating_days
            if days <= 0:
                return {"applied": 0}
            cutoff = uow.now - timedelta(days=days)
            rated = select(Rating.service_id).where(Rating.level.is_not(None))
            services = uow.session.scalars(
                select(Service).where(
                    Service.hall_id == uow.hall_id, Service.end_reason == "finished", Service.ended_at < cutoff, Service.id.not_in(rated)
                )
            ).all()
            for service in services:
                existing = uow.session.scalar(select(Rating).where(Rating.service_id == service.id))
                if existing is None:
                    existing = rating_of(uow, service)
                    uow.session.add(existing)
                existing.level, existing.is_default, existing.channel = RatingLevel.BASIC.value, True, "default"
            if services:
                uow.emit("ratings_defaulted", applied=len(services))
            return {"applied": len(services)}

        return self.write(actor.hall_id, work)

    def update_followup(self, actor: Actor, followup_id: int, status: str, notes: str = "", citizen_view: str = "") -> dict[str, Any]:
        if status not in ("open", "resolved", "appealed"):
            raise HallRuleError("bad_status", "状态应为 open、resolved 或 appealed", "status must be open, resolved or appealed", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(FollowUp).where(FollowUp.id == followup_id, FollowUp.hall_id == uow.hall_id))
            if row is None:
                raise not_found("该差评回访", "follow-up")
            row.status, row.notes, row.citizen_view = status, notes[:2000], citizen_view[:200]
            row.resolved_at = uow.now if status != "open" else None
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id,
                    actor=actor.label,
                    action="followup",
                    detail={"followup": followup_id, "status": status},
                    created_at=uow.now,
                )
            )
            uow.emit("followup_changed", followup=followup_id, status=status)
            return {
                "id": row.id,
                "status": row.status,
                "deadline": row.deadline.isoformat(),
                "on_time": row.resolved_at is None
                or row.resolved_at.astimezone(uow.hours.zone).date() <= row.deadline,  # the hall's date, not UTC's
            }

        return self.write(actor.hall_id, work)

    def log_followup_call(
        self, actor: Actor, followup_id: int, reached: bool, result: str = "", rectification: str = "", satisfaction: str = ""
    ) -> dict[str, Any]:
        """One call of a 差评回访, logged at the server's time by whoever is signed in."""
        if satisfaction and satisfaction not in {level.value for level in RatingLevel}:
            raise HallRuleError("bad_level", "回访满意度应为五个评价等级之一", "satisfaction must be one of the five rating levels", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(FollowUp).where(FollowUp.id == followup_id, FollowUp.hall_id == uow.hall_id))
            if row is None:
                raise not_found("该差评回访", "follow-up")
            call = FollowUpCall(
                hall_id=uow.hall_id,
                followup_id=row.id,
                called_at=uow.now,
                caller=actor.label[:100],
                reached=reached,
                result=result[:500],
                rectification=rectification[:500],
                satisfaction=satisfaction,
            )
            uow.session.add(call)
            uow.session.flush()
            uow.emit("followup_changed", followup=followup_id, status=row.status)
            return {"id": call.id, "followup": row.id, "called_at": uow.now.isoformat()}

        return self.write(actor.hall_id, work)

    def followups(self, hall_id: int, full_contact: bool = False) -> list[dict[str, Any]]:
        """Follow-ups by deadline; the contact in full only for the follow-up role (need to know)."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, _ = self.settings(session, hall)
            today = business_day(hours, self.clock.now())
            rows = session.execute(
                select(FollowUp, Rating, Window.number, Clerk.name, Ticket.display_number)
                .join(Rating, Rating.id == FollowUp.rating_id)
                .join(Window, Window.id == Rating.window_id)
                .join(Ticket, Ticket.id == Rating.ticket_id)
                .outerjoin(Clerk, Clerk.id == Rating.clerk_id)
                .where(FollowUp.hall_id == hall_id)
                .order_by(FollowUp.deadline)
            ).all()
            calls = self._calls_of(session, [f.id for f, *_ in rows])
            return [
                {
                    "id": f.id,
                    "deadline": f.deadline.isoformat(),
                    "status": f.status,
                    "notes": f.notes,
                    "citizen_view": f.citizen_view,
                    "contact": f.contact_phone if full_contact else mask_phone(f.contact_phone),
                    "overdue": f.status == "open" and f.deadline < today,
                    "level": r.level,
                    "reasons": r.reasons,
                    "comment": r.comment,
                    "window": number,
                    "clerk": name or "",
                    "ticket": ticket,
                    "rated_at": r.created_at.isoformat(),
                    "calls": calls[f.id],
                    # the hall's date it was closed on, for the on-time figure
                    "closed_on": f.resolved_at.astimezone(hours.zone).date().isoformat() if f.resolved_at else None,
                }
                for f, r, number, name, ticket in rows
            ]

    @staticmethod
    def _calls_of(session: Any, followup_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        calls: dict[int, list[dict[str, Any]]] = {i: [] for i in followup_ids}
        for c in session.scalars(select(FollowUpCall).where(FollowUpCall.followup_id.in_(followup_ids)).order_by(FollowUpCall.id)):
            calls[c.followup_id].append(
                {
                    "called_at": c.called_at.isoformat(),
                    "caller": c.caller,
                    "reached": c.reached,
                    "result": c.result,
                    "rectification": c.rectification,
                    "satisfaction": c.satisfaction,
                }
            )
        return calls
