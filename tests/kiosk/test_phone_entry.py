"""短信提醒 at the kiosk: the keypad state (hall.booking's phone rule, bilingual errors) and the
dialog on the ticket page against a real server — the number reaches the outbox hashed and masked,
and the kiosk keeps nothing once it is sent."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton
from sqlalchemy import select

from db.models import NotifyContact
from kiosk.phone_entry import PhoneDialog, PhoneEntry
from tests.kiosk.conftest import HallServer
from tests.kiosk.test_window import TIMEOUT, button, click, take_ticket


def test_phone_entry_state() -> None:
    entry = PhoneEntry(7)
    for digit in "1291234567890x":
        entry.key(digit)
    assert entry.digits == "12912345678" and entry.shown() == "129 1234 5678"  # 11 digits at most, letters ignored
    assert entry.submit() is None and entry.error is not None and "11 位" in entry.error[0] and "11-digit" in entry.error[1]
    entry.clear()
    for digit in "1391234":
        entry.key(digit)
    assert entry.shown() == "139 1234 ____"
    entry.backspace()
    assert entry.digits == "139123"
    for digit in "45678":
        entry.key(digit)
    assert entry.submit() == "13912345678" and entry.sending
    entry.key("9")
    assert entry.digits == "13912345678"  # nothing typed while sending
    entry.accepted({"phone": "139****5678"})
    assert entry.digits == "" and entry.done == "139****5678"


def test_the_ticket_page_takes_a_number_for_sms_alerts(qtbot: Any, make_kiosk: Any, hall_server: HallServer) -> None:
    window = make_kiosk()
    take_ticket(qtbot, window)
    click(qtbot, button(window, "sms-signup"))
    dialog = window.phone_dialog
    assert isinstance(dialog, PhoneDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)

    def press(name: str) -> None:
        key = dialog.findChild(QPushButton, name)
        assert key is not None and key.isEnabled(), name
        key.click()

    for digit in "12012345678":  # 120... is no mobile number: refused here, with the reason
        press(f"phone-key-{digit}")
    press("phone-ok")
    message = dialog.findChild(QLabel, "phone-message")
    assert "手机号码" in message.text() and "mobile number" in message.text()
    press("phone-key-clear")
    for digit in "13912345678":
        press(f"phone-key-{digit}")
    assert dialog.findChild(QLabel, "phone-number").text() == "139 1234 5678"
    press("phone-ok")
    qtbot.waitUntil(lambda: dialog.entry.done == "139****5678", timeout=TIMEOUT)
    assert dialog.findChild(QLabel, "phone-number").text() == "✓ 139****5678" and dialog.entry.digits == ""
    with hall_server.hall.engines.write.connect() as connection:
        (row,) = connection.execute(select(NotifyContact)).all()
    assert row.ticket_id == window.flow.ticket["id"] and row.phone_masked == "139****5678" and len(row.phone_hash) == 64
    press("phone-ok")  # 完成
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=TIMEOUT)
