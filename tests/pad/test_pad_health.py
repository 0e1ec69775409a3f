"""The rating pad's heartbeat: an on-screen pad says it is alive; a pad with a serial rater
reports the rater's link (hall.devices)."""

from __future__ import annotations

from pad.app import create_window
from tests.counter.live import LiveHall


def _pad(live: LiveHall) -> dict:  # type: ignore[type-arg]
    return next(d for d in live.hall.store.devices(live.hall.hall_id) if d["role"] == "pad")


def test_a_pad_reports_it_is_alive_and_its_rater(qtbot, live: LiveHall) -> None:
    window = create_window(live.url, live.token("pad", 3), 3, rater_url="loop://")
    live.widgets.append(window)
    qtbot.waitUntil(lambda: _pad(live)["last_seen_at"] is not None, timeout=10_000)
    qtbot.waitUntil(lambda: _pad(live)["health"].get("rater", {}).get("state") == "ok", timeout=10_000)
