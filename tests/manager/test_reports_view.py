"""The manager's reports page against a real hall server: a period and a dimension show the right
rows, key figures and chart series; exports land in files that open; a server that goes away
gives a bilingual message and leaves the last figures on screen. The page's own choices (what
本周 or 上月 mean, who is best and worst) are checked first, without Qt."""

from __future__ import annotations

import csv
import functools
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QPoint, Qt

from hall.reports import Dimension, DurationStats, Ranked, Report, ReportRequest, ReportRow
from hall.text import Bilingual
from hall.tickets import RatingLevel
from manager.app import create_window
from manager.report_rules import (
    DIMENSION_CHOICES,
    Period,
    axis_label,
    best_and_worst,
    chart_rows,
    label_step,
    numbered_name,
    period_dates,
    ranking_dimension,
    row_name,
    row_numbers,
    sorts_before,
)
from manager.reports_view import ReportsView
from manager.window import ManagerWindow
from tests.counter.live import LiveHall, wait_for
from ui.connection import ServerConnection
from ui.text import Language

TUESDAY = date(2026, 11, 17)  # the live hall's business day


# ---------------------------------------------------------------------- the page's own rules


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        (Period.TODAY, TUESDAY, (TUESDAY, TUESDAY)),
        (Period.THIS_WEEK, TUESDAY, (date(2026, 11, 16), TUESDAY)),
        (Period.THIS_WEEK, date(2026, 11, 16), (date(2026, 11, 16), date(2026, 11, 16))),
        (Period.THIS_MONTH, TUESDAY, (date(2026, 11, 1), TUESDAY)),
        (Period.LAST_MONTH, TUESDAY, (date(2026, 10, 1), date(2026, 10, 31))),
        (Period.LAST_MONTH, date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 31))),
        (Period.LAST_MONTH, date(2028, 3, 31), (date(2028, 2, 1), date(2028, 2, 29))),
        (Period.THIS_YEAR, TUESDAY, (date(2026, 1, 1), TUESDAY)),
    ],
)
def test_period_presets(period: Period, today: date, expected: tuple[date, date]) -> None:
    assert period_dates(period, today) == expected


def test_custom_dates_are_put_in_order() -> None:
    assert period_dates(Period.CUSTOM, TUESDAY, (date(2026, 3, 9), date(2026, 3, 2))) == (date(2026, 3, 2), date(2026, 3, 9))


def ranked(count: int) -> list[Ranked]:
    return [Ranked(str(n), Bilingual(str(n), str(n)), 1 - n / 100, 10) for n in range(count)]


def test_best_and_worst_never_name_a_row_twice() -> None:
    assert best_and_worst([]) == ([], [])
    assert [r.key for side in best_and_worst(ranked(1)) for r in side] == ["0"]
    best, worst = best_and_worst(ranked(2))
    assert ([r.key for r in best], [r.key for r in worst]) == (["0"], ["1"])
    best, worst = best_and_worst(ranked(7))
    assert ([r.key for r in best], [r.key for r in worst]) == (["0", "1", "2"], ["6", "5", "4"])


def test_times_of_day_are_ranked_by_window_instead() -> None:
    assert ranking_dimension(Dimension.CLERK) is Dimension.CLERK
    assert ranking_dimension(Dimension.HOUR) is Dimension.WINDOW
    assert set(DIMENSION_CHOICES) == set(Dimension) - {Dimension.HALL}


def plain_row(key: str, served: int, zh: str = "", en: str = "") -> ReportRow:
    return ReportRow(key, Bilingual(zh, en), None, served, 0, 0, DurationStats(), DurationStats(), {}, {}, 0, 0, 0, 0, 0, 0, 0.0, 0)


def test_charts_keep_the_busiest_rows_in_report_order() -> None:
    rows = [plain_row(f"{day:02d}", served=day % 7) for day in range(1, 41)]
    report = Report(ReportRequest(TUESDAY, TUESDAY, Dimension.DAY), rows, plain_row("total", 0))
    shown, cut = chart_rows(report, limit=5)
    assert cut and [r.key for r in shown] == ["06", "13", "20", "27", "34"]
    assert chart_rows(report, limit=40) == (rows, False)


def test_row_names() -> None:
    zh, en = Language("zh"), Language("en")
    assert row_name(plain_row("B", 0, "商事登记", "Business Registration"), Dimension.CATEGORY, en) == "B Business Registration"
    assert row_name(plain_row("3", 0, "3号窗口", "Window 3"), Dimension.WINDOW, zh) == "3号窗口"
    assert row_name(plain_row("2", 0, "2", "2"), Dimension.WEEKDAY, zh) == "星期二"
    assert row_name(plain_row("09", 0, "09", "09"), Dimension.HOUR, en) == "09:00"
    assert row_name(plain_row("total", 0, "合计", "total"), Dimension.WINDOW, zh) == "合计"
    assert row_name(plain_row("", 0, "未选事项", "no item chosen"), Dimension.ITEM, en) == "no item chosen"


def test_chart_labels_are_short_and_the_long_names_are_numbered() -> None:
    zh, en = Language("zh"), Language("en")
    assert axis_label(plain_row("B", 0, "商事登记", "Business Registration"), Dimension.CATEGORY, en) == "B"
    assert axis_label(plain_row("2026-10-05", 0), Dimension.DAY, zh) == "10-05"
    assert axis_label(plain_row("2026-W43", 0), Dimension.WEEK, en) == "W43"
    assert axis_label(plain_row("2", 0), Dimension.WEEKDAY, zh) == "周二"
    assert axis_label(plain_row("2", 0), Dimension.WEEKDAY, en) == "Tue"
    assert axis_label(plain_row("", 0, "未选事项", "no item chosen"), Dimension.ITEM, en) == "—"
    departments = [plain_row("人力资源和社会保障局", 5, "人力资源和社会保障局"), plain_row("公安局", 3, "公安局")]
    report = Report(ReportRequest(TUESDAY, TUESDAY, Dimension.DEPARTMENT), departments, plain_row("total", 8))
    numbers = row_numbers(report)
    assert numbers == {"人力资源和社会保障局": 1, "公安局": 2}
    assert axis_label(departments[1], Dimension.DEPARTMENT, zh, numbers["公安局"]) == "2"
    assert numbered_name(departments[1], Dimension.DEPARTMENT, zh, numbers["公安局"]) == "2 公安局"
    assert row_numbers(Report(ReportRequest(TUESDAY, TUESDAY, Dimension.CATEGORY), [plain_row("A", 1)], plain_row("total", 1))) == {}


def test_labels_are_thinned_only_when_they_would_collide() -> None:
    assert label_step(widest=10, gap=6, bar_width=40) == 1
    assert label_step(widest=35, gap=6, bar_width=11) == 4  # 31 days in a narrow chart: every 4th day
    assert label_step(widest=35, gap=6, bar_width=0) == 41  # not laid out yet: one label, never a division by zero


def test_sorting_keeps_the_total_last_and_empty_figures_above_it() -> None:
    rows = [(False, 10.0), (False, None), (False, 2.0), (True, 12.0), (False, 3.0)]
    for ascending in (True, False):
        # Qt asks lessThan(b, a) to sort descending; sorting with that comparison gives what Qt shows
        def before(a: tuple[bool, float | None], b: tuple[bool, float | None], up: bool = ascending) -> bool:
            return sorts_before(a, b, up) if up else sorts_before(b, a, up)

        shown = sorted(rows, key=functools.cmp_to_key(lambda a, b: -1 if before(a, b) else 1 if before(b, a) else 0))
        figures = [2.0, 3.0, 10.0] if ascending else [10.0, 3.0, 2.0]
        assert shown == [(False, value) for value in figures] + [(False, None), (True, 12.0)]


# ---------------------------------------------------------------------- against the real server


def serve_two_b_tickets(live: LiveHall) -> None:
    """B001 waits 5 min and is served 10 min (满意); B002 waits 14 min, served 5 min (不满意)."""
    live.issue("B", advance=60)
    live.issue("B", advance=240)  # t = 300 s
    clerk, pad = live.clerk_client(3, "1003"), live.client("pad", 3)
    clerk.call_next(3)
    clerk.start(3)
    live.clock.advance(600)
    pad.rate(clerk.finish(3, "immediate")["service_id"], "satisfied")
    clerk.call_next(3)
    clerk.start(3)
    live.clock.advance(300)
    pad.rate(clerk.finish(3, "promised")["service_id"], "dissatisfied", reasons=["slow"])
    live.issue("A", advance=0)  # waiting still: issued, not served


def reports_page(qtbot: Any, live: LiveHall) -> ReportsView:
    manager = live.client("manager")
    page = ReportsView(ServerConnection(live.url, live.token("manager")))
    qtbot.addWidget(page)
    live.widgets.append(page)
    page.set_hall(manager.snapshot())
    page.resize(1500, 900)
    return page


def shown(qtbot: Any, page: ReportsView) -> None:
    with qtbot.waitSignal(page.report_shown, timeout=10_000):
        page.query()


def table(page: ReportsView) -> list[list[str]]:
    model = page.model
    return [[str(model.index(r, c).data() or "") for c in range(model.columnCount())] for r in range(model.rowCount())]


def header_columns(page: ReportsView) -> dict[str, int]:
    """Column index by the first line of its header (the page's language)."""
    model = page.model
    return {str(model.headerData(c, Qt.Orientation.Horizontal)).split("\n")[0]: c for c in range(model.columnCount())}


def test_today_by_category_shows_the_rows_figures_and_charts(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)
    page = reports_page(qtbot, live)
    page.choose(Period.TODAY, Dimension.CATEGORY)
    assert page.period() == (TUESDAY, TUESDAY)
    shown(qtbot, page)

    figures = page.key_figures()
    assert figures["取号"] == "3" and figures["办结"] == "2"
    assert figures["等候中位数(分)"] == "5.0" and figures["等候P90(分)"] == "14.0"
    assert (figures["满意率"], figures["评价率"], figures["差评"], figures["整改逾期"]) == ("50.0%", "100.0%", "1", "0")

    rows = {line[0]: line for line in table(page)}
    b, total = rows["B 商事登记"], rows["合计"]
    at = header_columns(page)
    assert (b[at["取号数"]], b[at["办结数"]], b[at["平均等候(分)"]], b[at["等候中位数(分)"]]) == ("2", "2", "9.5", "5.0")
    assert (b[at["满意率"]], b[at["评价率"]], b[at["即办件"]], b[at["承诺件"]]) == ("50.0%", "100.0%", "1", "1")
    assert rows["A 投资建设项目"][at["平均等候(分)"]] == ""  # nobody waited to the end yet: empty, not 0
    assert total[at["办结数"]] == "2"

    # the charts carry the same figures, one bar per row of the report
    report = page.reports.main if page.reports else None
    assert report is not None
    keys = [row.key for row in report.rows]
    assert page.charts.served_set is not None and page.charts.mean_wait_line is not None
    served = [page.charts.served_set.at(i) for i in range(page.charts.served_set.count())]
    assert served[keys.index("B")] == 2 and sum(served) == 2
    assert [(p.x(), round(p.y(), 2)) for p in page.charts.mean_wait_line.points() if p.x() == keys.index("B")] == [(keys.index("B"), 9.5)]
    satisfied, dissatisfied = page.charts.rating_sets[RatingLevel.SATISFIED], page.charts.rating_sets[RatingLevel.DISSATISFIED]
    assert satisfied.at(keys.index("B")) == 1 and dissatisfied.at(keys.index("B")) == 1
    assert page.charts.arrivals_set is not None
    hours = [row.key for row in page.reports.hours.rows] if page.reports else []
    arrivals = {hour: page.charts.arrivals_set.at(i) for i, hour in enumerate(hours)}
    assert arrivals.get("10") == 3 and sum(arrivals.values()) == 3  # all three taken between 10:00 and 11:00

    # the ranking names the clerk-free dimension's rows: B is the only category with ratings
    assert page.best_list.count() == 1 and page.best_list.item(0).text().startswith("B 商事登记")


def test_a_window_filter_and_the_clerk_dimension(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)
    page = reports_page(qtbot, live)
    page.choose(Period.THIS_WEEK, Dimension.CLERK, window=3)
    assert page.report_filter().window == 3
    shown(qtbot, page)
    at = header_columns(page)
    served = [(line[0], line[at["办结数"]]) for line in table(page) if line[0] != "合计" and line[at["办结数"]] not in ("", "0")]
    assert len(served) == 1 and served[0][0].startswith("1003") and served[0][1] == "2"
    page.toggle_language()
    assert table(page)[-1][0] == "total"
    assert page.key_figures()["办结"] == "2"


def save_through_dialog(qtbot: Any, page: ReportsView, which: str, path: Path) -> None:
    page.export(which)
    dialog = page.save_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(page.file_saved, timeout=15_000) as saved:
        dialog.selectFile(str(path))
        dialog.accept()
    assert saved.args == [str(path)]


def test_exports_write_files_that_open(qtbot: Any, live: LiveHall, tmp_path: Path) -> None:
    serve_two_b_tickets(live)
    page = reports_page(qtbot, live)
    page.choose(Period.TODAY, Dimension.WINDOW)

    save_through_dialog(qtbot, page, "xlsx", tmp_path / "按窗口.xlsx")
    book = openpyxl.load_workbook(tmp_path / "按窗口.xlsx")
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows(values_only=True) for cell in line]
    assert 2 in cells

    save_through_dialog(qtbot, page, "ratings", tmp_path / "ratings.csv")
    lines = list(csv.reader(io.StringIO((tmp_path / "ratings.csv").read_text(encoding="utf-8-sig"))))
    assert len(lines) == 3  # a header and the two ratings

    save_through_dialog(qtbot, page, "monthly", tmp_path / "monthly.pdf")
    assert (tmp_path / "monthly.pdf").read_bytes().startswith(b"%PDF")


def test_server_down_says_so_in_both_languages_and_keeps_the_figures(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)
    page = reports_page(qtbot, live)
    page.choose(Period.TODAY, Dimension.CATEGORY)
    shown(qtbot, page)
    before = (page.key_figures(), table(page))
    live.server.stop()
    with qtbot.waitSignal(page.query_failed, timeout=15_000) as failed:
        page.query()
    assert failed.args == ["offline"]
    assert "无法连接服务器" in page.message.text() and "cannot reach the hall server" in page.message.text()
    assert (page.key_figures(), table(page)) == before
    assert page.query_button.isEnabled()


def test_the_console_has_a_reports_tab(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    assert window.reports_page.today == TUESDAY
    with qtbot.waitSignal(window.reports_page.report_shown, timeout=10_000):
        window.tabs.setCurrentWidget(window.reports_page)
    assert window.reports_page.period() == (date(2026, 11, 1), TUESDAY)  # 本月 by category on first visit
    page = window.reports_page
    assert page.key_figures()["办结"] == "2"
    controls = (page.period_box, page.start_edit, page.end_edit, page.dimension_box, page.category_box, page.window_box, page.query_button)
    assert all(control.isVisibleTo(window) for control in controls)
    assert [page.category_box.itemData(i) for i in range(page.category_box.count())][:3] == [None, "A", "B"]


def shown_column(page: ReportsView, column: int) -> list[tuple[str, str]]:
    """(name, figure) per row in the order the table shows them, after any sorting."""
    model = page.table.model()
    return [(str(model.index(r, 0).data()), str(model.index(r, column).data() or "")) for r in range(model.rowCount())]


def click_header(qtbot: Any, page: ReportsView, column: int) -> None:
    header = page.table.horizontalHeader()
    page.table.scrollTo(page.table.model().index(0, column))
    middle = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)


def test_a_header_click_sorts_numbers_as_numbers_and_keeps_the_total_last(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)  # B: 2 tickets, A: 1
    for _ in range(9):
        live.issue("A", advance=10)  # A: 10 tickets, so sorting "10" and "2" as text would put B above A
    page = reports_page(qtbot, live)
    page.show()
    qtbot.waitExposed(page)
    page.choose(Period.TODAY, Dimension.CATEGORY)
    shown(qtbot, page)
    issued = header_columns(page)["取号数"]
    report_order = shown_column(page, 0)

    click_header(qtbot, page, issued)
    header = page.table.horizontalHeader()
    assert header.sortIndicatorSection() == issued
    first = header.sortIndicatorOrder()
    click_header(qtbot, page, issued)
    assert header.sortIndicatorOrder() != first
    for _ in range(2):  # both orders
        rows = shown_column(page, issued)
        assert rows[-1][0] == "合计" and rows[-1][1] == "12"
        figures = [int(figure) for _name, figure in rows[:-1]]
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        assert figures == sorted(figures, reverse=descending)
        if descending:
            assert [name for name, _figure in rows[:2]] == ["A 投资建设项目", "B 商事登记"]
        click_header(qtbot, page, issued)

    # a figure some rows lack (nobody finished waiting in A yet): empty cells gather above the total
    wait_mean = header_columns(page)["平均等候(分)"]
    page.table.sortByColumn(wait_mean, Qt.SortOrder.AscendingOrder)
    rows = shown_column(page, wait_mean)
    assert rows[0] == ("B 商事登记", "9.5") and rows[-1][0] == "合计"
    assert all(figure == "" for _name, figure in rows[1:-1])

    # the name column gives the report's own order back, and a new report keeps the chosen sort
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert shown_column(page, 0) == report_order
    page.table.sortByColumn(issued, Qt.SortOrder.DescendingOrder)
    shown(qtbot, page)
    assert shown_column(page, issued)[0][0] == "A 投资建设项目" and shown_column(page, issued)[-1][0] == "合计"


def test_chart_bars_name_their_row_in_full(qtbot: Any, live: LiveHall) -> None:
    serve_two_b_tickets(live)
    page = reports_page(qtbot, live)
    page.choose(Period.TODAY, Dimension.CATEGORY)
    shown(qtbot, page)
    assert page.reports is not None and page.charts.served_set is not None
    frame = page.charts.volume_frame
    b = [row.key for row in page.reports.main.rows].index("B")
    assert frame.labels[b] == "B"
    bars = frame.chart.series()[0]
    bars.hovered.emit(True, b, page.charts.served_set)
    assert frame.tip == "B 商事登记\n办结: 2"
    assert "非常不满意" in page.charts.rating_frame.legend.text() and "基本满意" in page.charts.rating_frame.legend.text()
    page.toggle_language()
    assert "very&nbsp;dissatisfied" in page.charts.rating_frame.legend.text()  # each entry whole, never elided
