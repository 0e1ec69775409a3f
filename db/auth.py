"""Who is asking: a bearer token resolved to a device or a clerk's session (:class:`Actor`).

Resolved tokens are cached briefly because every request needs one. A write that ends or hands
over tokens (logout, handover, revocation, a clerk deactivated or given a new PIN, the day's
rollover) clears this process's cache at once and, on PostgreSQL, tells every other server
process through ``TOKENS_CHANGED_CHANNEL``.

A clerk's token is honoured only while the session is open, the clerk active and the counter it
was issued at not revoked (checked in the query, whatever ended the session), the session began
on today's business day, and the clerk made a request within the hall's ``clerk_idle_minutes``.
A session found past those last two is ended (``idle`` / ``rollover``) when next presented.
When the clerk was last seen is kept per process for every request and written to the session
row at most every ``SEEN_WRITE_SECONDS``, so other processes judge idle time by it too.
"""

from __future__ import annotations

import functools
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Table, bindparam, select, update

from db.common import WINDOWS, Actor
from db.models import Clerk, ClerkSession, Device
from db.security import token_hash
from db.sessions import NOTIFY_TOKENS_CHANGED, TOKENS_CHANGED_CHANNEL, end_clerk_sessions
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day
from hall.config import HoursConfig, RulesConfig

T = TypeVar("T")

# TOKENS_CHANGED_CHANNEL: delivered at commit to every server process listening (server.events),
# which then forgets the tokens it resolved.
__all__ = ["NOTIFY_TOKENS_CHANGED", "TOKENS_CHANGED_CHANNEL", "TokenAuth", "session_end_reason"]

SEEN_WRITE_SECONDS = 60.0  # how often a busy clerk's "last seen" is written to the session row

DEVICES: Table = Device.__table__  # type: ignore[assignment]
CLERK_SESSIONS: Table = ClerkSession.__table__  # type: ignore[assignment]
CLERKS: Table = Clerk.__table__  # type: ignore[assignment]
ISSUED_AT = DEVICES.alias("issued_at")  # the counter the clerk logged in at
DEVICE_BY_TOKEN = (
    select(DEVICES.c.id, DEVICES.c.hall_id, DEVICES.c.role, DEVICES.c.window_id, DEVICES.c.name, WINDOWS.c.number.label("window_number"))
    .select_from(DEVICES.outerjoin(WINDOWS, WINDOWS.c.id == DEVICES.c.window_id))
    .where(DEVICES.c.token_hash == bindparam("digest"), DEVICES.c.revoked_at.is_(None))
)
CLERK_BY_TOKEN = (
    select(
        CLERK_SESSIONS.c.id,
        CLERK_SESSIONS.c.hall_id,
        CLERK_SESSIONS.c.device_id,
        CLERK_SESSIONS.c.window_id,
        CLERK_SESSIONS.c.clerk_id,
        WINDOWS.c.number.label("window_number"),
        CLERKS.c.staff_no,
        CLERK_SESSIONS.c.started_at,
        CLERK_SESSIONS.c.last_seen_at,
    )
    .select_from(
        CLERK_SESSIONS.outerjoin(WINDOWS, WINDOWS.c.id == CLERK_SESSIONS.c.window_id)
        .join(CLERKS, CLERKS.c.id == CLERK_SESSIONS.c.clerk_id)
        .outerjoin(ISSUED_AT, ISSUED_AT.c.id == CLERK_SESSIONS.c.device_id)
    )
    .where(
        CLERK_SESSIONS.c.token_hash == bindparam("digest"),
        CLERK_SESSIONS.c.ended_at.is_(None),
        CLERKS.c.active.is_(True),
        ISSUED_AT.c.revoked_at.is_(None),
    )
)


def session_end_reason(hours: HoursConfig, rules: RulesConfig, started_at: datetime, last_seen: datetime, now: datetime) -> str | None:
    """Why a clerk session open since ``started_at`` and last used at ``last_seen`` is over at
    ``now`` ("rollover": it began on an earlier business day; "idle"), or None."""
    if business_day(hours, started_at) != business_day(hours, now):
        return "rollover"
    if rules.clerk_idle_minutes > 0 and (now - last_seen).total_seconds() > rules.clerk_idle_minutes * 60.0:
        return "idle"
    return None


@dataclass
class _Seen:
    """A clerk session as this process last saw it used."""

    started_at: datetime
    last_seen: datetime  # this process's latest request of the session
    written: datetime  # the last_seen_at the session row holds (as far as this process knows)



class TokenAuth(StoreCore):
    """Tokens resolved to actors, their cache, and writes that end tokens."""

    # How long a resolved token is trusted without reading it again. Logout, handover and
    # revocation clear this process's cache at once, and on PostgreSQL they NOTIFY every other
    # server process (hallq_tokens), whose event listener clears theirs. So 30 s, where every
    # change reaches this process: SQLite (one server process) or PostgreSQL while the listener
    # is connected (``token_changes_followed``); else 2 s, the longest another process may then
    # honour a revoked token. Not 2 s everywhere: re-reading every token that often is a sizeable
    # share of the server's CPU.
    AUTH_CACHE_SECONDS = 2.0
    AUTH_CACHE_SECONDS_FOLLOWED = 30.0
    token_changes_followed = False  # set by the server's PostgreSQL listener (server.events)
    _token_generation = 0  # bumped by forget_tokens: a token read before it is not cached after it

    def authenticate(self, token: str) -> Actor | None:
        """The device or clerk behind a token. Cached briefly: it runs on every request."""
        found, actor = self.cached_actor(token)
        if found:
            return actor
        digest = token_hash(token)
        generation = self._token_generation
        actor = self._authenticate(digest)
        if actor is not None and generation == self._token_generation:
            cache = self._auth_cache
            if len(cache) > 10_000:
                cache.clear()
            cache[digest] = (_time.monotonic(), actor)
        return actor

    def cached_actor(self, token: str) -> tuple[bool, Actor | None]:
        """(True, actor) when the token was resolved less than ``AUTH_CACHE_SECONDS`` ago; no I/O,
        so the server can answer most requests' authentication without a worker thread. A clerk's
        session past its idle time or business day, or due for its "last seen" to be written, is
        not answered from the cache: :meth:`authenticate` reads (and ends or touches) it."""
        hit = self._auth_cache.get(token_hash(token))
        if hit is not None and _time.monotonic() - hit[0] < self._auth_cache_seconds:
            actor = hit[1]
            if actor.session_id is not None and not self._seen_fresh(actor):
                return False, None
            return True, actor
        return False, None

    def _seen_fresh(self, actor: Actor) -> bool:
        """A clerk's cached session is still good and its use recorded in memory (no I/O)."""
        seen = self._seen.get(actor.session_id or 0)
        settings = self._settings_cache.get(actor.hall_id)
        if seen is None or settings is None:
            return False
        now = self.clock.now()
        if session_end_reason(settings.hours, settings.rules, seen.started_at, seen.last_seen, now) is not None:
            return False
        if (now - seen.written).total_seconds() >= self._seen_write_seconds(settings.rules):
            return False
        seen.last_seen = max(seen.last_seen, now)
        return True

    @staticmethod
    def _seen_write_seconds(rules: RulesConfig) -> float:
        idle = rules.clerk_idle_minutes * 60.0
        return min(SEEN_WRITE_SECONDS, idle / 4) if idle > 0 else SEEN_WRITE_SECONDS

    @functools.cached_property
    def _seen(self) -> dict[int, _Seen]:
        return {}

    @property
    def _auth_cache_seconds(self) -> float:
        return self.AUTH_CACHE_SECONDS_FOLLOWED if self.engines.is_sqlite or self.token_changes_followed else self.AUTH_CACHE_SECONDS

    @functools.cached_property
    def _auth_cache(self) -> dict[str, tuple[float, Actor]]:
        return {}

    def forget_tokens(self) -> None:
        """After a logout, handover or revocation this process stops honouring old tokens at once."""
        self._token_generation += 1
        self._auth_cache.clear()

    def _write_changing_tokens(self, hall_id: int, work: Callable[[UnitOfWork], T]) -> T:
        """A write that ends or hands over tokens: this process forgets the tokens it resolved,
        and on PostgreSQL every other server process is told when the change commits."""

        def notifying(uow: UnitOfWork) -> T:
            result = work(uow)
            if self.engines.is_postgres:
                uow.connection.execute(NOTIFY_TOKENS_CHANGED)
            return result

        result = self.write(hall_id, notifying)
        self.forget_tokens()
        return result

    def _committed(self, uow: UnitOfWork) -> None:
        """After any commit that ended a clerk session (logout, handover, move, revocation,
        deactivation, PIN change, idle time, rollover) this process forgets the tokens it
        resolved; the write NOTIFYed the other processes (db.sessions)."""
        super()._committed(uow)
        if any(kind == "clerk_logged_out" for kind, _ in uow.events):
            self.forget_tokens()

    def _authenticate(self, digest: str) -> Actor | None:
        with self.engines.read.connect() as connection:
            device = connection.execute(DEVICE_BY_TOKEN, {"digest": digest}).first()
            if device is not None:
                return Actor(device.hall_id, device.role, device.id, device.window_id, device.window_number, name=device.name)
            row = connection.execute(CLERK_BY_TOKEN, {"digest": digest}).first()
            if row is None:
                return None
            settings = self._hall_settings(connection, row.hall_id)
        actor = Actor(row.hall_id, "clerk", row.device_id, row.window_id, row.window_number, row.clerk_id, row.id, row.staff_no or "")
        now = self.clock.now()
        seen = self._seen.get(row.id)
        written = row.last_seen_at or row.started_at
        last_seen = max(written, seen.last_seen) if seen is not None else written
        reason = session_end_reason(settings.hours, settings.rules, row.started_at, last_seen, now)
        if reason is not None:
            self._seen.pop(row.id, None)
            self.write(row.hall_id, lambda uow: end_clerk_sessions(uow, reason, ClerkSession.id == row.id))
            return None
        if (now - written).total_seconds() >= self._seen_write_seconds(settings.rules):
            self.write(
                row.hall_id,
                lambda uow: uow.connection.execute(
                    update(CLERK_SESSIONS)
                    .where(CLERK_SESSIONS.c.id == row.id, CLERK_SESSIONS.c.ended_at.is_(None))
                    .values(last_seen_at=now)
                ),
            )
            written = now
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[row.id] = _Seen(row.started_at, now, written)
        return actor
