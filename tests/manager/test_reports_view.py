"""The manager's reports page against a real hall server: a period and a dimension show the right
rows, key figures and chart series; exports land in files that open; a server that goes away
gives a bilingual message and leaves the last figures on screen. The page's own choices (what
本周 or 上月 mean, who is best and worst) are checked first, without Qt."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt

from hall.reports import Dimension, DurationStats, Ranked, Report, ReportRequest, ReportRow
from hall.text import Bilingual
from hall.tickets import RatingLevel
from manager.app import create_window
from manager.reports_view import (
    DIMENSION_CHOICES,
    Period,
    ReportsView,
    best_and_worst,
    chart_rows,
    period_dates,
    ranking_dimension,
    row_name,
)
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
    assert page.served_set is not None and page.mean_wait_line is not None
    served = [page.served_set.at(i) for i in range(page.served_set.count())]
    assert served[keys.index("B")] == 2 and sum(served) == 2
    assert [(p.x(), round(p.y(), 2)) for p in page.mean_wait_line.points() if p.x() == keys.index("B")] == [(keys.index("B"), 9.5)]
    satisfied, dissatisfied = page.rating_sets[RatingLevel.SATISFIED], page.rating_sets[RatingLevel.DISSATISFIED]
    assert satisfied.at(keys.index("B")) == 1 and dissatisfied.at(keys.index("B")) == 1
    assert page.arrivals_set is not None
    hours = [row.key for row in page.reports.hours.rows] if page.reports else []
    arrivals = {hour: page.arrivals_set.at(i) for i, hour in enumerate(hours)}
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
