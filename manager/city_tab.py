"""The console's city tab (市级下发): read-only. What the city sent down and the hall applied — the
item catalogue's and the notices' version and when (db/city_downlink.py), a version the hall
refused and why — and the city link's state (hall.catalogue.link_state) with the events shipped
up. Loaded when the tab is shown and after a ``config_changed`` from the city; nothing to edit:
the catalogue is the city's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hall.catalogue import CATALOGUE, NOTICES, link_state
from manager.actions import ConsoleActions
from manager.advice import parse_time
from manager.console_text import short_time
from ui import theme

STATE_COLOUR = {"up": theme.GREEN, "down": theme.RED, "quiet": theme.AMBER, "off": theme.GREY}


def _value() -> QLabel:
    label = QLabel("—")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CityTab(QWidget):
    """``zone`` is the hall's time zone, set by the window from each snapshot; ``now`` the server's."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.zone: ZoneInfo | None = None
        self.now: datetime | None = None
        self.status: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        note = QLabel("事项目录和公告由市级平台统一下发，本页只读。  The catalogue and notices come from the city; read-only here.")
        note.setStyleSheet(f"color: {theme.GREY};")
        note.setWordWrap(True)
        layout.addWidget(note)

        self.fields: dict[str, QLabel] = {}
        for key, title, rows in (
            ("link", "市级链路 City link", (("state", "状态 State"), ("poll", "上次同步 Last sync"), ("shipped", "事件上报 Events shipped"))),
            (
                CATALOGUE,
                "事项目录 Item catalogue",
                (("version", "运行版本 Version"), ("applied", "应用时间 Applied"), ("items", "事项数 Items"), ("refused", "拒绝 Refused")),
            ),
            (NOTICES, "公告 Notices", (("version", "运行版本 Version"), ("applied", "应用时间 Applied"), ("list", "内容 Texts"), ("refused", "拒绝 Refused"))),
        ):
            box = QGroupBox(title)
            box.setFont(theme.font(12, True))
            form = QFormLayout(box)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            for name, label in rows:
                value = _value()
                value.setFont(theme.font(12))
                caption = QLabel(label)
                caption.setFont(theme.font(12))
                form.addRow(caption, value)
                self.fields[f"{key}.{name}"] = value
            layout.addWidget(box)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load)
        buttons.addWidget(refresh)
        layout.addLayout(buttons)

    def load(self) -> None:
        self.actions.conn.call("city_downlink", on_done=self.show_status, on_error=self.actions.error)

    def show_status(self, status: dict[str, Any]) -> None:
        self.status = status
        now = self.now or datetime.now(UTC)
        tone, words = link_state(status, now)
        state = self.fields["link.state"]
        state.setText(f"{words.zh}  {words.en}")
        state.setStyleSheet(f"color: {STATE_COLOUR[tone]}; font-weight: bold;")
        poll = status.get("poll") or {}
        when = short_time(poll.get("checked_at"), self.zone) or "从未 never"
        error = poll.get("last_error") or ""
        self.fields["link.poll"].setText(f"{when}  失败 failed: {error}" if error else when)
        self.fields["link.poll"].setStyleSheet(f"color: {theme.RED};" if error else "")
        acked = status.get("acked_seq")
        self.fields["link.shipped"].setText(
            f"市级已确认至第 {acked} 条（{short_time(status.get('acked_at'), self.zone)}）  acknowledged up to event {acked}"
            if acked is not None
            else "尚未上报 nothing shipped yet"
        )
        kinds = status.get("kinds") or {}
        for kind in (CATALOGUE, NOTICES):
            row = kinds.get(kind) or {}
            version = int(row.get("version") or 0)
            self.fields[f"{kind}.version"].setText(f"第 {version} 版  version {version}" if version else "尚未下发 none received yet")
            self.fields[f"{kind}.applied"].setText(_when(row.get("applied_at"), self.zone))
            refused = self.fields[f"{kind}.refused"]
            refused.setText(row.get("last_error") or "无 none")
            refused.setStyleSheet(f"color: {theme.RED if row.get('last_error') else theme.GREY};")
        catalogue = kinds.get(CATALOGUE) or {}
        self.fields[f"{CATALOGUE}.items"].setText(f"{catalogue.get('items', 0)} 项 items" if catalogue.get("version") else "—")
        notices = (kinds.get(NOTICES) or {}).get("notices") or []
        self.fields[f"{NOTICES}.list"].setText("\n".join(f"· {text}" for text in notices) if notices else "—")


def _when(text: str | None, zone: ZoneInfo | None) -> str:
    moment = parse_time(text)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "—"
