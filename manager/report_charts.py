"""The reports page's charts (QtCharts): served and waiting time, rating levels, and arrivals by
hour, side by side. :class:`ChartFrame` is one chart with its own legend and never-elided axis
labels; :class:`ReportCharts` is the row of three and draws a :class:`ReportSet` into them.
Which rows a chart shows and how it labels them are :mod:`manager.report_rules`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
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
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QCursor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from hall.reports import DIMENSION_NAMES, Dimension, ReportRow
from hall.text import Bilingual
from hall.tickets import RATING_NAMES, RatingLevel
from manager.report_rules import (
    KEYED_DIMENSIONS,
    NUMBERED_DIMENSIONS,
    RATING_COLOURS,
    ReportSet,
    axis_label,
    chart_rows,
    format_number,
    label_step,
    numbered_name,
    row_name,
    row_numbers,
)
from ui import theme
from ui.text import Language


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


class ReportCharts(QWidget):
    """The three charts in a row; ``language`` is the page's, switched in place."""

    def __init__(self, language: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = language
        row = QHBoxLayout(self)
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

    def _t(self, zh: str, en: str) -> str:
        return self.lang.pick(zh, en)

    def _name(self, text: Bilingual) -> str:
        return self.lang.pick(text.zh, text.en)

    def draw(self, reports: ReportSet | None, dimension: Dimension) -> None:
        """Redraw the three charts from ``reports`` (empty charts for ``dimension`` before the first query)."""
        self.served_set = self.mean_wait_line = self.median_wait_line = self.arrivals_set = None
        self.rating_sets = {}
        by = reports.main.request.by if reports else dimension
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
