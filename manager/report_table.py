"""The reports page's table: a report's rows and its total laid out as the exports lay them out
(the name, then every figure column), and the proxy that sorts them by a click on a header with
the total row kept last. What a cell says and how rows compare are :mod:`manager.report_rules`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from hall.reports import Report, ReportRow
from manager.report_rules import figure_text, numbered_name, row_numbers, sort_value, sorts_before
from server.exports.columns import FIGURE_COLUMNS, NAME_HEADER, Column
from ui import theme
from ui.text import Language


class ReportTableModel(QAbstractTableModel):
    """A report's rows and its total as the exports lay them out: name, then every figure column."""

    def __init__(self, language: Language, parent: Any = None) -> None:
        super().__init__(parent)
        self.language = language
        self.report: Report | None = None
        self.numbers: dict[str, int] = {}
        self.columns: tuple[Column, ...] = FIGURE_COLUMNS

    def set_report(self, report: Report | None) -> None:
        self.beginResetModel()
        self.report = report
        self.numbers = row_numbers(report) if report is not None else {}
        self.endResetModel()

    def language_changed(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns))
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0))

    def row_at(self, index: int) -> ReportRow | None:
        if self.report is None:
            return None
        rows = self.report.rows
        return rows[index] if index < len(rows) else self.report.total

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if self.report is None or parent.isValid() else len(self.report.rows) + 1

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.language.pick(
                "点击排序，再点一次反向；合计行始终在最后", "Click to sort, again to reverse; the total row stays last"
            )
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        header = NAME_HEADER if section == 0 else self.columns[section - 1].header
        first, second = (header.zh, header.en) if self.language.code == "zh" else (header.en, header.zh)
        return f"{first}\n{second}"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or self.report is None:
            return None
        column = index.column()
        is_total = row is self.report.total
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                number = None if is_total else self.numbers.get(row.key)
                return numbered_name(row, self.report.request.by, self.language, number)
            return figure_text(self.columns[column - 1], row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and is_total:
            return QFont(theme.font(11, True))
        if role == Qt.ItemDataRole.BackgroundRole and is_total:
            return QBrush(QColor("#e3ecf7"))
        if role == Qt.ItemDataRole.ForegroundRole and column > 0 and self.columns[column - 1].header.zh == "差评" and row.bad_ratings:
            return QBrush(QColor(theme.RED))
        return None

    def sort_entry(self, index: int, column: int) -> tuple[bool, float | None]:
        row = self.row_at(index)
        if row is None or self.report is None:
            return False, None
        return row is self.report.total, sort_value(self.columns[column - 1] if column > 0 else None, row, index)


class ReportSortModel(QSortFilterProxyModel):
    """The table as sorted by a click on a column header: by number, with the total row kept last."""

    def lessThan(self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex) -> bool:
        source = self.sourceModel()
        assert isinstance(source, ReportTableModel)
        return sorts_before(
            source.sort_entry(left.row(), left.column()),
            source.sort_entry(right.row(), right.column()),
            self.sortOrder() == Qt.SortOrder.AscendingOrder,
        )
