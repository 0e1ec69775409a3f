"""Benchmark: from pressing "call next" on the counter to the counter and a pad both showing
the new ticket. Real server on 127.0.0.1 (SQLite), real widgets offscreen, events over the
WebSocket. Each round: press 叫号 (F1) -> wait for both -> no-show (so the window is free).

    python -m workbench.bench.counter [--calls 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main(args: Sequence[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="hallq-bench-counter")
    parser.add_argument("--calls", type=int, default=200)
    options = parser.parse_args(list(args) if args is not None else [])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from counter.app import create_window as create_counter
    from counter.flow import CounterState
    from hall.clock import FakeClock
    from pad.app import create_window as create_pad
    from server.client import HallClient
    from server.runner import ServerThread, prepare_hall
    from ui import theme

    app = QApplication.instance() or QApplication([])
    theme.apply_theme(app)  # type: ignore[arg-type]
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as directory:
        hall = prepare_hall(f"sqlite:///{directory}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=1.0).start()
        try:
            tokens = {role: hall.store.enroll_device(None, hall.hall_id, role, role, None if role == "kiosk" else 1)["token"] for role in ("kiosk", "counter", "pad")}
            kiosk = HallClient(server.url, tokens["kiosk"])
            for _ in range(options.calls):
                kiosk.issue("A")
                clock.advance(1)

            def spin_until(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
                deadline = time.perf_counter() + timeout
                while not condition():
                    if time.perf_counter() > deadline:
                        return False
                    app.processEvents()
                    time.sleep(0.0002)
                return True

            counter = create_counter(server.url, tokens["counter"], clock=clock)
            pad = create_pad(server.url, tokens["pad"], 1)
            counter.show()
            pad.show()
            spin_until(lambda: counter.snapshot and pad.events.connected and pad.flow.window_info)
            counter.login("1001", "1001")
            spin_until(lambda: counter.flow.state is CounterState.IDLE)
            spin_until(lambda: False, 0.5)  # let the post-login refreshes settle

            latencies: list[float] = []
            both: list[float] = []
            for _ in range(options.calls):
                start = time.perf_counter()
                counter.buttons["F1"].click()
                shown = {"counter": 0.0, "pad": 0.0}

                def check(shown: dict[str, float] = shown, start: float = start) -> bool:
                    number = (counter.flow.ticket or {}).get("number")
                    if number and not shown["counter"] and counter.number_label.text() == number:
                        shown["counter"] = time.perf_counter() - start
                    if number and not shown["pad"] and pad.flow.ticket and pad.flow.ticket.get("number") == number and pad.serving_number.text() == number:
                        shown["pad"] = time.perf_counter() - start
                    return bool(shown["counter"] and shown["pad"])

                if not spin_until(check):
                    raise RuntimeError("a call did not reach both screens within 10 s")
                latencies.append(shown["counter"] * 1000)
                both.append(max(shown.values()) * 1000)
                counter.buttons["F5"].click()  # no-show frees the window for the next round
                spin_until(lambda: counter.flow.state is CounterState.IDLE and pad.flow.ticket is None)
            counter.close()
            pad.close()
        finally:
            server.stop()
            hall.engines.dispose()
    return (
        f"counter call-next -> shown, {options.calls} calls (real server, SQLite, WebSocket, offscreen widgets)\n"
        f"  counter shows ticket: p50 {statistics.median(latencies):.1f} ms  p99 {_percentile(latencies, 99):.1f} ms  max {max(latencies):.1f} ms\n"
        f"  counter AND pad show: p50 {statistics.median(both):.1f} ms  p99 {_percentile(both, 99):.1f} ms  max {max(both):.1f} ms"
    )


if __name__ == "__main__":
    print(main(sys.argv[1:]))
