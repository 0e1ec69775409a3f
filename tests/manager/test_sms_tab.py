"""The console's 短信 tab against a live server: the business day's outbox with masked numbers,
resend enabled only for a given-up message, and a resend queues it again."""

from __future__ import annotations

from typing import Any

from hall.sms import SmsSettings
from manager.app import create_window
from manager.window import ManagerWindow
from server.notify.gateways import GatewayError, Sms
from server.notify.sender import NotifySender
from tests.counter.live import LiveHall, wait_for


class Refusing:
    def send(self, sms: Sms) -> None:
        raise GatewayError("HTTP 500: 网关故障")


def test_sms_tab_lists_the_outbox_masked_and_resends_a_given_up_message(qtbot: Any, live: LiveHall) -> None:
    kiosk = live.client("kiosk")
    tickets = [live.issue("A", advance=30) for _ in range(2)]
    kiosk.notify_phone(tickets[1]["id"], "13912345678")
    sender = NotifySender(live.hall.store, Refusing(), SmsSettings(max_attempts=1), erase_every=3600)
    sender._last_erase = 1e18
    sender.run_once()
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    window.tabs.setCurrentWidget(window.sms_page)
    page = window.sms_page
    wait_for(qtbot, lambda: page.table.rowCount() == 1)
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[1:6] == ["即将到号 turn coming", "139****5678", "已放弃 given up", "1", "HTTP 500: 网关故障"]
    assert "13912345678" not in " ".join(cells)
    assert not page.resend_button.isEnabled()
    page.table.selectRow(0)
    assert page.resend_button.isEnabled()
    page.resend_button.click()
    wait_for(qtbot, lambda: page.rows and page.rows[0]["status"] == "pending")
    assert page.table.item(0, 3).text() == "待发送 pending" and not page.resend_button.isEnabled()
