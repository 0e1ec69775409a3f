"""报表, 排名 and 好差评导出: the city's reports (GET /city/api/report, grouped by hall, district,
category, item or department, exported as CSV / XLSX with a save dialog), the hall rankings and
the 好差评 records for the provincial platform. Every call runs off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cityconsole.client import CityClient, CityFile
from cityconsole.rules import EXPORT_FORMATS, GROUPINGS, check_period
from cityconsole.widgets import Cell, MessageLine, PeriodPicker, SaveChooser, TextTable, choose_save_path
from hall.reports import ReportRow, report_row_from_json
from hall.text import Bilingual
from server.exports.columns import FIGURE_COLUMNS, NAME_HEADER, display_label, format_figure
from ui import theme
from ui.worker import run_in_background

# The figures the table shows (the exports carry every column).
SHOWN = ("取号数", "办结数", "过号", "平均等候(分)", "等候P90(分)", "平均办理(分)", "满意率", "评价率", "差评", "整改按期", "整改逾期", "整改未结", "暂停次数")
COLUMNS = tuple(column for name in SHOWN for column in FIGURE_COLUMNS if column.header.zh == name)


class _PeriodTab(QWidget):
    """A tab that asks the city about a period: the picker, a row of controls, a message line."""

    file_saved = Signal(str)
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, client: CityClient, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.choose_path: SaveChooser = choose_save_path
        self.layout_ = QVBoxLayout(self)
        self.controls = QHBoxLayout()
        self.period = PeriodPicker(today)
        self.controls.addWidget(self.period)
        self.layout_.addLayout(self.controls)
        self.message = MessageLine()

    def checked_period(self) -> tuple[date, date] | None:
        start, end = self.period.period()
        wrong = check_period(start, end)
        if wrong is not None:
            self.message.say(False, wrong.zh, wrong.en)
            self.failed.emit("bad_period")
            return None
        return start, end

    def _failed(self, what: Bilingual) -> Callable[[Exception], None]:
        def failed(error: Exception) -> None:
            self.message.error(error, what)
            self.failed.emit(str(getattr(error, "code", "error")))

        return failed

    def save(self, fetch: Callable[[], CityFile], suggested: str) -> None:
        """Ask where to save, then fetch and write off the GUI thread."""
        path = self.choose_path(self, suggested)
        if path is None:
            return
        self.message.say(True, "正在导出…", "Exporting…")

        def work() -> Path:
            path.write_bytes(fetch().content)
            return path

        def done(written: Path) -> None:
            self.message.say(True, f"已保存 {written}", f"Saved {written}")
            self.file_saved.emit(str(written))

        run_in_background(work, done, self._failed(Bilingual("导出", "Export")))


def _button(zh: str, en: str) -> QPushButton:
    return QPushButton(f"{zh} {en}")


class ReportTab(_PeriodTab):
    def __init__(self, client: CityClient, today: date, parent: QWidget | None = None) -> None:
        super().__init__(client, today, parent)
        self.report: dict[str, Any] | None = None
        self.grouping = QComboBox()
        for value, name in GROUPINGS:
            self.grouping.addItem(f"{name.zh} {name.en}", value)
        self.controls.addWidget(self.grouping)
        self.query_button = _button("查询", "Show")
        self.query_button.clicked.connect(self.query)
        self.controls.addWidget(self.query_button)
        self.controls.addStretch(1)
        self.export_buttons = {}
        for fmt in EXPORT_FORMATS:
            button = _button("导出", fmt.upper())
            button.clicked.connect(lambda _checked=False, f=fmt: self.export(f))
            self.controls.addWidget(button)
            self.export_buttons[fmt] = button
        self.title = QLabel()
        self.title.setFont(theme.font(12, True))
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.message)
        self.table = TextTable((NAME_HEADER, *(column.header for column in COLUMNS)))
        self.layout_.addWidget(self.table, 1)

    def grouping_value(self) -> str:
        return str(self.grouping.currentData())

    def set_grouping(self, value: str) -> None:
        self.grouping.setCurrentIndex(self.grouping.findData(value))

    def query(self) -> None:
        period = self.checked_period()
        if period is None:
            return
        by = self.grouping_value()
        self.message.say(True, "正在查询…", "Loading…")
        run_in_background(lambda: self.client.report(*period, by), self.show_report, self._failed(Bilingual("查询", "The report")))

    def show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        rows = [report_row_from_json(row) for row in report["rows"]]
        total = report_row_from_json(report["total"])
        by = report["by_name"]
        self.title.setText(f"全市报表 · 按{by['zh']}  {report['start']} 至 {report['end']}    City report by {by['en']}")
        self.message.say(True, f"{len(rows)} 行", f"{len(rows)} rows")

        def cells(row: ReportRow, bold: bool) -> list[Cell | str]:
            figures = [Cell(format_figure(c.kind, c.value(row)), right=True, bold=bold) for c in COLUMNS]
            return [Cell(display_label(row), bold=bold), *figures]

        self.table.fill([cells(row, False) for row in rows] + [cells(total, True)], [None] * len(rows) + ["#e3ecf7"])
        self.table.resizeColumnsToContents()
        self.loaded.emit()

    def export(self, fmt: str) -> None:
        period = self.checked_period()
        if period is None:
            return
        by = self.grouping_value()
        suggested = f"hallq-city-report-{by}-{period[0].isoformat()}_{period[1].isoformat()}.{fmt}"
        self.save(lambda: self.client.report_file(*period, by, fmt), suggested)


class RankingsTab(_PeriodTab):
    def __init__(self, client: CityClient, today: date, parent: QWidget | None = None) -> None:
        super().__init__(client, today, parent)
        button = _button("查询", "Show")
        button.clicked.connect(self.query)
        self.controls.addWidget(button)
        self.controls.addStretch(1)
        self.layout_.addWidget(self.message)
        self.tables: dict[str, TextTable] = {}
        self.titles: dict[str, QLabel] = {}
        row = QHBoxLayout()
        for code in ("satisfaction", "mean_wait", "followups_on_time"):
            box = QVBoxLayout()
            self.titles[code] = QLabel()
            self.titles[code].setFont(theme.font(12, True))
            self.tables[code] = TextTable((Bilingual("名次", "Rank"), Bilingual("大厅", "Hall"), Bilingual("数值", "Value"), Bilingual("办结", "Served")))
            box.addWidget(self.titles[code])
            box.addWidget(self.tables[code], 1)
            row.addLayout(box, 1)
        self.layout_.addLayout(row, 1)

    def query(self) -> None:
        period = self.checked_period()
        if period is None:
            return
        run_in_background(lambda: self.client.rankings(*period), self.show_rankings, self._failed(Bilingual("排名", "The rankings")))

    def show_rankings(self, rankings: list[dict[str, Any]]) -> None:
        for ranking in rankings:
            code = ranking["code"]
            if code not in self.tables:
                continue
            self.titles[code].setText(f"{ranking['title']['zh']}  {ranking['title']['en']}")
            self.tables[code].fill(
                [
                    [
                        Cell(str(place), right=True),
                        entry["label"]["zh"] or entry["hall"],
                        Cell(_ranking_value(code, entry["value"]), right=True, bold=True),
                        Cell(str(entry["served"]), right=True),
                    ]
                    for place, entry in enumerate(ranking["entries"], 1)
                ]
            )
            self.tables[code].resizeColumnsToContents()
        self.message.say(True, "排名已更新", "Rankings updated")
        self.loaded.emit()


def _ranking_value(code: str, value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 60:.1f} 分" if code == "mean_wait" else f"{value * 100:.1f}%"


RECORD_HEADERS = (
    Bilingual("案件号", "Case no."),
    Bilingual("类别", "Category"),
    Bilingual("部门", "Department"),
    Bilingual("窗口", "Window"),
    Bilingual("评价", "Rating"),
    Bilingual("评价时间", "Rated at"),
)
PREVIEW_ROWS = 500


class RatingsTab(_PeriodTab):
    """好差评导出: the period's records previewed, and saved as CSV / XLSX / JSON."""

    def __init__(self, client: CityClient, today: date, parent: QWidget | None = None) -> None:
        super().__init__(client, today, parent)
        preview = _button("预览", "Preview")
        preview.clicked.connect(self.query)
        self.controls.addWidget(preview)
        self.controls.addStretch(1)
        self.format = QComboBox()
        for fmt in ("csv", "xlsx", "json"):
            self.format.addItem(fmt.upper(), fmt)
        self.controls.addWidget(self.format)
        export = _button("导出", "Export")
        export.clicked.connect(self.export)
        self.controls.addWidget(export)
        self.layout_.addWidget(self.message)
        self.table = TextTable(RECORD_HEADERS)
        self.layout_.addWidget(self.table, 1)

    def query(self) -> None:
        period = self.checked_period()
        if period is None:
            return
        run_in_background(lambda: self.client.ratings(*period), self.show_records, self._failed(Bilingual("预览", "The preview")))

    def show_records(self, records: list[dict[str, Any]]) -> None:
        def level(record: dict[str, Any]) -> str:
            name = record.get("level_name") or {}
            return f"{name.get('zh', '')} {name.get('en', '')}".strip() or str(record.get("level_code", ""))

        self.table.fill(
            [
                [r["case_no"], r["category"], r["department"], str(r.get("window") or ""), level(r), r["rated_at"]]
                for r in records[:PREVIEW_ROWS]
            ]
        )
        self.table.resizeColumnsToContents()
        shown = min(len(records), PREVIEW_ROWS)
        self.message.say(True, f"共 {len(records)} 条评价，显示 {shown} 条", f"{len(records)} ratings, {shown} shown")
        self.loaded.emit()

    def export(self) -> None:
        period = self.checked_period()
        if period is None:
            return
        fmt = str(self.format.currentData())
        suggested = f"hallq-city-ratings-{period[0].isoformat()}_{period[1].isoformat()}.{fmt}"
        self.save(lambda: self.client.ratings_file(*period, fmt), suggested)
