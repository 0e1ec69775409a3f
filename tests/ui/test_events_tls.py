"""ui.events over WSS: Qt's WebSocket trusts only the pinned hall CA, like the HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.client import HallClient
from server.tls import forget_pins, pin_server
from tests.support.tls import TlsHall
from ui.events import EventStream


@pytest.fixture
def tls_hall(tmp_path: Path) -> Iterator[TlsHall]:
    forget_pins()
    hall = TlsHall(tmp_path)
    try:
        yield hall
    finally:
        hall.close()
        forget_pins()


def test_the_stream_connects_over_wss_with_the_pinned_ca(qtbot, tls_hall: TlsHall) -> None:
    pin_server(tls_hall.url, tls_hall.fingerprint)
    stream = EventStream(tls_hall.url, tls_hall.token("display"))
    snapshots: list[dict] = []
    events: list[dict] = []
    stream.snapshot_received.connect(snapshots.append)
    stream.event_received.connect(events.append)
    stream.start()
    qtbot.waitUntil(lambda: bool(snapshots), timeout=10_000)
    assert stream.connected
    kiosk = HallClient(tls_hall.url, tls_hall.token("kiosk"))
    ticket = kiosk.issue("C")
    kiosk.close()
    qtbot.waitUntil(lambda: ticket["number"] in str(events), timeout=10_000)
    stream.stop()


def test_a_wrong_pin_never_opens_the_socket(qtbot, tls_hall: TlsHall) -> None:
    pin_server(tls_hall.url, "SHA256:" + ":".join(["01"] * 32))
    stream = EventStream(tls_hall.url, tls_hall.token("display"))
    refused: list[tuple[str, str]] = []
    stream.trust_failed.connect(lambda zh, en: refused.append((zh, en)))
    stream.start()
    qtbot.waitUntil(lambda: bool(refused), timeout=5_000)
    assert "指纹" in refused[0][0] and "fingerprint" in refused[0][1]
    assert not stream.connected
    stream.stop()


def test_without_a_pin_the_hall_ca_is_not_trusted(qtbot, tls_hall: TlsHall) -> None:
    stream = EventStream(tls_hall.url, tls_hall.token("display"))
    snapshots: list[dict] = []
    stream.snapshot_received.connect(snapshots.append)
    stream.start()
    qtbot.wait(1500)
    assert not snapshots and not stream.connected
    stream.stop()


def test_programs_refuse_plain_http_off_this_machine_and_bad_fingerprints(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.app import main as kiosk_main

    with pytest.raises(SystemExit):
        kiosk_main(["--server", "http://192.0.2.10:8760", "--token", "t"])
    assert "明文" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        kiosk_main(["--server", "https://192.0.2.10:8760", "--token", "t", "--ca-fingerprint", "not-a-hash"])
    err = capsys.readouterr().err
    assert "CA 指纹" in err and "SHA-256" in err
