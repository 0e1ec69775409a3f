"""The manager console's reports page (统计报表): a period and a dimension in, the hall's figures out
as a key-figure strip, a table with the exports' columns (sorted by a click on a header, the total
row always last), QtCharts charts and the best / worst ranking (蜗牛奖), plus downloads of the
server's CSV / XLSX / PDF exports and the 好差评 records.

The figures are computed by the server (``GET /api/reports``); this page only asks and shows. The
choices a person makes here that are not widgets — which dates 本周 or 上月 mean, which rows a chart
can show and how it labels them, how the table sorts, who is best and worst — are the plain
functions at the top, tested without Qt.
Reports get their own server connection (their own background lane), so a slow yearly report
never delays the live snapshot of the console's other tabs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from hall.reports import DIMENSION_NAMES, WEEKDAY_NAMES, Dimension, Ranked, Report, ReportFilter, ReportRow, rank_by_satisfaction
from hall.text import Bilingual
from hall.tickets import RATING_NAMES, RatingLevel
from server.client import ApiError, Download
from server.exports.columns import FIGURE_COLUMNS, NAME_HEADER, TOTAL_LABEL, Column, format_figure
from ui import theme
from ui.connection import ServerConnection
from ui.text import Language
from ui.worker import run_in_background

# ---------------------------------------------------------------------- plain rules of the page


class Period(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


PERIOD_NAMES: dict[Period, Bilingual] = {
    Period.TODAY: Bilingual("今天", "Today"),
    Period.THIS_WEEK: Bilingual("本周", "This week"),
    Period.THIS_MONTH: Bilingual("本月", "This month"),
    Period.LAST_MONTH: Bilingual("上月", "Last month"),
    Period.THIS_YEAR: Bilingual("今年", "This year"),
    Period.CUSTOM: Bilingual("自定义", "Custom"),
}

# The dimensions a manager picks from, in the order the issue names them.
DIMENSION_CHOICES: tuple[Dimension, ...] = (
    Dimension.CATEGORY,
    Dimension.ITEM,
    Dimension.WINDOW,
    Dimension.CLERK,
    Dimension.DEPARTMENT,
    Dimension.DAY,
    Dimension.WEEK,
    Dimension.MONTH,
    Dimension.HOUR,
    Dimension.WEEKDAY,
)
# Who can win praise or the 蜗牛奖: units and people, not hours or days.
RANKED_DIMENSIONS = frozenset({Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT})
CHART_ROW_LIMIT = 31  # more bars than a month of days stop being readable at this size
RANKING_SIZE = 3

RATING_COLOURS: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: "#1e8449",
    RatingLevel.SATISFIED: "#52be80",
    RatingLevel.BASIC: "#a9cce3",
    RatingLevel.DISSATISFIED: "#f0b27a",
    RatingLevel.VERY_DISSATISFIED: "#c0392b",
}


def period_dates(period: Period, today: date, custom: tuple[date, date] | None = None) -> tuple[date, date]:
    """First and last business day of a preset, up to ``today`` (the hall's business day)."""
    if period is Period.TODAY:
        return today, today
    if period is Period.THIS_WEEK:
        return today - timedelta(days=today.isoweekday() - 1), today
    if period is Period.THIS_MONTH:
        return today.replace(day=1), today
    if period is Period.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period is Period.THIS_YEAR:
        return today.replace(month=1, day=1), today
    if custom is None:
        return today, today
    start, end = custom
    return (start, end) if start <= end else (end, start)


def ranking_dimension(chosen: Dimension) -> Dimension:
    """The dimension the ranking panel ranks: the chosen one when it names units or people, else windows."""
    return chosen if chosen in RANKED_DIMENSIONS else Dimension.WINDOW


def best_and_worst(ranked: Sequence[Ranked], size: int = RANKING_SIZE) -> tuple[list[Ranked], list[Ranked]]:
    """The best ``size`` and the worst ``size`` (worst first), never naming a row on both sides."""
    best = list(ranked[: min(size, math.ceil(len(ranked) / 2))])
    worst = list(reversed(ranked[len(best) :]))[:size]
    return best, worst


def chart_rows(report: Report, limit: int = CHART_ROW_LIMIT) -> tuple[list[ReportRow], bool]:
    """The rows a chart shows: all of them, or the ``limit`` busiest kept in report order (True if cut)."""
    if len(report.rows) <= limit:
        return list(report.rows), False
    busiest = sorted(range(len(report.rows)), key=lambda index: (-report.rows[index].served, index))[:limit]
    return [report.rows[index] for index in sorted(busiest)], True


def row_name(row: ReportRow, dimension: Dimension, language: Language) -> str:
    """A row's name as the table and charts show it: "3 商事登记窗口", "10时", "星期二"."""
    if row.key == "total":
        return language.pick(TOTAL_LABEL.zh, TOTAL_LABEL.en)
    if dimension is Dimension.WEEKDAY and row.key.isdigit() and int(row.key) in WEEKDAY_NAMES:
        name = WEEKDAY_NAMES[int(row.key)]
        return language.pick(name.zh, name.en)
    if dimension is Dimension.HOUR:
        return language.pick(f"{row.key}时", f"{row.key}:00")
    label = language.pick(row.label.zh, row.label.en).strip()
    if not label or not row.key:
        return label or row.key  # a row without a key ("no item chosen") is its label alone
    rest = label[len(row.key) :] if label.startswith(row.key) else None
    if rest is not None and not (rest[:1].isascii() and rest[:1].isalnum()):
        return label  # the label already starts with the key: "3号窗口", "A 户籍"
    return f"{row.key} {label}"


SHORT_WEEKDAYS: dict[int, Bilingual] = {
    number: Bilingual(f"周{'一二三四五六日'[number - 1]}", name.en[:3]) for number, name in WEEKDAY_NAMES.items()
}
# Rows a chart names by their key: the key is short and the table beside the chart pairs it with the name.
KEYED_DIMENSIONS = frozenset({Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.CLERK})
# Rows with long names and no short key (人力资源和社会保障局): numbered 1..n in report order, on the
# chart's axis and in front of the name in the table, like the numbers on a map and its legend.
NUMBERED_DIMENSIONS = frozenset({Dimension.DEPARTMENT})


def row_numbers(report: Report) -> dict[str, int]:
    """The numbers of a report's rows (by key) when its dimension is numbered, else none."""
    if report.request.by not in NUMBERED_DIMENSIONS:
        return {}
    return {row.key: position for position, row in enumerate(report.rows, 1)}


def numbered_name(row: ReportRow, dimension: Dimension, language: Language, number: int | None) -> str:
    """The row's name as the table, the ranking and the tooltips show it: "3 公安局" when numbered."""
    name = row_name(row, dimension, language)
    return name if number is None else f"{number} {name}"


def axis_label(row: ReportRow, dimension: Dimension, language: Language, number: int | None = None) -> str:
    """A row's name under a chart bar, short enough to stand beside its neighbours: "A", "10-05",
    "W43", "周二", or the row's number where names are long and there is no short key."""
    if number is not None:
        return str(number)
    if not row.key:
        return "—"  # e.g. tickets taken with no item chosen; the tooltip and the table name it
    if dimension in KEYED_DIMENSIONS or dimension in (Dimension.HOUR, Dimension.MONTH):
        return row.key  # "A", "1003", "09", "2026-10"
    if dimension is Dimension.DAY:
        return row.key[5:] or row.key  # "2026-10-05" -> "10-05"; the year is in the period above
    if dimension is Dimension.WEEK:
        return row.key.rpartition("-")[2]  # "2026-W43" -> "W43"
    if dimension is Dimension.WEEKDAY and row.key.isdigit() and int(row.key) in SHORT_WEEKDAYS:
        return language.pick(SHORT_WEEKDAYS[int(row.key)].zh, SHORT_WEEKDAYS[int(row.key)].en)
    return row_name(row, dimension, language)


def label_step(widest: float, gap: float, bar_width: float) -> int:
    """Label every ``step``-th bar: every bar when the widest label fits, else as many as fit side by side.
    (Labels standing upright were tried: QtCharts does not make room for them and draws them over the legend.)"""
    return max(1, math.ceil((widest + gap) / max(bar_width, 1.0)))


def format_number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def sort_value(column: Column | None, row: ReportRow, position: int) -> float | None:
    """What a table column sorts by: the figure itself (a number, never its text), or for the name
    column the row's place in the report (categories A–J, days in order, 星期一 before 星期二)."""
    if column is None:
        return float(position)
    value = column.value(row)
    return None if value is None else float(value)


def sorts_before(left: tuple[bool, float | None], right: tuple[bool, float | None], ascending: bool) -> bool:
    """Qt's "less than" for (is_total, value) pairs, given that Qt flips its arguments to sort descending:
    the total row stays last and empty figures just above it, in either order; figures compare as numbers."""

    def pinned(entry: tuple[bool, float | None]) -> int:
        is_total, value = entry
        return 2 if is_total else 1 if value is None else 0

    if pinned(left) != pinned(right):
        return (pinned(left) < pinned(right)) == ascending
    if left[1] is None or right[1] is None:
        return False
    return left[1] < right[1]


def figure_text(column: Column, row: ReportRow) -> str:
    return format_figure(column.kind, column.value(row))


def minutes_text(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def percent_text(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:.1f}%"


@dataclass(frozen=True)
class KeyFigure:
    name: Bilingual
    read: Callable[[ReportRow], str]


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure(Bilingual("取号", "Tickets"), lambda row: "" if row.issued is None else str(row.issued)),
    KeyFigure(Bilingual("办结", "Served"), lambda row: str(row.served)),
    KeyFigure(Bilingual("等候中位数(分)", "Median wait (min)"), lambda row: minutes_text(row.wait.median)),
    KeyFigure(Bilingual("等候P90(分)", "P90 wait (min)"), lambda row: minutes_text(row.wait.p90)),
    KeyFigure(Bilingual("满意率", "Satisfaction"), lambda row: percent_text(row.satisfaction_rate)),
    KeyFigure(Bilingual("评价率", "Rating rate"), lambda row: percent_text(row.rating_rate)),
    KeyFigure(Bilingual("差评", "Bad ratings"), lambda row: str(row.bad_ratings)),
    KeyFigure(Bilingual("整改逾期", "Overdue follow-ups"), lambda row: str(row.followups_overdue)),
)


@dataclass(frozen=True)
class ReportSet:
    """What one query shows: the chosen report, arrivals by hour, and the report the ranking uses."""

    main: Report
    hours: Report
    ranking: Report


# ---------------------------------------------------------------------- table


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


# ---------------------------------------------------------------------- charts


class ChartFrame:
    """A chart with fixed axes and a legend of its own: each redraw replaces only the series, the
    axes' labels and ranges and the legend's entries.

    Axes are made once and kept, because a QtCharts axis removed from a chart stays painted until
    the event loop gets round to deleting it (ghost labels in grabs and screenshots).

    Nothing a manager reads may be cut off, and QtCharts cuts: its legend keeps one row and elides
    entries ("very satis…"), and a category axis elides any label wider than its bar. So the legend
    is a word-wrapped label under the chart, the x axis is a ``QCategoryAxis`` with labels at the
    bars' positions, short names (the series letter, the window number) and never elided; when even
    short labels would collide, ``place_labels`` labels every n-th bar.
    Every bar and point names its row in full in a tooltip, and the table below has the full names.
    """

    def __init__(self, with_minutes_axis: bool = False) -> None:
        self.chart = QChart()
        self.chart.setTitleFont(theme.font(12, True))
        self.chart.legend().setVisible(False)  # see the class docstring: the legend is self.legend
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundVisible(False)  # the box around chart and legend is the background
        self.axis_x = QCategoryAxis(self.chart)
        self.axis_x.setLabelsFont(theme.font(9))
        self.axis_x.setTitleFont(theme.font(9))
        self.axis_x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.axis_x.setTruncateLabels(False)
        self.axis_x.setGridLineVisible(False)
        self.chart.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self.axis_y = self._value_axis(Qt.AlignmentFlag.AlignLeft)
        self.axis_minutes = self._value_axis(Qt.AlignmentFlag.AlignRight) if with_minutes_axis else None
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(230)
        self.view.setStyleSheet("background: transparent; border: none;")
        self.legend = QLabel()
        self.legend.setObjectName("legend")
        self.legend.setWordWrap(True)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend.setFont(theme.font(10))
        self.box = QFrame()
        self.box.setObjectName("chart")
        self.box.setStyleSheet("QFrame#chart { background: white; border: 1px solid #d5dde7; border-radius: 4px; }")
        column = QVBoxLayout(self.box)
        column.setContentsMargins(0, 0, 0, 4)
        column.setSpacing(0)
        column.addWidget(self.view, 1)
        column.addWidget(self.legend)
        self.labels: list[str] = []  # the short label of each bar
        self.names: list[str] = []  # the full name of each bar, for tooltips
        self.tip = ""  # the tooltip last shown (tests read it; QToolTip may not show offscreen)
        self._placed: tuple[int, tuple[str, ...]] | None = None
        self.chart.plotAreaChanged.connect(lambda _area: self.place_labels())

    def _value_axis(self, align: Qt.AlignmentFlag) -> QValueAxis:
        axis = QValueAxis(self.chart)
        axis.setTitleFont(theme.font(9))
        axis.setLabelsFont(theme.font(9))
        axis.setLabelFormat("%.0f")
        self.chart.addAxis(axis, align)
        return axis

    def reset(self, title: str, axis_title: str, labels: list[str], names: list[str]) -> None:
        self.chart.setTitle(title)
        self.chart.removeAllSeries()  # deletes the old series
        self.axis_x.setTitleText(axis_title)
        self.axis_x.setRange(-0.5, max(len(labels), 1) - 0.5)
        self.labels, self.names = labels, names
        self._placed = None
        self.place_labels()

    def place_labels(self) -> None:
        """Label as many bars as fit the plot's width now (called again whenever the plot resizes)."""
        width = self.chart.plotArea().width()
        if width <= 0:
            return
        metrics = QFontMetricsF(self.axis_x.labelsFont())
        widest = max((metrics.horizontalAdvance(label) for label in self.labels), default=0.0)
        step = label_step(widest, metrics.horizontalAdvance("  "), width / max(len(self.labels), 1))
        placed = (step, tuple(self.labels))
        if placed == self._placed:
            return  # also ends the loop: new labels can change the plot's height, which calls this again
        self._placed = placed
        for label in self.axis_x.categoriesLabels():
            self.axis_x.remove(label)
        self.axis_x.setStartValue(-0.5)  # the first label's range must not be empty, or QtCharts skips it
        seen: set[str] = set()
        for index in range(0, len(self.labels), step):
            label = self.labels[index]
            if label not in seen:  # a category axis keeps one range per label text
                seen.add(label)
                self.axis_x.append(label, index)

    def set_legend(self, entries: Sequence[tuple[str, str, bool]]) -> None:
        """Entries are (colour, text, is_line); each entry stays whole, the row wraps between entries."""
        parts = []
        for colour, text, is_line in entries:
            mark = "●" if is_line else "■"
            parts.append(f'<span style="color:{colour}">{mark}</span>&nbsp;{html.escape(text).replace(" ", "&nbsp;")}')
        self.legend.setText("&nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(bool(entries))

    @staticmethod
    def scale(axis: QValueAxis, title: str, top: float) -> None:
        axis.setTitleText(title)
        axis.setRange(0, max(1.0, top * 1.1))
        axis.applyNiceNumbers()

    def add(self, series: Any, axis_y: QValueAxis | None = None) -> None:
        self.chart.addSeries(series)
        series.attachAxis(self.axis_x)
        series.attachAxis(axis_y or self.axis_y)

    def show_tip(self, shown: bool, index: int, detail: str) -> None:
        """A hovered bar or point: its row's full name and the figure under the pointer."""
        if not shown or not 0 <= index < len(self.names):
            QToolTip.hideText()
            return
        self.tip = f"{self.names[index]}\n{detail}"
        QToolTip.showText(QCursor.pos(), self.tip, self.view)

    def tip_bars(self, series: QBarSeries | QStackedBarSeries) -> None:
        series.hovered.connect(lambda shown, index, bars: self.show_tip(shown, index, f"{bars.label()}: {format_number(bars.at(index))}"))

    def tip_line(self, line: QLineSeries) -> None:
        line.hovered.connect(lambda point, shown: self.show_tip(shown, round(point.x()), f"{line.name()}: {point.y():.1f}"))


# ---------------------------------------------------------------------- the page


class ReportsView(QWidget):
    """The reports page. ``set_hall(snapshot)`` gives it the hall's business day, categories and
    windows; ``query()`` asks the server; results and failures come back on the GUI thread."""

    report_shown = Signal()
    query_failed = Signal(str)
    file_saved = Signal(str)

    def __init__(self, conn: ServerConnection, parent: QWidget | None = None, language: str = "zh") -> None:
        super().__init__(parent)
        # A lane of its own: a yearly report must not hold up the live tab's snapshots.
        self.conn = ServerConnection(conn.base_url, conn.token, self)
        self.lang = Language(language)
        self.today = date.today()
        self.reports: ReportSet | None = None
        self._generation = 0
        self._categories: list[dict[str, Any]] = []
        self._windows: list[dict[str, Any]] = []
        self.save_dialog: QFileDialog | None = None
        self._message: tuple[bool | None, str, str, bool] | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(6)
        root.addLayout(self._build_controls())
        root.addLayout(self._build_exports())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setFont(theme.font(11, True))
        root.addWidget(self.message)
        root.addWidget(self._build_key_figures())

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self._build_charts())
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self._build_table())
        bottom.addWidget(self._build_ranking())
        bottom.setStretchFactor(0, 4)
        bottom.setStretchFactor(1, 1)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        root.addWidget(split, 1)
        self.retranslate()
        self._period_changed()

    # ------------------------------------------------------------------ building

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        big = theme.font(12)
        self.period_label, self.dimension_label, self.category_label, self.window_label = QLabel(), QLabel(), QLabel(), QLabel()
        self.period_box = QComboBox()
        for period in Period:
            self.period_box.addItem("", period.value)
        self.period_box.setCurrentIndex(list(Period).index(Period.THIS_MONTH))
        self.period_box.currentIndexChanged.connect(self._period_changed)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._date_edited)
        self.dimension_box = QComboBox()
        for dimension in DIMENSION_CHOICES:
            self.dimension_box.addItem("", dimension.value)
        self.category_box = QComboBox()
        self.window_box = QComboBox()
        self.query_button = QPushButton()
        self.query_button.setMinimumHeight(36)
        self.query_button.clicked.connect(self.query)
        self.lang_button = QPushButton()
        self.lang_button.clicked.connect(self.toggle_language)
        self.dash = QLabel("—")
        widgets: list[QWidget] = [
            self.period_label,
            self.period_box,
            self.start_edit,
            self.dash,
            self.end_edit,
            self.dimension_label,
            self.dimension_box,
            self.category_label,
            self.category_box,
            self.window_label,
            self.window_box,
            self.query_button,
        ]
        for widget in widgets:
            widget.setFont(big)
            row.addWidget(widget)
        for box in (self.period_box, self.dimension_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for box in (self.category_box, self.window_box):
            # long English names would push the other controls off a 1600-pixel console; the list shows them whole
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
        row.addStretch(1)
        self.lang_button.setFont(big)
        row.addWidget(self.lang_button)
        return row

    def _build_exports(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_label = QLabel()
        self.export_label.setFont(theme.font(11))
        row.addWidget(self.export_label)
        self.export_buttons: dict[str, QPushButton] = {}
        for key in ("csv", "xlsx", "pdf", "monthly", "ratings"):
            button = QPushButton()
            button.setFont(theme.font(11))
            button.clicked.connect(lambda _checked=False, which=key: self.export(which))
            self.export_buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_key_figures(self) -> QFrame:
        strip = QFrame()
        strip.setObjectName("figures")
        strip.setStyleSheet("QFrame#figures { background: white; border: 1px solid #c8d3e0; border-radius: 6px; }")
        grid = QGridLayout(strip)
        grid.setContentsMargins(10, 4, 10, 4)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self.figure_names: list[QLabel] = []
        self.figure_values: list[QLabel] = []
        for column, _figure in enumerate(KEY_FIGURES):
            name, value = QLabel(), QLabel("—")
            name.setFont(theme.font(10))
            name.setStyleSheet(f"color: {theme.GREY};")
            value.setFont(theme.font(20, True))
            value.setStyleSheet(f"color: {theme.BLUE_DARK};")
            grid.addWidget(name, 0, column)
            grid.addWidget(value, 1, column)
            self.figure_names.append(name)
            self.figure_values.append(value)
        return strip

    def _build_charts(self) -> QWidget:
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        self.volume_frame, self.rating_frame, self.arrival_frame = ChartFrame(with_minutes_axis=True), ChartFrame(), ChartFrame()
        row.addWidget(self.volume_frame.box, 5)
        row.addWidget(self.rating_frame.box, 4)
        row.addWidget(self.arrival_frame.box, 4)
        # the series of the charts as last drawn (tests and screen readers look at them)
        self.served_set: QBarSet | None = None
        self.mean_wait_line: QLineSeries | None = None
        self.median_wait_line: QLineSeries | None = None
        self.rating_sets: dict[RatingLevel, QBarSet] = {}
        self.arrivals_set: QBarSet | None = None
        return host

    def _build_table(self) -> QWidget:
        self.model = ReportTableModel(self.lang, self)
        self.sorted_model = ReportSortModel(self)
        self.sorted_model.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.sorted_model)
        # report order first (name column ascending); a click on a header sorts by that figure
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setFont(theme.font(11))
        self.table.horizontalHeader().setFont(theme.font(10, True))
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        return self.table

    def _build_ranking(self) -> QWidget:
        panel = QFrame()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(4, 0, 0, 0)
        self.ranking_title = QLabel()
        self.ranking_title.setFont(theme.font(12, True))
        self.ranking_title.setWordWrap(True)
        self.best_label, self.worst_label = QLabel(), QLabel()
        self.best_label.setStyleSheet(f"color: {theme.GREEN}; font-weight: bold;")
        self.worst_label.setStyleSheet(f"color: {theme.RED}; font-weight: bold;")
        self.best_list, self.worst_list = QListWidget(), QListWidget()
        for label, listing in ((self.best_label, self.best_list), (self.worst_label, self.worst_list)):
            label.setFont(theme.font(11, True))
            listing.setFont(theme.font(11))
            listing.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            listing.setWordWrap(True)  # a long English name wraps in a narrow window instead of running off
            layout.addWidget(label)
            layout.addWidget(listing, 1)
        layout.insertWidget(0, self.ranking_title)
        panel.setMinimumWidth(300)
        return panel

    # ------------------------------------------------------------------ language

    def _t(self, zh: str, en: str) -> str:
        return self.lang.pick(zh, en)

    def _name(self, text: Bilingual) -> str:
        return self.lang.pick(text.zh, text.en)

    def toggle_language(self) -> None:
        self.lang.toggle()
        self.retranslate()

    def retranslate(self) -> None:
        self.period_label.setText(self._t("期间", "Period"))
        self.dimension_label.setText(self._t("按", "By"))
        self.category_label.setText(self._t("业务", "Category"))
        self.window_label.setText(self._t("窗口", "Window"))
        for index, period in enumerate(Period):
            self.period_box.setItemText(index, self._name(PERIOD_NAMES[period]))
        for index, dimension in enumerate(DIMENSION_CHOICES):
            name = self._name(DIMENSION_NAMES[dimension])
            self.dimension_box.setItemText(index, name[:1].upper() + name[1:])
        self._fill_filters()
        self.query_button.setText(self._t("查询", "Show"))
        self.lang_button.setText("English" if self.lang.code == "zh" else "中文")
        self.export_label.setText(self._t("导出：", "Export:"))
        texts = {
            "csv": ("CSV 表格", "CSV"),
            "xlsx": ("Excel 表格", "Excel"),
            "pdf": ("PDF 报表", "PDF report"),
            "monthly": ("月报 PDF", "Monthly PDF"),
            "ratings": ("好差评数据", "好差评 records"),
        }
        for key, (zh, en) in texts.items():
            self.export_buttons[key].setText(self._t(zh, en))
        for label, figure in zip(self.figure_names, KEY_FIGURES, strict=True):
            label.setText(self._name(figure.name))
        self.best_label.setText(self._t("最佳", "Best"))
        self.worst_label.setText(self._t("末位（蜗牛奖候选）", "Worst (snail award candidates)"))
        self.model.language_changed()
        if self._message is not None:
            self._say(*self._message)
        if self.reports is not None:
            self._show(self.reports)
        else:
            self._draw_charts(None)

    # ------------------------------------------------------------------ hall data for the filters

    def set_hall(self, snapshot: dict[str, Any]) -> None:
        """The console's latest snapshot: the hall's business day (for 今天 / 本月 ...) and its
        categories and windows (for the filters)."""
        hall = snapshot.get("hall", {})
        if hall.get("business_day"):
            today = date.fromisoformat(str(hall["business_day"]))
            if today != self.today:
                self.today = today
                self._period_changed()
        categories = [c for c in snapshot.get("categories", []) if c.get("series")]
        windows = [w for w in snapshot.get("windows", []) if w.get("number") is not None]
        if [c["series"] for c in categories] != [c["series"] for c in self._categories] or [w["number"] for w in windows] != [
            w["number"] for w in self._windows
        ]:
            self._categories, self._windows = categories, windows
            self._fill_filters()

    def _fill_filters(self) -> None:
        chosen_category, chosen_window = self.category_box.currentData(), self.window_box.currentData()
        for box in (self.category_box, self.window_box):
            box.blockSignals(True)
            box.clear()
            box.addItem(self._t("全部", "All"), None)
        for category in self._categories:
            self.category_box.addItem(f"{category['series']} {self.lang.of(category)}", category["series"])
        for window in self._windows:
            self.window_box.addItem(self._t(f"{window['number']}号 ", f"No. {window['number']} ") + self.lang.of(window), window["number"])
        for box, chosen in ((self.category_box, chosen_category), (self.window_box, chosen_window)):
            box.setCurrentIndex(max(0, box.findData(chosen)))
            box.blockSignals(False)

    # ------------------------------------------------------------------ choosing

    def _period_changed(self) -> None:
        period = Period(self.period_box.currentData())
        custom = period is Period.CUSTOM
        for edit in (self.start_edit, self.end_edit):
            edit.setEnabled(custom)
        if not custom:
            start, end = period_dates(period, self.today)
            self._set_dates(start, end)

    def _set_dates(self, start: date, end: date) -> None:
        for edit, day in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _date_edited(self) -> None:
        if Period(self.period_box.currentData()) is not Period.CUSTOM:
            self.period_box.setCurrentIndex(list(Period).index(Period.CUSTOM))

    def choose(self, period: Period, dimension: Dimension, category: str | None = None, window: int | None = None) -> None:
        """Set the controls as a person would (the tests and the screenshot tool use this)."""
        self.period_box.setCurrentIndex(list(Period).index(period))
        self.dimension_box.setCurrentIndex(DIMENSION_CHOICES.index(dimension))
        self.category_box.setCurrentIndex(max(0, self.category_box.findData(category)))
        self.window_box.setCurrentIndex(max(0, self.window_box.findData(window)))

    def set_custom_dates(self, start: date, end: date) -> None:
        self.period_box.setCurrentIndex(list(Period).index(Period.CUSTOM))
        self._set_dates(start, end)

    def period(self) -> tuple[date, date]:
        start, end = self.start_edit.date().toPython(), self.end_edit.date().toPython()
        return period_dates(Period.CUSTOM, self.today, (start, end))  # type: ignore[arg-type]

    def dimension(self) -> Dimension:
        return Dimension(self.dimension_box.currentData())

    def report_filter(self) -> ReportFilter:
        window = self.window_box.currentData()
        return ReportFilter(category=self.category_box.currentData(), window=None if window is None else int(window))

    # ------------------------------------------------------------------ asking the server

    def query(self) -> None:
        """Ask for the chosen report, arrivals by hour and the ranking's report, one after another on
        this page's lane; show them together, or say why not and keep the figures on screen."""
        self._generation += 1
        generation = self._generation
        start, end = self.period()
        by, wanted = self.dimension(), self.report_filter()
        rank_by = ranking_dimension(by)
        self.query_button.setEnabled(False)
        self._say(None, "正在统计…", "Counting…")
        results: dict[Dimension, Report] = {}
        needed = list(dict.fromkeys([by, Dimension.HOUR, rank_by]))

        def next_report(report: Report | None = None) -> None:
            if generation != self._generation:
                return  # a newer query took over
            if report is not None:
                results[report.request.by] = report
            if len(results) < len(needed):
                dimension = needed[len(results)]
                self.conn.call("report", start, end, dimension, wanted, on_done=next_report, on_error=failed)
                return
            self.query_button.setEnabled(True)
            self._say(True, f"{start} 至 {end} 的统计已更新", f"Figures for {start} to {end} updated")
            self._show(ReportSet(results[by], results[Dimension.HOUR], results[rank_by]))

        def failed(error: ApiError) -> None:
            if generation != self._generation:
                return
            self.query_button.setEnabled(True)
            kept = ("（仍显示上次的统计）", "(the last figures stay on screen)") if self.reports else ("", "")
            self._say(False, error.zh + kept[0], f"{error.en} {kept[1]}".strip(), both=True)
            self.query_failed.emit(error.code)

        next_report()

    def _say(self, ok: bool | None, zh: str, en: str, both: bool = False) -> None:
        """A status line; errors always in both languages (whoever reads them may call for help)."""
        self._message = (ok, zh, en, both)
        colour = theme.GREY if ok is None else theme.GREEN if ok else theme.RED
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(f"{zh}  {en}" if both else self._t(zh, en))

    # ------------------------------------------------------------------ showing

    def _show(self, reports: ReportSet) -> None:
        self.reports = reports
        self.model.set_report(reports.main)
        self.table.resizeColumnsToContents()
        total = reports.main.total
        for value, figure in zip(self.figure_values, KEY_FIGURES, strict=True):
            value.setText(figure.read(total) or "—")
        self._show_ranking(reports.ranking)
        self._draw_charts(reports)
        self.report_shown.emit()

    def key_figures(self) -> dict[str, str]:
        """The strip as shown, by Chinese name."""
        return {figure.name.zh: value.text() for figure, value in zip(KEY_FIGURES, self.figure_values, strict=True)}

    def _show_ranking(self, report: Report) -> None:
        by = report.request.by
        self.ranking_title.setText(
            self._t(f"满意率排名（按{DIMENSION_NAMES[by].zh}）", f"Satisfaction ranking by {DIMENSION_NAMES[by].en}")
        )
        best, worst = best_and_worst(rank_by_satisfaction(report))
        names = {row.key: row for row in report.rows}
        numbers = row_numbers(report)
        for listing, entries in ((self.best_list, best), (self.worst_list, worst)):
            listing.clear()
            for entry in entries:
                row = names.get(entry.key)
                name = numbered_name(row, by, self.lang, numbers.get(row.key)) if row is not None else entry.key
                served = self._t(f"办结 {entry.served}", f"served {entry.served}")
                listing.addItem(f"{name}\n    {entry.value * 100:.1f}%   {served}")
            if not entries:
                listing.addItem(self._t("评价数不足", "not enough ratings"))

    def _draw_charts(self, reports: ReportSet | None) -> None:
        self.served_set = self.mean_wait_line = self.median_wait_line = self.arrivals_set = None
        self.rating_sets = {}
        by = reports.main.request.by if reports else self.dimension()
        dimension_name = self._name(DIMENSION_NAMES[by])
        rows, cut = chart_rows(reports.main) if reports else ([], False)
        numbers = row_numbers(reports.main) if reports else {}
        labels = [axis_label(row, by, self.lang, numbers.get(row.key)) for row in rows]
        names = [numbered_name(row, by, self.lang, numbers.get(row.key)) for row in rows]
        axis_title = dimension_name
        if by in KEYED_DIMENSIONS | NUMBERED_DIMENSIONS:  # bars carry only a key or a number: say where the names are
            axis_title = self._t(f"{dimension_name}（名称见下表）", f"{dimension_name} (names in the table below)")
        note = self._t(f"（办结最多的{len(rows)}项）", f" (busiest {len(rows)})") if cut else ""
        volume_title = self._t(f"按{dimension_name}：办结量与等候时间", f"Served and waiting time by {dimension_name}")
        self._draw_volume(volume_title + note, axis_title, rows, labels, names)
        rating_title = self._t(f"按{dimension_name}：评价等级", f"Rating levels by {dimension_name}")
        self._draw_ratings(rating_title + note, axis_title, rows, labels, names)
        self._draw_arrivals(reports.hours.rows if reports else [])

    def _draw_volume(self, title: str, axis_title: str, rows: list[ReportRow], labels: list[str], names: list[str]) -> None:
        frame = self.volume_frame
        frame.reset(title, axis_title, labels, names)
        served = QBarSet(self._t("办结", "served"))
        served.append([float(row.served) for row in rows])
        served.setColor(QColor(theme.BLUE))
        bars = QBarSeries(frame.chart)
        bars.append(served)
        frame.add(bars)
        frame.tip_bars(bars)
        lines = []
        for name, colour, read in (
            (self._t("平均等候(分)", "mean wait (min)"), theme.AMBER, lambda row: row.wait.mean),
            (self._t("等候中位数(分)", "median wait (min)"), theme.RED, lambda row: row.wait.median),
        ):
            line = QLineSeries(frame.chart)
            line.setName(name)
            line.setPen(QPen(QColor(colour), 3))
            line.setPointsVisible(True)
            for index, row in enumerate(rows):
                seconds = read(row)
                if seconds is not None:  # a row with no finished wait has no point: a gap, not a made-up 0
                    line.append(index, seconds / 60)
            frame.add(line, frame.axis_minutes)
            frame.tip_line(line)
            lines.append(line)
        frame.scale(frame.axis_y, self._t("人次", "services"), max((row.served for row in rows), default=0))
        waits = [point.y() for line in lines for point in line.points()]
        assert frame.axis_minutes is not None
        frame.scale(frame.axis_minutes, self._t("分钟", "minutes"), max(waits, default=0.0))
        frame.set_legend([(theme.BLUE, served.label(), False)] + [(line.pen().color().name(), line.name(), True) for line in lines])
        self.served_set, (self.mean_wait_line, self.median_wait_line) = served, lines

    def _draw_ratings(self, title: str, axis_title: str, rows: list[ReportRow], labels: list[str], names: list[str]) -> None:
        frame = self.rating_frame
        frame.reset(title, axis_title, labels, names)
        stacked = QStackedBarSeries(frame.chart)
        for level in RatingLevel:
            level_set = QBarSet(self._name(RATING_NAMES[level]))
            level_set.append([float(row.ratings.get(level, 0)) for row in rows])
            level_set.setColor(QColor(RATING_COLOURS[level]))
            stacked.append(level_set)
            self.rating_sets[level] = level_set
        frame.add(stacked)
        frame.tip_bars(stacked)
        frame.scale(frame.axis_y, self._t("评价数", "ratings"), max((row.rated for row in rows), default=0))
        frame.set_legend([(RATING_COLOURS[level], self._name(RATING_NAMES[level]), False) for level in RatingLevel])

    def _draw_arrivals(self, hours: list[ReportRow]) -> None:
        frame = self.arrival_frame
        labels = [axis_label(row, Dimension.HOUR, self.lang) for row in hours]
        names = [row_name(row, Dimension.HOUR, self.lang) for row in hours]
        frame.reset(self._t("各时段取号（人）", "Arrivals by hour (tickets)"), self._t("时", "hour"), labels, names)
        arrivals = QBarSet(self._t("取号", "tickets"))
        arrivals.append([float(row.issued or 0) for row in hours])
        arrivals.setColor(QColor(theme.GREEN))
        bars = QBarSeries(frame.chart)
        bars.append(arrivals)
        frame.add(bars)
        frame.tip_bars(bars)
        frame.scale(frame.axis_y, self._t("人", "tickets"), max((row.issued or 0 for row in hours), default=0))
        frame.set_legend([])  # one series: the title says what the bars are
        self.arrivals_set = arrivals

    # ------------------------------------------------------------------ exports

    def export(self, which: str) -> None:
        """Ask where to save, then fetch the file from the server and write it, both off the GUI thread."""
        start, end = self.period()
        by, wanted = self.dimension(), self.report_filter()
        if which in ("csv", "xlsx", "pdf"):
            name = f"report-{by.value}-{start}_{end}.{which}"
            filters = {"csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}[which]

            def fetch(path: Path) -> tuple[str, tuple[Any, ...]]:
                return "export_report", (which, start, end, by, wanted)
        elif which == "monthly":
            name = f"monthly-{start:%Y-%m}.pdf"
            filters = "PDF (*.pdf)"

            def fetch(path: Path) -> tuple[str, tuple[Any, ...]]:
                return "monthly_report", (start.year, start.month)
        else:
            name = f"ratings-{start}_{end}.xlsx"
            filters = "Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)"

            def fetch(path: Path) -> tuple[str, tuple[Any, ...]]:
                suffix = path.suffix.lower().lstrip(".")
                return "export_ratings", (suffix if suffix in ("csv", "json") else "xlsx", start, end)

        dialog = QFileDialog(self, self._t("保存导出文件", "Save the export"), name, filters)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        # Qt's own dialog: the same on every desktop, and one a test can drive (a native one cannot be)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(name)

        def chosen(selected: str) -> None:
            path = Path(selected)
            method, args = fetch(path)
            self._say(None, f"正在导出 {path.name}…", f"Exporting {path.name}…")
            self.conn.call(method, *args, on_done=lambda download: self._write(download, path), on_error=self._export_failed)

        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.save_dialog = dialog
        dialog.open()

    def _write(self, download: Download, path: Path) -> None:
        def saved(_result: Any) -> None:
            self._say(True, f"已保存 {path}", f"Saved {path}")
            self.file_saved.emit(str(path))

        def failed(error: Exception) -> None:
            self._say(False, f"文件无法保存：{error}", f"The file could not be saved: {error}", both=True)

        run_in_background(lambda: path.write_bytes(download.content), saved, failed)

    def _export_failed(self, error: ApiError) -> None:
        self._say(False, f"导出失败：{error.zh}", f"Export failed: {error.en}", both=True)
        self.query_failed.emit(error.code)
