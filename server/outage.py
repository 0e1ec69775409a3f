"""A database that cannot be reached is the API's own error, not a crash: every request answers
a JSON 503 with Retry-After (the programs show "offline, retrying"), and the log gets one line
when the outage starts and one when the database answers again, not a traceback per request."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import exc as sa

from db.storage_faults import StorageFault
from server.limits import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 2


def is_outage(error: BaseException) -> bool:
    """True for errors that mean "the database is not there (or not answering) now"."""
    if isinstance(error, sa.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(error, sa.DBAPIError):
        return error.connection_invalidated or isinstance(error, (sa.OperationalError, sa.InterfaceError))
    return False


class OutageLog:
    """One line when an outage starts, one when it ends (with how many requests got a 503)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.refused = 0

    @property
    def active(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.refused += 1
            if self.since is not None:
                return
            self.since = time.monotonic()
        first_line = (
            str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        )
        log.warning("database unavailable: %s (%s); answering 503 until it is back", type(error).__name__, first_line)

    def succeeded(self) -> None:
        with self._lock:
            if self.since is None:
                return
            seconds, refused = time.monotonic() - self.since, self.refused
            self.since, self.refused = None, 0
        log.warning("database available again after %.1f s (%d requests answered 503)", seconds, refused)


class StorageFaultLog:
    """The disk-full or read-only fault the database has now (db/storage_faults.py), for the
    manager's alert: set by a write that failed with it, cleared by the next write that succeeds
    (reads keep working on a full disk, so a read says nothing). One log line each way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fault: StorageFault | None = None
        self.since: datetime | None = None

    @property
    def active(self) -> bool:
        return self.fault is not None

    def failed(self, fault: StorageFault) -> None:
        with self._lock:
            if self.fault is not None and self.fault.code == fault.code:
                return
            self.fault, self.since = fault, datetime.now(UTC)
        log.error("storage fault: %s; writes answer 503 until it is cleared", fault.message.en)

    def written(self) -> None:
        with self._lock:
            if self.fault is None:
                return
            code, self.fault, self.since = self.fault.code, None, None
        log.warning("storage fault %s cleared: writes succeed again", code)

    def current(self) -> dict[str, object] | None:
        with self._lock:
            if self.fault is None or self.since is None:
                return None
            message = self.fault.message
            return {"code": self.fault.code, "since": self.since.isoformat(), "zh": message.zh, "en": message.en}


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class OutageWatch:
    """ASGI: the first answer below 500 during an outage ends it (in the log); the first
    successful write during a storage fault ends that."""

    def __init__(self, app: ASGIApp, outage: OutageLog, storage: StorageFaultLog | None = None) -> None:
        self.app, self.outage, self.storage = app, outage, storage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        storage = self.storage

        async def watching(message: Message) -> None:
            # a 2xx from a route that reads the database (health does not) ends the outage
            if (
                message["type"] == "http.response.start"
                and self.outage.active
                and message["status"] < 300
                and scope["path"] != "/api/health"
            ):
                self.outage.succeeded()
            if (
                message["type"] == "http.response.start"
                and storage is not None
                and message["status"] < 300
                and scope["method"] in WRITE_METHODS
            ):
                storage.written()
            await send(message)

        watched = self.outage.active or (storage is not None and storage.active)
        await self.app(scope, receive, watching if watched else send)
