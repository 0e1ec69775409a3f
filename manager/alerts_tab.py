"""The console's alerts tab (告警): the advisor's alerts, each in both languages with the time it first
showed (:class:`manager.advice.AlertTracker` remembers since when), red for waits and unserved
queues, amber for the rest.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from hall.advisor import Advice, AlertKind
from manager.advice import AlertTracker, snapshot_now
from ui import theme

ALERT_COLOUR = {
    AlertKind.LONG_WAIT: theme.RED,
    AlertKind.UNSERVED: theme.RED,
    AlertKind.OVER_TARGET: theme.AMBER,
    AlertKind.LONG_QUEUE: theme.AMBER,
    AlertKind.LONG_PAUSE: theme.AMBER,
}


class AlertsTab(QWidget):
    """Redrawn from each snapshot's advice; the window puts the count on the tab's label."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracker = AlertTracker()
        layout = QVBoxLayout(self)
        self.alert_summary = QLabel()
        self.alert_summary.setFont(theme.font(12, True))
        layout.addWidget(self.alert_summary)
        self.alert_list = QListWidget()
        self.alert_list.setWordWrap(True)
        self.alert_list.setSpacing(3)
        layout.addWidget(self.alert_list, 1)

    def show_alerts(self, snapshot: dict[str, Any], advice: Advice | None, zone: ZoneInfo | None) -> int:
        """Show the current alerts; returns how many there are."""
        alerts = advice.alerts if advice else ()
        tracked = self.tracker.update(alerts, snapshot_now(snapshot))
        self.alert_list.clear()
        for alert, since in tracked:
            item = QListWidgetItem(f"{alert.message.zh}\n{alert.message.en}    （自 {since.astimezone(zone).strftime('%H:%M')} 起）")
            item.setData(Qt.ItemDataRole.UserRole, alert.key)
            item.setForeground(QBrush(QColor(ALERT_COLOUR.get(alert.kind, theme.AMBER))))
            self.alert_list.addItem(item)
        count = len(tracked)
        self.alert_summary.setText(f"当前告警 {count} 条  {count} active alert(s)" if count else "无告警  No alerts")
        return count

    def alert_keys(self) -> list[str]:
        return [str(self.alert_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.alert_list.count())]
