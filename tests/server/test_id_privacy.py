"""个人信息保护法, issue 17 point 5: no ID number in clear anywhere. A card is read by the (fake)
reader, hashed on the kiosk's side, checked in / issued under 一人一号, called, served and rated;
the manager exports the reports (CSV, XLSX, PDF, ratings CSV/XLSX/JSON) and the day's bookings.
Then the SQLite file, its WAL and every other file of the hall, all log output (server, reader,
uvicorn) and every export are searched for the number in ASCII/UTF-8/GB18030, UCS-2 LE and BE
(as the card's text block carries it), and for its 17-digit body: none found."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from db.models import Appointment
from hall.clock import FakeClock
from hardware.idcard import IdCard, open_idcard_reader
from hardware.idcard.fakes import sample_card
from kiosk.card import holder_from_card
from tests.server.conftest import HallServer

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall
DAY = "2026-11-17"


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[HallServer]:
    server = HallServer(f"sqlite:///{tmp_path / 'hall.db'}", "sqlite", clock=FakeClock(START))
    yield server
    server.close()


def forms(number: str) -> list[bytes]:
    """The number as bytes in every encoding it could leak in; its first 17 digits too."""
    found = []
    for text in (number, number[:17]):
        found += [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be"), text.encode("gb18030")]
    return found


def read_card(seq: int) -> IdCard:
    """The card as the kiosk gets it: over the reader's frames from the fake device."""
    got: list[IdCard] = []
    arrived = threading.Event()
    reader = open_idcard_reader("idcard:fake:", lambda card: (got.append(card), arrived.set()))
    try:
        assert reader.fake_device is not None
        reader.fake_device.swipe(sample_card(seq))
        assert arrived.wait(10), "the fake reader gave no card"
    finally:
        reader.stop()
    return got[0]


def test_no_id_number_in_clear_in_database_logs_or_exports(hall: HallServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk = hall.kiosk()
    key = kiosk.id_key()
    walk_in_card, booked_card = read_card(123), read_card(7)
    numbers = [walk_in_card.id_number, booked_card.id_number]

    # a walk-in under 一人一号, refused a second number, and a booking checked in by card
    walker = holder_from_card(key, walk_in_card)
    kiosk.issue("B", id_hash=walker.id_hash, id_masked=walker.id_masked)
    with pytest.raises(Exception, match="one_ticket_per_person"):
        kiosk.issue("B", id_hash=walker.id_hash, id_masked=walker.id_masked)
    booker = holder_from_card(key, booked_card)
    code = hall.manager.add_appointment("B", (hall.clock.now() + timedelta(minutes=20)).isoformat(), name="张三", phone="13812345678")["code"]
    with hall.engines.write.begin() as connection:
        connection.execute(update(Appointment).where(Appointment.code == code).values(id_hash=booker.id_hash))
    checked_in = kiosk.check_in_by_card(booker.id_hash, booker.id_masked)
    assert checked_in["booking"]["code"] == code

    # both served and rated at window 3 (B)
    clerk, pad = hall.clerk(3), hall.pad(3)
    for outcome in ("immediate", "promised"):
        clerk.call_next(3)
        clerk.start(3)
        hall.clock.advance(300)
        service = clerk.finish(3, outcome)["service_id"]
        pad.rate(service, "satisfied")

    exports: dict[str, bytes] = {}
    headers = {"Authorization": f"Bearer {hall.manager.token}"}
    for name, path in {
        "report.csv": f"/api/reports/export?start={DAY}&end={DAY}&by=category&format=csv",
        "report.xlsx": f"/api/reports/export?start={DAY}&end={DAY}&by=category&format=xlsx",
        "report.pdf": f"/api/reports/export?start={DAY}&end={DAY}&format=pdf",
        "ratings.csv": f"/api/reports/ratings/export?start={DAY}&end={DAY}&format=csv",
        "ratings.xlsx": f"/api/reports/ratings/export?start={DAY}&end={DAY}&format=xlsx",
        "ratings.json": f"/api/reports/ratings/export?start={DAY}&end={DAY}&format=json",
        "bookings.csv": f"/api/bookings/day.csv?day={DAY}",
    }.items():
        answer = httpx.get(f"{hall.url}{path}", headers=headers, timeout=30)
        assert answer.status_code == 200, (name, answer.text[:200])
        exports[name] = answer.content
    assert exports["ratings.json"].count(b"satisfied") >= 2   # both services are in the exports
    xlsx_text = _xlsx_text(exports["report.xlsx"]) + _xlsx_text(exports["ratings.xlsx"])

    # the hall's files while the server still runs: the database, its WAL and anything beside them
    files = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert "hall.db" in files and "hall.db-wal" in files
    logs = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records) + capfd.readouterr().out + capfd.readouterr().err
    assert "card read" in logs   # the reader did log the reads: masked

    haystacks = {**{f"file {n}": b for n, b in files.items()}, **{f"export {n}": b for n, b in exports.items()},
                 "xlsx cells": xlsx_text.encode(), "logs": logs.encode("utf-8")}
    for number in numbers:
        for needle in forms(number):
            leaks = [where for where, data in haystacks.items() if needle in data]
            assert leaks == [], f"clear ID number found in {leaks}"
    # what is there instead: the masked form on the ticket rows
    assert walker.id_masked.encode() in files["hall.db"] + files["hall.db-wal"]


def _xlsx_text(content: bytes) -> str:
    """The XLSX's XML parts, unzipped (its sheets are deflated: the bytes alone would hide a leak)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml"))
