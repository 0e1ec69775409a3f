"""``hallq bench soak`` / ``make soak``: a month of hall days in an afternoon (issue 19 point 6).

The conductor prepares a county hall's database, starts the real ``hallq server`` process on it
(nightly backups on, a small log cap so the month rotates its log), the floor process (the other
kiosks and windows over the API, workbench/soak/floor.py) and every terminal program in a process
of its own (workbench/soak/terminals.py: kiosk, two counters, a rating pad, the hall display, a
window screen, the manager console; offscreen, fake devices). All of them read hall time from
one accelerated clock file (hall.clock.FileClock) that the conductor moves: each working day runs
from 08:20 to 19:10 hall time in ``--day-seconds`` of wall time, then the night jumps to 02:20 and
runs until the server's nightly backup appears, and the next working day begins (weekends and the
hall's closed dates are jumped over). After each night it records a row (workbench/soak/measure.py);
at the end it prints the table and a verdict per series (workbench/soak/verdict.py), draws the RSS
plot, and fails on any error line, a missed rollover or backup, a process that died, or growth
without bound.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
COUNTER_WINDOWS = {1: "1001", 5: "1003"}  # the counters run as programs, with the clerks of tests/acceptance/hall_day.py
PAD_WINDOW = SCREEN_WINDOW = 5
DAY_START, DAY_END, NIGHT_START = "08:20", "19:10", "02:20"
WALK_INS_FROM = "08:30"
WALK_IN_SECONDS = (19 - 8.5) * 3600  # 08:30-19:00: regular hours, lunch service and extended hours
BACKUP_WAIT_SECONDS = 30.0
SERVER_LOG_CAP_MB = 0.01  # small on purpose; yet the server writes only ~5 KB a month (a line per backup), so it rarely rotates
DEFAULT_START = date(2027, 3, 1)  # a Monday


def add_arguments(parser: argparse.ArgumentParser) -> None:
    soak = parser.add_argument_group("soak (hallq bench soak)")
    soak.add_argument("--days", type=int, help="soak: working days to run (30; --quick 2) / 浸泡天数")
    soak.add_argument("--tickets-per-day", type=int, help="soak: the hall's daily volume (1000; --quick 300) / 每日取号量")
    soak.add_argument("--kiosk-share", type=float, default=0.05, help="soak: share of tickets taken at the kiosk program")
    soak.add_argument("--day-seconds", type=float, help="soak: wall seconds per hall day, 08:20-19:10 (40; --quick 15)")
    soak.add_argument("--soak-dir", help="soak: keep the database, logs and backups here (default: a temporary folder)")
    soak.add_argument("--plot", help="soak: write the RSS plot to this PNG (e.g. docs/soak-rss.png)")


@dataclass
class SoakOptions:
    days: int
    tickets_per_day: int
    kiosk_share: float
    day_seconds: float
    directory: Path
    plot: Path | None = None
    start: date = DEFAULT_START

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SoakOptions:
        quick = bool(getattr(args, "quick", False))
        directory = Path(args.soak_dir) if args.soak_dir else Path(tempfile.mkdtemp(prefix="hallq-soak-"))
        return cls(
            days=args.days or (2 if quick else 30),
            tickets_per_day=args.tickets_per_day or (300 if quick else 1000),
            kiosk_share=args.kiosk_share,
            day_seconds=args.day_seconds or (15.0 if quick else 40.0),
            directory=directory,
            plot=Path(args.plot) if args.plot else None,
        )

    @property
    def rate(self) -> float:
        """Hall seconds per wall second."""
        span = datetime.strptime(DAY_END, "%H:%M") - datetime.strptime(DAY_START, "%H:%M")
        return span.total_seconds() / self.day_seconds


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]


@dataclass
class SoakHall:
    """The running hall: the server, the floor and the programs as processes, and their clock."""

    options: SoakOptions
    url: str = ""
    manager_token: str = ""
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.options.directory / "hall.db"

    @property
    def clock_file(self) -> Path:
        return self.options.directory / "clock.json"

    @property
    def logs(self) -> Path:
        return self.options.directory / "logs"

    @property
    def backups(self) -> Path:
        return self.options.directory / "backups"

    def local(self, day: date, clock_time: str) -> datetime:
        from hall.config import load_sample_hall

        zone = load_sample_hall().hours.zone
        return datetime.combine(day, datetime.strptime(clock_time, "%H:%M").time(), zone)

    def set_clock(self, instant: datetime, running: bool = True) -> None:
        from hall.clock import FileClock

        FileClock.write(self.clock_file, instant, self.options.rate if running else 0.0)

    def hold_clock(self, held: bool) -> None:
        """Stops hall time where it is (or runs it on again) with no step back for any reader."""
        from hall.clock import FileClock

        FileClock.change_rate(self.clock_file, 0.0 if held else self.options.rate)

    def hall_now(self) -> datetime:
        from hall.clock import FileClock

        return FileClock(self.clock_file).now()

    # ------------------------------------------------------------------ starting

    def prepare(self) -> dict[str, Any]:
        """The database with every device enrolled (as ``hallq enroll`` does), before the server starts."""
        from hall.clock import FakeClock
        from hall.config import load_sample_hall
        from server.runner import prepare_hall

        self.logs.mkdir(parents=True, exist_ok=True)
        config = load_sample_hall()
        hall = prepare_hall(f"sqlite:///{self.database}", config, clock=FakeClock(self.local(self.options.start, "07:00")))
        try:

            def enroll(role: str, name: str, window: int | None = None) -> str:
                return str(hall.store.enroll_device(None, hall.hall_id, role, name, window)["token"])

            self.manager_token = enroll("manager", "manager")
            tokens = {
                "kiosk": enroll("kiosk", "kiosk-1"),
                "pad": enroll("pad", f"pad-{PAD_WINDOW}", PAD_WINDOW),
                "display": enroll("display", "hall-display"),
                "window-screen": enroll("display", f"window-screen-{SCREEN_WINDOW}"),
                **{f"counter-{n}": enroll("counter", f"counter-{n}", n) for n in COUNTER_WINDOWS},
            }
            free_clerks = [c for c in config.clerks if c.staff_no not in COUNTER_WINDOWS.values()]
            floor_windows = [w.number for w in config.windows if w.open and w.number not in COUNTER_WINDOWS]
            windows = [
                {"number": n, "token": enroll("counter", f"floor-{n}", n), "staff_no": c.staff_no, "pin": c.pin or c.staff_no}
                for n, c in zip(floor_windows, free_clerks, strict=False)
            ]
            tokens["floor-kiosk"] = enroll("kiosk", "floor-kiosks")
        finally:
            hall.engines.dispose()
        serving = len(windows) + len(COUNTER_WINDOWS)
        return {
            "tokens": tokens,
            "windows": windows,
            "series": [c.series for c in config.categories],
            # Each window serves at about 80% of what the day's volume asks of it.
            "service_seconds": min(600.0, 0.8 * serving * WALK_IN_SECONDS / self.options.tickets_per_day),
        }

    def _spawn(self, name: str, command: list[str]) -> Process:
        log = self.logs / f"{name}.out"
        handle = log.open("ab")
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
        popen = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=environment, cwd=ROOT)
        process = Process(name, popen, log, handle)
        self.processes[name] = process
        return process

    def start(self) -> None:
        plan = self.prepare()
        self.set_clock(self.local(self.options.start, "07:30"), running=False)  # held until the first morning
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        python = sys.executable
        self._spawn(
            "server",
            [
                python, "-m", "hallq", "--log-file", str(self.logs / "server.log"), "--log-max-mb", str(SERVER_LOG_CAP_MB),
                "server", "--database", f"sqlite:///{self.database}", "--plain-http", "--port", str(port),
                "--backup-at", "02:30", "--backup-dir", str(self.backups), "--clock-file", str(self.clock_file),
            ],
        )  # fmt: skip
        self._wait_for_server()
        tokens = plan["tokens"]
        kiosk_tickets = max(1, round(self.options.tickets_per_day * self.options.kiosk_share))
        floor_tickets = max(1, self.options.tickets_per_day - kiosk_tickets)
        floor_plan = {
            "server": self.url, "clock_file": str(self.clock_file), "kiosk_token": tokens["floor-kiosk"], "windows": plan["windows"],
            "series": plan["series"], "ticket_interval": WALK_IN_SECONDS / floor_tickets, "service_seconds": plan["service_seconds"],
            "seed": 3,
        }  # fmt: skip
        plan_file = self.options.directory / "floor-plan.json"
        plan_file.write_text(json.dumps(floor_plan), encoding="utf-8")
        self._spawn("floor", [python, "-m", "workbench.soak.floor", "--plan", str(plan_file)])
        terminal = [python, "-m", "workbench.soak.terminals"]
        common = ["--server", self.url, "--clock-file", str(self.clock_file)]
        self._spawn(
            "kiosk", [*terminal, "kiosk", *common, f"--token={tokens['kiosk']}", "--ticket-interval", str(WALK_IN_SECONDS / kiosk_tickets)]
        )
        for number, staff_no in COUNTER_WINDOWS.items():
            self._spawn(
                f"counter-{number}",
                [*terminal, "counter", *common, f"--token={tokens[f'counter-{number}']}", "--staff", staff_no,
                 "--service-seconds", str(plan["service_seconds"])],
            )  # fmt: skip
        self._spawn(f"pad-{PAD_WINDOW}", [*terminal, "pad", *common, f"--token={tokens['pad']}", "--window", str(PAD_WINDOW)])
        self._spawn("display", [*terminal, "display", *common, f"--token={tokens['display']}"])
        self._spawn(
            f"screen-{SCREEN_WINDOW}",
            [*terminal, "window-screen", *common, f"--token={tokens['window-screen']}", "--window", str(SCREEN_WINDOW)],
        )
        self._spawn("manager", [*terminal, "manager", *common, f"--token={self.manager_token}"])
        self._wait_for_programs()

    def _wait_for_programs(self) -> None:
        """Until every program has reported to the server (its first heartbeat): a day begun while
        they are still starting would lose its morning."""
        from server.client import HallClient

        client = HallClient(self.url, self.manager_token)
        deadline = time.monotonic() + 120
        while True:
            waiting = [d["name"] for d in client.devices() if d["last_seen_at"] is None and not d["name"].startswith("floor")]
            dead = [p.name for p in self.processes.values() if p.popen.poll() is not None]
            if dead:
                raise RuntimeError(f"soak programs exited at start / 程序启动失败: {dead}; see {self.logs}")
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"soak programs did not report to the server / 程序未连接服务器: {waiting}")
            time.sleep(0.5)

    def _wait_for_server(self) -> None:
        from server.client import ApiError, HallClient

        client = HallClient(self.url, self.manager_token)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.health()
                return
            except ApiError:
                if time.monotonic() > deadline or self.processes["server"].popen.poll() is not None:
                    raise RuntimeError(f"hallq server did not start / 服务器未能启动: see {self.processes['server'].log}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in self.processes.values():
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
            process.handle.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["SoakHall", "SoakOptions", "add_arguments"]
