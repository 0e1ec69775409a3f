"""Regenerate the manager console screenshots in docs/ (a developer tool, not part of the console).

Starts a hall server in-process on a fixed Tuesday morning, issues about 40 tickets, logs clerks
in at most windows (windows 1, 2, 10 and 14 stay open with nobody at them, so 投资建设项目 has
people waiting and no staffed window), calls and serves some, pauses a window and leaves two 差评;
the devices report their health (a kiosk printer out of paper, another low, a display that went
silent). It then saves ``widget.grab()`` of the console at 1600×1000 on its live, reallocation,
recommendation, alerts, follow-up, devices, audit and settings tabs. The
reports tab (manager-reports.png and -en) and the staffing plan (manager-staffing.png) are shot over a second hall holding seven weeks of
simulated history (workbench/history/seed.py: the hall-day simulator through the store's own rows)::

    QT_QPA_PLATFORM=offscreen python -m manager.screenshots [docs]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from hall.config import SAMPLE_HALL_PATH
from hall.reports import Dimension
from manager.report_rules import Period
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.screenshots import screenshot_hall, wait_until

HISTORY_DAYS = 49  # seven weeks up to the day before the one shown: this month and last month have figures
HISTORY_END = date(2026, 11, 16)
HISTORY_PER_DAY = 700  # a busy county centre: waits of a few minutes, a long tail at the peaks (DOMAIN.md)
# (series, how many) — a morning with a real-estate rush and a busy 户籍 queue
TICKETS = [("C", 12), ("G", 9), ("B", 5), ("D", 5), ("A", 3), ("E", 3), ("F", 2), ("H", 1), ("J", 2)]
CLERKS = {  # windows 10 and 14 have no clerk; window 1's and 2's log out after the morning's 差评
    1: "1001",
    2: "1002",
    3: "1003",
    4: "1004",
    5: "1005",
    6: "1006",
    7: "1007",
    8: "1008",
    9: "1009",
    11: "1011",
    12: "1012",
    13: "1013",
    15: "1015",
    16: "1016",
    17: "1017",
    18: "1018",
    19: "1019",
    20: "1020",
}


def main(argv: list[str] | None = None) -> int:
    from manager.app import create_window
    from manager.window import ManagerWindow

    with screenshot_hall(argv, datetime(2026, 11, 17, 1, 0, tzinfo=UTC)) as shot:
        app, out, clock = shot.app, shot.out, shot.clock
        manager = shot.enroll("manager", "值班长")
        kiosk = shot.enroll("kiosk", "取号机1")
        kiosk2 = shot.enroll("kiosk", "取号机2")
        display = shot.enroll("display", "大厅主屏")
        display2 = shot.enroll("display", "二楼屏")
        display2.heartbeat({"voice": {"state": "ok", "detail": ""}})  # ... then nothing: by 09:25 it is offline
        clerks: dict[int, HallClient] = {}
        counters: dict[int, HallClient] = {}
        pads: list[HallClient] = []
        for number, staff in CLERKS.items():
            counter = shot.enroll("counter", f"{number}号窗口", number)
            counters[number] = counter
            clerks[number] = counter.with_token(counter.login(staff, staff)["token"])
        # two services that end in 差评
        for window, series in ((2, "A"), (9, "D")):
            kiosk.issue(series)
            clock.advance(120)
            clerks[window].call_next(window)
            clerks[window].start(window)
            clock.advance(600)
            service = clerks[window].finish(window, "immediate")["service_id"]
            pad = shot.enroll("pad", f"{window}号评价器", window)
            pads.append(pad)
            pad.rate(
                service,
                "dissatisfied" if series == "A" else "very_dissatisfied",
                reasons=["slow"] if series == "A" else ["attitude"],
                comment="等候时间太长" if series == "A" else "",
                contact_phone="13812345678" if series == "A" else "",  # left on the pad for 回访, with consent
            )
        # the 回访专员 calls the first citizen twice: no answer, then reached with the rectification
        followup = shot.enroll("followup", "回访专员")
        first_case = min(f["id"] for f in followup.followups())
        followup.log_followup_call(first_case, reached=False, result="无人接听")
        clock.advance(600)
        followup.log_followup_call(first_case, reached=True, result="已致歉，说明等候原因", rectification="高峰时段加开2号窗口", satisfaction="satisfied")
        for series, count in TICKETS:
            for _ in range(count):
                kiosk.issue(series)
                clock.advance(25)
        for number in (1, 2):
            clerks[number].logout()  # open, nobody at them: 投资建设项目 is served by no one
        manager.set_roster("1014", absent=True, reason="病假")  # the roster tab: one clerk off sick,
        manager.set_roster("1002", lunch="11:30-12:30", reason="早班午休")  # one on an early lunch turn
        # a counter polls the server all the time; without it a session would idle out (clerk_idle_minutes)
        for number, clerk in clerks.items():
            if number not in (1, 2):
                clerk.me()
        clock.advance(20 * 60)
        for window in (3, 5, 6, 8, 11, 13, 15, 18, 19):
            try:
                clerks[window].call_next(window)
            except Exception:
                pass
        clerks[16].pause(16, "AB岗交接")
        clock.advance(5 * 60)
        # every program reports its devices (ui.heartbeat); the kiosk by the door is out of paper
        kiosk.heartbeat({"printer": {"state": "paper_out", "detail": ""}})
        kiosk2.heartbeat({"printer": {"state": "paper_low", "detail": ""}})
        display.heartbeat({"voice": {"state": "ok", "detail": ""}, "led": {"state": "ok", "detail": ""}})
        for counter in counters.values():
            counter.heartbeat({"keypad": {"state": "ok", "detail": ""}})
        for pad in pads:
            pad.heartbeat({"rater": {"state": "ok", "detail": ""}})

        window = create_window(shot.server.url, manager.token or "")
        assert isinstance(window, ManagerWindow)
        window.resize(1600, 1000)
        window.show()
        wait_until(app, lambda: bool(window.snapshot.get("windows")) and window.followups_page.followup_table.rowCount() == 2)
        shots = [
            ("manager-live.png", 0),
            ("manager-reallocate.png", 1),
            ("manager-recommendations.png", 2),
            ("manager-alerts-printer.png", 3),
            ("manager-followups.png", 4),
            ("manager-devices.png", 5),
            ("manager-audit.png", 6),
            ("manager-settings.png", 7),
            ("manager-roster.png", 8),
        ]
        window.select_window(3)
        redrawn: list[str] = []
        window.snapshot_applied.connect(lambda: redrawn.append("snapshot"))
        window.devices_applied.connect(lambda: redrawn.append("devices"))
        for name, tab in shots:
            window.tabs.setCurrentIndex(tab)
            if tab == 4:
                window.followups_page.followup_table.selectRow(0)
                wait_until(app, lambda: window.followups_page.call_table.rowCount() == 2)
            if tab in (3, 5):
                # A fresh snapshot, then the devices list: the console judges silence at the
                # server's time, which here stands still (a fake clock) while the tool runs.
                redrawn.clear()
                window.refresh()
                wait_until(app, lambda: "snapshot" in redrawn)
                redrawn.clear()
                window.load_devices()
                wait_until(app, lambda: "devices" in redrawn)
                window.devices_page.device_table.clearSelection()
            if tab == 8:
                wait_until(app, lambda: window.roster_page.table.rowCount() > 0)
            if tab == 6:
                window.audit_page.load_audit()
                wait_until(app, lambda: window.audit_page.audit_table.rowCount() > 0)
            wait_until(app, lambda: True)
            window.grab().save(str(out / name))
            print(out / name)
        # A 1280 × 800 screen: Chinese-only tab labels, four window cards a row.
        window.resize(1280, 800)
        window.tabs.setCurrentIndex(0)
        wait_until(app, lambda: window.tabs.tabText(0) == "实时")
        window.grab().save(str(out / "manager-live-1280.png"))
        print(out / "manager-live-1280.png")
        window.close()
    save_reports_shots(app, out)  # type: ignore[arg-type]
    return 0


def save_reports_shots(app: QApplication, out: Path) -> None:
    """The reports tab over a hall of its own with seven weeks of simulated history, so the live
    tabs above keep their morning (history brings its own follow-ups and alerts)."""
    from manager.app import create_window
    from manager.window import ManagerWindow

    clock = FakeClock(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))  # 17:00 in the hall: history up to yesterday
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/history.db"
        # The operator's own command writes the history (the console may not import the hallq tools).
        seed = [sys.executable, "-m", "hallq", "seed-history", "--config", str(SAMPLE_HALL_PATH), "--database", database]
        seed += ["--days", str(HISTORY_DAYS), "--per-day", str(HISTORY_PER_DAY), "--end", HISTORY_END.isoformat()]
        subprocess.run(seed, check=True, stdout=subprocess.DEVNULL)
        hall = prepare_hall(database, clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            token = hall.store.enroll_device(None, hall.hall_id, "manager", "值班长")["token"]
            window = create_window(server.url, token)
            assert isinstance(window, ManagerWindow)
            window.resize(1600, 1000)
            window.show()
            wait_until(app, lambda: bool(window.snapshot.get("windows")))
            reports = window.reports_page
            reports.choose(Period.LAST_MONTH, Dimension.CATEGORY)
            shown: list[bool] = []
            reports.report_shown.connect(lambda: shown.append(True))
            window.tabs.setCurrentWidget(reports)
            wait_until(app, lambda: bool(shown), seconds=120)
            for name in ("manager-reports.png", "manager-reports-en.png"):
                wait_until(app, lambda: True)
                window.grab().save(str(out / name))
                print(out / name)
                reports.toggle_language()
            # The staffing plan (排班建议) of the day shown, from the same seven weeks of history.
            staffing = window.staffing_page
            planned: list[bool] = []
            staffing.plan_shown.connect(lambda: planned.append(True))
            window.tabs.setCurrentWidget(staffing)
            wait_until(app, lambda: bool(planned), seconds=60)
            trained: list[bool] = []  # and its 交叉培训建议, simulated on the server
            staffing.training_shown.connect(lambda: trained.append(True))
            staffing.load_training()
            wait_until(app, lambda: bool(trained), seconds=180)
            wait_until(app, lambda: True)
            window.grab().save(str(out / "manager-staffing.png"))
            print(out / "manager-staffing.png")
            window.close()
        finally:
            server.stop()
            hall.engines.dispose()


if __name__ == "__main__":
    sys.exit(main())
