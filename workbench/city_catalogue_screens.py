"""The manager console's city tab (市级下发) over a real city: a throwaway PostgreSQL cluster, a city
server and one hall server with its city link, all on 127.0.0.1. The city publishes two catalogue
versions and one notices version to the hall; the hall's link applies the newest of each; the
console's city tab is then saved as docs/manager-city-catalogue.png (1600×1000), and the hall
display, on before the notices were published, as docs/display-city-notices.png::

    QT_QPA_PLATFORM=offscreen python -m workbench.city_catalogue_screens [docs]
"""

from __future__ import annotations

import copy
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from city.catalogue import publish
from city.runner import CityServerThread
from db.city_downlink import applied_versions
from hall.config import SAMPLE_HALL_PATH
from server.city_link import CityLinkConfig, start_city_shipper
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from tests.support.city import CityPki
from tests.support.halls import always_open
from tests.support.pg import PgCluster
from ui.screenshots import wait_until
from ui.theme import apply_theme


def catalogue(extra_fee: str) -> dict[str, Any]:
    """The sample hall's catalogue with one item retired, one new item and a changed fee."""
    categories = copy.deepcopy(tomllib.loads(SAMPLE_HALL_PATH.read_text(encoding="utf-8"))["categories"])
    first = categories[0]
    first["items"] = [item for item in first["items"] if item["code"] != "A03"]
    first["items"][1]["fee"] = extra_fee
    first["items"].append({"code": "A09", "name_zh": "联合验收备案", "name_en": "Joint acceptance filing", "materials": ["竣工验收报告"], "promised_days": 5})
    return {"categories": categories}


def show_notices_on_ticker(app: QApplication, display: QWidget) -> None:
    """Stop the ticker where the city's notices start (after the hall's period notice, if any)."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from display.hall_screen import HallScreen

    screen = display if isinstance(display, HallScreen) else display.findChild(HallScreen)
    assert screen is not None
    screen._ticker.stop()
    font = QFont(QApplication.font())
    font.setPixelSize(round(screen.height() / 100 * 3.5))  # the ticker's size (display/hall_screen.py)
    notice = screen.model.hall.notice
    prefix = QFontMetricsF(font).horizontalAdvance(f"{notice}　　◆　　") if notice else 0.0
    screen._ticker_offset = screen.width() + prefix - 40
    screen.update()
    wait_until(app, lambda: True)


def main(argv: list[str] | None = None) -> int:
    from display.app import create_window as create_display
    from manager.app import create_window
    from manager.window import ManagerWindow

    out = Path(next(iter(sys.argv[1:] if argv is None else argv), "docs"))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    # the real clock (not the other tools' fixed morning): the city stamps its acks with it
    with tempfile.TemporaryDirectory() as tmp, PgCluster(max_connections=50) as cluster:
        pki = CityPki(Path(tmp))
        city = CityServerThread(cluster.create_database("city"), pki.ca_directory).start()
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", always_open(), synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        files = pki.hall(hall.config.code)
        shipper = start_city_shipper(
            hall.store, hall.hall_id, CityLinkConfig(city.url, files.cert, files.key, files.ca, heartbeat_seconds=0.5, downlink_seconds=0.5)
        )
        try:
            manager = HallClient(server.url, hall.store.enroll_device(None, hall.hall_id, "manager", "值班长")["token"])
            kiosk = HallClient(server.url, hall.store.enroll_device(None, hall.hall_id, "kiosk", "取号机1")["token"])
            for series in "ABCAB":
                kiosk.issue(series)
            now = datetime.now(UTC)
            publish(city.engine, "catalogue", catalogue("免费"), [hall.config.code], now, by="市政务服务管理局")
            wait_until(app, lambda: applied_versions(hall.store, hall.hall_id).get("catalogue") == 1, 30)
            publish(city.engine, "catalogue", catalogue("工本费 10 元"), [hall.config.code], now, by="市政务服务管理局")
            # the hall's display is on before the city's notices arrive: its ticker picks them up live
            display = create_display(server.url, hall.store.enroll_device(None, hall.hall_id, "display", "大厅主屏")["token"], "hall", voice_url=None)
            display.resize(1920, 1080)
            display.show()
            wait_until(app, lambda: display.model.has_snapshot, 30)
            notices = ["12月7日（周日）起，不动产登记业务延长至18:00", "网上预约系统12月6日20:00–22:00升级，暂停预约", "请妥善保管个人证件，谨防诈骗"]
            publish(city.engine, "notices", {"notices": notices}, None, now, by="市政务服务管理局")
            wait_until(app, lambda: display.model.hall.notices[:1] == (notices[0],), 30)
            show_notices_on_ticker(app, display)
            display.grab().save(str(out / "display-city-notices.png"))
            display.close()
            wait_until(app, lambda: applied_versions(hall.store, hall.hall_id) == {"catalogue": 2, "notices": 1}, 30)
            wait_until(app, lambda: shipper.state.acked_seq == shipper.outbox.head_seq(), 30)
            shipper._save_cursor(force=True)  # the shipper saves its cursor every few seconds: now, for the shot

            window = create_window(server.url, manager.token or "")
            assert isinstance(window, ManagerWindow)
            window.resize(1600, 1000)
            window.show()
            wait_until(app, lambda: bool(window.snapshot.get("hall")), 30)
            window.tabs.setCurrentWidget(window.city_page)
            wait_until(app, lambda: window.city_page.status is not None and (window.city_page.status.get("poll") or {}).get("checked_at"), 30)
            app.processEvents()
            window.grab().save(str(out / "manager-city-catalogue.png"))
            window.close()
        finally:
            shipper.stop()
            server.stop()
            city.stop()
            hall.engines.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
