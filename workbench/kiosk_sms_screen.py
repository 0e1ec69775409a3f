"""Regenerate the kiosk's 短信提醒 screenshots (a developer tool)::

    QT_QPA_PLATFORM=offscreen python -m workbench.kiosk_sms_screen [docs]

docs/kiosk-sms-ticket.png: the ticket page with its 短信提醒 button; docs/kiosk-sms-keypad.png: the
keypad with a number half typed; docs/kiosk-sms-done.png: after the server took it (masked).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until
from ui.voice_player import RecordingPlayer


def main(argv: list[str] | None = None) -> int:
    from kiosk.app import create_window
    from kiosk.flow import Step

    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "docs")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))  # 10:00 in the hall
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hall = prepare_hall(f"sqlite:///{work}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "取号机1")["token"]
            window: Any = create_window(
                server.url, token, f"preview://{work / 'tickets'}", voice_url=f"record://{work / 'voice'}", player=RecordingPlayer()
            )
            window.show()
            flow = window.flow
            wait_until(app, lambda: bool(flow.categories))
            window._intent(lambda: flow.choose_category("C"))()
            window._intent(lambda: flow.choose_item(flow.items()[0]["code"]))()
            window._intent(flow.accept_materials)()
            window._confirm()
            wait_until(app, lambda: flow.step is Step.DONE)
            window.grab().save(str(out / "kiosk-sms-ticket.png"))
            window._open_sms_signup()
            dialog = window.phone_dialog
            dialog.resize(760, 900)
            for digit in "1391234":
                dialog.entry.key(digit)
            dialog.render()
            wait_until(app, dialog.isVisible)
            dialog.grab().save(str(out / "kiosk-sms-keypad.png"))
            for digit in "5678":
                dialog.entry.key(digit)
            dialog.submit()
            wait_until(app, lambda: bool(dialog.entry.done))
            dialog.grab().save(str(out / "kiosk-sms-done.png"))
            dialog.accept()
            window.close()
        finally:
            server.stop()
            hall.engines.dispose()
    for name in ("kiosk-sms-ticket", "kiosk-sms-keypad", "kiosk-sms-done"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
