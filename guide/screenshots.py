"""Regenerate the guide desk screenshot in docs/ (a developer tool, not part of the desk).

Starts a hall server in-process on a fixed Tuesday morning, fills the queues, has a window miss
a citizen, then drives the guide desk: a 代办 number for an elderly citizen, the missed ticket
looked up, and saves ``widget.grab()``::

    QT_QPA_PLATFORM=offscreen python -m guide.screenshots [docs]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui import theme
from ui.screenshots import wait_until


def main(argv: list[str] | None = None) -> int:
    from guide.app import create_window

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    work = Path(tempfile.mkdtemp(prefix="hallq-guide-shots-"))
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=clock)
    server = ServerThread(hall.store).start()

    def token(role: str, name: str, window: int | None = None) -> str:
        return str(hall.store.enroll_device(None, hall.hall_id, role, name, window)["token"])

    try:
        kiosk = HallClient(server.url, token("kiosk", "kiosk"))
        missed = kiosk.issue("A")
        clerk_counter = HallClient(server.url, token("counter", "counter 1", 1))
        clerk = clerk_counter.with_token(clerk_counter.login("1001", "1001")["token"])
        clerk.call_next(1)
        clerk.no_show(1)
        for series, count in (("A", 4), ("B", 7), ("C", 2)):
            for _ in range(count):
                kiosk.issue(series)
                clock.advance(90)
        clock.advance(20 * 60)

        window = create_window(server.url, token("guide", "导办台1"), "dummy://")
        window.resize(1100, 760)
        window.show()
        wait_until(app, lambda: window.item_list.count() > 0 and window.waits.rowCount() > 0)
        window.search.setText("社保")
        if window.item_list.count() == 0:
            window.search.setText("")
        window.priority.setCurrentIndex(window.priority.findData("elderly"))
        window.assist_buttons["proxy"].setChecked(True)
        issued: list[dict[str, object]] = []
        window.issued.connect(issued.append)
        window.issue()
        wait_until(app, lambda: bool(issued))
        window.priority.setCurrentIndex(window.priority.findData("elderly"))
        window.assist_buttons["proxy"].setChecked(True)
        window.lookup_number.setText(str(missed["number"]))
        found: list[dict[str, object]] = []
        window.found.connect(found.append)
        window.look_up()
        wait_until(app, lambda: bool(found) and window.waits.rowCount() > 0)
        window.grab().save(str(out / "guide-desk.png"))
        print(out / "guide-desk.png")
        window.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
