"""The console's devices tab (终端): the hall's enrolled kiosks, counters, displays, pads and consoles
with each one's health (状态: what its devices last reported, or offline when it has been silent,
:func:`hall.devices.health_summary`) and last heartbeat in hall time; enrolling a new one (its token
is shown once, to be set on the device) and revoking one (its socket closes at once, server-side).

The window reads the devices list (on every device event and every few seconds) and hands it here
with the server's time, so the tab is live whether or not it is shown; the tab's own loads (the
refresh button, after enrolling or revoking) ask the window through :attr:`DevicesTab.reload`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hall.devices import Severity, health_summary
from manager.actions import ConsoleActions
from manager.advice import ApiCall
from manager.console_text import device_values
from manager.widgets import make_table, table_item
from server.tls import pin_for
from ui import theme

HEALTH_COLOUR = {Severity.OK: theme.GREEN, Severity.WARNING: theme.AMBER, Severity.FAULT: theme.RED}
HEALTH_COLUMN = 6

ROLES = (
    ("kiosk", "取号机 kiosk"),
    ("counter", "窗口终端 counter"),
    ("display", "显示屏 display"),
    ("pad", "评价器 pad"),
    ("manager", "管理端 manager"),
)


def device_settings(server_url: str) -> str:
    """``--server URL --ca-fingerprint SHA256:…`` for the new device: the console's own server and
    the hall CA it pinned (none over plain http on the server's own machine)."""
    pin = pin_for(server_url)
    if pin is None:
        return f"--server {server_url}"
    digest = pin.digest.upper()
    return f"--server {server_url} --ca-fingerprint SHA256:{':'.join(digest[i : i + 2] for i in range(0, 64, 2))}"


class DevicesTab(QWidget):
    """``zone`` is the hall's time zone, set by the window from each snapshot."""

    device_enrolled = Signal()  # the audit log has a new entry
    reload = Signal()  # read the devices list again (the window does, and calls show_devices)

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.zone: ZoneInfo | None = None
        self.device_rows: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        self.device_table = make_table(
            ["编号", "名称 Name", "角色 Role", "窗口 Window", "注册时间 Enrolled", "令牌 Token", "状态 Health", "最后心跳 Last seen"]
        )
        layout.addWidget(self.device_table, 1)
        row = QHBoxLayout()
        self.revoke_button = QPushButton("吊销选中终端  Revoke selected")
        self.revoke_button.clicked.connect(self.revoke_selected)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_devices)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        row.addWidget(refresh)
        layout.addLayout(row)
        box = QGroupBox("注册新终端  Enroll a device")
        form = QFormLayout(box)
        self.enroll_role = QComboBox()
        for role, text in ROLES:
            self.enroll_role.addItem(text, role)
        self.enroll_name = QLineEdit()
        self.enroll_name.setMaxLength(100)
        self.enroll_window = QSpinBox()
        self.enroll_window.setRange(0, 9999)
        self.enroll_window.setSpecialValueText("不绑定 none")
        self.enroll_button = QPushButton("注册 Enroll")
        self.enroll_button.clicked.connect(self.enroll)
        self.enroll_token = QLineEdit()
        self.enroll_token.setReadOnly(True)
        self.enroll_token.setPlaceholderText("令牌只显示一次，请立即配置到终端  The token is shown once")
        form.addRow("角色 Role", self.enroll_role)
        form.addRow("名称 Name", self.enroll_name)
        form.addRow("窗口 Window", self.enroll_window)
        form.addRow("", self.enroll_button)
        form.addRow("令牌 Token", self.enroll_token)
        # What the device is started with besides its token: this server, and the hall CA it pins.
        self.enroll_trust = QLineEdit()
        self.enroll_trust.setReadOnly(True)
        form.addRow("服务器与 CA 指纹 Server, CA", self.enroll_trust)
        layout.addWidget(box)

    def load_devices(self) -> None:
        self.reload.emit()

    def show_devices(self, rows: list[dict[str, Any]], now: datetime) -> None:
        """Redraw from the devices list; ``now`` is the server's time (silence is judged by it)."""
        self.device_rows = rows
        table = self.device_table
        table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            level, health = health_summary(d, now)
            for c, value in enumerate(device_values(d, self.zone, now)):
                item = table_item(value)
                if d.get("revoked"):
                    item.setForeground(QBrush(QColor(theme.GREY)))
                elif c == HEALTH_COLUMN:
                    item.setForeground(QBrush(QColor(HEALTH_COLOUR[level])))
                    item.setToolTip(health.en)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        # the last column takes the spare width (sized to its contents above, stretchLastSection stops working)
        table.horizontalHeader().setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)

    def enroll(self) -> None:
        name = self.enroll_name.text().strip()
        if not name:
            self.actions.say(False, "请填写终端名称  Name the device")
            return
        window = self.enroll_window.value() or None
        self.enroll_token.clear()

        def done(result: dict[str, Any]) -> None:
            self.enroll_token.setText(result.get("token", ""))
            self.enroll_trust.setText(device_settings(self.actions.conn.base_url))
            self.actions.say(True, f"终端已注册（编号 {result.get('device_id')}），令牌只显示这一次")
            self.enroll_name.clear()
            self.load_devices()
            self.device_enrolled.emit()

        role = str(self.enroll_role.currentData())
        self.actions.conn.call("enroll", role, name, window, on_done=done, on_error=self.actions.error)

    def revoke_selected(self) -> None:
        rows = self.device_table.selectionModel().selectedRows()
        if not rows:
            self.actions.say(False, "请先选择终端  Select a device first")
            return
        device = self.device_rows[rows[0].row()]
        self.actions.run([ApiCall("revoke", (int(device["id"]),))], f"终端 {device['name']} 已吊销", after=self.load_devices)
