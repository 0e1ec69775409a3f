"""The city console's small Qt pieces: a read-only table filled from rows of text, a period
picker, a message line, and the save dialog (replaceable in tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QDateEdit, QFileDialog, QHBoxLayout, QLabel, QTableWidget, QTableWidgetItem, QWidget

from cityconsole.client import CityError
from hall.text import Bilingual
from ui import theme

PALE_RED = "#f8d7d3"
PALE_AMBER = "#fcebcf"


@dataclass(frozen=True)
class Cell:
    text: str
    right: bool = False
    colour: str | None = None  # text colour
    bold: bool = False


class TextTable(QTableWidget):
    """A read-only table; ``fill`` replaces its rows, each with an optional background colour."""

    def __init__(self, headers: Sequence[Bilingual], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels([f"{h.zh}\n{h.en}" for h in headers])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setStretchLastSection(True)

    def fill(self, rows: Sequence[Sequence[Cell | str]], backgrounds: Sequence[str | None] | None = None) -> None:
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            background = backgrounds[r] if backgrounds else None
            for c, value in enumerate(row):
                cell = value if isinstance(value, Cell) else Cell(value)
                item = QTableWidgetItem(cell.text)
                if cell.right:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if cell.colour:
                    item.setForeground(QBrush(QColor(cell.colour)))
                if cell.bold:
                    item.setFont(QFont(theme.font(11, True)))
                if background:
                    item.setBackground(QBrush(QColor(background)))
                self.setItem(r, c, item)

    def texts(self, column: int) -> list[str]:
        return [self.item(r, column).text() if self.item(r, column) else "" for r in range(self.rowCount())]


class MessageLine(QLabel):
    """One line saying how the last action went, in both languages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def say(self, ok: bool, zh: str, en: str) -> None:
        self.setStyleSheet(f"color: {theme.GREEN if ok else theme.RED}; font-weight: {'normal' if ok else 'bold'};")
        self.setText(f"{zh}    {en}")

    def error(self, error: Exception, what: Bilingual) -> None:
        if isinstance(error, CityError):
            self.say(False, f"{what.zh}失败：{error.zh}", f"{what.en} failed: {error.en}")
        else:
            self.say(False, f"{what.zh}失败：{error}", f"{what.en} failed: {error}")


class PeriodPicker(QWidget):
    """From / to dates (the city's calendar days)."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.start_edit, self.end_edit = self._date(today), self._date(today)
        layout.addWidget(QLabel("从 From"))
        layout.addWidget(self.start_edit)
        layout.addWidget(QLabel("至 To"))
        layout.addWidget(self.end_edit)

    @staticmethod
    def _date(day: date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day))
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def set_period(self, start: date, end: date) -> None:
        self.start_edit.setDate(QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QDate(end.year, end.month, end.day))

    def period(self) -> tuple[date, date]:
        first, last = self.start_edit.date(), self.end_edit.date()
        return date(first.year(), first.month(), first.day()), date(last.year(), last.month(), last.day())


SaveChooser = Callable[[QWidget, str], Path | None]


def choose_save_path(parent: QWidget, suggested: str) -> Path | None:
    """The save dialog; None when the operator cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, "保存导出文件 / Save the export", suggested)
    return Path(path) if path else None
