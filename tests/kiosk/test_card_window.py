"""The kiosk with a (fake) ID card reader and a keyboard-wedge QR scanner on a real hall server:
a card checks in its holder's booking, else takes a walk-in number under 一人一号 (a second try is
refused naming the ticket held), a QR scan checks in from any page, slow typing keeps Enter, the
reader's health joins the heartbeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from db.common import Actor
from db.identity import Person
from hall.identity import id_hash, mask_id
from hardware.idcard.fakes import sample_card
from kiosk.flow import Step
from tests.kiosk.conftest import HallServer
from tests.kiosk.test_window import button, click

TIMEOUT = 10_000


def swipe(qtbot: Any, window: Any, seq: int = 123) -> None:
    assert window.card_reader.swipe_sample(seq)
    qtbot.waitUntil(lambda: window.flow.step is not Step.CHECK_IN or not window.flow.in_flight, timeout=TIMEOUT)


def ready(qtbot: Any, make_kiosk: Any) -> Any:
    window = make_kiosk(idcard_url="idcard:fake:")
    qtbot.waitUntil(lambda: window.card_reader.has_key, timeout=TIMEOUT)
    return window


def walk_in(qtbot: Any, window: Any, series: str) -> None:
    click(qtbot, window.category_buttons[series])
    if window.flow.step is Step.ITEMS:
        click(qtbot, button(window, "skip-items"))
    click(qtbot, window.confirm_button)


def test_a_card_without_a_booking_takes_one_number_per_person(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = ready(qtbot, make_kiosk)
    number = sample_card(123).id_number
    window.card_reader.swipe_sample(123)
    qtbot.waitUntil(lambda: window.flow.step is Step.HOME and window.flow.holder is not None, timeout=TIMEOUT)
    assert mask_id(number) in window.flow.message.zh and "一人一号" in window.flow.message.zh
    walk_in(qtbot, window, "A")
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    first = window.flow.ticket["number"]
    click(qtbot, button(window, "finish"))
    # A citizen lifts the card before laying it on again; the reader counts the same card anew
    # only once a poll saw it gone (a swipe before that poll is the card still lying there).
    qtbot.waitUntil(lambda: not window.card_reader.reader.card_on_reader, timeout=TIMEOUT)
    window.card_reader.swipe_sample(123)                 # the same citizen again
    qtbot.waitUntil(lambda: window.flow.step is Step.HOME and window.flow.holder is not None, timeout=TIMEOUT)
    walk_in(qtbot, window, "A")
    qtbot.waitUntil(lambda: window.flow.step is Step.CONFIRM and window.flow.message is not None, timeout=TIMEOUT)
    assert first in window.flow.message.zh and first in window.flow.message.en and "一人一号" in window.flow.message.zh
    assert hall_server.ticket_count() == 1
    states = window.device_states()
    assert states["idcard"]["state"] == "ok"


def test_a_card_checks_in_the_holders_booking(qtbot: Any, make_kiosk: Any, hall_server: HallServer, clock: Any) -> None:
    window = ready(qtbot, make_kiosk)
    number = sample_card(7).id_number
    key = hall_server.client().id_key()
    manager = Actor(hall_id=hall_server.hall.hall_id, role="manager", name="test")
    person = Person(id_hash(key, number), mask_id(number))
    booking = hall_server.hall.store.add_appointment(manager, "C", clock.now() + timedelta(minutes=20), person=person)
    window.card_reader.swipe_sample(7)
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    ticket = window.flow.ticket
    assert ticket["booking"]["code"] == booking["code"] and ticket["appointment_at"] is not None


def type_into_window(window: Any, text: str, delay_ms: int = -1) -> None:
    handle = window.windowHandle()
    for ch in text:
        QTest.keyClick(handle, ch, Qt.KeyboardModifier.NoModifier, delay_ms)
    QTest.keyClick(handle, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, delay_ms)


def test_a_qr_scan_checks_in_from_any_page(qtbot: Any, make_kiosk: Any, hall_server: HallServer, clock: Any) -> None:
    manager = Actor(hall_id=hall_server.hall.hall_id, role="manager", name="test")
    booking = hall_server.hall.store.add_appointment(manager, "C", clock.now() + timedelta(minutes=20))
    window = make_kiosk()
    scans: list[str] = []
    window.scanner.scanned.connect(scans.append)
    click(qtbot, window.category_buttons["A"])                # a citizen somewhere in the flow
    assert window.flow.step is not Step.HOME
    window.activateWindow()
    type_into_window(window, booking["code"].lower())
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    assert scans == [booking["code"].lower()] and window.flow.ticket["booking"]["code"] == booking["code"]
    assert hall_server.ticket_count() == 1


def test_slow_typing_is_not_a_scan(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    scans: list[str] = []
    window.scanner.scanned.connect(scans.append)
    window.activateWindow()
    type_into_window(window, "2345", delay_ms=250)              # a person at a keyboard: keys go on as typed
    assert scans == [] and window.flow.step is Step.CHECK_IN and window.flow.code == "2345"
    assert window.flow.message is not None                     # Enter reached the page: "enter the 10-character code"


def test_the_demos_swipe_keys_read_a_made_up_card(qtbot: Any, make_kiosk: Any) -> None:
    from kiosk.card_reader import add_swipe_keys

    window = ready(qtbot, make_kiosk)
    keys = add_swipe_keys(window)
    assert [k.key().toString() for k in keys] == ["F2", "F3"]
    keys[1].activated.emit()
    qtbot.waitUntil(lambda: window.flow.holder is not None and not window.flow.in_flight, timeout=TIMEOUT)
    assert window.flow.holder.id_masked == mask_id(sample_card(124).id_number)
    assert add_swipe_keys(make_kiosk()) == []   # no reader: no keys
