"""Must show (issue 17 point 6): the outbox under a real HTTP SMS provider on 127.0.0.1 that fails
(500s and timeouts) and then recovers — every message sent exactly once, none lost, and the calls
made meanwhile not held up (their latency with the provider down and up is printed, not asserted);
and two senders on one PostgreSQL outbox never sending a message twice.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import insert, select

from db.config_ops import ConfigStore
from db.engine import make_engines
from db.models import Notification, NotifyContact
from hall.sms import SmsSettings
from server.notify.gateways import HttpGateway, Sms
from server.notify.sender import NotifySender
from tests.db.conftest import HallEnv


class Provider:
    """A local SMS provider: ``mode`` is "500" (refuses), "hang" (answers 504 only after the
    client's timeout) or "ok" (takes the message). Records what it took, by request id."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.taken: Counter[str] = Counter()
        self.texts: dict[str, str] = {}
        self.refused = 0
        self.hung = 0
        self.keys: set[str] = set()
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.keys.add(self.headers.get("Authorization", ""))
                mode = provider.mode
                if mode == "hang":
                    with provider._lock:
                        provider.hung += 1
                    time.sleep(0.6)
                    self.send_response(504)
                elif mode == "500":
                    with provider._lock:
                        provider.refused += 1
                    self.send_response(500)
                else:
                    with provider._lock:
                        provider.taken[body["request_id"]] += 1
                        provider.texts[body["request_id"]] = body["text"]
                    self.send_response(200)
                try:
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): expected in "hang" mode

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def outbox(env: HallEnv) -> list[Notification]:
    with env.session() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def wait_until(check: Any, seconds: float = 30.0, explain: Any = None, meanwhile: Any = None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out: {explain() if explain else ''}"
        time.sleep(0.05)
        if meanwhile:
            meanwhile()


def timed_calls(env: HallEnv, clerk: Any, window: int, count: int) -> list[float]:
    """``count`` calls at ``window``, each started and finished; the call's own time in ms."""
    took = []
    for _ in range(count):
        started = time.perf_counter()
        env.store.call_next(clerk, window)
        took.append((time.perf_counter() - started) * 1000)
        env.store.start(clerk, window)
        env.store.finish(clerk, window, "immediate")
        env.advance(seconds=40)  # hall time runs on: failed messages come due again
    return took


def test_a_provider_that_fails_then_recovers_gets_every_message_exactly_once(hall_env: HallEnv) -> None:
    env = hall_env
    for offset in (0, 1):
        day = env.clock.now().date() + timedelta(days=1 + offset)
        request = env.store.request_booking(env.hall_id, "C02", day, "1400", "张三", f"1381234567{offset}")
        env.store.verify_booking(env.hall_id, request["request"], request["verify_code"])
    tickets = [env.issue("A", advance=5) for _ in range(24)]
    for n, ticket in enumerate(tickets[2:], start=2):  # most holders give a number at the kiosk
        if n % 3:
            env.store.sign_up_ticket(env.hall_id, ticket["id"], f"139{n:08d}")
    clerk = env.clerk(2)
    with Provider() as provider:
        gateway = HttpGateway(provider.url, key="test-key", timeout=0.3)
        sender = NotifySender(env.store, gateway, SmsSettings(max_attempts=50), poll_seconds=0.05, batch=5)
        sender.start()
        try:

            def hall_time_runs_on() -> None:
                # A send that failed just now is due again later: in a hall the clock moves on to
                # that retry (frozen after the last advance, a late failure failed the test in CI).
                env.advance(seconds=5)
                sender.wake()

            provider.mode = "500"
            down = timed_calls(env, clerk, 2, 5)
            wait_until(lambda: provider.refused > 0, 20, meanwhile=hall_time_runs_on)
            provider.mode = "hang"
            down += timed_calls(env, clerk, 2, 5)
            # On a fast machine the five calls were over before the sender's next try.
            wait_until(lambda: provider.hung > 0, 20, meanwhile=hall_time_runs_on)
            assert not provider.taken
            provider.mode = "ok"
            up = timed_calls(env, clerk, 2, 10)
            env.advance(hours=60)  # every reminder comes due
            sender.wake()
            wait_until(
                lambda: all(m.status == "sent" for m in outbox(env)),
                20,
                lambda: [(m.kind, m.status, m.attempts, m.last_error, m.next_try_at) for m in outbox(env) if m.status != "sent"],
                hall_time_runs_on,
            )
        finally:
            sender.stop()
            gateway.close()
    messages = outbox(env)
    kinds = Counter(m.kind for m in messages)
    assert kinds["booking_confirmed"] == 2 and kinds["remind_day"] == 2 and kinds["remind_hour"] == 2
    assert kinds["called"] >= 10 and kinds["soon"] >= 10
    expected = {f"{env.hall_id}:{m.dedupe_key}" for m in messages}
    assert set(provider.taken) == expected  # none lost
    assert set(provider.taken.values()) == {1}  # none twice
    assert any(m.attempts > 1 for m in messages)  # the outage was real: retried
    assert provider.keys == {"Bearer test-key"}
    with env.session() as session:
        kept = [c.phone_clear for c in session.scalars(select(NotifyContact)) if c.ticket_id is not None]
    called_tickets = sum(1 for m in messages if m.kind == "called")
    assert kept.count("") >= called_tickets  # numbers of called tickets erased once their message went
    print(
        f"\n[{env.hall.engines.write.dialect.name}] call_next latency, SMS provider down (500s, then 0.6 s hangs): "
        f"median {statistics.median(down):.1f} ms, max {max(down):.1f} ms over {len(down)} calls; "
        f"provider up: median {statistics.median(up):.1f} ms, max {max(up):.1f} ms over {len(up)} calls; "
        f"{len(messages)} messages, {sum(m.attempts for m in messages)} attempts, "
        f"{provider.refused} refused, {provider.hung} timed out"
    )


class RecordingGateway:
    """Takes every message after a short pause (so two senders overlap); counts by request id."""

    def __init__(self) -> None:
        self.taken: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, sms: Sms) -> None:
        time.sleep(0.002)
        with self._lock:
            self.taken[sms.request_id] += 1


@pytest.mark.postgres
@pytest.mark.parametrize("hall_env", ["postgres"], indirect=True)
def test_two_senders_on_postgresql_never_send_a_message_twice(hall_env: HallEnv) -> None:
    env = hall_env
    ticket = env.issue("A")
    env.store.sign_up_ticket(env.hall_id, ticket["id"], "13912345678")
    with env.session() as session:
        contact = session.scalar(select(NotifyContact))
        assert contact is not None
        contact_id = contact.id
    now = env.clock.now()
    rows = [
        {
            "hall_id": env.hall_id,
            "kind": "soon",
            "contact_id": contact_id,
            "phone_masked": "139****5678",
            "params": {"number": f"A{n:03d}", "ahead": "1"},
            "dedupe_key": f"load:{n}",
            "status": "pending",
            "created_at": now,
            "due_at": now,
            "next_try_at": now,
            "attempts": 0,
            "claimed_by": "",
            "last_error": "",
        }
        for n in range(300)
    ]
    with env.hall.engines.write.begin() as connection:
        connection.execute(insert(Notification.__table__), rows)
    url = env.hall.engines.write.url.render_as_string(hide_password=False)
    second = ConfigStore(make_engines(url), env.clock)  # a second server process's own engines
    gateway = RecordingGateway()
    senders = [NotifySender(env.store, gateway, batch=7), NotifySender(second, gateway, batch=7)]
    tried = [0, 0]
    start = threading.Barrier(2)

    def drain(n: int) -> None:
        start.wait()
        while True:
            got = senders[n].run_once()
            tried[n] += got
            if not got:
                return

    threads = [threading.Thread(target=drain, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    second.engines.dispose()
    messages = outbox(env)
    assert all(m.status == "sent" and m.attempts == 1 for m in messages) and len(messages) >= 300
    assert set(gateway.taken.values()) == {1} and len(gateway.taken) == len(messages)
    assert min(tried) > 0, f"both senders worked: {tried}"
    assert senders[0].stats.lost_claims == senders[1].stats.lost_claims == 0
    print(f"\ntwo senders on PostgreSQL: {tried[0]} + {tried[1]} = {sum(tried)} messages, each sent once")
