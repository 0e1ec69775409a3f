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

This module runs the phases against each backend; the hall is large_hall.py, the load
generator load.py, the CPU readings cpu.py, the profiles profiling.py, the printout
server_report.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workbench.bench.large_hall import BENCH_PIN, CATEGORIES, PRELOAD, WINDOWS, large_hall, preload_waiting, series_names
from workbench.bench.load import FIXED_RATE, Conn, EventStats, Stats, Window, event_delivery, fixed_rate, saturate, window_step
from workbench.bench.profiling import profile_store, start_pyspy, summarize_pyspy
from workbench.bench.server_report import BackendResult, render

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- the server process


def serve(url: str, port: int, workers: int = 1) -> None:
    """The child process: the same app as ``hallq server`` (``--workers N`` on PostgreSQL) over the bench hall."""
    import uvicorn

    from server.app import create_app
    from server.limits import uvicorn_settings
    from server.runner import prepare_hall, run_workers

    hall = prepare_hall(url, large_hall("unused: the hall already exists"))
    if workers > 1:
        hall.engines.dispose()
        run_workers(url, "127.0.0.1", port, workers, log_level="warning")
        return
    uvicorn.run(
        create_app(hall.store, owns_process=True), host="127.0.0.1", port=port, log_level="warning", access_log=False, **uvicorn_settings()
    )


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


# ---------------------------------------------------------------------------- one backend


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
