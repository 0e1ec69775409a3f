"""The city's ingest: idempotent, in order, and only a hall's own data, from a hall the city trusts."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from city.models import CityEvent, CityTicket
from city.runner import CityServerThread, revoke_hall
from tests.support.city import CityPki, client, event


def post(http: httpx.Client, hall: str, events: list[dict], head: int | None = None) -> httpx.Response:
    head = head if head is not None else (events[-1]["seq"] if events else 0)
    return http.post("/city/api/ingest", json={"hall": hall, "head_seq": head, "events": events})


def counts(city: CityServerThread, hall: str) -> tuple[int, int]:
    with city.engine.connect() as connection:
        events = connection.execute(select(func.count()).select_from(CityEvent).where(CityEvent.hall == hall)).scalar_one()
        tickets = connection.execute(select(func.count()).select_from(CityTicket).where(CityTicket.hall == hall)).scalar_one()
    return events, tickets


def test_a_batch_is_applied_once_and_a_replay_changes_nothing(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        first = post(http, "hall-a", [event(seq) for seq in range(1, 6)])
        assert first.status_code == 200, first.text
        assert first.json() == {"acked_seq": 5, "applied": 5}
        replay = post(http, "hall-a", [event(seq) for seq in range(1, 6)])
        assert replay.json() == {"acked_seq": 5, "applied": 0}
        overlapping = post(http, "hall-a", [event(seq) for seq in range(4, 9)])
        assert overlapping.json() == {"acked_seq": 8, "applied": 3}
    assert counts(city, "hall-a") == (8, 8)


def test_a_gap_is_refused_with_the_seq_expected(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        post(http, "hall-a", [event(1), event(2)])
        gap = post(http, "hall-a", [event(5), event(6)])
        assert gap.status_code == 409
        body = gap.json()
        assert body["error"] == "seq_gap" and body["expected_seq"] == 3
        assert "3" in body["message"]["zh"] and "expected 3" in body["message"]["en"]
        holes = post(http, "hall-a", [event(3), event(5)])
        assert holes.status_code == 422 and holes.json()["error"] == "batch_not_contiguous"
    assert counts(city, "hall-a") == (2, 2)


def test_a_hall_cannot_write_another_halls_data(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        response = post(http, "hall-b", [event(1)])
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "not_your_hall" and "hall-b" in body["message"]["zh"] and "hall-b" in body["message"]["en"]
    assert counts(city, "hall-b") == (0, 0)


def test_a_revoked_hall_is_refused(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        assert post(http, "hall-a", [event(1)]).status_code == 200
        revoke_hall(city.engine, "hall-a", "设备失窃 / stolen server")
        response = post(http, "hall-a", [event(2)])
    assert response.status_code == 403 and response.json()["error"] == "hall_revoked"
    assert counts(city, "hall-a") == (1, 1)


def test_no_client_certificate_no_connection(city: CityServerThread, pki: CityPki) -> None:
    pki.hall("hall-a")  # makes the CA
    with client(city.url, None, pki.ca_directory / "ca.pem") as http, pytest.raises(httpx.TransportError):
        post(http, "hall-a", [event(1)])


def test_a_certificate_from_another_ca_is_refused(city: CityServerThread, pki: CityPki, tmp_path_factory: pytest.TempPathFactory) -> None:
    stranger = CityPki(tmp_path_factory.mktemp("stranger")).hall("hall-a")
    pki.hall("hall-a")
    with client(city.url, stranger, pki.ca_directory / "ca.pem") as http, pytest.raises(httpx.TransportError):
        post(http, "hall-a", [event(1)])


def test_only_a_console_reads_the_halls(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        post(http, "hall-a", [event(1), event(2)], head=7)
        assert http.get("/city/api/halls").status_code == 403
    with client(city.url, pki.console(), pki.ca_directory / "ca.pem") as http:
        halls = http.get("/city/api/halls").json()["halls"]
        assert post(http, "console", [event(1)]).status_code == 403  # a console writes nothing
    assert [(h["hall"], h["link"], h["tickets"], h["waiting"], h["acked_seq"], h["lag_events"]) for h in halls] == [
        ("hall-a", "up", 2, 2, 2, 5)
    ]


def test_a_hall_whose_outbox_went_back_in_time_is_stopped(city: CityServerThread, pki: CityPki) -> None:
    """A hall database restored from an older backup would number new events with seqs the city
    already holds for other events: the city refuses instead of dropping them as replays."""
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        post(http, "hall-a", [event(seq) for seq in range(1, 11)])
        rewound = post(http, "hall-a", [event(seq) for seq in range(1, 4)], head=3)
    assert rewound.status_code == 409
    body = rewound.json()
    assert body["error"] == "hall_rewound" and body["acked_seq"] == 10 and "10" in body["message"]["zh"]
    assert counts(city, "hall-a") == (10, 10)


def test_a_body_beyond_any_batch_is_refused_unread(city: CityServerThread, pki: CityPki) -> None:
    with client(city.url, pki.hall("hall-a"), pki.ca_directory / "ca.pem") as http:
        response = http.post("/city/api/ingest", content=b"x" * (17 * 1024 * 1024), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["message"]["en"].startswith("a batch must state its size")
    assert counts(city, "hall-a") == (0, 0)
