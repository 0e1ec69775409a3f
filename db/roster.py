"""The roster in the database (rules: :mod:`hall.roster`): who is on duty today, at a window, at
lunch, or free to open a closed window; a clerk's sign-off (签退); the manager's absent mark and
lunch turns.

* :func:`roster_state` — one read of the hall's active clerks, today's sessions (started since the
  hall's local midnight, any window) and the sessions open now; it feeds ``/api/roster`` and the
  ``spare_clerks``/``at_lunch`` of the planning read (db/planning.py), so the advisor and the
  manager's roster see one answer.
* :class:`RosterOps` — the writes, each audited: ``sign_off`` (a clerk at their counter: ends
  the session like a logout and takes them off duty for the day) and ``set_roster`` (the manager:
  absent today or back, and a clerk's lunch turn). Logging in again clears the off-duty mark
  (db/windows_clerks.py), so a clerk who comes back is on duty without anyone's help.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.common import Actor
from db.models import AuditEntry, Clerk, ClerkSession, Hall, Window
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day, local_time
from hall.config import HoursConfig, parse_time_range
from hall.roster import DUTY_TEXT, ClerkDay, DutyState, duty_state
from hall.text import HallRuleError

SIGNED_OFF = DutyState.SIGNED_OFF.value
ABSENT = DutyState.ABSENT.value


def roster_state(session: Session, hall_id: int, hours: HoursConfig, now: datetime) -> list[dict[str, Any]]:
    """Every active clerk of the hall with their duty state at ``now``, by staff number."""
    local = local_time(hours, now)
    today = local.date()
    midnight = datetime.combine(today, time(0), tzinfo=local.tzinfo)
    logged_in_today = set(
        session.scalars(select(ClerkSession.clerk_id).where(ClerkSession.hall_id == hall_id, ClerkSession.started_at >= midnight))
    )
    window_of: dict[int, int] = {
        clerk_id: number
        for clerk_id, number in session.execute(
            select(ClerkSession.clerk_id, Window.number)
            .join(Window, Window.id == ClerkSession.window_id)
            .where(ClerkSession.hall_id == hall_id, ClerkSession.ended_at.is_(None))
        )
    }
    out = []
    for clerk in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id, Clerk.active).order_by(Clerk.staff_no)):
        lunch = parse_time_range(clerk.lunch, "clerk.lunch") if clerk.lunch else None
        day = ClerkDay(
            # A session open since yesterday (no rollover yet) counts as today's too.
            logged_in_today=clerk.id in logged_in_today or clerk.id in window_of,
            at_window=clerk.id in window_of,
            off_duty=clerk.off_duty_reason if clerk.off_duty_day == today else "",
            lunch=lunch,
        )
        state = duty_state(day, local.time(), hours.lunch)
        out.append(
            {
                "staff_no": clerk.staff_no,
                "name": clerk.name,
                "skills": list(clerk.skills),
                "state": state.value,
                "state_text": DUTY_TEXT[state].as_dict(),
                "window": window_of.get(clerk.id),
                "lunch": str(lunch or hours.lunch or ""),
                "own_lunch": bool(lunch),
            }
        )
    return out


def spare_and_at_lunch(roster: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The planning read's ``spare_clerks`` and ``at_lunch``: {staff_no, name, skills} each."""

    def card(entry: dict[str, Any]) -> dict[str, Any]:
        return {"staff_no": entry["staff_no"], "name": entry["name"], "skills": entry["skills"]}

    spare = [card(e) for e in roster if e["state"] == DutyState.FREE.value]
    at_lunch = [card(e) | {"lunch": e["lunch"]} for e in roster if e["state"] == DutyState.AT_LUNCH.value]
    return spare, at_lunch


class RosterOps(StoreCore):
    """The roster's reads and writes (see the module doc)."""

    def roster(self, hall_id: int) -> dict[str, Any]:
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            hours, _ = self.settings(session, hall)
            now = self.clock.now()
            return {
                "now": now.isoformat(),
                "business_day": business_day(hours, now).isoformat(),
                "clerks": roster_state(session, hall_id, hours, now),
            }

    def sign_off(self, actor: Actor) -> dict[str, Any]:
        """签退: the clerk at their counter ends the session and is off duty for the rest of the day."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.get(ClerkSession, actor.session_id)
            if row is None or row.ended_at is not None:
                raise HallRuleError("not_logged_in", "未登录", "not logged in", 401)
            row.ended_at, row.end_reason = uow.now, SIGNED_OFF
            clerk = uow.session.get(Clerk, row.clerk_id)
            assert clerk is not None
            clerk.off_duty_day, clerk.off_duty_reason = uow.today, SIGNED_OFF
            window = uow.session.get(Window, row.window_id)
            number = window.number if window else None
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="sign_off", detail={"staff_no": clerk.staff_no, "window": number},
                    reason="", created_at=uow.now,
                )
            )  # fmt: skip
            uow.emit("clerk_logged_out", window=number, clerk_id=row.clerk_id, reason=SIGNED_OFF)
            uow.emit("roster_changed", staff_no=clerk.staff_no)
            return {"ended": True, "signed_off": True}

        return self._write_changing_tokens(actor.hall_id, work)  # type: ignore[attr-defined]

    def set_roster(
        self, actor: Actor, staff_no: str, absent: bool | None = None, lunch: str | None = None, reason: str = ""
    ) -> dict[str, Any]:
        """The manager marks a clerk absent today (or back on duty) and/or sets their lunch turn
        ("" for the hall's lunch hours). A clerk at a window cannot be marked absent."""
        lunch_text = None if lunch is None else (str(parse_time_range(lunch, "lunch")) if lunch.strip() else "")

        def work(uow: UnitOfWork) -> dict[str, Any]:
            clerk = uow.session.scalar(select(Clerk).where(Clerk.hall_id == uow.hall_id, Clerk.staff_no == staff_no, Clerk.active))
            if clerk is None:
                raise HallRuleError(
                    "unknown_clerk", f"没有工号为 {staff_no} 的在职工作人员", f"no active clerk has staff number {staff_no}", 404
                )
            detail: dict[str, Any] = {"staff_no": staff_no}
            if absent is not None:
                open_session = uow.session.scalar(
                    select(ClerkSession.id).where(ClerkSession.clerk_id == clerk.id, ClerkSession.ended_at.is_(None))
                )
                if absent and open_session is not None:
                    raise HallRuleError(
                        "clerk_at_window",
                        f"{clerk.name}正在窗口登录，不能标为缺勤",
                        f"{clerk.name} is logged in at a window and cannot be marked absent",
                        409,
                    )
                if absent:
                    clerk.off_duty_day, clerk.off_duty_reason = uow.today, ABSENT
                elif clerk.off_duty_day == uow.today:
                    clerk.off_duty_day, clerk.off_duty_reason = None, ""
                detail["absent"] = absent
            if lunch_text is not None:
                detail["lunch"] = {"before": clerk.lunch, "after": lunch_text}
                clerk.lunch = lunch_text
            uow.session.add(
                AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="roster", detail=detail, reason=reason[:300], created_at=uow.now)
            )
            uow.emit("roster_changed", staff_no=staff_no)
            return {"staff_no": staff_no, "absent": clerk.off_duty_reason == ABSENT and clerk.off_duty_day == uow.today,
                    "lunch": clerk.lunch}  # fmt: skip

        return self.write(actor.hall_id, work)
