"""The bench's recorded day is what a hall ships: the city takes it whole and counts it right."""

from __future__ import annotations

from datetime import UTC, datetime

from city.runner import CityServerThread
from tests.support.city import CityPki, client
from workbench.bench.city import recorded_day


def test_a_recorded_day_is_ingested_as_tickets_services_and_ratings(city: CityServerThread, pki: CityPki) -> None:
    day = recorded_day(1_000, datetime(2026, 11, 17, 1, 0, tzinfo=UTC))
    assert [event["seq"] for event in day] == list(range(1, 1_001))
    with client(city.url, pki.hall("sim-1"), pki.ca_directory / "ca.pem") as http:
        for first in range(0, len(day), 300):
            response = http.post("/city/api/ingest", json={"hall": "sim-1", "head_seq": 1_000, "events": day[first : first + 300]})
            assert response.status_code == 200, response.text
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        (hall,) = http.get("/city/api/halls").json()["halls"]
    assert (hall["tickets"], hall["services_finished"], hall["ratings"], hall["waiting"], hall["lag_events"]) == (200, 200, 200, 0, 0)
