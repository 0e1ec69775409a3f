"""``hallq bench server``: the hall server under load, over real HTTP and WebSocket, on SQLite
and on PostgreSQL.

The server is one uvicorn process started as a subprocess (``python -m workbench.bench.server
--serve URL PORT``: the same app ``hallq server`` runs), so it has an interpreter of its own;
the load generator is this process (asyncio, a minimal HTTP/1.1 keep-alive client, so the
generator costs little CPU). Both share the machine's cores, which the output states.

The hall is large and built in code: 100 windows, 30 categories, 100 clerks logged in through
their counters, and 5,000 waiting tickets preloaded (bulk insert, not through the API). Then:

- issue saturation: concurrent kiosks issuing as fast as they can;
- call-next / start / finish saturation: all 100 windows serving as fast as they can;
- mixed saturation: both at once — the hall's ticket operations per second;
- fixed rate: 200 requests/s open loop (a quarter issues, the rest window steps), latency from
  the scheduled send time, so a slow server cannot hide queueing;
- event delivery: 200 WebSocket subscribers while windows call numbers; latency from the call's
  response (the commit has happened) to receipt at each subscriber;
- a cProfile of the store's issue / call-next / finish (no HTTP) to show where time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from hall.config import CategoryConfig, ClerkConfig, HallConfig, HoursConfig, ItemConfig, TimeRange, WindowConfig

REPO = Path(__file__).resolve().parents[2]
HALL_CODE = "bench-large-hall"
PRELOAD = 5_000
WINDOWS = 100
CATEGORIES = 30
SUBSCRIBERS = 200
FIXED_RATE = 200.0


# ---------------------------------------------------------------------------- the hall


def series_names(count: int) -> list[str]:
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    names = letters + [a + b for a in letters for b in letters]
    return names[:count]


def large_hall(pin_hash: str, windows: int = WINDOWS, categories: int = CATEGORIES, clerks: int = WINDOWS) -> HallConfig:
    """A big county hall, open every day all day (the bench runs on the system clock)."""
    names = series_names(categories)
    cats = tuple(
        CategoryConfig(
            series=s,
            name_zh=f"业务{s}",
            name_en=f"Service {s}",
            department=f"部门{i % 12}",
            expected_service_minutes=8 + i % 10,
            items=(ItemConfig(f"{s}01", f"事项{s}01", f"Item {s}01", promised_days=3), ItemConfig(f"{s}02", f"事项{s}02", f"Item {s}02")),
        )
        for i, s in enumerate(names)
    )
    wins = tuple(
        WindowConfig(
            number=n,
            name_zh=f"{n}号窗口",
            name_en=f"Window {n}",
            department=f"部门{n % 12}",
            primary=(names[(n - 1) % categories],),
            secondary=(names[n % categories], names[(n + 1) % categories]),
        )
        for n in range(1, windows + 1)
    )
    staff = tuple(ClerkConfig(staff_no=f"{5000 + n}", name=f"办事员{n}", pin_hash=pin_hash) for n in range(1, clerks + 1))
    hours = HoursConfig(workdays=(1, 2, 3, 4, 5, 6, 7), regular=(TimeRange(dtime(0, 0), dtime(23, 59, 59, 999999)),))
    return HallConfig(
        code=HALL_CODE,
        name_zh="大型政务服务中心（压测）",
        name_en="Large hall (benchmark)",
        hours=hours,
        categories=cats,
        windows=wins,
        clerks=staff,
    )


BENCH_PIN = "246810"


def preload_waiting(hall: Any, count: int) -> None:
    """``count`` waiting tickets for today, spread over the categories, by bulk insert (with the
    day counters they imply, so issuing continues the numbering)."""
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import Session

    from db.models import Category, DayCounter, Ticket
    from db.models import Hall as HallRow
    from hall.calendar import business_day
    from hall.numbering import format_number

    now = datetime.now(UTC)
    today = business_day(hall.config.hours, now)
    with Session(hall.engines.write) as session, session.begin():
        categories = dict(session.execute(select(Category.series, Category.id).where(Category.hall_id == hall.hall_id)).all())
        names = sorted(categories)
        counters: dict[str, int] = defaultdict(int)
        for series, last in session.execute(
            select(DayCounter.series, DayCounter.last_number).where(DayCounter.hall_id == hall.hall_id, DayCounter.business_day == today)
        ):
            counters[series] = last
        existing = set(counters)
        rows = []
        for i in range(count):
            series = names[i % len(names)]
            counters[series] += 1
            number = counters[series]
            rows.append(
                {
                    "hall_id": hall.hall_id,
                    "public_id": secrets.token_hex(8),
                    "business_day": today,
                    "series": series,
                    "number": number,
                    "display_number": format_number(series, number),
                    "category_id": categories[series],
                    "items": [],
                    "priority": False,
                    "priority_reason": "",
                    "source": "kiosk",
                    "status": "waiting",
                    "issued_at": now,
                    "queue_key": now.timestamp() - count + i,
                    "recall_count": 0,
                    "transfer_count": 0,
                    "note": "",
                    "print_count": 0,
                }
            )
        session.execute(insert(Ticket), rows)
        for series, last in counters.items():
            if series in existing:
                session.execute(
                    update(DayCounter)
                    .where(DayCounter.hall_id == hall.hall_id, DayCounter.business_day == today, DayCounter.series == series)
                    .values(last_number=last)
                )
            else:
                session.execute(insert(DayCounter).values(hall_id=hall.hall_id, business_day=today, series=series, last_number=last))
        session.execute(update(HallRow).where(HallRow.id == hall.hall_id).values(current_day=today))
    if hall.engines.is_postgres:
        # A hall that has been running has planner statistics (autovacuum analyzes a table once a
        # tenth of it changed); a bulk insert into a new table has none until autovacuum's next
        # round, and with none PostgreSQL reads the day's whole queue for every call (2 ms, not 0.3).
        with hall.engines.write.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


# ---------------------------------------------------------------------------- the server process


def serve(url: str, port: int, workers: int = 1) -> None:
    """The child process: the same app as ``hallq server`` (``--workers N`` on PostgreSQL) over the bench hall."""
    import uvicorn

    from server.app import create_app
    from server.runner import prepare_hall, run_workers

    hall = prepare_hall(url, large_hall("unused: the hall already exists"))
    if workers > 1:
        hall.engines.dispose()
        run_workers(url, "127.0.0.1", port, workers, log_level="warning")
        return
    uvicorn.run(create_app(hall.store, owns_process=True), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerChild:
    def __init__(self, url: str, log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.log = log
        self.workers = workers
        self._log_file = open(log, "wb")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "workbench.bench.server", "--serve", url, str(self.port), str(workers)]
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bench server exited: {self.log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{self.port}/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError("bench server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log_file.close()


# ---------------------------------------------------------------------------- a lean HTTP client


class Conn:
    """One keep-alive HTTP/1.1 connection: a request at a time, JSON in and out."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def call(self, method: str, path: str, body: Any = None, key: bool = False) -> tuple[int, Any]:
        for attempt in range(2):
            try:
                if self.writer is None:
                    await self._open()
                return await self._call(method, path, body, key)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                if self.writer is not None:
                    self.writer.close()
                self.reader = self.writer = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _call(self, method: str, path: str, body: Any, key: bool) -> tuple[int, Any]:
        assert self.reader is not None and self.writer is not None
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        )
        if key:
            head += f"Idempotency-Key: {secrets.token_hex(12)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, json.loads(data) if data else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# ---------------------------------------------------------------------------- measurements


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unfinished: list[float] = field(default_factory=list)  # open loop: still unanswered at the end (lower bounds)
    server_cpu: float = float("nan")  # CPU seconds of the server's processes during the phase (user + system)
    generator_cpu: float = float("nan")  # CPU seconds of this load generator during the phase
    database_cpu: float = float("nan")  # CPU seconds of this machine's PostgreSQL processes during the phase (PostgreSQL runs only)

    def add(self, op: str, latency: float, status: int, body: Any) -> None:
        if status >= 400:
            self.errors[op] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{op} {status} {str(body)[:120]}")
        else:
            self.latencies[op].append(latency)

    @property
    def total_ok(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Window:
    number: int
    conn: Conn
    step: int = 0  # 0 call-next, 1 start, 2 finish
    busy: bool = False


async def window_step(window: Window, stats: Stats, started: float | None = None) -> tuple[str, Any]:
    """One step of a window's cycle; returns the op and the response body."""
    t0 = time.perf_counter() if started is None else started
    n = window.number
    if window.step == 0:
        op, (status, body) = "call-next", await window.conn.call("POST", f"/api/windows/{n}/call-next", key=True)
        if status < 400 and body.get("ticket"):
            window.step = 1
    elif window.step == 1:
        op, (status, body) = "start", await window.conn.call("POST", f"/api/windows/{n}/start")
        window.step = 2 if status < 400 else 0
    else:
        op, (status, body) = "finish", await window.conn.call("POST", f"/api/windows/{n}/finish", {"outcome": "immediate"}, key=True)
        window.step = 0
    stats.add(op, time.perf_counter() - t0, status, body)
    return op, body


async def kiosk_issue(conn: Conn, series: list[str], stats: Stats, rng: random.Random, started: float | None = None) -> Any:
    t0 = time.perf_counter() if started is None else started
    status, body = await conn.call("POST", "/api/tickets", {"series": rng.choice(series)}, key=True)
    stats.add("issue", time.perf_counter() - t0, status, body)
    return body


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (the workers of
    ``--workers N``), from /proc; NaN where /proc is not there. Unlike throughput, CPU per operation
    does not depend on what else the machine runs, so it shows what the server costs."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid ...
        this_pid, parent = int(stat.parent.name), int(fields[1])
        if this_pid == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            found = True
    return total if found else float("nan")


@dataclass(frozen=True)
class PostgresCpu:
    """CPU seconds (user + system) of this machine's PostgreSQL processes at one instant, from
    /proc: each live process's, and the postmaster's count of its reaped children. With the
    database on the same machine it takes its share of the cores, so the CPU an operation costs
    the machine is the server's plus this plus the load generator's."""

    processes: dict[int, float]
    reaped: float

    @classmethod
    def now(cls) -> PostgresCpu | None:
        """None where /proc or PostgreSQL is not there."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        processes: dict[int, float] = {}
        reaped = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                program = (stat.parent / "cmdline").read_bytes().split(b"\0", 1)[0]
                text = stat.read_text()
            except OSError:
                continue
            # The postmaster runs as .../bin/postgres; its children retitle themselves "postgres: ...".
            postmaster = program.rsplit(b"/", 1)[-1] == b"postgres"
            if postmaster or program.startswith(b"postgres:"):
                fields = text[text.rindex(")") + 2 :].split()  # state ppid ... utime(11) stime(12) cutime(13) cstime(14)
                processes[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
                if postmaster:
                    reaped += (int(fields[13]) + int(fields[14])) / ticks
        return cls(processes, reaped) if processes else None

    def spent_since(self, before: PostgresCpu) -> float:
        """CPU seconds used between ``before`` and this instant. A backend whose connection closed
        meanwhile is in the reaped count with its whole life: what it had used before is taken off."""
        live = sum(cpu - before.processes.get(pid, 0.0) for pid, cpu in self.processes.items())
        ended = sum(cpu for pid, cpu in before.processes.items() if pid not in self.processes)
        return live + (self.reaped - before.reaped) - ended


async def saturate(
    port: int,
    kiosk_tokens: list[str],
    windows: list[Window],
    series: list[str],
    seconds: float,
    server_pid: int = 0,
    postgres: bool = False,
) -> Stats:
    """Closed loop: every kiosk connection and every window as fast as the server answers."""
    stats = Stats()
    server_cpu, generator_cpu = process_tree_cpu(server_pid) if server_pid else float("nan"), time.process_time()
    database_before = PostgresCpu.now() if postgres else None
    stop_at = time.perf_counter() + seconds
    rng = random.Random(1)

    async def kiosk_loop(token: str) -> None:
        conn = Conn(port, token)
        while time.perf_counter() < stop_at:
            await kiosk_issue(conn, series, stats, rng)
        conn.close()

    async def window_loop(window: Window) -> None:
        while time.perf_counter() < stop_at:
            await window_step(window, stats)

    t0 = time.perf_counter()
    await asyncio.gather(*(kiosk_loop(t) for t in kiosk_tokens), *(window_loop(w) for w in windows))
    stats.seconds = time.perf_counter() - t0
    stats.generator_cpu = time.process_time() - generator_cpu
    if server_pid:
        stats.server_cpu = process_tree_cpu(server_pid) - server_cpu
    database_after = PostgresCpu.now() if database_before is not None else None
    if database_before is not None and database_after is not None:
        stats.database_cpu = database_after.spent_since(database_before)
    return stats


async def fixed_rate(
    port: int, kiosk_tokens: list[str], windows: list[Window], series: list[str], rate: float, seconds: float, grace: float = 2.0
) -> Stats:
    """Open loop at ``rate`` requests/s: a quarter issues, the rest the next step of an idle
    window. Latency counts from the scheduled instant, so queueing in the server shows.
    Requests still unanswered ``grace`` s after the last one was due are abandoned and counted
    as unfinished, their wait so far a lower bound of their latency."""
    stats = Stats()
    rng = random.Random(2)
    idle_kiosks = [Conn(port, t) for t in kiosk_tokens]
    pending: dict[asyncio.Task[Any], float] = {}
    start = time.perf_counter()
    order = list(windows)
    cursor = 0

    async def issue(scheduled: float) -> None:
        conn = idle_kiosks.pop() if idle_kiosks else Conn(port, kiosk_tokens[0])
        await kiosk_issue(conn, series, stats, rng, scheduled)
        idle_kiosks.append(conn)

    async def step(window: Window, scheduled: float) -> None:
        await window_step(window, stats, scheduled)
        window.busy = False

    i = 0
    while True:
        scheduled = start + i / rate
        if scheduled - start >= seconds:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        window = None
        if i % 4:
            for _ in range(len(order)):
                candidate = order[cursor % len(order)]
                cursor += 1
                if not candidate.busy:
                    window = candidate
                    break
        if window is None:
            task = asyncio.create_task(issue(scheduled))
        else:
            window.busy = True
            task = asyncio.create_task(step(window, scheduled))
        pending[task] = scheduled
        i += 1
    stats.seconds = time.perf_counter() - start
    await asyncio.wait(list(pending), timeout=max(0.0, start + seconds + grace - time.perf_counter()))
    now = time.perf_counter()
    for task, scheduled in pending.items():
        if not task.done():
            task.cancel()
            stats.unfinished.append(now - scheduled)
    await asyncio.gather(*pending, return_exceptions=True)
    for window in windows:
        if window.busy:  # its request was abandoned mid-flight: fresh connection, state unknown
            window.conn.close()
            window.conn = Conn(port, window.conn.token)
            window.busy, window.step = False, 0
    for conn in idle_kiosks:
        conn.close()
    return stats


@dataclass
class EventStats:
    latencies_after_response: list[float] = field(default_factory=list)
    latencies_after_request: list[float] = field(default_factory=list)
    calls: int = 0
    missing: int = 0
    subscribers: int = 0
    connect_seconds: float = 0.0


async def event_delivery(
    port: int, display_token: str, windows: list[Window], seq: int, cycles_per_second: float, seconds: float
) -> EventStats:
    """``SUBSCRIBERS`` WebSocket subscribers; windows call at a steady pace; each ticket_called
    event's arrival at each subscriber is compared with the call's request and response."""
    from websockets.asyncio.client import connect

    result = EventStats()
    arrivals: dict[int, list[float]] = defaultdict(list)
    url = f"ws://127.0.0.1:{port}/ws/events?after={seq}"
    headers = {"Authorization": f"Bearer {display_token}"}
    t0 = time.perf_counter()
    sockets = []
    for batch in range(0, SUBSCRIBERS, 25):
        sockets += await asyncio.gather(
            *(connect(url, additional_headers=headers, max_queue=None) for _ in range(batch, min(batch + 25, SUBSCRIBERS)))
        )
    result.connect_seconds = time.perf_counter() - t0
    result.subscribers = len(sockets)

    async def listen(ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for message in ws:
                now = time.time()
                if '"ticket_called"' in message:
                    event = json.loads(message)
                    if event.get("kind") == "ticket_called" and event["data"].get("recall") == 0:
                        arrivals[event["data"]["ticket"]["id"]].append(now)

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    await asyncio.sleep(0.5)
    sent: dict[int, tuple[float, float]] = {}
    stats = Stats()
    rng = random.Random(3)
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        window = rng.choice(windows)
        # bring the window back to "call next"
        while window.step != 0:
            await window_step(window, stats)
        before = time.time()
        _op, body = await window_step(window, stats)
        after = time.time()
        if body and body.get("ticket"):
            sent[body["ticket"]["id"]] = (before, after)
        await asyncio.sleep(1.0 / cycles_per_second)
    await asyncio.sleep(1.5)
    for ws in sockets:
        await ws.close()
    for task in listeners:
        task.cancel()
    result.calls = len(sent)
    for ticket_id, (before, after) in sent.items():
        got = arrivals.get(ticket_id, [])
        result.missing += result.subscribers - len(got)
        result.latencies_after_request += [t - before for t in got]
        result.latencies_after_response += [max(0.0, t - after) for t in got]
    return result


# ---------------------------------------------------------------------------- one backend


@dataclass
class BackendResult:
    name: str
    rows: list[tuple[str, str, Stats]] = field(default_factory=list)
    events: EventStats | None = None
    notes: list[str] = field(default_factory=list)
    setup_seconds: float = 0.0
    workers: int = 1  # server processes


def run_backend(name: str, url: str, workdir: Path, quick: bool, workers: int = 1) -> BackendResult:
    from db.security import hash_pin
    from server.runner import prepare_hall

    phase = 4.0 if quick else 20.0
    result = BackendResult(name, workers=workers)
    t0 = time.perf_counter()
    config = large_hall(hash_pin(BENCH_PIN))
    hall = prepare_hall(url, config)
    preload_waiting(hall, PRELOAD)
    store = hall.store
    tokens = {
        "manager": store.enroll_device(None, hall.hall_id, "manager", "bench manager")["token"],
        "display": store.enroll_device(None, hall.hall_id, "display", "bench display")["token"],
        "kiosks": [store.enroll_device(None, hall.hall_id, "kiosk", f"bench kiosk {i}")["token"] for i in range(32)],
        "counters": [store.enroll_device(None, hall.hall_id, "counter", f"bench counter {n}", n)["token"] for n in range(1, WINDOWS + 1)],
    }
    hall.engines.dispose()
    server = ServerChild(url, workdir / f"server-{name}.log", workers)
    if workers > 1:
        result.notes.append(f"server: {workers} worker processes (`hallq server --workers {workers}`); py-spy follows them all")
    try:
        server.wait_ready()
        result.rows, result.events, notes = asyncio.run(
            _drive(server.port, tokens, series_names(CATEGORIES), phase, server.process.pid, workdir / f"pyspy-{name}.txt", name == "postgres")
        )
        result.notes += notes
    finally:
        server.stop()
    result.setup_seconds = time.perf_counter() - t0 - sum(s.seconds for _, _, s in result.rows)
    return result


async def _drive(
    port: int, tokens: dict[str, Any], series: list[str], phase: float, server_pid: int, pyspy_out: Path, postgres: bool = False
) -> tuple[list[tuple[str, str, Stats]], EventStats, list[str]]:
    notes: list[str] = []
    # 100 clerks log in through their counters (argon2 on the server: a few at a time).
    clerk_tokens: list[str] = []
    semaphore = asyncio.Semaphore(4)

    async def login(n: int) -> str:
        async with semaphore:
            conn = Conn(port, tokens["counters"][n - 1])
            status, body = await conn.call("POST", "/api/login", {"staff_no": f"{5000 + n}", "pin": BENCH_PIN})
            conn.close()
            if status != 201 and status != 200:
                raise RuntimeError(f"login at window {n} failed: {status} {body}")
            return str(body["token"])

    clerk_tokens = list(await asyncio.gather(*(login(n) for n in range(1, WINDOWS + 1))))
    windows = [Window(n, Conn(port, clerk_tokens[n - 1])) for n in range(1, WINDOWS + 1)]
    kiosks = tokens["kiosks"]
    # warm up (connections, caches)
    await saturate(port, kiosks[:4], windows[:4], series, 1.0)
    for window in windows:
        while window.step != 0:
            await window_step(window, Stats())

    rows = [
        ("issue saturation (32 kiosks)", "issue", await saturate(port, kiosks, [], series, phase, server_pid, postgres)),
        ("window saturation (100 windows)", "calls", await saturate(port, [], windows, series, phase, server_pid, postgres)),
    ]
    spy = start_pyspy(server_pid, phase, pyspy_out)
    rows.append(("mixed saturation (32 kiosks + 100 windows)", "mixed", await saturate(port, kiosks, windows, series, phase, server_pid, postgres)))
    if spy is not None:
        await asyncio.to_thread(spy.wait, 60)
        notes.append(summarize_pyspy(pyspy_out))
    for window in windows:
        while window.step != 0:
            await window_step(window, Stats())
    manager = Conn(port, tokens["manager"])
    _status, snapshot = await manager.call("GET", "/api/snapshot")
    manager.close()
    events = await event_delivery(port, tokens["display"], windows, int(snapshot["seq"]), 10.0, phase)
    # Last, because above its capacity the server is left with a backlog of abandoned requests.
    # The generator's own collector must not pause it mid-measurement (a full collection over
    # the latencies and sockets gathered so far stalls every request in flight).
    gc.collect()
    gc.freeze()
    rows.append((f"fixed {FIXED_RATE:.0f} req/s, open loop", "fixed", await fixed_rate(port, kiosks, windows, series, FIXED_RATE, phase)))
    for window in windows:
        window.conn.close()
    return rows, events, notes


# ---------------------------------------------------------------------------- profile


def pyspy_binary() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_pyspy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample the server process (all threads, active samples only) during a phase, if py-spy is installed."""
    binary = pyspy_binary()
    if binary is None:
        return None
    command = [
        binary,
        "record",
        "-p",
        str(pid),
        "-d",
        str(max(1, int(seconds))),
        "-r",
        "200",
        "-f",
        "raw",
        "-o",
        str(out),
        "--nonblocking",
        "--full-filenames",
        "--subprocesses",  # with --workers the requests are served by child processes
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


BUCKETS = [
    ("sqlalchemy", "SQLAlchemy (ORM + Core)"),
    ("sqlite3", "sqlite3 driver / SQLite"),
    ("psycopg", "psycopg driver (incl. waiting for PostgreSQL)"),
    ("pydantic", "pydantic validation"),
    ("fastapi", "FastAPI"),
    ("starlette", "Starlette"),
    ("uvicorn", "uvicorn"),
    ("httptools", "uvicorn"),
    ("websockets", "websockets"),
    ("anyio", "anyio thread pool"),
    ("argon2", "argon2 (PIN checks)"),
    ("json", "json"),
    ("/db/", "hallq db/"),
    ("/hall/", "hallq hall/"),
    ("/server/", "hallq server/"),
    ("asyncio", "asyncio event loop"),
    ("threading", "threads / locks"),
]


DATABASE_CALLS = {
    "do_execute",
    "do_executemany",
    "do_commit",
    "do_rollback",
    "do_execute_no_params",
    "execute",
    "commit",
    "fetchall",
    "fetchone",
}


def summarize_pyspy(path: Path) -> str:
    """Own time by package (leaf frame) and inclusive time of the hot hallq functions."""
    if not path.exists():
        return "py-spy: no profile written (ptrace not permitted?)"
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaf = frames[-1]
        function = leaf.split(" (")[0].rsplit(".", 1)[-1]  # py-spy names methods Class.method
        if function in DATABASE_CALLS and ("sqlalchemy/engine" in leaf or "sqlite3" in leaf or "psycopg" in leaf):
            bucket = "database calls (driver + SQL + waiting for locks / the server)"
        else:
            bucket = next((label for key, label in BUCKETS if key in leaf), "other")
        own[bucket] += count
        for frame in set(frames):
            if ("/db/" in frame or "/server/app.py" in frame) and "site-packages" not in frame:
                inclusive[frame.split(" (")[0] + " (" + Path(frame.split("(")[-1].split(":")[0]).name + ")"] += count
    if not total:
        return "py-spy: empty profile"
    lines = [f"py-spy of the server during mixed saturation ({total} samples of busy threads): own time by package:"]
    for label, count in sorted(own.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"             {count / total * 100:5.1f}%  {label}")
    lines.append("           inclusive time of hallq functions:")
    for name, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"             {count / total * 100:5.1f}%  {name}")
    return "\n".join(lines)


def profile_store(workdir: Path, rounds: int = 150) -> str:
    """cProfile of the store's own work (no HTTP, one thread) on the bench hall over SQLite."""
    from sqlalchemy import event

    from db.security import hash_pin
    from server.runner import prepare_hall

    hall = prepare_hall(f"sqlite:///{workdir / 'profile.db'}", large_hall(hash_pin(BENCH_PIN)))
    preload_waiting(hall, PRELOAD)
    store = hall.store
    kiosk = store.authenticate(store.enroll_device(None, hall.hall_id, "kiosk", "p")["token"])
    counter = store.authenticate(store.enroll_device(None, hall.hall_id, "counter", "p", 1)["token"])
    clerk = store.authenticate(store.login(counter, "5001", BENCH_PIN)["token"])
    names = series_names(CATEGORIES)
    operations: list[tuple[str, Any]] = [
        # Issued into window 1's three categories, so that its queue never runs dry however many rounds.
        ("issue", lambda i: store.issue_ticket(kiosk, names[i % 3], idempotency_key=secrets.token_hex(8))),
        ("call-next", lambda i: store.call_next(clerk, 1, secrets.token_hex(8))),
        ("start", lambda i: store.start(clerk, 1)),
        ("finish", lambda i: store.finish(clerk, 1, "immediate", idempotency_key=secrets.token_hex(8))),
    ]
    # First without the profiler: SQL statements as SQLite runs them (BEGIN and COMMIT included;
    # the hot ones bypass SQLAlchemy's events, see db.fast_sql), CPU and wall time per operation.
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(count)

    hall.engines.write.pool.dispose()  # new connections, each traced
    event.listen(hall.engines.write, "connect", trace)
    measured: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for i in range(rounds):
        for op, run in operations:
            before, cpu, wall = statements[0], time.process_time(), time.perf_counter()
            run(i)
            measured[op].append((statements[0] - before, time.process_time() - cpu, time.perf_counter() - wall))
    event.remove(hall.engines.write, "connect", trace)
    hall.engines.write.pool.dispose()
    per_op = ["store per operation, no HTTP (SQLite synchronous=FULL, one thread; p50 of statements / CPU / wall):"]
    for op, rows in measured.items():
        per_op.append(
            f"  {op:10} {pct([float(r[0]) for r in rows], 50):3.0f} statements  CPU {pct([r[1] for r in rows], 50) * 1000:5.2f} ms"
            f"  wall {pct([r[2] for r in rows], 50) * 1000:5.2f} ms"
        )
    timings: dict[str, list[float]] = defaultdict(list)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(rounds, 2 * rounds):
        for op, run in operations:
            t = time.perf_counter()
            run(i)
            timings[op].append(time.perf_counter() - t)
    profiler.disable()
    hall.engines.dispose()
    lines = [*per_op, "store time per operation, no HTTP (SQLite, one thread, profiler on): "
             + ", ".join(f"{op} {pct(v, 50) * 1000:.1f} ms" for op, v in timings.items())]  # fmt: skip
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = sum(sum(v) for v in timings.values())
    interesting = []
    for (filename, line, func), (_cc, _nc, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/db/" in filename and "site-packages" not in filename:
            interesting.append((cum, f"{Path(filename).parent.name}/{Path(filename).name}:{line} {func}"))
    interesting.sort(reverse=True)
    lines.append("where the store's time goes (cumulative, share of all four operations):")
    for cum, name in interesting[:12]:
        lines.append(f"  {cum / total * 100:5.1f}%  {name}")
    sqla = sum(tt for (filename, _l, _f), (_cc, _nc, tt, _cum, _c) in stats.stats.items() if "sqlalchemy" in filename)  # type: ignore[attr-defined]
    sqlite = sum(tt for (filename, _l, func), (_cc, _nc, tt, _cum, _c) in stats.stats.items() if "sqlite3" in func or "sqlite3" in filename)  # type: ignore[attr-defined]
    lines.append(f"  own time inside SQLAlchemy: {sqla / total * 100:.0f}%; inside the sqlite3 driver: {sqlite / total * 100:.0f}%")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- report


def _ms(value: float) -> str:
    return "    -" if value != value else f"{value * 1000:7.1f}"


def render(
    results: list[BackendResult], skipped: list[str], profile: str, started: float, load: tuple[float, float, float], quick: bool
) -> str:
    cores = os.cpu_count() or 0
    out = [
        "hallq bench server" + ("  (--quick)" if quick else ""),
        f"machine: {cores} CPU cores, load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
        + ("  — other work was running: figures are pessimistic" if load[0] > cores * 0.75 else ""),
        "server: one uvicorn process (subprocess, same app as `hallq server`); load generator: this process (asyncio, keep-alive HTTP/1.1,",
        f"        websockets); they share the {cores} cores. SQLite with synchronous=FULL (as `hallq server`); PostgreSQL fsync=off (throwaway cluster).",
        f"hall: {WINDOWS} windows, {CATEGORIES} categories, {WINDOWS} clerks logged in, {PRELOAD:,} waiting tickets preloaded (bulk insert)",
        "",
        f"{'backend':10} {'phase':44} {'op':10} {'count':>7} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]
    best_ops: dict[str, float] = {}  # per backend: each must reach the aim on its own
    fixed_p99: dict[str, float] = {}
    for result in results:
        for phase_name, _kind, stats in result.rows:
            total = stats.total_ok
            ops = total / stats.seconds if stats.seconds else 0.0
            if "saturation" in phase_name:
                best_ops[result.name] = max(best_ops.get(result.name, 0.0), ops)
            everything = [x for v in stats.latencies.values() for x in v] + stats.unfinished
            out.append(
                f"{result.name:10} {phase_name:44} {'all':10} {total:7d} {ops:8.0f} {_ms(pct(everything, 50))} {_ms(pct(everything, 99))} {sum(stats.errors.values()):7d}"
            )
            if stats.unfinished:
                out.append(
                    f"{'':10}   {len(stats.unfinished)} requests still unanswered 2 s after the last was due were abandoned; they are in the"
                    f" 'all' percentiles with their wait so far (>= {min(stats.unfinished) * 1000:.0f} ms), so those are lower bounds"
                )
            if "fixed" in phase_name:
                fixed_p99[result.name] = pct(everything, 99)
            for op in ("issue", "call-next", "start", "finish"):
                values = stats.latencies.get(op, [])
                if values or stats.errors.get(op):
                    out.append(
                        f"{'':10} {'':44} {op:10} {len(values):7d} {len(values) / stats.seconds:8.0f} {_ms(pct(values, 50))} {_ms(pct(values, 99))} {stats.errors.get(op, 0):7d}"
                    )
            if total and stats.server_cpu == stats.server_cpu:  # not NaN
                database = stats.database_cpu if stats.database_cpu == stats.database_cpu else 0.0
                out.append(
                    f"{'':10}   CPU per operation: server {stats.server_cpu / total * 1000:.2f} ms"
                    + (f", PostgreSQL {database / total * 1000:.2f} ms" if database else "")
                    + f", load generator {stats.generator_cpu / total * 1000:.2f} ms"
                    f" ({stats.server_cpu / stats.seconds * 100:.0f}% of a core for the server)"
                )
                machine = (stats.server_cpu + database + stats.generator_cpu) / total
                if cores:
                    out.append(
                        f"{'':10}   all of it, {machine * 1000:.2f} ms of CPU per operation: this machine's {cores} cores"
                        f" are used up at ~{cores / machine:.0f} ops/s; the server's {result.workers} process"
                        + ("es" if result.workers > 1 else "")
                        + f" (one core each at most: the GIL) at ~{min(cores, result.workers) * total / stats.server_cpu:.0f}"
                    )
            for sample in stats.error_samples[:2]:
                out.append(f"{'':10}   error sample: {sample}")
        if result.events:
            e = result.events
            out.append(
                f"{result.name:10} {'events: ' + str(e.subscribers) + ' WS subscribers, ~10 calls/s':44} {'delivery':10} "
                f"{len(e.latencies_after_response):7d} {'':>8} {_ms(pct(e.latencies_after_response, 50))} {_ms(pct(e.latencies_after_response, 99))} {e.missing:7d}"
            )
            out.append(
                f"{'':10}   {e.calls} calls x {e.subscribers} subscribers; latency from the call's response (commit done) to receipt; "
                f"from the request: p50 {pct(e.latencies_after_request, 50) * 1000:.1f} ms, p99 {pct(e.latencies_after_request, 99) * 1000:.1f} ms, "
                f"max {max(e.latencies_after_request or [0]) * 1000:.1f} ms; 'errors' = deliveries missing; {e.subscribers} connects took {e.connect_seconds:.1f} s"
            )
        for note in result.notes:
            out.append(f"{'':10}   {note}")
        out.append(f"{'':10}   setup (hall import, preload, 100 logins, server start) {result.setup_seconds:.0f} s")
    out.append("")
    for reason in skipped:
        out.append(f"skipped: {reason}")
    event_p99 = max((pct(r.events.latencies_after_response, 99) for r in results if r.events), default=float("nan"))
    out += [
        "targets (reported as measured):",
        "  >= 1,000 ticket ops/s at saturation (best phase): "
        + ", ".join(f"{k} {v:.0f} ops/s -> {'met' if v >= 1000 else 'NOT met'}" for k, v in best_ops.items()),
        "  p99 < 20 ms at 200 req/s: "
        + ", ".join(f"{k} {v * 1000:.1f} ms -> {'met' if v < 0.020 else 'NOT met'}" for k, v in fixed_p99.items()),
        f"  event delivery p99 < 50 ms: worst backend {event_p99 * 1000:.1f} ms -> {'met' if event_p99 < 0.050 else 'NOT met'}",
        "",
        profile,
        "",
        f"total bench time {time.perf_counter() - started:.0f} s",
    ]
    return "\n".join(out)


def _pg_cluster_class() -> Any:
    """The throwaway-cluster helper of the source checkout's tests (tests/support/pg.py)."""
    if not (REPO / "tests" / "support" / "pg.py").exists():
        return None, "tests/support/pg.py not found (run from a source checkout, or pass --database)"
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    # python-barcode (through python-escpos) installs a stray site-packages/tests folder, which
    # Python imports as a namespace package "tests" when the checkout is not first on the path
    # (the installed ``hallq`` script): forget it, so that the checkout's tests package is found.
    loaded = sys.modules.get("tests")
    if loaded is not None and getattr(loaded, "__file__", None) != str(REPO / "tests" / "__init__.py"):
        for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
            del sys.modules[name]
    sys.path.remove(str(REPO))
    sys.path.insert(0, str(REPO))
    from tests.support.pg import PgCluster, unavailable_reason

    return PgCluster, unavailable_reason()


def main(args: argparse.Namespace) -> str:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    load = os.getloadavg()
    quick = bool(getattr(args, "quick", False))
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    results: list[BackendResult] = []
    skipped: list[str] = []
    cluster = None
    try:
        results.append(run_backend("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir, quick))
        pg_url = getattr(args, "database", None)
        if not pg_url:
            cluster_class, reason = _pg_cluster_class()
            if reason:
                skipped.append(f"PostgreSQL: {reason}")
            else:
                cluster = cluster_class(max_connections=300).start()
                pg_url = cluster.create_database("hallq_bench")
        if pg_url:
            results.append(run_backend("postgres", pg_url, workdir, quick, max(1, int(getattr(args, "workers", 1) or 1))))
        profile = profile_store(workdir, 60 if quick else 300)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return render(results, skipped, profile, started, load, quick)


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    else:
        parser = argparse.ArgumentParser(prog="python -m workbench.bench.server")
        parser.add_argument("--database")
        parser.add_argument("--quick", action="store_true")
        parser.add_argument("--workers", type=int, default=1, help="server processes for the PostgreSQL run")
        print(main(parser.parse_args()))
