"""The hall display's heartbeat (hall.devices): its voice's state reaches the manager's device list."""

from __future__ import annotations

from pathlib import Path

from tests.counter.live import LiveHall
from tests.display.test_display import open_display


def _display_health(live: LiveHall) -> dict:  # type: ignore[type-arg]
    device = next(d for d in live.hall.store.devices(live.hall.hall_id) if d["role"] == "display")
    return device["health"]


def test_the_display_reports_its_voice(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    display = open_display(live, windows, tmp_path)
    qtbot.waitUntil(lambda: _display_health(live).get("voice", {}).get("state") == "ok", timeout=10_000)
    display.voice.warning = "语音引擎无响应 / the voice engine does not answer"  # what VoiceController sets on a failure
    display._voice_status(display.voice.warning)
    qtbot.waitUntil(lambda: _display_health(live).get("voice", {}).get("state") == "failing", timeout=10_000)
    assert "语音引擎" in _display_health(live)["voice"]["detail"]


def test_a_window_screen_without_devices_still_says_it_is_alive(qtbot, live: LiveHall, windows, tmp_path: Path) -> None:
    open_display(live, windows, tmp_path, mode="window", window_number=5, voice_url=None)
    qtbot.waitUntil(
        lambda: next(d for d in live.hall.store.devices(live.hall.hall_id) if d["role"] == "display")["last_seen_at"] is not None,
        timeout=10_000,
    )
