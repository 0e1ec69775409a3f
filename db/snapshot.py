"""The snapshot: everything a display, counter or console needs to draw the hall — categories
with their queues, windows with their state, clerk and current ticket, recent calls — with the
event seq it matches, so a client applies only the events after it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.common import active_ticket, clerk_card, recent_calls, ticket_brief, window_queues
from db.models import Category, Clerk, ClerkSession, Hall, Item, Pause, Ticket, Window
from db.waits import WaitEstimates
from hall.calendar import business_day, hall_state, hours_lines, next_opening, opening_text
from hall.serving import staffing
from hall.text import HallRuleError
from hall.waits import estimate_wait_minutes


class SnapshotOps(WaitEstimates):
    """The hall drawn at one event seq, for screens that then follow the event stream."""

    def snapshot(self, hall_id: int) -> dict[str, Any]:
        """Everything a display or console needs to draw the hall, with the event seq it matches."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, rules = self.settings(session, hall)
            now = self.clock.now()
            today = business_day(hours, now)
            state = hall_state(hours, now)
            counts = dict(
                session.execute(
                    select(Ticket.category_id, func.count())
                    .where(Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.status == "waiting")
                    .group_by(Ticket.category_id)
                ).all()
            )
            oldest = dict(
                session.execute(
                    select(Ticket.category_id, func.min(Ticket.queue_key))
                    .where(Ticket.hall_id == hall_id, Ticket.business_day == today, Ticket.status == "waiting")
                    .group_by(Ticket.category_id)
                ).all()
            )
            serving = self._hall_serving(session.connection(), hall_id)
            opening = next_opening(hours, now)
            categories = []
            for c in session.scalars(
                select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.series)
            ):
                waiting = int(counts.get(c.id, 0))
                windows = serving.shares.get(c.id, 0.0)
                items = session.scalars(select(Item).where(Item.category_id == c.id, Item.active).order_by(Item.sort_order, Item.code)).all()
                categories.append(
                    {
                        "series": c.series,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "department": c.department,
                        "waiting": waiting,
                        "windows_serving": windows,
                        "serving_windows": serving.numbers.get(c.id, []),
                        "estimated_wait_minutes": estimate_wait_minutes(waiting, windows, c.expected_service_minutes),
                        "longest_wait_minutes": round((now.timestamp() - oldest[c.id]) / 60.0, 1) if c.id in oldest else 0.0,
                        "target_wait_minutes": c.target_wait_minutes,
                        "expected_service_minutes": c.expected_service_minutes,
                        "items": [
                            {
                                "code": i.code,
                                "name_zh": i.name_zh,
                                "name_en": i.name_en,
                                "materials": i.materials,
                                "promised_days": i.promised_days,
                                "fee": i.fee,
                            }
                            for i in items
                        ],
                    }
                )
            windows_out = []
            for w in session.scalars(select(Window).where(Window.hall_id == hall_id).order_by(Window.number)):
                queues, _ = window_queues(session, w)
                active = active_ticket(session, w)
                if active is not None and active.business_day != today:
                    active = None  # yesterday's ticket, closed at the first write of the new day
                clerk_session = session.scalar(select(ClerkSession).where(ClerkSession.window_id == w.id, ClerkSession.ended_at.is_(None)))
                clerk = session.get(Clerk, clerk_session.clerk_id) if clerk_session else None
                pause = session.scalar(select(Pause).where(Pause.window_id == w.id, Pause.ended_at.is_(None)))
                windows_out.append(
                    {
                        "number": w.number,
                        "name_zh": w.name_zh,
                        "name_en": w.name_en,
                        "department": w.department,
                        "state": w.state,
                        "staffing": serving.staffing.get(w.number, staffing(w.state, clerk is not None)).value,
                        "phone": w.phone,
                        "primary": list(queues.primary),
                        "secondary": list(queues.secondary),
                        "current": ticket_brief(active) if active else None,
                        "clerk": clerk_card(clerk) if clerk else None,
                        "post": clerk_session.post if clerk_session else None,
                        "paused_since": pause.started_at.isoformat() if pause else None,
                        "pause_reason": pause.reason if pause else "",
                        "changed_at": w.changed_at.isoformat() if w.changed_at else None,
                    }
                )
            return {
                "seq": hall.event_seq,
                "now": now.isoformat(),
                "hall": {
                    "id": hall.id,
                    "code": hall.code,
                    "name_zh": hall.name_zh,
                    "name_en": hall.name_en,
                    "complaint_phone": hall.complaint_phone,
                    "public_url": hall.public_url,
                    "notices": hall.notices,
                    "business_day": today.isoformat(),
                    "timezone": hours.timezone,
                    "period": state.period.value,
                    "notice": state.notice.as_dict(),
                    "accepts_walk_ins": state.accepts_walk_ins,
                    "hours": [line.as_dict() for line in hours_lines(hours)],
                    "next_opening": {
                        "at": opening.at.isoformat() if opening else None,
                        "walk_ins": opening.walk_ins if opening else False,
                        "text": opening_text(opening, now, hours).as_dict(),
                        "walk_ins_text": opening_text(next_opening(hours, now, walk_ins=True), now, hours).as_dict(),
                    },
                },
                "rules": {
                    "call_rule": rules.call_rule.value,
                    "recall_limit": rules.recall_limit,
                    "pause_warn_minutes": rules.pause_warn_minutes,
                    "long_wait_alert_minutes": rules.long_wait_alert_minutes,
                    "promised_working_days": rules.promised_working_days,
                },
                "categories": categories,
                "windows": windows_out,
                "recent_calls": recent_calls(session, hall_id, today, 10),
            }

