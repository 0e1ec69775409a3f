"""大字/长者模式: the choosing pages re-laid out for citizens who see or read poorly.

Not the same screen with bigger letters: home, the priority lane and the items page show at most
:data:`CHOICES_PER_PAGE` big choices at a time (side by side in landscape, stacked in portrait),
with 上一页/下一页 and a page count when there are more, and a big 返回. The materials, confirm
and ticket pages keep their layout (one subject each) at :data:`~kiosk.pages.LARGE_SCALE` type.
Which page of choices is shown is the flow's (``first_choice`` / ``page_choices``), so these pages
hold no state and the window may rebuild them at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.flow import Step
from kiosk.texts import serves_now

if TYPE_CHECKING:
    from kiosk.pages import PageBuilder

CHOICES_PER_PAGE = 3
LARGE_STEPS = frozenset({Step.HOME, Step.PRIORITY, Step.ITEMS})
NAV_HEIGHT = 120  # the paging and bottom rows; sizes below are points before LARGE_SCALE
TILE_NAME_PT = 30
TILE_DETAIL_PT = 20


class LargePages:
    def __init__(self, builder: PageBuilder) -> None:
        self.b = builder

    def build(self, step: Step) -> QWidget:
        return {Step.HOME: self._home, Step.PRIORITY: self._priority, Step.ITEMS: self._items}[step]()

    # ------------------------------------------------------------------ parts

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        return page, layout

    def _choices_box(self) -> QBoxLayout:
        box: QBoxLayout = QVBoxLayout() if self.b.portrait else QHBoxLayout()
        box.setSpacing(22)
        return box

    def _shown(self, choices: Sequence[Any]) -> tuple[list[Any], int, int]:
        """The choices on this page, and the page number and count (1-based)."""
        first = self.b.flow.first_choice()
        if first >= len(choices):
            first = 0
        pages = max(1, -(-len(choices) // CHOICES_PER_PAGE))
        return list(choices[first : first + CHOICES_PER_PAGE]), first // CHOICES_PER_PAGE + 1, pages

    def _paging(self, layout: QVBoxLayout, total: int, page: int, pages: int) -> None:
        """上一页 · 第 n/m 页 · 下一页, only when the choices do not fit on one page."""
        if pages <= 1:
            return
        b, flow = self.b, self.b.flow
        row = QHBoxLayout()
        row.setSpacing(22)
        previous = b.button(
            b.t("◀ 上一页", "◀ Previous"), b.intent(lambda: flow.page_choices(False, total, CHOICES_PER_PAGE)), "secondary", NAV_HEIGHT, 22
        )
        previous.setObjectName("page-previous")
        previous.setEnabled(page > 1)
        count = b.label(b.t(f"第 {page} / {pages} 页", f"Page {page} of {pages}"), 22, bold=True, wrap=False)
        count.setObjectName("page-count")
        count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        b.speak(count.text())
        following = b.button(
            b.t("下一页 ▶", "Next ▶"), b.intent(lambda: flow.page_choices(True, total, CHOICES_PER_PAGE)), "secondary", NAV_HEIGHT, 22
        )
        following.setObjectName("page-next")
        following.setEnabled(page < pages)
        row.addWidget(previous, 2)
        row.addWidget(count, 1)
        row.addWidget(following, 2)
        layout.addLayout(row)

    def _tile(self, name: str, detail: str, detail_colour: str, on_click: Callable[..., None], kind: str = "category") -> QPushButton:
        """One big choice: a name and a second line, the whole tile one touch target."""
        b = self.b
        tile = QPushButton()
        tile.setProperty("kind", kind)
        tile.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        tile.setMinimumHeight(150)
        inner = QVBoxLayout(tile)
        inner.setContentsMargins(28, 14, 28, 14)
        inner.setSpacing(8)
        name_colour = b.colors.go_text if kind == "priority" else b.colors.title
        labels = [b.label(name, TILE_NAME_PT, bold=True, color=name_colour)]
        if detail:
            labels.append(b.label(detail, TILE_DETAIL_PT, bold=True, color=detail_colour))
        inner.addStretch(1)
        for label in labels:
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(label)
        inner.addStretch(1)
        tile.clicked.connect(on_click)
        tile.setAccessibleName(f"{name} {detail}")
        b.speak(f"{name}，{detail}" if detail else name)
        return tile

    def _back(self, text_zh: str = "返回", text_en: str = "Back") -> QPushButton:
        back = self.b.button(self.b.t(text_zh, text_en), self.b.intent(self.b.flow.back), "secondary", NAV_HEIGHT, 26)
        back.setObjectName("back")
        return back

    # ------------------------------------------------------------------ pages

    def _home(self) -> QWidget:
        b, flow = self.b, self.b.flow
        page, layout = self._page()
        closed = flow.closed_notice()
        if closed is not None:
            layout.addWidget(b._closed_notice(closed))
        if flow.priority_reason:
            line = b.label(
                b.t(f"绿色通道（{flow.priority_name()}）：请选择业务", f"Priority ({flow.priority_name()}): choose a service"),
                24,
                bold=True,
                color=b.colors.priority_text,
            )
            b.speak(line.text())
            frame = QFrame(objectName="priority")
            inner = QHBoxLayout(frame)
            inner.addWidget(line, 1)
            cancel = b.button(b.t("取消绿色通道", "Cancel priority"), b.intent(flow.cancel_priority), "secondary", 90, 18)
            cancel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            inner.addWidget(cancel)
            layout.addWidget(frame)
        elif closed is None:
            b.title(b.t("请选择办理业务", "Please choose a service"), layout, 28)
        b.message(layout)
        shown, number, pages = self._shown(flow.categories)
        box = self._choices_box()
        for category in shown:
            series = str(category["series"])
            unserved = flow.accepts_walk_ins and not serves_now(category)
            tile = self._tile(
                f"{series}  {flow.name(category)}",
                b.text(flow.tile_text(category)),
                b.colors.notice_text if unserved else b.colors.muted,
                b.intent(lambda s=series: flow.choose_category(s)),
            )
            tile.setEnabled(flow.online)
            b.category_buttons[series] = tile
            box.addWidget(tile, 1)
        if not flow.categories:
            box.addWidget(b.label(b.t("正在载入业务…", "Loading services…"), 24, color=b.colors.muted))
        layout.addLayout(box, 1)
        self._paging(layout, len(flow.categories), number, pages)
        row = QHBoxLayout()
        row.setSpacing(22)
        priority = b.button(b.t("绿色通道", "Priority lane"), b.intent(flow.start_priority), "priority", NAV_HEIGHT, 26)
        priority.setEnabled(flow.accepts_walk_ins and flow.online and not flow.priority_reason)
        check_in = b.button(b.t("预约签到", "Check in"), b.intent(flow.start_check_in), "secondary", NAV_HEIGHT, 26)
        check_in.setObjectName("check-in")
        check_in.setEnabled(flow.can_check_in)
        if closed is None:
            row.addWidget(priority)
        if closed is None or flow.can_check_in:
            row.addWidget(check_in)
            layout.addLayout(row)
        b.priority_button, b.check_in_button = priority, check_in
        return page

    def _priority(self) -> QWidget:
        b, flow = self.b, self.b.flow
        page, layout = self._page()
        b.title(b.t("绿色通道：请选择您的情况", "Priority lane: which applies to you?"), layout, 28)
        reasons = flow.priority_reasons()
        shown, number, pages = self._shown(reasons)
        box = self._choices_box()
        for reason in shown:
            tile = self._tile(
                flow.priority_name(reason), "", b.colors.go_text, b.intent(lambda r=reason: flow.choose_priority(r)), "priority"
            )
            tile.setObjectName(f"priority-{reason}")
            box.addWidget(tile, 1)
        layout.addLayout(box, 1)
        self._paging(layout, len(reasons), number, pages)
        layout.addWidget(self._back())
        return page

    def _items(self) -> QWidget:
        b, flow = self.b, self.b.flow
        page, layout = self._page()
        b.title(b.t(f"{flow.name(flow.category())}：请选择事项", f"{flow.name(flow.category())}: choose an item"), layout, 28)
        items = flow.items()
        shown, number, pages = self._shown(items)
        box = QVBoxLayout()  # item names are long: full-width rows in both orientations
        box.setSpacing(22)
        for item in shown:
            code = str(item["code"])
            tile = self._tile(flow.name(item), "", b.colors.muted, b.intent(lambda c=code: flow.choose_item(c)))
            tile.setObjectName(f"item-{code}")
            box.addWidget(tile, 1)
        layout.addLayout(box, 1)
        self._paging(layout, len(items), number, pages)
        if flow.browsing:
            b._tickets_from(layout)
        row = QHBoxLayout()
        row.setSpacing(22)
        row.addWidget(self._back(), 3)
        if not flow.browsing:
            row.addWidget(b.skip_button(), 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)
        return page
