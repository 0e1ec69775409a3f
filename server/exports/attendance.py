"""The 考勤 report as CSV, XLSX or PDF: one row per clerk and day, the columns of
:data:`hall.attendance.ATTENDANCE_COLUMNS`, the same cells in every format.

Headers are bilingual; a cell whose Chinese and English differ (status, pause reasons, lunch,
A/B cover) carries both, Chinese first. Plain functions from rows to bytes, like the other exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, tzinfo
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from hall.attendance import ATTENDANCE_COLUMNS, AttendanceDay, attendance_cells
from hall.text import Bilingual, HallRuleError
from server.exports.common import MEDIA_TYPES, ExportFile, period_text
from server.exports.fonts import cjk_font
from server.exports.pdf import CONTENT_WIDTH, HEADER_BACKGROUND, STRIPE_BACKGROUND, Styles, _bilingual_paragraph, _build, _escape
from server.exports.tabular import _generated_note, _header_row, _title_rows

AttendanceFormat = Literal["csv", "xlsx", "pdf"]

SHEET = "考勤 attendance"
FIRST_DATA_ROW = 4  # below the title, the note and the header (server.exports.tabular's layout)
# Column widths: XLSX in characters, PDF as shares of the page (the text columns get the room).
XLSX_WIDTHS = (11, 9, 9, 10, 8, 9, 9, 9, 7, 9, 26, 9, 24, 40)
PDF_SHARES = (6.5, 4.5, 5, 5.5, 4, 5, 5, 6.2, 4.5, 6.2, 11, 8, 11.5, 13.3)  # the "(分钟)" headers fit on one line


def attendance_title(hall_name: Bilingual, start: date, end: date) -> Bilingual:
    period = period_text(start, end)
    return Bilingual(f"{hall_name.zh} 考勤报表 {period.zh}", f"{hall_name.en or hall_name.zh} attendance {period.en}")


def attendance_filename(start: date, end: date, fmt: str) -> str:
    return f"hallq-attendance-{start.isoformat()}_{end.isoformat()}.{fmt}"


def _both(cell: Bilingual) -> str:
    return cell.zh if cell.zh == cell.en else f"{cell.zh} / {cell.en}"


def attendance_csv(rows: Sequence[AttendanceDay], zone: tzinfo) -> bytes:
    """UTF-8 with a byte-order mark, so Excel in a Chinese locale reads it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column) for column in ATTENDANCE_COLUMNS])
    for row in rows:
        writer.writerow([_both(cell) for cell in attendance_cells(row, zone)])
    return buffer.getvalue().encode("utf-8-sig")


def attendance_xlsx(rows: Sequence[AttendanceDay], zone: tzinfo, hall_name: Bilingual, start: date, end: date) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its first sheet
    sheet.title = SHEET
    _title_rows(sheet, attendance_title(hall_name, start, end), _generated_note(), len(ATTENDANCE_COLUMNS))
    _header_row(sheet, [str(column) for column in ATTENDANCE_COLUMNS], XLSX_WIDTHS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(rows):
        for index, cell in enumerate(attendance_cells(row, zone), start=1):
            sheet.cell(FIRST_DATA_ROW + offset, index, _both(cell)).alignment = wrap
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 4)  # header, day, staff number and name stay in view
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attendance_pdf(rows: Sequence[AttendanceDay], zone: tzinfo, hall_name: Bilingual, start: date, end: date) -> bytes:
    font = cjk_font()
    styles = Styles.make(font)
    title = attendance_title(hall_name, start, end)
    header = [_bilingual_paragraph(column, styles.header) for column in ATTENDANCE_COLUMNS]
    body = [[_bilingual_paragraph(cell, styles.cell) for cell in attendance_cells(row, zone)] for row in rows]
    if not body:
        empty = Bilingual("本期间没有签到或缺勤记录", "no sign-ins or absences in this period")
        body = [[_bilingual_paragraph(empty, styles.cell), *([""] * (len(ATTENDANCE_COLUMNS) - 1))]]
    scale = CONTENT_WIDTH / sum(PDF_SHARES)
    table = Table([header, *body], colWidths=[share * scale for share in PDF_SHARES], repeatRows=1)
    commands: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, "#C5CED6"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    commands += [("BACKGROUND", (0, line), (-1, line), STRIPE_BACKGROUND) for line in range(2, len(body) + 1, 2)]
    table.setStyle(TableStyle(commands))
    story: list[Flowable] = [
        Paragraph(_escape(title.zh), styles.title),
        Paragraph(_escape(title.en), styles.subtitle),
        Spacer(1, 6),
        table,
        Spacer(1, 6),
        _bilingual_paragraph(
            Bilingual(
                "在岗 = 各次登录时段之和；实际工作 = 在岗减去暂停；午休按本人午休时段，未设的按大厅午间时段；"
                "AB岗顶岗 = A岗交接给B岗后由B岗人员顶岗的时段。",
                "Signed in = the union of the day's logins; worked = signed in less pauses; lunch is the clerk's own turn, "
                "else the hall's lunch hours; A/B cover = the span the B post held the window after the A post handed it over.",
            ),
            styles.note,
        ),
    ]
    return _build(story, f"{title.zh} / {title.en}", font, title.en)


def export_attendance(rows: Sequence[AttendanceDay], zone: tzinfo, fmt: str, hall_name: Bilingual, start: date, end: date) -> ExportFile:
    if fmt == "csv":
        content = attendance_csv(rows, zone)
    elif fmt == "xlsx":
        content = attendance_xlsx(rows, zone, hall_name, start, end)
    elif fmt == "pdf":
        content = attendance_pdf(rows, zone, hall_name, start, end)
    else:
        raise HallRuleError(
            "unknown_export_format",
            f"不支持的导出格式“{fmt}”，可选：csv, xlsx, pdf",
            f"unknown export format '{fmt}'; use one of: csv, xlsx, pdf",
            422,
        )
    return ExportFile(attendance_filename(start, end, fmt), MEDIA_TYPES[fmt], content)
