"""The enrol form shows what a new device is started with besides its token: the server and the
hall CA fingerprint this console pinned (issue 15)."""

from __future__ import annotations

from manager.devices_tab import device_settings
from server.tls import forget_pins, pin_server


def test_the_console_hands_on_its_own_pin() -> None:
    try:
        pin_server("https://hall.example:8760", "SHA256:" + ":".join(["AB"] * 32))
        assert device_settings("https://hall.example:8760") == "--server https://hall.example:8760 --ca-fingerprint SHA256:" + ":".join(["AB"] * 32)
        assert device_settings("http://127.0.0.1:8760") == "--server http://127.0.0.1:8760"
    finally:
        forget_pins()
