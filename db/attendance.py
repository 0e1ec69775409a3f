"""考勤 in the database: the records :mod:`hall.attendance` turns into each clerk's day.

One read per request: the hall's clerks (former ones too: history keeps them), the clerk sessions
and pauses begun in the period (the hall's local days), and the manager's absent marks, taken
from the roster's audit entries (``set_roster`` writes one each time; a clerk's ``off_duty_day``
only remembers today). The last mark of a day wins: absent, then back, is not absent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from db.models import AuditEntry, Clerk, ClerkSession, Hall, Pause, Window
from db.store import StoreCore
from hall.attendance import AttendanceDay, AttendanceInput, ClerkOnRoll, PauseSpan, SessionSpan, attendance_days
from hall.config import HoursConfig, parse_time_range
from hall.text import HallRuleError


class AttendanceQueries:
    """The attendance report's read for one store (beside it, like db.reports.ReportQueries)."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store

    def attendance(self, hall_id: int, start: date, end: date) -> tuple[list[AttendanceDay], HoursConfig]:
        """Each clerk's days from ``start`` to ``end`` and the hall's hours (for its time zone)."""
        if end < start:
            raise HallRuleError("bad_period", "结束日期早于开始日期", "the period ends before it starts", 422)
        with self.store.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, _ = self.store.settings(session, hall)
            zone = hours.zone
            low = datetime.combine(start, time(0), tzinfo=zone)
            high = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)

            clerks = [
                ClerkOnRoll(row.id, row.staff_no, row.name, parse_time_range(row.lunch, "clerk.lunch") if row.lunch else None)
                for row in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id))
            ]
            sessions = [
                SessionSpan(row.clerk_id, row.number, row.post, row.started_at, row.ended_at, row.end_reason)
                for row in session.execute(
                    select(ClerkSession.clerk_id, Window.number, ClerkSession.post, ClerkSession.started_at)
                    .add_columns(ClerkSession.ended_at, ClerkSession.end_reason)
                    .join(Window, Window.id == ClerkSession.window_id)
                    .where(ClerkSession.hall_id == hall_id, ClerkSession.started_at >= low, ClerkSession.started_at < high)
                )
            ]
            pauses = [
                PauseSpan(row.number, row.clerk_id, row.reason, row.started_at, row.ended_at)
                for row in session.execute(
                    select(Window.number, Pause.clerk_id, Pause.reason, Pause.started_at, Pause.ended_at)
                    .join(Window, Window.id == Pause.window_id)
                    .where(Pause.hall_id == hall_id, Pause.started_at >= low, Pause.started_at < high)
                )
            ]
            marks = session.execute(
                select(AuditEntry.detail, AuditEntry.created_at)
                .where(AuditEntry.hall_id == hall_id, AuditEntry.action == "roster")
                .where(AuditEntry.created_at >= low, AuditEntry.created_at < high)
                .order_by(AuditEntry.created_at, AuditEntry.id)
            ).all()
        clerk_id_of = {clerk.staff_no: clerk.clerk_id for clerk in clerks}
        absent: dict[tuple[int, date], bool] = {}
        for detail, created_at in marks:
            if not isinstance(detail, dict) or "absent" not in detail or detail.get("staff_no") not in clerk_id_of:
                continue
            absent[(clerk_id_of[detail["staff_no"]], created_at.astimezone(zone).date())] = bool(detail["absent"])
        records = AttendanceInput(
            clerks, sessions, pauses, frozenset(key for key, marked in absent.items() if marked), hall_lunch=hours.lunch
        )
        return attendance_days(records, start, end, zone, self.store.clock.now()), hours
