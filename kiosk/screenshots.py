"""Regenerate the kiosk screenshots in docs/ (a developer tool, not part of the kiosk).

Starts a hall server in-process on a fixed Tuesday morning, puts some citizens in the queues and
clerks at the windows, drives the kiosk through its pages and saves ``widget.grab()`` of each::

    QT_QPA_PLATFORM=offscreen python -m kiosk.screenshots [docs]

Three scenes, in order: Tuesday 10:00 with nobody logged in at windows 17 and 19, so 社会事务 (H)
has people waiting and no window serving it (the "unserved" shots); the same morning with every
open window staffed (the everyday shots); Friday 21:00, closed until a bookings-only Saturday
(the "closed" shots, including browse-only materials).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until
from ui.voice_player import RecordingPlayer

TUESDAY_MORNING = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # 10:00 Asia/Shanghai
FRIDAY_NIGHT = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 21:00: next opening Saturday, bookings only
LATE_WINDOWS = (17, 19)  # the windows serving H: their clerks log in after the "unserved" shots

# (file name, portrait, language, page); pages: home, items, materials, confirm, done, fault, priority, check_in
UNSERVED_SHOTS = [
    ("kiosk-unserved-zh", False, "zh", "home"),
    ("kiosk-confirm-unserved-zh", False, "zh", "confirm-H"),
]
EVERYDAY_SHOTS = [
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
# 大字/长者模式, every screen of the flow, and 高对比度 ("large:", "hc:" before the page)
LARGE_SHOTS = [
    ("kiosk-large-home-zh", False, "zh", "large:home"),
    ("kiosk-large-home-page2-zh", False, "zh", "large:home-next"),
    ("kiosk-large-priority-zh", False, "zh", "large:priority"),
    ("kiosk-large-items-zh", False, "zh", "large:items"),
    ("kiosk-large-materials-zh", False, "zh", "large:materials"),
    ("kiosk-large-confirm-zh", False, "zh", "large:confirm"),
    ("kiosk-large-done-zh", False, "zh", "large:done"),
    ("kiosk-large-check-in-zh", False, "zh", "large:check_in"),
    ("kiosk-large-home-en", False, "en", "large:home"),
    ("kiosk-large-home-portrait-zh", True, "zh", "large:home"),
    ("kiosk-large-items-portrait-zh", True, "zh", "large:items"),
    ("kiosk-large-hc-home-zh", False, "zh", "large+hc:home"),
    ("kiosk-large-hc-materials-zh", False, "zh", "large+hc:materials"),
    ("kiosk-hc-home-zh", False, "zh", "hc:home"),
    ("kiosk-hc-done-zh", False, "zh", "hc:done"),
]
CLOSED_SHOTS = [
    ("kiosk-closed-zh", False, "zh", "home"),
    ("kiosk-closed-en", False, "en", "home"),
    ("kiosk-closed-browse-zh", False, "zh", "materials"),
    ("kiosk-closed-portrait-zh", True, "zh", "home"),
]


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="hallq-kiosk-shots-"))
    clock = FakeClock(TUESDAY_MORNING)
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=clock)
    server = ServerThread(hall.store).start()
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "k1")["token"]
    seeder = HallClient(server.url, token)
    for series, count in (("A", 4), ("B", 9), ("C", 14), ("D", 6), ("E", 2), ("F", 11), ("G", 3), ("H", 5)):
        for _ in range(count):
            seeder.issue(series)

    def log_in(windows: list[int]) -> None:
        for number in windows:  # the sample hall's clerk at window n is staff number 1000+n, PIN the same
            counter = hall.store.enroll_device(None, hall.hall_id, "counter", f"c{number}", number)["token"]
            HallClient(server.url, counter).login(str(1000 + number), str(1000 + number))

    try:
        log_in([n for n in range(1, 20) if n not in LATE_WINDOWS])
        shoot(app, out, work, server.url, token, UNSERVED_SHOTS)
        log_in(list(LATE_WINDOWS))
        shoot(app, out, work, server.url, token, EVERYDAY_SHOTS)
        shoot(app, out, work, server.url, token, LARGE_SHOTS)
        clock.set(FRIDAY_NIGHT)
        shoot(app, out, work, server.url, token, CLOSED_SHOTS)
    finally:
        server.stop()
    return 0


def shoot(app: QApplication, out: Path, work: Path, url: str, token: str, shots: list[tuple[str, bool, str, str]]) -> None:
    from kiosk.app import create_window
    from kiosk.flow import Step
    from kiosk.large_pages import CHOICES_PER_PAGE

    for name, portrait, language, shot in shots:
        modes, _, page = shot.rpartition(":")
        printer = "fake://?condition=paper_out" if page == "fault" else f"preview://{work / 'tickets'}"
        window: Any = create_window(
            url, token, printer, language=language, portrait=portrait, voice_url=f"record://{work / 'voice'}", player=RecordingPlayer()
        )
        window.show()
        flow = window.flow
        wait_until(app, lambda flow=flow: bool(flow.categories))
        if "large" in modes:
            window._toggle_large_text()
        if "hc" in modes:
            window._toggle_high_contrast()
        if page == "home-next":
            window._intent(lambda flow=flow: flow.page_choices(True, len(flow.categories), CHOICES_PER_PAGE))()
        series = page.partition("-")[2] if page.startswith("confirm-") else "C"
        if page in ("items", "materials", "confirm", "done", "fault", "confirm-H"):
            window._intent(lambda flow=flow, series=series: flow.choose_category(series))()
        if page == "confirm-H":
            window._intent(flow.skip_items)()
        if page in ("materials", "confirm", "done", "fault"):
            window._intent(lambda flow=flow: flow.choose_item(flow.items()[0]["code"]))()
        if page in ("confirm", "done", "fault"):
            window._intent(flow.accept_materials)()
        if page in ("done", "fault"):
            window._confirm()
            wait_until(app, lambda flow=flow: flow.step is Step.DONE)
        if page == "priority":
            window._intent(flow.start_priority)()
        if page == "check_in":
            for digit in "2024":
                window._intent(lambda d=digit, flow=flow: flow.key_digit(d))()
        for _ in range(10):
            app.processEvents()
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")
        window.close()
        window.deleteLater()
        app.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
