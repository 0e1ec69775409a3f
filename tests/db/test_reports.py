"""Report queries (db/reports/) on a small fixed hall history, on SQLite and PostgreSQL.

The history is made through the real store operations with a fake clock stepping whole seconds
over three business days in two ISO weeks and two months (Tue 2026-11-17, Mon 2026-11-30 and
Tue 2026-12-01, the day the reports are run, so it is aggregated live while the two closed days
come from rollups). Every expected figure is a literal worked out by hand from the timeline below;
the comments show the arithmetic.

Timeline (hall time, Asia/Shanghai). S = service, W = window, clerk staff numbers in brackets.

Tue 11-17: tickets A001[A01] 10:00:00, A002[A02] 10:01, B001[B01] 10:02, A003[no item] 10:04,
           B002[B02] 11:00:00, A004[A01] 11:00:30
  S1  W1(1001) A001 called 10:05:00 wait 300, start 10:05:30, 即办件 10:10:30 (300 s), 非常满意
  S2  W2(1002) A002 called 10:07:00 wait 360, start 10:07, 承诺件 10:17:00 (600 s), 满意
  S3  W3(1003) B001 called 10:12:00 wait 600, 过号 10:14
  S4  W1(1001) A003 called 10:20:00 wait 960, start 10:20, transferred to B at 10:25
  S5  W3(1003) A003 (now B) called 10:30:00 wait 1560 (still from 10:04, 首问负责), 联办件 10:50 (1200 s), 不满意 -> F1
  S6  W3(1003) B002 called 11:05:00 wait 300, 上报件 11:13:20 (500 s), 不满意 -> F2
      11:00 A/B handover at W1: 1004 takes over from 1001
  S7  W1(1004) A004 called 11:10:00 wait 570, 退办件 11:20 (600 s), 非常不满意 -> F3
  pauses W2(1002): 10:20:00-10:22:00 (120 s), 13:00:00-13:05:00 (300 s, an AB absence > 180 s)
Fri 11-20 10:00 F1 resolved (deadline Tue 11-24: 5 working days) -> on time
Mon 11-30: 09:00 F3 resolved (deadline 11-24) -> overdue; F2 never resolved, 11-24 < today -> overdue
  tickets A001[A01] 09:30, B001[B01] 09:31, B002[B01] 10:00; 1001 takes W1 back (handover)
  S8  W1(1001) A001 called 09:40 wait 600, 即办件 09:45 (300 s), 基本满意
  S9  W3(1003) B001 called 09:42 wait 660, 承诺件 10:02 (1200 s), 非常不满意 -> F4 (deadline Mon 12-07) open
  S10 W3(1003) B002 called 10:05 wait 300, 即办件 10:08:20 (200 s), not rated -> default 基本满意 on 12-01
Tue 12-01 (today): tickets A001[A02] 14:00, A002[A01] 14:01, B001[B01] 14:02
  S11 W2(1002) A001 called 14:10 wait 600, 即办件 14:14 (240 s), 满意
  S13 W3(1003) B001 called 14:12 wait 600, 即办件 14:16 (240 s), not rated
  S12 W2(1002) A002 called 14:20 wait 1140, 即办件 14:30 (600 s), no rating at all
  14:35 default ratings after 1 day switched on and applied (S10 only); pause W3(1003) 14:40-14:42 (120 s)
Reports run at 15:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import FollowUp, ReportDay, ReportRollup
from db.reports.histogram import bin_floor, bin_of
from db.reports.queries import ReportQueries
from hall.reports import Dimension, DurationStats, Report, ReportFilter, ReportRequest, ReportRow, nearest_rank
from hall.tickets import Outcome, RatingLevel
from tests.db.conftest import HallEnv

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY1, DAY_F1, DAY2, DAY3 = date(2026, 11, 17), date(2026, 11, 20), date(2026, 11, 30), date(2026, 12, 1)
PERIOD = ReportRequest(DAY1, DAY3)


# ---------------------------------------------------------------------------- backends


def at(env: HallEnv, day: date, clock_time: str) -> None:
    """Move the fake clock forward to a hall-local time."""
    hour, minute, second = (int(part) for part in clock_time.split(":"))
    target = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI).astimezone(UTC)
    step = target - env.clock.now()
    assert step >= timedelta(0), f"the clock cannot go back to {day} {clock_time}"
    env.clock.advance(step)


# ---------------------------------------------------------------------------- the history


@dataclass
class History:
    services: dict[str, int]
    followups: dict[str, int]


def followup_of(env: HallEnv, service_id: int) -> int:
    from db.models import Rating

    with env.session() as session:
        return int(session.scalar(select(FollowUp.id).join(Rating, Rating.id == FollowUp.rating_id).where(Rating.service_id == service_id)))


def serve(env: HallEnv, clerk: Any, window: int, outcome: str, day: date, called: str, started: str, finished: str) -> int:
    at(env, day, called)
    env.store.call_next(clerk, window)
    at(env, day, started)
    env.store.start(clerk, window)
    at(env, day, finished)
    return int(env.store.finish(clerk, window, outcome)["service_id"])


def make_history(env: HallEnv, through_day2: bool = True, through_day3: bool = True) -> History:
    store, s = env.store, {}
    # ---- Tue 11-17
    c1, c2, c3 = env.clerk(1), env.clerk(2), env.clerk(3)
    at(env, DAY1, "10:00:00")
    store.issue_ticket(env.kiosk, "A", ["A01"])
    at(env, DAY1, "10:01:00")
    store.issue_ticket(env.kiosk, "A", ["A02"])
    at(env, DAY1, "10:02:00")
    store.issue_ticket(env.kiosk, "B", ["B01"])
    at(env, DAY1, "10:04:00")
    store.issue_ticket(env.kiosk, "A", [])
    at(env, DAY1, "10:05:00")
    store.call_next(c1, 1)
    at(env, DAY1, "10:05:30")
    store.start(c1, 1)
    at(env, DAY1, "10:07:00")
    store.call_next(c2, 2)
    store.start(c2, 2)
    at(env, DAY1, "10:10:30")
    s["S1"] = store.finish(c1, 1, "immediate")["service_id"]
    at(env, DAY1, "10:11:00")
    store.rate(env.pad(1), s["S1"], "very_satisfied")
    at(env, DAY1, "10:12:00")
    store.call_next(c3, 3)
    at(env, DAY1, "10:14:00")
    store.no_show(c3, 3)
    at(env, DAY1, "10:17:00")
    s["S2"] = store.finish(c2, 2, "promised")["service_id"]
    at(env, DAY1, "10:18:00")
    store.rate(env.pad(2), s["S2"], "satisfied")
    at(env, DAY1, "10:20:00")
    store.call_next(c1, 1)
    store.start(c1, 1)
    store.pause(c2, 2, "AB岗离岗")
    at(env, DAY1, "10:22:00")
    store.resume(c2, 2)
    at(env, DAY1, "10:25:00")
    store.transfer(c1, 1, to_series="B")
    s["S5"] = serve(env, c3, 3, "joint", DAY1, "10:30:00", "10:30:00", "10:50:00")
    at(env, DAY1, "10:51:00")
    store.rate(env.pad(3), s["S5"], "dissatisfied", ["attitude"])
    at(env, DAY1, "11:00:00")
    store.issue_ticket(env.kiosk, "B", ["B02"])
    c4 = env.clerk(1, "1004", handover=True)
    at(env, DAY1, "11:00:30")
    store.issue_ticket(env.kiosk, "A", ["A01"])
    at(env, DAY1, "11:05:00")
    store.call_next(c3, 3)
    store.start(c3, 3)
    at(env, DAY1, "11:10:00")
    store.call_next(c4, 1)
    store.start(c4, 1)
    at(env, DAY1, "11:13:20")
    s["S6"] = store.finish(c3, 3, "reported")["service_id"]
    at(env, DAY1, "11:14:00")
    store.rate(env.pad(3), s["S6"], "dissatisfied")
    at(env, DAY1, "11:20:00")
    s["S7"] = store.finish(c4, 1, "refused")["service_id"]
    at(env, DAY1, "11:21:00")
    store.rate(env.pad(1), s["S7"], "very_dissatisfied")
    at(env, DAY1, "13:00:00")
    store.pause(c2, 2, "AB岗离岗")
    at(env, DAY1, "13:05:00")
    store.resume(c2, 2)
    followups = {name: followup_of(env, s[name]) for name in ("S5", "S6", "S7")}
    # ---- Fri 11-20: F1 resolved in time
    at(env, DAY_F1, "10:00:00")
    store.update_followup(env.manager, followups["S5"], "resolved", "已回访")
    if not through_day2:
        return History(s, followups)
    # ---- Mon 11-30
    at(env, DAY2, "09:00:00")
    store.update_followup(env.manager, followups["S7"], "resolved", "已回访")
    c1 = env.clerk(1, "1001", handover=True)
    at(env, DAY2, "09:30:00")
    store.issue_ticket(env.kiosk, "A", ["A01"])
    at(env, DAY2, "09:31:00")
    store.issue_ticket(env.kiosk, "B", ["B01"])
    at(env, DAY2, "09:40:00")
    store.call_next(c1, 1)
    store.start(c1, 1)
    at(env, DAY2, "09:42:00")
    store.call_next(c3, 3)
    store.start(c3, 3)
    at(env, DAY2, "09:45:00")
    s["S8"] = store.finish(c1, 1, "immediate")["service_id"]
    at(env, DAY2, "09:46:00")
    store.rate(env.pad(1), s["S8"], "basically_satisfied")
    at(env, DAY2, "10:00:00")
    store.issue_ticket(env.kiosk, "B", ["B01"])
    at(env, DAY2, "10:02:00")
    s["S9"] = store.finish(c3, 3, "promised")["service_id"]
    at(env, DAY2, "10:03:00")
    store.rate(env.pad(3), s["S9"], "very_dissatisfied", ["slow"])
    followups["S9"] = followup_of(env, s["S9"])
    s["S10"] = serve(env, c3, 3, "immediate", DAY2, "10:05:00", "10:05:00", "10:08:20")
    at(env, DAY2, "10:09:00")
    store.rate(env.pad(3), s["S10"], None)
    if not through_day3:
        return History(s, followups)
    # ---- Tue 12-01 (today)
    at(env, DAY3, "14:00:00")
    store.issue_ticket(env.kiosk, "A", ["A02"])
    at(env, DAY3, "14:01:00")
    store.issue_ticket(env.kiosk, "A", ["A01"])
    at(env, DAY3, "14:02:00")
    store.issue_ticket(env.kiosk, "B", ["B01"])
    at(env, DAY3, "14:10:00")
    store.call_next(c2, 2)
    store.start(c2, 2)
    at(env, DAY3, "14:12:00")
    store.call_next(c3, 3)
    store.start(c3, 3)
    at(env, DAY3, "14:14:00")
    s["S11"] = store.finish(c2, 2, "immediate")["service_id"]
    at(env, DAY3, "14:15:00")
    store.rate(env.pad(2), s["S11"], "satisfied")
    at(env, DAY3, "14:16:00")
    s["S13"] = store.finish(c3, 3, "immediate")["service_id"]
    at(env, DAY3, "14:17:00")
    store.rate(env.pad(3), s["S13"], None)
    s["S12"] = serve(env, c2, 2, "immediate", DAY3, "14:20:00", "14:20:00", "14:30:00")
    at(env, DAY3, "14:35:00")
    store.update_hall(env.manager, {"rules": {"default_rating_days": 1}})
    assert store.apply_default_ratings(env.manager)["applied"] == 1  # S10 (ended 11-30 10:08:20, before 11-30 14:35)
    at(env, DAY3, "14:40:00")
    store.pause(c3, 3, "AB岗离岗")
    at(env, DAY3, "14:42:00")
    store.resume(c3, 3)
    at(env, DAY3, "15:00:00")
    return History(s, followups)


# ---------------------------------------------------------------------------- expectations


def stats(count: int, total: float, median: float, p90: float, maximum: float) -> DurationStats:
    return DurationStats(count=count, mean=total / count, median=median, p90=p90, max=maximum)


NO_OUTCOMES = dict.fromkeys(Outcome, 0)
NO_RATINGS = dict.fromkeys(RatingLevel, 0)


def outcomes(**counts: int) -> dict[Outcome, int]:
    return {**NO_OUTCOMES, **{Outcome(name): n for name, n in counts.items()}}


def ratings(**counts: int) -> dict[RatingLevel, int]:
    names = {"vs": RatingLevel.VERY_SATISFIED, "s": RatingLevel.SATISFIED, "b": RatingLevel.BASIC, "d": RatingLevel.DISSATISFIED}
    names["vd"] = RatingLevel.VERY_DISSATISFIED
    return {**NO_RATINGS, **{names[name]: n for name, n in counts.items()}}


def check(row: ReportRow, **expected: Any) -> None:
    """Compare the named figures; 'followups' is (on time, overdue, open), 'pauses' (count, seconds, AB absences)."""
    actual: dict[str, Any] = {}
    for name, value in expected.items():
        if name == "followups":
            actual[name] = (row.followups_on_time, row.followups_overdue, row.followups_open)
        elif name == "pauses":
            actual[name] = (row.pause_count, row.pause_seconds, row.ab_absences)
        elif name in ("wait", "service") and value.count:
            got: DurationStats = getattr(row, name)
            assert value.mean is not None and got.mean == pytest.approx(value.mean), (row.key, name, got, value)
            actual[name] = DurationStats(got.count, value.mean, got.median, got.p90, got.max)
        else:
            actual[name] = getattr(row, name)
    assert actual == expected, row.key


def rows_by_key(report: Report) -> dict[str, ReportRow]:
    return {row.key: row for row in report.rows}


# ---------------------------------------------------------------------------- the hand-computed figures


def test_whole_hall_over_the_period(hall_env: HallEnv) -> None:
    make_history(hall_env)
    report = ReportQueries(hall_env.store).report(hall_env.hall_id, PERIOD)
    (row,) = report.rows
    assert row.key == "hall" and row.label.zh == "全厅"
    for figures in (row, report.total):
        check(
            figures,
            issued=12,  # 6 + 3 + 3 tickets
            served=11,  # 13 services - S3 (no-show) - S4 (transfer)
            no_shows=1,
            transfers=1,
            # waits sorted: 300 300 300 360 570 600 600 600 600 660 960 1140 1560; sum 8550
            # median = rank ceil(0.5*13)=7 -> 600; p90 = rank ceil(0.9*13)=12 -> 1140
            wait=stats(13, 8550, 600, 1140, 1560),
            # service: 200 240 240 300 300 500 600 600 600 1200 1200; sum 5980; median rank 6 -> 500; p90 rank 10 -> 1200
            service=stats(11, 5980, 500, 1200, 1200),
            outcomes=outcomes(immediate=6, promised=2, joint=1, reported=1, refused=1),  # S1 S8 S10 S11 S12 S13 / S2 S9 / S5 / S6 / S7
            ratings=ratings(vs=1, s=2, b=1, d=2, vd=2),  # S1 / S2 S11 / S8 / S5 S6 / S7 S9
            default_ratings=1,  # S10
            not_rated=1,  # S13 (S12 has no rating row at all)
            followups=(1, 2, 1),  # F1 on time; F2 open past 11-24 and F3 resolved 11-30 > 11-24; F4 due 12-07
            pauses=(3, 540.0, 1),  # 120 + 300 + 120; the 300 s one is > 180 s
        )
    assert row.rated == 8 and row.bad_ratings == 4
    assert row.satisfaction_rate == 0.5  # (1 + 2 + 1) / 8
    assert row.rating_rate == 8 / 11
    assert row.mean_score == (5 * 1 + 4 * 2 + 3 * 1 + 2 * 2 + 1 * 2) / 8  # 22 / 8


def test_by_day_week_month_and_weekday(hall_env: HallEnv) -> None:
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    days = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.DAY)))
    assert list(days) == ["2026-11-17", "2026-11-30", "2026-12-01"]  # 11-20 had no ticket, pause or rating
    assert days["2026-11-17"].label.zh == "2026-11-17 星期二" and days["2026-11-17"].label.en == "2026-11-17 Tue"
    check(
        days["2026-11-17"],
        issued=6,
        served=5,
        no_shows=1,
        transfers=1,
        wait=stats(7, 4650, 570, 1560, 1560),  # 300 300 360 570 600 960 1560: sum 4650, rank 4 -> 570, rank 7 -> 1560
        service=stats(5, 3200, 600, 1200, 1200),  # 300 500 600 600 1200: rank 3 -> 600, rank 5 -> 1200
        outcomes=outcomes(immediate=1, promised=1, joint=1, reported=1, refused=1),
        ratings=ratings(vs=1, s=1, d=2, vd=1),
        default_ratings=0,
        not_rated=0,
        followups=(1, 2, 0),
        pauses=(2, 420.0, 1),  # 120 + 300
    )
    check(
        days["2026-11-30"],
        issued=3,
        served=3,
        wait=stats(3, 1560, 600, 660, 660),  # 300 600 660: rank 2 -> 600, rank 3 -> 660
        service=stats(3, 1700, 300, 1200, 1200),  # 200 300 1200
        outcomes=outcomes(immediate=2, promised=1),
        ratings=ratings(b=1, vd=1),
        default_ratings=1,
        not_rated=0,
        followups=(0, 0, 1),
        pauses=(0, 0.0, 0),
    )
    check(
        days["2026-12-01"],
        issued=3,
        served=3,
        wait=stats(3, 2340, 600, 1140, 1140),  # 600 600 1140
        service=stats(3, 1080, 240, 600, 600),  # 240 240 600
        outcomes=outcomes(immediate=3),
        ratings=ratings(s=1),
        default_ratings=0,
        not_rated=1,
        followups=(0, 0, 0),
        pauses=(1, 120.0, 0),
    )

    weeks = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.WEEK)))
    assert list(weeks) == ["2026-W47", "2026-W49"]
    assert weeks["2026-W49"].label.zh == "2026年第49周"
    check(weeks["2026-W47"], issued=6, served=5, wait=stats(7, 4650, 570, 1560, 1560), pauses=(2, 420.0, 1))
    check(
        weeks["2026-W49"],  # 11-30 + 12-01
        issued=6,
        served=6,
        wait=stats(6, 3900, 600, 1140, 1140),  # 300 600 600 600 660 1140: rank 3 -> 600, rank ceil(5.4)=6 -> 1140
        service=stats(6, 2780, 240, 1200, 1200),  # 200 240 240 300 600 1200: rank 3 -> 240, rank 6 -> 1200
        ratings=ratings(s=1, b=1, vd=1),
        default_ratings=1,
        not_rated=1,
        followups=(0, 0, 1),
        pauses=(1, 120.0, 0),
    )

    months = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.MONTH)))
    assert list(months) == ["2026-11", "2026-12"]
    assert months["2026-11"].label.zh == "2026年11月" and months["2026-11"].label.en == "Nov 2026"
    check(
        months["2026-11"],  # 11-17 + 11-30
        issued=9,
        served=8,
        no_shows=1,
        transfers=1,
        # 300 300 300 360 570 600 600 660 960 1560: sum 4650 + 1560 = 6210, rank 5 -> 570, rank 9 -> 960
        wait=stats(10, 6210, 570, 960, 1560),
        # 200 300 300 500 600 600 1200 1200: sum 4900, rank 4 -> 500, rank ceil(7.2)=8 -> 1200
        service=stats(8, 4900, 500, 1200, 1200),
        outcomes=outcomes(immediate=3, promised=2, joint=1, reported=1, refused=1),
        ratings=ratings(vs=1, s=1, b=1, d=2, vd=2),
        followups=(1, 2, 1),
    )
    check(months["2026-12"], issued=3, served=3, wait=stats(3, 2340, 600, 1140, 1140), not_rated=1)

    weekdays = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.WEEKDAY)))
    assert list(weekdays) == ["1", "2"]
    assert weekdays["1"].label.zh == "星期一" and weekdays["2"].label.en == "Tuesday"
    check(weekdays["1"], issued=3, served=3, wait=stats(3, 1560, 600, 660, 660))  # Mon 11-30
    check(
        weekdays["2"],  # Tue 11-17 + Tue 12-01
        issued=9,
        served=8,
        # 300 300 360 570 600 600 600 960 1140 1560: sum 4650 + 2340 = 6990, rank 5 -> 600, rank 9 -> 1140
        wait=stats(10, 6990, 600, 1140, 1560),
        # 240 240 300 500 600 600 600 1200: sum 3200 + 1080 = 4280, rank 4 -> 500, rank 8 -> 1200
        service=stats(8, 4280, 500, 1200, 1200),
        pauses=(3, 540.0, 1),
    )


def test_by_category_and_item(hall_env: HallEnv) -> None:
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    categories = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.CATEGORY)))
    assert list(categories) == ["A", "B"]
    assert categories["A"].label.zh.startswith("A ") and categories["A"].label.en.startswith("A ")
    check(
        categories["A"],
        issued=7,  # A tickets: 4 + 1 + 2
        served=6,  # S1 S2 S7 S8 S11 S12 (S4 was A when called, then transferred)
        no_shows=0,
        transfers=1,
        wait=stats(7, 4530, 600, 1140, 1140),  # 300 360 570 600 600 960 1140: rank 4 -> 600, rank 7 -> 1140
        service=stats(6, 2640, 300, 600, 600),  # 240 300 300 600 600 600: rank 3 -> 300, rank 6 -> 600
        outcomes=outcomes(immediate=4, promised=1, refused=1),
        ratings=ratings(vs=1, s=2, b=1, vd=1),
        default_ratings=0,
        not_rated=0,
        followups=(0, 1, 0),  # F3
        pauses=(0, 0.0, 0),  # a pause stops a window, not a category
    )
    check(
        categories["B"],
        issued=5,  # B tickets: 2 + 2 + 1 (A003 was taken for A)
        served=5,  # S5 S6 S9 S10 S13
        no_shows=1,
        transfers=0,
        wait=stats(6, 4020, 600, 1560, 1560),  # 300 300 600 600 660 1560
        service=stats(5, 3340, 500, 1200, 1200),  # 200 240 500 1200 1200
        outcomes=outcomes(immediate=2, promised=1, joint=1, reported=1),
        ratings=ratings(d=2, vd=1),
        default_ratings=1,
        not_rated=1,
        followups=(1, 1, 1),  # F1, F2, F4
    )

    items = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.ITEM)))
    assert list(items) == ["", "A01", "A02", "B01", "B02"]
    assert items[""].label.zh == "未选事项" and items["A01"].label.zh.startswith("A01 ")
    check(items[""], issued=1, served=1, transfers=1, wait=stats(2, 2520, 960, 1560, 1560))  # A003: S4 960, S5 1560
    check(
        items["A01"],
        issued=4,  # 11-17 A001 A004, 11-30 A001, 12-01 A002
        served=4,  # S1 S7 S8 S12
        wait=stats(4, 2610, 570, 1140, 1140),  # 300 570 600 1140: rank 2 -> 570, rank 4 -> 1140
        service=stats(4, 1800, 300, 600, 600),  # 300 300 600 600: rank 2 -> 300
        ratings=ratings(vs=1, b=1, vd=1),
    )
    check(items["A02"], issued=2, served=2, wait=stats(2, 960, 360, 600, 600), service=stats(2, 840, 240, 600, 600))  # S2 S11
    check(
        items["B01"],
        issued=4,  # 11-17 B001, 11-30 B001 B002, 12-01 B001
        served=3,  # S9 S10 S13 (S3 no-show)
        no_shows=1,
        wait=stats(4, 2160, 600, 660, 660),  # 300 600 600 660: rank 2 -> 600, rank 4 -> 660
        default_ratings=1,
        not_rated=1,
    )
    check(items["B02"], issued=1, served=1, outcomes=outcomes(reported=1), followups=(0, 1, 0))  # S6, F2


def test_by_window_clerk_and_department(hall_env: HallEnv) -> None:
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    windows = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.WINDOW)))
    assert list(windows) == ["1", "2", "3"]
    assert windows["1"].label.zh == "1号窗口 投资项目窗口" and windows["1"].label.en == "Window 1 Investment projects"
    check(
        windows["1"],
        issued=None,  # tickets are taken per category, not per window
        served=3,  # S1 S7 S8
        transfers=1,  # S4
        wait=stats(4, 2430, 570, 960, 960),  # 300 570 600 960: rank 2 -> 570, rank ceil(3.6)=4 -> 960
        service=stats(3, 1200, 300, 600, 600),  # 300 300 600
        outcomes=outcomes(immediate=2, refused=1),
        ratings=ratings(vs=1, b=1, vd=1),
        followups=(0, 1, 0),
        pauses=(0, 0.0, 0),
    )
    check(
        windows["2"],
        served=3,  # S2 S11 S12
        wait=stats(3, 2100, 600, 1140, 1140),  # 360 600 1140
        service=stats(3, 1440, 600, 600, 600),  # 240 600 600: rank 2 -> 600
        ratings=ratings(s=2),
        not_rated=0,
        pauses=(2, 420.0, 1),
    )
    check(
        windows["3"],
        served=5,
        no_shows=1,
        wait=stats(6, 4020, 600, 1560, 1560),  # same services as category B
        followups=(1, 1, 1),
        pauses=(1, 120.0, 0),
    )

    clerks = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.CLERK)))
    assert list(clerks) == ["1001", "1002", "1003", "1004"]
    assert clerks["1001"].label.zh == "王丽（1001）" and clerks["1001"].label.en == "王丽 (1001)"
    check(
        clerks["1001"],
        issued=None,
        served=2,  # S1 S8
        transfers=1,  # S4
        wait=stats(3, 1860, 600, 960, 960),  # 300 600 960
        service=stats(2, 600, 300, 300, 300),
        ratings=ratings(vs=1, b=1),
        followups=(0, 0, 0),
    )
    check(clerks["1002"], served=3, pauses=(2, 420.0, 1))
    check(clerks["1003"], served=5, no_shows=1, pauses=(1, 120.0, 0), default_ratings=1, not_rated=1)
    check(
        clerks["1004"],  # the B post at window 1 after the 11:00 handover
        served=1,
        wait=stats(1, 570, 570, 570, 570),
        service=stats(1, 600, 600, 600, 600),
        outcomes=outcomes(refused=1),
        ratings=ratings(vd=1),
        followups=(0, 1, 0),
    )

    departments = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.DEPARTMENT)))
    assert sorted(departments) == ["住房和城乡建设局", "发展和改革局", "市场监督管理局"]
    check(departments["发展和改革局"], issued=None, served=3, transfers=1, pauses=(0, 0.0, 0))  # window 1
    check(departments["住房和城乡建设局"], served=3, pauses=(2, 420.0, 1))  # window 2
    check(departments["市场监督管理局"], served=5, no_shows=1, followups=(1, 1, 1), pauses=(1, 120.0, 0))  # window 3


def test_by_hour(hall_env: HallEnv) -> None:
    make_history(hall_env)
    hours = rows_by_key(ReportQueries(hall_env.store).report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.HOUR)))
    assert list(hours) == ["09", "10", "11", "13", "14"]
    assert hours["09"].label.zh == "09:00–10:00"
    check(hours["09"], issued=2, served=2, wait=stats(2, 1260, 600, 660, 660))  # 11-30 A001 B001: S8 600, S9 660
    check(
        hours["10"],
        issued=5,  # 11-17 A001 A002 B001 A003, 11-30 B002
        served=4,  # S1 S2 S5 S10
        no_shows=1,
        transfers=1,
        wait=stats(6, 4080, 360, 1560, 1560),  # 300 300 360 600 960 1560: rank 3 -> 360, rank 6 -> 1560
        service=stats(4, 2300, 300, 1200, 1200),  # 200 300 600 1200: rank 2 -> 300
        pauses=(1, 120.0, 0),  # W2 10:20
    )
    check(hours["11"], issued=2, served=2, wait=stats(2, 870, 300, 570, 570), followups=(0, 2, 0))  # S6 300, S7 570
    check(hours["13"], issued=0, served=0, wait=DurationStats(), pauses=(1, 300.0, 1))  # only the 13:00 pause
    check(hours["14"], issued=3, served=3, not_rated=1, pauses=(1, 120.0, 0))


def test_filters(hall_env: HallEnv) -> None:
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    only_a = queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.DAY, ReportFilter(category="A")))
    days = rows_by_key(only_a)
    check(days["2026-11-17"], issued=4, served=3, transfers=1, wait=stats(4, 2190, 360, 960, 960), pauses=(0, 0.0, 0))  # S1 S2 S4 S7
    check(days["2026-11-30"], issued=1, served=1, wait=stats(1, 600, 600, 600, 600))  # S8
    check(days["2026-12-01"], issued=2, served=2, wait=stats(2, 1740, 600, 1140, 1140))  # S11 S12
    check(only_a.total, issued=7, served=6, transfers=1, wait=stats(7, 4530, 600, 1140, 1140), followups=(0, 1, 0))

    # a filter the rollups cannot serve (window 3, rows by clerk) is aggregated from raw rows
    window3 = queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.CLERK, ReportFilter(window=3)))
    (clerk3,) = window3.rows
    check(clerk3, issued=None, served=5, no_shows=1, wait=stats(6, 4020, 600, 1560, 1560), pauses=(1, 120.0, 0))
    check(window3.total, issued=None, served=5, followups=(1, 1, 1))

    clerk2 = rows_by_key(queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.MONTH, ReportFilter(clerk="1002"))))
    check(clerk2["2026-11"], issued=None, served=1, wait=stats(1, 360, 360, 360, 360), pauses=(2, 420.0, 1))  # S2
    check(clerk2["2026-12"], served=2, wait=stats(2, 1740, 600, 1140, 1140), pauses=(0, 0.0, 0))  # S11 S12

    department = queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, Dimension.WINDOW, ReportFilter(department="发展和改革局")))
    assert [row.key for row in department.rows] == ["1"]
    check(department.total, issued=None, served=3, transfers=1)


def test_rollups_equal_live_aggregation_for_every_report(hall_env: HallEnv) -> None:
    make_history(hall_env)
    from_rollups, live = ReportQueries(hall_env.store), ReportQueries(hall_env.store, use_rollups=False)
    requests = [ReportRequest(DAY1, DAY3, by) for by in Dimension]
    requests += [ReportRequest(DAY1, DAY2, by) for by in Dimension]  # closed days only
    requests += [
        ReportRequest(DAY1, DAY3, by, wanted)
        for by in (Dimension.DAY, Dimension.CATEGORY, Dimension.WINDOW, Dimension.HALL)
        for wanted in (
            ReportFilter(category="B"),
            ReportFilter(window=1),
            ReportFilter(clerk="1003"),
            ReportFilter(department="住房和城乡建设局"),
        )
    ]
    for request in requests:
        assert from_rollups.report(hall_env.hall_id, request) == live.report(hall_env.hall_id, request), request
    with hall_env.session() as session:
        built = set(session.scalars(select(ReportDay.business_day)))
    # every closed day from the first ticket on, empty ones too (so they are not looked at again)
    assert built == {DAY1 + timedelta(days=offset) for offset in range(14)}  # 11-17 .. 11-30


def test_window_filtered_report_over_a_long_period_starts_from_the_window(hall_env: HallEnv) -> None:
    """Over months a window-filtered report is read from the window's services (a planner hint on SQLite): the
    same rows and total as over the days that hold the history, cross-filtered (by item) and live."""
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    for by in (Dimension.ITEM, Dimension.CLERK, Dimension.DAY):
        long = queries.report(hall_env.hall_id, ReportRequest(DAY1 - timedelta(days=120), DAY3, by, ReportFilter(window=1)))
        short = queries.report(hall_env.hall_id, ReportRequest(DAY1, DAY3, by, ReportFilter(window=1)))
        assert long.rows == short.rows and long.total == short.total, by
        assert long.total.served > 0


def test_late_rating_rebuilds_a_closed_day(hall_env: HallEnv) -> None:
    """A service finished just before midnight is rated after the day was rolled up: the report changes."""
    store = hall_env.store
    clerk = hall_env.clerk(2)
    at(hall_env, DAY1, "17:00:00")
    store.issue_ticket(hall_env.kiosk, "A", ["A01"])
    service_id = serve(hall_env, clerk, 2, "immediate", DAY1, "23:50:00", "23:50:00", "23:55:00")
    at(hall_env, DAY1 + timedelta(days=1), "00:01:00")
    store.apply_default_ratings(hall_env.manager)  # the new day's first write rolls the hall over: 11-17 is closed
    queries = ReportQueries(store)
    day = ReportRequest(DAY1, DAY1)
    before = queries.report(hall_env.hall_id, day).total
    assert (before.served, before.rated, before.not_rated) == (1, 0, 0)
    with hall_env.session() as session:
        assert session.scalars(select(ReportDay.business_day)).all() == [DAY1]  # rolled up
    at(hall_env, DAY1 + timedelta(days=1), "00:06:00")
    store.rate(hall_env.pad(2), service_id, "dissatisfied")  # 11 minutes after the finish: still allowed
    after = queries.report(hall_env.hall_id, day).total
    assert after.ratings[RatingLevel.DISSATISFIED] == 1 and after.rated == 1
    assert after.followups_open == 1  # due 11-24, today is 11-18
    assert queries.report(hall_env.hall_id, day) == ReportQueries(store, use_rollups=False).report(hall_env.hall_id, day)


def test_followup_resolved_later_rebuilds_a_closed_day(hall_env: HallEnv) -> None:
    """Follow-ups are rolled up with their day; resolving or reopening one later is seen at once."""
    history = make_history(hall_env)
    queries, request = ReportQueries(hall_env.store), ReportRequest(DAY2, DAY2)
    assert queries.report(hall_env.hall_id, request).total.followups_open == 1  # F4, built into the 11-30 rollup
    at(hall_env, DAY3, "16:00:00")
    hall_env.store.update_followup(hall_env.manager, history.followups["S9"], "resolved", "已回访")
    total = queries.report(hall_env.hall_id, request).total
    assert (total.followups_on_time, total.followups_overdue, total.followups_open) == (1, 0, 0)
    at(hall_env, DAY3, "16:10:00")
    hall_env.store.update_followup(hall_env.manager, history.followups["S9"], "open")  # reopened: no timestamp left on the row
    total = queries.report(hall_env.hall_id, request).total
    assert (total.followups_on_time, total.followups_overdue, total.followups_open) == (0, 0, 1)


def test_default_rating_in_place_rebuilds_a_closed_day(hall_env: HallEnv) -> None:
    """'Not rated' turned into a default rating keeps its created_at: the day is found by the count of 'not rated'."""
    make_history(hall_env, through_day3=False)
    at(hall_env, DAY3, "11:00:00")  # a day after S10 ended (11-30 10:08:20)
    hall_env.store.apply_default_ratings(hall_env.manager)  # off yet (0 days); as the day's first write it closes 11-30
    queries = ReportQueries(hall_env.store)
    request = ReportRequest(DAY2, DAY2)
    before = queries.report(hall_env.hall_id, request).total
    assert (before.not_rated, before.default_ratings) == (1, 0)  # S10
    hall_env.store.update_hall(hall_env.manager, {"rules": {"default_rating_days": 1}})
    assert hall_env.store.apply_default_ratings(hall_env.manager)["applied"] == 1
    after = queries.report(hall_env.hall_id, request).total
    assert (after.not_rated, after.default_ratings) == (0, 1)
    assert after.rated == before.rated == 2  # a default is never a citizen's rating
    with hall_env.session() as session:
        assert DAY2 in set(session.scalars(select(ReportDay.business_day)))  # served from a rebuilt rollup, not live


def test_followups_move_with_the_calendar(hall_env: HallEnv) -> None:
    """Follow-ups are counted live: F4 (due Mon 12-07) is open on 12-01 and overdue on 12-08."""
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    request = ReportRequest(DAY2, DAY2)
    assert queries.report(hall_env.hall_id, request).total.followups_open == 1
    at(hall_env, date(2026, 12, 8), "09:00:00")
    total = queries.report(hall_env.hall_id, request).total
    assert (total.followups_open, total.followups_overdue) == (0, 1)


def test_rating_records_for_the_provincial_platform(hall_env: HallEnv) -> None:
    make_history(hall_env)
    records = ReportQueries(hall_env.store).rating_records(hall_env.hall_id, DAY1, DAY3)
    # citizens' ratings (8) and the default (S10), in the order they were recorded; 'not rated' is no record
    assert [(r.case_no, r.level.value, r.is_default) for r in records] == [
        ("20261117-A001", "very_satisfied", False),
        ("20261117-A002", "satisfied", False),
        ("20261117-A003", "dissatisfied", False),
        ("20261117-B002", "dissatisfied", False),
        ("20261117-A004", "very_dissatisfied", False),
        ("20261130-A001", "basically_satisfied", False),
        ("20261130-B001", "very_dissatisfied", False),
        ("20261130-B002", "basically_satisfied", True),
        ("20261201-A001", "satisfied", False),
    ]
    first = records[0]
    assert (first.item_code, first.category, first.department, first.window) == ("A01", "A", "发展和改革局", 1)
    assert (first.clerk_staff_no, first.clerk_name, first.channel) == ("1001", "王丽", "pad")
    assert first.rated_at_iso == "2026-11-17T10:11:00+08:00"
    assert records[2].reasons == ["attitude"] and records[2].window == 3 and records[2].item_code == ""
    default = records[7]
    assert default.channel == "default" and default.rated_at_iso == "2026-11-30T10:09:00+08:00"  # the pad's timeout row, now a default
    assert records[4].clerk_staff_no == "1004"  # the B post after the handover


def test_rating_records_keep_the_second_of_a_rating_late_in_its_second(hall_env: HallEnv) -> None:
    """A rating at 10:11:00.9996 is listed at 10:11:00, as isoformat() cuts it: SQLite's strftime, which the records
    query reads the instant with, rounds to the millisecond and so would list it at 10:11:01."""
    store = hall_env.store
    at(hall_env, DAY1, "10:00:00")
    store.issue_ticket(hall_env.kiosk, "A", ["A01"])
    service_id = serve(hall_env, hall_env.clerk(1), 1, "immediate", DAY1, "10:05:00", "10:05:30", "10:10:30")
    at(hall_env, DAY1, "10:11:00")
    hall_env.clock.advance(timedelta(microseconds=999_600))
    store.rate(hall_env.pad(1), service_id, "satisfied")
    records = ReportQueries(store).rating_records(hall_env.hall_id, DAY1, DAY1)
    assert [(record.case_no, record.rated_at_iso) for record in records] == [("20261117-A001", "2026-11-17T10:11:00+08:00")]


def test_rollup_rows_are_compact(hall_env: HallEnv) -> None:
    make_history(hall_env)
    queries = ReportQueries(hall_env.store)
    assert queries.refresh_rollups(hall_env.hall_id) == 14  # 11-17 .. 11-30, the closed days since the first ticket
    assert queries.refresh_rollups(hall_env.hall_id) == 0  # nothing missing, nothing stale
    with hall_env.session() as session:
        dimensions = set(session.scalars(select(ReportRollup.dimension).where(ReportRollup.business_day == DAY1)))
    assert dimensions == {"hall", "category", "item", "window", "clerk", "department", "hour"}


# ---------------------------------------------------------------------------- histograms


@pytest.mark.parametrize(
    ("seconds", "floor"),
    [(0, 0), (59.9, 59), (3599.5, 3599), (3600, 3600), (3609, 3600), (3610, 3610), (14_399, 14_390), (14_400, 14_400), (14_459, 14_400)],
)
def test_histogram_bins(seconds: float, floor: float) -> None:
    assert bin_floor(bin_of(seconds)) == floor


def test_percentiles_are_exact_nearest_rank_below_an_hour() -> None:
    from db.reports.histogram import Histogram, duration_stats

    values = [float(v) for v in (5, 17, 17, 300, 299, 1200, 3599, 42, 8, 61, 610)]
    histogram = Histogram()
    for value in values:
        histogram.add(value)
    result = duration_stats(len(values), sum(values), max(values), Histogram.decode(histogram.encode()))
    ordered = sorted(values)
    assert (result.median, result.p90, result.max) == (nearest_rank(ordered, 0.5), nearest_rank(ordered, 0.9), 3599.0)


# ---------------------------------------------------------------------------- 好差评 record timestamps


@pytest.mark.parametrize("zone_name", ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "UTC"])
def test_rating_timestamps_formatted_in_bulk_equal_the_zone_conversion(zone_name: str) -> None:
    """The records' local times come from numpy with an offset looked up per quarter hour: across the zones' DST
    changes (St John's shifts at a half hour in UTC, Lord Howe by 30 minutes) they equal a conversion of every instant."""
    from db.reports.records import _local_iso_texts

    zone = ZoneInfo(zone_name)
    instants = [
        transition_day - timedelta(days=1) + timedelta(minutes=step, seconds=step % 60, microseconds=step)
        for transition_day in (datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 4, 5, tzinfo=UTC))
        for step in range(0, 3 * 24 * 60, 7)  # every 7 minutes over three days around the change, seconds and microseconds too
    ]
    # whole seconds since 1970, as the records query gives them (the fraction cut off, as isoformat(timespec="seconds") does)
    seconds = [int((instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)) for instant in instants]
    assert _local_iso_texts(seconds, zone) == [instant.astimezone(zone).isoformat(timespec="seconds") for instant in instants]
    assert _local_iso_texts([], zone) == []


def test_rating_timestamps_in_one_offset_and_before_1970() -> None:
    """A period in one offset (the path most months take) and a second before 1970 (quarters are floored)."""
    from db.reports.records import _local_iso_texts

    expected = ["1970-01-01T07:59:59+08:00", "1970-01-01T08:00:00+08:00", "2026-09-21T22:13:20+08:00", "2026-09-21T22:14:19+08:00"]
    assert _local_iso_texts([-1, 0, 1_790_000_000, 1_790_000_059], SHANGHAI) == expected


def test_rating_record_fields_in_the_order_the_records_query_passes_them() -> None:
    """rating_records builds each RatingRecord positionally from its columns (map() takes no keywords): a reordered
    field would silently swap two columns of the same type, e.g. the clerk's staff number and name."""
    from hall.reports import RatingRecord

    assert list(RatingRecord._fields) == [
        "case_no",
        "ticket_public_id",
        "item_code",
        "category",
        "department",
        "window",
        "clerk_staff_no",
        "clerk_name",
        "level",
        "is_default",
        "reasons",
        "channel",
        "rated_at_iso",
    ]


def test_a_parked_ticket_called_back_waits_once(hall_env: HallEnv) -> None:
    """挂起: the citizen fetches a document for 24 minutes. That is no wait in the queue: the
    ticket's waiting time is its 5 minutes before the first call, live and from the rollup."""
    from db.models import Service

    store, clerk = hall_env.store, hall_env.clerk(1)
    at(hall_env, DAY1, "10:00:00")
    ticket = store.issue_ticket(hall_env.kiosk, "A", ["A01"])
    at(hall_env, DAY1, "10:05:00")
    store.call_next(clerk, 1)
    at(hall_env, DAY1, "10:06:00")
    store.park(clerk, 1, "回去取营业执照")
    at(hall_env, DAY1, "10:30:00")
    called_back = store.call_back(clerk, 1, ticket["id"])
    assert called_back["ticket"]["waited_minutes"] == 0
    store.start(clerk, 1)
    at(hall_env, DAY1, "10:35:00")
    store.finish(clerk, 1, "immediate")
    with hall_env.session() as session:
        services = session.execute(select(Service.end_reason, Service.waited_seconds, Service.queue_wait).order_by(Service.id)).all()
    assert [tuple(s) for s in services] == [("parked", 300.0, True), ("finished", 0.0, False)]
    day = ReportRequest(DAY1, DAY1)
    live = ReportQueries(store, use_rollups=False).report(hall_env.hall_id, day).total
    check(live, issued=1, served=1, wait=stats(1, 300, 300, 300, 300), service=stats(1, 300, 300, 300, 300), outcomes=outcomes(immediate=1), not_rated=0)
    # The next day closes DAY1; its report then comes from the rollup, with the same figures.
    at(hall_env, DAY1 + timedelta(days=1), "09:00:00")
    store.issue_ticket(hall_env.kiosk, "A", [])
    assert ReportQueries(store).report(hall_env.hall_id, day).total == live
    with hall_env.session() as session:
        assert DAY1 in set(session.scalars(select(ReportDay.business_day)))
