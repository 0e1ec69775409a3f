"""ui.heartbeat against the real server: beats arrive, a change is sent at once, a dead server
is no error for the program."""

from __future__ import annotations

from server.client import HallClient
from tests.counter.live import LiveHall, live, live_template  # noqa: F401 - fixtures
from ui.heartbeat import Heartbeat


def test_beats_reach_the_server_and_changes_go_at_once(qtbot, live: LiveHall) -> None:  # noqa: F811
    client = live.client("kiosk")
    state = {"printer": {"state": "ok", "detail": ""}}
    beat = Heartbeat(lambda: client, lambda: {k: dict(v) for k, v in state.items()}, interval_seconds=60)
    beat.start()
    qtbot.waitUntil(lambda: len(beat.sent) == 1, timeout=5_000)
    state["printer"] = {"state": "paper_out", "detail": "缺纸"}
    beat.changed()
    beat.changed()   # asked twice while one is out: sent once more, not lost, not doubled
    qtbot.waitUntil(lambda: beat.sent and beat.sent[-1]["printer"]["state"] == "paper_out", timeout=5_000)
    kiosk = next(d for d in live.hall.store.devices(live.hall.hall_id) if d["role"] == "kiosk")
    assert kiosk["health"]["printer"]["state"] == "paper_out"
    beat.stop()


def test_an_unreachable_server_is_not_an_error(qtbot) -> None:
    beat = Heartbeat(lambda: HallClient("http://127.0.0.1:9", "t", timeout=0.5), lambda: {}, interval_seconds=60)
    beat.start()
    qtbot.waitUntil(lambda: not beat._in_flight, timeout=5_000)
    assert beat.sent == []
    beat.stop()
