"""/api/forecast and the forecast figures of /api/planning through the real server (manager only)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.client import ApiError
from tests.server.conftest import HallServer


def test_the_forecast_of_a_day_is_for_managers_only(hall_server: HallServer) -> None:
    hs = hall_server
    today = hs.manager.forecast()
    assert set(today) == {"date", "slot_minutes", "weeks", "open", "days_observed", "categories"}
    assert today["slot_minutes"] == 30 and today["days_observed"] == 0  # a new hall has no history
    first = today["categories"][0]
    assert set(first) == {
        "series", "name_zh", "name_en", "expected_service_minutes", "target_wait_minutes",
        "service_minutes", "services_observed", "slots",
    }  # fmt: skip
    assert first["series"] == "A" and first["service_minutes"] == first["expected_service_minutes"]
    tomorrow = date.fromisoformat(today["date"]) + timedelta(days=1)
    assert hs.manager.forecast(tomorrow)["date"] == tomorrow.isoformat()
    holiday = hs.manager.request("GET", "/api/forecast?date=2026-10-01")
    assert holiday["open"] is False and all(c["slots"] == [] for c in holiday["categories"])
    for garbage in ("tomorrow", "2026-02-30", "%00", "1999-01-01"):
        with pytest.raises(ApiError) as refused:
            hs.manager.request("GET", f"/api/forecast?date={garbage}")
        assert refused.value.status == 400 and refused.value.zh and refused.value.en, garbage
    with pytest.raises(ApiError) as refused:
        hs.kiosk().forecast()
    assert refused.value.status == 403


def test_planning_carries_forecasts_and_the_service_estimate(hall_server: HallServer) -> None:
    hs = hall_server
    hs.kiosk().issue("B")
    planning = hs.manager.planning()
    assert planning["forecast_days"] == 0
    b = {c["series"]: c for c in planning["categories"]}["B"]
    assert b["forecast_per_hour_now"] == 0.0 and b["forecast_per_hour_next"] == 0.0
    assert len(b["arrival_ages_minutes"]) == 1 and b["arrival_ages_minutes"][0] < 5
    assert b["service_minutes"] == b["expected_service_minutes"]
