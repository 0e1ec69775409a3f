"""Fan-out of outbox events to WebSocket subscribers.

One pump per server process reads new events from the database in sequence order and hands
them to every subscriber of that hall. It wakes on a commit in this process, on PostgreSQL
``NOTIFY`` from another process, or at the latest after ``poll_seconds``. Because subscribers
get events from the database and not from the committing thread, each one sees every event,
in order, once — and a client that reconnects with its last seq is served the rest from the
table before live events resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from db.auth import TOKENS_CHANGED_CHANNEL
from db.hall_store import HallStore
from server.outage import is_outage
from server.shaping import audience, shape_event

log = logging.getLogger(__name__)


# Close codes of the event stream, understood by ui.events.EventStream.
CLOSE_BAD_AFTER = 4400  # after= is not a seq: reconnect without it (a fresh snapshot)
CLOSE_REVOKED = 4401  # the token was revoked or the session ended: do not come back with it
CLOSE_RESUME = 4408  # too far behind: reconnect with after=<last seq received>
REVOKED_REASON = "token revoked or session ended"
RESUME_REASON = "too far behind: reconnect with after=<last seq>"

# Events after which some token may no longer be valid: every subscriber's token is checked again.
TOKEN_EVENTS = frozenset({"device_revoked", "clerk_logged_out", "clerk_logged_in", "config_changed", "day_rolled"})


@dataclass
class OutgoingEvent:
    """An event as its WebSocket message, serialized once per audience (shaping.audience)."""

    seq: int
    event: dict[str, Any]
    _texts: dict[str, str] = field(default_factory=dict)

    def text_for(self, role: str) -> str:
        key = audience(role)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = event_message(shape_event(role, self.event))
        return text


def event_message(event: dict[str, Any]) -> str:
    """The WebSocket text of one event (what ``send_json({"type": "event", **event})`` sends)."""
    return json.dumps({"type": "event", **event}, ensure_ascii=False, separators=(",", ":"))


@dataclass(eq=False)
class Subscriber:
    hall_id: int
    role: str = "manager"
    device_id: int | None = None
    token: str | None = None
    queue: asyncio.Queue[OutgoingEvent] = field(default_factory=lambda: asyncio.Queue(maxsize=10_000))
    close_code: int | None = None
    close_reason: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def overflowed(self) -> bool:
        return self.close_code == CLOSE_RESUME

    def end(self, code: int, reason: str) -> None:
        """Tell the subscriber's socket to close with ``code`` (the first reason given wins)."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self.ended.set()


class EventHub:
    """``queue_limit``: events a subscriber may be behind before it is told to resume;
    ``send_timeout``: how long one message may take to leave (a client that stopped reading);
    ``recheck_seconds``: how often every subscriber's token is checked again anyway."""

    queue_limit = 2_000
    send_timeout = 15.0
    recheck_seconds = 10.0

    def __init__(self, store: HallStore, poll_seconds: float = 1.0) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._recheck_at = time.monotonic() + self.recheck_seconds
        self._delivery_failing = False   # the database was away at the last delivery (logged once)
        self._subscribers: set[Subscriber] = set()
        self._last_seq: dict[int, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._listen_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        store.add_commit_listener(self._on_commit)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._pump())
        if self.store.engines.is_postgres:
            self._listen_thread = threading.Thread(target=self._listen_postgres, name="hallq-pg-listen", daemon=True)
            self._listen_thread.start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _on_commit(self, hall_id: int, last_seq: int) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    def _listen_postgres(self) -> None:
        """Another server process committed: PostgreSQL tells us through LISTEN/NOTIFY."""
        import psycopg

        url = self.store.engines.write.url.set(drivername="postgresql").render_as_string(hide_password=False)
        store = self.store
        own = ":" + store.notify_origin
        lost_since: float | None = None   # one line when LISTEN is lost and one when it is back, not one a second
        while not self._stopping.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("LISTEN hallq_events")
                    conn.execute(f"LISTEN {TOKENS_CHANGED_CHANNEL}")
                    if lost_since is not None:
                        log.warning("LISTEN connection back after %.1f s", time.monotonic() - lost_since)
                        lost_since = None
                    # Listening from here on; a logout or revocation while we were not is not missed either.
                    store.forget_tokens()
                    store.token_changes_followed = True
                    while not self._stopping.is_set():
                        for notice in conn.notifies(timeout=1.0):
                            if notice.channel == TOKENS_CHANGED_CHANNEL:
                                store.forget_tokens()
                            elif not notice.payload.endswith(own):  # this process's commits woke the pump already
                                self._on_commit(0, 0)
            except Exception as error:  # reconnect: a restarted database must not end the stream
                store.token_changes_followed = False  # tokens are re-read every 2 s meanwhile
                if lost_since is None:
                    lost_since = time.monotonic()
                    log.warning("LISTEN connection lost (%s); retrying every second", str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__)
                self._stopping.wait(1.0)
        store.token_changes_followed = False

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, hall_id: int, role: str = "manager", device_id: int | None = None, token: str | None = None) -> Subscriber:
        subscriber = Subscriber(hall_id, role, device_id, token, asyncio.Queue(maxsize=self.queue_limit))
        self._subscribers.add(subscriber)
        if hall_id not in self._last_seq:
            self._last_seq[hall_id] = self.store.last_event_seq(hall_id)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def _pump(self) -> None:
        assert self._wake is not None
        while True:
            timeout = min(self.poll_seconds, max(0.0, self._recheck_at - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            self._wake.clear()
            halls = {s.hall_id for s in self._subscribers}
            for hall_id in halls:
                try:
                    await self._deliver(hall_id)
                    if self._delivery_failing:
                        self._delivery_failing = False
                        log.warning("event delivery works again")
                except Exception as error:
                    if not is_outage(error):
                        log.exception("event delivery failed for hall %s", hall_id)
                    elif not self._delivery_failing:   # the database is away: one line, not one a poll
                        log.warning("event delivery waits for the database: %s", type(error).__name__)
                    self._delivery_failing = True
            if time.monotonic() >= self._recheck_at:
                self._recheck_at = time.monotonic() + self.recheck_seconds
                try:
                    await self._recheck_tokens()
                except Exception:
                    log.exception("checking subscribers' tokens failed")

    async def _recheck_tokens(self) -> None:
        """Close the socket of every subscriber whose token no longer authenticates (logout,
        revocation, deactivation, rollover), checked now and then and soon after any event that
        may end a token."""
        for subscriber in list(self._subscribers):
            if subscriber.token is None or subscriber.close_code is not None:
                continue
            found, actor = self.store.cached_actor(subscriber.token)
            if not found:
                actor = await asyncio.to_thread(self.store.authenticate, subscriber.token)
            if actor is None:
                subscriber.end(CLOSE_REVOKED, REVOKED_REASON)

    def _token_event(self, event: dict[str, Any]) -> None:
        if event["kind"] == "device_revoked":
            device_id = (event.get("data") or {}).get("device_id")
            for subscriber in self._subscribers:
                if device_id is not None and subscriber.device_id == device_id:
                    subscriber.end(CLOSE_REVOKED, REVOKED_REASON)
        # The writer forgets this process's cached tokens just after its commit wakes us: check
        # again a moment later, not now.
        self._recheck_at = min(self._recheck_at, time.monotonic() + 0.25)

    async def _deliver(self, hall_id: int) -> None:
        while True:
            after = self._last_seq.get(hall_id, 0)
            events = await asyncio.to_thread(self.store.events_after, hall_id, after, 500)
            if not events:
                return
            self._last_seq[hall_id] = events[-1]["seq"]
            outgoing: list[OutgoingEvent] = []
            for event in events:
                if event["kind"] in TOKEN_EVENTS:
                    self._token_event(event)
                outgoing.append(OutgoingEvent(event["seq"], event))
            for subscriber in list(self._subscribers):
                if subscriber.hall_id != hall_id or subscriber.close_code is not None:
                    continue
                for message in outgoing:
                    try:
                        subscriber.queue.put_nowait(message)
                    except asyncio.QueueFull:
                        # Too far behind: cut off; it reconnects with its last seq and catches up.
                        subscriber.end(CLOSE_RESUME, RESUME_REASON)
                        break
            if len(events) < 500:
                return
