"""``hallq bench kiosk``: from the citizen's "touch" (confirm) to the ticket's bytes handed to the printer.

Each run drives the real kiosk flow (category → item → materials → confirm), issues the ticket on a
real hall server over HTTP (SQLite in a temporary folder, a fixed Tuesday morning so the hall is
open), builds the slip, lays it out and encodes it into python-escpos ``Dummy`` — in text mode and
in raster mode. The Qt event loop is left out: it adds a queued signal hop, well under a
millisecond. Reported: p50, p90, p99 and max in milliseconds, and the server's share.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from escpos.printer import Dummy

from hall.clock import FakeClock
from hardware.printer import RenderMode, TicketPrinter
from hardware.printer.ticket_printer import EscposOutput, StatusPolicy
from kiosk.flow import KioskFlow, Step
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.slip import ticket_slip


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(runs: int = 200) -> list[dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="hallq-bench-kiosk-"))
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC)), synchronous="NORMAL")
    server = ServerThread(hall.store).start()
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "bench")["token"]
    client = HallClient(server.url, token)
    rows = []
    try:
        snapshot = client.snapshot()
        series_with_items = [c for c in snapshot["categories"] if c.get("items")]
        for mode in (RenderMode.TEXT, RenderMode.RASTER):
            dummy = Dummy()
            printer = TicketPrinter(EscposOutput(dummy, mode=mode, status_policy=StatusPolicy.ASSUME_READY))
            totals: list[float] = []
            server_share: list[float] = []
            cpu: list[float] = []
            sent = 0
            for index in range(runs + 5):  # the first few warm up fonts, connections and caches
                category = series_with_items[index % len(series_with_items)]
                flow = KioskFlow()
                flow.apply_snapshot(snapshot)
                flow.choose_category(category["series"])
                flow.choose_item(category["items"][index % len(category["items"])]["code"])
                flow.accept_materials()
                start, start_cpu = time.perf_counter(), time.process_time()
                request = flow.confirm()
                assert request is not None
                method, args, kwargs = request.call()
                ticket = getattr(client, method)(*args, **kwargs)
                answered = time.perf_counter()
                flow.issue_succeeded(ticket)
                printer.print_ticket(ticket_slip(ticket, flow.hall, flow.categories, flow.language))
                flow.printed()
                done, done_cpu = time.perf_counter(), time.process_time()
                assert flow.step is Step.DONE
                if index >= 5:
                    totals.append((done - start) * 1000)
                    server_share.append((answered - start) * 1000)
                    cpu.append((done_cpu - start_cpu) * 1000)
                sent = len(dummy.output)
            rows.append(
                {
                    "mode": mode.value,
                    "runs": len(totals),
                    "p50": statistics.median(totals),
                    "p90": _percentile(totals, 0.90),
                    "p99": _percentile(totals, 0.99),
                    "max": max(totals),
                    "server_p50": statistics.median(server_share),
                    "cpu_p50": statistics.median(cpu),
                    "cpu_p99": _percentile(cpu, 0.99),
                    "bytes": sent // max(1, runs + 5),
                }
            )
    finally:
        client.close()
        server.stop()
    return rows


def main(args: Any = None) -> str:
    runs = 50 if getattr(args, "quick", False) else 200
    rows = run(runs)
    lines = [
        "kiosk: touch (confirm) -> ticket committed -> slip encoded into the printer (python-escpos Dummy), ms",
        f"{'mode':<8}{'runs':>6}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}{'server p50':>12}{'cpu p50':>9}{'cpu p99':>9}{'bytes/slip':>12}",
    ]
    for row in rows:
        lines.append(
            f"{row['mode']:<8}{row['runs']:>6}{row['p50']:>9.1f}{row['p90']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}"
            f"{row['server_p50']:>12.1f}{row['cpu_p50']:>9.1f}{row['cpu_p99']:>9.1f}{row['bytes']:>12}"
        )
    raster = next(row for row in rows if row["mode"] == "raster")
    verdict = "met" if raster["p99"] < 150 else "NOT met"
    lines.append(f"target raster p99 < 150 ms: {verdict} ({raster['p99']:.1f} ms wall)")
    lines.append(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (cpu = this process: kiosk + in-process server)")
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
