"""Reports and 好差评 records as CSV and XLSX (and the records as JSON for a provincial platform).

CSV is UTF-8 with a byte-order mark: Excel in a Chinese locale otherwise reads it as GBK and shows
garbage. It holds only the header row and the rows, so any program can read it back. The XLSX
carries what a person needs on paper: a title with hall, period and dimension, number formats,
a frozen header, the definitions and, for units and people, the ranking with its 蜗牛奖.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hall.reports import RatingRecord, Report, ReportRow
from hall.text import Bilingual
from hall.tickets import BAD_RATING_REASONS, RATING_NAMES
from server.exports.columns import FIGURE_COLUMNS, KEY_HEADER, NAME_EN_HEADER, NAME_HEADER, TOTAL_LABEL, Kind, format_figure
from server.exports.common import ranking_mark, ranking_of, report_title
from server.exports.definitions import metric_definitions

NUMBER_FORMATS = {Kind.COUNT: "0", Kind.MINUTES: "0.0", Kind.PERCENT: "0.0%"}

# Excel forbids "/" (and \ ? * [ ] :) in sheet names, so the sheets say "中文 English".
REPORT_SHEET = "报表 report"
RANKING_SHEET = "排名 ranking"
DEFINITIONS_SHEET = "口径说明 definitions"
RATINGS_SHEET = "好差评 ratings"

TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1

_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
_TOTAL_BORDER = Border(top=Side(style="thin"))


def _row_cells(row: ReportRow, total: bool) -> list[str]:
    if total:
        return [row.key, TOTAL_LABEL.zh, TOTAL_LABEL.en]
    return [row.key, row.label.zh, row.label.en]


def _table_headers() -> list[str]:
    return [str(KEY_HEADER), str(NAME_HEADER), str(NAME_EN_HEADER), *(column.title for column in FIGURE_COLUMNS)]


def report_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_table_headers())
    for row, total in [*((row, False) for row in report.rows), (report.total, True)]:
        writer.writerow([*_row_cells(row, total), *(format_figure(column.kind, column.value(row)) for column in FIGURE_COLUMNS)])
    return buffer.getvalue().encode("utf-8-sig")


def _title_rows(sheet: Worksheet, title: Bilingual, note: str, width: int) -> None:
    sheet.cell(TITLE_ROW, 1, f"{title.zh} / {title.en}").font = _TITLE_FONT
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=max(width, 1))
    sheet.cell(NOTE_ROW, 1, note)
    sheet.row_dimensions[TITLE_ROW].height = 22


def _header_row(sheet: Worksheet, headers: Sequence[str], widths: Sequence[float]) -> None:
    for index, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(HEADER_ROW, index, header)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 48


def _generated_note() -> str:
    return f"生成时间 / generated: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M')}"


def _write_report_sheet(sheet: Worksheet, report: Report, hall_name: Bilingual) -> None:
    headers = _table_headers()
    _title_rows(sheet, report_title(hall_name, report), _generated_note(), len(headers))
    _header_row(sheet, headers, [12, 20, 20, *([12] * len(FIGURE_COLUMNS))])
    lines = [*((row, False) for row in report.rows), (report.total, True)]
    for offset, (row, total) in enumerate(lines):
        excel_row = FIRST_DATA_ROW + offset
        for index, text in enumerate(_row_cells(row, total), start=1):
            sheet.cell(excel_row, index, text)
        for index, column in enumerate(FIGURE_COLUMNS, start=4):
            value = column.value(row)
            cell = sheet.cell(excel_row, index, value)  # None leaves the cell empty
            cell.number_format = NUMBER_FORMATS[column.kind]
        if total:
            for index in range(1, len(headers) + 1):
                cell = sheet.cell(excel_row, index)
                cell.font, cell.border = _BOLD, _TOTAL_BORDER
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 4)  # header and key/name columns stay in view


def _write_ranking_sheet(sheet: Worksheet, report: Report, hall_name: Bilingual) -> None:
    ranking = ranking_of(report) or []
    rows_by_key = {row.key: row for row in report.rows}
    headers = [
        str(Bilingual("名次", "rank")),
        str(KEY_HEADER),
        str(NAME_HEADER),
        str(Bilingual("满意率", "satisfaction rate")),
        str(Bilingual("平均分", "mean score")),
        str(Bilingual("评价数", "ratings")),
        str(Bilingual("办结数", "served")),
        str(Bilingual("备注", "note")),
    ]
    title = report_title(hall_name, report)
    _title_rows(
        sheet,
        Bilingual(f"{title.zh} 满意度排名", f"{title.en}, satisfaction ranking"),
        "按满意率从高到低，满意率相同按平均分；无群众评价的不参加排名 / best first by satisfaction rate, then mean score; "
        "rows without citizen ratings are not ranked",
        len(headers),
    )
    _header_row(sheet, headers, [10, 12, 24, 14, 12, 12, 12, 20])
    for position, ranked in enumerate(ranking):
        excel_row = FIRST_DATA_ROW + position
        row = rows_by_key[ranked.key]
        mark = ranking_mark(position, len(ranking))
        values: list[object] = [
            position + 1,
            ranked.key,
            ranked.label.zh,
            ranked.value,
            row.mean_score,
            row.rated,
            ranked.served,
            str(mark) if mark else None,
        ]
        for index, value in enumerate(values, start=1):
            sheet.cell(excel_row, index, value)  # type: ignore[arg-type]
        sheet.cell(excel_row, 4).number_format = "0.0%"
        sheet.cell(excel_row, 5).number_format = "0.00"
        if mark is not None:
            sheet.cell(excel_row, 8).font = _BOLD
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 1)


def _write_definitions_sheet(sheet: Worksheet) -> None:
    sheet.cell(1, 1, "中文 / Chinese").font = _BOLD
    sheet.cell(1, 2, "英文 / English").font = _BOLD
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 90
    for offset, definition in enumerate(metric_definitions(), start=2):
        for index, text in enumerate((definition.zh, definition.en), start=1):
            sheet.cell(offset, index, text).alignment = Alignment(wrap_text=True, vertical="top")


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_xlsx(report: Report, hall_name: Bilingual) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new Workbook always has its first sheet
    sheet.title = REPORT_SHEET
    _write_report_sheet(sheet, report, hall_name)
    if ranking_of(report) is not None:
        _write_ranking_sheet(workbook.create_sheet(RANKING_SHEET), report, hall_name)
    _write_definitions_sheet(workbook.create_sheet(DEFINITIONS_SHEET))
    return _workbook_bytes(workbook)


# --- 好差评 records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordField:
    name: str  # the JSON key
    header: Bilingual
    value: Callable[[RatingRecord], str | int | bool]
    width: float


def _reasons_zh(record: RatingRecord) -> str:
    return "；".join(BAD_RATING_REASONS[reason].zh if reason in BAD_RATING_REASONS else reason for reason in record.reasons)


RECORD_FIELDS: tuple[RecordField, ...] = (
    RecordField("case_no", Bilingual("办件编号", "case no."), lambda record: record.case_no, 18),
    RecordField("ticket", Bilingual("号票", "ticket"), lambda record: record.ticket_public_id, 16),
    RecordField("item_code", Bilingual("事项编码", "item code"), lambda record: record.item_code, 14),
    RecordField("category", Bilingual("业务类别", "category"), lambda record: record.category, 10),
    RecordField("department", Bilingual("部门", "department"), lambda record: record.department, 18),
    RecordField("window", Bilingual("窗口", "window"), lambda record: record.window, 8),
    RecordField("clerk_staff_no", Bilingual("工号", "staff no."), lambda record: record.clerk_staff_no, 10),
    RecordField("clerk_name", Bilingual("工作人员", "clerk"), lambda record: record.clerk_name, 12),
    RecordField("level", Bilingual("评价等级", "level"), lambda record: RATING_NAMES[record.level].zh, 12),
    RecordField("level_code", Bilingual("等级代码", "level code"), lambda record: record.level.value, 18),
    RecordField("score", Bilingual("分值", "score"), lambda record: record.level.score, 8),
    RecordField("is_default", Bilingual("默认评价", "default rating"), lambda record: record.is_default, 10),
    RecordField("reasons", Bilingual("差评原因", "bad-rating reasons"), _reasons_zh, 24),
    RecordField("channel", Bilingual("评价渠道", "channel"), lambda record: record.channel, 10),
    RecordField("rated_at", Bilingual("评价时间", "rated at"), lambda record: record.rated_at_iso, 26),
)


def _record_text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def ratings_csv(records: Sequence[RatingRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(field.header) for field in RECORD_FIELDS])
    for record in records:
        writer.writerow([_record_text(field.value(record)) for field in RECORD_FIELDS])
    return buffer.getvalue().encode("utf-8-sig")


def ratings_xlsx(records: Sequence[RatingRecord], hall_name: Bilingual, period: Bilingual) -> bytes:
    """A month of a busy hall is tens of thousands of records: the sheet is streamed (openpyxl's
    write-only mode), which is several times faster than building every cell in memory first."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(RATINGS_SHEET)
    for index, field in enumerate(RECORD_FIELDS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = field.width
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    title = WriteOnlyCell(sheet, f"{hall_name.zh} 好差评记录 {period.zh} / {hall_name.en} ratings, {period.en}")
    title.font = _TITLE_FONT
    sheet.append([title])
    sheet.append([f"{_generated_note()}；共 {len(records)} 条 / {len(records)} records"])
    headers = []
    for field in RECORD_FIELDS:
        cell = WriteOnlyCell(sheet, str(field.header))
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _HEADER_ALIGNMENT
        headers.append(cell)
    sheet.append(headers)
    for record in records:
        sheet.append(
            [_record_text(value) if isinstance(value, bool) else value for value in (field.value(record) for field in RECORD_FIELDS)]
        )
    return _workbook_bytes(workbook)


def ratings_json(records: Sequence[RatingRecord], hall_name: Bilingual, start: date, end: date) -> bytes:
    """The records as the provincial platforms take them: plain fields, codes plus Chinese names, no rater data."""
    document = {
        "hall": hall_name.as_dict(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "count": len(records),
        "records": [
            {
                **{field.name: field.value(record) for field in RECORD_FIELDS if field.name not in ("level", "reasons")},
                "level_name": RATING_NAMES[record.level].as_dict(),
                "reasons": list(record.reasons),
            }
            for record in records
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
