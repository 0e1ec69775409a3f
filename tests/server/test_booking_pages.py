"""The booking pages through real HTTP: the whole flow, a bad-input table for every public field
(each a bilingual error that changes nothing), and the rate limits on them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Appointment, BookingSlot
from hall.clock import FakeClock
from server.booking.verification import SENT_FILE_VARIABLE
from server.limits import Limits
from server.runner import ServerThread, prepare_hall
from tests.support.halls import sample_hall_hashed

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall
OPEN_LIMITS = Limits(public_rate=(10_000.0, 10_000), booking_request_rate=(10_000.0, 10_000))


class Booker:
    def __init__(self, server: ServerThread, sent: Path, engines: object) -> None:
        self.server, self.sent, self.engines = server, sent, engines
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def last_code(self) -> str:
        return json.loads(self.sent.read_text().splitlines()[-1])["code"]

    def request(self, name: str = "张三", phone: str = "13812345678", start: str = "1400", item: str = "C02") -> httpx.Response:
        form = {"item": item, "day": "2026-11-17", "start": start, "name": name, "phone": phone, "lang": "zh"}
        return self.http.post("/b/request", data=form)

    def book(self, phone: str = "13812345678", start: str = "1400") -> str:
        page = self.request(phone=phone, start=start)
        assert page.status_code == 200, page.text
        token = re.search(r'name="request" value="([^"]+)"', page.text)
        assert token is not None
        done = self.http.post("/b/verify", data={"request": token.group(1), "code": self.last_code(), "lang": "zh"})
        assert done.status_code == 200 and "预约成功" in done.text
        code = re.search(r'<div class="code">([0-9A-Z ]+)</div>', done.text)
        assert code is not None
        return code.group(1).replace(" ", "")

    def counts(self) -> tuple[int, int]:
        with Session(self.engines.read) as session:  # type: ignore[attr-defined]
            return (
                int(session.scalar(select(func.count()).select_from(Appointment)) or 0),
                int(session.scalar(select(func.coalesce(func.sum(BookingSlot.booked), 0))) or 0),
            )


def start_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits) -> tuple[ServerThread, Path, object]:
    sent = tmp_path / "sent.jsonl"
    monkeypatch.setenv(SENT_FILE_VARIABLE, str(sent))
    hall = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", replace(sample_hall_hashed()), FakeClock(START), synchronous="NORMAL")
    return ServerThread(hall.store, limits=limits).start(), sent, hall.engines


@pytest.fixture
def booker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Booker]:
    server, sent, engines = start_server(tmp_path, monkeypatch, OPEN_LIMITS)
    booker = Booker(server, sent, engines)
    yield booker
    booker.http.close()
    server.stop()


def test_the_booking_flow_from_item_to_cancel(booker: Booker) -> None:
    http = booker.http
    home = http.get("/b")
    assert home.status_code == 200 and "网上预约" in home.text and 'href="/b/i/C02?lang=zh"' in home.text
    assert "示范县人民路" in home.text and "English" in home.text
    assert "script" not in home.headers["content-security-policy"].split("default-src")[0] + "x"
    assert "Book a visit" in http.get("/b?lang=en").text
    days = http.get("/b/i/C02")
    assert "余 " in days.text and 'href="/b/i/C02/2026-11-17?lang=zh"' in days.text and "不动产权证书" in days.text
    slots = http.get("/b/i/C02/2026-11-17")
    assert "14:00-14:30" in slots.text and "09:00-09:30" not in slots.text  # the morning's passed slots are not offered
    form = http.get("/b/i/C02/2026-11-17/1400")
    assert 'action="/b/request"' in form.text
    code = booker.book()
    assert booker.counts() == (1, 1)
    found = http.post("/b/find", data={"code": code.lower(), "phone": "138 1234 5678", "lang": "zh"})
    assert found.status_code == 200 and "14:00-14:30" in found.text and "138****5678" in found.text
    moved_days = http.post("/b/move", data={"code": code, "phone": "13812345678", "lang": "zh"})
    assert 'name="day" value="2026-11-18"' in moved_days.text
    moved_slots = http.post("/b/move", data={"code": code, "phone": "13812345678", "lang": "zh", "day": "2026-11-18"})
    assert 'name="start" value="0900"' in moved_slots.text
    moved = http.post("/b/move", data={"code": code, "phone": "13812345678", "lang": "en", "day": "2026-11-18", "start": "0900"})
    assert moved.status_code == 200 and "Booking moved" in moved.text and "09:00-09:30" in moved.text
    cancelled = http.post("/b/cancel", data={"code": code, "phone": "13812345678", "lang": "zh", "confirm": "yes"})
    assert cancelled.status_code == 200 and "预约已取消" in cancelled.text
    assert booker.counts() == (1, 0)


SCRIPT = "<script>alert(1)</script>"
MEGABYTE = "张" * (1 << 20)


@pytest.mark.parametrize(
    ("path", "fields", "status", "zh"),
    [
        ("/b/request", {"name": SCRIPT}, 422, "姓名最多 20 个字"),
        ("/b/request", {"name": "<i>x"}, 422, "姓名只能包含文字"),
        ("/b/request", {"name": "<b>王</b>"}, 422, "姓名只能包含文字"),
        ("/b/request", {"name": ""}, 422, "请填写姓名"),
        ("/b/request", {"name": "张" * 21}, 422, "姓名最多 20 个字"),
        ("/b/request", {"name": "张三\x00"}, 422, "姓名只能包含文字"),
        ("/b/request", {"name": MEGABYTE}, 413, "请求内容过大"),
        ("/b/request", {"phone": "12345678901"}, 422, "手机号码"),
        ("/b/request", {"phone": "1381234567"}, 422, "手机号码"),
        ("/b/request", {"phone": "138123456789"}, 422, "手机号码"),
        ("/b/request", {"phone": "１３８１２３４５６７８"}, 422, "手机号码"),  # full-width digits
        ("/b/request", {"phone": "+1 13812345678"}, 422, "手机号码"),
        ("/b/request", {"phone": SCRIPT}, 422, "手机号码"),
        ("/b/request", {"phone": "1" * 300}, 422, "填写的内容过长"),
        ("/b/request", {"item": "Z99"}, 404, "找不到该事项"),
        ("/b/request", {"item": SCRIPT}, 404, "找不到该事项"),
        ("/b/request", {"day": "2026-13-01"}, 422, "日期格式不正确"),
        ("/b/request", {"day": "2026-11-16"}, 409, "该时段已开始或已过"),  # yesterday
        ("/b/request", {"day": "2027-11-17"}, 422, "只能预约 7 天内"),
        ("/b/request", {"start": "0900"}, 409, "该时段已开始或已过"),
        ("/b/request", {"start": "1215"}, 404, "该时段不可预约"),
        ("/b/request", {"start": SCRIPT}, 404, "该时段不可预约"),
        ("/b/verify", {"request": "x" * 20, "code": "123456"}, 404, "预约请求无效"),
        ("/b/verify", {"request": SCRIPT, "code": "123456"}, 404, "预约请求无效"),
        ("/b/verify", {"request": "x" * 20, "code": "12345"}, 422, "验证码应为 6 位数字"),
        ("/b/verify", {"request": "x" * 20, "code": SCRIPT}, 422, "验证码应为 6 位数字"),
        ("/b/find", {"code": "ABCDEFGHJK", "phone": "13812345678"}, 404, "找不到该预约"),  # a guessed code
        ("/b/find", {"code": "123456", "phone": "13812345678"}, 422, "预约码应为 10 位"),  # an old-style 6-digit guess
        ("/b/find", {"code": SCRIPT, "phone": "13812345678"}, 422, "预约码应为 10 位"),
        ("/b/find", {"code": "ABCDEFGHJK", "phone": "110"}, 422, "手机号码"),
        ("/b/cancel", {"code": "ABCDEFGHJK", "phone": "13812345678", "confirm": "yes"}, 404, "找不到该预约"),
        ("/b/move", {"code": "ABCDEFGHJK", "phone": "13812345678"}, 404, "找不到该预约"),
    ],
)
def test_bad_input_gets_a_bilingual_error_and_changes_nothing(
    booker: Booker, path: str, fields: dict[str, str], status: int, zh: str
) -> None:
    code = booker.book(phone="13900000000", start="1500")
    before = booker.counts()
    base = {"item": "C02", "day": "2026-11-17", "start": "1400", "name": "张三", "phone": "13812345678", "lang": "zh"}
    response = booker.http.post(path, data={**base, **fields})
    assert response.status_code == status, response.text[:300]
    assert zh in response.text
    if response.headers["content-type"].startswith("text/html"):
        assert 'class="error"' in response.text and "<script>" not in response.text
        english = re.search(r'<div class="other">([^<]+)</div>', response.text)
        assert english is not None and not re.search(r"[\u4e00-\u9fff]", english.group(1))  # the English beside the Chinese
    else:
        assert response.json()["message"]["en"]
    assert booker.counts() == before
    assert booker.http.post("/b/find", data={"code": code, "phone": "13900000000"}).status_code == 200


def test_expired_and_wrong_verification_codes(booker: Booker) -> None:
    page = booker.request(phone="13700000000")
    token = re.search(r'name="request" value="([^"]+)"', page.text)
    assert token is not None
    right = booker.last_code()
    wrong = "000000" if right != "000000" else "111111"
    refused = booker.http.post("/b/verify", data={"request": token.group(1), "code": wrong})
    assert refused.status_code == 422 and "验证码不正确" in refused.text and "wrong verification code" in refused.text
    booker.server.app.state.store.clock.advance(11 * 60)
    expired = booker.http.post("/b/verify", data={"request": token.group(1), "code": right})
    assert expired.status_code == 410 and "验证码已过期" in expired.text
    assert booker.counts() == (1, 0)


def test_rate_limits_per_address_on_the_booking_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server, _sent, _engines = start_server(tmp_path, monkeypatch, Limits(public_rate=(0.5, 5), booking_request_rate=(0.1, 2)))
    try:
        with httpx.Client(base_url=server.url) as http:
            pages = [http.get("/b").status_code for _ in range(8)]
            assert pages[:5] == [200] * 5 and pages[5:] == [429] * 3
            limited = http.get("/b/find")
            assert (
                limited.status_code == 429
                and "请求过于频繁" in limited.json()["message"]["zh"]
                and int(limited.headers["retry-after"]) >= 1
            )
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("path", "status", "zh"),
    [
        ("/b/i/Z99", 404, "找不到该事项"),
        ("/b/i/%3Cscript%3E", 404, "找不到该事项"),
        ("/b/i/C02/2026-02-30", 422, "日期格式不正确"),
        ("/b/i/C02/2026-11-30", 409, "该日期不可预约"),  # beyond the 7 days bookings are open
        ("/b/i/C02/" + "9" * 5000, 422, "日期格式不正确"),
        ("/b/i/C02/2026-11-17/1215", 404, "该时段不可预约"),
        ("/b/i/C02/2026-11-17/0900", 409, "该时段已约满"),  # passed: no places left to offer
    ],
)
def test_bad_addresses_get_a_bilingual_page(booker: Booker, path: str, status: int, zh: str) -> None:
    response = booker.http.get(path)
    assert response.status_code == status and zh in response.text and 'class="other"' in response.text
    assert "<script>" not in response.text


def test_the_public_listener_serves_the_booking_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SENT_FILE_VARIABLE, str(tmp_path / "sent.jsonl"))
    hall = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", sample_hall_hashed(), FakeClock(START), synchronous="NORMAL")
    server = ServerThread(hall.store, public_port=0, limits=OPEN_LIMITS).start()
    try:
        with httpx.Client(base_url=server.public_url) as http:
            assert http.get("/b").status_code == 200
            assert http.post("/b/find", data={"code": "ABCDEFGHJK", "phone": "13812345678"}).status_code == 404
            form = {"item": "C02", "day": "2026-11-17", "start": "1400", "name": "张三", "phone": "13812345678"}
            assert http.post("/b/request", data=form).status_code == 200
            assert http.post("/api/tickets", json={"series": "C"}).status_code == 404  # staff API: not here
    finally:
        server.stop()
        hall.engines.dispose()
