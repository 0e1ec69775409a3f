"""Regenerate the kiosk screenshots in docs/ (a developer tool, not part of the kiosk).

Starts a hall server in-process on a fixed Tuesday morning, puts some citizens in the queues, drives
the kiosk through its pages and saves ``widget.grab()`` of each::

    QT_QPA_PLATFORM=offscreen python -m kiosk.screenshots [docs]
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
from ui.screenshots import wait_until


def main(argv: list[str] | None = None) -> int:
    from kiosk.app import create_window
    from kiosk.flow import Step

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="hallq-kiosk-shots-"))
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC)))
    server = ServerThread(hall.store).start()
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "k1")["token"]
    seeder = HallClient(server.url, token)
    for series, count in (("A", 4), ("B", 9), ("C", 14), ("D", 6), ("E", 2), ("F", 11), ("G", 3)):
        for _ in range(count):
            seeder.issue(series)
    try:
        shots = [
            ("kiosk-home-zh", False, "zh", "home"),
            ("kiosk-home-en", False, "en", "home"),
            ("kiosk-items-zh", False, "zh", "items"),
            ("kiosk-materials-zh", False, "zh", "materials"),
            ("kiosk-confirm-zh", False, "zh", "confirm"),
            ("kiosk-done-zh", False, "zh", "done"),
            ("kiosk-printer-fault-zh", False, "zh", "fault"),
            ("kiosk-priority-zh", False, "zh", "priority"),
            ("kiosk-check-in-zh", False, "zh", "check_in"),
            ("kiosk-home-portrait-zh", True, "zh", "home"),
            ("kiosk-done-portrait-zh", True, "zh", "done"),
        ]
        for name, portrait, language, page in shots:
            printer = "fake://?condition=paper_out" if page == "fault" else f"preview://{work / 'tickets'}"
            window = create_window(server.url, token, printer, language=language, portrait=portrait)
            window.show()
            flow = window.flow  # type: ignore[attr-defined]
            wait_until(app, lambda flow=flow: bool(flow.categories))
            if page in ("items", "materials", "confirm", "done", "fault"):
                window._intent(lambda flow=flow: flow.choose_category("C"))()  # type: ignore[attr-defined]
            if page in ("materials", "confirm", "done", "fault"):
                window._intent(lambda flow=flow: flow.choose_item(flow.items()[0]["code"]))()  # type: ignore[attr-defined]
            if page in ("confirm", "done", "fault"):
                window._intent(flow.accept_materials)()  # type: ignore[attr-defined]
            if page in ("done", "fault"):
                window._confirm()  # type: ignore[attr-defined]
                wait_until(app, lambda flow=flow: flow.step is Step.DONE)
            if page == "priority":
                window._intent(flow.start_priority)()  # type: ignore[attr-defined]
            if page == "check_in":
                for digit in "2024":
                    window._intent(lambda d=digit, flow=flow: flow.key_digit(d))()  # type: ignore[attr-defined]
            for _ in range(10):
                app.processEvents()
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
            window.close()
            window.deleteLater()
            app.processEvents()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
