"""The console's alerts tab (告警): the advisor's alerts (long waits, categories no staffed window
serves, predicted waits over target ...) and the devices' (a kiosk printer out of paper, a program
gone silent: :func:`hall.devices.device_alerts`), each in both languages with the time it first
showed (:class:`manager.advice.AlertTracker` remembers since when). Red for faults, long waits and
unserved queues, amber for the rest. Every alert clears by itself when its condition ends: a
device's when it reports OK again, a queue's when a clerk logs in to serve it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from hall.advisor import Advice, Alert, AlertKind
from hall.devices import DeviceAlert, Severity, device_alerts
from hall.text import Bilingual
from manager.advice import AlertTracker
from ui import theme

ALERT_COLOUR = {
    AlertKind.LONG_WAIT: theme.RED,
    AlertKind.UNSERVED: theme.RED,
    AlertKind.OVER_TARGET: theme.AMBER,
    AlertKind.LONG_QUEUE: theme.AMBER,
    AlertKind.LONG_PAUSE: theme.AMBER,
}
SEVERITY_COLOUR = {Severity.FAULT: theme.RED, Severity.WARNING: theme.AMBER, Severity.OK: theme.GREY}


def alert_colour(alert: Alert | DeviceAlert) -> str:
    if isinstance(alert, DeviceAlert):
        return SEVERITY_COLOUR[alert.severity]
    return ALERT_COLOUR.get(alert.kind, theme.AMBER)


class AlertsTab(QWidget):
    """Redrawn from each snapshot's advice and each devices list; the window puts the count on the tab's label."""

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
        self.backup_line = QLabel()  # the last good backup (hall/maintenance.py), under the alerts
        self.backup_line.setWordWrap(True)
        layout.addWidget(self.backup_line)

    def show_alerts(
        self,
        advice: Advice | None,
        devices: Sequence[dict[str, Any]],
        now: datetime,
        zone: ZoneInfo | None,
        lockouts: Sequence[DeviceAlert] = (),
    ) -> int:
        """Show the current alerts at the server's time ``now``; returns how many there are."""
        # logins locked and devices first among alerts of the same age: someone may be guessing PINs,
        # and a kiosk out of paper stops every ticket
        alerts: list[Alert | DeviceAlert] = [*lockouts, *device_alerts(devices, now), *(advice.alerts if advice else ())]
        tracked = self.tracker.update(alerts, now)
        self.alert_list.clear()
        for alert, since in tracked:
            item = QListWidgetItem(f"{alert.message.zh}\n{alert.message.en}    （自 {since.astimezone(zone).strftime('%H:%M')} 起）")
            item.setData(Qt.ItemDataRole.UserRole, alert.key)
            item.setForeground(QBrush(QColor(alert_colour(alert))))
            self.alert_list.addItem(item)
        count = len(tracked)
        self.alert_summary.setText(f"当前告警 {count} 条  {count} active alert(s)" if count else "无告警  No alerts")
        return count

    def show_backup(self, summary: Bilingual) -> None:
        self.backup_line.setText(f"{summary.zh}    {summary.en}")

    def alert_keys(self) -> list[str]:
        return [str(self.alert_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.alert_list.count())]

    def alert_texts(self) -> list[str]:
        return [self.alert_list.item(i).text() for i in range(self.alert_list.count())]
