"""Ending clerk sessions: the one write every credential end goes through (logout aside, which
ends the caller's own): device revocation, clerk deactivation, PIN change, idle time and the
business day's rollover.

Each ended session is announced (``clerk_logged_out`` with its reason) so screens drop the clerk;
on PostgreSQL the commit also NOTIFYs ``hallq_tokens`` so every server process forgets the tokens
it resolved (this process forgets them when the unit of work commits: db.auth.TokenAuth._committed).
Kept apart from db.auth so that the rollover, which the store runs, can use it without
importing the store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text, update

from db.models import ClerkSession, Window
from db.unit_of_work import UnitOfWork

TOKENS_CHANGED_CHANNEL = "hallq_tokens"
NOTIFY_TOKENS_CHANGED = text(f"SELECT pg_notify('{TOKENS_CHANGED_CHANNEL}', '')")

# Why a session ended (clerk_sessions.end_reason, and the clerk_logged_out event's reason).
END_REASONS = ("logout", "relogin", "handover", "moved", "revoked", "deactivated", "pin_changed", "idle", "rollover", "signed_off")


def end_clerk_sessions(uow: UnitOfWork, reason: str, *where: Any) -> int:
    """End the hall's open clerk sessions matching ``where``; returns how many ended."""
    rows = uow.connection.execute(
        select(ClerkSession.id, ClerkSession.clerk_id, Window.number)
        .join(Window, Window.id == ClerkSession.window_id)
        .where(ClerkSession.hall_id == uow.hall_id, ClerkSession.ended_at.is_(None), *where)
        .with_for_update(of=ClerkSession)
    ).all()
    if not rows:
        return 0
    uow.flush()  # the ORM session's pending changes first, so they and this update agree
    uow.connection.execute(
        update(ClerkSession)
        .where(ClerkSession.id.in_([row.id for row in rows]), ClerkSession.ended_at.is_(None))
        .values(ended_at=uow.now, end_reason=reason)
    )
    for row in rows:
        uow.emit("clerk_logged_out", window=row.number, clerk_id=row.clerk_id, reason=reason)
    notify_tokens_changed(uow)
    return len(rows)


def notify_tokens_changed(uow: UnitOfWork) -> None:
    """On PostgreSQL, tell every server process at commit to forget the tokens it resolved."""
    if uow.connection.dialect.name == "postgresql":
        uow.connection.execute(NOTIFY_TOKENS_CHANGED)
