"""Regenerate docs/manager-attendance.png (and -en): the console's 考勤 page over a played
morning (a developer tool, not part of the console). A hall server runs in-process on a fixed
Tuesday; clerks log in, pause, hand a window over to the B post and back, go to lunch and sign
off, and the manager marks one absent — all through the real API::

    QT_QPA_PLATFORM=offscreen python -m manager.attendance_screenshot [docs]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from manager.attendance_view import AttendanceView
from server.client import ApiError, HallClient
from server.runner import ServerThread, prepare_hall
from ui.connection import ServerConnection
from ui.screenshots import wait_until
from ui.theme import apply_theme

TUESDAY = date(2026, 11, 17)


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    clock = FakeClock(datetime(2026, 11, 17, 0, 52, tzinfo=UTC))  # 08:52 in the hall
    with tempfile.TemporaryDirectory() as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            store, hid = hall.store, hall.hall_id
            token = store.enroll_device(None, hid, "manager", "m1")["token"]
            manager = HallClient(server.url, token)
            counters = {w: HallClient(server.url, store.enroll_device(None, hid, "counter", f"c{w}", w)["token"]) for w in (1, 3, 5)}

            def login(window: int, staff: str, handover: bool = False) -> HallClient:
                return HallClient(server.url, counters[window].login(staff, staff, handover)["token"])

            first, third, fifth = login(1, "1001"), login(3, "1003"), login(5, "1005")
            cover = first

            def wait(minutes: int) -> None:
                """The clock moves on while the clerks at their counters stay active (no idle logout)."""
                for _ in range(minutes // 5):
                    clock.advance(5 * 60)
                    for clerk in {first, third, fifth, cover}:
                        try:
                            clerk.snapshot()
                        except ApiError:  # a clerk who left has no session to keep
                            pass

            wait(50)
            first.pause(1, "会议")
            wait(25)
            first.resume(1)
            wait(20)
            cover = login(1, "1020", handover=True)  # 10:27: the B post covers window 1
            wait(35)
            first = login(1, "1001", handover=True)
            third.pause(3, "培训")
            wait(15)
            third.resume(3)
            manager.set_roster("1017", absent=True, reason="病假")
            wait(80)  # 12:37
            first.logout()
            third.sign_off()
            wait(75)  # 13:52
            first = login(1, "1001")
            fifth.pause(5, "系统故障")
            wait(40)  # 14:32
            for language in ("zh", "en"):
                page = AttendanceView(ServerConnection(server.url, token), language=language)
                page.set_today(TUESDAY)
                page.resize(1600, 520)
                page.show()
                page.query()
                wait_until(app, lambda page=page: page.data is not None)
                page.grab().save(str(out / ("manager-attendance.png" if language == "zh" else "manager-attendance-en.png")))
                page.close()
        finally:
            server.stop()
    print(f"screenshots written to {out}/manager-attendance*.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
