"""Who serves where: windows paused, resumed, opened, closed and given categories (窗口动态调整),
clerks logging in and out (with the A/B 岗 handover), and a clerk's own figures for today.

A window serves only while it is open, a clerk is logged in and it is not paused; these
operations change those facts (the business day's rollover also ends pauses). Logins and
logouts end or hand over tokens, so they write through :meth:`TokenAuth._write_changing_tokens`.

Logins are throttled (hall.pins): failures in a row per staff number and per device lock the
login for a growing time (429 with Retry-After), each failure is audited without the PIN, and
the start of a lockout is audited and announced (``login_alert``) for the manager. A failure
costs the same whether or not the staff number exists (one argon2 verification either way).
One clerk, one window: the database refuses a second open session for a clerk
(``one_window_per_clerk``), so two logins at two windows at once cannot both stay open.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.auth import TokenAuth
from db.common import Actor, category_by_series, clerk_card, require_no_current_ticket, window_by_number, window_queues
from db.models import AuditEntry, Clerk, ClerkSession, Hall, LoginFailure, Pause, Rating, Service, Ticket, Window, WindowCategory
from db.security import dummy_pin_hash, new_token, token_hash, verify_pin
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day
from hall.pins import FAILURE_MEMORY, LOCK_AFTER_FAILURES, lockout_seconds
from hall.text import HallRuleError


class WindowsClerksOps(TokenAuth):
    """Window states and categories, clerk sessions, and a clerk's own day."""

    def pause(self, actor: Actor, window_number: int, reason: str) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            if window.state != "open":
                raise HallRuleError(
                    "window_not_open", f"{window_number}号窗口未在服务，不能暂停", f"window {window_number} is not open, cannot pause"
                )
            require_no_current_ticket(uow.session, window)
            window.state, window.changed_at = "paused", uow.now
            pause = Pause(hall_id=uow.hall_id, window_id=window.id, clerk_id=actor.clerk_id, reason=reason[:100], started_at=uow.now)
            uow.session.add(pause)
            uow.session.flush()
            uow.emit("window_paused", window=window.number, reason=reason[:100], since=uow.now.isoformat())
            return {"window": window.number, "state": "paused", "pause_id": pause.id, "since": uow.now.isoformat()}

        return self.write(actor.hall_id, work)

    def resume(self, actor: Actor, window_number: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            pause = uow.session.scalar(select(Pause).where(Pause.window_id == window.id, Pause.ended_at.is_(None)))
            if window.state != "paused" or pause is None:
                raise HallRuleError("window_not_paused", f"{window_number}号窗口未暂停", f"window {window_number} is not paused")
            pause.ended_at = uow.now
            window.state, window.changed_at = "open", uow.now
            seconds = (uow.now - pause.started_at).total_seconds()
            uow.emit("window_resumed", window=window.number, paused_seconds=seconds)
            return {"window": window.number, "state": "open", "paused_seconds": seconds}

        return self.write(actor.hall_id, work)

    def set_window_open(self, actor: Actor, window_number: int, is_open: bool, reason: str = "") -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            if not is_open:
                require_no_current_ticket(uow.session, window)
            # Opening or closing ends any pause: its duration is kept, the window is no longer paused.
            uow.session.execute(update(Pause).where(Pause.window_id == window.id, Pause.ended_at.is_(None)).values(ended_at=uow.now))
            window.state, window.changed_at = ("open" if is_open else "closed"), uow.now
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id,
                    actor=actor.label,
                    action="window_open" if is_open else "window_close",
                    detail={"window": window_number},
                    reason=reason[:300],
                    created_at=uow.now,
                )
            )
            uow.emit("window_changed", window=window.number, state=window.state)
            return {"window": window.number, "state": window.state}

        return self.write(actor.hall_id, work)

    def set_window_categories(
        self, actor: Actor, window_number: int, primary: list[str], secondary: list[str], reason: str = ""
    ) -> dict[str, Any]:
        """窗口动态调整: which categories a window serves, in order. Applied at once and audited."""
        if set(primary) & set(secondary):
            raise HallRuleError("bad_categories", "同一业务不能既是主要又是次要", "a category cannot be both primary and secondary", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = window_by_number(uow.session, uow.hall_id, window_number, lock=True)
            before, _ = window_queues(uow.session, window)
            categories = [category_by_series(uow.session, uow.hall_id, s) for s in [*primary, *secondary]]
            uow.session.execute(WindowCategory.__table__.delete().where(WindowCategory.window_id == window.id))
            for rank, category in enumerate(categories):
                uow.session.add(WindowCategory(window_id=window.id, category_id=category.id, rank=rank, primary=rank < len(primary)))
            window.changed_at = uow.now
            detail = {
                "window": window_number,
                "before": {"primary": list(before.primary), "secondary": list(before.secondary)},
                "after": {"primary": primary, "secondary": secondary},
            }
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="reallocate", detail=detail, reason=reason[:300], created_at=uow.now
                )
            )
            uow.emit("window_categories_changed", window=window_number, primary=primary, secondary=secondary)
            return {"window": window_number, "primary": primary, "secondary": secondary}

        return self.write(actor.hall_id, work)

    # ============================================================ clerks

    def login(self, actor: Actor, staff_no: str, pin: str, handover: bool = False) -> dict[str, Any]:
        """A clerk logs in at the counter's own window. If another clerk is logged in there,
        ``handover`` ends their session (A/B 岗 handover) so who served what stays recorded."""
        if actor.window_id is None:
            raise HallRuleError("device_has_no_window", "该终端未绑定窗口", "this terminal is not bound to a window", 403)
        staff_no = staff_no[:32]
        with self.read() as session:
            self._refuse_while_locked(session, actor, staff_no)
            clerk = session.scalar(select(Clerk).where(Clerk.hall_id == actor.hall_id, Clerk.staff_no == staff_no, Clerk.active))
        # argon2 verification runs outside the write transaction: it is slow on purpose. An
        # unknown or inactive staff number is verified against a dummy hash: the same cost.
        if not verify_pin(clerk.pin_hash if clerk is not None else dummy_pin_hash(), pin) or clerk is None:
            self._login_failed(actor, staff_no, known=clerk is not None)
            raise HallRuleError("bad_login", "工号或密码错误", "wrong staff number or PIN", 401)
        token = new_token()

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = uow.session.get(Window, actor.window_id)
            assert window is not None
            current = uow.session.scalar(
                select(ClerkSession).where(ClerkSession.window_id == window.id, ClerkSession.ended_at.is_(None)).with_for_update()
            )
            post = "A"
            previous = None
            if current is not None:
                if current.clerk_id == clerk.id:
                    current.ended_at, current.end_reason = uow.now, "relogin"
                elif not handover:
                    other = uow.session.get(Clerk, current.clerk_id)
                    name = other.name if other else "?"
                    raise HallRuleError(
                        "window_taken",
                        f"{name}正在本窗口办公；如需AB岗交接请选择“交接”",
                        f"{name} is logged in here; choose handover for an A/B post change",
                        409,
                    )
                else:
                    current.ended_at, current.end_reason = uow.now, "handover"
                    post = "B" if current.post == "A" else "A"
                    previous = current.clerk_id
                uow.session.flush()
            self._end_sessions_elsewhere(uow, clerk, window)
            # Logging in puts a clerk who signed off or was marked absent today back on duty (hall.roster).
            on_duty = uow.session.get(Clerk, clerk.id)
            if on_duty is not None and on_duty.off_duty_day is not None:
                on_duty.off_duty_day, on_duty.off_duty_reason = None, ""
            session_row = ClerkSession(
                hall_id=uow.hall_id,
                clerk_id=clerk.id,
                window_id=window.id,
                device_id=actor.device_id,
                token_hash=token_hash(token),
                post=post,
                started_at=uow.now,
            )
            uow.session.add(session_row)
            uow.session.flush()
            # A success clears the failures counted against this staff number and this device.
            uow.session.execute(
                delete(LoginFailure).where(
                    or_(
                        and_(LoginFailure.hall_id == uow.hall_id, LoginFailure.staff_no == staff_no),
                        LoginFailure.device_id == actor.device_id,
                    )
                )
            )
            card = clerk_card(clerk)
            uow.emit("clerk_logged_in", window=window.number, clerk=card, post=post, handover_from=previous)
            return {"token": token, "session_id": session_row.id, "window": window.number, "clerk": card, "post": post}

        try:
            return self._write_changing_tokens(actor.hall_id, work)
        except HallRuleError as error:
            if error.code != "conflict":
                raise
            # The same clerk logging in at another window at the same instant (another server
            # process): the database kept one open session (one_window_per_clerk). Once more,
            # now seeing it: this login moves the clerk here, or is refused with the reason.
            return self._write_changing_tokens(actor.hall_id, work)

    def _failures(self, session: Session, where: Any, now: datetime) -> tuple[int, datetime | None]:
        count, last = session.execute(
            select(func.count(), func.max(LoginFailure.failed_at)).where(where, LoginFailure.failed_at > now - FAILURE_MEMORY)
        ).one()
        return int(count), last

    def _lock_keys(self, actor: Actor, staff_no: str) -> list[tuple[str, Any]]:
        keys: list[tuple[str, Any]] = [("staff", and_(LoginFailure.hall_id == actor.hall_id, LoginFailure.staff_no == staff_no))]
        if actor.device_id is not None:
            keys.append(("device", LoginFailure.device_id == actor.device_id))
        return keys

    def _refuse_while_locked(self, session: Session, actor: Actor, staff_no: str) -> None:
        """429 while this staff number or this device is locked out (the PIN is not looked at)."""
        now = self.clock.now()
        wait = 0.0
        for _, where in self._lock_keys(actor, staff_no):
            count, last = self._failures(session, where, now)
            lock = lockout_seconds(count)
            if lock and last is not None:
                wait = max(wait, (last + timedelta(seconds=lock) - now).total_seconds())
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            raise HallRuleError(
                "login_locked",
                f"登录失败次数过多，请{minutes}分钟后再试",
                f"too many failed logins; try again in {minutes} minute(s)",
                429,
                retry_after=math.ceil(wait),
            )

    def _login_failed(self, actor: Actor, staff_no: str, known: bool) -> None:
        """Count and audit a failed login (never the PIN); the failure that starts a lockout is
        also audited as one and announced to the manager (``login_alert``)."""

        def work(uow: UnitOfWork) -> None:
            uow.session.add(LoginFailure(hall_id=uow.hall_id, staff_no=staff_no, device_id=actor.device_id, failed_at=uow.now))
            uow.session.flush()
            detail: dict[str, Any] = {"staff_no": staff_no, "known": known, "device": actor.device_id, "window": actor.window_number}
            counts = {key: self._failures(uow.session, where, uow.now)[0] for key, where in self._lock_keys(actor, staff_no)}
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id,
                    actor=actor.label,
                    action="login_failed",
                    detail={**detail, "failures": counts.get("staff", 0), "failures_at_device": counts.get("device", 0)},
                    created_at=uow.now,
                )
            )
            for key, count in counts.items():
                if count >= LOCK_AFTER_FAILURES:
                    seconds = lockout_seconds(count)
                    locked = {**detail, "by": key, "failures": count, "seconds": seconds}
                    uow.session.add(AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="login_locked", detail=locked, created_at=uow.now))
                    # To every screen, so without the staff number: the manager reads it in the audit log.
                    uow.emit("login_alert", by=key, window=actor.window_number, device_id=actor.device_id, failures=count, seconds=seconds, at=uow.now.isoformat())

        self.write(actor.hall_id, work)

    def _end_sessions_elsewhere(self, uow: UnitOfWork, clerk: Clerk, window: Window) -> None:
        """One clerk, one window: logging in here ends a session left open at another window
        (the clerk moved and forgot to log out), unless a citizen is still at that window."""
        stale = uow.session.scalars(
            select(ClerkSession)
            .where(ClerkSession.clerk_id == clerk.id, ClerkSession.window_id != window.id, ClerkSession.ended_at.is_(None))
            .with_for_update()
        ).all()
        for row in stale:
            other = uow.session.get(Window, row.window_id)
            number = other.number if other else "?"
            busy = uow.session.scalar(
                select(Ticket.display_number).where(Ticket.window_id == row.window_id, Ticket.status.in_(("called", "serving")))
            )
            if busy:
                raise HallRuleError(
                    "clerk_busy_elsewhere",
                    f"{clerk.name}仍在{number}号窗口办理{busy}，请先在该窗口办结或退出",
                    f"{clerk.name} is still serving {busy} at window {number}; finish or log out there first",
                    409,
                )
            row.ended_at, row.end_reason = uow.now, "moved"
            uow.emit("clerk_logged_out", window=number, clerk_id=row.clerk_id, reason="moved")

    def logout(self, actor: Actor) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.get(ClerkSession, actor.session_id)
            if row is None or row.ended_at is not None:
                raise HallRuleError("not_logged_in", "未登录", "not logged in", 401)
            row.ended_at, row.end_reason = uow.now, "logout"
            window = uow.session.get(Window, row.window_id)
            uow.emit("clerk_logged_out", window=window.number if window else None, clerk_id=row.clerk_id)
            return {"ended": True}

        return self._write_changing_tokens(actor.hall_id, work)

    def clerk_today(self, hall_id: int, clerk_id: int) -> dict[str, Any]:
        """The clerk's own figures for today: served, average service time, ratings."""
        with self.read() as session:
            hall = session.get(Hall, hall_id)
            assert hall is not None
            hours, _ = self.settings(session, hall)
            today = business_day(hours, self.clock.now())
            rows = session.execute(
                select(Service.started_at, Service.ended_at)
                .join(Ticket, Ticket.id == Service.ticket_id)
                .where(Service.clerk_id == clerk_id, Service.end_reason == "finished", Ticket.business_day == today)
            ).all()
            durations = [(e - s).total_seconds() for s, e in rows if s and e]
            levels = session.execute(
                select(Rating.level, func.count())
                .join(Ticket, Ticket.id == Rating.ticket_id)
                .where(Rating.clerk_id == clerk_id, Ticket.business_day == today, Rating.level.is_not(None), ~Rating.is_default)
                .group_by(Rating.level)
            ).all()
            return {
                "served": len(rows),
                "average_service_minutes": round(sum(durations) / len(durations) / 60.0, 1) if durations else None,
                "ratings": {level: count for level, count in levels},
            }


