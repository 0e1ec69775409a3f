"""全市一览: one row per hall (waiting, longest wait, staffed windows, open 差评 follow-ups, device
faults, link state and lag), red where the city does not hear from a hall, amber where a hall
needs a look. A double-click opens the hall's live view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cityconsole.rules import Level, hall_alerts, hall_level, hall_name, lag_text, link_text, overview_order, summarise
from cityconsole.widgets import PALE_AMBER, PALE_RED, Cell, TextTable
from hall.text import Bilingual
from ui import theme

HEADERS = (
    Bilingual("大厅", "Hall"),
    Bilingual("区县", "District"),
    Bilingual("链路", "Link"),
    Bilingual("同步", "Sync / last heard"),
    Bilingual("等候", "Waiting"),
    Bilingual("最长等候(分)", "Longest wait (min)"),
    Bilingual("在岗窗口", "Staffed windows"),
    Bilingual("待回访差评", "Open follow-ups"),
    Bilingual("设备故障", "Device faults"),
    Bilingual("提示", "Alerts"),
)


class OverviewTab(QWidget):
    hall_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel("正在读取全市大厅…  Reading the city's halls…")
        self.summary.setFont(theme.font(12, True))
        self.summary.setStyleSheet(f"color: {theme.BLUE_DARK};")
        layout.addWidget(self.summary)
        self.table = TextTable(HEADERS)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)
        hint = QLabel("双击一行查看该大厅实时情况（只读）。  Double-click a row for the hall's live view (read-only).")
        hint.setStyleSheet(f"color: {theme.GREY};")
        layout.addWidget(hint)

    def show_halls(self, rows: list[dict[str, Any]]) -> None:
        self.rows = overview_order(rows)
        table_rows, backgrounds = [], []
        for row in self.rows:
            level = hall_level(row)
            alerts = hall_alerts(row)
            down = level is Level.DOWN
            longest = float(row.get("longest_wait_minutes") or 0.0)
            table_rows.append(
                [
                    Cell(hall_name(row), bold=True),
                    str(row.get("district") or "未分区 no district"),
                    Cell(link_text(row), colour=theme.RED if down else theme.GREEN, bold=down),
                    lag_text(row),
                    Cell(str(row.get("waiting", 0)), right=True),
                    Cell(f"{longest:.0f}", right=True, colour=theme.RED if longest >= 30 else None),
                    Cell(str(row.get("staffed_windows", 0)), right=True),
                    Cell(str(row.get("open_followups", 0)), right=True, colour=theme.RED if row.get("open_followups") else None),
                    Cell(str(row.get("device_faults", 0)), right=True, colour=theme.AMBER if row.get("device_faults") else None),
                    "；".join(alert.zh for alert in alerts),
                ]
            )
            backgrounds.append(PALE_RED if down else (PALE_AMBER if level is Level.ALERT else None))
        self.table.fill(table_rows, backgrounds)
        self.table.resizeColumnsToContents()
        self.summary.setText(summarise(self.rows).text)

    def _double_clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows):
            self.hall_chosen.emit(str(self.rows[row]["hall"]))
