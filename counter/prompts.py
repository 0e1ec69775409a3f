"""The counter's prompt panel: the yellow strip that opens above the buttons when an action
needs one more answer — the outcome of a finish (1–5), the 承诺件 form, a transfer target (and
the warning before sending a citizen to a window nobody serves), a number to call or to find, a
park note, a pause reason, a parked ticket or what to do with a found ticket (picked by digit).

Each page only draws and reports what was chosen; the window decides what happens, and only
one prompt is open at a time (the window's ``prompt``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter.promise_form import PromiseForm
from counter.transfer_targets import TransferTarget
from hall.serving import Staffing
from hall.tickets import OUTCOME_NAMES, Outcome
from ui import theme
from ui.text import Language

OUTCOMES = list(Outcome)
# Prompt name -> page; "call_number", "park" and "find" share the one-line page.
PAGE_OF = {"outcome": 0, "promise": 1, "transfer": 2, "call_number": 3, "park": 3, "find": 3, "choices": 4, "confirm": 5}


def _row(page: QWidget) -> QHBoxLayout:
    row = QHBoxLayout(page)
    row.setContentsMargins(0, 0, 0, 0)
    return row


class OutcomeChooser(QWidget):
    """办结类型 1–5, one button each."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _row(self)
        self.buttons: list[QPushButton] = []
        for index, value in enumerate(OUTCOMES, start=1):
            button = QPushButton()
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, i=index: self.chosen.emit(i))
            self.buttons.append(button)
            row.addWidget(button)
            button.setProperty("outcome", value.value)

    def render(self, lang: Language) -> None:
        for index, (button, value) in enumerate(zip(self.buttons, OUTCOMES, strict=True), start=1):
            name = OUTCOME_NAMES[value]
            button.setText(f"{index} {lang.pick(name.zh, name.en)}")


class TargetList(QListWidget):
    """The transfer targets, one per row; Enter chooses the current row (and goes no further, so
    the same key press cannot also answer the warning that may open next)."""

    chosen = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit()
            event.accept()
            return
        super().keyPressEvent(event)


STAFFING_COLOURS = {
    Staffing.SERVING: theme.GREEN,
    Staffing.PAUSED: theme.AMBER,
    Staffing.UNSTAFFED: theme.RED,
    Staffing.CLOSED: theme.GREY,
}


class TransferForm(QWidget):
    """Transfer to a category or another window, with a note; the ticket keeps its wait. Every
    row says what waits there and whether anyone serves it (:mod:`counter.transfer_targets`)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _row(self)
        self.targets: list[TransferTarget] = []
        self.target = TargetList()
        self.target.setMinimumHeight(150)
        self.target.setMaximumHeight(190)
        self.note = QLineEdit(maxLength=200)
        self.ok_button = QPushButton(objectName="primary")
        side = QVBoxLayout()
        side.addWidget(self.note)
        side.addWidget(self.ok_button)
        side.addStretch(1)
        row.addWidget(self.target, 3)
        row.addLayout(side, 1)
        self.target.chosen.connect(self.submitted)
        self.target.itemDoubleClicked.connect(lambda _item: self.submitted.emit())
        self.note.returnPressed.connect(self.submitted)
        self.ok_button.clicked.connect(self.submitted)

    def start(self, targets: list[TransferTarget], lang: Language) -> None:
        """Offer ``targets`` (categories first, then windows), with an empty note."""
        self.targets = list(targets)
        self.target.clear()
        for target in self.targets:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, target.key)
            if not target.enabled:
                item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable))
            if target.staffing is not None:
                item.setForeground(QColor(STAFFING_COLOURS[target.staffing]))
            self.target.addItem(item)
        self.render(lang)
        first = next((i for i, t in enumerate(self.targets) if t.enabled), -1)
        self.target.setCurrentRow(first)
        self.note.clear()

    def select(self, key: str) -> None:
        """Make the row for ``key`` ("window:2") current (tests, the demo, going back from a warning)."""
        row = self.row_of(key)
        if row >= 0 and self.targets[row].enabled:
            self.target.setCurrentRow(row)

    def row_of(self, key: str) -> int:
        return next((i for i, t in enumerate(self.targets) if t.key == key), -1)

    def chosen_target(self) -> TransferTarget | None:
        row = self.target.currentRow()
        if not 0 <= row < len(self.targets) or not self.targets[row].enabled:
            return None
        return self.targets[row]

    def choice(self) -> tuple[str, str] | None:
        """("series", "B") or ("window", "2"), None when nothing (or a closed window) is chosen."""
        target = self.chosen_target()
        return (target.kind, target.value) if target is not None else None

    def render(self, lang: Language) -> None:
        self.ok_button.setText(lang.pick("转移 Enter", "Transfer (Enter)"))
        self.note.setPlaceholderText(lang.pick("转移说明（可选）", "note (optional)"))
        for row, target in enumerate(self.targets):
            item = self.target.item(row)
            if item is not None:
                item.setText(f"{lang.pick(target.name.zh, target.name.en)}  —  {lang.pick(target.detail.zh, target.detail.en)}")


class ConfirmPage(QWidget):
    """A question with Enter = go ahead and Esc = back (the window handles Esc)."""

    confirmed = Signal()
    backed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        row = _row(self)
        self.yes_button = QPushButton(objectName="primary")
        self.back_button = QPushButton()
        for button in (self.yes_button, self.back_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addStretch(1)
        row.addWidget(self.yes_button)
        row.addWidget(self.back_button)
        self.yes_button.clicked.connect(self.confirmed)
        self.back_button.clicked.connect(self.backed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirmed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def render(self, lang: Language) -> None:
        self.yes_button.setText(lang.pick("仍要转移 Enter", "Transfer anyway (Enter)"))
        self.back_button.setText(lang.pick("返回 Esc", "Back (Esc)"))


class LineForm(QWidget):
    """One line of text: the number to call (F7) or the park note (F8)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _row(self)
        self.edit = QLineEdit(maxLength=200)
        self.ok_button = QPushButton(objectName="primary")
        row.addWidget(self.edit, 1)
        row.addWidget(self.ok_button)
        self.edit.returnPressed.connect(self.submitted)
        self.ok_button.clicked.connect(self.submitted)

    def start(self, placeholder: str) -> None:
        self.edit.clear()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setFocus()

    def render(self, lang: Language) -> None:
        self.ok_button.setText(lang.pick("确定", "OK"))


class ChoiceList(QWidget):
    """Numbered buttons (pause reasons, parked tickets); digit keys pick them through the window."""

    chosen = Signal(int)  # 1-based, as the digit the clerk pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = _row(self)
        self.buttons: list[QPushButton] = []

    def show_labels(self, labels: list[str]) -> None:
        for button in self.buttons:
            self.row.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        for index, label in enumerate(labels, start=1):
            button = QPushButton(f"{index} {label}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, i=index: self.chosen.emit(i))
            self.row.addWidget(button)
            self.buttons.append(button)


class PromptPanel(QFrame):
    """The frame, its title and one page per kind of prompt."""

    def __init__(self, lang: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent, frameShape=QFrame.Shape.StyledPanel)
        self.lang = lang
        self.setStyleSheet("QFrame { background: #fffbe8; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.title = QLabel(wordWrap=True)
        self.title.setFont(theme.font(11, bold=True))
        layout.addWidget(self.title)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        self.outcome = OutcomeChooser()
        self.promise = PromiseForm(lang)
        self.transfer = TransferForm()
        self.line = LineForm()
        self.choices = ChoiceList()
        self.confirm = ConfirmPage()
        for page in (self.outcome, self.promise, self.transfer, self.line, self.choices, self.confirm):
            self.pages.addWidget(page)

    def show_page(self, name: str) -> None:
        """Show one page; the others take no room, so a one-line question is not as tall as the transfer list."""
        index = PAGE_OF[name]
        for number in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if number == index else QSizePolicy.Policy.Ignored
            self.pages.widget(number).setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        self.pages.adjustSize()

    def render(self, prompt: str | None, choice_title: str, confirm_title: str = "") -> None:
        t = self.lang.pick
        self.setVisible(prompt is not None)
        self.outcome.render(self.lang)
        self.promise.render()
        self.transfer.render(self.lang)
        self.line.render(self.lang)
        self.confirm.render(self.lang)
        titles = {
            "outcome": t("选择办结类型（按 1–5，Esc 取消）", "Outcome (press 1–5, Esc to cancel)"),
            "promise": t("承诺件：申请人信息仅用于打印告知单，不上传（Esc 取消）", "Promised case: applicant details are printed only, never sent (Esc cancels)"),
            "transfer": t(
                "转移到（保留原等候时间；↑↓ 选择，Enter 转移，Esc 取消）", "Transfer to (keeps the waiting time; ↑↓ choose, Enter transfers, Esc cancels)"
            ),
            "call_number": t("输入号码，如 A023（Esc 取消）", "Number to call, e.g. A023 (Esc cancels)"),
            "park": t("挂起说明，如“回去取材料”（Enter 挂起，Esc 取消）", "Park note, e.g. 'fetching a document' (Enter parks, Esc cancels)"),
            "find": t("查号：输入号码，如 A023（Enter 查找，Esc 取消）", "Find a ticket: its number, e.g. A023 (Enter finds, Esc cancels)"),
            "choices": choice_title,
            "confirm": f"⚠ {confirm_title}" if confirm_title else "",
        }
        self.title.setText(titles.get(prompt or "", ""))
