"""单厅: one hall's read-only live view as the city sees it (GET /city/api/halls/{code}): its
windows, its queues per category, its recent calls and its alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from cityconsole.rules import LONG_WAIT_MINUTES, minutes_ago, status_text, window_state
from cityconsole.widgets import PALE_AMBER, PALE_RED, Cell, TextTable
from hall.text import Bilingual
from ui import theme


def _titled(title: Bilingual, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(f"{title.zh}  {title.en}")
    label.setFont(theme.font(12, True))
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box


class HallTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code: str | None = None
        self.live: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        self.title = QLabel("在“全市一览”中双击一个大厅。  Double-click a hall on the city overview.")
        self.title.setFont(theme.font(15, True))
        self.title.setStyleSheet(f"color: {theme.BLUE_DARK};")
        layout.addWidget(self.title)
        self.details = QLabel()
        self.details.setStyleSheet(f"color: {theme.GREY};")
        layout.addWidget(self.details)
        self.alerts = QLabel()
        self.alerts.setWordWrap(True)
        layout.addWidget(self.alerts)
        grid = QGridLayout()
        self.windows = TextTable(
            (
                Bilingual("窗口", "Window"),
                Bilingual("状态", "State"),
                Bilingual("当前号", "Current"),
                Bilingual("今日办结", "Served today"),
            )
        )
        self.queues = TextTable((Bilingual("类别", "Category"), Bilingual("等候", "Waiting"), Bilingual("最长等候(分)", "Longest (min)")))
        self.calls = TextTable((Bilingual("号码", "Number"), Bilingual("窗口", "Window"), Bilingual("叫号时间", "Called"), Bilingual("状态", "Status")))
        grid.addWidget(_titled(Bilingual("窗口", "Windows"), self.windows), 0, 0, 2, 1)
        grid.addWidget(_titled(Bilingual("各类别排队", "Queues per category"), self.queues), 0, 1)
        grid.addWidget(_titled(Bilingual("最近叫号", "Recent calls"), self.calls), 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid, 1)

    def show_hall(self, live: dict[str, Any], now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self.code, self.live = str(live["hall"]), live
        name = str(live.get("name") or live["hall"])
        self.title.setText(f"{name}（{live['hall']}）  实时情况 / live view")
        self.details.setText(
            f"区县 District: {live.get('district') or '—'}    地址 Address: {live.get('address') or '—'}    "
            f"业务日 Business day: {live.get('business_day') or '—'}    只读 read-only"
        )
        alerts = live.get("alerts") or []
        if alerts:
            self.alerts.setStyleSheet(f"background: {PALE_AMBER}; color: {theme.RED}; padding: 6px; font-weight: bold;")
            self.alerts.setText("\n".join(f"⚠ {a['zh']}  {a['en']}" for a in alerts))
        else:
            self.alerts.setStyleSheet(f"color: {theme.GREEN}; padding: 6px;")
            self.alerts.setText("无告警  No alerts")
        windows, backgrounds = [], []
        for window in live.get("windows") or []:
            state = window_state(window)
            windows.append(
                [
                    Cell(f"{window['window']} 号窗口", bold=True),
                    Cell(f"{state.zh} {state.en}", colour=theme.AMBER if window.get("paused") else (theme.GREEN if window.get("staffed") else theme.GREY)),
                    f"{window.get('current') or ''} {status_text(window.get('current_status'))}".strip(),
                    Cell(str(window.get("served_today", 0)), right=True),
                ]
            )
            backgrounds.append(PALE_AMBER if window.get("paused") else None)
        self.windows.fill(windows, backgrounds)
        queues, queue_backgrounds = [], []
        for queue in live.get("queues") or []:
            long = float(queue["longest_wait_minutes"]) >= LONG_WAIT_MINUTES
            queues.append(
                [
                    Cell(str(queue["series"]), bold=True),
                    Cell(str(queue["waiting"]), right=True),
                    Cell(f"{queue['longest_wait_minutes']:.0f}", right=True, colour=theme.RED if long else None),
                ]
            )
            queue_backgrounds.append(PALE_RED if long else None)
        self.queues.fill(queues, queue_backgrounds)
        self.calls.fill(
            [
                [Cell(str(call["number"]), bold=True), str(call.get("window") or ""), minutes_ago(call["called_at"], now), status_text(call["status"])]
                for call in live.get("recent_calls") or []
            ]
        )
        for table in (self.windows, self.queues, self.calls):
            table.resizeColumnsToContents()
