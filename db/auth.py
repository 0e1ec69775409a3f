"""Who is asking: a bearer token resolved to a device or a clerk's session (:class:`Actor`).

Resolved tokens are cached briefly because every request needs one. A write that ends or hands
over tokens (logout, handover, revocation) clears this process's cache at once and, on
PostgreSQL, tells every other server process through ``TOKENS_CHANGED_CHANNEL``.
"""

from __future__ import annotations

import functools
import time as _time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Table, bindparam, select, text

from db.common import WINDOWS, Actor
from db.models import Clerk, ClerkSession, Device
from db.security import token_hash
from db.store import StoreCore
from db.unit_of_work import UnitOfWork

T = TypeVar("T")

# Delivered at commit to every server process listening (server.events), which then forgets the tokens it resolved.
TOKENS_CHANGED_CHANNEL = "hallq_tokens"
NOTIFY_TOKENS_CHANGED = text(f"SELECT pg_notify('{TOKENS_CHANGED_CHANNEL}', '')")

DEVICES: Table = Device.__table__  # type: ignore[assignment]
CLERK_SESSIONS: Table = ClerkSession.__table__  # type: ignore[assignment]
CLERKS: Table = Clerk.__table__  # type: ignore[assignment]
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
    )
    .select_from(
        CLERK_SESSIONS.outerjoin(WINDOWS, WINDOWS.c.id == CLERK_SESSIONS.c.window_id).outerjoin(
            CLERKS, CLERKS.c.id == CLERK_SESSIONS.c.clerk_id
        )
    )
    .where(CLERK_SESSIONS.c.token_hash == bindparam("digest"), CLERK_SESSIONS.c.ended_at.is_(None))
)



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
        so the server can answer most requests' authentication without a worker thread."""
        hit = self._auth_cache.get(token_hash(token))
        if hit is not None and _time.monotonic() - hit[0] < self._auth_cache_seconds:
            return True, hit[1]
        return False, None

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

    def _authenticate(self, digest: str) -> Actor | None:
        with self.engines.read.connect() as connection:
            device = connection.execute(DEVICE_BY_TOKEN, {"digest": digest}).first()
            if device is not None:
                return Actor(device.hall_id, device.role, device.id, device.window_id, device.window_number, name=device.name)
            row = connection.execute(CLERK_BY_TOKEN, {"digest": digest}).first()
            if row is not None:
                return Actor(
                    row.hall_id, "clerk", row.device_id, row.window_id, row.window_number, row.clerk_id, row.id, row.staff_no or ""
                )
        return None

