"""Screenshots of the kiosk with an ID card reader and a QR scanner (issue 17), into docs/:

- ``kiosk-idcard-checkin.png``  a card laid on the (fake) reader checks in its holder's booking;
- ``kiosk-idcard-walk-in.png``  a card without a booking today: home, asked to choose a service;
- ``kiosk-one-per-person.png``  the same card asks for a second number in a category: refused,
  naming the number it already holds (一人一号);
- ``kiosk-qr-checkin.png``      a booking's QR scanned (a keyboard-wedge burst) on another page.

The hall server runs in this process on the sample hall, Tuesday 10:00; the card goes through the
fake reader's real frames (``idcard:fake:``). Run::

    QT_QPA_PLATFORM=offscreen python -m workbench.kiosk_idcard_screens [docs]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from db.common import Actor
from db.identity import Person
from hall.clock import FakeClock
from hall.identity import id_hash, mask_id
from hardware.idcard.fakes import sample_card
from kiosk.flow import Step
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until
from ui.voice_player import RecordingPlayer

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall
BOOKED_CARD, WALK_IN_CARD = 7, 123


def staffed_hall(work: Path, clock: FakeClock) -> tuple[Any, ServerThread, str, str]:
    """The sample hall served in this process, a few people waiting, every window's clerk logged in;
    returns the hall, its server, a kiosk token and the hall's ID key."""
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=clock)
    server = ServerThread(hall.store).start()
    kiosk = HallClient(server.url, hall.store.enroll_device(None, hall.hall_id, "kiosk", "k1")["token"])
    for series in "AAACCCCCCDD":
        kiosk.issue(series)
    for number in range(1, 20):
        counter = hall.store.enroll_device(None, hall.hall_id, "counter", f"c{number}", number)["token"]
        HallClient(server.url, counter).login(str(1000 + number), str(1000 + number))
    return hall, server, str(kiosk.token), kiosk.id_key()


def main(argv: list[str] | None = None) -> int:
    from kiosk.app import create_window

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hallq-idcard-shots-"))
    clock = FakeClock(START)
    hall, server, token, key = staffed_hall(work, clock)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    manager = Actor(hall_id=hall.hall_id, role="manager", name="截图")
    number = sample_card(BOOKED_CARD).id_number
    hall.store.add_appointment(manager, "C", clock.now() + timedelta(minutes=20), person=Person(id_hash(key, number), mask_id(number)))
    qr_booking = hall.store.add_appointment(manager, "D", clock.now() + timedelta(minutes=30))

    window: Any = create_window(server.url, token, f"preview://{work / 'tickets'}", idcard_url="idcard:fake:",
                                voice_url=f"record://{work / 'voice'}", player=RecordingPlayer())  # fmt: skip
    window.show()
    flow = window.flow
    try:
        wait_until(app, lambda: bool(flow.categories) and window.card_reader.has_key)

        def shot(name: str) -> None:
            for _ in range(10):
                app.processEvents()
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")

        def finish() -> None:
            window._intent(flow.end_session)()

        window.card_reader.swipe_sample(BOOKED_CARD)
        wait_until(app, lambda: flow.step is Step.DONE)
        shot("kiosk-idcard-checkin")
        finish()

        window.card_reader.swipe_sample(WALK_IN_CARD)
        wait_until(app, lambda: flow.step is Step.HOME and flow.holder is not None and not flow.in_flight)
        shot("kiosk-idcard-walk-in")
        window._intent(lambda: flow.choose_category("A"))()
        if flow.step is Step.ITEMS:
            window._intent(flow.skip_items)()
        window._confirm()
        wait_until(app, lambda: flow.step is Step.DONE)
        finish()
        window.card_reader.swipe_sample(WALK_IN_CARD)   # the same citizen, a second number in A
        wait_until(app, lambda: flow.step is Step.HOME and flow.holder is not None and not flow.in_flight)
        window._intent(lambda: flow.choose_category("A"))()
        if flow.step is Step.ITEMS:
            window._intent(flow.skip_items)()
        window._confirm()
        wait_until(app, lambda: flow.step is Step.CONFIRM and flow.message is not None and not flow.in_flight)
        shot("kiosk-one-per-person")
        finish()

        window._intent(lambda: flow.choose_category("C"))()   # someone browsing, then the scanner reads a QR
        window.activateWindow()
        handle = window.windowHandle()
        for ch in qr_booking["code"]:
            QTest.keyClick(handle, ch)
        QTest.keyClick(handle, Qt.Key.Key_Return)
        wait_until(app, lambda: flow.step is Step.DONE)
        shot("kiosk-qr-checkin")
    finally:
        window.shutdown()
        window.close()
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
