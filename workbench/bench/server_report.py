"""The server bench's printed report: per backend and phase, throughput, latency percentiles, CPU
per operation and the targets, reported as measured."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from workbench.bench.large_hall import CATEGORIES, PRELOAD, WINDOWS
from workbench.bench.load import EventStats, Stats, pct


@dataclass
class BackendResult:
    name: str
    rows: list[tuple[str, str, Stats]] = field(default_factory=list)
    events: EventStats | None = None
    notes: list[str] = field(default_factory=list)
    setup_seconds: float = 0.0
    workers: int = 1  # server processes


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
