"""What goes on a printed slip, as plain data: the queue ticket and the promise notice (承诺件告知单).

A layout is a tuple of blocks (text lines with alignment, size and weight; separators; a QR code;
blank space) already wrapped to the paper's column grid, so the two renderers (ESC/POS text and
raster image) only draw and never decide. Everything here is pure and deterministic: the same slip
gives the same layout, which the golden-byte tests rely on.

Sizes are multiples of the printer's base character cell (12 x 24 dots half width, 24 x 24 full
width): NORMAL x1, DOUBLE x2, BIG x4 (the ticket number). A line at size x k holds
``columns // k`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from hardware.printer.columns import printable, text_columns, truncate_columns, wrap_columns

Language = Literal["zh", "en"]

COLUMNS_80MM = 48
COLUMNS_58MM = 32
QR_MODULE_DOTS = 6
MAX_MATERIALS_ON_TICKET = 6
MAX_LINES_PER_MATERIAL = 2
MAX_ITEM_LINES = 3


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Size(StrEnum):
    NORMAL = "normal"
    DOUBLE = "double"
    BIG = "big"

    @property
    def scale(self) -> int:
        return {"normal": 1, "double": 2, "big": 4}[self.value]


@dataclass(frozen=True)
class TextLine:
    """One printed line; its text already fits the line at its size."""

    text: str
    align: Align = Align.LEFT
    size: Size = Size.NORMAL
    bold: bool = False


@dataclass(frozen=True)
class Separator:
    """A rule across the paper."""


@dataclass(frozen=True)
class QrBlock:
    """A QR code, centred. ``module_dots`` is the side of one module in printer dots."""

    data: str
    module_dots: int = QR_MODULE_DOTS


@dataclass(frozen=True)
class Gap:
    """Blank space of ``lines`` normal text lines."""

    lines: int = 1


Block = TextLine | Separator | QrBlock | Gap


@dataclass(frozen=True)
class SlipLayout:
    """A slip ready to render. ``kind`` and ``label`` name it (preview file names, logs)."""

    kind: str
    label: str
    columns: int
    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        for block in self.blocks:
            if isinstance(block, TextLine) and text_columns(block.text) * block.size.scale > self.columns:
                raise ValueError(f"line wider than {self.columns} columns: {block.text!r}")

    def text_lines(self) -> list[TextLine]:
        return [block for block in self.blocks if isinstance(block, TextLine)]


@dataclass(frozen=True)
class TicketSlip:
    """The queue ticket a kiosk prints after the server has issued the number."""

    hall_name: str
    category_name: str
    number: str
    people_ahead: int
    estimated_wait_minutes: int | None
    issued_at: datetime              # hall-local time
    status_url: str                  # the phone status page, as a QR code
    materials: tuple[str, ...] = ()  # 一次性告知: what to bring
    complaint_phone: str = "12345"
    priority_reason: str | None = None   # 绿色通道: why this ticket is served first
    items: tuple[str, ...] = ()      # the service items chosen
    language: Language = "zh"
    reprint: bool = False
    booking: str | None = None  # 预约 checked in: "ABCDE FGHJK 12-07 09:00-09:30"

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("a ticket needs a number")
        if self.people_ahead < 0:
            raise ValueError("people_ahead cannot be negative")
        if self.estimated_wait_minutes is not None and self.estimated_wait_minutes < 0:
            raise ValueError("estimated_wait_minutes cannot be negative")
        if self.language not in ("zh", "en"):
            raise ValueError(f"unknown language {self.language!r}")


@dataclass(frozen=True)
class PromiseNotice:
    """承诺件告知单: the receipt a clerk prints when a case is accepted with a promised deadline.

    Name and phone are masked when laid out even if passed in full (the masks are idempotent),
    so a careless caller cannot print personal data in clear.
    """

    hall_name: str
    case_number: str
    applicant: str
    phone: str
    item: str
    received_at: datetime            # hall-local time
    promised_date: date
    window: str                      # e.g. "3号窗口"
    clerk_staff_no: str
    materials_received: tuple[str, ...] = ()   # what the clerk ticked as handed in
    complaint_phone: str = "12345"
    status_url: str | None = None    # optional: a QR to follow the case (the phone status page)
    window_phone: str = ""           # the window's phone for questions about the case
    language: Language = "zh"
    reprint: bool = False

    def __post_init__(self) -> None:
        if self.language not in ("zh", "en"):
            raise ValueError(f"unknown language {self.language!r}")
        if self.promised_date < self.received_at.date():
            raise ValueError("the promised date is before the day the case was received")


def mask_name(name: str) -> str:
    """张三 -> 张*, 张三丰 -> 张*丰, 欧阳娜娜 -> 欧**娜; Latin names keep first and last letter."""
    name = printable(name).strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last 4 digits."""
    phone = printable(phone).strip()
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone


_LABELS: dict[str, dict[Language, str]] = {
    "reprint": {"zh": "【补打】", "en": "[REPRINT]"},
    "your_number": {"zh": "您的号码", "en": "Your number"},
    "priority": {"zh": "绿色通道：{}", "en": "Priority: {}"},
    "booking": {"zh": "预约：{}", "en": "Booked: {}"},
    "ahead": {"zh": "前面等候：{} 人", "en": "People ahead: {}"},
    "none_ahead": {"zh": "前面等候：无，请留意叫号", "en": "People ahead: none - watch for your call"},
    "wait": {"zh": "预计等候：约 {}", "en": "Estimated wait: about {}"},
    "wait_unknown": {"zh": "预计等候：暂无估计", "en": "Estimated wait: not yet known"},
    "issued": {"zh": "取号时间：{}", "en": "Taken at: {}"},
    "items": {"zh": "办理事项：{}", "en": "Service: {}"},
    "scan": {"zh": "手机扫码查看排队进度和办事指南", "en": "Scan to follow the queue and see the guide"},
    "materials": {"zh": "请备齐以下材料（一次性告知）：", "en": "Please bring (all requirements at once):"},
    "more_materials": {"zh": "另有 {} 项材料，请扫码查看完整清单", "en": "{} more: scan the code for the full list"},
    "missed": {"zh": "过号请重新取号，请留意叫号屏和语音", "en": "Missed your call? Please take a new number."},
    "valid": {"zh": "本号当日有效", "en": "Valid today only"},
    "hotline": {"zh": "投诉监督电话：{}", "en": "Complaints hotline: {}"},
    "notice_title": {"zh": "承诺件告知单", "en": "Promise Notice"},
    "case": {"zh": "受理编号：{}", "en": "Case no.: {}"},
    "applicant": {"zh": "申请人：{}", "en": "Applicant: {}"},
    "phone": {"zh": "联系电话：{}", "en": "Phone: {}"},
    "item": {"zh": "办理事项：{}", "en": "Item: {}"},
    "received": {"zh": "受理时间：{}", "en": "Received: {}"},
    "promised": {"zh": "承诺办结：{} 前", "en": "Done by: {}"},
    "window": {"zh": "受理窗口：{}", "en": "Window: {}"},
    "clerk": {"zh": "受理人员工号：{}", "en": "Clerk no.: {}"},
    "materials_received": {"zh": "已收材料：", "en": "Materials received:"},
    "no_materials": {"zh": "未收材料", "en": "None received"},
    "window_phone": {"zh": "咨询电话：{}", "en": "Enquiries: {}"},
    "scan_case": {"zh": "扫码查询办理进度", "en": "Scan to follow your case"},
    "keep_notice": {"zh": "请妥善保管本告知单，凭此单领取办理结果", "en": "Keep this notice to collect the result."},
    "signature": {"zh": "申请人签字：________________", "en": "Applicant's signature: ____________"},
}


def _label(key: str, language: Language, *values: object) -> str:
    return _LABELS[key][language].format(*values)


def format_wait(minutes: int, language: Language) -> str:
    """25 -> "25 分钟"; 80 -> "1 小时 20 分钟"."""
    hours, rest = divmod(minutes, 60)
    if language == "zh":
        if hours and rest:
            return f"{hours} 小时 {rest} 分钟"
        return f"{hours} 小时" if hours else f"{rest} 分钟"
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass
class _Builder:
    """Appends wrapped lines; every TextLine it makes fits the paper at its size."""

    columns: int
    blocks: list[Block] = field(default_factory=list)

    def text(
        self,
        text: str,
        *,
        align: Align = Align.LEFT,
        size: Size = Size.NORMAL,
        bold: bool = False,
        indent: int = 0,
        max_lines: int | None = None,
    ) -> None:
        width = self.columns // size.scale
        lines = wrap_columns(text, width, indent=indent)
        if max_lines is not None and len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], truncate_columns(lines[max_lines - 1] + lines[max_lines].strip(), width)]
        self.blocks.extend(TextLine(line, align, size, bold) for line in lines)

    def numbered(self, entries: tuple[str, ...], *, max_lines_each: int | None = None) -> None:
        """A numbered list with a hanging indent: "1. ..." continues under the text, not the number."""
        for position, entry in enumerate(entries, start=1):
            prefix = f"{position}. "
            self.text(prefix + entry, indent=len(prefix), max_lines=max_lines_each)

    def separator(self) -> None:
        self.blocks.append(Separator())

    def qr(self, data: str) -> None:
        self.blocks.append(QrBlock(data))

    def gap(self, lines: int = 1) -> None:
        self.blocks.append(Gap(lines))


def layout_ticket(slip: TicketSlip, columns: int = COLUMNS_80MM) -> SlipLayout:
    """The queue ticket: hall, category, big number, queue position, QR, what to bring, footer."""
    lang = slip.language
    out = _Builder(columns)
    out.text(slip.hall_name, align=Align.CENTER, size=Size.DOUBLE, bold=True)
    if slip.reprint:
        out.text(_label("reprint", lang), align=Align.CENTER, bold=True)
    out.text(slip.category_name, align=Align.CENTER, size=Size.DOUBLE)
    out.separator()
    out.text(_label("your_number", lang), align=Align.CENTER)
    number = printable(slip.number).strip()
    big_fits = text_columns(number) * Size.BIG.scale <= columns
    out.text(number, align=Align.CENTER, size=Size.BIG if big_fits else Size.DOUBLE, bold=True)
    if slip.priority_reason:
        out.text(_label("priority", lang, slip.priority_reason), align=Align.CENTER, bold=True)
    if slip.booking:
        out.text(_label("booking", lang, slip.booking), align=Align.CENTER, bold=True)
    out.separator()
    if slip.people_ahead:
        out.text(_label("ahead", lang, slip.people_ahead), bold=True)
    else:
        out.text(_label("none_ahead", lang), bold=True)
    if slip.estimated_wait_minutes is None:
        out.text(_label("wait_unknown", lang))
    else:
        out.text(_label("wait", lang, format_wait(slip.estimated_wait_minutes, lang)))
    out.text(_label("issued", lang, format_time(slip.issued_at)))
    if slip.items:
        joined = ("、" if lang == "zh" else ", ").join(slip.items)
        prefix_width = text_columns(_label("items", lang, ""))
        out.text(_label("items", lang, joined), indent=min(prefix_width, columns // 2), max_lines=MAX_ITEM_LINES)
    out.separator()
    out.qr(slip.status_url)
    out.text(_label("scan", lang), align=Align.CENTER)
    if slip.materials:
        out.separator()
        out.text(_label("materials", lang), bold=True)
        shown = slip.materials[:MAX_MATERIALS_ON_TICKET]
        out.numbered(shown, max_lines_each=MAX_LINES_PER_MATERIAL)
        hidden = len(slip.materials) - len(shown)
        if hidden:
            out.text(_label("more_materials", lang, hidden))
    out.separator()
    out.text(_label("missed", lang), align=Align.CENTER)
    out.text(_label("valid", lang), align=Align.CENTER)
    out.text(_label("hotline", lang, slip.complaint_phone), align=Align.CENTER)
    return SlipLayout("ticket", number, columns, tuple(out.blocks))


def layout_promise_notice(notice: PromiseNotice, columns: int = COLUMNS_80MM) -> SlipLayout:
    """承诺件告知单: who, what, when received, what was handed in, by when it will be done."""
    lang = notice.language
    out = _Builder(columns)
    out.text(notice.hall_name, align=Align.CENTER, size=Size.DOUBLE, bold=True)
    out.text(_label("notice_title", lang), align=Align.CENTER, size=Size.DOUBLE, bold=True)
    if notice.reprint:
        out.text(_label("reprint", lang), align=Align.CENTER, bold=True)
    out.separator()

    def field_line(key: str, value: str, *, bold: bool = False) -> None:
        label = _label(key, lang, "")
        out.text(_label(key, lang, value), indent=min(text_columns(label), columns // 2), bold=bold)

    field_line("case", notice.case_number)
    field_line("applicant", mask_name(notice.applicant))
    field_line("phone", mask_phone(notice.phone))
    field_line("item", notice.item)
    field_line("received", format_time(notice.received_at))
    field_line("promised", notice.promised_date.isoformat(), bold=True)
    field_line("window", notice.window)
    if notice.window_phone.strip():
        field_line("window_phone", notice.window_phone.strip())
    field_line("clerk", notice.clerk_staff_no)
    out.separator()
    out.text(_label("materials_received", lang), bold=True)
    if notice.materials_received:
        out.numbered(notice.materials_received)  # a receipt lists everything handed in, never cut
    else:  # says so plainly: an empty list must not read as "nothing was required"
        out.text(_label("no_materials", lang))
    out.separator()
    if notice.status_url:
        out.qr(notice.status_url)
        out.text(_label("scan_case", lang), align=Align.CENTER)
        out.separator()
    out.text(_label("keep_notice", lang), align=Align.CENTER)
    out.text(_label("hotline", lang, notice.complaint_phone), align=Align.CENTER)
    out.gap()
    out.text(_label("signature", lang))
    return SlipLayout("promise-notice", printable(notice.case_number).strip() or "notice", columns, tuple(out.blocks))
