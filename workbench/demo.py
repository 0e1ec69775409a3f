"""``hallq demo``: the whole hall on one machine, on the embedded default.

The real server runs in-process on 127.0.0.1 over a SQLite file in the user's data directory
(a fresh one each run); every program opens with simulated devices (preview printer, recorded
or spoken voice, on-screen pads). Simulated citizens take numbers and simulated clerks serve the
windows that have no counter open on screen, so the hall is alive. The counters on screen are
logged in and worked by :class:`CounterAutopilot` through their own widgets (call, start,
finish), and the citizen at each pad rates, so a newcomer sees the whole path of a ticket; a
second, simulated kiosk reports its paper running low, so the manager has a device alert to see.
Same code paths as a real deployment: the programs talk to the server over HTTP and WebSocket only.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import random
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from hall.config import HallConfig, HoursConfig, TimeRange, WeekendMode, load_sample_hall

log = logging.getLogger("hallq.demo")
DEMO_COUNTER_WINDOWS = (1, 8)


def demo_config() -> HallConfig:
    """The sample hall, open around the clock so the demo works whenever it is started."""
    config = load_sample_hall()
    always = TimeRange(datetime.strptime("00:00", "%H:%M").time(), datetime.strptime("23:59", "%H:%M").time())
    hours = HoursConfig(
        timezone=config.hours.timezone,
        workdays=(1, 2, 3, 4, 5, 6, 7),
        regular=(always,),
        weekend=always,
        weekend_mode=WeekendMode.OPEN,
    )
    return replace(config, hours=hours)


class SimulatedHall:
    """Citizens arriving and clerks serving, through the real API, so the screens have life."""

    def __init__(self, url: str, store: Any, hall_id: int, counter_windows: tuple[int, ...], speed: float = 1.0) -> None:
        from server.client import HallClient

        self.url, self.stop_event = url, threading.Event()
        self.rng = random.Random(7)
        self.kiosk = HallClient(url, store.enroll_device(None, hall_id, "kiosk", "模拟取号机")["token"])
        self.guide = HallClient(url, store.enroll_device(None, hall_id, "guide", "导办台（模拟）")["token"])
        self.clerks: dict[int, HallClient] = {}
        config = demo_config()
        for window in config.windows:
            if window.number in counter_windows or not window.open:
                continue
            clerk = config.clerks[window.number - 1]
            counter = HallClient(url, store.enroll_device(None, hall_id, "counter", f"模拟窗口{window.number}", window.number)["token"])
            self.clerks[window.number] = HallClient(url, counter.login(clerk.staff_no, clerk.pin or "")["token"])
        self.series = [c.series for c in config.categories]
        self.weights = [4, 6, 5, 8, 5, 4, 5, 3, 4][: len(self.series)]
        self.speed = speed

    def start(self) -> None:
        threading.Thread(target=self._arrivals, name="demo-arrivals", daemon=True).start()
        for window, client in self.clerks.items():
            threading.Thread(target=self._serve, args=(window, client), name=f"demo-window-{window}", daemon=True).start()

    def _arrivals(self) -> None:
        for _ in range(12):  # a queue is already there when the screens open
            self._issue()
        while not self.stop_event.wait(self.rng.expovariate(1 / 2.5) / self.speed):
            self._issue()

    def _issue(self) -> None:
        series = self.rng.choices(self.series, self.weights)[0]
        priority = "elderly" if self.rng.random() < 0.05 else None
        with contextlib.suppress(Exception):
            if self.rng.random() < 0.1:  # one citizen in ten is helped at the guide desk
                self.guide.guide_issue(series, priority_reason=priority, assist=self.rng.choice(["", "proxy", "help"]))
            else:
                self.kiosk.issue(series, priority_reason=priority)

    def _serve(self, window: int, client: Any) -> None:
        self.stop_event.wait(self.rng.uniform(1, 6))
        while not self.stop_event.is_set():
            try:
                called = client.call_next(window)
                if called.get("ticket") is None:
                    self.stop_event.wait(4 / self.speed)
                    continue
                self.stop_event.wait(self.rng.uniform(2, 5) / self.speed)
                client.start(window)
                self.stop_event.wait(self.rng.lognormvariate(3.0, 0.4) / self.speed)
                outcome = self.rng.choices(["immediate", "promised", "joint", "reported", "refused"], [70, 20, 4, 3, 3])[0]
                client.finish(window, outcome)
            except Exception as error:  # keep the demo alive; the real terminals show errors
                log.debug("simulated window %s: %s", window, error)
                self.stop_event.wait(3)

    def stop(self) -> None:
        self.stop_event.set()


class CounterAutopilot:
    """Works the on-screen counters and pads through their widgets, as a clerk and a citizen would.

    Each counter logs in, then repeats: call the next number, start, serve a while, finish as
    即办件; its pad then shows the rating, and the citizen taps a level a few seconds later. Runs
    on the GUI thread (QTimer), like a person at the keyboard."""

    SERVE_SECONDS = (4.0, 8.0)
    RATE_AFTER_SECONDS = 6.0

    def __init__(self, counters: dict[int, Any], pads: dict[int, Any], staff: dict[int, str], end_at: float | None = None) -> None:
        self.counters, self.pads, self.staff = counters, pads, staff
        self.rng = random.Random(11)
        # Before the screenshots of a timed run: citizens stop rating, the last counter calls no
        # one new (its pad stays mid-rating) and the others keep serving, so the shots show a pad
        # asking and a counter at work.
        self.end_at = end_at

    def _winding_down(self, seconds_before_end: float) -> bool:
        return self.end_at is not None and time.monotonic() > self.end_at - seconds_before_end

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        for number, window in self.counters.items():
            QTimer.singleShot(1500, lambda w=window, n=number: w.login(self.staff[n], self.staff[n]))
            QTimer.singleShot(4000 + 1500 * number % 3000, lambda n=number: self._step(n))

    def _later(self, seconds: float, then: Any) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(seconds * 1000), then)

    def _step(self, number: int) -> None:
        from counter.flow import CounterAction, CounterState

        window = self.counters[number]
        try:
            state = window.flow.state
            if state is CounterState.IDLE and number == max(self.counters) and self._winding_down(20.0):
                self._later(2.0, lambda: self._step(number))   # its pad stays on the last rating for the shot
            elif state is CounterState.IDLE:
                window.do(CounterAction.CALL_NEXT)
                self._later(3.0, lambda: self._step(number))
            elif state is CounterState.CALLED:
                window.do(CounterAction.START)
                self._later(self.rng.uniform(*self.SERVE_SECONDS), lambda: self._step(number))
            elif state is CounterState.SERVING and self._winding_down(14.0):
                self._later(2.0, lambda: self._step(number))
            elif state is CounterState.SERVING:
                window.do(CounterAction.FINISH)
                window.choose_outcome(1)   # 即办件
                self._later(self.RATE_AFTER_SECONDS, lambda: self._rate(number))
                self._later(3.0, lambda: self._step(number))
            else:
                self._later(2.0, lambda: self._step(number))
        except RuntimeError:   # the demo is closing
            return

    def _rate(self, number: int) -> None:
        from hall.tickets import RatingLevel

        pad = self.pads.get(number)
        if pad is None or self._winding_down(25.0):
            return
        with contextlib.suppress(RuntimeError):
            pad.choose(self.rng.choices([RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED], [4, 1])[0])


def simulated_kiosk_with_low_paper(url: str, store: Any, hall_id: int) -> Any:
    """A second kiosk (named as simulated) whose printer reports its paper running low, so the
    manager's alerts and Devices tab have something real to show; it keeps beating every 3 s."""
    from server.client import HallClient

    client = HallClient(url, store.enroll_device(None, hall_id, "kiosk", "自助取号机2（模拟）")["token"])
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                client.heartbeat({"printer": {"state": "paper_low", "detail": "打印纸即将用完 / paper is running low"}})
            stop.wait(3.0)

    threading.Thread(target=beat, name="demo-kiosk-2", daemon=True).start()
    return stop


def seed_demo_history(hall: Any, days: int) -> None:
    """Simulated past weeks for the reports tab (a fresh demo database has no history otherwise).

    The history comes from the hall-day simulator on the sample hall's real hours (the demo hall
    itself is open around the clock only so the live part works whenever it is started)."""
    if days <= 0:
        return
    from sqlalchemy import func, select

    from db.models import Ticket
    from workbench.history.seed import seed_history

    with hall.engines.read.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Ticket).where(Ticket.hall_id == hall.hall_id)):
            return  # an existing database (--database) keeps its own history
    report = seed_history(hall.engines, hall.hall_id, load_sample_hall(), days, 600, seed=1)
    print(f"  模拟历史数据（供统计报表演示）/ simulated history for the reports: {report.summary().splitlines()[0]}")


def _program(name: str) -> Any | None:
    try:
        return importlib.import_module(f"{name}.app")
    except ImportError as error:
        print(f"（{name} 尚未实现 / not built yet: {error}）")
        return None


def install_demo_avatars(hall: Any) -> None:
    """岗位公示 in the demo: every sample clerk gets a drawn avatar (ui.avatars), clearly
    not a photo of anyone, through the same store operation the manager's upload uses."""
    from db.common import Actor
    from db.photos import PhotoOps
    from ui.avatars import avatar_png

    photos, actor = PhotoOps(hall.store), Actor(hall.hall_id, "manager", name="demo")
    for clerk in hall.config.clerks:
        photos.set_clerk_photo(actor, clerk.staff_no, avatar_png(clerk.staff_no))


def run_demo(args: argparse.Namespace) -> int:
    import tempfile

    from platformdirs import user_data_dir
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from server.runner import ServerThread, prepare_hall
    from ui.theme import apply_theme

    data = Path(user_data_dir("hallq")) / "demo"
    data.mkdir(parents=True, exist_ok=True)
    database = args.database or f"sqlite:///{data / f'demo-{int(time.time())}.db'}"
    hall = prepare_hall(database, demo_config(), synchronous="NORMAL")
    seed_demo_history(hall, args.history_days)
    install_demo_avatars(hall)
    # 短信: the server's sender uses the log-only gateway (server.notify.gateways); nothing leaves the machine
    sms_log = data / f"sms-{int(time.time())}.jsonl"
    os.environ.setdefault("HALLQ_SMS_URL", f"log://{sms_log}")
    try:
        server = ServerThread(hall.store, port=8760, poll_seconds=0.5).start()
    except OSError:
        server = ServerThread(hall.store, port=0, poll_seconds=0.5).start()
    enroll = hall.store.enroll_device
    manager_token = enroll(None, hall.hall_id, "manager", "管理端（演示）")["token"]
    print(f"hallq demo: server {server.url}  database {database}")
    print(f"  phone page of any ticket: {server.url}/t/<public id on the ticket>; API docs: {server.url}/docs")
    print(f"  手机预约 / citizen bookings: {server.url}/b")
    print(f"  短信 / text messages and booking codes (log only, not sent): {os.environ['HALLQ_SMS_URL'].removeprefix('log://')}")
    print(f"  manager token: {manager_token}")
    simulation = SimulatedHall(server.url, hall.store, hall.hall_id, DEMO_COUNTER_WINDOWS)
    simulation.start()
    if args.no_gui:
        try:
            time.sleep(args.seconds or 1e9)
        finally:
            simulation.stop()
            server.stop()
        return 0

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    previews = Path(tempfile.mkdtemp(prefix="hallq-tickets-"))
    windows: dict[str, Any] = {}
    if (kiosk := _program("kiosk")) is not None:
        windows["kiosk"] = kiosk.create_window(
            server.url,
            enroll(None, hall.hall_id, "kiosk", "自助取号机1")["token"],
            printer_url=f"preview://{previews}",
            voice_url="tts://",  # 读给我听, sharing the speaker with the hall display (calls go first)
            idcard_url="idcard:fake:",  # a simulated 二代身份证 reader: F2 / F3 on the kiosk lay a made-up card on it
        )
        from kiosk.card_reader import add_swipe_keys

        add_swipe_keys(windows["kiosk"])
        print(f"  kiosk ticket previews: {previews}")
        print("  kiosk ID card reader (simulated): press F2 or F3 on the kiosk to read one of two made-up cards / 按 F2、F3 模拟刷身份证")
    if (counter := _program("counter")) is not None:
        for number in DEMO_COUNTER_WINDOWS:
            windows[f"counter-{number}"] = counter.create_window(
                server.url, enroll(None, hall.hall_id, "counter", f"{number}号窗口", number)["token"]
            )
    if (pad := _program("pad")) is not None:
        for number in DEMO_COUNTER_WINDOWS:
            windows[f"pad-{number}"] = pad.create_window(
                server.url, enroll(None, hall.hall_id, "pad", f"{number}号评价器", number)["token"], number
            )
    if (display := _program("display")) is not None:
        windows["display"] = display.create_window(server.url, enroll(None, hall.hall_id, "display", "大厅主屏")["token"], mode="hall")
        windows["window-screen-1"] = display.create_window(
            server.url, enroll(None, hall.hall_id, "display", "1号窗口屏")["token"], mode="window", window_number=1
        )
    if (guide := _program("guide")) is not None:  # one 导办台, printing on its own preview printer
        windows["guide"] = guide.create_window(
            server.url, enroll(None, hall.hall_id, "guide", "导办台1")["token"], printer_url=f"preview://{previews / 'guide'}"
        )
    if (manager := _program("manager")) is not None:
        windows["manager"] = manager.create_window(server.url, manager_token)
    for index, (name, window) in enumerate(windows.items()):
        window.setWindowTitle(f"hallq — {name}")
        if not window.isVisible():
            window.move(40 + 30 * index, 40 + 30 * index)
            window.show()
    print("  counters log in with staff number = PIN, e.g. 1001/1001 at window 1, 1008/1008 at window 8")
    counters = {n: windows[f"counter-{n}"] for n in DEMO_COUNTER_WINDOWS if f"counter-{n}" in windows}
    pads = {n: windows[f"pad-{n}"] for n in DEMO_COUNTER_WINDOWS if f"pad-{n}" in windows}
    staff = {n: demo_config().clerks[n - 1].staff_no for n in DEMO_COUNTER_WINDOWS}
    if not args.manual:
        end_at = time.monotonic() + args.seconds if args.seconds else None
        CounterAutopilot(counters, pads, staff, end_at).start()
        print("  the counters on screen work by themselves (--manual to work them yourself)")
    kiosk_2 = simulated_kiosk_with_low_paper(server.url, hall.store, hall.hall_id)

    def finish() -> None:
        if args.screenshots:
            out = Path(args.screenshots)
            out.mkdir(parents=True, exist_ok=True)
            for name, window in windows.items():
                window.grab().save(str(out / f"{name}.png"))
            console = windows.get("manager")
            if console is not None and hasattr(console, "alerts_page"):
                console.tabs.setCurrentWidget(console.alerts_page)   # the manager with the hall's alerts
                app.processEvents()
                console.grab().save(str(out / "manager-alerts.png"))
            print(f"  screenshots: {out}")
        app.quit()

    if args.seconds:
        QTimer.singleShot(int(args.seconds * 1000), finish)
    try:
        app.exec()
    finally:
        kiosk_2.set()
        simulation.stop()
        server.stop()
    return 0
