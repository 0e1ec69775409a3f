"""Where the server's time goes: py-spy over the server process during a phase, and a cProfile
of the store's own operations without HTTP."""

from __future__ import annotations

import cProfile
import io
import pstats
import secrets
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from workbench.bench.large_hall import BENCH_PIN, CATEGORIES, PRELOAD, large_hall, preload_waiting, series_names
from workbench.bench.load import pct


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
