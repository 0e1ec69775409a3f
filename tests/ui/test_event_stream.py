"""ui.events.EventStream against the real server's close codes (server.events): told it is too far
behind (4408) it resumes at once from its last seq and misses nothing; revoked (4401) it stops
knocking with a dead token and says so; a bad after= (4400) starts over from a snapshot."""

from __future__ import annotations

from typing import Any

from tests.counter.live import LiveHall, live, live_template  # noqa: F401 - fixtures
from ui.events import EventStream


def _stream(live: LiveHall, token: str) -> tuple[EventStream, list[dict[str, Any]], list[dict[str, Any]]]:  # noqa: F811
    stream = EventStream(live.url, token)
    snapshots: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    stream.snapshot_received.connect(snapshots.append)
    stream.event_received.connect(events.append)
    return stream, snapshots, events


def test_told_to_resume_it_reconnects_from_its_last_seq(qtbot, live: LiveHall) -> None:  # noqa: F811
    hub = live.server.app.state.hub
    stream, snapshots, events = _stream(live, live.token("display"))
    stream.start()
    qtbot.waitUntil(lambda: len(snapshots) == 1 and stream.connected, timeout=5_000)
    start = stream.last_seq
    hub.queue_limit = 3  # the next subscription holds only three events
    stream._socket.close()  # reconnect (with after=start) under the small limit
    qtbot.waitUntil(lambda: stream.connected and hub.subscriber_count == 1, timeout=5_000)
    hub.queue_limit = 10_000
    live.hall.store.write(live.hall.hall_id, lambda uow: [uow.emit("test_burst", n=n) for n in range(20)])
    qtbot.waitUntil(lambda: stream.last_seq == start + 20, timeout=10_000)
    assert [e["seq"] for e in events] == list(range(start + 1, start + 21)), "every event once, in order"
    assert len(snapshots) == 1, "resumed with after=, no new snapshot"
    stream.stop()


def test_a_revoked_token_is_refused_and_not_retried_at_once(qtbot, live: LiveHall) -> None:  # noqa: F811
    enrolled = live.hall.store.enroll_device(None, live.hall.hall_id, "display", "screen", None)
    stream, snapshots, _events = _stream(live, enrolled["token"])
    stream.start()
    qtbot.waitUntil(lambda: len(snapshots) == 1 and stream.connected, timeout=5_000)
    live.client("manager").revoke(enrolled["device_id"])
    qtbot.waitUntil(lambda: not stream.connected, timeout=5_000)
    assert stream.refused
    assert stream._retry.remainingTime() > EventStream.MAX_BACKOFF_MS
    stream.stop()


def test_a_bad_after_starts_over_from_a_snapshot(qtbot, live: LiveHall) -> None:  # noqa: F811
    stream, snapshots, _events = _stream(live, live.token("display"))
    stream.last_seq = 10**30  # e.g. a seq from another, bigger database
    stream.start()
    qtbot.waitUntil(lambda: len(snapshots) == 1, timeout=10_000)
    assert stream.last_seq == snapshots[0]["seq"]
    stream.stop()
