"""How long a ticket takes from slip to printer bytes: layout plus ESC/POS encoding into a ``Dummy``.

This is the printer's share of "press the button, get a ticket"; the kiosk adds the server round
trip. Each run uses a different number and status URL so the QR code is really computed every
time. The first run (loading the font) is reported apart from the percentiles.
Wall-clock and CPU percentiles are both printed: on a busy machine the wall clock includes waiting
for a core.

    python -m hardware.printer.bench [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime

from escpos.printer import Dummy

from hardware.printer.escpos_render import RenderMode, render
from hardware.printer.layout import TicketSlip, layout_ticket

SAMPLE_MATERIALS = (
    "居民身份证原件及复印件（本人持证前来办理的，可只带原件）",
    "户口簿原件",
    "近期一寸免冠彩色照片两张",
    "社会保障卡申领登记表（可在大厅咨询台领取或扫码下载打印）",
    "银行卡（用于社保卡金融功能激活）",
    "委托书（代办时提供）",
    "代办人身份证原件",
)


def sample_slip(sequence: int) -> TicketSlip:
    """A realistic ticket; ``sequence`` varies its number and URL."""
    return TicketSlip(
        hall_name="临沂市兰山区政务服务中心",
        category_name="社保医保",
        number=f"A{sequence % 1000:03d}",
        people_ahead=sequence % 40,
        estimated_wait_minutes=(sequence * 7) % 90,
        issued_at=datetime(2026, 11, 17, 10, 0),
        status_url=f"https://hall.example.gov.cn/t/20261117/A{sequence % 1000:03d}?k={sequence * 2654435761 % 16**12:012x}",
        materials=SAMPLE_MATERIALS,
        complaint_phone="0539-12345",
        priority_reason="70岁以上老年人" if sequence % 5 == 0 else None,
        items=("社会保障卡申领", "医保关系转移接续"),
    )


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure_render(mode: RenderMode | str, n: int = 200) -> dict[str, float | int | str]:
    """Time ``n`` tickets (layout + render to bytes) in ``mode``; milliseconds and byte counts."""
    mode = RenderMode(mode)
    if n < 1:
        raise ValueError("n must be at least 1")
    timings: list[float] = []
    cpu_timings: list[float] = []
    sizes: list[int] = []
    first_ms = 0.0
    for sequence in range(n + 1):
        slip = sample_slip(sequence)
        started, cpu_started = time.perf_counter(), time.process_time()
        printer = Dummy()
        render(layout_ticket(slip), printer, mode)
        data = printer.output
        elapsed = (time.perf_counter() - started) * 1000
        cpu_elapsed = (time.process_time() - cpu_started) * 1000
        if sequence == 0:
            first_ms = elapsed
            continue
        timings.append(elapsed)
        cpu_timings.append(cpu_elapsed)
        sizes.append(len(data))
    timings.sort()
    cpu_timings.sort()
    return {
        "mode": mode.value,
        "n": n,
        "first_ms": round(first_ms, 2),
        "p50_ms": round(_percentile(timings, 0.50), 2),
        "p99_ms": round(_percentile(timings, 0.99), 2),
        "max_ms": round(timings[-1], 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "cpu_p50_ms": round(_percentile(cpu_timings, 0.50), 2),
        "cpu_p99_ms": round(_percentile(cpu_timings, 0.99), 2),
        "bytes": round(statistics.fmean(sizes)),
        "seconds_at_9600_baud": round(statistics.fmean(sizes) * 10 / 9600, 1),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else 200
    print(f"ticket render benchmark, {runs} tickets per mode (layout + ESC/POS bytes into Dummy)")
    print(f"{'mode':<8}{'first':>9}{'p50':>9}{'p99':>9}{'max':>9}{'cpu p50':>9}{'cpu p99':>9}{'bytes':>9}{'9600 Bd':>10}")
    for mode in RenderMode:
        result = measure_render(mode, runs)
        print(
            f"{result['mode']:<8}{result['first_ms']:>7.1f}ms{result['p50_ms']:>7.1f}ms{result['p99_ms']:>7.1f}ms"
            f"{result['max_ms']:>7.1f}ms{result['cpu_p50_ms']:>7.1f}ms{result['cpu_p99_ms']:>7.1f}ms"
            f"{result['bytes']:>9}{result['seconds_at_9600_baud']:>9.1f}s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
