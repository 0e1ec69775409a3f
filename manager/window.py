"""The hall manager's console (值班长/大厅管理员): live queues, 窗口动态调整 with the advisor's
recommendations, alerts, 差评 follow-ups, devices, the audit log and a few settings.

Widgets hold no rules: the advisor view, alert tracking and the auto-apply limit live in
:mod:`manager.advice`; every change is an API call to the server, which validates and audits it.
The screen redraws from the server's snapshot whenever an event says something changed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hall.advisor import Advice, AlertKind, MoveKind, Recommendation
from hall.tickets import BAD_RATING_REASONS
from manager.advice import (
    AlertTracker,
    ApiCall,
    AutoApplyPolicy,
    IdleTracker,
    advise_hall,
    minutes_between,
    parse_time,
    reason_text,
    recommendation_calls,
    skill_gaps,
    snapshot_now,
)
from manager.reports_view import ReportsView
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.events import EventStream

STATE_TEXT = {"open": ("服务中", theme.GREEN), "paused": ("暂停", theme.AMBER), "closed": ("关闭", theme.GREY)}
FOLLOWUP_STATUS = {"open": "待处理 open", "resolved": "已办结 resolved", "appealed": "申诉 appealed"}
KIND_TEXT = {
    MoveKind.OPEN_WINDOW: "开窗 Open",
    MoveKind.ADD_CATEGORY: "增办 Add",
    MoveKind.MOVE_WINDOW: "改办 Move",
    MoveKind.CLOSE_WINDOW: "关窗 Close",
}
ALERT_COLOUR = {
    AlertKind.LONG_WAIT: theme.RED,
    AlertKind.UNSERVED: theme.RED,
    AlertKind.OVER_TARGET: theme.AMBER,
    AlertKind.LONG_QUEUE: theme.AMBER,
    AlertKind.LONG_PAUSE: theme.AMBER,
}
OVER_TARGET_BG = QColor("#fbe3e0")
OVERDUE_BG = QColor("#fbe3e0")


def _minutes(value: float) -> str:
    return "—" if math.isinf(value) else f"{value:.0f}"


def _item(text: Any, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


LEVEL_TEXT = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}
HALL_ZONE: list[ZoneInfo | None] = [None]  # the hall's time zone, from the latest snapshot


def _short_time(text: str | None) -> str:
    """A server timestamp in the hall's own time zone (the console may run elsewhere)."""
    moment = parse_time(text)
    if moment is None:
        return ""
    return moment.astimezone(HALL_ZONE[0]).strftime("%m-%d %H:%M")


class WindowCard(QFrame):
    """One window on the live grid: state colour, clerk, current ticket, categories, pause."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
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
        state = str(data.get("state", "open"))
        text, colour = STATE_TEXT.get(state, (state, theme.GREY))
        if state == "paused":
            paused = minutes_between(parse_time(data.get("paused_since")), parse_time(now_text))
            if paused is not None:
                text = f"暂停 {paused:.0f} 分"
        self.title.setText(f"{data['number']}号  {data.get('name_zh', '')}")
        self.state.setText(text)
        self.state.setStyleSheet(f"color: white; background: {colour}; border-radius: 4px; padding: 1px 6px;")
        clerk = data.get("clerk")
        self.clerk.setText(f"工作人员 {clerk['name']}（{clerk['staff_no']}）" if clerk else "未登录 no clerk")
        current = data.get("current")
        self.current.setText(f"当前 {current['number']}" if current else "当前 —")
        primary = "、".join(data.get("primary", [])) or "—"
        secondary = "、".join(data.get("secondary", []))
        self.cats.setText(f"主办 {primary}" + (f"   兼办 {secondary}" if secondary else ""))
        tint = {"open": "#eaf6ee", "paused": "#fdf3e3", "closed": "#eef0f3"}.get(state, "#ffffff")
        self.setStyleSheet(f"QFrame#card {{ background: {tint}; border: 2px solid {colour}; border-radius: 6px; }}")


class RecommendationCard(QFrame):
    apply_requested = Signal(object)

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.recommendation = rec
        self.setObjectName("rec")
        self.setStyleSheet("QFrame#rec { background: white; border: 1px solid #c8d3e0; border-radius: 6px; }")
        layout = QHBoxLayout(self)
        text = QVBoxLayout()
        after = "主办 " + ("、".join(rec.primary) or "—") + ("   兼办 " + "、".join(rec.secondary) if rec.secondary else "")
        if rec.kind is MoveKind.CLOSE_WINDOW:
            after = "关闭 closed"
        title = QLabel(f"{KIND_TEXT[rec.kind]} · {rec.window}号窗口 → {after}   （预计减少 {rec.gain_ticket_minutes:.0f} 人·分钟）")
        title.setFont(theme.font(12, True))
        zh = QLabel(rec.reason.zh)
        zh.setWordWrap(True)
        en = QLabel(rec.reason.en)
        en.setWordWrap(True)
        en.setStyleSheet(f"color: {theme.GREY};")
        en.setFont(theme.font(9))
        for label in (title, zh, en):
            text.addWidget(label)
        layout.addLayout(text, 1)
        self.apply_button = QPushButton("一键调整\nApply")
        self.apply_button.setMinimumSize(110, 56)
        self.apply_button.clicked.connect(lambda: self.apply_requested.emit(self.recommendation))
        layout.addWidget(self.apply_button, 0, Qt.AlignmentFlag.AlignVCenter)


class ManagerWindow(QWidget):
    """The console. ``conn`` makes the API calls; ``events`` tells it when to redraw."""

    snapshot_applied = Signal()
    action_finished = Signal(bool, str)

    REFRESH_MS = 30_000

    def __init__(self, conn: ServerConnection, events: EventStream | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.events = events
        self.snapshot: dict[str, Any] = {}
        self.advice: Advice | None = None
        self.idle = IdleTracker()
        self.alert_tracker = AlertTracker()
        self.auto = AutoApplyPolicy()
        self.followup_rows: list[dict[str, Any]] = []
        self.device_rows: list[dict[str, Any]] = []
        self._busy = False
        self._loaded_window: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
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
        self.reports_page = ReportsView(conn)
        # (page, Chinese, English): labels read "实时 Live"; where the window is too narrow for all of
        # them (a 1280-px screen), Chinese only, the English in each tab's tooltip.
        self._tab_names: list[tuple[QWidget, str, str]] = [
            (self._build_live(), "实时", "Live"),
            (self._build_reallocate(), "窗口调整", "Reallocate"),
            (self._build_recommendations(), "调整建议", "Recommendations"),
            (self._build_alerts(), "告警", "Alerts"),
            (self._build_followups(), "差评回访", "Follow-ups"),
            (self._build_devices(), "终端", "Devices"),
            (self._build_audit(), "审计日志", "Audit"),
            (self._build_settings(), "设置", "Settings"),
            (self.reports_page, "统计报表", "Reports"),
        ]
        self._alert_count = 0
        for page, zh, en in self._tab_names:
            self.tabs.addTab(page, f"{zh} {en}")
        self.tabs.currentChanged.connect(self._tab_shown)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self._periodic = QTimer(self)
        self._periodic.setInterval(self.REFRESH_MS)
        self._periodic.timeout.connect(self.refresh)

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
        self.refresh()
        self.load_followups()
        self.load_devices()
        self.load_audit()

    def closeEvent(self, event: Any) -> None:
        self._periodic.stop()
        self._debounce.stop()
        if self.events is not None:
            self.events.stop()
        super().closeEvent(event)

    def refresh(self) -> None:
        self.conn.call("snapshot", on_done=self._on_snapshot)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "followup_changed":
            self.load_followups()
        elif kind in ("device_enrolled", "device_revoked", "device_alert") and self.tabs.currentWidget() is self.devices_page:
            self.load_devices()
        self._debounce.start()

    def _set_online(self, online: bool) -> None:
        self.banner.setVisible(not online)
        if online and not self._debounce.isActive():
            self._debounce.start()

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.followups_page:
            self.load_followups()
        elif widget is self.devices_page:
            self.load_devices()
        elif widget is self.audit_page:
            self.load_audit()
        elif widget is self.reports_page and self.reports_page.reports is None:
            self.reports_page.query()  # first visit: this month by category

    def _say(self, ok: bool, text: str) -> None:
        colour = theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message.setText(text)

    def _error(self, error: ApiError) -> None:
        self._say(False, f"操作失败：{error.zh}  {error.en}")

    def run_calls(self, calls: Sequence[ApiCall], done_text: str, after: Callable[[], None] | None = None) -> None:
        """Carry out API calls one after another; stop at the first error and say why."""
        remaining = list(calls)

        def step(_result: Any = None) -> None:
            if not remaining:
                self._busy = False
                self._say(True, done_text)
                self.action_finished.emit(True, done_text)
                if after is not None:
                    after()
                self.refresh()
                self.load_audit()
                return
            call = remaining.pop(0)
            self.conn.call(call.method, *call.args, on_done=step, on_error=failed)

        def failed(error: ApiError) -> None:
            self._busy = False
            self._error(error)
            self.action_finished.emit(False, error.zh)
            self.refresh()

        self._busy = True
        step()

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
        # without the planning data there is no honest prediction: show none rather than a guess
        self.advice = advise_hall(snapshot, planning, self.idle) if planning is not None else None
        hall = snapshot.get("hall", {})
        try:
            HALL_ZONE[0] = ZoneInfo(hall["timezone"]) if hall.get("timezone") else None
        except (ZoneInfoNotFoundError, ValueError):
            HALL_ZONE[0] = None
        self.hall_label.setText(f"{hall.get('name_zh', '')}  大厅管理")
        self.status_label.setText(f"营业日 {hall.get('business_day', '')} · 更新于 {_short_time(snapshot.get('now'))}")
        self._show_live()
        self._show_reallocate()
        self._show_recommendations()
        self._show_alerts()
        self._show_settings()
        self.reports_page.set_hall(snapshot)
        self._maybe_auto_apply()
        self.snapshot_applied.emit()

    # ------------------------------------------------------------------ live

    def _build_live(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
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
        self._card_columns = 0
        self.category_table = _table(
            ["类别", "业务 Category", "等候 Waiting", "最长等候(分) Longest", "预计等候(分) Predicted", "目标(分) Target", "服务窗口 Windows"]
        )
        self.category_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.category_table.horizontalHeader().setStretchLastSection(False)
        split.addWidget(scroll)
        split.addWidget(self.category_table)
        split.setSizes([560, 320])
        layout.addWidget(split)
        return page

    def _show_live(self) -> None:
        windows = self.snapshot.get("windows", [])
        for data in windows:
            number = int(data["number"])
            card = self.cards.get(number)
            if card is None:
                card = self.cards[number] = WindowCard(number)
                self._card_columns = 0  # placed below
            card.show_window(data, self.snapshot.get("now"))
        self._arrange_cards()
        predictions = self.advice.predictions if self.advice else {}
        categories = self.snapshot.get("categories", [])
        table = self.category_table
        table.setRowCount(len(categories))
        for row, c in enumerate(categories):
            prediction = predictions.get(c["series"])
            predicted = prediction.wait_minutes if prediction else float(c.get("estimated_wait_minutes", 0))
            over = bool(c.get("waiting")) and prediction is not None and prediction.over_target
            values = [
                c["series"],
                f"{c.get('name_zh', '')}  {c.get('name_en', '')}",
                c.get("waiting", 0),
                f"{float(c.get('longest_wait_minutes', 0)):.0f}",
                _minutes(predicted) if c.get("waiting") or (prediction and prediction.arrivals_per_hour) else "0",
                f"{float(c.get('target_wait_minutes', 0)):.0f}",
                c.get("windows_serving", 0),
            ]
            for col, value in enumerate(values):
                item = _item(value, align_right=col >= 2)
                if over:
                    item.setBackground(QBrush(OVER_TARGET_BG))
                    item.setForeground(QBrush(QColor(theme.RED)))
                table.setItem(row, col, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def over_target_series(self) -> list[str]:
        """Categories shown highlighted in the live table (for tests and the status line)."""
        out = []
        for row in range(self.category_table.rowCount()):
            item = self.category_table.item(row, 0)
            if item is not None and item.background().color() == OVER_TARGET_BG:
                out.append(item.text())
        return out

    # ------------------------------------------------------------------ reallocate

    def _build_reallocate(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QVBoxLayout()
        pick = QHBoxLayout()
        pick.addWidget(QLabel("窗口 Window"))
        self.realloc_window = QComboBox()
        self.realloc_window.setMinimumWidth(320)
        self.realloc_window.currentIndexChanged.connect(lambda _i: self._load_window_categories(force=True))
        pick.addWidget(self.realloc_window, 1)
        left.addLayout(pick)
        self.realloc_info = QLabel()
        self.realloc_info.setWordWrap(True)
        self.realloc_info.setFont(theme.font(12))
        left.addWidget(self.realloc_info)
        self.realloc_table = _table(["类别", "业务 Category", "主办 Primary", "兼办 Secondary", "等候 Waiting", "技能 Skill"])
        self.realloc_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        left.addWidget(self.realloc_table, 1)
        self.primary_boxes: dict[str, QCheckBox] = {}
        self.secondary_boxes: dict[str, QCheckBox] = {}
        self.skill_warning = QLabel()
        self.skill_warning.setStyleSheet(f"color: {theme.AMBER}; font-weight: bold;")
        self.skill_warning.setWordWrap(True)
        left.addWidget(self.skill_warning)
        layout.addLayout(left, 3)

        right = QVBoxLayout()
        box = QGroupBox("调整原因（记入审计日志） Reason — audited")
        form = QVBoxLayout(box)
        self.realloc_reason = QLineEdit()
        self.realloc_reason.setPlaceholderText("例如：不动产登记等候人数多，临时增开")
        self.realloc_reason.setMaxLength(300)
        form.addWidget(self.realloc_reason)
        right.addWidget(box)
        self.apply_categories_button = QPushButton("应用业务调整  Apply categories")
        self.open_button = QPushButton("开放窗口  Open")
        self.close_button = QPushButton("关闭窗口  Close")
        self.pause_button = QPushButton("暂停服务  Pause")
        self.resume_button = QPushButton("恢复服务  Resume")
        for button in (self.apply_categories_button, self.open_button, self.close_button, self.pause_button, self.resume_button):
            button.setMinimumHeight(44)
            right.addWidget(button)
        self.apply_categories_button.setStyleSheet(f"background: {theme.BLUE}; color: white; font-weight: bold;")
        self.apply_categories_button.clicked.connect(self.apply_categories)
        self.open_button.clicked.connect(lambda: self._window_action("open_window", "开放"))
        self.close_button.clicked.connect(lambda: self._window_action("close_window", "关闭"))
        self.pause_button.clicked.connect(lambda: self._window_action("pause", "暂停"))
        self.resume_button.clicked.connect(lambda: self._window_action("resume", "恢复"))
        note = QLabel("勾选主办、兼办业务后应用，立即生效：窗口下一次叫号即按新业务叫号。\nChanges apply at once: the window's next call follows them.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {theme.GREY};")
        right.addWidget(note)
        right.addStretch(1)
        layout.addLayout(right, 2)
        return page

    def selected_window(self) -> dict[str, Any] | None:
        number = self.realloc_window.currentData()
        for w in self.snapshot.get("windows", []):
            if w["number"] == number:
                return w
        return None

    def select_window(self, number: int) -> None:
        index = self.realloc_window.findData(number)
        if index >= 0:
            self.realloc_window.setCurrentIndex(index)

    def _show_reallocate(self) -> None:
        windows = self.snapshot.get("windows", [])
        combo = self.realloc_window
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for w in windows:
            text, _ = STATE_TEXT.get(w.get("state", ""), ("", ""))
            combo.addItem(f"{w['number']}号  {w.get('name_zh', '')}（{text}）", w["number"])
        index = combo.findData(current)
        combo.setCurrentIndex(index if index >= 0 else 0)
        combo.blockSignals(False)
        categories = self.snapshot.get("categories", [])
        if self.realloc_table.rowCount() != len(categories):
            self._build_category_rows(categories)
        for row, c in enumerate(categories):
            self.realloc_table.setItem(row, 4, _item(c.get("waiting", 0), align_right=True))
        self._load_window_categories(force=False)

    def _build_category_rows(self, categories: list[dict[str, Any]]) -> None:
        table = self.realloc_table
        table.setRowCount(len(categories))
        self.primary_boxes.clear()
        self.secondary_boxes.clear()
        for row, c in enumerate(categories):
            series = c["series"]
            table.setItem(row, 0, _item(series))
            table.setItem(row, 1, _item(f"{c.get('name_zh', '')}  {c.get('name_en', '')}"))
            for col, boxes in ((2, self.primary_boxes), (3, self.secondary_boxes)):
                holder = QWidget()
                h = QHBoxLayout(holder)
                h.setContentsMargins(0, 0, 0, 0)
                h.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box = QCheckBox()
                h.addWidget(box)
                boxes[series] = box
                table.setCellWidget(row, col, holder)
            self.primary_boxes[series].toggled.connect(lambda on, s=series: on and self.secondary_boxes[s].setChecked(False))
            self.secondary_boxes[series].toggled.connect(lambda on, s=series: on and self.primary_boxes[s].setChecked(False))
            self.primary_boxes[series].toggled.connect(self._update_skill_warning)
            self.secondary_boxes[series].toggled.connect(self._update_skill_warning)
        table.resizeColumnsToContents()
        # The category's name takes the spare width; the narrow skill mark must not (it did as the
        # stretched last column, and "Investment & Construction" was cut off).
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)

    def _load_window_categories(self, force: bool) -> None:
        """Tick the boxes from the server's state — when another window is picked, or when the
        server's categories for this window changed (not while the manager edits unchanged ones)."""
        w = self.selected_window()
        if w is None:
            return
        key = (int(w["number"]), tuple(w.get("primary", [])), tuple(w.get("secondary", [])))
        if not force and key == self._loaded_window:
            self._describe_window(w)
            return
        self._loaded_window = key
        for series, box in self.primary_boxes.items():
            box.setChecked(series in key[1])
        for series, box in self.secondary_boxes.items():
            box.setChecked(series in key[2])
        clerk = w.get("clerk")
        skills = set(clerk.get("skills") or ()) if clerk else set()
        for row in range(self.realloc_table.rowCount()):
            series_item = self.realloc_table.item(row, 0)
            series = series_item.text() if series_item else ""
            self.realloc_table.setItem(row, 5, _item("✓" if series in skills else ("—" if not clerk else "无")))
        self._describe_window(w)

    def _describe_window(self, w: dict[str, Any]) -> None:
        text, _ = STATE_TEXT.get(w.get("state", ""), (w.get("state", ""), ""))
        clerk = w.get("clerk")
        current = w.get("current")
        self.realloc_info.setText(
            f"<b>{w['number']}号 {w.get('name_zh', '')}</b> · {text} · "
            + (f"{clerk['name']}（{clerk['staff_no']}，技能 {'、'.join(clerk.get('skills') or [])}）" if clerk else "未登录")
            + (f" · 当前 {current['number']}" if current else "")
            + f"<br>现主办 {'、'.join(w.get('primary', [])) or '—'}，兼办 {'、'.join(w.get('secondary', [])) or '—'}"
        )
        self._update_skill_warning()

    def ticked(self) -> tuple[list[str], list[str]]:
        primary = [s for s, box in self.primary_boxes.items() if box.isChecked()]
        secondary = [s for s, box in self.secondary_boxes.items() if box.isChecked()]
        return primary, secondary

    def _update_skill_warning(self, *_args: Any) -> None:
        w = self.selected_window()
        if w is None:
            return
        primary, secondary = self.ticked()
        gaps = skill_gaps(w, primary + secondary)
        self.skill_warning.setText(
            f"注意：当前工作人员没有 {'、'.join(gaps)} 业务技能  The clerk has no skill for {', '.join(gaps)}" if gaps else ""
        )

    def _reason(self, default: str) -> str:
        return self.realloc_reason.text().strip() or default

    def apply_categories(self) -> None:
        w = self.selected_window()
        if w is None or self._busy:
            return
        primary, secondary = self.ticked()
        if not primary and not secondary:
            self._say(False, "至少选择一项业务  Tick at least one category (or close the window)")
            return
        call = ApiCall("set_window_categories", (int(w["number"]), primary, secondary, self._reason("管理员调整窗口业务")))
        self.run_calls([call], f"{w['number']}号窗口已调整：主办 {'、'.join(primary) or '—'}，兼办 {'、'.join(secondary) or '—'}",
                       after=self.realloc_reason.clear)

    def _window_action(self, method: str, verb: str) -> None:
        w = self.selected_window()
        if w is None or self._busy:
            return
        number = int(w["number"])
        args: tuple[Any, ...] = (number,) if method == "resume" else (number, self._reason(f"管理员{verb}窗口"))
        self.run_calls([ApiCall(method, args)], f"{number}号窗口已{verb}", after=self.realloc_reason.clear)

    # ------------------------------------------------------------------ recommendations

    def _build_recommendations(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.auto_check = QCheckBox("自动执行建议  Auto-apply (opt-in)")
        self.auto_check.toggled.connect(self._auto_changed)
        self.auto_limit = QSpinBox()
        self.auto_limit.setRange(1, 20)
        self.auto_limit.setValue(self.auto.max_per_hour)
        self.auto_limit.setSuffix(" 次/小时 moves/h")
        self.auto_limit.valueChanged.connect(self._auto_changed)
        self.auto_status = QLabel()
        self.auto_status.setStyleSheet(f"color: {theme.GREY};")
        top.addWidget(self.auto_check)
        top.addWidget(QLabel("上限 max"))
        top.addWidget(self.auto_limit)
        top.addWidget(self.auto_status, 1)
        layout.addLayout(top)
        explain = QLabel(
            "建议由调整模型根据各业务等候人数、到达速度和办理时长计算（不限号，只调窗口）；关窗建议从不自动执行。"
            "\nComputed from queue lengths, arrival rates and service times (tickets are never capped; only windows move). "
            "Closures are never auto-applied."
        )
        explain.setWordWrap(True)
        explain.setStyleSheet(f"color: {theme.GREY};")
        layout.addWidget(explain)
        self.rec_host = QWidget()
        self.rec_layout = QVBoxLayout(self.rec_host)
        self.rec_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rec_host)
        layout.addWidget(scroll, 1)
        self.rec_cards: list[RecommendationCard] = []
        return page

    def _show_recommendations(self) -> None:
        recs = self.advice.recommendations if self.advice else ()
        for card in self.rec_cards:
            card.setParent(None)
            card.deleteLater()
        self.rec_cards = []
        while self.rec_layout.count():
            item = self.rec_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not recs:
            empty = QLabel("目前无需调整窗口。  No window changes needed now.")
            empty.setFont(theme.font(13))
            self.rec_layout.addWidget(empty)
        for rec in recs:
            card = RecommendationCard(rec)
            card.apply_requested.connect(self.apply_recommendation)
            self.rec_cards.append(card)
            self.rec_layout.addWidget(card)
        self._auto_status()

    def apply_recommendation(self, rec: Recommendation, reason_prefix: str = "采纳系统建议") -> None:
        if self._busy:
            return
        calls = recommendation_calls(rec, reason_text(rec, reason_prefix))
        self.run_calls(calls, f"已执行：{rec.reason.zh.split('。')[0]}")

    def _auto_changed(self, *_args: Any) -> None:
        self.auto.enabled = self.auto_check.isChecked()
        self.auto.max_per_hour = self.auto_limit.value()
        self._auto_status()
        if self.auto.enabled:
            self._maybe_auto_apply()

    def _auto_status(self) -> None:
        if not self.snapshot:
            return
        used = self.auto.used(snapshot_now(self.snapshot))
        state = "已开启 on" if self.auto.enabled else "未开启 off"
        self.auto_status.setText(f"自动执行{state} · 最近一小时已自动调整 {used}/{self.auto.max_per_hour}")

    def _maybe_auto_apply(self) -> None:
        if self._busy or not self.snapshot or self.advice is None:
            return
        now = snapshot_now(self.snapshot)
        rec = self.auto.pick(self.advice.recommendations, now)
        if rec is None:
            return
        self.auto.record(now)
        self.apply_recommendation(rec, "自动执行系统建议")

    # ------------------------------------------------------------------ alerts

    def _build_alerts(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.alert_summary = QLabel()
        self.alert_summary.setFont(theme.font(12, True))
        layout.addWidget(self.alert_summary)
        self.alert_list = QListWidget()
        self.alert_list.setWordWrap(True)
        self.alert_list.setSpacing(3)
        layout.addWidget(self.alert_list, 1)
        return page

    def _show_alerts(self) -> None:
        alerts = self.advice.alerts if self.advice else ()
        tracked = self.alert_tracker.update(alerts, snapshot_now(self.snapshot))
        self.alert_list.clear()
        for alert, since in tracked:
            item = QListWidgetItem(f"{alert.message.zh}\n{alert.message.en}    （自 {since.astimezone(HALL_ZONE[0]).strftime('%H:%M')} 起）")
            item.setData(Qt.ItemDataRole.UserRole, alert.key)
            item.setForeground(QBrush(QColor(ALERT_COLOUR.get(alert.kind, theme.AMBER))))
            self.alert_list.addItem(item)
        count = len(tracked)
        self.alert_summary.setText(f"当前告警 {count} 条  {count} active alert(s)" if count else "无告警  No alerts")
        self._alert_count = count
        self._label_tabs()

    def _label_tabs(self, available: int | None = None) -> None:
        """Bilingual tab labels if they all fit ``available`` pixels (the tab widget's width), else
        Chinese only, the English in the tooltip."""
        alerts = self.alert_list.parentWidget()
        if available is None:
            layout = self.layout()
            if layout is not None:
                layout.activate()  # the tab widget's width follows the window's even before it is first shown
            available = self.tabs.width()
        for compact in (False, True):
            for index, (page, zh, en) in enumerate(self._tab_names):
                count = f" ({self._alert_count})" if page is alerts and self._alert_count else ""
                self.tabs.setTabText(index, (zh if compact else f"{zh} {en}") + count)
                self.tabs.setTabToolTip(index, f"{zh} {en}")
            if self.tabs.tabBar().sizeHint().width() <= available:
                return

    def _arrange_cards(self) -> None:
        """As many window cards a row as fit the width (5 at 1600 px, 4 at 1280), so that none is cut off at the right."""
        if not self.cards:
            return
        widest = max(card.minimumSizeHint().width() for card in self.cards.values()) + self.window_grid.horizontalSpacing()
        room = self.card_scroll.viewport().width() - 2 * self.window_grid.contentsMargins().left()
        columns = max(2, min(6, room // max(widest, 1)))
        if columns == self._card_columns:
            return
        self._card_columns = columns
        for index, number in enumerate(sorted(self.cards)):
            self.window_grid.addWidget(self.cards[number], index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._label_tabs()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.card_scroll.viewport():
            self._arrange_cards()
        return super().eventFilter(watched, event)

    def alert_keys(self) -> list[str]:
        return [str(self.alert_list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.alert_list.count())]

    # ------------------------------------------------------------------ follow-ups

    def _build_followups(self) -> QWidget:
        page = self.followups_page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.followup_summary = QLabel()
        self.followup_summary.setFont(theme.font(12, True))
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_followups)
        top.addWidget(self.followup_summary, 1)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.followup_table = _table(
            ["编号", "票号 Ticket", "窗口", "工作人员 Clerk", "评价 Level", "原因/留言 Reasons", "评价时间 Rated", "期限 Deadline", "状态 Status", "处理记录 Notes"]
        )
        self.followup_table.itemSelectionChanged.connect(self._followup_selected)
        layout.addWidget(self.followup_table, 3)
        box = QGroupBox("处理差评  Handle the selected follow-up")
        form = QFormLayout(box)
        self.followup_status = QComboBox()
        for key, text in FOLLOWUP_STATUS.items():
            self.followup_status.addItem(text, key)
        self.followup_notes = QPlainTextEdit()
        self.followup_notes.setPlaceholderText("核实情况、整改措施、回访记录  What was checked, fixed, and the call back")
        self.followup_notes.setMaximumHeight(90)
        self.followup_view = QLineEdit()
        self.followup_view.setMaxLength(200)
        self.followup_view.setPlaceholderText("群众对整改的意见  The citizen's view of the fix")
        self.followup_save = QPushButton("保存 Save")
        self.followup_save.setMinimumHeight(36)
        self.followup_save.clicked.connect(self.save_followup)
        form.addRow("状态 Status", self.followup_status)
        form.addRow("处理记录 Notes", self.followup_notes)
        form.addRow("回访意见 Citizen", self.followup_view)
        form.addRow("", self.followup_save)
        layout.addWidget(box, 0)
        return page

    def load_followups(self) -> None:
        self.conn.call("followups", on_done=self._show_followups, on_error=self._error)

    def _show_followups(self, rows: list[dict[str, Any]]) -> None:
        selected = self.selected_followup()
        self.followup_rows = rows
        table = self.followup_table
        table.blockSignals(True)
        table.setRowCount(len(rows))
        for r, f in enumerate(rows):
            # The pad stores reason codes; the manager reads what the citizen tapped.
            reasons = "、".join(
                BAD_RATING_REASONS[code].zh if code in BAD_RATING_REASONS else str(code) for code in f.get("reasons") or []
            )
            comment = f.get("comment") or ""
            values = [
                f["id"],
                f.get("ticket", ""),
                f.get("window", ""),
                f.get("clerk", ""),
                LEVEL_TEXT.get(f.get("level", ""), f.get("level", "")),
                "；".join(x for x in (reasons, comment) if x),
                _short_time(f.get("rated_at")),
                f.get("deadline", "") + ("  逾期" if f.get("overdue") else ""),
                FOLLOWUP_STATUS.get(f.get("status", ""), f.get("status", "")),
                f.get("notes", ""),
            ]
            for c, value in enumerate(values):
                item = _item(value)
                if f.get("overdue"):
                    item.setBackground(QBrush(OVERDUE_BG))
                    item.setForeground(QBrush(QColor(theme.RED)))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.blockSignals(False)
        if selected is not None:
            for r, f in enumerate(rows):
                if f["id"] == selected["id"]:
                    table.selectRow(r)
        open_count = sum(1 for f in rows if f.get("status") == "open")
        overdue = sum(1 for f in rows if f.get("overdue"))
        self.followup_summary.setText(f"差评回访 {len(rows)} 件 · 待处理 {open_count} · 逾期 {overdue}")

    def selected_followup(self) -> dict[str, Any] | None:
        rows = self.followup_table.selectionModel().selectedRows() if self.followup_table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.followup_rows):
            return None
        return self.followup_rows[rows[0].row()]

    def _followup_selected(self) -> None:
        f = self.selected_followup()
        if f is None:
            return
        self.followup_status.setCurrentIndex(max(0, self.followup_status.findData(f.get("status"))))
        self.followup_notes.setPlainText(f.get("notes", ""))
        self.followup_view.setText(f.get("citizen_view", ""))

    def save_followup(self) -> None:
        f = self.selected_followup()
        if f is None:
            self._say(False, "请先选择一条差评  Select a follow-up first")
            return
        call = ApiCall(
            "update_followup",
            (int(f["id"]), str(self.followup_status.currentData()), self.followup_notes.toPlainText().strip(), self.followup_view.text().strip()),
        )
        self.run_calls([call], f"差评回访 {f['id']} 已保存", after=self.load_followups)

    # ------------------------------------------------------------------ devices

    def _build_devices(self) -> QWidget:
        page = self.devices_page = QWidget()
        layout = QVBoxLayout(page)
        self.device_table = _table(["编号", "名称 Name", "角色 Role", "窗口 Window", "注册时间 Enrolled", "状态 State"])
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
        for role, text in (("kiosk", "取号机 kiosk"), ("counter", "窗口终端 counter"), ("display", "显示屏 display"),
                           ("pad", "评价器 pad"), ("manager", "管理端 manager")):
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
        layout.addWidget(box)
        return page

    def load_devices(self) -> None:
        self.conn.call("devices", on_done=self._show_devices, on_error=self._error)

    def _show_devices(self, rows: list[dict[str, Any]]) -> None:
        self.device_rows = rows
        table = self.device_table
        table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            values = [d["id"], d.get("name", ""), d.get("role", ""), d.get("window") or "", _short_time(d.get("created_at")),
                      "已吊销 revoked" if d.get("revoked") else "有效 active"]
            for c, value in enumerate(values):
                item = _item(value)
                if d.get("revoked"):
                    item.setForeground(QBrush(QColor(theme.GREY)))
                table.setItem(r, c, item)
        table.resizeColumnsToContents()

    def enroll(self) -> None:
        name = self.enroll_name.text().strip()
        if not name:
            self._say(False, "请填写终端名称  Name the device")
            return
        window = self.enroll_window.value() or None
        self.enroll_token.clear()

        def done(result: dict[str, Any]) -> None:
            self.enroll_token.setText(result.get("token", ""))
            self._say(True, f"终端已注册（编号 {result.get('device_id')}），令牌只显示这一次")
            self.enroll_name.clear()
            self.load_devices()
            self.load_audit()

        self.conn.call("enroll", str(self.enroll_role.currentData()), name, window, on_done=done, on_error=self._error)

    def revoke_selected(self) -> None:
        rows = self.device_table.selectionModel().selectedRows()
        if not rows:
            self._say(False, "请先选择终端  Select a device first")
            return
        device = self.device_rows[rows[0].row()]
        self.run_calls([ApiCall("revoke", (int(device["id"]),))], f"终端 {device['name']} 已吊销", after=self.load_devices)

    # ------------------------------------------------------------------ audit

    def _build_audit(self) -> QWidget:
        page = self.audit_page = QWidget()
        layout = QVBoxLayout(page)
        self.audit_table = _table(["时间 At", "操作人 Actor", "操作 Action", "内容 Detail", "原因 Reason"])
        layout.addWidget(self.audit_table, 1)
        refresh = QPushButton("刷新 Refresh")
        refresh.clicked.connect(self.load_audit)
        layout.addWidget(refresh, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def load_audit(self) -> None:
        self.conn.call("audit", 300, on_done=self._show_audit, on_error=self._error)

    def _show_audit(self, rows: list[dict[str, Any]]) -> None:
        table = self.audit_table
        table.setRowCount(len(rows))
        for r, a in enumerate(rows):
            detail = json.dumps(a.get("detail") or {}, ensure_ascii=False)
            for c, value in enumerate([_short_time(a.get("at")), a.get("actor", ""), a.get("action", ""), detail, a.get("reason", "")]):
                table.setItem(r, c, _item(value))
        table.resizeColumnsToContents()

    # ------------------------------------------------------------------ settings

    def _build_settings(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        notices = QGroupBox("公告（每行一条，滚动显示）  Notices, one per line")
        n = QVBoxLayout(notices)
        self.notices_edit = QPlainTextEdit()
        self.notices_save = QPushButton("保存公告 Save notices")
        self.notices_save.clicked.connect(self.save_notices)
        n.addWidget(self.notices_edit, 1)
        n.addWidget(self.notices_save)
        left = QVBoxLayout()
        left.addWidget(notices, 1)
        left.addWidget(self._build_rules())
        layout.addLayout(left, 1)
        targets = QGroupBox("各业务目标等候与办理时长（分钟）  Target wait && expected service (min)")  # "&&": a lone & marks a shortcut key
        t = QVBoxLayout(targets)
        self.target_table = _table(["类别", "业务 Category", "目标等候 Target", "办理时长 Service"])
        self.target_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.target_spins: dict[str, tuple[QDoubleSpinBox, QDoubleSpinBox]] = {}
        self.targets_save = QPushButton("保存目标 Save targets")
        self.targets_save.clicked.connect(self.save_targets)
        t.addWidget(self.target_table, 1)
        t.addWidget(self.targets_save)
        layout.addWidget(targets, 1)
        self._notices_loaded = False
        return page

    # The hall rules a duty manager adjusts during the day (the rest are in the hall's config file):
    # (key, label, unit, lowest, highest, decimals). The server validates and audits every change.
    RULE_FIELDS = (
        ("promised_working_days", "承诺件默认时限  Default promise", " 个工作日 working days", 1, 365, 0),
        ("recall_limit", "过号前重呼次数  Recalls before no-show", " 次 times", 0, 20, 0),
        ("pause_warn_minutes", "离岗提醒  Pause warning after", " 分钟 min", 1, 120, 0),
        ("long_wait_alert_minutes", "久候告警  Long-wait alert after", " 分钟 min", 1, 480, 0),
    )

    def _build_rules(self) -> QGroupBox:
        box = QGroupBox("规则  Rules")
        form = QFormLayout(box)
        self.rule_spins: dict[str, QDoubleSpinBox] = {}
        for key, label, unit, lowest, highest, decimals in self.RULE_FIELDS:
            spin = QDoubleSpinBox()
            spin.setRange(lowest, highest)
            spin.setDecimals(decimals)
            spin.setSuffix(unit)
            form.addRow(label, spin)
            self.rule_spins[key] = spin
        self.rules_save = QPushButton("保存规则 Save rules")
        self.rules_save.clicked.connect(self.save_rules)
        form.addRow(self.rules_save)
        self._rules_shown: dict[str, float] = {}
        return box

    def _show_rules(self) -> None:
        """The published rules, unless the manager is editing them (a spin box differs from what was shown)."""
        published = self.snapshot.get("rules") or {}
        editing = any(abs(spin.value() - self._rules_shown.get(key, spin.value())) > 1e-6 for key, spin in self.rule_spins.items())
        if editing:
            return
        for key, spin in self.rule_spins.items():
            if key in published:
                spin.setValue(float(published[key]))
                self._rules_shown[key] = spin.value()

    def save_rules(self) -> None:
        published = self.snapshot.get("rules") or {}
        changes: dict[str, Any] = {}
        for key, _label, _unit, _lowest, _highest, decimals in self.RULE_FIELDS:
            value = self.rule_spins[key].value()
            if key in published and abs(value - float(published[key])) > 1e-6:
                changes[key] = round(value) if decimals == 0 and isinstance(published[key], int) else value
        self._rules_shown = {}  # show what the server publishes next
        if not changes:
            self._say(True, "规则未改动  No rule changed")
            return
        self.run_calls([ApiCall("request", ("PUT", "/api/config/hall", {"rules": changes}))], f"规则已保存（{len(changes)} 项）")

    def _show_settings(self) -> None:
        self._show_rules()
        if not self._notices_loaded or not self.notices_edit.document().isModified():
            self.notices_edit.setPlainText("\n".join(self.snapshot.get("hall", {}).get("notices") or []))
            self.notices_edit.document().setModified(False)
            self._notices_loaded = True
        categories = self.snapshot.get("categories", [])
        if set(self.target_spins) != {c["series"] for c in categories}:
            self.target_spins.clear()
            self.target_table.setRowCount(len(categories))
            for r, c in enumerate(categories):
                self.target_table.setItem(r, 0, _item(c["series"]))
                self.target_table.setItem(r, 1, _item(c.get("name_zh", "")))
                spins = []
                for col, key in ((2, "target_wait_minutes"), (3, "expected_service_minutes")):
                    spin = QDoubleSpinBox()
                    spin.setRange(0.5, 480)
                    spin.setDecimals(0)
                    spin.setValue(float(c.get(key) or 1))
                    self.target_table.setCellWidget(r, col, spin)
                    spins.append(spin)
                self.target_spins[c["series"]] = (spins[0], spins[1])
            self.target_table.resizeColumnsToContents()

    def save_notices(self) -> None:
        lines = [line.strip() for line in self.notices_edit.toPlainText().splitlines() if line.strip()]
        self.notices_edit.document().setModified(False)
        self.run_calls([ApiCall("request", ("PUT", "/api/config/hall", {"notices": lines}))], f"公告已保存（{len(lines)} 条）")

    def save_targets(self) -> None:
        calls = []
        by_series = {c["series"]: c for c in self.snapshot.get("categories", [])}
        for series, (target, service) in self.target_spins.items():
            c = by_series.get(series, {})
            body: dict[str, Any] = {}
            if abs(target.value() - float(c.get("target_wait_minutes") or 0)) > 1e-6:
                body["target_wait_minutes"] = target.value()
            if abs(service.value() - float(c.get("expected_service_minutes") or 0)) > 1e-6:
                body["expected_service_minutes"] = service.value()
            if body:
                calls.append(ApiCall("request", ("PUT", f"/api/config/categories/{series}", body)))
        if not calls:
            self._say(True, "没有改动  Nothing changed")
            return
        self.run_calls(calls, f"已保存 {len(calls)} 项业务的目标  Saved")
