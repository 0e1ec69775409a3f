"""Printable PDF reports: a hall's 月度报告 (monthly report) and any single report.

Drawn with reportlab (platypus for the flowing layout, reportlab.graphics for the charts) on
landscape A4, so a table of every figure fits the page width; a long table breaks across pages
and repeats its header. The CJK font is embedded (fonts.py). Each page carries the hall, the
period and "第 n 页 / 共 m 页" (page n of m), drawn after layout once the page count is known.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from hall.reports import Dimension, Ranked, Report, ReportRequest, ReportRow
from hall.text import Bilingual
from hall.tickets import RATING_NAMES, RatingLevel
from server.exports.columns import RATING_COLUMNS, VOLUME_COLUMNS, Column, Kind, display_label, format_figure
from server.exports.common import dimension_text, filter_text, period_text, ranking_mark, ranking_of
from server.exports.definitions import metric_definitions
from server.exports.fonts import cjk_font

PAGE_SIZE = landscape(A4)
MARGIN = 14 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
LABEL_COLUMN_WIDTH = 104.0
CHART_WIDTH = CONTENT_WIDTH / 2 - 6
CHART_HEIGHT = 172.0

INK = colors.HexColor("#1F2933")
HEADER_BACKGROUND = colors.HexColor("#DDE6F0")
STRIPE_BACKGROUND = colors.HexColor("#F4F6F8")
TOTAL_BACKGROUND = colors.HexColor("#E8ECF0")
BEST_BACKGROUND = colors.HexColor("#D8F0DC")
SNAIL_BACKGROUND = colors.HexColor("#FBE3D0")
SERIES_COLOURS = (colors.HexColor("#2F6DB5"), colors.HexColor("#E3892B"), colors.HexColor("#5AA05A"), colors.HexColor("#A14C8E"))
RATING_COLOURS = {
    RatingLevel.VERY_SATISFIED: colors.HexColor("#2E8B57"),
    RatingLevel.SATISFIED: colors.HexColor("#6DB36D"),
    RatingLevel.BASIC: colors.HexColor("#C9B84A"),
    RatingLevel.DISSATISFIED: colors.HexColor("#E08A3C"),
    RatingLevel.VERY_DISSATISFIED: colors.HexColor("#C8423B"),
}

TABLE_GROUPS: tuple[tuple[Bilingual, tuple[Column, ...]], ...] = (
    (Bilingual("办件量、等候与办理时间、办结类型", "volume, waiting and service times, outcomes"), VOLUME_COLUMNS),
    (Bilingual("好差评、整改、暂停与AB岗", "ratings, follow-ups, pauses and AB posts"), RATING_COLUMNS),
)


@dataclass(frozen=True)
class Styles:
    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    header: ParagraphStyle

    @classmethod
    def make(cls, font: str) -> Styles:
        def style(name: str, size: float, leading: float, **extra: Any) -> ParagraphStyle:
            settings: dict[str, Any] = {"textColor": INK, "wordWrap": "CJK", **extra}
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, **settings)

        return cls(
            font=font,
            title=style("title", 20, 26, alignment=TA_CENTER, spaceAfter=4),
            subtitle=style("subtitle", 12, 17, alignment=TA_CENTER, spaceAfter=1),
            heading=style("heading", 12.5, 17, spaceBefore=8, spaceAfter=5),
            body=style("body", 9, 13),
            note=style("note", 7.5, 10.5, textColor=colors.HexColor("#52606D")),
            cell=style("cell", 7, 8.6),
            # Headers wrap at spaces, not inside an English word; the Chinese names are short enough for a column.
            header=style("header", 6.4, 7.8, alignment=TA_CENTER, wordWrap=None),
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bilingual_paragraph(text: Bilingual, style: ParagraphStyle) -> Paragraph:
    """Chinese on the first line, English under it in a smaller size."""
    if text.zh == text.en:
        return Paragraph(_escape(text.zh), style)
    return Paragraph(f"{_escape(text.zh)}<br/><font size={style.fontSize * 0.86:.1f}>{_escape(text.en)}</font>", style)


# --- page furniture ------------------------------------------------------------------------------


class NumberedCanvas(Canvas):
    """Holds every page until the end, then stamps the footer with "page n of m" on each."""

    def __init__(self, *args: Any, footer: str = "", font: str = "Helvetica", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer, self._footer_font = footer, font
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name, overridden to hold the page
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, count)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, count: int) -> None:
        self.saveState()
        self.setFont(self._footer_font, 7.5)
        self.setFillColor(colors.HexColor("#52606D"))
        self.setStrokeColor(colors.HexColor("#C5CED6"))
        self.line(MARGIN, MARGIN - 4, PAGE_SIZE[0] - MARGIN, MARGIN - 4)
        self.drawString(MARGIN, MARGIN - 13, self._footer)
        self.drawRightString(PAGE_SIZE[0] - MARGIN, MARGIN - 13, f"第 {number} 页 / 共 {count} 页  page {number} of {count}")
        self.restoreState()


def _build(story: list[Flowable], footer: str, font: str, title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6,
        title=title,
        author="hallq",
        creator="hallq",
    )

    def make_canvas(*args: Any, **kwargs: Any) -> NumberedCanvas:
        return NumberedCanvas(*args, footer=footer, font=font, **kwargs)

    document.build(story, canvasmaker=make_canvas)
    return buffer.getvalue()


# --- tables --------------------------------------------------------------------------------------


def _figure_table(rows: Sequence[ReportRow], total: ReportRow, columns: Sequence[Column], label_header: Bilingual, styles: Styles) -> Table:
    figure_width = (CONTENT_WIDTH - LABEL_COLUMN_WIDTH) / len(columns)
    header = [
        _bilingual_paragraph(label_header, styles.header),
        *(_bilingual_paragraph(column.header, styles.header) for column in columns),
    ]
    body = [
        [Paragraph(_escape(display_label(row)), styles.cell), *(format_figure(column.kind, column.value(row)) for column in columns)]
        for row in (*rows, total)
    ]
    table = Table([header, *body], colWidths=[LABEL_COLUMN_WIDTH, *([figure_width] * len(columns))], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), styles.font, 7),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("BACKGROUND", (0, -1), (-1, -1), TOTAL_BACKGROUND),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
    ]
    commands += [("BACKGROUND", (0, index), (-1, index), STRIPE_BACKGROUND) for index in range(2, len(body), 2)]
    table.setStyle(TableStyle(commands))
    return table


def _report_tables(report: Report, styles: Styles, heading: Bilingual) -> list[Flowable]:
    """Every figure of every row in two tables (volume and times; ratings and supervision), with the total row."""
    label_header = dimension_text(report.request.by) if report.request.by is not Dimension.HALL else Bilingual("范围", "scope")
    flowables: list[Flowable] = []
    for index, (group_name, columns) in enumerate(TABLE_GROUPS):
        caption = Paragraph(
            f"{_escape(heading.zh)} · {_escape(group_name.zh)} / {_escape(heading.en)}: {_escape(group_name.en)}", styles.heading
        )
        table = _figure_table(report.rows, report.total, columns, label_header, styles)
        # Keep the caption with the table's first rows; a table longer than a page then breaks by itself.
        flowables += [CondPageBreak(120), caption, table]
        if index < len(TABLE_GROUPS) - 1:
            flowables.append(Spacer(1, 4))
    return flowables


def _key_figures(total: ReportRow, styles: Styles) -> Table:
    def minutes(seconds: float | None) -> str:
        text = format_figure(Kind.MINUTES, None if seconds is None else seconds / 60)
        return f"{text} 分钟 / min" if text else "—"

    def percent(value: float | None) -> str:
        return format_figure(Kind.PERCENT, value) or "—"

    figures: list[tuple[Bilingual, str]] = [
        (Bilingual("取号数", "tickets issued"), "—" if total.issued is None else str(total.issued)),
        (Bilingual("办结数", "services finished"), str(total.served)),
        (Bilingual("过号 / 转移", "no-shows / transfers"), f"{total.no_shows} / {total.transfers}"),
        (Bilingual("平均等候", "mean wait"), minutes(total.wait.mean)),
        (Bilingual("等候中位数", "median wait"), minutes(total.wait.median)),
        (Bilingual("等候P90", "90th percentile wait"), minutes(total.wait.p90)),
        (Bilingual("最长等候", "longest wait"), minutes(total.wait.max)),
        (Bilingual("平均办理时间", "mean service time"), minutes(total.service.mean)),
        (Bilingual("满意率", "satisfaction rate"), percent(total.satisfaction_rate)),
        (Bilingual("评价率", "rating rate"), percent(total.rating_rate)),
        (Bilingual("群众评价 / 默认评价", "citizen / default ratings"), f"{total.rated} / {total.default_ratings}"),
        (Bilingual("差评", "bad ratings"), str(total.bad_ratings)),
        (
            Bilingual("差评整改 按期/逾期/未结", "follow-ups on time / overdue / open"),
            f"{total.followups_on_time} / {total.followups_overdue} / {total.followups_open}",
        ),
        (Bilingual("暂停 次数 / 时长", "pauses: count / time"), f"{total.pause_count} / {total.pause_seconds / 60:.1f} 分钟 min"),
        (Bilingual("AB岗超时离岗", "AB-post absences (> 3 min)"), str(total.ab_absences)),
    ]
    # Three figures a line keeps the block short enough for the first charts to share the title page.
    per_line = 3
    value_style = ParagraphStyle("figure", parent=styles.body, fontSize=10.5, leading=13)
    data: list[list[Any]] = []
    for start in range(0, len(figures), per_line):
        line: list[Any] = []
        for name, value in figures[start : start + per_line]:
            line += [_bilingual_paragraph(name, styles.body), Paragraph(_escape(value), value_style)]
        data.append(line + [""] * (2 * per_line - len(line)))
    pair = CONTENT_WIDTH / per_line
    table = Table(data, colWidths=[pair * 0.55, pair * 0.45] * per_line)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#C5CED6")),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _ranking_table(report: Report, ranking: list[Ranked], styles: Styles) -> Flowable:
    rows_by_key = {row.key: row for row in report.rows}
    header = [
        _bilingual_paragraph(text, styles.header)
        for text in (
            Bilingual("名次", "rank"),
            dimension_text(report.request.by),
            Bilingual("满意率", "satisfaction"),
            Bilingual("平均分", "mean score"),
            Bilingual("评价数", "ratings"),
            Bilingual("差评", "bad"),
            Bilingual("办结数", "served"),
            Bilingual("备注", "note"),
        )
    ]
    data: list[list[Any]] = [header]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), styles.font, 7.5),
        ("ALIGN", (2, 1), (-2, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    for position, ranked in enumerate(ranking):
        row = rows_by_key[ranked.key]
        mark = ranking_mark(position, len(ranking))
        score = row.mean_score
        data.append(
            [
                str(position + 1),
                Paragraph(_escape(display_label(row)), styles.cell),
                format_figure(Kind.PERCENT, ranked.value),
                "" if score is None else f"{score:.2f}",
                str(row.rated),
                str(row.bad_ratings),
                str(ranked.served),
                str(mark) if mark else "",
            ]
        )
        if mark is not None:
            background = BEST_BACKGROUND if position == 0 else SNAIL_BACKGROUND
            commands.append(("BACKGROUND", (0, position + 1), (-1, position + 1), background))
    widths = [34, 150, 56, 48, 44, 36, 44, 84]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _ranking_section(report: Report, styles: Styles, heading: Bilingual) -> list[Flowable]:
    ranking = ranking_of(report)
    if ranking is None:
        return []
    title = Paragraph(f"{_escape(heading.zh)}满意度排名 / satisfaction ranking of {_escape(heading.en)}", styles.heading)
    if not ranking:
        return [title, Paragraph("本期无群众评价，未排名 / no citizen ratings in this period, nothing to rank", styles.body)]
    note = Paragraph(
        "按满意率从高到低，相同按平均分（非常满意 5 分 … 非常不满意 1 分）；无群众评价的不排名；末位为蜗牛奖。"
        " / Best first by satisfaction rate, then mean score (5 = very satisfied … 1 = very dissatisfied); "
        "rows without citizen ratings are not ranked; the last one gets the snail award.",
        styles.note,
    )
    # Heading, table and note stay on one page when they fit; a ranking longer than a page still splits.
    return [CondPageBreak(140), KeepTogether([title, _ranking_table(report, ranking, styles), Spacer(1, 3), note])]


def _definitions(styles: Styles) -> list[Flowable]:
    flowables: list[Flowable] = [CondPageBreak(160), Paragraph("口径说明 / Definitions", styles.heading)]
    for definition in metric_definitions():
        flowables.append(Paragraph(f"· {_escape(definition.zh)}<br/>&nbsp;&nbsp;{_escape(definition.en)}", styles.note))
        flowables.append(Spacer(1, 2.5))
    return flowables


# --- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: Bilingual
    values: list[float | None]


def _label_step(count: int, most: int) -> int:
    return max(1, -(-count // most))


def _sparse_labels(labels: Sequence[str], most: int) -> list[str]:
    """Every n-th label only, so category labels under many bars do not overprint each other."""
    step = _label_step(len(labels), most)
    return [label if index % step == 0 else "" for index, label in enumerate(labels)]


def _chart_frame(title: Bilingual, font: str) -> Drawing:
    drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
    drawing.add(String(0, CHART_HEIGHT - 11, f"{title.zh} / {title.en}", fontName=font, fontSize=9.5, fillColor=INK))
    return drawing


def _no_data(drawing: Drawing, font: str) -> Drawing:
    drawing.add(
        String(CHART_WIDTH / 2, CHART_HEIGHT / 2, "无数据 / no data", fontName=font, fontSize=9, textAnchor="middle", fillColor=colors.grey)
    )
    return drawing


def _legend(drawing: Drawing, series: Sequence[Series], font: str, x: float, y: float) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = font, 7
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.columnMaximum = 1
    legend.deltax = 60
    legend.dx = legend.dy = 6
    legend.colorNamePairs = [
        (SERIES_COLOURS[index], item.name.zh if item.name.zh == item.name.en else f"{item.name.zh} {item.name.en}")
        for index, item in enumerate(series)
    ]
    drawing.add(legend)


def _has_values(series: Sequence[Series]) -> bool:
    return any(value for item in series for value in item.values)


def column_chart(
    title: Bilingual, labels: Sequence[str], series: Sequence[Series], font: str, most_labels: int = 31, whole_numbers: bool = False
) -> Drawing:
    """Vertical bars: one group per label (day, hour, row), one bar per series; counts get whole-number ticks."""
    drawing = _chart_frame(title, font)
    if not labels or not _has_values(series):
        return _no_data(drawing, font)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 28
    # A few groups would otherwise stretch into slabs across the whole chart: about 16 pt a bar at most.
    widest = len(labels) * (len(series) * 16 + 12)
    chart.width, chart.height = min(CHART_WIDTH - 44, max(widest, 60)), CHART_HEIGHT - 62 - (10 if len(series) > 1 else 0)
    chart.data = [[value if value is not None else 0.0 for value in item.values] for item in series]
    shown = _sparse_labels(labels, most_labels)
    chart.categoryAxis.categoryNames = shown
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.dy = -2
    longest = max(stringWidth(label, font, 6.5) for label in shown)
    room_per_label = chart.width / len(labels) * _label_step(len(labels), most_labels)
    if longest > 0.9 * room_per_label:
        # Names wider than their slot (departments, items) are slanted instead of overprinting each other.
        lift = min(longest * 0.5, 60.0)
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.y += lift
        chart.height -= lift
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    if whole_numbers:
        chart.valueAxis.labelTextFormat = "%d"
        if max(value or 0 for item in series for value in item.values) <= 8:
            chart.valueAxis.valueStep = 1  # reportlab would tick a count of 3 at 0.5, 1.5, ...
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E1E6EB")
    chart.barSpacing = 0.5
    chart.groupSpacing = 2 if len(labels) > 20 else 4
    for index in range(len(series)):
        chart.bars[index].fillColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    if len(series) > 1:
        _legend(drawing, series, font, 34, CHART_HEIGHT - 18)
    return drawing


def bar_chart(
    title: Bilingual, labels: Sequence[str], series: Sequence[Series], font: str, value_format: str = "%.1f", whole_numbers: bool = False
) -> Drawing:
    """Horizontal bars with their values printed: one group per label (category, rating level)."""
    drawing = _chart_frame(title, font)
    if not labels or not _has_values(series):
        return _no_data(drawing, font)
    chart = HorizontalBarChart()
    room = CHART_HEIGHT - 42 - (12 if len(series) > 1 else 0)
    # Hang the bars from the top, about 12 pt thick at most, so two categories do not become slabs.
    chart.height = min(room, max(len(labels) * (len(series) * 12 + 8), 40))
    chart.x, chart.y = 96, 12 + room - chart.height
    chart.width = CHART_WIDTH - 96 - 30
    # HorizontalBarChart draws the first category, and in a group the first series, at the bottom:
    # reverse both so the chart reads top-down in the order of the labels and the legend.
    chart.data = [[value if value is not None else 0.0 for value in reversed(item.values)] for item in reversed(series)]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    if whole_numbers:
        chart.valueAxis.labelTextFormat = "%d"
        if max(value or 0 for item in series for value in item.values) <= 8:
            chart.valueAxis.valueStep = 1
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E1E6EB")
    # Printed values help a short chart; on a crowded one they overprint each other and the axis must do.
    chart.barLabelFormat = value_format if len(labels) * len(series) <= 15 else None
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barSpacing = 0.5
    chart.groupSpacing = 3
    for index in range(len(series)):
        chart.bars[index].fillColor = SERIES_COLOURS[(len(series) - 1 - index) % len(SERIES_COLOURS)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    if len(series) > 1:
        _legend(drawing, series, font, 96, CHART_HEIGHT - 18)
    return drawing


def rating_levels_chart(total: ReportRow, font: str) -> Drawing:
    levels = list(RatingLevel)
    counts: list[float | None] = [float(total.ratings.get(level, 0)) for level in levels]
    labels = [RATING_NAMES[level].zh for level in levels]
    title = Bilingual(f"评价等级（另有默认评价 {total.default_ratings}）", f"rating levels (plus {total.default_ratings} default)")
    drawing = bar_chart(title, labels, [Series(Bilingual("评价数", "ratings"), counts)], font, value_format="%d", whole_numbers=True)
    charts = [shape for shape in drawing.contents if isinstance(shape, HorizontalBarChart)]
    for chart in charts:  # one colour per level, green to red, so 差评 stands out on paper
        chart.categoryAxis.style = "parallel"
        for position, level in enumerate(reversed(levels)):
            chart.bars[(0, position)].fillColor = RATING_COLOURS[level]
    return drawing


def _minutes_series(rows: Sequence[ReportRow]) -> list[Series]:
    def minutes(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / 60

    return [
        Series(Bilingual("平均", "mean"), [minutes(row.wait.mean) for row in rows]),
        Series(Bilingual("中位数", "median"), [minutes(row.wait.median) for row in rows]),
        Series(Bilingual("P90", "P90"), [minutes(row.wait.p90) for row in rows]),
    ]


def _chart_pair(left: Drawing, right: Drawing) -> Table:
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH / 2, CONTENT_WIDTH / 2])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _volume_series(rows: Sequence[ReportRow]) -> list[Series]:
    series = []
    if any(row.issued is not None for row in rows):
        series.append(Series(Bilingual("取号", "issued"), [None if row.issued is None else float(row.issued) for row in rows]))
    series.append(Series(Bilingual("办结", "served"), [float(row.served) for row in rows]))
    return series


def _row_chart_label(request: ReportRequest, row: ReportRow) -> str:
    dimension = request.by
    if dimension is Dimension.DAY:
        if (request.start.year, request.start.month) != (request.end.year, request.end.month):
            return row.key[5:]  # "11-03": the day of the month alone would repeat
        return row.key[-2:].lstrip("0")
    if dimension is Dimension.WEEKDAY:
        return row.label.zh
    # Codes under the bars (the tables beside the chart name them): item names are too long for a slot.
    if dimension in (Dimension.CATEGORY, Dimension.ITEM, Dimension.WINDOW, Dimension.HOUR, Dimension.WEEK, Dimension.MONTH):
        return row.key or display_label(row)
    return display_label(row)


# --- documents -----------------------------------------------------------------------------------


def _title_block(title: Bilingual, subtitle: Bilingual, styles: Styles, generated: date) -> list[Flowable]:
    return [
        Paragraph(_escape(title.zh), styles.title),
        Paragraph(_escape(title.en), styles.subtitle),
        Paragraph(_escape(f"{subtitle.zh} / {subtitle.en}"), styles.subtitle),
        Paragraph(f"生成日期 / generated: {generated.isoformat()}", ParagraphStyle("generated", parent=styles.note, alignment=TA_CENTER)),
        Spacer(1, 6),
        HRFlowable(width="100%", thickness=0.8, color=INK),
        Spacer(1, 6),
    ]


def report_pdf(report: Report, hall_name: Bilingual) -> bytes:
    """One report as a printable document: key figures of the total, a chart, every figure per row, the ranking."""
    font = cjk_font()
    styles = Styles.make(font)
    request = report.request
    period, dimension = period_text(request.start, request.end), dimension_text(request.by)
    narrowed = filter_text(request.filter)
    subtitle = Bilingual(
        f"{period.zh}  {dimension.zh}" + (f"（{narrowed.zh}）" if narrowed else ""),
        f"{period.en}, {dimension.en}" + (f" ({narrowed.en})" if narrowed else ""),
    )
    story: list[Flowable] = _title_block(Bilingual(f"{hall_name.zh} 统计报表", f"{hall_name.en} — report"), subtitle, styles, date.today())
    story += [Paragraph("主要指标 / Key figures", styles.heading), _key_figures(report.total, styles)]
    labels = [_row_chart_label(request, row) for row in report.rows]
    volume = column_chart(Bilingual("办件量", "volume"), labels, _volume_series(report.rows), font, most_labels=24, whole_numbers=True)
    waits = column_chart(
        Bilingual("等候时间（分钟）", "waiting time (minutes)"), labels, _minutes_series(report.rows), font, most_labels=24
    )
    story += [Spacer(1, 8), KeepTogether([_chart_pair(volume, waits)])]
    heading = DIMENSION_HEADINGS.get(request.by, dimension)
    story += _report_tables(report, styles, heading)
    story += _ranking_section(report, styles, heading)
    story += _definitions(styles)
    footer = f"{hall_name.zh} · {period.zh} · {dimension.zh}    hallq"
    return _build(story, footer, font, f"{hall_name.zh} 统计报表 {period.zh}")


DIMENSION_HEADINGS: dict[Dimension, Bilingual] = {
    Dimension.CATEGORY: Bilingual("分业务类别", "categories"),
    Dimension.ITEM: Bilingual("分事项", "items"),
    Dimension.WINDOW: Bilingual("分窗口", "windows"),
    Dimension.CLERK: Bilingual("分工作人员", "clerks"),
    Dimension.DEPARTMENT: Bilingual("分部门", "departments"),
    Dimension.DAY: Bilingual("分日", "days"),
    Dimension.WEEK: Bilingual("分周", "weeks"),
    Dimension.MONTH: Bilingual("分月", "months"),
    Dimension.HOUR: Bilingual("分时段", "hours of day"),
    Dimension.WEEKDAY: Bilingual("分星期", "weekdays"),
    Dimension.HALL: Bilingual("全厅", "whole hall"),
}

# The monthly report's parts, in the order they are printed.
MONTHLY_TABLE_DIMENSIONS = (Dimension.CATEGORY, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT)
MONTHLY_RANKING_DIMENSIONS = (Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT)
MONTHLY_DIMENSIONS = (Dimension.HALL, Dimension.DAY, Dimension.HOUR, *MONTHLY_TABLE_DIMENSIONS)
# Spelled out here: strftime("%B") follows the machine's locale and prints 十一月 on a Chinese system.
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
USUAL_HOURS = (8, 17)  # the arrivals chart spans at least a usual hall day, 08:00 to 18:00


def monthly_pdf(hall_name: Bilingual, year: int, month: int, reports: dict[Dimension, Report], generated: datetime | None = None) -> bytes:
    font = cjk_font()
    styles = Styles.make(font)
    hall_total = reports[Dimension.HALL].total
    month_zh, month_en = f"{year}年{month}月", f"{ENGLISH_MONTHS[month - 1]} {year}"
    story = _title_block(
        Bilingual(f"{hall_name.zh} 月度报告", f"{hall_name.en} — monthly report"),
        Bilingual(month_zh, month_en),
        styles,
        (generated or datetime.now()).date(),
    )
    story += [Paragraph("主要指标 / Key figures", styles.heading), _key_figures(hall_total, styles), Spacer(1, 4)]

    category_rows = reports[Dimension.CATEGORY].rows
    # Every day of the month and every hour of the working day get a bar, so a quiet day or hour
    # shows as a gap where it falls instead of the bars closing up around it.
    days_by_key = {row.key: row for row in reports[Dimension.DAY].rows}
    month_days = [date(year, month, day) for day in range(1, calendar.monthrange(year, month)[1] + 1)]
    day_rows = [days_by_key.get(day.isoformat()) for day in month_days]
    per_day = column_chart(
        Bilingual("每日取号与办结", "tickets issued and served per day"),
        [str(day.day) for day in month_days],
        [
            Series(Bilingual("取号", "issued"), [float(row.issued or 0) if row else 0.0 for row in day_rows]),
            Series(Bilingual("办结", "served"), [float(row.served) if row else 0.0 for row in day_rows]),
        ],
        font,
        whole_numbers=True,
    )
    hours_by_key = {row.key: row for row in reports[Dimension.HOUR].rows}
    present = [int(key) for key in hours_by_key if key.isdigit()]
    hour_keys = [f"{hour:02d}" for hour in range(min([*present, *USUAL_HOURS]), max([*present, *USUAL_HOURS]) + 1)]
    per_hour = column_chart(
        Bilingual("分时段取号（到达）", "arrivals by hour of day"),
        hour_keys,
        [Series(Bilingual("取号", "issued"), [float(hours_by_key[key].issued or 0) if key in hours_by_key else 0.0 for key in hour_keys])],
        font,
        whole_numbers=True,
    )
    waits = bar_chart(
        Bilingual("分业务类别等候时间（分钟）", "waiting time by category (minutes)"),
        [display_label(row) for row in category_rows],
        _minutes_series(category_rows),
        font,
    )
    story += [_chart_pair(per_day, per_hour), Spacer(1, 8)]
    story += [KeepTogether([_chart_pair(waits, rating_levels_chart(hall_total, font))])]

    for dimension in MONTHLY_RANKING_DIMENSIONS:
        story += _ranking_section(reports[dimension], styles, DIMENSION_HEADINGS[dimension])
    for dimension in MONTHLY_TABLE_DIMENSIONS:
        story += [PageBreak(), *_report_tables(reports[dimension], styles, DIMENSION_HEADINGS[dimension])]
    story += _definitions(styles)
    footer = f"{hall_name.zh} · 月度报告 {month_zh} / monthly report {month_en}    hallq"
    return _build(story, footer, font, f"{hall_name.zh} 月度报告 {month_zh}")
