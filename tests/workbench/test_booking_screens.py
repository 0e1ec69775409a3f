"""The booking flow in a real headless Chromium (skipped where Debian's chromium is missing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.booking_screens import drive

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on this machine")


def test_the_booking_flow_in_chromium(tmp_path: Path) -> None:
    texts = drive(tmp_path)
    assert "抵押登记" in texts["items"] and "Mortgage registration" in texts["days_en"]
    assert "14:00-14:30" in texts["slots"] and "已满" in texts["slots"]  # 15:00 is fully booked
    assert "请填写正确的 11 位手机号码" in texts["error"] and "enter a valid 11-digit" in texts["error"]
    assert "预约成功" in texts["confirmation"] and "不动产权证书" in texts["confirmation"] and "人民路" in texts["confirmation"]
    assert "预约已取消" in texts["cancelled"]
    assert "余 3 个" in texts["large_text"]
    assert {p.name for p in tmp_path.glob("booking-*.png")} >= {"booking-slots.png", "booking-confirmation.png", "booking-cancelled.png"}
