"""The event stream: snapshot on connect, and resume with ``after=last_seq`` — every missed
event once, in order, then live ones (DESIGN.md §1 "No call is lost because a display blinked")."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.server.conftest import HallServer


def ws_url(hs: HallServer, query: str) -> str:
    return hs.url.replace("http", "ws", 1) + "/ws/events" + query


def test_connect_without_after_starts_with_a_snapshot(hall_server: HallServer) -> None:
    hs = hall_server
    display = hs.display()
    hs.kiosk().issue("A")
    with connect(ws_url(hs, ""), additional_headers={"Authorization": f"Bearer {display.token}"}) as ws:
        first = json.loads(ws.recv(timeout=5))
    assert first["type"] == "snapshot"
    assert first["seq"] == first["data"]["seq"] == hs.manager.snapshot()["seq"]
    assert any(c["series"] == "A" and c["waiting"] == 1 for c in first["data"]["categories"])


def test_stream_refuses_a_missing_or_bad_token(hall_server: HallServer) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        with pytest.raises(InvalidStatus), connect(ws_url(hall_server, "?after=0"), additional_headers=headers) as ws:
            ws.recv(timeout=5)


def test_resume_after_a_drop_gets_every_missed_event_once_then_live_ones(hall_server: HallServer) -> None:
    hs = hall_server
    display, kiosk, clerk = hs.display(), hs.kiosk(), hs.clerk(1)
    start = hs.manager.snapshot()["seq"]
    for _ in range(3):
        kiosk.issue("A")

    # Read the first three events, then drop the connection.
    first = list(display.events_after(start, timeout=5, until=start + 3))
    assert [e["seq"] for e in first] == [start + 1, start + 2, start + 3]
    assert all(e["type"] == "event" and e["kind"] == "ticket_issued" for e in first)
    last_seq = first[-1]["seq"]

    # Meanwhile the hall goes on: issues, a call, a start, a finish, a pause.
    for series in ("A", "B", "A", "C"):
        kiosk.issue(series)
    called = clerk.call_next(1)
    clerk.start(1)
    clerk.finish(1, "immediate")
    clerk.pause(1, "休息")
    missed_until = hs.manager.snapshot()["seq"]
    assert missed_until - last_seq == 8

    stream = display.events_after(last_seq, timeout=5)
    missed = [next(stream) for _ in range(missed_until - last_seq)]
    assert [e["seq"] for e in missed] == list(range(last_seq + 1, missed_until + 1))
    kinds = [e["kind"] for e in missed]
    assert kinds == ["ticket_issued"] * 4 + ["ticket_called", "service_started", "service_finished", "window_paused"]
    assert missed[4]["data"]["ticket"]["id"] == called["ticket"]["id"]

    # Still connected: live events follow, with no repeat of the catch-up.
    clerk.resume(1)
    live = kiosk.issue("B")
    after = [next(stream), next(stream)]
    stream.close()
    assert [e["seq"] for e in after] == [missed_until + 1, missed_until + 2]
    assert [e["kind"] for e in after] == ["window_resumed", "ticket_issued"]
    assert after[1]["data"]["ticket"]["id"] == live["id"]


def test_a_late_subscriber_catches_up_from_zero(hall_server: HallServer) -> None:
    hs = hall_server
    kiosk = hs.kiosk()
    for _ in range(5):
        kiosk.issue("D")
    seq = hs.manager.snapshot()["seq"]
    events = list(hs.display().events_after(0, timeout=3, until=seq))
    assert [e["seq"] for e in events] == list(range(1, seq + 1))
