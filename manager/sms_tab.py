"""The console's 短信 tab: the text-message outbox of one day (server.notify), newest first — kind,
status, masked number, attempts and the last error — and 重发 for a message the sender gave up on.
Rules (what may be resent, what a kind or status means) are in hall.sms and the server; this tab
only shows them and sends the intent."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from hall.sms import GIVEN_UP, kind_text, status_text
from manager.actions import ConsoleActions
from manager.console_text import short_time
from manager.widgets import make_table, table_item
from ui import theme

HEADERS = ["时间 At", "类型 Kind", "手机 Phone", "状态 Status", "尝试 Tries", "最后错误 Last error", "内容 Content"]
STATUS_COLOURS = {GIVEN_UP: theme.RED, "failed": "#b26a00", "sent": theme.GREEN}


def sms_values(row: dict[str, Any], zone: ZoneInfo | None) -> list[str]:
    """One outbox row as the table's cells (the number is masked by the server already)."""
    params = row.get("params") or {}
    content = "  ".join(f"{k}={v}" for k, v in params.items())
    return [
        short_time(row.get("created_at"), zone),
        kind_text(str(row.get("kind", ""))),
        str(row.get("phone", "")),
        status_text(str(row.get("status", ""))),
        str(row.get("attempts", 0)),
        str(row.get("last_error", "")),
        content,
    ]


class SmsTab(QWidget):
    """``zone`` is the hall's time zone, set by the window from each snapshot."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.zone: ZoneInfo | None = None
        self.rows: list[dict[str, Any]] = []
        self._day_set = False
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("日期 Day"))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda _d: self.load_messages())
        bar.addWidget(self.day)
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {theme.GREY};")
        bar.addWidget(self.summary, 1)
        self.resend_button = QPushButton("重发所选 Resend selected")
        self.resend_button.setEnabled(False)
        self.resend_button.setToolTip("只有“已放弃”的短信可以重发 / only a given-up message can be resent")
        self.resend_button.clicked.connect(self.resend_selected)
        bar.addWidget(self.resend_button)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_messages)
        bar.addWidget(refresh)
        layout.addLayout(bar)
        self.table = make_table(HEADERS)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        note = QLabel(
            "手机号码仅显示掩码；号码明文在其最后一条短信发出或放弃后即删除。Numbers are masked; the clear number is erased once its last message is sent or given up."
        )
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {theme.GREY};")
        layout.addWidget(note)

    def set_business_day(self, text: str | None) -> None:
        """The hall's business day from the snapshot: the day shown until the manager picks one."""
        if text and not self._day_set:
            self._day_set = True
            self.day.blockSignals(True)
            self.day.setDate(QDate.fromString(text, "yyyy-MM-dd"))
            self.day.blockSignals(False)

    def selected_day(self) -> date:
        return self.day.date().toPython()  # type: ignore[no-any-return]

    def load_messages(self) -> None:
        self.actions.conn.call("notifications", self.selected_day(), on_done=self.show_messages, on_error=self.actions.error)

    def show_messages(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        table = self.table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(sms_values(row, self.zone)):
                item = table_item(value, align_right=c == 4)
                if c == 3 and row.get("status") in STATUS_COLOURS:
                    item.setForeground(QColor(STATUS_COLOURS[str(row["status"])]))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        counts: dict[str, int] = {}
        for row in rows:
            counts[str(row.get("status"))] = counts.get(str(row.get("status")), 0) + 1
        parts = [f"{status_text(s).split()[0]} {n}" for s, n in sorted(counts.items())]
        self.summary.setText(f"共 {len(rows)} 条 / {len(rows)} messages" + ("：" + "，".join(parts) if parts else ""))
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        chosen = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not chosen or chosen[0].row() >= len(self.rows):
            return None
        return self.rows[chosen[0].row()]

    def _selection_changed(self) -> None:
        row = self.selected()
        self.resend_button.setEnabled(row is not None and row.get("status") == GIVEN_UP)

    def resend_selected(self) -> None:
        row = self.selected()
        if row is None or row.get("status") != GIVEN_UP:
            self.actions.say(False, "请选择一条“已放弃”的短信 / choose a given-up message")
            return

        def done(_result: Any) -> None:
            self.actions.say(True, f"短信 #{row['id']} 已重新排队发送 / message queued again")
            self.load_messages()

        self.actions.conn.call("resend_notification", int(row["id"]), on_done=done, on_error=self.actions.error)


__all__ = ["SmsTab", "sms_values"]
