"""`hallq bench display`: how fast a call reaches the hall's screens, and how long its voice takes.

* **Call → screens.** A hall server runs in-process on 127.0.0.1 (SQLite in a temp dir); 50
  display clients hold the event WebSocket open (plain ``websockets`` clients on one asyncio
  loop in a thread — the same stream and messages the Qt display reads, without 50 widgets).
  A clerk calls numbers over HTTP; for each call the bench takes the time from just before the
  ``call-next`` request to the moment each client has the ``ticket_called`` event. Figures:
  p50 / p99 / max over calls × clients.
* **Speech.** The Chinese phrase for a call rendered cold (empty cache, espeak-ng through
  pyttsx3) and then from the cache.

Figures are printed, never asserted (DESIGN.md §7). Server, clients and clerk share one Python
process (and its GIL), so the latency is a pessimistic bound for one display per machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from hall.announcements import AnnouncementStyle, Call, phrases_for
from hall.clock import FakeClock
from hardware.speech.bench import percentile
from server.client import HallClient
from server.runner import ServerThread, prepare_hall

CLIENTS = 50


class Displays:
    """``n`` WebSocket clients on one asyncio loop in a thread, recording when each call arrives."""

    def __init__(self, url: str, token: str, n: int) -> None:
        self.ws_url = url.replace("http", "ws", 1) + "/ws/events"
        self.token, self.n = token, n
        self.received: dict[str, list[float]] = defaultdict(list)
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="bench-displays", daemon=True)

    async def _client(self, connected: list[int]) -> None:
        from websockets.asyncio.client import connect

        async with connect(self.ws_url, additional_headers={"Authorization": f"Bearer {self.token}"}, max_size=None) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "snapshot"
            connected.append(1)
            if len(connected) == self.n:
                self.ready.set()
            async for text in ws:
                at = time.perf_counter()
                message: dict[str, Any] = json.loads(text)
                if message.get("kind") == "ticket_called":
                    with self._lock:
                        self.received[message["data"]["ticket"]["number"]].append(at)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        connected: list[int] = []
        tasks = [asyncio.create_task(self._client(connected)) for _ in range(self.n)]
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self) -> None:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("display clients did not connect")

    def count(self, number: str) -> int:
        with self._lock:
            return len(self.received.get(number, ()))

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


def bench_calls(calls: int, clients: int = CLIENTS) -> str:
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory(prefix="hallq-bench-display-") as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store).start()
        try:
            store, hid = hall.store, hall.hall_id
            kiosk = HallClient(server.url, store.enroll_device(None, hid, "kiosk", "k")["token"])
            counter = HallClient(server.url, store.enroll_device(None, hid, "counter", "c1", 1)["token"])
            clerk = HallClient(server.url, counter.login("1001", "1001")["token"])
            display_token = store.enroll_device(None, hid, "display", "d")["token"]
            numbers = [kiosk.issue("A")["number"] for _ in range(calls + 2)]
            displays = Displays(server.url, display_token, clients)
            displays.start()
            latencies: list[float] = []
            worst_per_call: list[float] = []
            for i in range(calls + 2):
                t0 = time.perf_counter()
                called = clerk.call_next(1)
                number = (called.get("ticket") or called).get("number", numbers[i])
                deadline = time.monotonic() + 10
                while displays.count(number) < clients and time.monotonic() < deadline:
                    time.sleep(0.0005)
                arrivals = list(displays.received.get(number, ()))
                if i >= 2:   # the first two calls warm up connections and caches
                    these = [a - t0 for a in arrivals]
                    latencies.extend(these)
                    worst_per_call.append(max(these) if these else float("inf"))
                clerk.start(1)
                clerk.finish(1, "immediate")
                clock.advance(30)
            displays.stop()
        finally:
            server.stop()
            hall.engines.dispose()
    ms = [x * 1000 for x in latencies]
    missing = calls * clients - len(ms)
    return (
        f"call → {clients} displays (websockets clients, one asyncio loop; server in-process, SQLite): "
        f"{calls} calls, {len(ms)} deliveries{f', {missing} MISSING' if missing else ''}\n"
        f"  latency p50={percentile(ms, 50):.1f} ms  p99={percentile(ms, 99):.1f} ms  max={max(ms):.1f} ms; "
        f"last display per call p50={percentile([w * 1000 for w in worst_per_call], 50):.1f} ms"
    )


def bench_speech(calls: int) -> str:
    from hardware.speech import open_announcer

    with tempfile.TemporaryDirectory(prefix="hallq-bench-speech-") as cache:
        announcer = open_announcer(f"tts://?cache={cache}")
        status = announcer.status
        if not status.speaking:
            return f"speech: unavailable ({status.message.en})"
        phrases = [phrases_for(Call(f"A{i * 7 % 300 + 1:03d}", i % 20 + 1), AnnouncementStyle())[0] for i in range(calls)]
        cold, cached = [], []
        for phrase in phrases:
            start = time.perf_counter()
            announcer.render_phrase(phrase).result(timeout=60)
            cold.append((time.perf_counter() - start) * 1000)
        for phrase in phrases:
            start = time.perf_counter()
            announcer.render_phrase(phrase).result(timeout=60)
            cached.append((time.perf_counter() - start) * 1000)
        announcer.close()
    return (
        f"speech ({status.detail}): {calls} Chinese call phrases\n"
        f"  cold   p50={percentile(cold, 50):.1f} ms  max={max(cold):.1f} ms\n"
        f"  cached p50={percentile(cached, 50):.3f} ms  max={max(cached):.3f} ms"
    )


def main(args: argparse.Namespace | None = None) -> str:
    quick = bool(getattr(args, "quick", False))
    return bench_calls(20 if quick else 100) + "\n" + bench_speech(4 if quick else 12)


if __name__ == "__main__":
    print(main())
