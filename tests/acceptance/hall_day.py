"""The whole hall as citizens and staff meet it: the real server on 127.0.0.1 and every program
(kiosk, two counters, a rating pad, the hall display with its LED strips, a window screen, the
manager console and the guide desk) as real widgets offscreen with fake devices, on one controllable clock.

:meth:`HallDay.disagreements` compares what every screen shows with the server's own state (the
snapshot, the one definition of who serves in hall.serving, the devices' health); a step of the
day is checked by waiting until there is no disagreement left, and a failure lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from counter.app import create_window as create_counter
from counter.flow import CounterState
from display.app import create_window as create_display
from display.led import led_text
from display.model import WindowView
from display.voice import RecordingPlayer
from display.window_screen import Phase
from guide.app import create_window as create_guide
from hall.clock import FakeClock
from hall.devices import device_alerts
from hall.serving import STAFFING_TEXT, Staffing
from hardware.serial.fakes import RecordingLedStrip
from kiosk.app import create_window as create_kiosk
from manager.app import create_window as create_manager
from pad.app import create_window as create_pad
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTER_WINDOWS = (1, 5)
PAD_WINDOW = 5
SCREEN_WINDOW = 5
# How long the screens may take to agree with the server. Generous: it only bounds a failure, and
# on a 2-core machine running other test jobs the lunch step once needed more than 15 s for the
# programs' next heartbeat and the manager's next poll after the clock jumped two hours.
TIMEOUT = 45_000


def local(day: str, clock_time: str) -> datetime:
    """'2026-11-17', '08:30' in the hall's time, as a UTC instant."""
    return datetime.fromisoformat(f"{day} {clock_time}").replace(tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class HallDay:
    hall: Hall
    server: ServerThread
    clock: FakeClock
    tmp: Path
    tokens: dict[str, str] = field(default_factory=dict)
    programs: dict[str, Any] = field(default_factory=dict)
    led: RecordingLedStrip = field(default_factory=RecordingLedStrip)

    # ------------------------------------------------------------------ setting up

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def store(self) -> Any:
        return self.hall.store

    def token(self, role: str, name: str, window: int | None = None) -> str:
        if name not in self.tokens:
            self.tokens[name] = self.store.enroll_device(None, self.hall.hall_id, role, name, window)["token"]
        return self.tokens[name]

    def open_programs(self, qtbot: Any) -> None:
        """Every program, as the hall starts them in the morning."""
        self.programs["kiosk"] = create_kiosk(self.url, self.token("kiosk", "kiosk-1"), "fake://?condition=ready", portrait=False)
        for number in COUNTER_WINDOWS:
            self.programs[f"counter-{number}"] = create_counter(
                self.url, self.token("counter", f"counter-{number}", number), clock=self.clock
            )
        self.programs["pad"] = create_pad(self.url, self.token("pad", f"pad-{PAD_WINDOW}", PAD_WINDOW), PAD_WINDOW)
        self.programs["display"] = create_display(
            self.url, self.token("display", "hall-display"), "hall", voice_url=f"record://{self.tmp / 'voice'}",
            player=RecordingPlayer(), clock=self.clock.now, led=self.led,
        )
        self.programs["window-screen"] = create_display(
            self.url, self.token("display", f"window-screen-{SCREEN_WINDOW}"), "window", window_number=SCREEN_WINDOW,
            voice_url=None, clock=self.clock.now,
        )
        self.programs["manager"] = create_manager(self.url, self.token("manager", "manager"))
        self.programs["guide"] = create_guide(self.url, self.token("guide", "导办台1"), "dummy://")
        for program in self.programs.values():
            qtbot.addWidget(program)
            program.show()
        qtbot.waitUntil(lambda: self.display.model.has_snapshot and self.window_screen.model.has_snapshot, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: all(self.counter(n).snapshot for n in COUNTER_WINDOWS), timeout=TIMEOUT)
        qtbot.waitUntil(lambda: bool(self.manager.snapshot), timeout=TIMEOUT)

    def close(self) -> None:
        for program in self.programs.values():
            program.close()

    # ------------------------------------------------------------------ the programs

    @property
    def kiosk(self) -> Any:
        return self.programs["kiosk"]

    @property
    def guide(self) -> Any:
        return self.programs["guide"]

    def counter(self, number: int) -> Any:
        return self.programs[f"counter-{number}"]

    @property
    def pad(self) -> Any:
        return self.programs["pad"]

    @property
    def display(self) -> Any:
        return self.programs["display"]

    @property
    def window_screen(self) -> Any:
        return self.programs["window-screen"]

    @property
    def manager(self) -> Any:
        return self.programs["manager"]

    @property
    def kiosk_printer(self) -> Any:
        """The kiosk's fake ESC/POS printer (python-escpos Dummy with a condition)."""
        return self.kiosk.printer.output.escpos

    def client(self, role: str, name: str, window: int | None = None) -> HallClient:
        return HallClient(self.url, self.token(role, name, window))

    # ------------------------------------------------------------------ time

    def at(self, qtbot: Any, instant: datetime) -> None:
        """Move the hall's clock. The programs learn the new period from their next snapshot (the
        kiosk polls it); here they are asked at once, so a step need not wait for the poll."""
        self.clock.set(instant)
        self.store.forget_settings(self.hall.hall_id)
        period = self.snapshot()["hall"]["period"]

        def refreshed() -> bool:
            if self.kiosk.flow.hall.get("period") == period:
                return True
            self.kiosk.refresh_snapshot()
            return False

        self.display.refresh_snapshot()
        self.window_screen.refresh_snapshot()
        self.manager.refresh()
        for number in COUNTER_WINDOWS:
            self.counter(number).reload_window()
        qtbot.waitUntil(refreshed, timeout=TIMEOUT)

    # ------------------------------------------------------------------ the server's truth

    def snapshot(self) -> dict[str, Any]:
        return self.store.snapshot(self.hall.hall_id)

    def devices(self) -> list[dict[str, Any]]:
        return self.store.devices(self.hall.hall_id)

    @staticmethod
    def expected_hero(snapshot: dict[str, Any]) -> tuple[str, int] | None:
        current = {w["number"]: (w["current"] or {}).get("number") for w in snapshot["windows"]}
        for call in snapshot["recent_calls"]:
            if call["status"] != "done" and current.get(call["window"]) == call["number"]:
                return call["number"], call["window"]
        return None

    @staticmethod
    def window_view(window: dict[str, Any]) -> WindowView:
        current = window.get("current") or {}
        return WindowView(
            number=window["number"], name_zh=window["name_zh"], state=window["state"],
            current=current.get("number"), current_status=current.get("status", ""), clerk=window.get("clerk"),
        )

    def disagreements(self) -> list[str]:
        """Everything a screen shows that the server's state does not say (empty when all agree)."""
        snap = self.snapshot()
        found: list[str] = []
        windows = {w["number"]: w for w in snap["windows"]}
        model = self.display.model
        # The hall display: each window's ticket and staffing, the big call, and the LED strips.
        for number, w in windows.items():
            view = model.windows.get(number)
            expected = self.window_view(w)
            if view is None or (view.current, view.staffing.value) != (expected.current, w["staffing"]):
                found.append(f"display window {number}: {view and (view.current, view.staffing.value)} != {(expected.current, w['staffing'])}")
            if self.led.current.get(number) != led_text(expected):
                found.append(f"LED {number}: {self.led.current.get(number)!r} != {led_text(expected)!r}")
        hero = model.latest_call
        if (hero and (hero.number, hero.window)) != self.expected_hero(snap):
            found.append(f"display big call: {hero and (hero.number, hero.window)} != {self.expected_hero(snap)}")
        # The window screen: no clerk / ready / called / serving / paused / closed.
        w = windows[SCREEN_WINDOW]
        current = w.get("current") or {}
        expected_phase = (
            (Phase.SERVING if current.get("status") == "serving" else Phase.CALLED)
            if current
            else {"closed": Phase.CLOSED, "paused": Phase.PAUSED, "unstaffed": Phase.UNSTAFFED}.get(w["staffing"], Phase.READY)
        )
        if self.window_screen.screen.phase != expected_phase:
            found.append(f"window screen {SCREEN_WINDOW}: {self.window_screen.screen.phase} != {expected_phase}")
        # The counters: their state follows their window.
        for number in COUNTER_WINDOWS:
            counter, w = self.counter(number), windows[number]
            if counter.flow.state is CounterState.LOGGED_OUT:
                if w["clerk"] is not None and w["clerk"]["staff_no"] != (counter.flow.clerk or {}).get("staff_no"):
                    continue  # another program's clerk (a handover elsewhere) is not this counter's to show
                if w["clerk"] is not None:
                    found.append(f"counter {number}: logged out but the server has {w['clerk']['staff_no']} at it")
                continue
            current = w.get("current") or {}
            expected_state = (
                CounterState.SERVING if current.get("status") == "serving" else CounterState.CALLED
            ) if current else (CounterState.PAUSED if w["state"] == "paused" else CounterState.IDLE)
            if counter.flow.state is not expected_state:
                found.append(f"counter {number}: {counter.flow.state} != {expected_state}")
        # The kiosk: outside walk-in hours, when the hall opens next; else each tile's people
        # waiting and the estimate, or that no window serves it now.
        hall = snap["hall"]
        notice = self.kiosk.flow.closed_notice()
        if hall["accepts_walk_ins"] != (notice is None):
            found.append(f"kiosk: closed notice {notice} while the hall accepts walk-ins = {hall['accepts_walk_ins']}")
        elif notice is not None and notice.opening is not None and notice.opening.zh != hall["next_opening"]["text"]["zh"]:
            found.append(f"kiosk: next opening {notice.opening.zh!r} != {hall['next_opening']['text']['zh']!r}")
        for category in snap["categories"] if hall["accepts_walk_ins"] else ():
            button = self.kiosk.category_buttons.get(category["series"])
            if button is None:
                continue
            shown = button.accessibleName()
            waiting, estimate = category["waiting"], category["estimated_wait_minutes"]
            if waiting and f"等候 {waiting} 人" not in shown:
                found.append(f"kiosk {category['series']}: {shown!r} lacks 等候 {waiting} 人")
            if estimate is None and "约" in shown:
                found.append(f"kiosk {category['series']}: {shown!r} gives an estimate though nobody serves it")
            if estimate is not None and waiting and f"约 {round(estimate)} 分钟" not in shown:
                found.append(f"kiosk {category['series']}: {shown!r} lacks 约 {round(estimate)} 分钟")
        # The manager: each card's badge, and the alerts for unserved queues and device faults.
        for number, card in self.manager.live_page.cards.items():
            staffing = Staffing(windows[number]["staffing"])
            if STAFFING_TEXT[staffing].zh not in card.state.text():
                found.append(f"manager card {number}: {card.state.text()!r} lacks {STAFFING_TEXT[staffing].zh}")
        keys = set(self.manager.alert_keys())
        for category in snap["categories"]:
            unserved = category["waiting"] > 0 and not category["serving_windows"]
            if unserved != (f"unserved:{category['series']}:" in keys):
                found.append(f"manager alert unserved:{category['series']}: shown={not unserved} expected={unserved}")
        now = datetime.fromisoformat(snap["now"])
        for alert in device_alerts(self.devices(), now):
            if alert.key not in keys:
                found.append(f"manager alert {alert.key} missing")
        for key in keys:
            if key.startswith("device:") and key not in {a.key for a in device_alerts(self.devices(), now)}:
                found.append(f"manager alert {key} shown but cleared")
        return found

    def check(self, qtbot: Any, what: str, timeout: int = TIMEOUT) -> None:
        """Wait until every screen agrees with the server; fail listing what still disagrees."""
        last: list[str] = []

        def agreed() -> bool:
            last[:] = self.disagreements()
            return not last

        try:
            qtbot.waitUntil(agreed, timeout=timeout)
        except qtbot.TimeoutError:
            raise AssertionError(f"{what}: screens disagree with the server:\n  " + "\n  ".join(last)) from None


def start_hall_day(tmp: Path, start: datetime) -> HallDay:
    clock = FakeClock(start)
    hall = prepare_hall(f"sqlite:///{tmp / 'hall.db'}", clock=clock, synchronous="NORMAL")
    server = ServerThread(hall.store, poll_seconds=0.1).start()
    return HallDay(hall, server, clock, tmp)


__all__ = ["COUNTER_WINDOWS", "PAD_WINDOW", "SCREEN_WINDOW", "HallDay", "local", "start_hall_day", "timedelta"]
