"""The manager console's reports page (统计报表): a period and a dimension in, the hall's figures out
as a key-figure strip, a table with the exports' columns (sorted by a click on a header, the total
row always last), QtCharts charts and the best / worst ranking (蜗牛奖), plus downloads of the
server's CSV / XLSX / PDF exports and the 好差评 records.

The figures are computed by the server (``GET /api/reports``); this page only asks and shows. It
owns the controls (period, dimension and filters), the key figures, the ranking, the queries and
the exports; the table is :mod:`manager.report_table`, the charts :mod:`manager.report_charts`.
The choices a person makes here that are not widgets — which dates 本周 or 上月 mean, which rows a
chart can show and how it labels them, how the table sorts, who is best and worst — are the plain
functions of :mod:`manager.report_rules`, tested without Qt.
Reports get their own server connection (their own background lane), so a slow yearly report
never delays the live snapshot of the console's other tabs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
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
    QVBoxLayout,
    QWidget,
)

from hall.reports import DIMENSION_NAMES, Dimension, Report, ReportFilter, rank_by_satisfaction
from hall.text import Bilingual
from manager.report_charts import ReportCharts
from manager.report_rules import (
    DIMENSION_CHOICES,
    KEY_FIGURES,
    PERIOD_NAMES,
    Period,
    ReportSet,
    best_and_worst,
    numbered_name,
    period_dates,
    ranking_dimension,
    row_numbers,
)
from manager.report_table import ReportSortModel, ReportTableModel
from manager.widgets import SavesDownloads
from server.client import ApiError
from ui import theme
from ui.connection import ServerConnection
from ui.text import Language


class ReportsView(QWidget, SavesDownloads):
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
        self.charts = ReportCharts(self.lang)
        split.addWidget(self.charts)
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
            self.charts.draw(None, self.dimension())

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
        self.charts.draw(reports, self.dimension())
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

