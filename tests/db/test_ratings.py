"""好差评: one rating per service, from the window's own pad, just after the service; 差评
follow-ups with a deadline; 'not rated' and default ratings kept apart from citizens' ratings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import AuditEntry, FollowUp, Rating
from hall.text import HallRuleError
from tests.db.conftest import HallEnv


def finished(env: HallEnv, window: int = 2, series: str = "A", items: list[str] | None = None) -> int:
    """Serve one citizen at ``window`` to the end; returns the service id."""
    env.issue(series, items=items if items is not None else ["A01"])
    clerk = env.clerk(window)
    env.store.call_next(clerk, window)
    env.store.start(clerk, window)
    service_id = env.store.finish(clerk, window, "immediate")["service_id"]
    env.store.logout(clerk)
    return int(service_id)


def test_rating_is_stored_against_the_service(env: HallEnv) -> None:
    service_id = finished(env)
    env.advance(seconds=20)
    result = env.store.rate(env.pad(2), service_id, "very_satisfied")
    assert result["level"] == "very_satisfied" and result["followup"] is None
    (rating,) = env.rows(Rating)
    assert rating.service_id == service_id and rating.window_id == env.window_id(2)
    assert rating.clerk_id == env.clerk_id("1002") and rating.item_code == "A01"
    assert rating.department == "住房和城乡建设局" and rating.is_default is False and rating.channel == "pad"
    event = env.events()[-1]
    # the event tells screens what happened, never who rated
    assert event["kind"] == "service_rated"
    assert event["data"] == {"window": 2, "service_id": service_id, "level": "very_satisfied", "bad": False, "followup": None, "followup_deadline": None}


def test_one_rating_per_service(env: HallEnv) -> None:
    service_id = finished(env)
    env.store.rate(env.pad(2), service_id, "satisfied")
    with env.refused("already_rated", 409) as caught:
        env.store.rate(env.pad(2), service_id, "very_dissatisfied")
    assert "一事一评" in caught.value.message.zh
    assert [r.level for r in env.rows(Rating)] == ["satisfied"]


def test_only_the_windows_own_pad_may_rate(env: HallEnv) -> None:
    service_id = finished(env)
    other_pad = env.pad(1)
    with env.refused("other_window", 403):
        env.store.rate(other_pad, service_id, "very_dissatisfied")
    assert env.rows(Rating) == []


def test_only_the_latest_finished_service_can_be_rated(env: HallEnv) -> None:
    first = finished(env)
    second = finished(env)
    pad = env.pad(2)
    with env.refused("rating_closed", 409):
        env.store.rate(pad, first, "satisfied")
    env.store.rate(pad, second, "satisfied")


def test_rating_closes_after_fifteen_minutes(env: HallEnv) -> None:
    service_id = finished(env)
    env.advance(minutes=15, seconds=1)
    with env.refused("rating_closed", 409):
        env.store.rate(env.pad(2), service_id, "satisfied")


def test_rating_just_inside_the_time_window(env: HallEnv) -> None:
    service_id = finished(env)
    env.advance(minutes=15)
    assert env.store.rate(env.pad(2), service_id, "satisfied")["level"] == "satisfied"


def test_unfinished_or_unknown_service_cannot_be_rated(env: HallEnv) -> None:
    ticket = env.issue("A")
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    open_service = env.services(ticket["id"])[0].id
    pad = env.pad(2)
    with env.refused("service_not_finished", 409):
        env.store.rate(pad, open_service, "satisfied")
    with env.refused("not_found", 404):
        env.store.rate(pad, 9999, "satisfied")


@pytest.mark.parametrize(
    ("level", "reasons", "code"),
    [
        ("excellent", [], "bad_level"),
        ("dissatisfied", ["rude"], "bad_reason"),
        ("satisfied", ["slow"], "bad_reason"),  # reasons only for a 差评
        (None, ["slow"], "bad_reason"),
    ],
)
def test_bad_rating_input_is_refused(env: HallEnv, level: str | None, reasons: list[str], code: str) -> None:
    service_id = finished(env)
    with env.refused(code, 422):
        env.store.rate(env.pad(2), service_id, level, reasons=reasons)
    assert env.rows(Rating) == []


@pytest.mark.parametrize(
    ("level", "working_days", "deadline"),
    [
        ("dissatisfied", True, "2026-11-24"),  # Tue + 5 working days
        ("very_dissatisfied", True, "2026-11-24"),
        ("dissatisfied", False, "2026-11-22"),  # Tue + 5 natural days
    ],
)
def test_bad_rating_opens_a_followup_with_a_deadline(env: HallEnv, level: str, working_days: bool, deadline: str) -> None:
    if not working_days:
        env.store.update_hall(env.manager, {"rules": {"followup_working_days": False}})
    service_id = finished(env)
    result = env.store.rate(env.pad(2), service_id, level, reasons=["slow", "wait"], comment="等了很久")
    assert result["followup"]["deadline"] == deadline
    (followup,) = env.rows(FollowUp)
    assert followup.status == "open" and followup.deadline.isoformat() == deadline and followup.rating_id == result["rating_id"]
    (rating,) = env.rows(Rating)
    assert rating.reasons == ["slow", "wait"] and rating.comment == "等了很久"
    assert env.events()[-1]["data"]["bad"] is True
    listed = env.store.followups(env.hall_id)
    assert [(f["id"], f["window"], f["clerk"], f["ticket"], f["level"]) for f in listed] == [(followup.id, 2, "张伟", "A001", level)]


@pytest.mark.parametrize("level", ["very_satisfied", "satisfied", "basically_satisfied"])
def test_good_ratings_open_no_followup(env: HallEnv, level: str) -> None:
    service_id = finished(env)
    assert env.store.rate(env.pad(2), service_id, level)["followup"] is None
    assert env.rows(FollowUp) == []


def test_followup_deadline_setting(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"followup_days": 15}})
    service_id = finished(env)
    assert env.store.rate(env.pad(2), service_id, "dissatisfied")["followup"]["deadline"] == "2026-12-08"


def test_followup_is_resolved_and_audited(env: HallEnv) -> None:
    service_id = finished(env)
    followup_id = env.store.rate(env.pad(2), service_id, "dissatisfied")["followup"]["id"]
    env.advance(days=2)
    result = env.store.update_followup(env.manager, followup_id, "resolved", notes="已回访", citizen_view="满意")
    assert result == {"id": followup_id, "status": "resolved", "deadline": "2026-11-24", "on_time": True}
    (row,) = env.rows(FollowUp)
    assert row.resolved_at == env.clock.now() and row.citizen_view == "满意"
    assert env.rows(AuditEntry, AuditEntry.action == "followup")[0].detail == {"followup": followup_id, "status": "resolved"}
    assert env.events()[-1]["kind"] == "followup_changed"
    with env.refused("bad_status", 422):
        env.store.update_followup(env.manager, followup_id, "closed")
    with env.refused("not_found", 404):
        env.store.update_followup(env.manager, 9999, "resolved")


def test_followup_resolved_late_is_not_on_time(env: HallEnv) -> None:
    service_id = finished(env)
    followup_id = env.store.rate(env.pad(2), service_id, "dissatisfied")["followup"]["id"]
    env.advance(days=8)
    assert env.store.update_followup(env.manager, followup_id, "resolved")["on_time"] is False


def test_on_time_is_judged_on_the_halls_date_not_utcs(env: HallEnv) -> None:
    env.clock.set(datetime(2020, 1, 7, 2, 0, tzinfo=UTC))  # Tue 10:00 Shanghai
    service_id = finished(env)
    followup_id = env.store.rate(env.pad(2), service_id, "dissatisfied")["followup"]["id"]  # deadline Tue 2020-01-14
    env.clock.set(datetime(2020, 1, 14, 17, 0, tzinfo=UTC))  # Wed 01:00 local, still the 14th in UTC
    assert env.store.update_followup(env.manager, followup_id, "resolved")["on_time"] is False
    env.clock.set(datetime(2020, 1, 14, 15, 59, tzinfo=UTC))  # 23:59 local on the deadline day
    assert env.store.update_followup(env.manager, followup_id, "resolved")["on_time"] is True


def test_overdue_follows_the_halls_clock(env: HallEnv) -> None:
    # A day long past on the real calendar, so a check against the system clock would say "overdue":
    # Tue 2020-01-07 10:00 in Shanghai.
    env.clock.set(datetime(2020, 1, 7, 2, 0, tzinfo=UTC))
    service_id = finished(env)
    env.store.rate(env.pad(2), service_id, "dissatisfied")  # deadline Tue 2020-01-14
    env.clock.set(datetime(2020, 1, 14, 15, 59, tzinfo=UTC))  # 23:59 local on the deadline day
    assert env.store.followups(env.hall_id)[0]["overdue"] is False
    env.clock.set(datetime(2020, 1, 14, 16, 0, tzinfo=UTC))  # local midnight: the deadline has passed
    assert env.store.followups(env.hall_id)[0]["overdue"] is True


def test_not_rated_is_stored_as_none_and_closes_the_service(env: HallEnv) -> None:
    service_id = finished(env)
    result = env.store.rate(env.pad(2), service_id, None)  # the pad timed out
    assert result["level"] is None and result["followup"] is None
    (rating,) = env.rows(Rating)
    assert rating.level is None and rating.channel == "timeout" and rating.is_default is False
    with env.refused("already_rated"):
        env.store.rate(env.pad(2), service_id, "satisfied")


def test_default_ratings_are_stored_as_defaults_never_as_citizen_ratings(env: HallEnv) -> None:
    assert env.store.apply_default_ratings(env.manager) == {"applied": 0}  # off in the sample hall
    env.store.update_hall(env.manager, {"rules": {"default_rating_days": 7}})
    unrated = finished(env)
    timed_out = finished(env, window=5, series="C", items=["C01"])
    env.store.rate(env.pad(5), timed_out, None)
    citizen = finished(env, window=8, series="D", items=["D01"])
    env.store.rate(env.pad(8), citizen, "dissatisfied")
    env.advance(days=6)
    assert env.store.apply_default_ratings(env.manager) == {"applied": 0}  # not yet 7 days
    env.advance(days=2)
    assert env.store.apply_default_ratings(env.manager) == {"applied": 2}
    assert env.events()[-1]["kind"] == "ratings_defaulted" and env.events()[-1]["data"] == {"applied": 2}
    ratings = {r.service_id: r for r in env.rows(Rating)}
    for service_id in (unrated, timed_out):
        rating = ratings[service_id]
        assert (rating.level, rating.is_default, rating.channel) == ("basically_satisfied", True, "default")
    own = ratings[citizen]
    assert (own.level, own.is_default, own.channel) == ("dissatisfied", False, "pad")
    assert len(ratings) == 3  # the timed-out row was updated, not duplicated
    assert env.store.apply_default_ratings(env.manager) == {"applied": 0}  # only once


def test_clerk_figures_count_citizen_ratings_only(env: HallEnv) -> None:
    service_id = finished(env)
    env.store.rate(env.pad(2), service_id, "satisfied")
    other = finished(env)
    env.store.rate(env.pad(2), other, None)
    today = env.store.clerk_today(env.hall_id, env.clerk_id("1002"))
    assert today["served"] == 2 and today["ratings"] == {"satisfied": 1}


def test_bad_rating_keeps_the_contact_masked_except_for_the_followup_role(env: HallEnv) -> None:
    service_id = finished(env)
    env.store.rate(env.pad(2), service_id, "dissatisfied", reasons=["wait"], contact_phone="13812345678")
    (followup,) = env.rows(FollowUp)
    assert followup.contact_phone == "13812345678"
    assert env.store.followups(env.hall_id)[0]["contact"] == "138****5678"
    assert env.store.followups(env.hall_id, full_contact=True)[0]["contact"] == "13812345678"


@pytest.mark.parametrize(
    ("level", "phone"), [("satisfied", "13812345678"), ("dissatisfied", "2381234567"), ("dissatisfied", "1381234567x")]
)
def test_contact_only_a_mobile_number_with_a_bad_rating(env: HallEnv, level: str, phone: str) -> None:
    service_id = finished(env)
    with pytest.raises(HallRuleError) as refused:
        env.store.rate(env.pad(2), service_id, level, contact_phone=phone)
    assert refused.value.code == "bad_contact"
    assert env.rows(FollowUp) == []


def test_call_log_of_a_followup(env: HallEnv) -> None:
    service_id = finished(env)
    followup_id = env.store.rate(env.pad(2), service_id, "dissatisfied", contact_phone="13812345678")["followup"]["id"]
    env.store.log_followup_call(env.manager, followup_id, reached=False, result="无人接听")
    env.store.log_followup_call(
        env.manager, followup_id, reached=True, result="已说明", rectification="午间加开窗口", satisfaction="satisfied"
    )
    env.store.update_followup(env.manager, followup_id, "resolved")
    (listed,) = env.store.followups(env.hall_id)
    assert [(c["reached"], c["result"], c["rectification"], c["satisfaction"]) for c in listed["calls"]] == [
        (False, "无人接听", "", ""),
        (True, "已说明", "午间加开窗口", "satisfied"),
    ]
    assert listed["calls"][0]["caller"].startswith("manager") and listed["closed_on"] is not None
    with pytest.raises(HallRuleError):
        env.store.log_followup_call(env.manager, followup_id, reached=True, satisfaction="happy")
    with pytest.raises(HallRuleError):
        env.store.log_followup_call(env.manager, 9999, reached=True)
