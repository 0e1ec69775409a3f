"""/api/staffing-plan through the real server: managers only, a bilingual 400 on a bad date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.client import ApiError
from tests.server.conftest import HallServer


def test_the_staffing_plan_of_a_day_is_for_managers_only(hall_server: HallServer) -> None:
    hs = hall_server
    today = hs.manager.staffing_plan()
    assert {"date", "slots", "lunch_turns", "peaks", "notes", "pools", "clerks", "windows", "open", "days_observed"} <= set(today)
    assert today["days_observed"] == 0 and all(s["needed"] == 0 for s in today["slots"])  # no history, no demand
    tomorrow = date.fromisoformat(today["date"]) + timedelta(days=1)
    assert hs.manager.staffing_plan(tomorrow)["date"] == tomorrow.isoformat()
    for garbage in ("tomorrow", "2026-02-30", "1999-01-01"):
        with pytest.raises(ApiError) as refused:
            hs.manager.request("GET", f"/api/staffing-plan?date={garbage}")
        assert refused.value.status == 400 and refused.value.zh and refused.value.en, garbage
    for device in (hs.kiosk(), hs.display()):
        with pytest.raises(ApiError) as refused:
            device.staffing_plan()
        assert refused.value.status == 403


def test_cross_training_is_for_managers_only_and_computed_once(hall_server: HallServer) -> None:
    hs = hall_server
    first = hs.manager.cross_training()
    assert first["seeds"] == 5 and first["suggestions"] and first["date"] == hs.manager.staffing_plan()["date"]
    assert hs.manager.cross_training() == first  # the cached answer: the same hall, the same day
    for device in (hs.kiosk(), hs.display(), hs.clerk(1)):
        with pytest.raises(ApiError) as refused:
            device.cross_training()
        assert refused.value.status in (401, 403)


def test_a_clerk_marked_absent_today_is_left_out_of_todays_plan(hall_server: HallServer) -> None:
    hs = hall_server
    before = hs.manager.staffing_plan()
    hs.manager.set_roster("1014", absent=True, reason="病假")
    today = hs.manager.staffing_plan()
    assert today["clerks"] == before["clerks"] - 1
    assert today["absent"] == [{"staff_no": "1014", "name": next(c["name"] for c in hs.manager.roster()["clerks"] if c["staff_no"] == "1014")}]
    tomorrow = date.fromisoformat(today["date"]) + timedelta(days=1)
    assert hs.manager.staffing_plan(tomorrow)["clerks"] == before["clerks"]  # absent for the day, not for good
