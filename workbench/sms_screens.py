"""Regenerate docs/manager-sms.png: the manager console's 短信 tab over a morning's outbox
(a developer tool, not part of the console)::

    QT_QPA_PLATFORM=offscreen python -m workbench.sms_screens [docs]

A hall server runs in-process on a fixed Tuesday; two citizens book (confirmation now, reminders
pending), five ticket holders give a number at the kiosk, window 2 calls through the A queue, and
the sender (server.notify) sends through a scripted gateway: one number's provider always refuses
(given up after three tries), one message fails once (retrying), the rest are sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from hall.sms import SmsSettings
from server.notify.gateways import GatewayError, Sms
from server.notify.sender import NotifySender
from ui.screenshots import screenshot_hall, wait_until

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

    with screenshot_hall(argv, datetime(2026, 11, 17, 1, 0, tzinfo=UTC)) as shot:
        app, out, clock, hall, store = shot.app, shot.out, shot.clock, shot.hall, shot.hall.store
        manager, kiosk = shot.enroll("manager", "值班长"), shot.enroll("kiosk", "取号机1")
        counter = shot.enroll("counter", "2号窗口", 2)
        clerk = counter.with_token(counter.login("1002", "1002")["token"])
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
        window = create_window(shot.server.url, manager.token or "")
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
    print(f"saved {out / 'manager-sms.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
