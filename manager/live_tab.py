"""The console's live tab (实时): a card per window (staffing, clerk, current ticket, categories) and the
categories' queues with their predicted waits, over-target rows in red.

A card's badge is the window's staffing (:mod:`hall.serving`): green 服务中 only while it is open,
a clerk is logged in and it is not paused; 无人在岗 for an open window nobody is at; 暂停 amber;
关闭 grey. The table's capacity counts staffed windows only, and a category nobody serves has no
predicted wait ("无窗口 —"), never "0".

The cards re-flow to as many a row as fit the width, also while another tab is shown, so that no
card is cut off at the right on a narrower screen.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hall.advisor import Advice
from hall.serving import Staffing
from manager.console_text import categories_text, clerk_text, predicted_wait_text, serving_text, window_staffing, window_state_text
from manager.widgets import make_table, table_item
from ui import theme

# (badge, card border) colours and the card's tint per staffing. An unstaffed window is grey like a
# closed one (it serves no one) but framed amber: it is open, so citizens may be sent to it.
STAFFING_COLOURS = {
    Staffing.SERVING: (theme.GREEN, theme.GREEN),
    Staffing.PAUSED: (theme.AMBER, theme.AMBER),
    Staffing.UNSTAFFED: (theme.GREY, theme.AMBER),
    Staffing.CLOSED: (theme.GREY, theme.GREY),
}
STAFFING_TINTS = {Staffing.SERVING: "#eaf6ee", Staffing.PAUSED: "#fdf3e3", Staffing.UNSTAFFED: "#f7f3ea", Staffing.CLOSED: "#eef0f3"}
OVER_TARGET_BG = QColor("#fbe3e0")


class WindowCard(QFrame):
    """One window on the live grid: staffing badge and colour, clerk, current ticket, categories, pause."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.staffing = Staffing.CLOSED
        self.setObjectName("card")
        self.setMinimumHeight(104)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(theme.font(13, True))
        self.state = QLabel()
        self.state.setFont(theme.font(10, True))
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.clerk = QLabel()
        self.current = QLabel()
        self.current.setFont(theme.font(12, True))
        self.cats = QLabel()
        for label in (self.clerk, self.current, self.cats):
            label.setFont(theme.font(10) if label is not self.current else label.font())
            layout.addWidget(label)

    def show_window(self, data: dict[str, Any], now_text: str | None) -> None:
        self.staffing = window_staffing(data)
        badge, border = STAFFING_COLOURS[self.staffing]
        self.title.setText(f"{data['number']}号  {data.get('name_zh', '')}")
        self.state.setText(window_state_text(data, now_text))
        self.state.setStyleSheet(f"color: white; background: {badge}; border-radius: 4px; padding: 1px 6px;")
        self.clerk.setText(clerk_text(data))
        current = data.get("current")
        self.current.setText(f"当前 {current['number']}" if current else "当前 —")
        self.cats.setText(categories_text(data))
        tint = STAFFING_TINTS[self.staffing]
        self.setStyleSheet(f"QFrame#card {{ background: {tint}; border: 2px solid {border}; border-radius: 6px; }}")


class LiveTab(QWidget):
    """Window cards above, the categories' queues below; redrawn from each snapshot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        grid_host = QWidget()
        self.window_grid = QGridLayout(grid_host)
        self.window_grid.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.card_scroll = scroll
        scroll.viewport().installEventFilter(self)  # re-flow the cards whenever their room changes (also on a hidden tab)
        self.cards: dict[int, WindowCard] = {}
        self.card_columns = 0
        self.category_table = make_table(
            [
                "类别",
                "业务 Category",
                "等候 Waiting",
                "最长等候(分) Longest",
                "预计等候(分) Predicted",
                "目标(分) Target",
                "服务窗口 Windows",
            ]
        )
        self.category_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.category_table.horizontalHeader().setStretchLastSection(False)
        split.addWidget(scroll)
        split.addWidget(self.category_table)
        split.setSizes([560, 320])
        layout.addWidget(split)

    def show_snapshot(self, snapshot: dict[str, Any], advice: Advice | None) -> None:
        for data in snapshot.get("windows", []):
            number = int(data["number"])
            card = self.cards.get(number)
            if card is None:
                card = self.cards[number] = WindowCard(number)
                self.card_columns = 0  # placed below
            card.show_window(data, snapshot.get("now"))
        self.arrange_cards()
        predictions = advice.predictions if advice else {}
        categories = snapshot.get("categories", [])
        table = self.category_table
        table.setRowCount(len(categories))
        for row, c in enumerate(categories):
            prediction = predictions.get(c["series"])
            estimate = c.get("estimated_wait_minutes")
            predicted = prediction.wait_minutes if prediction else (math.inf if estimate is None else float(estimate))
            active = bool(c.get("waiting")) or bool(prediction and prediction.arrivals_per_hour)
            unserved = bool(c.get("waiting")) and not c.get("windows_serving")
            over = unserved or (bool(c.get("waiting")) and prediction is not None and prediction.over_target)
            values = [
                c["series"],
                f"{c.get('name_zh', '')}  {c.get('name_en', '')}",
                c.get("waiting", 0),
                f"{float(c.get('longest_wait_minutes', 0)):.0f}",
                predicted_wait_text(c, predicted, active),
                f"{float(c.get('target_wait_minutes', 0)):.0f}",
                serving_text(c),
            ]
            for col, value in enumerate(values):
                item = table_item(value, align_right=col >= 2)
                if over:
                    item.setBackground(QBrush(OVER_TARGET_BG))
                    item.setForeground(QBrush(QColor(theme.RED)))
                table.setItem(row, col, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def over_target_series(self) -> list[str]:
        """Categories shown highlighted in the table (for tests and the status line)."""
        out = []
        for row in range(self.category_table.rowCount()):
            item = self.category_table.item(row, 0)
            if item is not None and item.background().color() == OVER_TARGET_BG:
                out.append(item.text())
        return out

    def arrange_cards(self) -> None:
        """As many window cards a row as fit the width (5 at 1600 px, 4 at 1280), so that none is cut off at the right."""
        if not self.cards:
            return
        widest = max(card.minimumSizeHint().width() for card in self.cards.values()) + self.window_grid.horizontalSpacing()
        room = self.card_scroll.viewport().width() - 2 * self.window_grid.contentsMargins().left()
        columns = max(2, min(6, room // max(widest, 1)))
        if columns == self.card_columns:
            return
        self.card_columns = columns
        for index, number in enumerate(sorted(self.cards)):
            self.window_grid.addWidget(self.cards[number], index // columns, index % columns)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.card_scroll.viewport():
            self.arrange_cards()
        return super().eventFilter(watched, event)
