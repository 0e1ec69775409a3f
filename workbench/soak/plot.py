"""The soak's plot: RSS of every process over the hall days, drawn with QPainter into a PNG (the
repository draws its charts with Qt and reportlab; no plotting library is added for one figure)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

from workbench.soak.measure import DayRecord

WIDTH, HEIGHT = 1400, 800
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 90, 260, 70, 70
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


def _nice_top(value: float) -> float:
    """The axis' top: the next round number above ``value``."""
    for step in (50, 100, 200, 250, 500, 1000):
        if value <= step * 8:
            return step * (int(value / step) + 1)
    return float(int(value) + 1)


def plot_rss(records: Sequence[DayRecord], path: Path) -> None:
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme, font

    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    names = list(records[0].rss_mb) if records else []
    top = _nice_top(max((v for r in records for v in r.rss_mb.values()), default=100.0))
    days = max(len(records), 2)
    plot = QRectF(MARGIN_LEFT, MARGIN_TOP, WIDTH - MARGIN_LEFT - MARGIN_RIGHT, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)

    def at(day_index: int, mb: float) -> QPointF:
        return QPointF(plot.left() + plot.width() * day_index / (days - 1), plot.bottom() - plot.height() * mb / top)

    painter.setFont(font(16, bold=True))
    painter.setPen(QColor("black"))
    painter.drawText(
        QRectF(0, 10, WIDTH, 40),
        Qt.AlignmentFlag.AlignCenter,
        f"浸泡测试：各进程内存 (RSS) / soak: RSS per process over {len(records)} hall days",
    )
    painter.setFont(font(11))
    for tick in range(5):  # horizontal grid and the MB axis
        mb = top * tick / 4
        y = at(0, mb).y()
        painter.setPen(QPen(QColor("#dddddd"), 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("black"))
        painter.drawText(
            QRectF(0, y - 12, MARGIN_LEFT - 10, 24), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{mb:.0f} MB"
        )
    step = max(1, len(records) // 10)
    for index in range(0, len(records), step):  # the day axis
        x = at(index, 0).x()
        painter.drawText(QRectF(x - 30, plot.bottom() + 6, 60, 24), Qt.AlignmentFlag.AlignCenter, str(records[index].number))
    painter.drawText(QRectF(plot.left(), plot.bottom() + 32, plot.width(), 28), Qt.AlignmentFlag.AlignCenter, "大厅工作日 / hall day")
    painter.setPen(QPen(QColor("black"), 1.5))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    for number, name in enumerate(names):
        colour = QColor(COLOURS[number % len(COLOURS)])
        painter.setPen(QPen(colour, 2.5))
        points = [at(index, record.rss_mb.get(name, 0.0)) for index, record in enumerate(records)]
        for start, end in itertools.pairwise(points):
            painter.drawLine(start, end)
        for point in points:
            painter.drawEllipse(point, 3, 3)
        legend_y = MARGIN_TOP + 10 + number * 30
        painter.drawLine(QPointF(WIDTH - MARGIN_RIGHT + 20, legend_y), QPointF(WIDTH - MARGIN_RIGHT + 50, legend_y))
        painter.setPen(QColor("black"))
        last = records[-1].rss_mb.get(name, 0.0) if records else 0.0
        painter.drawText(QPointF(WIDTH - MARGIN_RIGHT + 58, legend_y + 6), f"{name}  {last:.0f} MB")
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path)):
        raise OSError(f"cannot write the plot / 无法写入图表: {path}")
