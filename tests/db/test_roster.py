"""The roster (hall/roster.py, db/roster.py) on SQLite and PostgreSQL: who is on duty, at lunch,
free to open a closed window, signed off (签退) or absent, and what the planning read publishes.

The morning (Tuesday 2026-11-17, from 10:00; the sample hall's lunch hours are 12:00-13:30):
1005 logs in at window 5 and stays; 1019 logs in at 19 and logs out (free); 1016 logs in at 16,
logs out and has their own lunch turn 10:00-11:00 (at lunch); 1018 logs in at 18 and signs off;
the manager marks 1017 absent; 1001 has not come in.
"""

from __future__ import annotations

from datetime import time, timedelta

from db.models import Hall
from db.planning import planning_state
from db.roster import roster_state
from hall.calendar import business_day
from hall.config import TimeRange
from hall.roster import ClerkDay, DutyState, duty_state
from tests.db.conftest import HallEnv


def states(env: HallEnv) -> dict[str, str]:
    return {c["staff_no"]: c["state"] for c in env.store.roster(env.hall_id)["clerks"]}


def build_morning(env: HallEnv) -> None:
    env.clerk(5)
    env.store.logout(env.clerk(19))
    env.store.logout(env.clerk(16))
    env.store.set_roster(env.manager, "1016", lunch="10:00-11:00", reason="早班午休")
    env.store.sign_off(env.clerk(18))
    env.store.set_roster(env.manager, "1017", absent=True, reason="病假")


def test_who_is_where_this_morning(hall_env: HallEnv) -> None:
    build_morning(hall_env)
    seen = states(hall_env)
    assert {k: seen[k] for k in ("1005", "1019", "1016", "1018", "1017", "1001")} == {
        "1005": "at_window", "1019": "free", "1016": "at_lunch", "1018": "signed_off", "1017": "absent", "1001": "not_in",
    }  # fmt: skip
    roster = {c["staff_no"]: c for c in hall_env.store.roster(hall_env.hall_id)["clerks"]}
    assert roster["1005"]["window"] == 5 and roster["1019"]["window"] is None
    assert (roster["1016"]["lunch"], roster["1016"]["own_lunch"]) == ("10:00-11:00", True)
    assert (roster["1019"]["lunch"], roster["1019"]["own_lunch"]) == ("12:00-13:30", False)
    assert roster["1017"]["state_text"] == {"zh": "今日缺勤", "en": "absent today"}

    planning = planning_state(hall_env.store, hall_env.hall_id, hall_env.clock.now())
    assert planning["spare_clerks"] == [{"staff_no": "1019", "name": "高洁", "skills": ["B", "D", "F", "H", "J"]}]
    assert [c["staff_no"] for c in planning["at_lunch"]] == ["1016"] and planning["at_lunch"][0]["lunch"] == "10:00-11:00"


def test_lunch_turns_follow_the_clock(hall_env: HallEnv) -> None:
    build_morning(hall_env)
    hall_env.advance(hours=2, minutes=10)  # 12:10: the hall's lunch; 1016's own turn is over
    seen = states(hall_env)
    assert (seen["1019"], seen["1016"], seen["1005"]) == ("at_lunch", "free", "at_window")  # 1005 works through lunch
    hall_env.advance(hours=1, minutes=30)  # 13:40
    assert states(hall_env)["1019"] == "free"


def test_logging_in_again_puts_a_clerk_back_on_duty_and_tomorrow_starts_afresh(hall_env: HallEnv) -> None:
    build_morning(hall_env)
    hall_env.store.logout(hall_env.clerk(18))  # back after signing off: at a window, then free
    assert states(hall_env)["1018"] == "free"
    hall_env.store.set_roster(hall_env.manager, "1017", absent=False)
    assert states(hall_env)["1017"] == "not_in"  # no longer absent, not in yet either
    hall_env.store.set_roster(hall_env.manager, "1017", absent=True)
    hall_env.advance(days=1)
    hall_env.issue("A")  # the next business day's first write rolls the day over
    seen = states(hall_env)
    assert (seen["1017"], seen["1019"], seen["1005"]) == ("not_in", "not_in", "not_in")  # the rollover ended 1005's session


def test_roster_changes_are_refused_clearly(hall_env: HallEnv) -> None:
    hall_env.clerk(5)
    with hall_env.refused("clerk_at_window", 409):
        hall_env.store.set_roster(hall_env.manager, "1005", absent=True)
    with hall_env.refused("unknown_clerk", 404):
        hall_env.store.set_roster(hall_env.manager, "9999", absent=True)
    with hall_env.refused("bad_config", 422):
        hall_env.store.set_roster(hall_env.manager, "1005", lunch="noon")


def test_the_roster_is_read_in_one_pass_of_todays_sessions(hall_env: HallEnv) -> None:
    """A session left open since yesterday (no rollover yet) still counts the clerk as on duty."""
    build_morning(hall_env)
    with hall_env.session() as session:
        hours, _ = hall_env.store.settings(session, session.get(Hall, hall_env.hall_id))
        later = hall_env.clock.now() + timedelta(days=1)
        tomorrow = {c["staff_no"]: c["state"] for c in roster_state(session, hall_env.hall_id, hours, later)}
    assert business_day(hours, later).isoformat() == "2026-11-18"
    assert (tomorrow["1005"], tomorrow["1019"], tomorrow["1017"]) == ("at_window", "not_in", "not_in")


def test_duty_state_rules() -> None:
    hall_lunch = TimeRange(time(12, 0), time(13, 30))
    early = TimeRange(time(11, 30), time(12, 30))
    assert duty_state(ClerkDay(True, True, lunch=early), time(11, 45), hall_lunch) is DutyState.AT_WINDOW
    assert duty_state(ClerkDay(True, False, lunch=early), time(11, 45), hall_lunch) is DutyState.AT_LUNCH
    assert duty_state(ClerkDay(True, False, lunch=early), time(12, 45), hall_lunch) is DutyState.FREE
    assert duty_state(ClerkDay(True, False), time(12, 45), hall_lunch) is DutyState.AT_LUNCH
    assert duty_state(ClerkDay(True, False), time(12, 45), None) is DutyState.FREE
    assert duty_state(ClerkDay(False, False), time(9, 0), hall_lunch) is DutyState.NOT_IN
    assert duty_state(ClerkDay(True, False, off_duty="signed_off"), time(9, 0), hall_lunch) is DutyState.SIGNED_OFF
    assert duty_state(ClerkDay(False, False, off_duty="absent"), time(9, 0), hall_lunch) is DutyState.ABSENT
