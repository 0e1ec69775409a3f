"""The city console's window: a banner when the city cannot be read, the tabs 全市一览, 单厅,
报表, 排名 and 好差评导出. The overview (and the hall view when it is shown) is read again every
:data:`cityconsole.rules.REFRESH_SECONDS`, off the GUI thread, one read at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from cityconsole.client import CityClient, CityError
from cityconsole.hall_tab import HallTab
from cityconsole.overview_tab import OverviewTab
from cityconsole.report_tabs import RankingsTab, RatingsTab, ReportTab
from cityconsole.rules import CITY_ZONE, REFRESH_SECONDS, city_today
from ui import theme
from ui.worker import run_in_background


class CityConsoleWindow(QWidget):
    overview_loaded = Signal()
    hall_loaded = Signal(str)
    read_failed = Signal(str)  # the error's code

    def __init__(self, client: CityClient, today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.error: CityError | None = None
        self._reading_overview = False
        self._reading_hall = False
        today = today or city_today()
        self.setWindowTitle("hallq 市级控制台 / city console")
        self.setStyleSheet(f"CityConsoleWindow {{ background: {theme.BACKGROUND}; }}")
        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(f"background: {theme.RED}; color: white; padding: 6px; font-weight: bold;")
        self.banner.setVisible(False)
        root.addWidget(self.banner)
        header = QHBoxLayout()
        title = QLabel("市级控制台 · 全市政务服务大厅")
        title.setFont(theme.font(16, True))
        title.setStyleSheet(f"color: {theme.BLUE_DARK};")
        header.addWidget(title)
        header.addStretch(1)
        self.status = QLabel(f"{client.url}")
        self.status.setStyleSheet(f"color: {theme.GREY};")
        header.addWidget(self.status)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.refresh)
        header.addWidget(refresh)
        root.addLayout(header)
        self.tabs = QTabWidget()
        root.addWidget(self.tabs, 1)
        self.overview = OverviewTab()
        self.hall = HallTab()
        self.report = ReportTab(client, today)
        self.rankings = RankingsTab(client, today)
        self.ratings = RatingsTab(client, today)
        for page, zh, en in (
            (self.overview, "全市一览", "City"),
            (self.hall, "单厅", "Hall"),
            (self.report, "报表", "Reports"),
            (self.rankings, "排名", "Rankings"),
            (self.ratings, "好差评导出", "Ratings export"),
        ):
            self.tabs.addTab(page, f"{zh} {en}")
        self.overview.hall_chosen.connect(self.open_hall)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_SECONDS * 1000)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        self.read_overview()
        if self.tabs.currentWidget() is self.hall and self.hall.code:
            self.read_hall(self.hall.code)

    def read_overview(self) -> None:
        if self._reading_overview:
            return
        self._reading_overview = True
        run_in_background(self.client.halls, self._overview_read, self._overview_failed)

    def _overview_read(self, halls: list[dict[str, Any]]) -> None:
        self._reading_overview = False
        self.error = None
        self.banner.setVisible(False)
        self.overview.show_halls(halls)
        self.status.setText(f"{self.client.url}    已刷新 refreshed {city_clock()}")
        self.overview_loaded.emit()

    def _overview_failed(self, error: Exception) -> None:
        self._reading_overview = False
        self.show_error(error)

    def show_error(self, error: Exception) -> None:
        found = error if isinstance(error, CityError) else CityError("error", str(error), str(error))
        self.error = found
        self.banner.setText(
            f"⚠ {found.zh}，{REFRESH_SECONDS} 秒后重试（显示的是上次读到的数据）\n"
            f"{found.en}; retrying in {REFRESH_SECONDS} s (what is shown is the last data read)"
        )
        self.banner.setVisible(True)
        self.read_failed.emit(found.code)

    def open_hall(self, code: str) -> None:
        self.tabs.setCurrentWidget(self.hall)
        self.read_hall(code)

    def read_hall(self, code: str) -> None:
        if self._reading_hall:
            return
        self._reading_hall = True

        def done(live: dict[str, Any]) -> None:
            self._reading_hall = False
            self.hall.show_hall(live)
            self.hall_loaded.emit(code)

        def failed(error: Exception) -> None:
            self._reading_hall = False
            self.show_error(error)

        run_in_background(lambda: self.client.hall(code), done, failed)

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        run_in_background(self.client.close)
        super().closeEvent(event)


def city_clock() -> str:
    return f"{datetime.now(CITY_ZONE):%H:%M:%S}"
