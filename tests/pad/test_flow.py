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
    request = flow.tick(40)
    assert request is not None and request.level is RatingLevel.DISSATISFIED and request.reasons == ("wait",)


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
