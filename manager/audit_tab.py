"""The console's audit tab (审计日志): the latest 300 audit entries (who, when, what, why), reloaded when
the tab is shown and after every change the console makes. Each entry's detail reads as a sentence
(:func:`hall.audit_text.audit_sentence`), in Chinese, the English sentence as the cell's tooltip."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QPushButton, QVBoxLayout, QWidget

from manager.actions import ConsoleActions
from manager.console_text import audit_detail, audit_values
from manager.widgets import make_table, table_item

DETAIL_COLUMN = 3


class AuditTab(QWidget):
    """``zone`` is the hall's time zone, set by the window from each snapshot."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.zone: ZoneInfo | None = None
        layout = QVBoxLayout(self)
        self.audit_table = make_table(["时间 At", "操作人 Actor", "操作 Action", "内容 Detail", "原因 Reason"])
        layout.addWidget(self.audit_table, 1)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_audit)
        layout.addWidget(refresh, 0, Qt.AlignmentFlag.AlignRight)

    def load_audit(self) -> None:
        self.actions.conn.call("audit", 300, on_done=self._show_audit, on_error=self.actions.error)

    def _show_audit(self, rows: list[dict[str, Any]]) -> None:
        table = self.audit_table
        table.setRowCount(len(rows))
        for r, a in enumerate(rows):
            for c, value in enumerate(audit_values(a, self.zone)):
                item = table_item(value)
                if c == DETAIL_COLUMN:
                    item.setToolTip(audit_detail(a).en)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        # the reason takes the spare width (sized to its contents above, stretchLastSection stops working)
        table.horizontalHeader().setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
