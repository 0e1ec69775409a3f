"""No overbooking across two ``hallq server`` processes on one PostgreSQL database: 200 citizens
confirm their codes at the same instant, split across both processes, for the last 10 places of
a slot. Each citizen comes from its own loopback address (127.0.x.y), so the real per-address
rate limits stay on and are not what refuses anyone."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import BookingSlot
from hall.booking import bookable_days, day_slots
from hall.config import HallConfig
from server.booking.verification import SENT_FILE_VARIABLE
from server.runner import Hall, prepare_hall
from tests.server.conftest import unique_name
from tests.support.at_once import at_once
from tests.support.halls import ServerProcess, sample_hall_hashed
from tests.support.pg import PgCluster

pytestmark = pytest.mark.postgres
CITIZENS = 200
ALREADY_BOOKED = 20  # of 30 places: 10 left


def fast_household_desk() -> HallConfig:
    """户籍 (G) at 1 minute a service: 30 places a slot, weekday (2 windows, half for bookings)
    or appointment-only weekend (1 of 2 windows staffed, all for bookings)."""
    config = sample_hall_hashed()
    categories = tuple(dataclasses.replace(c, expected_service_minutes=1.0) if c.series == "G" else c for c in config.categories)
    return dataclasses.replace(config, categories=categories)


def client(url: str, index: int) -> httpx.Client:
    address = f"127.0.{1 + index // 250}.{1 + index % 250}"
    return httpx.Client(base_url=url, timeout=60, transport=httpx.HTTPTransport(local_address=address))


@pytest.fixture
def two_servers(pg_cluster: PgCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Hall, list[str], Path]]:
    sent = tmp_path / "sent.jsonl"
    monkeypatch.setenv(SENT_FILE_VARIABLE, str(sent))
    url = pg_cluster.create_database(unique_name("booking_two_processes"))  # tests/db names its databases booking_N
    hall = prepare_hall(url, fast_household_desk())
    servers = [ServerProcess(url, log_path=tmp_path / f"server-{name}.log") for name in "AB"]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        yield hall, [s.url for s in servers], sent
    finally:
        for server in servers:
            server.stop()
        hall.engines.dispose()


def test_200_concurrent_confirmations_for_the_last_10_places(two_servers: tuple[Hall, list[str], Path]) -> None:
    hall, urls, sent = two_servers
    config = hall.config
    now = datetime.now(UTC)
    slot = next(
        s
        for day in bookable_days(config.hours, config.booking, now)
        for s in day_slots(config.hours, config.booking, day)
        if s.start > now + timedelta(minutes=30)
    )
    form = {"item": "G01", "day": slot.start.date().isoformat(), "start": f"{slot.start:%H%M}", "name": "钱七", "lang": "zh"}
    clients = [client(urls[i % 2], i) for i in range(ALREADY_BOOKED + CITIZENS)]
    tokens: list[str] = []
    for index, http in enumerate(clients):
        # A citizen types the SMS code minutes later on a new connection; reusing this one would
        # race the server's 5 s keep-alive close (a reset before any answer, not a refusal).
        page = http.post("/b/request", data={**form, "phone": f"1591111{index:04d}"}, headers={"Connection": "close"})
        assert page.status_code == 200, page.text[:500]
        token = re.search(r'name="request" value="([^"]+)"', page.text)
        assert token is not None
        tokens.append(token.group(1))
    codes = {json.loads(line)["phone"][-4:]: json.loads(line)["code"] for line in sent.read_text().splitlines()}
    assert len(codes) == len(clients)

    def confirm(index: int) -> httpx.Response:
        return clients[index].post("/b/verify", data={"request": tokens[index], "code": codes[f"{index:04d}"], "lang": "zh"})

    for index in range(ALREADY_BOOKED):
        assert confirm(index).status_code == 200
    started = time.perf_counter()
    outcomes = at_once([lambda i=i: confirm(i) for i in range(ALREADY_BOOKED, ALREADY_BOOKED + CITIZENS)])
    print(f"{CITIZENS} concurrent confirmations over 2 processes: {time.perf_counter() - started:.2f} s")
    statuses = [o.status_code if isinstance(o, httpx.Response) else repr(o) for o in outcomes]
    booked = [o for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 200 and "预约成功" in o.text]
    full = [o for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 409 and "该时段已约满" in o.text]
    assert len(booked) == 10 and len(full) == CITIZENS - 10, sorted(set(map(str, statuses)))
    with Session(hall.engines.read) as session:
        places = session.scalar(select(BookingSlot.booked).where(BookingSlot.slot_at == slot.start))
    assert places == ALREADY_BOOKED + 10
    for http in clients:
        http.close()
