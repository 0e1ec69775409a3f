"""The rating pad's state machine without Qt."""

from __future__ import annotations

from hall.tickets import RatingLevel
from pad.flow import PadFlow, PadState

SNAP = {"windows": [{"number": 1, "name_zh": "投资项目窗口", "clerk": {"id": 1, "name": "王丽", "staff_no": "1001"}, "current": None}]}
FINISHED = {"window": 1, "service_id": 9, "ticket": {"number": "A001"}, "item": {"code": "A01", "name_zh": "立项"}}


def rating_pad(now: float = 0.0) -> PadFlow:
    flow = PadFlow(1, rating_timeout=30, thanks_seconds=4)
    flow.on_snapshot(SNAP, now)
    flow.on_event("ticket_called", {"window": 1, "ticket": {"number": "A001"}}, now)
    flow.on_event("service_finished", FINISHED, now)
    return flow


def test_idle_shows_the_clerk_and_serving_follows_the_window() -> None:
    flow = PadFlow(1)
    flow.on_snapshot(SNAP, 0)
    assert flow.state is PadState.IDLE and flow.clerk["name"] == "王丽"
    flow.on_event("ticket_called", {"window": 2, "ticket": {"number": "B001"}}, 0)
    assert flow.state is PadState.IDLE, "another window's call changes nothing"
    flow.on_event("service_started", {"window": 1, "ticket": {"number": "A001"}}, 0)
    assert flow.state is PadState.SERVING and flow.ticket["number"] == "A001"
    flow.on_event("ticket_no_show", {"window": 1}, 0)
    assert flow.state is PadState.IDLE


def test_finish_opens_rating_with_nothing_selected() -> None:
    flow = rating_pad()
    assert flow.state is PadState.RATING and flow.level is None and flow.service["service_id"] == 9


def test_good_rating_is_sent_then_thanks_then_idle() -> None:
    flow = rating_pad()
    request = flow.choose(RatingLevel.SATISFIED, 1)
    assert request is not None and request.service_id == 9 and request.level is RatingLevel.SATISFIED and request.reasons == ()
    assert flow.state is PadState.SENDING
    flow.rate_done(2)
    assert flow.state is PadState.THANKS
    assert flow.tick(5) is None and flow.state is PadState.THANKS
    flow.tick(6.1)
    assert flow.state is PadState.IDLE


def test_bad_rating_asks_for_reasons() -> None:
    flow = rating_pad()
    assert flow.choose(RatingLevel.VERY_DISSATISFIED, 1) is None
    assert flow.state is PadState.REASONS
    flow.toggle_reason("slow", 2)
    flow.toggle_reason("attitude", 2)
    flow.toggle_reason("attitude", 2)
    request = flow.submit("  等了很久 ")
    assert request is not None and request.reasons == ("slow",) and request.comment == "等了很久"
    assert request.level is RatingLevel.VERY_DISSATISFIED


def test_back_from_reasons_chooses_again() -> None:
    flow = rating_pad()
    flow.choose(RatingLevel.DISSATISFIED, 1)
    flow.back(2)
    assert flow.state is PadState.RATING and flow.level is None


def test_timeout_records_not_rated() -> None:
    flow = rating_pad(0)
    assert flow.tick(29) is None
    request = flow.tick(30)
    assert request is not None and request.level is None and request.channel == "timeout"
    flow.rate_done(31)
    assert flow.state is PadState.IDLE, "nobody to thank after a timeout"


def test_touch_restarts_the_countdown() -> None:
    flow = rating_pad(0)
    flow.touched(20)
    assert flow.tick(30) is None and flow.seconds_left(30) == 20


def test_reasons_timeout_keeps_the_chosen_level() -> None:
    flow = rating_pad(0)
    flow.choose(RatingLevel.DISSATISFIED, 1)
    flow.toggle_reason("wait", 2)
    assert flow.tick(40) is None, "the 差评 screens wait far longer than the level screen"
    request = flow.tick(2 + flow.detail_timeout)
    assert request is not None and request.level is RatingLevel.DISSATISFIED and request.reasons == ("wait",)
    assert request.contact_phone == ""


def test_typing_on_the_bad_rating_screens_never_submits() -> None:
    flow = rating_pad(0)
    flow.choose(RatingLevel.VERY_DISSATISFIED, 1)
    flow.open_comment(2)
    for second in range(10, 1000, 100):  # a slow typist, well past any single timeout
        flow.touched(second)
        assert flow.tick(second + 99) is None
        assert flow.state is PadState.COMMENT


def test_comment_and_phone_with_consent_reach_the_request() -> None:
    flow = rating_pad(0)
    flow.choose(RatingLevel.DISSATISFIED, 1)
    flow.toggle_reason("wait", 2)
    flow.open_comment(3)
    flow.confirm_comment(" 等候时间太长 ", 4)
    flow.open_contact(5)
    for digit in "13812345678":
        flow.press_digit(digit, 6)
    assert not flow.confirm_contact(7), "no number is kept without consent"
    flow.set_consent(True, 8)
    assert flow.confirm_contact(9) and flow.state is PadState.REASONS
    request = flow.submit()
    assert request is not None
    assert (request.comment, request.contact_phone, request.reasons) == ("等候时间太长", "13812345678", ("wait",))
    flow.rate_done(10)
    assert flow.sent_contact, "the thanks screen may promise a 回访"


def test_phone_back_and_bad_numbers() -> None:
    flow = rating_pad(0)
    flow.choose(RatingLevel.DISSATISFIED, 1)
    flow.open_contact(2)
    for digit in "2381234567":
        flow.press_digit(digit, 3)
    flow.set_consent(True, 4)
    assert not flow.confirm_contact(5), "10 digits not starting with 1 is no mobile number"
    flow.back(6)
    assert flow.state is PadState.REASONS and flow.contact_phone == ""
    request = flow.submit()
    assert request is not None and request.contact_phone == ""
    flow.rate_done(7)
    assert not flow.sent_contact, "no 回访 promised without a number"


def test_already_rated_and_errors_say_so() -> None:
    flow = rating_pad()
    flow.choose(RatingLevel.SATISFIED, 1)
    flow.rate_failed("already_rated", "x", 2)
    assert flow.state is PadState.THANKS and flow.outcome == "already"


def test_a_call_during_rating_waits_for_the_rating() -> None:
    flow = rating_pad()
    flow.on_event("ticket_called", {"window": 1, "ticket": {"number": "A002"}}, 1)
    assert flow.state is PadState.RATING
    flow.choose(RatingLevel.SATISFIED, 2)
    flow.rate_done(2)
    flow.tick(10)
    assert flow.state is PadState.SERVING and flow.ticket["number"] == "A002"


def test_rated_elsewhere_thanks() -> None:
    flow = rating_pad()
    flow.on_event("service_rated", {"window": 1, "service_id": 9}, 1)
    assert flow.state is PadState.THANKS and flow.outcome == "already"
