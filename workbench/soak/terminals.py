"""One terminal program of the soak hall in its own process, worked by a robot through its widgets.

``python -m workbench.soak.terminals ROLE --server URL --token T --clock-file F ...`` opens the
real program (kiosk, counter, pad, hall display, window screen or manager console) offscreen with
fake devices, as :mod:`tests.acceptance.hall_day` does, and a robot on the GUI thread (a QTimer,
like a person at the screen) takes numbers, calls and finishes, rates, or leafs through the
console's tabs. Hall time comes from the soak's accelerated :class:`hall.clock.FileClock`.

Anything the program or the robot logs goes to stderr, which the conductor keeps in a file and
searches for error lines each day.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hall.clock import FileClock

log = logging.getLogger("hallq.soak")
ROBOT_TICK_MS = 50
STUCK_TICKS = 400  # 20 s of wall time on one kiosk page: a citizen would give up and start again
ROLES = ("kiosk", "counter", "pad", "display", "window-screen", "manager")


class KioskRobot:
    """Citizens at the kiosk: one ticket every ``interval`` of hall time while walk-ins are taken.
    The kiosk learns the hall's period from its snapshot; on an accelerated clock the robot asks
    for one every half second of wall time so opening and closing are seen within minutes of hall
    time, as they are within seconds in a real hall."""

    def __init__(self, kiosk: Any, clock: FileClock, interval: timedelta, seed: int) -> None:
        self.kiosk, self.clock, self.interval = kiosk, clock, interval
        self.rng = random.Random(seed)
        self.next_due: datetime | None = None
        self.ticks = 0
        self.step: Any = None
        self.step_ticks = 0

    def tick(self) -> None:
        from PySide6.QtWidgets import QPushButton

        from kiosk.flow import Step

        kiosk, flow = self.kiosk, self.kiosk.flow
        self.ticks += 1
        if flow.step is not self.step:
            self.step, self.step_ticks = flow.step, 0
        self.step_ticks += 1
        if flow.step is not Step.HOME and self.step_ticks > STUCK_TICKS:
            log.warning("kiosk robot: no progress at %s for %d s, going home", flow.step, STUCK_TICKS * ROBOT_TICK_MS // 1000)
            kiosk._intent(flow.go_home)()
            return
        if self.ticks % 10 == 0:
            kiosk.refresh_snapshot()
        now = self.clock.now()
        if not flow.accepts_walk_ins:
            self.next_due = None
            return
        if self.next_due is None:
            self.next_due = now
        if flow.step is Step.HOME:
            if now < self.next_due:
                return
            buttons = [button for button in kiosk.category_buttons.values() if button.isEnabled()]
            if buttons:
                self.next_due += self.interval
                self.rng.choice(buttons).click()
        elif flow.step is Step.ITEMS:
            kiosk._intent(flow.skip_items)()
        elif flow.step is Step.CONFIRM and kiosk.confirm_button is not None and kiosk.confirm_button.isEnabled():
            kiosk.confirm_button.click()
        elif flow.step is Step.DONE and kiosk.page is not None:
            finish = kiosk.page.findChild(QPushButton, "finish")
            if finish is not None:
                finish.click()
        elif flow.step in (Step.PRIORITY, Step.MATERIALS, Step.CHECK_IN):
            kiosk._intent(flow.go_home)()


class CounterRobot:
    """A clerk: logs in (again after each rollover ends the session), then calls the next number,
    starts, serves ``service`` of hall time and finishes it as 即办件."""

    def __init__(self, counter: Any, clock: FileClock, staff_no: str, pin: str, service: timedelta) -> None:
        self.counter, self.clock, self.staff_no, self.pin, self.service = counter, clock, staff_no, pin, service
        self.wait_until: datetime | None = None
        self.quiet_ticks = 0

    def tick(self) -> None:
        from counter.flow import CounterAction, CounterState

        if self.quiet_ticks > 0:  # after an empty call or a login, give the server a moment
            self.quiet_ticks -= 1
            return
        counter, state = self.counter, self.counter.flow.state
        if state is CounterState.LOGGED_OUT:
            if counter.login_panel.login_button.isEnabled():
                counter.login(self.staff_no, self.pin)
            self.quiet_ticks = 20
        elif state is CounterState.IDLE:
            counter.do(CounterAction.CALL_NEXT)
            self.quiet_ticks = 10
        elif state is CounterState.CALLED:
            counter.do(CounterAction.START)
            self.wait_until = self.clock.now() + self.service
        elif state is CounterState.SERVING:
            if self.wait_until is None:
                self.wait_until = self.clock.now() + self.service
            if self.clock.now() >= self.wait_until:
                counter.do(CounterAction.FINISH)
                counter.choose_outcome(1)  # 即办件
                self.wait_until = None
                self.quiet_ticks = 2
        elif state is CounterState.PAUSED:
            counter.do(CounterAction.RESUME)


class PadRobot:
    """The citizen at the window's rating pad taps a level when asked."""

    def __init__(self, pad: Any, seed: int) -> None:
        self.pad = pad
        self.rng = random.Random(seed)

    def tick(self) -> None:
        from hall.tickets import RatingLevel
        from pad.flow import PadState

        if self.pad.flow.state is PadState.RATING:
            self.pad.choose(self.rng.choices([RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED], [4, 1])[0])


class ManagerRobot:
    """The hall manager looks through the console's tabs, one every few seconds of wall time."""

    def __init__(self, manager: Any, ticks_per_tab: int) -> None:
        self.manager, self.ticks_per_tab, self.ticks = manager, ticks_per_tab, 0

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % self.ticks_per_tab == 0:
            tabs = self.manager.tabs
            tabs.setCurrentIndex((tabs.currentIndex() + 1) % tabs.count())


def open_program(args: argparse.Namespace, clock: FileClock) -> tuple[Any, Any | None]:
    """The program's window and its robot (None for the screens nobody touches)."""
    role = args.role
    if role == "kiosk":
        from kiosk.app import create_window as create_kiosk

        kiosk = create_kiosk(args.server, args.token, "fake://?condition=ready", portrait=False)
        return kiosk, KioskRobot(kiosk, clock, timedelta(seconds=args.ticket_interval), args.seed)
    if role == "counter":
        from counter.app import create_window as create_counter

        counter = create_counter(args.server, args.token, clock=clock)
        return counter, CounterRobot(counter, clock, args.staff, args.staff, timedelta(seconds=args.service_seconds))
    if role == "pad":
        from pad.app import create_window as create_pad

        pad = create_pad(args.server, args.token, args.window)
        return pad, PadRobot(pad, args.seed)
    if role in ("display", "window-screen"):
        from display.app import create_window as create_display

        if role == "display":
            return create_display(args.server, args.token, "hall", voice_url="silent://", clock=clock.now), None
        return create_display(args.server, args.token, "window", window_number=args.window, voice_url=None, clock=clock.now), None
    from manager.app import create_window as create_manager

    manager = create_manager(args.server, args.token)
    return manager, ManagerRobot(manager, ticks_per_tab=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one terminal program of the soak hall, worked by a robot")
    parser.add_argument("role", choices=ROLES)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--clock-file", required=True, type=Path)
    parser.add_argument("--window", type=int)
    parser.add_argument("--staff", help="counter: the clerk's staff number (= PIN in the sample hall)")
    parser.add_argument("--ticket-interval", type=float, default=120.0, help="kiosk: hall seconds between citizens")
    parser.add_argument("--service-seconds", type=float, default=180.0, help="counter: hall seconds per service")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window, robot = open_program(args, FileClock(args.clock_file))
    window.show()
    if robot is not None:
        timer = QTimer(window, interval=ROBOT_TICK_MS)
        timer.timeout.connect(robot.tick)
        timer.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
