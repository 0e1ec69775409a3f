"""Slip layouts: what is on the ticket and the promise notice, and that it fits the paper."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from hardware.printer.columns import text_columns
from hardware.printer.layout import (
    COLUMNS_58MM,
    COLUMNS_80MM,
    Align,
    PromiseNotice,
    QrBlock,
    Size,
    SlipLayout,
    TextLine,
    TicketSlip,
    format_wait,
    layout_promise_notice,
    layout_ticket,
    mask_name,
    mask_phone,
)


def texts(layout: SlipLayout) -> list[str]:
    return [line.text for line in layout.text_lines()]


def joined(layout: SlipLayout) -> str:
    return "\n".join(texts(layout))


@pytest.mark.parametrize("columns", [COLUMNS_80MM, COLUMNS_58MM])
def test_every_line_fits_the_paper_at_its_size(slip: TicketSlip, notice: PromiseNotice, columns: int) -> None:
    for layout in (layout_ticket(slip, columns), layout_promise_notice(notice, columns)):
        for line in layout.text_lines():
            assert text_columns(line.text) * line.size.scale <= columns, line


def test_ticket_has_hall_category_big_number_queue_and_footer(slip: TicketSlip) -> None:
    layout = layout_ticket(slip)
    lines = layout.text_lines()
    assert lines[0] == TextLine("临沂市兰山区政务服务中心", Align.CENTER, Size.DOUBLE, True)
    assert TextLine("社保医保", Align.CENTER, Size.DOUBLE, False) in lines
    assert TextLine("A023", Align.CENTER, Size.BIG, True) in lines
    text = joined(layout)
    for expected in (
        "绿色通道：70岁以上老年人",
        "前面等候：12 人",
        "预计等候：约 25 分钟",
        "取号时间：2026-11-17 10:00",
        "办理事项：社会保障卡申领、医保关系转移接续",
        "请备齐以下材料（一次性告知）：",
        "过号请重新取号",
        "投诉监督电话：0539-12345",
    ):
        assert expected in text
    assert [block for block in layout.blocks if isinstance(block, QrBlock)] == [QrBlock(slip.status_url)]


def test_ticket_materials_are_cut_to_six_entries_of_two_lines(slip: TicketSlip) -> None:
    text = joined(layout_ticket(slip))
    assert "6. 委托书（代办时提供）" in text
    assert "代办人身份证原件" not in text
    assert "另有 1 项材料，请扫码查看完整清单" in text
    long_material = "非常长的材料说明" * 10
    lines = texts(layout_ticket(replace(slip, materials=(long_material,))))
    start = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    assert lines[start + 1].endswith("…")
    assert not lines[start + 2].startswith("   ")


def test_ticket_edge_cases(slip: TicketSlip) -> None:
    text = joined(layout_ticket(replace(slip, people_ahead=0, estimated_wait_minutes=None, priority_reason=None, materials=())))
    assert "前面等候：无" in text
    assert "预计等候：暂无估计" in text
    assert "绿色通道" not in text and "一次性告知" not in text
    assert "【补打】" in joined(layout_ticket(replace(slip, reprint=True)))


def test_english_ticket(slip: TicketSlip) -> None:
    text = joined(layout_ticket(replace(slip, language="en", estimated_wait_minutes=80)))
    assert "Your number" in text
    assert "People ahead: 12" in text
    assert "Estimated wait: about 1 h 20 min" in text
    assert "Complaints hotline: 0539-12345" in text


def test_a_number_too_long_for_big_print_falls_back_to_double(slip: TicketSlip) -> None:
    lines = layout_ticket(replace(slip, number="VIP-2026111701")).text_lines()
    assert TextLine("VIP-2026111701", Align.CENTER, Size.DOUBLE, True) in lines


def test_format_wait() -> None:
    assert format_wait(25, "zh") == "25 分钟"
    assert format_wait(60, "zh") == "1 小时"
    assert format_wait(80, "zh") == "1 小时 20 分钟"
    assert format_wait(5, "en") == "5 min"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张三丰", "张*丰"), ("欧阳娜娜", "欧**娜"), ("张*丰", "张*丰"), ("李", "李"), ("", "")],
)
def test_mask_name_is_idempotent(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert mask_name(mask_name(name)) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("138****5678", "138****5678"), ("0539-8123456", "053*****3456"), ("12345", "*2345")],
)
def test_mask_phone_is_idempotent(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
    assert mask_phone(masked) == masked


def test_promise_notice_masks_personal_data_and_lists_every_material(notice: PromiseNotice) -> None:
    layout = layout_promise_notice(notice)
    text = joined(layout)
    assert "张三丰" not in text and "13812345678" not in text
    for expected in (
        "承诺件告知单",
        "受理编号：LS20261117-0042",
        "申请人：张*丰",
        "联系电话：138****5678",
        "办理事项：企业设立登记（有限责任公司）",
        "受理时间：2026-11-17 10:05",
        "承诺办结：2026-11-24 前",
        "受理窗口：3号窗口（市场监管）",
        "受理人员工号：S0012",
        "4. 住所使用证明（房屋租赁合同及产权证明复印件）",
    ):
        assert expected in text
    many = tuple(f"材料{i}" for i in range(1, 13))
    assert "12. 材料12" in joined(layout_promise_notice(replace(notice, materials_received=many)))


def test_promise_notice_refuses_a_deadline_before_receipt(notice: PromiseNotice) -> None:
    with pytest.raises(ValueError):
        replace(notice, promised_date=date(2026, 11, 16))


def test_slip_validation() -> None:
    base = dict(
        hall_name="大厅", category_name="社保", number="A001", people_ahead=0, estimated_wait_minutes=None,
        issued_at=datetime(2026, 11, 17, 9, 0), status_url="https://x.example/t/1",
    )
    with pytest.raises(ValueError):
        TicketSlip(**{**base, "number": " "})
    with pytest.raises(ValueError):
        TicketSlip(**{**base, "people_ahead": -1})
    with pytest.raises(ValueError):
        TicketSlip(**{**base, "language": "fr"})


def test_a_layout_refuses_lines_wider_than_the_paper() -> None:
    with pytest.raises(ValueError):
        SlipLayout("ticket", "A001", 48, (TextLine("政" * 13, size=Size.DOUBLE),))


def test_promise_notice_prints_the_window_phone_and_the_case_qr(notice: PromiseNotice) -> None:
    layout = layout_promise_notice(replace(notice, window_phone="0531-88601003"))
    text = joined(layout)
    assert "咨询电话：0531-88601003" in text and "扫码查询办理进度" in text
    assert [block.data for block in layout.blocks if isinstance(block, QrBlock)] == [notice.status_url]
    assert "咨询电话" not in joined(layout_promise_notice(notice)), "no phone on file: no empty line"
    english = joined(layout_promise_notice(replace(notice, window_phone="0531-88601003", language="en")))
    assert "Enquiries: 0531-88601003" in english


def test_promise_notice_says_when_no_material_was_received(notice: PromiseNotice) -> None:
    text = joined(layout_promise_notice(replace(notice, materials_received=())))
    assert "已收材料：" in text and "未收材料" in text and "（无）" not in text
    assert "None received" in joined(layout_promise_notice(replace(notice, materials_received=(), language="en")))
