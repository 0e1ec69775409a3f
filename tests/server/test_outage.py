"""A database outage is the API's own error: a JSON 503 with Retry-After, one log line per
outage (not a traceback per request), and every program reads 503 as "offline, retrying"
(DESIGN.md §5, issue 15)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from server.client import HallClient, Offline
from tests.server.conftest import HallServer
from tests.support.pg import PgCluster, unavailable_reason


def test_client_reads_503_as_offline() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        body = {"error": "database_unavailable", "message": {"zh": "数据库暂时不可用", "en": "the database is unavailable"}}
        return httpx.Response(503, json=body, headers={"Retry-After": "2"})

    client = HallClient("http://127.0.0.1:9", "token", transport=httpx.MockTransport(answer))
    with pytest.raises(Offline) as raised:
        client.issue("A")
    assert raised.value.zh == "无法连接服务器，正在重试"
    assert "database" in raised.value.en


def test_client_reads_plain_503_as_offline() -> None:
    client = HallClient("http://127.0.0.1:9", "token", transport=httpx.MockTransport(lambda _r: httpx.Response(503, text="busy")))
    with pytest.raises(Offline):
        client.snapshot()


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not any(r is record for r in self.records):  # watched on several loggers of one tree
            self.records.append(record)


@pytest.fixture
def own_cluster() -> Iterator[PgCluster]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with PgCluster(max_connections=100) as cluster:
        yield cluster


@pytest.mark.postgres
def test_database_outage_answers_json_503_and_logs_once(own_cluster: PgCluster) -> None:
    hs = HallServer(own_cluster.create_database("outage"), "postgres")
    records = Records()
    watched = [logging.getLogger(), logging.getLogger("uvicorn.error"), logging.getLogger("server")]
    for logger in watched:
        logger.addHandler(records)
    try:
        kiosk = hs.kiosk()
        assert kiosk.issue("A")["number"]
        token = kiosk.token
        own_cluster.pause()
        answers = []
        for _ in range(30):
            answers.append(httpx.post(f"{hs.url}/api/tickets", json={"series": "A"}, headers={"Authorization": f"Bearer {token}"}, timeout=30))
            answers.append(httpx.get(f"{hs.url}/api/snapshot", headers={"Authorization": f"Bearer {token}"}, timeout=30))
        for answer in answers:
            assert answer.status_code == 503, answer.text[:200]
            assert answer.json()["error"] == "database_unavailable"
            assert answer.json()["message"]["zh"] and answer.json()["message"]["en"]
            assert int(answer.headers["retry-after"]) >= 1
        with pytest.raises(Offline):
            kiosk.issue("A")
        own_cluster.resume()
        deadline = time.monotonic() + 20
        while True:
            try:
                assert kiosk.issue("A")["number"]
                break
            except Offline:
                assert time.monotonic() < deadline, "issuing did not recover after the database came back"
                time.sleep(0.2)
        mine = [r for r in records.records if r.name.startswith(("server", "uvicorn"))]
        tracebacks = [r for r in mine if r.exc_info]
        assert not tracebacks, [r.getMessage() for r in tracebacks][:3]
        down = [r for r in mine if "database unavailable" in r.getMessage()]
        back = [r for r in mine if "database available again" in r.getMessage()]
        assert len(down) == 1, [r.getMessage() for r in mine]
        assert len(back) == 1, [r.getMessage() for r in mine]
        listen_lost = [r for r in mine if "LISTEN connection lost" in r.getMessage()]
        assert len(listen_lost) <= 1, "the event hub's LISTEN loop logs once per outage, not once a second"
    finally:
        for logger in watched:
            logger.removeHandler(records)
        hs.close()
