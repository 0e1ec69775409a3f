"""The event stream ends when it should (DESIGN.md §5, issue 15): a revoked device's or a logged
out clerk's socket closes at once; a subscriber that stops reading or falls too far behind is
dropped with a close code telling it to resume; a bad ``after=`` gets a clear close."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.server.conftest import HallServer

RESUME = 4408
REVOKED = 4401
BAD_AFTER = 4400


def ws_url(hs: HallServer, query: str = "") -> str:
    return hs.url.replace("http", "ws", 1) + "/ws/events" + query


def open_stream(hs: HallServer, token: str, query: str = "") -> ClientConnection:
    return connect(ws_url(hs, query), additional_headers={"Authorization": f"Bearer {token}"})


def read_until_closed(ws: ClientConnection, within: float) -> tuple[list[dict[str, Any]], int | None, str]:
    """Every message until the server closes the socket; fails if it is still open after ``within`` s."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    try:
        while True:
            messages.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    except TimeoutError:
        pytest.fail(f"the socket is still open after {within} s ({len(messages)} messages)")
    except ConnectionClosed as closed:
        frame = closed.rcvd
        return messages, frame.code if frame else None, frame.reason if frame else ""


def subscribers(hs: HallServer) -> int:
    return int(httpx.get(f"{hs.url}/api/health").json()["subscribers"])


def wait_for_subscribers(hs: HallServer, count: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if subscribers(hs) == count:
            return True
        time.sleep(0.1)
    return False


def test_revoking_a_device_closes_its_socket_at_once(hall_server: HallServer) -> None:
    hs = hall_server
    enrolled = hs.store.enroll_device(None, hs.hall.hall_id, "display", "lobby screen", None)
    with open_stream(hs, enrolled["token"]) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        hs.manager.revoke(enrolled["device_id"])
        started = time.monotonic()
        messages, code, reason = read_until_closed(ws, within=3.0)
    assert code == REVOKED, (code, reason)
    assert time.monotonic() - started < 2.0
    assert not any(m.get("kind") == "device_revoked" for m in messages), "a revoked device hears nothing more"
    assert wait_for_subscribers(hs, 0, 3.0)


def test_a_logged_out_clerks_socket_closes(hall_server: HallServer) -> None:
    hs = hall_server
    clerk = hs.clerk(1)
    with open_stream(hs, str(clerk.token)) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        clerk.logout()
        _messages, code, _reason = read_until_closed(ws, within=4.0)
    assert code == REVOKED


@pytest.mark.parametrize("after", ["1" * 40, "9223372036854775808", "abc", "-1", "1e3", "%EF%BC%91"])
def test_a_bad_after_gets_a_clear_close(hall_server: HallServer, after: str) -> None:
    hs = hall_server
    with open_stream(hs, str(hs.display().token), f"?after={after}") as ws:
        messages, code, reason = read_until_closed(ws, within=3.0)
    assert messages == []
    assert code == BAD_AFTER and "after" in reason, (code, reason)


def test_a_subscriber_far_behind_is_told_to_resume_and_does(hall_server: HallServer) -> None:
    """More events at once than the subscriber's queue holds: it is closed with 4408 and the reason
    says how to resume; reconnecting with after=<last seq> then gets every event once."""
    hs = hall_server
    hs.server.app.state.hub.queue_limit = 5
    token = str(hs.display().token)
    start = hs.manager.snapshot()["seq"]
    with open_stream(hs, token, f"?after={start}") as ws:
        time.sleep(0.3)  # subscribed
        hs.store.write(hs.hall.hall_id, lambda uow: [uow.emit("test_burst", n=n) for n in range(40)])
        messages, code, reason = read_until_closed(ws, within=5.0)
    assert code == RESUME and "after" in reason, (code, reason)
    last = messages[-1]["seq"] if messages else start
    assert len(messages) < 40
    hs.server.app.state.hub.queue_limit = 10_000
    rest = list(hs.display().events_after(last, timeout=5, until=start + 40))
    assert [m["seq"] for m in messages + rest] == list(range(start + 1, start + 41))


def _raw_subscriber(hs: HallServer, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads again."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((hs.server.host, hs.server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/events?after=0 HTTP/1.1\r\nHost: {hs.server.host}:{hs.server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_subscriber_that_stops_reading_is_dropped(hall_server: HallServer) -> None:
    hs = hall_server
    hub = hs.server.app.state.hub
    hub.queue_limit, hub.send_timeout = 50, 2.0
    sock = _raw_subscriber(hs, str(hs.display().token))
    try:
        assert wait_for_subscribers(hs, 1, 3.0)
        blob = "满" * 20_000  # ~60 kB an event: the socket's buffers fill after a few hundred kB
        for _ in range(30):
            hs.store.write(hs.hall.hall_id, lambda uow: [uow.emit("test_bulk", blob=blob) for _ in range(5)])
        assert wait_for_subscribers(hs, 0, 15.0), "a subscriber that stopped reading is still held"
    finally:
        sock.close()


def test_a_subscriber_that_stops_reading_during_catch_up_is_dropped(hall_server: HallServer) -> None:
    """after=0 on a long backlog, then no reading: the catch-up does not hold the server either."""
    hs = hall_server
    hub = hs.server.app.state.hub
    hub.send_timeout = 2.0
    blob = "满" * 20_000
    for _ in range(30):
        hs.store.write(hs.hall.hall_id, lambda uow: [uow.emit("test_bulk", blob=blob) for _ in range(5)])
    sock = _raw_subscriber(hs, str(hs.display().token))
    try:
        assert wait_for_subscribers(hs, 0, 15.0), "a subscriber that stopped reading during catch-up is still held"
    finally:
        sock.close()
