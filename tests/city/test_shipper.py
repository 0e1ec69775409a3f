"""The hall's shipper: the outbox reaches the city in order and once, across a city outage and a
city that lost data; the hall's own writes never wait for it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from city.models import CityEvent, CityHall, CityTicket
from city.runner import CityServerThread
from db.city_outbox import CityOutbox
from db.models import Ticket
from hall.text import HallRuleError
from server.city_link import CityLinkConfig, CityShipper, load_city_link, start_city_shipper
from server.runner import Hall, prepare_hall
from tests.support.city import CityPki
from tests.support.halls import RunningClock, always_open


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    prepared = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", always_open(), RunningClock(), synchronous="NORMAL")
    yield prepared
    prepared.engines.dispose()


def link_config(city: CityServerThread, pki: CityPki, code: str) -> CityLinkConfig:
    files = pki.hall(code)
    return CityLinkConfig(city.url, files.cert, files.key, files.ca, batch_events=50, heartbeat_seconds=0.5, backoff_max_seconds=0.5)


def issue(hall: Hall, count: int) -> None:
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", f"kiosk {time.monotonic()}")["token"]
    kiosk = hall.store.authenticate(token)
    assert kiosk is not None
    for index in range(count):
        hall.store.issue_ticket(kiosk, "ABCDE"[index % 5])


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def city_tickets(city: CityServerThread, code: str) -> set[int]:
    with city.engine.connect() as connection:
        return set(connection.execute(select(CityTicket.ticket_id).where(CityTicket.hall == code)).scalars())


def hall_tickets(hall: Hall) -> set[int]:
    with hall.engines.read.connect() as connection:
        return set(connection.execute(select(Ticket.id)).scalars())


def caught_up(city: CityServerThread, hall: Hall, code: str) -> Callable[[], bool]:
    head = CityOutbox(hall.engines, hall.hall_id).head_seq

    def check() -> bool:
        with city.engine.connect() as connection:
            acked = connection.execute(select(CityHall.acked_seq).where(CityHall.code == code)).scalar()
        return acked == head()

    return check


def test_the_outbox_reaches_the_city_across_an_outage(hall: Hall, city: CityServerThread, pki: CityPki, city_url: str) -> None:
    code = hall.config.code
    shipper = start_city_shipper(hall.store, hall.hall_id, link_config(city, pki, code))
    try:
        issue(hall, 120)
        wait_for(caught_up(city, hall, code))
        assert city_tickets(city, code) == hall_tickets(hall)
        assert shipper.state.up and shipper.state.shipped_batches >= 3  # 50 events a batch

        port = city.port
        city.stop()
        issue(hall, 80)  # the hall serves on while the city is away
        wait_for(lambda: not shipper.state.up)
        restarted = CityServerThread(city_url, pki.ca_directory, port=port).start()
        try:
            wait_for(caught_up(restarted, hall, code))
            assert city_tickets(restarted, code) == hall_tickets(hall)
            with restarted.engine.connect() as connection:
                events = connection.execute(select(func.count()).select_from(CityEvent).where(CityEvent.hall == code)).scalar_one()
            assert events == CityOutbox(hall.engines, hall.hall_id).head_seq()  # each event once
        finally:
            restarted.stop()
    finally:
        shipper.stop()
    assert CityOutbox(hall.engines, hall.hall_id).cursor() == CityOutbox(hall.engines, hall.hall_id).head_seq()


def test_a_city_that_lost_data_gets_it_again(hall: Hall, city: CityServerThread, pki: CityPki) -> None:
    code = hall.config.code
    shipper = start_city_shipper(hall.store, hall.hall_id, link_config(city, pki, code))
    try:
        issue(hall, 30)
        wait_for(caught_up(city, hall, code))
        with city.engine.begin() as connection:  # as a city restored from last night's backup
            for table in (CityTicket, CityEvent, CityHall):
                connection.execute(delete(table).where(table.hall == code if table is not CityHall else CityHall.code == code))
        issue(hall, 5)
        wait_for(caught_up(city, hall, code))
        assert city_tickets(city, code) == hall_tickets(hall)
    finally:
        shipper.stop()


def test_a_hall_without_a_city_section_ships_nothing(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text('[hall]\ncode = "x"\n', encoding="utf-8")
    assert load_city_link(path) is None


def test_a_bad_city_section_is_refused_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text('[city]\nurl = "http://city.example"\ncert = "a.pem"\nkey = "a-key.pem"\nca = "ca.pem"\n', encoding="utf-8")
    with pytest.raises(HallRuleError) as caught:
        load_city_link(path)
    assert "https://" in caught.value.message.zh and "https://" in caught.value.message.en


def test_personal_fields_stay_in_the_hall(hall: Hall) -> None:
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "kiosk")["token"]
    kiosk = hall.store.authenticate(token)
    assert kiosk is not None
    hall.store.issue_ticket(kiosk, "A")
    shipped = [event.to_wire() for event in CityOutbox(hall.engines, hall.hall_id).after(0, 100)]
    issued = next(event for event in shipped if event["kind"] == "ticket_issued")
    assert "note" not in issued["data"]["ticket"] and "priority_reason" not in issued["data"]["ticket"]
    assert issued["data"]["ticket"]["number"]


def test_the_shipper_stops_cleanly_when_the_city_never_answered(hall: Hall, pki: CityPki) -> None:
    files = pki.hall("x")
    config = CityLinkConfig("https://127.0.0.1:9", files.cert, files.key, files.ca, backoff_max_seconds=0.2)
    shipper = CityShipper(CityOutbox(hall.engines, hall.hall_id), config).start()
    issue(hall, 3)
    wait_for(lambda: shipper.state.failures >= 2)
    started = time.monotonic()
    shipper.stop()
    assert time.monotonic() - started < 5
    assert not shipper.state.up and shipper.state.last_error


def test_the_city_materialises_services_ratings_follow_ups_pauses_and_faults(hall: Hall, city: CityServerThread, pki: CityPki) -> None:
    from sqlalchemy import text

    store, code = hall.store, hall.config.code
    device = {
        role: store.authenticate(store.enroll_device(None, hall.hall_id, role, role, window)["token"])
        for role, window in (("kiosk", None), ("counter", 2), ("pad", 2), ("manager", None))
    }
    issue(hall, 2)
    clerk = store.authenticate(store.login(device["counter"], "1002", "1002")["token"])
    assert clerk is not None
    store.call_next(clerk, 2)
    store.start(clerk, 2)
    service_id = store.finish(clerk, 2, "immediate")["service_id"]
    followup = store.rate(device["pad"], service_id, "very_dissatisfied")["followup"]
    store.pause(clerk, 2, "午休")
    store.resume(clerk, 2)
    store.pause(clerk, 2, "培训")
    store.device_alert(device["kiosk"], "paper_out", "打印机缺纸", "printer out of paper")
    store.update_followup(device["manager"], followup["id"], "resolved", notes="已回访")
    shipper = start_city_shipper(store, hall.hall_id, link_config(city, pki, code))
    try:
        wait_for(caught_up(city, hall, code))
    finally:
        shipper.stop()
    with city.engine.connect() as connection:
        service = connection.execute(text("SELECT outcome, started_at IS NOT NULL, ended_at IS NOT NULL FROM city_services")).one()
        rating = connection.execute(text("SELECT service_id, level, bad FROM city_ratings")).one()
        followups = connection.execute(text("SELECT followup_id, status FROM city_followups")).all()
        pauses = connection.execute(text("SELECT reason, ended_at IS NULL FROM city_pauses ORDER BY seq")).all()
        faults = connection.execute(text("SELECT kind, message_zh, role FROM city_device_faults")).all()
        statuses = sorted(connection.execute(text("SELECT status FROM city_tickets")).scalars())
    assert tuple(service) == ("immediate", True, True)
    assert tuple(rating) == (service_id, "very_dissatisfied", True)
    assert [tuple(row) for row in followups] == [(followup["id"], "resolved")]
    assert [tuple(row) for row in pauses] == [("午休", False), ("培训", True)]
    assert [tuple(row) for row in faults] == [("paper_out", "打印机缺纸", "kiosk")]
    assert statuses == ["done", "waiting"]


def test_the_hall_serves_while_the_city_swallows_every_packet(hall: Hall, pki: CityPki) -> None:
    """A link that drops packets (the city accepts the connection and never answers) holds the
    shipper in its HTTP timeout, never the hall: tickets are issued all the while."""
    import socket

    black_hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(8)  # never accepted: the TLS handshake waits for ever
    files = pki.hall(hall.config.code)
    config = CityLinkConfig(f"https://127.0.0.1:{black_hole.getsockname()[1]}", files.cert, files.key, files.ca)
    shipper = start_city_shipper(hall.store, hall.hall_id, config)
    try:
        issue(hall, 50)
        assert len(hall_tickets(hall)) == 50
        assert shipper.state.acked_seq == 0 and not shipper.state.up
    finally:
        black_hole.close()
        shipper.stop()
