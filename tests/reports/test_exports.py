"""Report exports (server/exports): CSV and XLSX read back, PDFs rendered to pages and read as text.

The reports here are built by hand with round figures, so every expected cell is known without
running a query; ``hallq report`` end to end over a real SQLite hall is at the bottom.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hall.reports import Dimension, DurationStats, RatingRecord, Report, ReportFilter, ReportRequest, ReportRow
from hall.text import Bilingual, HallRuleError
from hall.tickets import Outcome, RatingLevel
from server.exports import export_ratings, export_report, monthly_dimensions, monthly_report_pdf
from server.exports.columns import FIGURE_COLUMNS

HALL_NAME = Bilingual("示范县政务服务中心", "Model County Service Centre")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def stats(
    count: int, mean_min: float | None, median_min: float | None = None, p90_min: float | None = None, max_min: float | None = None
) -> DurationStats:
    """Duration figures given in minutes (the stored unit is seconds)."""
    if count == 0 or mean_min is None:
        return DurationStats()
    median_min = mean_min * 0.75 if median_min is None else median_min
    p90_min = mean_min * 2 if p90_min is None else p90_min
    max_min = mean_min * 3 if max_min is None else max_min
    return DurationStats(count, mean_min * 60, median_min * 60, p90_min * 60, max_min * 60)


def make_row(
    key: str,
    label: Bilingual | None = None,
    *,
    issued: int | None = 0,
    served: int = 0,
    no_shows: int = 0,
    transfers: int = 0,
    wait: DurationStats | None = None,
    service: DurationStats | None = None,
    outcomes: dict[Outcome, int] | None = None,
    ratings: dict[RatingLevel, int] | None = None,
    default_ratings: int = 0,
    not_rated: int = 0,
    followups: tuple[int, int, int] = (0, 0, 0),
    pause_count: int = 0,
    pause_seconds: float = 0.0,
    ab_absences: int = 0,
) -> ReportRow:
    return ReportRow(
        key=key,
        label=label or Bilingual(key, key),
        issued=issued,
        served=served,
        no_shows=no_shows,
        transfers=transfers,
        wait=wait or DurationStats(),
        service=service or DurationStats(),
        outcomes=outcomes if outcomes is not None else {outcome: 0 for outcome in Outcome},
        ratings=ratings if ratings is not None else {level: 0 for level in RatingLevel},
        default_ratings=default_ratings,
        not_rated=not_rated,
        followups_on_time=followups[0],
        followups_overdue=followups[1],
        followups_open=followups[2],
        pause_count=pause_count,
        pause_seconds=pause_seconds,
        ab_absences=ab_absences,
    )


def ratings_of(very: int, satisfied: int, basic: int, dissatisfied: int = 0, very_dissatisfied: int = 0) -> dict[RatingLevel, int]:
    return {
        RatingLevel.VERY_SATISFIED: very,
        RatingLevel.SATISFIED: satisfied,
        RatingLevel.BASIC: basic,
        RatingLevel.DISSATISFIED: dissatisfied,
        RatingLevel.VERY_DISSATISFIED: very_dissatisfied,
    }


def outcomes_of(immediate: int, promised: int = 0, joint: int = 0, reported: int = 0, refused: int = 0) -> dict[Outcome, int]:
    return {
        Outcome.IMMEDIATE: immediate,
        Outcome.PROMISED: promised,
        Outcome.JOINT: joint,
        Outcome.REPORTED: reported,
        Outcome.REFUSED: refused,
    }


# The whole hall in November: these figures are the ones the tests look for in every format.
HALL_TOTAL = make_row(
    "total",
    Bilingual("合计", "total"),
    issued=2480,
    served=2310,
    no_shows=95,
    transfers=40,
    wait=stats(2405, 14.25, 9.5, 31.0, 88.4),
    service=stats(2310, 8.6, 7.0, 16.2, 55.0),
    outcomes=outcomes_of(1900, 300, 60, 20, 30),
    ratings=ratings_of(1200, 600, 150, 30, 10),
    default_ratings=120,
    not_rated=200,
    followups=(32, 5, 3),
    pause_count=140,
    pause_seconds=140 * 150.0,
    ab_absences=9,
)

CATEGORIES = [
    ("A", "投资建设项目", "investment projects"),
    ("B", "商事登记", "business registration"),
    ("C", "不动产登记", "real estate registration"),
    ("D", "社保服务", "social insurance"),
    ("E", "纳税服务", "tax services"),
    ("F", "住房公积金", "housing fund"),
    ("G", "户籍出入境", "household and exit-entry"),
]
CLERKS = [("1001", "王芳"), ("1002", "李强"), ("1003", "张敏"), ("1004", "刘洋"), ("1005", "陈静"), ("1006", "杨磊")]
DEPARTMENTS = [
    ("发改局", "development"),
    ("市场监管局", "market regulation"),
    ("自然资源局", "natural resources"),
    ("人社局", "human resources"),
]


def month_request(by: Dimension) -> ReportRequest:
    return ReportRequest(NOVEMBER[0], NOVEMBER[1], by)


def clerk_report() -> Report:
    """Six clerks with distinct satisfaction: 1003 best (100 %), 1005 worst (蜗牛奖), 1006 never rated."""
    rows = [
        make_row(
            "1001",
            Bilingual("王芳", "Wang Fang"),
            issued=None,
            served=412,
            no_shows=18,
            transfers=7,
            wait=stats(430, 12.34, 8.0, 27.5, 70.0),
            service=stats(412, 7.5),
            outcomes=outcomes_of(350, 40, 12, 5, 5),
            ratings=ratings_of(200, 100, 20, 4, 1),
            default_ratings=20,
            not_rated=67,
            followups=(4, 1, 0),
            pause_count=22,
            pause_seconds=22 * 130.0,
            ab_absences=1,
        ),
        make_row(
            "1002",
            Bilingual("李强", "Li Qiang"),
            issued=None,
            served=380,
            wait=stats(380, 15.0),
            service=stats(380, 9.0),
            ratings=ratings_of(150, 100, 40, 8, 2),
            followups=(9, 1, 0),
        ),
        make_row(
            "1003",
            Bilingual("张敏", "Zhang Min"),
            issued=None,
            served=350,
            wait=stats(350, 11.0),
            service=stats(350, 8.0),
            ratings=ratings_of(250, 50, 0),
        ),
        make_row(
            "1004",
            Bilingual("刘洋", "Liu Yang"),
            issued=None,
            served=300,
            wait=stats(300, 13.0),
            service=stats(300, 8.8),
            ratings=ratings_of(100, 120, 30, 5, 0),
            followups=(5, 0, 0),
        ),
        make_row(
            "1005",
            Bilingual("陈静", "Chen Jing"),
            issued=None,
            served=290,
            wait=stats(290, 21.0),
            service=stats(290, 10.5),
            ratings=ratings_of(60, 80, 40, 10, 7),
            followups=(12, 3, 2),
            ab_absences=5,
        ),
        make_row("1006", Bilingual("杨磊", "Yang Lei"), issued=None, served=0),
    ]
    total = make_row(
        "total",
        Bilingual("合计", "total"),
        issued=None,
        served=1732,
        wait=stats(1750, 14.2),
        service=stats(1732, 8.7),
        ratings=ratings_of(760, 450, 130, 27, 10),
        followups=(30, 5, 2),
        ab_absences=6,
    )
    return Report(month_request(Dimension.CLERK), rows, total)


def month_reports() -> dict[Dimension, Report]:
    """Every report the monthly PDF asks for, with varied but hand-set figures."""
    days = []
    for day in range(1, 31):
        weekday = date(2026, 11, day).isoweekday()
        issued = 0 if weekday == 7 else (40 if weekday == 6 else 90 + (day * 7) % 23)  # Sundays closed, Saturdays short
        days.append(
            make_row(
                f"2026-11-{day:02d}",
                issued=issued,
                served=max(0, issued - 6) if issued else 0,
                wait=stats(issued, 10 + day % 9 if issued else None),
                service=stats(issued, 8.0 if issued else None),
                ratings=ratings_of(issued // 2, issued // 4, issued // 10, day % 3, 0),
            )
        )
    hours = [
        make_row(f"{hour:02d}", issued=count, served=count)
        for hour, count in zip(range(8, 18), (60, 310, 420, 380, 120, 90, 330, 360, 290, 120), strict=True)
    ]
    categories = [
        make_row(
            key,
            Bilingual(zh, en),
            issued=150 + index * 70,
            served=140 + index * 65,
            wait=stats(140 + index * 65, 6.0 + index * 3.1),
            service=stats(140 + index * 65, 5.0 + index),
            ratings=ratings_of(80 + index * 20, 30, 10, index % 3, 0),
        )
        for index, (key, zh, en) in enumerate(CATEGORIES)
    ]
    windows = [
        make_row(
            str(number),
            Bilingual(f"{number}号窗口", f"window {number}"),
            issued=None,
            served=200 + number * 15,
            wait=stats(200, 10.0 + number),
            service=stats(200, 7.0 + number / 4),
            ratings=ratings_of(120 - number * 4, 50, 10 + number, number % 4, number % 2),
            pause_count=number * 2,
            pause_seconds=number * 2 * 100.0,
            ab_absences=number % 3,
        )
        for number in range(1, 13)
    ]
    departments = [
        make_row(
            name,
            Bilingual(name, en),
            issued=400 + index * 50,
            served=380 + index * 40,
            wait=stats(380, 12.0 + index),
            service=stats(380, 8.0),
            ratings=ratings_of(200, 100, 30 + index * 10, index, 0),
        )
        for index, (name, en) in enumerate(DEPARTMENTS)
    ]
    return {
        Dimension.HALL: Report(month_request(Dimension.HALL), [HALL_TOTAL], HALL_TOTAL),
        Dimension.DAY: Report(month_request(Dimension.DAY), days, HALL_TOTAL),
        Dimension.HOUR: Report(month_request(Dimension.HOUR), hours, HALL_TOTAL),
        Dimension.CATEGORY: Report(month_request(Dimension.CATEGORY), categories, HALL_TOTAL),
        Dimension.WINDOW: Report(month_request(Dimension.WINDOW), windows, HALL_TOTAL),
        Dimension.CLERK: clerk_report(),
        Dimension.DEPARTMENT: Report(month_request(Dimension.DEPARTMENT), departments, HALL_TOTAL),
    }


def rating_records() -> list[RatingRecord]:
    return [
        RatingRecord(
            case_no="20261117-A023",
            ticket_public_id="t-8f3k2",
            item_code="A01",
            category="A",
            department="住房和城乡建设局",
            window=2,
            clerk_staff_no="1002",
            clerk_name="李强",
            level=RatingLevel.VERY_SATISFIED,
            is_default=False,
            reasons=[],
            channel="pad",
            rated_at_iso="2026-11-17T10:12:30+08:00",
        ),
        RatingRecord(
            case_no="20261117-B007",
            ticket_public_id="t-x9q1m",
            item_code="B01",
            category="B",
            department="市场监督管理局",
            window=3,
            clerk_staff_no="1003",
            clerk_name="张敏",
            level=RatingLevel.DISSATISFIED,
            is_default=False,
            reasons=["slow", "unclear"],
            channel="pad",
            rated_at_iso="2026-11-17T11:02:05+08:00",
        ),
        RatingRecord(
            case_no="20261110-C031",
            ticket_public_id="t-77ab0",
            item_code="C02",
            category="C",
            department="不动产登记中心",
            window=5,
            clerk_staff_no="1005",
            clerk_name="陈静",
            level=RatingLevel.BASIC,
            is_default=True,
            reasons=[],
            channel="default",
            rated_at_iso="2026-11-17T00:00:00+08:00",
        ),
    ]


def header_index(headers: list[str], zh: str) -> int:
    """The position of the column whose bilingual header starts with ``zh``."""
    (index,) = [position for position, header in enumerate(headers) if header.split(" / ")[0] == zh]
    return index


# --- CSV -----------------------------------------------------------------------------------------


def test_report_csv_reads_back_with_bom_bilingual_headers_and_empty_nones() -> None:
    export = export_report(clerk_report(), "csv", HALL_NAME)
    assert export.filename == "hallq-report-clerk-2026-11-01_2026-11-30.csv"
    assert export.media_type == "text/csv; charset=utf-8"
    assert export.content.startswith(b"\xef\xbb\xbf"), "Excel in China needs the UTF-8 byte-order mark"
    headers, *lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert headers[:3] == ["编号 / key", "名称 / name", "英文名称 / name (English)"]
    assert headers[3:] == [column.title for column in FIGURE_COLUMNS]
    assert all(" / " in header for header in headers)
    assert [line[0] for line in lines] == ["1001", "1002", "1003", "1004", "1005", "1006", "total"]
    wang = dict(zip(headers, lines[0], strict=True))
    assert wang["名称 / name"] == "王芳" and wang["英文名称 / name (English)"] == "Wang Fang"
    assert wang["取号数 / issued"] == ""  # tickets are taken per category, not per clerk
    assert wang["办结数 / served"] == "412"
    assert wang["过号 / no-shows"] == "18" and wang["转移 / transfers"] == "7"
    assert wang["平均等候(分) / wait mean (min)"] == "12.3"
    assert wang["等候中位数(分) / wait median (min)"] == "8.0"
    assert wang["等候P90(分) / wait p90 (min)"] == "27.5"
    assert wang["最长等候(分) / wait max (min)"] == "70.0"
    assert wang["即办件 / done on the spot"] == "350" and wang["承诺件 / promised by a deadline"] == "40"
    assert wang["非常满意 / very satisfied"] == "200" and wang["非常不满意 / very dissatisfied"] == "1"
    assert wang["默认评价 / default ratings"] == "20" and wang["未评价 / not rated"] == "67"
    assert wang["满意率 / satisfaction rate"] == "98.5%"  # (200 + 100 + 20) / 325
    assert wang["评价率 / rating rate"] == "78.9%"  # 325 / 412
    assert wang["差评 / bad ratings"] == "5"
    assert (wang["整改按期 / follow-ups on time"], wang["整改逾期 / follow-ups overdue"], wang["整改未结 / follow-ups open"]) == (
        "4",
        "1",
        "0",
    )
    assert wang["暂停次数 / pauses"] == "22" and wang["暂停时长(分) / pause time (min)"] == "47.7"  # 22 × 130 s
    assert wang["AB岗超时离岗 / AB-post absences"] == "1"
    yang = dict(zip(headers, lines[5], strict=True))  # never served, never rated
    for empty in (
        "平均等候(分) / wait mean (min)",
        "办理P90(分) / service p90 (min)",
        "满意率 / satisfaction rate",
        "评价率 / rating rate",
    ):
        assert yang[empty] == "", empty
    assert yang["办结数 / served"] == "0" and yang["差评 / bad ratings"] == "0"
    total = dict(zip(headers, lines[-1], strict=True))
    assert total["名称 / name"] == "合计" and total["办结数 / served"] == "1732" and total["满意率 / satisfaction rate"] == "97.3%"
    assert "nan" not in export.content.decode("utf-8-sig").lower()


def test_ratings_csv_and_json_carry_the_platform_fields() -> None:
    records = rating_records()
    as_csv = export_ratings(records, "csv", HALL_NAME, *NOVEMBER)
    assert as_csv.filename == "hallq-ratings-2026-11-01_2026-11-30.csv" and as_csv.content.startswith(b"\xef\xbb\xbf")
    headers, *lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(lines) == 3
    second = dict(zip(headers, lines[1], strict=True))
    assert second["办件编号 / case no."] == "20261117-B007" and second["事项编码 / item code"] == "B01"
    assert second["部门 / department"] == "市场监督管理局" and second["窗口 / window"] == "3"
    assert second["工号 / staff no."] == "1003" and second["工作人员 / clerk"] == "张敏"
    assert second["评价等级 / level"] == "不满意" and second["等级代码 / level code"] == "dissatisfied" and second["分值 / score"] == "2"
    assert second["差评原因 / bad-rating reasons"] == "办理效率低；告知不清楚"
    assert second["默认评价 / default rating"] == "否" and second["评价渠道 / channel"] == "pad"
    assert second["评价时间 / rated at"] == "2026-11-17T11:02:05+08:00"
    assert dict(zip(headers, lines[2], strict=True))["默认评价 / default rating"] == "是"

    as_json = export_ratings(records, "json", HALL_NAME, *NOVEMBER)
    assert as_json.media_type == "application/json" and as_json.filename.endswith(".json")
    document = json.loads(as_json.content)
    assert document["hall"] == {"zh": "示范县政务服务中心", "en": "Model County Service Centre"}
    assert document["period"] == {"start": "2026-11-01", "end": "2026-11-30"} and document["count"] == 3
    first = document["records"][0]
    assert first["case_no"] == "20261117-A023" and first["ticket"] == "t-8f3k2" and first["window"] == 2
    assert first["level_code"] == "very_satisfied" and first["level_name"] == {"zh": "非常满意", "en": "very satisfied"}
    assert first["score"] == 5 and first["is_default"] is False and first["channel"] == "pad"
    assert document["records"][1]["reasons"] == ["slow", "unclear"]
    assert document["records"][2]["is_default"] is True and document["records"][2]["channel"] == "default"


def test_unknown_formats_are_refused_in_both_languages() -> None:
    with pytest.raises(HallRuleError) as caught:
        export_report(clerk_report(), "docx", HALL_NAME)  # type: ignore[arg-type]
    assert caught.value.code == "unknown_export_format" and "docx" in caught.value.message.zh and "docx" in caught.value.message.en
    with pytest.raises(HallRuleError):
        export_ratings(rating_records(), "pdf", HALL_NAME, *NOVEMBER)  # type: ignore[arg-type]


# --- XLSX ----------------------------------------------------------------------------------------


def test_report_xlsx_opens_again_with_values_formats_title_ranking_and_definitions() -> None:
    export = export_report(clerk_report(), "xlsx", HALL_NAME)
    assert export.filename == "hallq-report-clerk-2026-11-01_2026-11-30.xlsx"
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["报表 report", "排名 ranking", "口径说明 definitions"]
    sheet = workbook["报表 report"]
    title = str(sheet["A1"].value)
    assert "示范县政务服务中心" in title and "2026-11-01 至 2026-11-30" in title and "按工作人员" in title and "by clerk" in title
    assert sheet.freeze_panes == "D4"
    headers = [str(cell.value) for cell in sheet[3]]
    assert headers[:3] == ["编号 / key", "名称 / name", "英文名称 / name (English)"]
    assert headers[3:] == [column.title for column in FIGURE_COLUMNS]

    def cell(row: int, zh: str):  # type: ignore[no-untyped-def]
        return sheet.cell(row, header_index(headers, zh) + 1)

    assert [sheet.cell(row, 1).value for row in range(4, 11)] == ["1001", "1002", "1003", "1004", "1005", "1006", "total"]
    assert cell(4, "名称").value == "王芳"
    assert cell(4, "取号数").value is None
    assert cell(4, "办结数").value == 412 and cell(4, "办结数").number_format == "0"
    assert cell(4, "平均等候(分)").value == pytest.approx(12.34) and cell(4, "平均等候(分)").number_format == "0.0"
    assert cell(4, "最长等候(分)").value == pytest.approx(70.0)
    assert cell(4, "满意率").value == pytest.approx(320 / 325) and cell(4, "满意率").number_format == "0.0%"
    assert cell(4, "评价率").value == pytest.approx(325 / 412) and cell(4, "评价率").number_format == "0.0%"
    assert cell(4, "暂停时长(分)").value == pytest.approx(22 * 130 / 60)
    assert cell(4, "差评").value == 5 and cell(4, "整改逾期").value == 1 and cell(4, "AB岗超时离岗").value == 1
    assert cell(9, "满意率").value is None and cell(9, "平均等候(分)").value is None  # 1006: nothing to compute
    assert cell(10, "名称").value == "合计" and cell(10, "办结数").value == 1732 and cell(10, "办结数").font.bold
    assert sheet.column_dimensions["B"].width >= 16

    ranking = workbook["排名 ranking"]
    ranked = [[ranking.cell(row, column).value for column in range(1, 9)] for row in range(4, ranking.max_row + 1)]
    assert [line[1] for line in ranked] == ["1003", "1001", "1004", "1002", "1005"]  # 1006 has no ratings: not ranked
    assert ranked[0][0] == 1 and ranked[0][3] == pytest.approx(1.0) and ranked[0][7] == "最佳 / best"
    assert ranked[-1][2] == "陈静" and ranked[-1][7] == "蜗牛奖 / snail award"
    assert ranked[-1][3] == pytest.approx(180 / 197) and ranking.cell(8, 4).number_format == "0.0%"
    assert all(line[7] is None for line in ranked[1:-1])

    definitions = workbook["口径说明 definitions"]
    chinese = [definitions.cell(row, 1).value for row in range(2, definitions.max_row + 1)]
    english = [definitions.cell(row, 2).value for row in range(2, definitions.max_row + 1)]
    assert any(str(text).startswith("满意率 =（非常满意 + 满意 + 基本满意）") for text in chinese)
    assert any("citizen ratings / served" in str(text) for text in english)


def test_time_reports_have_no_ranking_sheet_and_ratings_xlsx_reads_back() -> None:
    workbook = load_workbook(io.BytesIO(export_report(month_reports()[Dimension.DAY], "xlsx", HALL_NAME).content))
    assert workbook.sheetnames == ["报表 report", "口径说明 definitions"]
    assert workbook["报表 report"].cell(4, 1).value == "2026-11-01" and workbook["报表 report"].cell(34, 1).value == "total"

    ratings = load_workbook(io.BytesIO(export_ratings(rating_records(), "xlsx", HALL_NAME, *NOVEMBER).content))["好差评 ratings"]
    assert "好差评记录" in str(ratings["A1"].value) and "3 records" in str(ratings["A2"].value)
    headers = [str(cell.value) for cell in ratings[3]]
    second = {header: ratings.cell(5, index + 1).value for index, header in enumerate(headers)}
    assert second["办件编号 / case no."] == "20261117-B007" and second["窗口 / window"] == 3 and second["分值 / score"] == 2
    assert second["评价等级 / level"] == "不满意" and second["默认评价 / default rating"] == "否"
    assert ratings.freeze_panes == "A4"


def test_every_definition_in_hall_reports_has_a_chinese_translation() -> None:
    from server.exports.definitions import DEFINITIONS_ZH, definition_terms, metric_definitions

    terms = definition_terms()
    assert len(terms) >= 8
    assert set(terms) == set(DEFINITIONS_ZH), "a definition was added to or renamed in hall/reports.py: translate it here"
    assert all(definition.zh != definition.en for definition in metric_definitions())


# --- PDF -----------------------------------------------------------------------------------------

pdf_tools = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_pages(pdf: bytes, folder: Path, dpi: int = 50) -> list[Path]:
    """Render every page to PNG with pdftoppm, as a person opening the file would see it."""
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(folder / "page")], check=True, timeout=120)
    return sorted(folder.glob("page-*.png"))


def pdf_text(pdf: bytes, folder: Path) -> list[str]:
    """The text of each page as pdftotext reads it (the embedded font maps back to Unicode)."""
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, timeout=120).stdout.decode("utf-8")
    return text.split("\f")[:-1]


@pdf_tools
def test_monthly_pdf_renders_pages_with_chinese_figures_rankings_and_page_numbers(tmp_path: Path) -> None:
    assert monthly_dimensions() == (
        Dimension.HALL,
        Dimension.DAY,
        Dimension.HOUR,
        Dimension.CATEGORY,
        Dimension.WINDOW,
        Dimension.CLERK,
        Dimension.DEPARTMENT,
    )
    export = monthly_report_pdf(HALL_NAME, 2026, 11, month_reports())
    assert export.filename == "hallq-monthly-2026-11.pdf" and export.media_type == "application/pdf"
    assert export.content.startswith(b"%PDF")
    pages = pdf_pages(export.content, tmp_path)
    # 1: title, key figures, daily and hourly charts; 2: category waits, rating levels, window ranking;
    # 3: clerk and department rankings; 4-7: the tables of categories, windows, clerks, departments (+ definitions).
    assert len(pages) == 7
    assert all(page.stat().st_size > 5_000 for page in pages)
    text = pdf_text(export.content, tmp_path)
    assert len(text) == 7
    first = text[0]
    assert "示范县政务服务中心 月度报告" in first and "2026年11月" in first and "November 2026" in first
    for figure in ("2480", "2310", "14.2 分钟", "9.5 分钟", "31.0 分钟", "98.0%", "86.1%", "32 / 5 / 3"):
        assert figure in first, figure
    assert "每日取号与办结" in first and "分时段取号" in first
    assert "分业务类别等候时间" in text[1] and "评价等级" in text[1]
    assert "分窗口满意度排名" in text[1] and "蜗牛奖" in text[1] and "11号窗口" in text[1]
    assert "1003 张敏" in text[2] and "1005 陈静" in text[2] and "分部门满意度排名" in text[2]
    assert "分业务类别 · 办件量" in text[3] and "G 户籍出入境" in text[3] and "合计" in text[3]
    assert "分工作人员 · 好差评" in text[5] and "98.5%" in text[5]
    assert "口径说明" in text[6] and "评价率 = 群众评价数 / 办结数" in text[6]
    for number, page in enumerate(text, start=1):
        assert f"第 {number} 页 / 共 7 页" in page
    assert "nan" not in "".join(text).lower()


@pdf_tools
def test_single_report_pdf_has_table_chart_and_ranking(tmp_path: Path) -> None:
    export = export_report(clerk_report(), "pdf", HALL_NAME)
    assert export.filename == "hallq-report-clerk-2026-11-01_2026-11-30.pdf"
    pages = pdf_pages(export.content, tmp_path)
    assert len(pages) == 3
    text = pdf_text(export.content, tmp_path)
    assert "示范县政务服务中心 统计报表" in text[0] and "按工作人员" in text[0] and "办件量" in text[0] and "等候时间" in text[0]
    tables = text[1]
    assert "1001 王芳" in tables and "412" in tables and "12.3" in tables and "78.9%" in tables
    assert "分工作人员满意度排名" in tables and "最佳 / best" in tables and "蜗牛奖 / snail award" in tables
    assert "第 3 页 / 共 3 页" in text[2]


def test_monthly_pdf_refuses_missing_or_mismatched_reports() -> None:
    reports = month_reports()
    del reports[Dimension.WINDOW]
    with pytest.raises(HallRuleError) as caught:
        monthly_report_pdf(HALL_NAME, 2026, 11, reports)
    assert caught.value.code == "monthly_report_incomplete" and "窗口" in caught.value.message.zh and "window" in caught.value.message.en
    reports = month_reports()
    october = ReportRequest(date(2026, 10, 1), date(2026, 10, 31), Dimension.CLERK)
    reports[Dimension.CLERK] = Report(october, clerk_report().rows, clerk_report().total)
    with pytest.raises(HallRuleError) as caught:
        monthly_report_pdf(HALL_NAME, 2026, 11, reports)
    assert caught.value.code == "monthly_report_mismatch"


def test_missing_cjk_font_is_a_clear_bilingual_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from server.exports import fonts

    monkeypatch.setattr(fonts, "_registered", None)
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (tmp_path / "msyh.ttc",))
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "none.ttf"))
    with pytest.raises(fonts.CjkFontMissingError) as caught:
        export_report(clerk_report(), "pdf", HALL_NAME)
    assert "fonts-wqy-microhei" in caught.value.message.zh and "fonts-wqy-microhei" in caught.value.message.en
    assert "找不到" in caught.value.message.zh and "no CJK TrueType font" in caught.value.message.en


def test_filtered_report_names_its_filter_in_the_title() -> None:
    request = ReportRequest(date(2026, 11, 1), date(2026, 11, 30), Dimension.DAY, ReportFilter(category="C"))
    report = Report(request, month_reports()[Dimension.DAY].rows, HALL_TOTAL)
    title = str(load_workbook(io.BytesIO(export_report(report, "xlsx", HALL_NAME).content))["报表 report"]["A1"].value)
    assert "按日" in title and "业务类别 C" in title and "category C" in title


# --- hallq report, end to end on a small SQLite hall ----------------------------------------------


@pytest.fixture(scope="module")
def served_hall(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A sample hall on 2026-11-17 (a Tuesday) where three citizens were served and rated:
    two A tickets at window 2 by clerk 1002 (非常满意, 满意), one B ticket at window 3 by 1003 (不满意)."""
    from dataclasses import replace

    from argon2 import PasswordHasher

    from hall.clock import FakeClock
    from hall.config import load_sample_hall
    from server.runner import prepare_hall
    from tests.support.halls import TUESDAY_10AM

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # the PIN parameters cost nothing here
    config = load_sample_hall()
    config = replace(config, clerks=tuple(replace(clerk, pin=None, pin_hash=cheap.hash(clerk.pin or "")) for clerk in config.clerks))
    url = f"sqlite:///{tmp_path_factory.mktemp('hall') / 'hall.db'}"
    clock = FakeClock(TUESDAY_10AM)
    hall = prepare_hall(url, config, clock, synchronous="NORMAL")
    store = hall.store

    def device(role: str, window: int | None = None):  # type: ignore[no-untyped-def]
        actor = store.authenticate(store.enroll_device(None, hall.hall_id, role, f"{role}-{window}", window)["token"])
        assert actor is not None
        return actor

    kiosk = device("kiosk")
    for window, series, item, levels in ((2, "A", "A01", ("very_satisfied", "satisfied")), (3, "B", "B01", ("dissatisfied",))):
        counter, pad = device("counter", window), device("pad", window)
        staff_no = str(1000 + window)
        clerk = store.authenticate(store.login(counter, staff_no, staff_no)["token"])
        for level in levels:
            store.issue_ticket(kiosk, series, items=[item])
            clock.advance(timedelta(minutes=6))
            store.call_next(clerk, window)
            store.start(clerk, window)
            clock.advance(timedelta(minutes=10))
            service_id = store.finish(clerk, window, "immediate")["service_id"]
            store.rate(pad, int(service_id), level, reasons=["slow"] if level == "dissatisfied" else None)
            clock.advance(timedelta(minutes=1))
        store.logout(clerk)
    hall.engines.dispose()
    return url


def run_report(*arguments: str) -> int:
    from hallq.cli import main

    return main(["report", *arguments])


def test_hallq_report_by_clerk_csv_and_xlsx(served_hall: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clerks.csv"
    assert (
        run_report(
            "--database", served_hall, "--from", "2026-11-17", "--to", "2026-11-17", "--by", "clerk", "--format", "csv", "--out", str(out)
        )
        == 0
    )
    assert "已写入 / written" in capsys.readouterr().out
    headers, *lines = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    rows = {line[0]: dict(zip(headers, line, strict=True)) for line in lines}
    assert rows["1002"]["办结数 / served"] == "2" and rows["1002"]["满意率 / satisfaction rate"] == "100.0%"
    assert rows["1002"]["非常满意 / very satisfied"] == "1" and rows["1002"]["满意 / satisfied"] == "1"
    assert rows["1002"]["平均办理(分) / service mean (min)"] == "10.0"
    assert (
        rows["1003"]["办结数 / served"] == "1"
        and rows["1003"]["差评 / bad ratings"] == "1"
        and rows["1003"]["满意率 / satisfaction rate"] == "0.0%"
    )
    assert rows["total"]["办结数 / served"] == "3" and rows["total"]["满意率 / satisfaction rate"] == "66.7%"
    assert rows["total"]["评价率 / rating rate"] == "100.0%"

    working_folder = tmp_path / "default-name"
    working_folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(working_folder)
        assert (
            run_report("--database", served_hall, "--from", "2026-11-17", "--to", "2026-11-17", "--by", "category", "--format", "xlsx") == 0
        )
    written = working_folder / "hallq-report-category-2026-11-17_2026-11-17.xlsx"
    sheet = load_workbook(written)["报表 report"]
    assert "示范县政务服务中心" in str(sheet["A1"].value)
    by_key = {sheet.cell(row, 1).value: row for row in range(4, sheet.max_row + 1)}
    assert sheet.cell(by_key["A"], 5).value == 2 and sheet.cell(by_key["B"], 5).value == 1  # 办结数, the 5th column


@pdf_tools
def test_hallq_report_monthly_pdf_and_ratings_json(served_hall: str, tmp_path: Path) -> None:
    pdf = tmp_path / "month.pdf"
    assert run_report("--database", served_hall, "--month", "2026-11", "--format", "pdf", "--out", str(pdf)) == 0
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert "示范县政务服务中心 月度报告" in text[0] and "2026年11月" in text[0]
    assert "1002" in "".join(text) and "蜗牛奖" in "".join(text)
    assert len(pdf_pages(pdf.read_bytes(), tmp_path)) == len(text)

    ratings = tmp_path / "ratings.json"
    assert (
        run_report(
            "--database", served_hall, "--ratings", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json", "--out", str(ratings)
        )
        == 0
    )
    document = json.loads(ratings.read_text(encoding="utf-8"))
    assert document["count"] == 3
    levels = sorted((record["clerk_staff_no"], record["level_code"]) for record in document["records"])
    assert levels == [("1002", "satisfied"), ("1002", "very_satisfied"), ("1003", "dissatisfied")]
    bad = next(record for record in document["records"] if record["level_code"] == "dissatisfied")
    assert bad["window"] == 3 and bad["item_code"] == "B01" and bad["reasons"] == ["slow"] and bad["case_no"].startswith("20261117-")


@pytest.mark.parametrize(
    ("arguments", "zh", "en"),
    [
        (("--from", "2026-11-31", "--to", "2026-12-01", "--format", "csv"), "无效", "not a date"),
        (("--from", "2026-11-30", "--to", "2026-11-01", "--format", "csv"), "晚于", "starts"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--by", "floor", "--format", "csv"), "未知的统计维度", "unknown dimension"),
        (("--to", "2026-11-30", "--format", "csv"), "--from", "--from"),
        (("--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"), "不能导出为", "cannot be written"),
        (("--ratings", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf"), "好差评记录", "rating records"),
        (("--month", "2026-13", "--format", "pdf"), "月份", "not a month"),
        (("--month", "2026-11", "--format", "xlsx"), "月度报告", "monthly report"),
        (("--month", "2026-11", "--from", "2026-11-01", "--format", "pdf"), "--month", "--month"),
    ],
)
def test_hallq_report_refuses_bad_arguments_in_both_languages(
    arguments: tuple[str, ...], zh: str, en: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "untouched.db"
    assert run_report("--database", f"sqlite:///{database}", *arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith("错误 / error: ") and zh in error and en in error
    assert not database.exists(), "bad arguments are refused before the database is opened"


def test_hallq_report_writes_to_standard_output(served_hall: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert (
        run_report("--database", served_hall, "--ratings", "--from", "2026-11-17", "--to", "2026-11-17", "--format", "csv", "--out", "-")
        == 0
    )
    written = capsysbinary.readouterr().out
    assert written.startswith(b"\xef\xbb\xbf")
    headers, *lines = list(csv.reader(io.StringIO(written.decode("utf-8-sig"))))
    assert headers[0] == "办件编号 / case no." and len(lines) == 3
