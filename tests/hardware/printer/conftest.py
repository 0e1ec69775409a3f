"""Sample slips shared by the printer tests: fixed content, so golden bytes stay put."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hardware.printer.layout import PromiseNotice, TicketSlip

SAMPLE_URL = "https://hall.example.gov.cn/t/20261117/A023?k=9f8e7d6c5b4a"


@pytest.fixture
def slip() -> TicketSlip:
    return TicketSlip(
        hall_name="临沂市兰山区政务服务中心",
        category_name="社保医保",
        number="A023",
        people_ahead=12,
        estimated_wait_minutes=25,
        issued_at=datetime(2026, 11, 17, 10, 0),
        status_url=SAMPLE_URL,
        materials=(
            "居民身份证原件及复印件（本人持证前来办理的，可只带原件）",
            "户口簿原件",
            "近期一寸免冠彩色照片两张",
            "社会保障卡申领登记表（可在大厅咨询台领取或扫码下载打印）",
            "银行卡（用于社保卡金融功能激活）",
            "委托书（代办时提供）",
            "代办人身份证原件",
        ),
        complaint_phone="0539-12345",
        priority_reason="70岁以上老年人",
        items=("社会保障卡申领", "医保关系转移接续"),
    )


@pytest.fixture
def notice() -> PromiseNotice:
    return PromiseNotice(
        hall_name="临沂市兰山区政务服务中心",
        case_number="LS20261117-0042",
        applicant="张三丰",
        phone="13812345678",
        item="企业设立登记（有限责任公司）",
        received_at=datetime(2026, 11, 17, 10, 5),
        promised_date=date(2026, 11, 24),
        window="3号窗口（市场监管）",
        clerk_staff_no="S0012",
        materials_received=(
            "营业执照申请书",
            "公司章程（全体股东签字）",
            "法定代表人身份证复印件",
            "住所使用证明（房屋租赁合同及产权证明复印件）",
        ),
        status_url="https://hall.example.gov.cn/c/LS20261117-0042",
    )
