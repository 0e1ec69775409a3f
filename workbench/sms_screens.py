"""Regenerate docs/manager-sms.png: the manager console's 短信 tab over a morning's outbox
(a developer tool, not part of the console)::

    QT_QPA_PLATFORM=offscreen python -m workbench.sms_screens [docs]

A hall server runs in-process on a fixed Tuesday; two citizens book (confirmation now, reminders
pending), five ticket holders give a number at the kiosk, window 2 calls through the A queue, and
the sender (server.notify) sends through a scripted gateway: one number's provider always refuses
(given up after three tries), one message fails once (retrying), the rest are sent.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from hall.sms import SmsSettings
from server.client import HallClient
from server.notify.gateways import GatewayError, Sms
from server.notify.sender import NotifySender
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until
from ui.theme import apply_theme

REFUSED = "13800000000"  # an empty number at the provider: every try refused


class ScriptedGateway:
    def __init__(self) -> None:
        self.failed_once: set[str] = set()

    def send(self, sms: Sms) -> None:
        if sms.phone == REFUSED:
            raise GatewayError("HTTP 400: 号码无效 invalid number")
        if sms.kind == "called" and sms.request_id not in self.failed_once:
            self.failed_once.add(sms.request_id)
            raise GatewayError("ReadTimeout: timed out")


def main(argv: list[str] | None = None) -> int:
    from manager.app import create_window
    from manager.window import ManagerWindow

    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "docs")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    clock = FakeClock(datetime(2026, 11, 17, 1, 0, tzinfo=UTC))  # 09:00 in the hall
    with tempfile.TemporaryDirectory() as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            enroll = hall.store.enroll_device
            manager = HallClient(server.url, enroll(None, hall.hall_id, "manager", "值班长")["token"])
            kiosk = HallClient(server.url, enroll(None, hall.hall_id, "kiosk", "取号机1")["token"])
            counter = HallClient(server.url, enroll(None, hall.hall_id, "counter", "2号窗口", 2)["token"])
            clerk = HallClient(server.url, counter.login("1002", "1002")["token"])
            store = hall.store
            for phone, day in (("13812345678", date(2026, 11, 18)), ("13987654321", date(2026, 11, 17))):
                request = store.request_booking(hall.hall_id, "C02", day, "1400", "张三", phone)
                store.verify_booking(hall.hall_id, request["request"], request["verify_code"])
            tickets = [kiosk.issue("A") for _ in range(8)]
            for ticket, phone in zip(tickets[3:], ("13700001111", REFUSED, "15012348888", "18666660000", "13511112222"), strict=True):
                kiosk.notify_phone(ticket["id"], phone)
                clock.advance(20)
            sender = NotifySender(store, ScriptedGateway(), SmsSettings(max_attempts=3), erase_every=3600)
            for _ in range(5):
                clerk.call_next(2)
                clerk.start(2)
                clock.advance(240)
                clerk.finish(2, "immediate")
                sender.run_once()
                clock.advance(30)
            sender.run_once()
            window = create_window(server.url, manager.token or "")
            assert isinstance(window, ManagerWindow)
            window.resize(1600, 1000)
            window.show()
            wait_until(app, lambda: bool(window.snapshot.get("windows")))
            window.tabs.setCurrentWidget(window.sms_page)
            wait_until(app, lambda: window.sms_page.table.rowCount() > 0)
            given_up = next(r for r, row in enumerate(window.sms_page.rows) if row["status"] == "given_up")
            window.sms_page.table.selectRow(given_up)
            wait_until(app, lambda: window.sms_page.resend_button.isEnabled())
            window.grab().save(str(out / "manager-sms.png"))
            window.close()
        finally:
            server.stop()
            hall.engines.dispose()
    print(f"saved {out / 'manager-sms.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
