"""The kiosk flow without Qt: steps, keys, retries, idle time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from kiosk.flow import KioskFlow, PrintState, Step, Text

SNAPSHOT: dict[str, Any] = {
    "hall": {"name_zh": "示范县政务服务中心", "name_en": "Sample Centre", "period": "regular", "notice": {"zh": "正常办公", "en": "open"},
             "accepts_walk_ins": True, "public_url": "http://hall", "complaint_phone": "12345", "timezone": "Asia/Shanghai"},
    "categories": [
        {"series": "A", "name_zh": "投资建设项目", "name_en": "Investment", "waiting": 3, "estimated_wait_minutes": 12,
         "items": [{"code": "A01", "name_zh": "项目备案", "name_en": "Filing", "materials": ["申请表", "营业执照"]}]},
        {"series": "J", "name_zh": "综合出件", "name_en": "Pick-up", "waiting": 0, "estimated_wait_minutes": 0, "items": []},
    ],
}
TICKET = {"id": 7, "public_id": "abc", "number": "A004", "series": "A", "items": ["A01"], "priority_reason": "",
          "people_ahead": 3, "estimated_wait_minutes": 12, "issued_at": "2026-11-17T02:00:00+00:00",
          "category": {"series": "A", "name_zh": "投资建设项目", "name_en": "Investment"}}


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:  # overrides the hall clock fixture: this one is the kiosk's monotonic time
    return Clock()


@pytest.fixture
def flow(clock: Clock) -> KioskFlow:
    keys = (f"key{n}" for n in itertools.count(1))
    flow = KioskFlow(now=clock, new_key=lambda: next(keys))
    flow.apply_snapshot(SNAPSHOT)
    return flow


def test_plain_path_with_items_and_materials(flow: KioskFlow) -> None:
    flow.choose_category("A")
    assert flow.step is Step.ITEMS
    flow.choose_item("A01")
    assert flow.step is Step.MATERIALS and flow.materials() == ["申请表", "营业执照"]
    flow.accept_materials()
    assert flow.step is Step.CONFIRM and flow.can_confirm
    request = flow.confirm()
    assert request is not None and request.call() == (
        "issue", ("A",), {"items": ["A01"], "priority_reason": None, "source": "kiosk", "key": "key1"}
    )
    assert flow.step is Step.ISSUING and not flow.can_confirm
    flow.issue_succeeded(TICKET)
    assert flow.step is Step.PRINTING and flow.print_state is PrintState.PRINTING
    flow.printed()
    assert flow.step is Step.DONE and flow.can_reprint
    assert flow.status_url() == "http://hall/t/abc"


def test_category_without_items_goes_straight_to_confirm(flow: KioskFlow) -> None:
    flow.choose_category("J")
    assert flow.step is Step.CONFIRM and flow.pending is not None and flow.pending.items == ()


def test_skip_items_and_back_navigation(flow: KioskFlow) -> None:
    flow.choose_category("A")
    flow.skip_items()
    assert flow.step is Step.CONFIRM and flow.pending is not None and flow.pending.items == ()
    flow.back()
    assert flow.step is Step.ITEMS and flow.pending is None
    flow.choose_item("A01")
    flow.back()
    assert flow.step is Step.ITEMS
    flow.back()
    assert flow.step is Step.HOME and flow.series is None


def test_double_press_sends_one_request(flow: KioskFlow) -> None:
    flow.choose_category("J")
    assert flow.confirm() is not None
    assert flow.confirm() is None
    assert flow.confirm() is None


def test_refusal_keeps_the_key_and_allows_a_retry(flow: KioskFlow) -> None:
    flow.choose_category("J")
    first = flow.confirm()
    flow.issue_refused(Text("服务器忙", "busy"))
    assert flow.step is Step.CONFIRM and flow.message == Text("服务器忙", "busy")
    again = flow.confirm()
    assert first is not None and again is not None and again.key == first.key


def test_offline_pauses_and_resends_the_same_key(flow: KioskFlow, clock: Clock) -> None:
    flow.choose_category("J")
    first = flow.confirm()
    flow.went_offline()
    assert flow.step is Step.PAUSED and not flow.can_confirm
    clock.t += 10
    again = flow.came_online()
    assert first is not None and again is not None and again.key == first.key
    assert flow.step is Step.ISSUING and flow.in_flight


def test_offline_too_long_drops_the_request(flow: KioskFlow, clock: Clock) -> None:
    flow.choose_category("J")
    flow.confirm()
    flow.went_offline()
    clock.t += flow.PENDING_KEEP_SECONDS + 1
    assert flow.came_online() is None
    assert flow.step is Step.HOME and flow.pending is None


def test_offline_on_home_pauses_and_comes_back(flow: KioskFlow) -> None:
    flow.went_offline()
    assert flow.step is Step.PAUSED
    flow.choose_category("A")
    assert flow.step is Step.PAUSED
    assert flow.came_online() is None
    assert flow.step is Step.HOME


def test_priority_path(flow: KioskFlow) -> None:
    flow.start_priority()
    assert flow.step is Step.PRIORITY
    flow.choose_priority("elderly")
    assert flow.step is Step.HOME and flow.priority_name() == "老年人"
    flow.choose_category("J")
    request = flow.confirm()
    assert request is not None and request.priority_reason == "elderly"


def test_check_in_code_from_keypad_or_scanner(flow: KioskFlow) -> None:
    for digit in "12345":
        flow.key_digit(digit)  # from home, the first digit opens check-in (a scanner typing)
    assert flow.step is Step.CHECK_IN and flow.code == "12345"
    assert flow.submit_code() is None and flow.message is not None
    flow.key_digit("x")
    flow.key_digit("6")
    flow.key_digit("7")  # a seventh digit is ignored
    assert flow.code == "123456"
    request = flow.submit_code()
    assert request is not None and request.call()[0:2] == ("check_in", ("123456",))
    assert flow.submit_code() is None  # in flight
    flow.issue_refused(Text("预约码不存在", "unknown"))
    flow.key_backspace()
    assert flow.code == "12345"


def test_closed_hall_refuses_walk_ins_but_not_check_in(flow: KioskFlow) -> None:
    closed = {**SNAPSHOT, "hall": {**SNAPSHOT["hall"], "period": "appointment_only", "accepts_walk_ins": False,
                                    "notice": {"zh": "今日仅办理预约业务", "en": "appointments only"}}}
    flow.apply_snapshot(closed)
    assert flow.hall_notice() == Text("今日仅办理预约业务", "appointments only")
    flow.choose_category("A")
    assert flow.step is Step.HOME and flow.message is not None
    flow.start_priority()
    assert flow.step is Step.HOME
    flow.start_check_in()
    assert flow.step is Step.CHECK_IN


def test_idle_goes_home_but_not_while_in_flight(flow: KioskFlow, clock: Clock) -> None:
    flow.choose_category("A")
    clock.t += flow.IDLE_SECONDS - 1
    assert not flow.tick()
    clock.t += 2
    assert flow.tick() and flow.step is Step.HOME
    flow.choose_category("J")
    flow.confirm()
    clock.t += 1000
    assert not flow.tick() and flow.step is Step.ISSUING


def test_done_page_times_out_and_reprint_offer_expires(flow: KioskFlow, clock: Clock) -> None:
    flow.choose_category("J")
    flow.confirm()
    flow.issue_succeeded(TICKET)
    flow.print_failed(Text("打印机缺纸", "paper out"))
    assert flow.step is Step.DONE and flow.printer_trouble is not None
    clock.t += flow.REPRINT_SECONDS + 1
    assert not flow.can_reprint and flow.reprint() is None
    clock.t += flow.DONE_SECONDS + 1  # counted from the last touch (the reprint press)
    assert flow.tick() and flow.step is Step.HOME and flow.ticket is None
    assert flow.printer_trouble is not None  # still shown on home until a slip prints


def test_language_and_large_text(flow: KioskFlow) -> None:
    assert flow.name(flow.category("A")) == "投资建设项目"
    flow.toggle_language()
    assert flow.name(flow.category("A")) == "Investment" and flow.priority_name("pregnant") == "pregnant"
    flow.toggle_large_text()
    assert flow.large_text
