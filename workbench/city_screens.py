"""Screenshots of the city console (``python -m workbench.city_screens docs``): ten halls in four
districts, each a simulated day shipped to a real city server over mutual TLS (workbench/city_day.py),
on a throwaway PostgreSQL. One hall's link went down 25 minutes ago: its day up to then is ingested
with the city's own ingest function at that time (city.ingest.ingest takes the receive time), so the
city last heard from it then. Writes docs/city-overview.png, docs/city-hall.png, docs/city-report.png."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from city.ingest import WireEvent, ingest
from city.profiles import set_hall_profile
from city.runner import CityServerThread
from cityconsole.client import CityClient, ConsoleCredentials
from cityconsole.rules import CITY_ZONE
from cityconsole.window import CityConsoleWindow
from ui.screenshots import wait_until
from ui.theme import apply_theme
from workbench.bench.city import _postgres
from workbench.bench.server import _pg_cluster_class
from workbench.city_day import HallDayPlan, ship_day, simulated_day

# code, name, district, tickets so far, windows, staffed, options
HALLS: tuple[tuple[str, str, str, int, int, int | None, dict[str, object]], ...] = (
    ("cd-01", "城东区政务服务中心", "城东区", 110, 8, None, {"paused_window": 4}),
    ("cd-02", "城东区东湖街道便民服务中心", "城东区", 28, 2, None, {}),
    ("cd-03", "城东区新港镇便民服务中心", "城东区", 24, 2, 1, {"unresolved_followups": 1}),
    ("cx-01", "城西区政务服务中心", "城西区", 135, 6, None, {"faults": [("printer_paper_out", "1 号取号机缺纸", "kiosk 1: out of paper")]}),
    ("cx-02", "城西区西关街道便民服务中心", "城西区", 45, 3, None, {}),
    ("gx-01", "高新区政务服务中心", "高新区", 105, 7, None, {}),
    ("gx-02", "高新区科创园便民服务中心", "高新区", 40, 2, None, {"unresolved_followups": 2}),
    ("xq-01", "新区政务服务中心", "新区", 75, 5, None, {}),
    ("xq-02", "新区临江镇便民服务中心", "新区", 26, 2, None, {}),
    ("xq-03", "新区白沙镇便民服务中心", "新区", 15, 1, None, {}),
)
DOWN = "xq-03"
DOWN_MINUTES = 25


def fill(city: CityServerThread, pki: object, now: datetime) -> None:
    from tests.support.city import client

    today = now.astimezone(CITY_ZONE).date()
    for seed, (code, name, district, tickets, windows, staffed, options) in enumerate(HALLS, 1):
        last_heard = now - timedelta(minutes=DOWN_MINUTES) if code == DOWN else now
        plan = HallDayPlan(
            seed=seed, day=today, opened=now - timedelta(hours=3), now=last_heard, tickets=tickets, windows=windows, staffed=staffed,
            **options,  # type: ignore[arg-type]
        )
        events = simulated_day(plan)
        if code == DOWN:
            wire = [WireEvent(e["seq"], e["kind"], e["data"], datetime.fromisoformat(e["created_at"])) for e in events]
            ingest(city.engine, code, len(events) + 37, wire, last_heard)  # 37 more in its outbox when the link broke
        else:
            with client(city.url, pki.hall(code), pki.ca_directory / "ca.pem") as http:  # type: ignore[attr-defined]
                ship_day(http, code, events)
        set_hall_profile(city.engine, code, create=True, name=name, district=district, address=f"{district}人民路 {seed * 17} 号")


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    _pg_cluster_class()
    from tests.support.city import CityPki

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp, _postgres(None) as (url, reason):
        if url is None:
            print(f"city screenshots skipped, PostgreSQL: {reason}")
            return 1
        pki = CityPki(Path(tmp))
        city = CityServerThread(url, pki.ca_directory).start()
        try:
            now = datetime.now(UTC)
            fill(city, pki, now)
            files = pki.console()
            window = CityConsoleWindow(CityClient(city.url, ConsoleCredentials(files.cert, files.key, files.ca)))
            window.resize(1700, 860)
            window.show()
            loaded: list[str] = []
            window.overview_loaded.connect(lambda: loaded.append("overview"))
            window.hall_loaded.connect(lambda code: loaded.append(code))
            window.report.loaded.connect(lambda: loaded.append("report"))
            window.start()
            wait_until(app, lambda: "overview" in loaded, 30)  # type: ignore[arg-type]
            window.grab().save(str(out / "city-overview.png"))
            window.open_hall("cx-01")
            wait_until(app, lambda: "cx-01" in loaded, 30)  # type: ignore[arg-type]
            window.grab().save(str(out / "city-hall.png"))
            window.tabs.setCurrentWidget(window.report)
            window.report.set_grouping("hall")
            window.report.query()
            wait_until(app, lambda: "report" in loaded, 30)  # type: ignore[arg-type]
            window.grab().save(str(out / "city-report.png"))
            window.timer.stop()
            window.close()
            print(f"wrote {out}/city-overview.png, city-hall.png, city-report.png")
        finally:
            city.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
