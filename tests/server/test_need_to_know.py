"""Need to know (DESIGN.md §5): what a role receives is shaped for that role. A clerk's note
(free text that may hold an ID number) and a ticket's public id (the key to its phone page)
never reach pads, displays, kiosks or a counter's device token; clerks and the manager keep them.

Issue 15: a transfer note was returned by GET /api/tickets/{id} to pad and display tokens for
every sequential id, and travelled in ticket_transferred / ticket_parked events to every
WebSocket subscriber."""

from __future__ import annotations

import json
from typing import Any

from server.client import HallClient
from tests.server.conftest import HallServer

SECRET = "申请人无房产证原件，身份证号 110101199003071234"
PARK_SECRET = "回去取户口本 13812345678"


def _serve_with_notes(hs: HallServer) -> tuple[HallClient, dict[str, Any], dict[str, Any]]:
    """Window 1 transfers a ticket to window 2 with a note, and parks another with a note."""
    kiosk, clerk = hs.kiosk(), hs.clerk(1)
    transferred = kiosk.issue("A")
    parked = kiosk.issue("A")
    assert clerk.call_next(1)["ticket"]["id"] == transferred["id"]
    clerk.transfer(1, to_window=2, note=SECRET)
    assert clerk.call_next(1)["ticket"]["id"] == parked["id"]
    clerk.park(1, note=PARK_SECRET)
    return clerk, transferred, parked


def _leaks(data: Any) -> list[str]:
    text = json.dumps(data, ensure_ascii=False)
    found = [s for s in ("110101199003071234", "房产证", "13812345678", "户口本") if s in text]
    return found + ["public_id"] * ('"public_id"' in text) + ['"note"'] * ('"note"' in text)


def test_a_ticket_by_id_shows_notes_to_clerks_and_managers_only(hall_server: HallServer) -> None:
    hs = hall_server
    clerk, transferred, parked = _serve_with_notes(hs)
    devices = {"pad": hs.pad(1), "display": hs.display(), "kiosk": hs.kiosk(), "counter": hs.counter(1)}
    for ticket in (transferred, parked):
        for role, client in devices.items():
            data = client.ticket(ticket["id"])
            assert data["number"] == ticket["number"] and data["status"] in ("waiting", "parked")
            assert _leaks(data) == [], f"{role} sees {_leaks(data)}"
    assert hs.manager.ticket(transferred["id"])["note"] == SECRET
    assert clerk.ticket(parked["id"])["note"] == PARK_SECRET
    assert hs.manager.ticket(parked["id"])["public_id"] == parked["public_id"]


def test_events_are_shaped_for_each_subscribers_role(hall_server: HallServer) -> None:
    hs = hall_server
    start = hs.manager.snapshot()["seq"]
    _serve_with_notes(hs)
    end = hs.manager.snapshot()["seq"]
    streams = {
        "pad": hs.pad(1),
        "display": hs.display(),
        "kiosk": hs.kiosk(),
        "counter": hs.counter(1),
    }
    for role, client in streams.items():
        events = list(client.events_after(start, timeout=5, until=end))
        assert [e["seq"] for e in events] == list(range(start + 1, end + 1)), role
        kinds = [e["kind"] for e in events]
        assert "ticket_transferred" in kinds and "ticket_parked" in kinds
        assert _leaks(events) == [], f"{role} receives {_leaks(events)}"
        # What the programs read is still there: the number, series and windows.
        called = next(e for e in events if e["kind"] == "ticket_called")
        assert called["data"]["window"] == 1 and called["data"]["ticket"]["number"] and called["data"]["ticket"]["series"] == "A"
        moved = next(e for e in events if e["kind"] == "ticket_transferred")
        assert moved["data"]["from_window"] == 1 and moved["data"]["ticket"]["number"]
    manager_events = list(hs.manager.events_after(start, timeout=5, until=end))
    by_kind = {e["kind"]: e for e in manager_events}
    assert by_kind["ticket_transferred"]["data"]["ticket"]["note"] == SECRET
    assert by_kind["ticket_parked"]["data"]["ticket"]["note"] == PARK_SECRET


def test_the_snapshot_and_live_events_are_shaped_too(hall_server: HallServer) -> None:
    """A transferred ticket called at window 2 is in the snapshot's windows with its note —
    for the manager, not for a display (over HTTP and as the stream's first message)."""
    hs = hall_server
    _serve_with_notes(hs)
    display = hs.display()
    from websockets.sync.client import connect

    url = hs.url.replace("http", "ws", 1) + "/ws/events"
    seq = hs.manager.snapshot()["seq"]
    with connect(f"{url}?after={seq}", additional_headers={"Authorization": f"Bearer {display.token}"}) as ws:
        hs.clerk(2).call_next(2)
        live = [json.loads(ws.recv(timeout=5))]  # the clerk's login, then the call
        while live[-1]["kind"] != "ticket_called":
            live.append(json.loads(ws.recv(timeout=5)))
    assert live[-1]["kind"] == "ticket_called" and _leaks(live) == []
    window2 = next(w for w in hs.manager.snapshot()["windows"] if w["number"] == 2)
    assert window2["current"]["note"] == SECRET
    shown = next(w for w in display.snapshot()["windows"] if w["number"] == 2)
    assert shown["current"]["number"] == window2["current"]["number"] and _leaks(shown) == []
    with connect(url, additional_headers={"Authorization": f"Bearer {display.token}"}) as ws:
        first = json.loads(ws.recv(timeout=5))
    assert first["type"] == "snapshot" and _leaks(first) == []


def test_config_details_stay_with_the_manager(hall_server: HallServer) -> None:
    """A clerk's record (name, PIN change) in a config_changed event reaches displays as 'something changed' only."""
    hs = hall_server
    start = hs.manager.snapshot()["seq"]
    hs.add_clerk("1099", name="王秘密")
    end = hs.manager.snapshot()["seq"]
    events = list(hs.display().events_after(start, timeout=5, until=end))
    changed = [e for e in events if e["kind"] == "config_changed"]
    assert changed and all("王秘密" not in json.dumps(e, ensure_ascii=False) for e in changed)
    assert all(set(e["data"]) == {"what"} for e in changed)
