"""考勤 from a seeded day: sessions, pauses, a handover, lunch and an absent mark."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hall.attendance import (
    ATTENDANCE_COLUMNS,
    AttendanceInput,
    ClerkOnRoll,
    PauseSpan,
    SessionSpan,
    attendance_cells,
    attendance_days,
)
from hall.config import TimeRange

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
LUNCH = TimeRange(time(12, 0), time(13, 30))


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


CLERKS = [
    ClerkOnRoll(1, "A01", "王丽"),
    ClerkOnRoll(2, "B02", "李强", lunch=TimeRange(time(11, 30), time(12, 30))),
    ClerkOnRoll(3, "C03", "赵敏"),
]

SESSIONS = [
    # 王丽: window 1 from 8:55, hands over to 李强 at 10:00, back by handover at 10:40, off at 12:00,
    # then window 1 again 13:30-17:05.
    SessionSpan(1, 1, "A", at(8, 55), at(10, 0), "handover"),
    SessionSpan(2, 1, "B", at(10, 0), at(10, 40), "handover"),
    SessionSpan(1, 1, "A", at(10, 40), at(12, 0), "logout"),
    SessionSpan(1, 1, "A", at(13, 30), at(17, 5), "signed_off"),
    # 李强: window 2 from 9:00, through his own lunch turn until 12:00 (worked 30 min of it), still in.
    SessionSpan(2, 2, "A", at(9, 0), at(10, 0), "moved"),
    SessionSpan(2, 2, "A", at(10, 40), at(12, 0), "logout"),
    SessionSpan(2, 2, "A", at(13, 0), None, ""),
    # Yesterday's session: outside the period.
    SessionSpan(1, 1, "A", at(9, 0, DAY - timedelta(days=1)), at(17, 0, DAY - timedelta(days=1)), "signed_off"),
]

PAUSES = [
    PauseSpan(1, 1, "会议", at(9, 30), at(9, 45)),
    PauseSpan(1, 1, "会议", at(14, 0), at(14, 30)),
    PauseSpan(1, None, "培训", at(15, 0), at(15, 10)),  # an old row without a clerk: 王丽 was at window 1
    PauseSpan(2, 2, "AB岗交接", at(13, 10), None),  # still paused at "now"
]

NOW = at(18, 0)  # the evening: 李强 is still logged in and paused


def seeded() -> AttendanceInput:
    return AttendanceInput(CLERKS, SESSIONS, PAUSES, frozenset({(3, DAY)}), hall_lunch=LUNCH)


def test_a_seeded_day_per_clerk() -> None:
    rows = attendance_days(seeded(), DAY, DAY, ZONE, NOW)
    assert [row.staff_no for row in rows] == ["A01", "B02", "C03"]
    wang, li, zhao = rows

    # 王丽: 8:55-10:00 and 10:40-12:00 (145 min, the handover span excluded) and 13:30-17:05 (215).
    assert wang.first_sign_in == at(8, 55) and wang.last_sign_out == at(17, 5) and not wang.still_in
    assert wang.status.en == "signed out"
    assert wang.signed_in_minutes == 145 + 215
    assert {(t.reason, t.count, t.minutes) for t in wang.pauses} == {("会议", 2, 45.0), ("培训", 1, 10.0)}
    assert wang.pause_count == 3 and wang.paused_minutes == 55
    assert wang.worked_minutes == 145 + 215 - 55
    # The hall's lunch 12:00-13:30: away the whole 90 minutes.
    assert wang.lunch == LUNCH and wang.lunch_away_minutes == 90 and wang.lunch_worked_minutes == 0
    (cover,) = wang.covers
    assert (cover.window, cover.start, cover.end, cover.by_staff_no, cover.minutes) == (1, at(10, 0), at(10, 40), "B02", 40)
    assert wang.windows == (1,)

    # 李强: 9:00-12:00 across windows 2, 1, 2 (180 min), 13:00-now (300); his own lunch 11:30-12:30.
    assert li.signed_in_minutes == 180 + 300 and li.still_in and li.last_sign_out is None
    assert li.status.en == "on duty"
    assert li.paused_minutes == 290 and li.pauses[0].reason == "AB岗交接" and li.worked_minutes == 480 - 290
    assert li.lunch_worked_minutes == 30 and li.lunch_away_minutes == 30
    assert li.windows == (1, 2) and li.covers == ()

    # 赵敏: marked absent, never in.
    assert zhao.marked_absent and zhao.first_sign_in is None and zhao.signed_in_minutes == 0
    assert zhao.status.zh == "缺勤"


def test_the_open_session_and_pause_count_up_to_now() -> None:
    midafternoon = at(15, 20)
    li = attendance_days(seeded(), DAY, DAY, ZONE, midafternoon)[1]
    assert li.signed_in_minutes == 180 + 140 and li.paused_minutes == 130


def test_the_period_picks_days() -> None:
    both = attendance_days(seeded(), DAY - timedelta(days=1), DAY, ZONE, NOW)
    assert [(row.day, row.staff_no) for row in both][:1] == [(DAY - timedelta(days=1), "A01")]
    assert attendance_days(seeded(), DAY + timedelta(days=1), DAY + timedelta(days=2), ZONE, NOW) == []


def test_cells_are_bilingual_and_match_the_columns() -> None:
    wang = attendance_days(seeded(), DAY, DAY, ZONE, NOW)[0]
    cells = attendance_cells(wang, ZONE)
    assert len(cells) == len(ATTENDANCE_COLUMNS)
    by_column = {column.en: cell for column, cell in zip(ATTENDANCE_COLUMNS, cells, strict=True)}
    assert by_column["First sign-in"].zh == "08:55" and by_column["Last sign-out"].zh == "17:05"
    assert "会议 2次 45分" in by_column["Pause reasons"].zh and "会议 ×2 45 min" in by_column["Pause reasons"].en
    assert "李强（B02）顶岗 40分" in by_column["A/B cover"].zh and "covered by 李强 (B02) 40 min" in by_column["A/B cover"].en
    assert by_column["Lunch"].zh.startswith("12:00-13:30 离岗 90")
