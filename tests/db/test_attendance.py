"""考勤 read from a day played through the store (db/attendance.py on hall/attendance.py).

Tuesday 2026-11-17 from 10:00 (sample hall, lunch hours 12:00-13:30): 1001 logs in at window 1,
pauses 15 min for a 会议, hands the window to 1020 (B 角) at 10:30 and takes it back at 11:10,
logs out at 12:00; 1005 logs in at window 5 and stays; the manager marks 1017 absent.
"""

from __future__ import annotations

from datetime import date

from db.attendance import AttendanceQueries
from tests.db.conftest import HallEnv

DAY = date(2026, 11, 17)


def play_the_morning(env: HallEnv) -> None:
    wang = env.clerk(1, "1001")
    env.clerk(5)
    env.store.pause(wang, 1, "会议")
    env.advance(minutes=15)
    env.store.resume(wang, 1)
    env.advance(minutes=15)
    cover = env.clerk(1, "1020", handover=True)  # 10:30
    env.advance(minutes=40)
    wang = env.clerk(1, "1001", handover=True)  # 11:10, back on the A post
    env.store.set_roster(env.manager, "1017", absent=True, reason="病假")
    env.advance(minutes=50)
    env.store.logout(wang)  # 12:00
    assert cover.clerk_id != wang.clerk_id
    env.advance(minutes=60)  # 13:00


def test_attendance_of_a_played_morning(hall_env: HallEnv) -> None:
    play_the_morning(hall_env)
    rows, hours = AttendanceQueries(hall_env.store).attendance(hall_env.hall_id, DAY, DAY)
    by_staff = {row.staff_no: row for row in rows}
    assert set(by_staff) == {"1001", "1005", "1020", "1017"}

    first = by_staff["1001"]
    zone = hours.zone
    assert first.first_sign_in is not None and first.first_sign_in.astimezone(zone).strftime("%H:%M") == "10:00"
    assert first.last_sign_out is not None and first.last_sign_out.astimezone(zone).strftime("%H:%M") == "12:00"
    assert first.signed_in_minutes == 30 + 50 and first.paused_minutes == 15 and first.worked_minutes == 65
    assert [(t.reason, t.count, t.minutes) for t in first.pauses] == [("会议", 1, 15.0)]
    (cover,) = first.covers
    assert (cover.window, cover.by_staff_no, cover.minutes) == (1, "1020", 40)
    assert first.lunch_away_minutes == 60 and first.lunch_worked_minutes == 0  # 12:00-13:00 so far

    assert by_staff["1005"].still_in and by_staff["1005"].signed_in_minutes == 180
    assert by_staff["1005"].lunch_worked_minutes == 60
    assert by_staff["1020"].covers == () and by_staff["1020"].signed_in_minutes == 40
    assert by_staff["1017"].marked_absent and by_staff["1017"].first_sign_in is None


def test_absent_then_back_is_not_absent(hall_env: HallEnv) -> None:
    hall_env.store.set_roster(hall_env.manager, "1017", absent=True)
    hall_env.advance(minutes=5)
    hall_env.store.set_roster(hall_env.manager, "1017", absent=False)
    rows, _ = AttendanceQueries(hall_env.store).attendance(hall_env.hall_id, DAY, DAY)
    assert [row.staff_no for row in rows] == []
