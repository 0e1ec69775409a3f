"""The hall manager's console (值班长/大厅管理员): live queues, 窗口动态调整 with the advisor's
recommendations, alerts, 差评 follow-ups, devices, the audit log, a few settings, the reports and
the staffing plan (排班建议).

This window is the frame: the offline banner, the hall's name, the message line and the tabs, each
a widget of its own module (``manager/*_tab.py``, :mod:`manager.reports_view`). It reads the
server's snapshot whenever an event says something changed, runs the advisor once
(:mod:`manager.advice`), and hands each tab what it shows. Widgets hold no rules: every change is
an API call through :class:`manager.actions.ConsoleActions`, which the server validates and audits.

Device health is watched apart from the snapshot: the devices list is read again on every device
event and every :data:`manager.device_watch.DEVICE_POLL_SECONDS` (a program that went silent sends
no event), in the background like every call, and the alerts and devices tabs redraw from it at
the server's time (:class:`manager.device_watch.ServerClock`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from hall.advisor import Advice
from hall.followup import followup_alerts
from hall.maintenance import backup_summary, maintenance_alerts
from hall.pins import lockout_alert
from manager.actions import ConsoleActions
from manager.advice import IdleTracker, advise_hall, snapshot_now
from manager.alerts_tab import AlertsTab
from manager.attendance_view import AttendanceView
from manager.audit_tab import AuditTab
from manager.bookings_tab import BookingsTab
from manager.city_tab import CityTab
from manager.console_text import hall_zone, short_time
from manager.device_watch import DEVICE_POLL_SECONDS, ServerClock
from manager.devices_tab import DevicesTab
from manager.followups_tab import FollowupsTab
from manager.live_tab import LiveTab
from manager.reallocate_tab import ReallocateTab
from manager.recommendations_tab import RecommendationsTab
from manager.reports_view import ReportsView
from manager.roster_tab import RosterTab
from manager.settings_tab import SettingsTab
from manager.sms_tab import SmsTab
from manager.staffing_tab import StaffingTab
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream
from ui.heartbeat import Heartbeat

DEVICE_EVENTS = ("device_health", "device_enrolled", "device_revoked", "device_alert")
# Who is on duty changed: a login or logout anywhere, a 签退, the manager's roster edit.
ROSTER_EVENTS = ("roster_changed", "clerk_logged_in", "clerk_logged_out")
BOOKING_EVENTS = ("appointment_added", "appointment_cancelled", "appointment_moved")  # a check-in shows on the next refresh


class ManagerWindow(QWidget):
    """The console. ``conn`` makes the API calls; ``events`` tells it when to redraw."""

    snapshot_applied = Signal()
    devices_applied = Signal()
    action_finished = Signal(bool, str)

    REFRESH_MS = 30_000

    def __init__(
        self,
        conn: ServerConnection,
        events: EventStream | None = None,
        heartbeat: Heartbeat | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conn = conn
        self.events = events
        self.heartbeat = heartbeat  # the console says it is alive like every program (it drives no devices)
        self.snapshot: dict[str, Any] = {}
        self.advice: Advice | None = None
        self.devices: list[dict[str, Any]] = []
        self.maintenance: dict[str, Any] = {}  # GET /api/maintenance: backups and disk faults (hall/maintenance.py)
        self.followups: list[dict[str, Any]] = []  # for the overdue 回访 escalation (hall/followup.py)
        self.login_alerts: list[dict[str, Any]] = []   # login_alert events: repeated wrong PINs (hall.pins)
        self.server_clock = ServerClock()
        self._devices_loading = False
        self._devices_again = False
        self.idle = IdleTracker()
        self.actions = ConsoleActions(conn, self)
        self.setWindowTitle("hallq 大厅管理 / manager console")
        self.setStyleSheet(f"ManagerWindow {{ background: {theme.BACKGROUND}; }}")

        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        self.banner = QLabel("⚠ 与服务器的连接已断开，正在重连…  Offline — reconnecting")
        self.banner.setStyleSheet(f"background: {theme.RED}; color: white; padding: 6px; font-weight: bold;")
        self.banner.setVisible(False)
        root.addWidget(self.banner)
        header = QHBoxLayout()
        self.hall_label = QLabel("大厅管理")
        self.hall_label.setFont(theme.font(16, True))
        self.hall_label.setStyleSheet(f"color: {theme.BLUE_DARK};")
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {theme.GREY};")
        header.addWidget(self.hall_label)
        header.addStretch(1)
        header.addWidget(self.status_label)
        root.addLayout(header)
        self.message = QLabel()
        self.message.setWordWrap(True)
        root.addWidget(self.message)

        self.tabs = QTabWidget()
        root.addWidget(self.tabs, 1)
        self.live_page = LiveTab()
        self.reallocate_page = ReallocateTab(self.actions)
        self.recommendations_page = RecommendationsTab(self.actions)
        self.alerts_page = AlertsTab()
        self.followups_page = FollowupsTab(self.actions)
        self.devices_page = DevicesTab(self.actions)
        self.audit_page = AuditTab(self.actions)
        self.settings_page = SettingsTab(self.actions)
        self.reports_page = ReportsView(conn)
        self.staffing_page = StaffingTab(conn)
        self.roster_page = RosterTab(self.actions)
        self.attendance_page = AttendanceView(conn)
        self.bookings_page = BookingsTab(conn)  # 预约: calendar, 电话预约, settings
        self.sms_page = SmsTab(self.actions)
        self.city_page = CityTab(self.actions)  # read-only: what the city sent down, the city link
        # (page, Chinese, English): labels read "实时 Live"; where the window is too narrow for all of
        # them (a 1280-px screen), Chinese only, the English in each tab's tooltip.
        self._tab_names: list[tuple[QWidget, str, str]] = [
            (self.live_page, "实时", "Live"),
            (self.reallocate_page, "窗口调整", "Reallocate"),
            (self.recommendations_page, "调整建议", "Recommendations"),
            (self.alerts_page, "告警", "Alerts"),
            (self.followups_page, "差评回访", "Follow-ups"),
            (self.devices_page, "终端", "Devices"),
            (self.audit_page, "审计日志", "Audit"),
            (self.settings_page, "设置", "Settings"),
            (self.roster_page, "在岗", "Roster"),
            (self.staffing_page, "排班建议", "Staffing"),
            (self.reports_page, "统计报表", "Reports"),
            (self.attendance_page, "考勤", "Attendance"),
            (self.bookings_page, "预约", "Bookings"),
            (self.sms_page, "短信", "SMS"),
            (self.city_page, "市级下发", "City"),
        ]
        self._alert_count = 0
        for page, zh, en in self._tab_names:
            self.tabs.addTab(page, f"{zh} {en}")
        self.tabs.currentChanged.connect(self._tab_shown)

        self.actions.said.connect(self._say)
        self.actions.action_finished.connect(self.action_finished)
        self.actions.calls_settled.connect(self._calls_settled)
        self.devices_page.device_enrolled.connect(self.audit_page.load_audit)
        self.devices_page.reload.connect(self.load_devices)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self._periodic = QTimer(self)
        self._periodic.setInterval(self.REFRESH_MS)
        self._periodic.timeout.connect(self.refresh)
        self._device_poll = QTimer(self)
        self._device_poll.setInterval(int(DEVICE_POLL_SECONDS * 1000))
        self._device_poll.timeout.connect(self.load_devices)

        conn.online_changed.connect(self._set_online)
        if events is not None:
            events.snapshot_received.connect(self._on_snapshot)
            events.event_received.connect(self._on_event)
            events.connection_changed.connect(self._set_online)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self.events is not None:
            self.events.start()
        self._periodic.start()
        self._device_poll.start()
        if self.heartbeat is not None:
            self.heartbeat.start()
        self.refresh()
        self.followups_page.load_followups()
        self.load_devices()
        self.audit_page.load_audit()

    def closeEvent(self, event: Any) -> None:
        self._periodic.stop()
        self._device_poll.stop()
        self._debounce.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.events is not None:
            self.events.stop()
        super().closeEvent(event)

    def refresh(self) -> None:
        self.conn.call("snapshot", on_done=self._on_snapshot)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "login_alert":
            self.login_alerts = [*self.login_alerts[-49:], dict(event.get("data") or {})]
            self._show_devices()
            return
        if kind == "followup_changed":
            self.followups_page.load_followups()
        elif kind in BOOKING_EVENTS and self.tabs.currentWidget() is self.bookings_page:
            self.bookings_page.bookings_changed()
        elif kind in ROSTER_EVENTS:
            self.roster_page.load_roster()
        elif kind in DEVICE_EVENTS:
            self.load_devices()
            if self.tabs.currentWidget() is self.audit_page:
                self.audit_page.load_audit()  # a change of health or an enrolment is audited
            if kind == "device_health":
                return  # nothing in the snapshot changed
        self._debounce.start()

    def _set_online(self, online: bool) -> None:
        self.banner.setVisible(not online)
        if online and not self._debounce.isActive():
            self._debounce.start()

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.followups_page:
            self.followups_page.load_followups()
        elif widget is self.devices_page:
            self.load_devices()
        elif widget is self.audit_page:
            self.audit_page.load_audit()
        elif widget is self.sms_page:
            self.sms_page.load_messages()
        elif widget is self.roster_page:
            self.roster_page.load_roster()
        elif widget is self.city_page:
            self.city_page.now = self.server_clock.now()
            self.city_page.load()
        elif widget is self.reports_page and self.reports_page.reports is None:
            self.reports_page.query()  # first visit: this month by category
        elif widget is self.attendance_page and self.attendance_page.data is None:
            self.attendance_page.query()  # first visit: today
        elif widget is self.staffing_page and self.staffing_page.plan is None:
            self.staffing_page.load()  # first visit: today's plan
        elif widget is self.bookings_page:
            self.bookings_page.load()

    def _say(self, ok: bool, text: str) -> None:
        colour = theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message.setText(text)

    def _calls_settled(self, ok: bool) -> None:
        """After a change the screen redraws from the server; the audit log has a new entry only if it succeeded."""
        self.refresh()
        if ok:
            self.audit_page.load_audit()

    # ------------------------------------------------------------------ snapshot

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        # The advisor's inputs (waiting ages, recent arrivals, service times) come from the
        # manager-only planning query, read right after the snapshot on the same worker.
        self.conn.call(
            "planning",
            on_done=lambda planning: self._apply_snapshot(snapshot, planning),
            on_error=lambda _error: self._apply_snapshot(snapshot, None),
        )

    def _apply_snapshot(self, snapshot: dict[str, Any], planning: dict[str, Any] | None) -> None:
        self.snapshot = snapshot
        self.server_clock.set(snapshot_now(snapshot))
        # without the planning data there is no honest prediction: show none rather than a guess
        self.advice = advise_hall(snapshot, planning, self.idle) if planning is not None else None
        hall = snapshot.get("hall", {})
        zone = hall_zone(hall)
        for page in (self.followups_page, self.devices_page, self.audit_page, self.sms_page, self.city_page):
            page.zone = zone
        self.sms_page.set_business_day(hall.get("business_day"))
        self.hall_label.setText(f"{hall.get('name_zh', '')}  大厅管理")
        self.status_label.setText(f"营业日 {hall.get('business_day', '')} · 更新于 {short_time(snapshot.get('now'), zone)}")
        self.live_page.show_snapshot(snapshot, self.advice)
        self.reallocate_page.show_snapshot(snapshot)
        self.recommendations_page.show_advice(snapshot, self.advice)
        self._show_devices()
        self.settings_page.show_snapshot(snapshot)
        self.reports_page.set_hall(snapshot)
        self.bookings_page.set_hall(snapshot)
        if hall.get("business_day"):
            self.staffing_page.set_today(date.fromisoformat(hall["business_day"]), hall.get("name_zh", ""))
            self.attendance_page.set_today(date.fromisoformat(hall["business_day"]))
        self.recommendations_page.maybe_auto_apply()
        self.snapshot_applied.emit()

    # ------------------------------------------------------------------ devices

    def load_devices(self) -> None:
        """Read the devices list in the background; a request made while one is on its way is
        made again after it, so the last change is never missed and polls never pile up."""
        if self._devices_loading:
            self._devices_again = True
            return
        self._devices_loading = True
        self.conn.call("devices", on_done=self._apply_devices, on_error=self._devices_failed)
        # backups and disk faults ride on the devices poll: both are the hall's machines' health
        self.conn.call("maintenance", on_done=self._apply_maintenance, on_error=lambda _error: None)
        self.conn.call("followups", on_done=self._apply_followups, on_error=lambda _error: None)

    def _apply_maintenance(self, maintenance: dict[str, Any]) -> None:
        self.maintenance = maintenance
        self._show_devices()

    def _apply_followups(self, followups: list[dict[str, Any]]) -> None:
        self.followups = followups
        self._show_devices()

    def _devices_failed(self, _error: Any) -> None:
        # the offline banner says it when the server is away; a poll does not fill the message line
        self._devices_loading = self._devices_again = False

    def _apply_devices(self, rows: list[dict[str, Any]]) -> None:
        self._devices_loading = False
        self.devices = rows
        self._show_devices()
        self.devices_applied.emit()
        if self._devices_again:
            self._devices_again = False
            self.load_devices()

    def _show_devices(self) -> None:
        """The devices tab and the alerts, at the server's time (once a snapshot has told it)."""
        now = self.server_clock.now()
        if now is None:
            return
        self.devices_page.show_devices(self.devices, now)
        zone = hall_zone(self.snapshot.get("hall", {}))
        lockouts = [a for a in (lockout_alert(e, now) for e in self.login_alerts) if a is not None]
        today = now.astimezone(zone).date()
        lockouts = [*maintenance_alerts(self.maintenance, now), *followup_alerts(self.followups, today), *lockouts]
        self._alert_count = self.alerts_page.show_alerts(self.advice, self.devices, now, zone, lockouts)
        self.alerts_page.show_backup(backup_summary(self.maintenance.get("backup") or {}, zone))
        self._label_tabs()

    # ------------------------------------------------------------------ what tests and tools ask the console

    def select_window(self, number: int) -> None:
        """Pick window ``number`` on the reallocation tab."""
        self.reallocate_page.select_window(number)

    def over_target_series(self) -> list[str]:
        return self.live_page.over_target_series()

    def alert_keys(self) -> list[str]:
        return self.alerts_page.alert_keys()

    # ------------------------------------------------------------------ tab labels

    def _label_tabs(self, available: int | None = None) -> None:
        """Bilingual tab labels if they all fit ``available`` pixels (the tab widget's width), else
        Chinese only, the English in the tooltip."""
        if available is None:
            layout = self.layout()
            if layout is not None:
                layout.activate()  # the tab widget's width follows the window's even before it is first shown
            available = self.tabs.width()
        for compact in (False, True):
            for index, (page, zh, en) in enumerate(self._tab_names):
                count = f" ({self._alert_count})" if page is self.alerts_page and self._alert_count else ""
                self.tabs.setTabText(index, (zh if compact else f"{zh} {en}") + count)
                self.tabs.setTabToolTip(index, f"{zh} {en}")
            if self.tabs.tabBar().sizeHint().width() <= available:
                return

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._label_tabs()
