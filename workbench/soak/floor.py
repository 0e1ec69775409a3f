"""The rest of the soak hall's floor over the API: the other kiosks and the windows without a
counter program of their own, so the server sees a county hall's whole daily volume while the
real programs (workbench/soak/terminals.py) each work one kiosk, counter or pad.

``python -m workbench.soak.floor --plan plan.json`` — the plan (written by the conductor) names
the server, the clock file, the kiosk token, the windows with their counter tokens and clerks,
and the pacing in hall seconds. One thread issues, one thread per window serves. Refusals the
hall gives by design (outside hours, a session ended by the rollover) are answered by logging in
again; anything else is logged as an error for the conductor to count.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hall.clock import FileClock
from server.client import ApiError, HallClient
from server.limits import limit_malloc_arenas

log = logging.getLogger("hallq.soak.floor")
IDLE_WALL_SECONDS = 0.2


class Floor:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.clock = FileClock(Path(plan["clock_file"]))
        self.stop_event = threading.Event()
        self.ticket_interval = timedelta(seconds=plan["ticket_interval"])
        self.service = timedelta(seconds=plan["service_seconds"])

    def _hall_wait(self, until: datetime) -> None:
        """Sleeps until hall time reaches ``until`` (hall time may jump; re-read often)."""
        while not self.stop_event.is_set() and self.clock.now() < until:
            self.stop_event.wait(0.02)

    def issue_loop(self) -> None:
        client = HallClient(self.plan["server"], self.plan["kiosk_token"])
        rng = random.Random(self.plan["seed"])
        series = self.plan["series"]
        next_due: datetime | None = None
        while not self.stop_event.is_set():
            now = self.clock.now()
            if next_due is None:  # the morning: citizens arrive from the opening on
                next_due = now
            if now < next_due:
                self.stop_event.wait(0.01)
                continue
            try:
                client.issue(rng.choice(series))  # the hall's other kiosks (a kiosk may only issue as one)
                next_due += self.ticket_interval
            except ApiError as error:
                if error.code == "hall_not_taking_walk_ins":
                    next_due = None  # closed: citizens come again from the opening, not all at once
                else:
                    log.warning("floor kiosk: %s", error)  # busy or offline: the citizen tries again
                self.stop_event.wait(IDLE_WALL_SECONDS)

    def serve_loop(self, window: int, token: str, staff_no: str, pin: str) -> None:
        device = HallClient(self.plan["server"], token)
        clerk: HallClient | None = None
        while not self.stop_event.is_set():
            try:
                if clerk is None:
                    clerk = device.with_token(device.login(staff_no, pin)["token"])
                called = clerk.call_next(window)
                if called.get("ticket") is None:
                    self.stop_event.wait(IDLE_WALL_SECONDS)
                    continue
                clerk.start(window)
                self._hall_wait(self.clock.now() + self.service)
                clerk.finish(window, "immediate")
            except ApiError as error:
                if error.status in (0, 500, 503):
                    log.warning("floor window %s: %s", window, error)
                if clerk is not None:  # the session ended (rollover, idle) or the hall is closed: log in again
                    clerk.close()
                clerk = None
                self.stop_event.wait(IDLE_WALL_SECONDS * 5)

    def run(self) -> None:
        threads = [threading.Thread(target=self.issue_loop, name="floor-kiosk", daemon=True)]
        for window in self.plan["windows"]:
            threads.append(
                threading.Thread(
                    target=self.serve_loop,
                    args=(window["number"], window["token"], window["staff_no"], window["pin"]),
                    name=f"floor-window-{window['number']}",
                    daemon=True,
                )
            )
        for thread in threads:
            thread.start()
        while not self.stop_event.wait(1.0):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the soak hall's other kiosks and windows, over the API")
    parser.add_argument("--plan", required=True, type=Path)
    args = parser.parse_args(argv)
    limit_malloc_arenas()  # a thread per window, each with its own glibc arena otherwise (as the server)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    floor = Floor(json.loads(args.plan.read_text(encoding="utf-8")))
    try:
        floor.run()
    except KeyboardInterrupt:
        floor.stop_event.set()
        time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
