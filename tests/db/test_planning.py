"""The planning query (db/planning.py) on a hand-built morning, on SQLite and PostgreSQL.

The morning (hall-local times, Tuesday 2026-11-17; the sample hall opens at 08:30):

* 10:00 five 社保 (D) tickets are issued; clerk 1008 at window 8 serves them one after another
  for 4, 6, 8 and 10 minutes (10:00–10:28) and, after a pause to 10:50, 8 minutes, so D's
  service estimate is the mean, 7.2 minutes (hall.forecast.service_estimate; the median is 8).
* 不动产 (C) tickets are issued at 10:10, 10:40 and 10:50; at 11:00 clerk 1005 calls the first
  one at window 5 (it is no longer waiting but still arrived in the last hour).
* At 11:05: C has two waiting, aged 25 and 15 minutes; 3 C arrivals in the last 60 minutes
  (after 10:05), 2 in the last 30 (after 10:35); D's arrivals at 10:00 are 65 minutes old and
  count in neither. C has no finished service, so its configured 20 minutes stand. The hall has
  been open 155 minutes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.planning import opened_minutes, planning_state
from hall.config import HoursConfig, TimeRange, parse_time_range
from tests.db.conftest import HallEnv

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 17)




def at(env: HallEnv, clock_time: str) -> None:
    """Move the fake clock forward to a hall-local time on DAY."""
    hour, minute = (int(part) for part in clock_time.split(":"))
    target = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)
    step = target - env.clock.now()
    assert step >= timedelta(0), f"the clock cannot go back to {clock_time}"
    env.clock.advance(step)


def build_morning(env: HallEnv) -> None:
    at(env, "10:00")
    for _ in range(5):
        env.issue("D", advance=0)
    clerk_d = env.clerk(8, "1008")
    for finish_at in ("10:04", "10:10", "10:18", "10:28", "10:58"):
        env.store.call_next(clerk_d, 8)
        env.store.start(clerk_d, 8)
        at(env, finish_at)
        env.store.finish(clerk_d, 8, "immediate")
        if finish_at == "10:10":
            env.issue("C", advance=0)          # C1 at 10:10, between two D services
        elif finish_at == "10:28":
            at(env, "10:40")
            env.issue("C", advance=0)          # C2 at 10:40 (D5 is being served)
            at(env, "10:50")
            env.issue("C", advance=0)          # C3 at 10:50
    at(env, "11:00")
    clerk_c = env.clerk(5, "1005")
    called = env.store.call_next(clerk_c, 5)
    assert called["ticket"]["number"].startswith("C")
    at(env, "11:05")


def test_planning_state_has_the_hand_checked_figures(hall_env: HallEnv) -> None:
    build_morning(hall_env)
    now = hall_env.clock.now()
    state = planning_state(hall_env.store, hall_env.hall_id, now)

    assert state["business_day"] == "2026-11-17"
    assert state["opened_minutes"] == 155.0
    assert state["rules"] == {"call_rule": "primary_first", "secondary_promote_minutes": 30.0,
                              "pause_warn_minutes": 3.0, "long_wait_alert_minutes": 30.0}
    by_series = {c["series"]: c for c in state["categories"]}
    assert list(by_series) == ["A", "B", "C", "D", "E", "F", "G", "H", "J"]

    c, d, a = by_series["C"], by_series["D"], by_series["A"]
    assert c["waiting_ages_minutes"] == [25.0, 15.0]
    assert (c["arrivals_last_30_minutes"], c["arrivals_last_60_minutes"]) == (2, 3)
    assert (c["services_observed"], c["service_minutes"], c["service_minutes_observed"]) == (0, 20.0, False)
    assert d["waiting_ages_minutes"] == []
    assert (d["arrivals_last_30_minutes"], d["arrivals_last_60_minutes"]) == (0, 0)
    assert (d["services_observed"], d["service_minutes"], d["service_minutes_observed"]) == (5, 7.2, True)
    assert (a["waiting_ages_minutes"], a["arrivals_last_60_minutes"], a["service_minutes"]) == ([], 0, 18.0)
    assert (a["target_wait_minutes"], a["name_zh"]) == (20.0, "投资建设项目")

    windows = {w["number"]: w for w in state["windows"]}
    assert len(windows) == 20
    assert windows[8]["clerk"] == {"staff_no": "1008", "name": "黄磊", "skills": ["D", "F"]}
    assert (windows[8]["primary"], windows[8]["secondary"], windows[8]["state"]) == (["D"], [], "open")
    assert windows[5]["clerk"]["staff_no"] == "1005"
    assert (windows[19]["primary"], windows[19]["secondary"]) == (["B", "D"], ["F", "H", "J"])
    assert windows[1]["clerk"] is None and windows[20]["state"] == "closed"


def test_a_session_gives_the_same_answer_and_nothing_is_written(hall_env: HallEnv) -> None:
    build_morning(hall_env)
    before = hall_env.last_seq()
    now = hall_env.clock.now()
    with hall_env.session() as session:
        from_session = planning_state(session, hall_env.hall_id, now)
    assert from_session == planning_state(hall_env.store, hall_env.hall_id, now)
    assert hall_env.last_seq() == before


def test_arrivals_are_counted_up_to_now_only(hall_env: HallEnv) -> None:
    """A ticket issued after the asked instant (a slow request) is not an arrival of the past hour."""
    at(hall_env, "10:00")
    hall_env.issue("B", advance=0)
    at(hall_env, "10:20")
    hall_env.issue("B", advance=0)
    asked = datetime(2026, 11, 17, 10, 10, tzinfo=SHANGHAI).astimezone(UTC)
    b = {c["series"]: c for c in planning_state(hall_env.store, hall_env.hall_id, asked)["categories"]}["B"]
    assert (b["arrivals_last_30_minutes"], b["arrivals_last_60_minutes"]) == (1, 1)


def test_opened_minutes_follows_the_hours() -> None:
    def hm(text: str) -> TimeRange:
        return parse_time_range(text, "test")

    hours = HoursConfig(regular=(hm("08:30-12:00"), hm("13:30-17:30")), lunch=hm("12:00-13:30"), weekend=hm("09:00-17:00"),
                        closed_dates=("2026-10-01",))

    def local(day: date, hour: int, minute: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)

    assert opened_minutes(hours, local(DAY, 8, 0)) == 0.0            # before opening
    assert opened_minutes(hours, local(DAY, 9, 15)) == 45.0
    assert opened_minutes(hours, local(DAY, 14, 0)) == 330.0
    assert opened_minutes(hours, local(date(2026, 11, 21), 10, 0)) == 60.0   # Saturday: weekend hours (appointments)
    assert opened_minutes(hours, local(date(2026, 10, 1), 10, 0)) == 0.0     # a holiday
