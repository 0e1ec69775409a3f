"""The server bench's load generator: a lean keep-alive HTTP/1.1 client, closed-loop saturation,
an open-loop fixed rate, and event delivery to many WebSocket subscribers.

It runs in the bench's own process on asyncio, so that generating the load costs little CPU
beside the server it measures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from workbench.bench.cpu import PostgresCpu, process_tree_cpu

SUBSCRIBERS = 200
FIXED_RATE = 200.0


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
