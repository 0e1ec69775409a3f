"""The counter's prompt panel: the yellow strip that opens above the buttons when an action
needs one more answer — the outcome of a finish (1–5), the 承诺件 form, a transfer target, a
number to call or a park note, a pause reason or a parked ticket (picked by digit).

Each page only draws and reports what was chosen; the window decides what happens, and only
one prompt is open at a time (the window's ``prompt``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from counter.promise_form import PromiseForm
from hall.tickets import OUTCOME_NAMES, Outcome
from ui import theme
from ui.text import Language

OUTCOMES = list(Outcome)
# Prompt name -> page; "call_number" and "park" share the one-line page.
PAGE_OF = {"outcome": 0, "promise": 1, "transfer": 2, "call_number": 3, "park": 3, "choices": 4}


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


class TransferForm(QWidget):
    """Transfer to a category or another window, with a note; the ticket keeps its wait."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _row(self)
        self.target = QComboBox()
        self.note = QLineEdit(maxLength=200)
        self.ok_button = QPushButton(objectName="primary")
        row.addWidget(self.target, 2)
        row.addWidget(self.note, 2)
        row.addWidget(self.ok_button)
        self.note.returnPressed.connect(self.submitted)
        self.ok_button.clicked.connect(self.submitted)

    def start(self, snapshot: dict[str, Any], own_window: int | None, lang: Language) -> None:
        """Offer every category and every other window of the hall, with an empty note."""
        self.target.clear()
        for category in snapshot.get("categories", []):
            self.target.addItem(lang.pick("业务 ", "category ") + f"{category['series']} {lang.of(category)}", f"series:{category['series']}")
        for window in snapshot.get("windows", []):
            if window["number"] != own_window:
                self.target.addItem(lang.pick(f"{window['number']}号窗口 ", f"window {window['number']} ") + lang.of(window), f"window:{window['number']}")
        self.note.clear()

    def choice(self) -> tuple[str, str] | None:
        """("series", "B") or ("window", "2"), None when nothing is chosen."""
        data = self.target.currentData()
        if not isinstance(data, str) or ":" not in data:
            return None
        kind, value = data.split(":", 1)
        return kind, value

    def render(self, lang: Language) -> None:
        self.ok_button.setText(lang.pick("转移", "Transfer"))
        self.note.setPlaceholderText(lang.pick("转移说明（可选）", "note (optional)"))


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
        for page in (self.outcome, self.promise, self.transfer, self.line, self.choices):
            self.pages.addWidget(page)

    def show_page(self, name: str) -> None:
        self.pages.setCurrentIndex(PAGE_OF[name])

    def render(self, prompt: str | None, choice_title: str) -> None:
        t = self.lang.pick
        self.setVisible(prompt is not None)
        self.outcome.render(self.lang)
        self.promise.render()
        self.transfer.render(self.lang)
        self.line.render(self.lang)
        titles = {
            "outcome": t("选择办结类型（按 1–5，Esc 取消）", "Outcome (press 1–5, Esc to cancel)"),
            "promise": t("承诺件：申请人信息仅用于打印告知单，不上传（Esc 取消）", "Promised case: applicant details are printed only, never sent (Esc cancels)"),
            "transfer": t("转移到（保留原等候时间，Esc 取消）", "Transfer to (keeps the waiting time; Esc cancels)"),
            "call_number": t("输入号码，如 A023（Esc 取消）", "Number to call, e.g. A023 (Esc cancels)"),
            "park": t("挂起说明，如“回去取材料”（Enter 挂起，Esc 取消）", "Park note, e.g. 'fetching a document' (Enter parks, Esc cancels)"),
            "choices": choice_title,
        }
        self.title.setText(titles.get(prompt or "", ""))
