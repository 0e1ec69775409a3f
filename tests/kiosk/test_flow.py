"""The kiosk flow without Qt: steps, keys, retries, idle time, the estimate wording and closed hours."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from kiosk.flow import (
    BROWSE_NOW_TEXT,
    CHECK_IN_NOW_TEXT,
    NO_WINDOW_CONFIRM_TEXT,
    NO_WINDOW_TEXT,
    KioskFlow,
    PrintState,
    Step,
    Text,
    wait_text,
    walk_ins_from,
)
from kiosk.texts import confirm_wait_rows

SNAPSHOT: dict[str, Any] = {
    "hall": {"name_zh": "示范县政务服务中心", "name_en": "Sample Centre", "period": "regular", "notice": {"zh": "正常办公", "en": "open"},
             "accepts_walk_ins": True, "public_url": "http://hall", "complaint_phone": "12345", "timezone": "Asia/Shanghai"},
    "categories": [
        {"series": "A", "name_zh": "投资建设项目", "name_en": "Investment", "waiting": 3, "windows_serving": 1.5,
         "serving_windows": [1, 2], "estimated_wait_minutes": 12,
         "items": [{"code": "A01", "name_zh": "项目备案", "name_en": "Filing", "materials": ["申请表", "营业执照"]}]},
        {"series": "J", "name_zh": "综合出件", "name_en": "Pick-up", "waiting": 0, "windows_serving": 1.0, "serving_windows": [18],
         "estimated_wait_minutes": 0, "items": []},
        {"series": "H", "name_zh": "社会事务", "name_en": "Social affairs", "waiting": 2, "windows_serving": 0.0, "serving_windows": [],
         "estimated_wait_minutes": None, "items": []},
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
    for digit in "23456":
        flow.key_digit(digit)  # from home, the first digit opens check-in (a scanner typing)
    assert flow.step is Step.CHECK_IN and flow.code == "23456"
    assert flow.submit_code() is None and flow.message is not None
    flow.key_digit("!")  # not a booking code's character
    for char in "abcde":
        flow.key_digit(char)  # a scanner or keyboard types the code's letters, in either case
    flow.key_digit("7")  # an eleventh character is ignored
    assert flow.code == "23456ABCDE"
    request = flow.submit_code()
    assert request is not None and request.call()[0:2] == ("check_in", ("23456ABCDE",))
    assert flow.submit_code() is None  # in flight
    flow.issue_refused(Text("预约码不存在", "unknown"))
    flow.key_backspace()
    assert flow.code == "23456ABCD"


HOURS = [{"zh": "工作日（周一、周二、周三、周四、周五）08:30-12:00、13:30-17:30", "en": "working days 08:30-12:00, 13:30-17:30"},
         {"zh": "双休日 09:00-17:00（仅预约）", "en": "weekends 09:00-17:00 (bookings only)"}]
FRIDAY_NIGHT = {
    **SNAPSHOT,
    "hall": {**SNAPSHOT["hall"], "period": "closed", "accepts_walk_ins": False, "hours": HOURS,
             "notice": {"zh": "当前非办公时间", "en": "the hall is closed now"},
             "next_opening": {"at": "2026-11-21T09:00:00+08:00", "walk_ins": False,
                              "text": {"zh": "下次开放：明天11月21日（周六）09:00，仅办理预约", "en": "opens tomorrow, Sat 21 Nov at 09:00, bookings only"},
                              "walk_ins_text": {"zh": "下次开放：11月23日（周一）08:30", "en": "opens Mon 23 Nov at 08:30"}}},
}
SATURDAY = {**FRIDAY_NIGHT, "hall": {**FRIDAY_NIGHT["hall"], "period": "appointment_only",
                                     "notice": {"zh": "今日仅办理预约业务", "en": "appointments only"}}}


def test_appointment_only_refuses_walk_ins_but_not_check_in(flow: KioskFlow) -> None:
    flow.apply_snapshot(SATURDAY)
    assert flow.hall_notice() == Text("今日仅办理预约业务", "appointments only")
    flow.start_priority()
    assert flow.step is Step.HOME
    notice = flow.closed_notice()
    assert notice is not None and notice.can_do == (CHECK_IN_NOW_TEXT, BROWSE_NOW_TEXT)
    assert notice.opening is None  # open now for bookings: what matters is when walk-ins are taken
    assert notice.walk_ins == Text("现场取号时间：11月23日（周一）08:30 起", "Walk-in tickets from Mon 23 Nov at 08:30")
    assert flow.can_check_in
    flow.start_check_in()
    assert flow.step is Step.CHECK_IN


def test_closed_hours_say_when_and_what_can_be_done(flow: KioskFlow) -> None:
    assert flow.closed_notice() is None  # regular hours
    flow.apply_snapshot(FRIDAY_NIGHT)
    notice = flow.closed_notice()
    assert notice is not None and notice.notice.zh == "当前非办公时间"
    assert notice.opening == Text("下次开放：明天11月21日（周六）09:00，仅办理预约", "opens tomorrow, Sat 21 Nov at 09:00, bookings only")
    assert notice.walk_ins is not None and "11月23日（周一）08:30" in notice.walk_ins.zh
    assert [t.zh for t in notice.hours] == [h["zh"] for h in HOURS]
    assert notice.can_do == (BROWSE_NOW_TEXT,)  # no check-in while closed
    assert not flow.can_check_in
    flow.start_check_in()
    assert flow.step is Step.HOME and flow.message is not None
    flow.key_digit("1")  # a scanner typing a code cannot start a check-in either
    assert flow.step is Step.HOME and flow.code == ""
    assert flow.tile_text(flow.category("A")).zh == "查看办理事项和所需材料"


def test_closed_hours_next_opening_with_walk_ins_is_one_line(flow: KioskFlow) -> None:
    tuesday_night = {**FRIDAY_NIGHT, "hall": {**FRIDAY_NIGHT["hall"], "next_opening": {
        "at": "2026-11-18T08:30:00+08:00", "walk_ins": True,
        "text": {"zh": "下次开放：明天11月18日（周三）08:30", "en": "opens tomorrow, Wed 18 Nov at 08:30"},
        "walk_ins_text": {"zh": "下次开放：明天11月18日（周三）08:30", "en": "opens tomorrow, Wed 18 Nov at 08:30"}}}}
    flow.apply_snapshot(tuesday_night)
    notice = flow.closed_notice()
    assert notice is not None and notice.opening is not None and notice.walk_ins is None
    assert flow.tickets_from() == Text("现场取号时间：明天11月18日（周三）08:30 起", "Walk-in tickets from tomorrow, Wed 18 Nov at 08:30")


def test_walk_ins_wording_falls_back_to_the_whole_text() -> None:
    assert walk_ins_from(None) is None
    assert walk_ins_from(Text("近期无开放时间安排", "nothing soon")) == Text("现场取号：近期无开放时间安排", "Walk-in tickets: nothing soon")


def test_browse_only_mode_walks_items_and_materials_but_never_issues(flow: KioskFlow) -> None:
    flow.apply_snapshot(FRIDAY_NIGHT)
    flow.choose_category("A")
    assert flow.step is Step.ITEMS and flow.browsing
    flow.skip_items()  # "just take a number" is not offered, and does nothing
    assert flow.step is Step.ITEMS and flow.pending is None
    flow.choose_item("A01")
    assert flow.step is Step.MATERIALS and flow.materials() == ["申请表", "营业执照"]
    flow.accept_materials()
    assert flow.step is Step.MATERIALS and flow.pending is None and not flow.can_confirm
    assert flow.confirm() is None
    assert flow.tickets_from() == Text("现场取号时间：11月23日（周一）08:30 起", "Walk-in tickets from Mon 23 Nov at 08:30")
    flow.back()
    assert flow.step is Step.ITEMS and flow.browsing
    flow.back()
    assert flow.step is Step.HOME and not flow.browsing
    flow.choose_category("J")  # no items: straight to its (empty) materials page, never confirm
    assert flow.step is Step.MATERIALS and flow.browsing
    flow.back()
    assert flow.step is Step.HOME and flow.series is None


def test_opening_or_closing_under_a_citizen_switches_browse_mode(flow: KioskFlow) -> None:
    flow.apply_snapshot(FRIDAY_NIGHT)
    flow.choose_category("A")
    flow.choose_item("A01")
    assert flow.apply_snapshot(SNAPSHOT) and not flow.browsing  # the hall opened: next leads to a number
    flow.accept_materials()
    assert flow.step is Step.CONFIRM and flow.pending is not None
    assert flow.apply_snapshot(FRIDAY_NIGHT) and flow.browsing  # it closed again: back to reading
    assert flow.step is Step.MATERIALS and flow.pending is None
    assert not flow.apply_snapshot(FRIDAY_NIGHT)


def test_wait_wording_follows_who_serves_now(flow: KioskFlow) -> None:
    assert wait_text(flow.category("A")) == Text("等候 3 人 · 约 12 分钟", "3 waiting · about 12 min")
    assert wait_text(flow.category("J")) == Text("目前无人等候", "No one waiting")
    unserved = flow.category("H")
    assert wait_text(unserved) == Text(f"等候 2 人 · {NO_WINDOW_TEXT.zh}", f"2 waiting · {NO_WINDOW_TEXT.en}")
    nobody = {**unserved, "waiting": 0}
    assert wait_text(nobody) == NO_WINDOW_TEXT  # not "目前无人等候": nobody would serve them either
    for category in (unserved, nobody):
        assert "0 分钟" not in wait_text(category).zh and "无人等候" not in wait_text(category).zh
    # a stale estimate of 0 beside zero windows is still no estimate
    assert wait_text({"waiting": 1, "windows_serving": 0, "estimated_wait_minutes": 0}) == Text(f"等候 1 人 · {NO_WINDOW_TEXT.zh}", f"1 waiting · {NO_WINDOW_TEXT.en}")
    assert wait_text({"waiting": 1, "windows_serving": 3, "estimated_wait_minutes": 0.2}).zh == "等候 1 人 · 约 1 分钟"
    assert flow.tile_text(unserved) == wait_text(unserved)


def test_confirm_page_says_clearly_when_no_window_serves(flow: KioskFlow) -> None:
    flow.choose_category("H")
    assert flow.step is Step.CONFIRM and flow.can_confirm  # tickets are never refused
    assert flow.unserved_warning() == NO_WINDOW_CONFIRM_TEXT
    rows = confirm_wait_rows(flow.category())
    assert rows[0][1].zh == "2 人" and rows[1][1] == NO_WINDOW_TEXT
    flow.go_home()
    flow.choose_category("A")
    flow.skip_items()
    assert flow.unserved_warning() is None
    assert [value.zh for _key, value in confirm_wait_rows(flow.category())] == ["3 人", "约 12 分钟"]
    assert confirm_wait_rows(flow.category("J"))[1][1].zh == "无需等候"


def test_done_page_line_for_an_unserved_ticket(flow: KioskFlow) -> None:
    flow.choose_category("H")
    flow.confirm()
    flow.issue_succeeded({**TICKET, "series": "H", "estimated_wait_minutes": None})
    assert flow.ticket_wait_text() == NO_WINDOW_TEXT
    flow.ticket = TICKET
    assert flow.ticket_wait_text() is None


def test_printer_poll_sets_and_clears_the_trouble(flow: KioskFlow) -> None:
    paper_out = Text("打印机缺纸", "paper out")
    assert flow.printer_checked(paper_out, ready=False) and flow.printer_trouble == paper_out
    assert not flow.printer_checked(paper_out, ready=False)
    assert not flow.printer_checked(None, ready=False)  # a printer that cannot say leaves it shown
    assert flow.printer_checked(None, ready=True) and flow.printer_trouble is None


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


def test_large_mode_pages_choices_per_step(flow: KioskFlow) -> None:
    flow.toggle_large_text()
    total = len(flow.categories)
    flow.page_choices(False, total, 3)
    assert flow.first_choice() == 0  # no page before the first
    flow.page_choices(True, total, 3)
    assert flow.first_choice() == (3 if total > 3 else 0)
    flow.choose_category("A")
    assert flow.first_choice() == 0  # another step starts at its first page
    flow.back()
    assert flow.step is Step.HOME and flow.first_choice() == 0  # and coming back starts over


def test_modes_last_the_session_and_reset_when_it_ends(flow: KioskFlow, clock: Clock) -> None:
    flow.toggle_large_text()
    flow.toggle_high_contrast()
    flow.choose_category("A")
    clock.t += flow.IDLE_SECONDS - 1
    assert not flow.tick() and flow.large_text and flow.high_contrast
    clock.t += 2
    assert flow.tick() and flow.step is Step.HOME and not flow.large_text and not flow.high_contrast
    flow.toggle_large_text()  # on home, a citizen who walks away leaves large mode behind too
    clock.t += flow.IDLE_SECONDS + 1
    assert flow.tick() and not flow.large_text
    assert not flow.tick()  # nothing left to reset: no redraw
    flow.toggle_high_contrast()
    flow.end_session()  # 完成 on the ticket page
    assert not flow.high_contrast
