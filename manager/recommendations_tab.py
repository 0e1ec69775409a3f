"""The console's recommendations tab (调整建议): the advisor's proposed window moves as cards, each
with its reason in both languages and a one-click apply, and the opt-in auto-apply with its hourly
limit (:class:`manager.advice.AutoApplyPolicy` decides what may be applied; closures never are).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from hall.advisor import Advice, Recommendation
from manager.actions import ConsoleActions
from manager.advice import AutoApplyPolicy, reason_text, recommendation_calls, snapshot_now
from manager.console_text import recommendation_title
from ui import theme


class RecommendationCard(QFrame):
    """One proposed move: what changes, why, and the button that applies it."""

    apply_requested = Signal(object)

    def __init__(self, rec: Recommendation) -> None:
        super().__init__()
        self.recommendation = rec
        self.setObjectName("rec")
        self.setStyleSheet("QFrame#rec { background: white; border: 1px solid #c8d3e0; border-radius: 6px; }")
        layout = QHBoxLayout(self)
        text = QVBoxLayout()
        title = QLabel(recommendation_title(rec))
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


class RecommendationsTab(QWidget):
    """Redrawn from each snapshot's advice; applying goes through ``actions``."""

    def __init__(self, actions: ConsoleActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.auto = AutoApplyPolicy()
        self.snapshot: dict[str, Any] = {}
        self.advice: Advice | None = None
        layout = QVBoxLayout(self)
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

    def show_advice(self, snapshot: dict[str, Any], advice: Advice | None) -> None:
        self.snapshot, self.advice = snapshot, advice
        recs = advice.recommendations if advice else ()
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
        if self.actions.busy:
            return
        calls = recommendation_calls(rec, reason_text(rec, reason_prefix))
        self.actions.run(calls, f"已执行：{rec.reason.zh.split('。')[0]}")

    def _auto_changed(self, *_args: Any) -> None:
        self.auto.enabled = self.auto_check.isChecked()
        self.auto.max_per_hour = self.auto_limit.value()
        self._auto_status()
        if self.auto.enabled:
            self.maybe_auto_apply()

    def _auto_status(self) -> None:
        if not self.snapshot:
            return
        used = self.auto.used(snapshot_now(self.snapshot))
        state = "已开启 on" if self.auto.enabled else "未开启 off"
        self.auto_status.setText(f"自动执行{state} · 最近一小时已自动调整 {used}/{self.auto.max_per_hour}")

    def maybe_auto_apply(self) -> None:
        """Apply the advisor's first recommendation if auto-apply is on and allows one more move now."""
        if self.actions.busy or not self.snapshot or self.advice is None:
            return
        now = snapshot_now(self.snapshot)
        rec = self.auto.pick(self.advice.recommendations, now)
        if rec is None:
            return
        self.auto.record(now)
        self.apply_recommendation(rec, "自动执行系统建议")
