"""Fixtures for the hall server under real HTTP: a throwaway PostgreSQL cluster for the session,
and ``hall_server`` — a running server on 127.0.0.1 over SQLite *and* PostgreSQL, with a
manager client and helpers that enrol kiosks, counters, pads and log clerks in."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hall.config import HallConfig
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall
from tests.support.halls import RunningClock, sample_hall_hashed
from tests.support.pg import PgCluster

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_db_names = itertools.count(1)




def fresh_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path, name: str = "hall") -> str:
    """A new empty database URL: a SQLite file in tmp_path, or CREATE DATABASE on the cluster."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(unique_name(name))


def unique_name(prefix: str) -> str:
    return f"{prefix}_{next(_db_names)}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    return fresh_database(request, backend, tmp_path)


class HallDriver:
    """Clients of one hall served at one or more URLs (several server processes share a database).
    Devices are enrolled straight through the store, as ``hallq enroll`` does."""

    def __init__(self, hall: Hall, urls: list[str]) -> None:
        self.hall = hall
        self.urls = urls
        self._clients: list[HallClient] = []
        self.manager = self.client(self.token("manager", "test manager"))

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def store(self) -> Any:
        return self.hall.store

    @property
    def engines(self) -> Any:
        return self.hall.engines

    def url_for(self, index: int) -> str:
        return self.urls[index % len(self.urls)]

    def token(self, role: str, name: str, window: int | None = None) -> str:
        return str(self.hall.store.enroll_device(None, self.hall.hall_id, role, name, window)["token"])

    def client(self, token: str | None = None, url: str | None = None, timeout: float = 30.0) -> HallClient:
        client = HallClient(url or self.url, token, timeout=timeout)
        self._clients.append(client)
        return client

    def kiosk(self, name: str = "kiosk", url: str | None = None) -> HallClient:
        return self.client(self.token("kiosk", name), url)

    def display(self, name: str = "display", url: str | None = None) -> HallClient:
        return self.client(self.token("display", name), url)

    def counter(self, window: int, url: str | None = None) -> HallClient:
        return self.client(self.token("counter", f"counter {window}", window), url)

    def pad(self, window: int, url: str | None = None) -> HallClient:
        return self.client(self.token("pad", f"pad {window}", window), url)

    def clerk(self, window: int, staff_no: str | None = None, pin: str | None = None, url: str | None = None) -> HallClient:
        """A clerk logged in at ``window`` through that window's counter; sample clerks 1001..1020.
        With several URLs, window n's clerk talks to ``url_for(n)`` unless told otherwise."""
        url = url or self.url_for(window)
        staff_no = staff_no or f"10{window:02d}"
        login = self.counter(window, url).login(staff_no, pin or staff_no)
        return self.client(login["token"], url)

    def add_windows(self, numbers: range, primary: list[str]) -> None:
        """New windows through the manager API, serving ``primary``, opened."""
        for n in numbers:
            self.manager.request("PUT", f"/api/config/windows/{n}", {"name_zh": f"综合窗口{n}", "name_en": f"Window {n}"})
            self.manager.set_window_categories(n, primary, reason="test")
            self.manager.open_window(n, "test")

    def add_clerk(self, staff_no: str, pin: str | None = None, name: str | None = None) -> None:
        body = {"name": name or f"测试{staff_no}", "pin": pin or staff_no}
        self.manager.request("PUT", f"/api/config/clerks/{staff_no}", body)

    def close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


class HallServer(HallDriver):
    """A prepared hall with its server running in this process (``ServerThread``)."""

    def __init__(self, url: str, backend: str, config: HallConfig | None = None, clock: Any = None, poll_seconds: float = 1.0) -> None:
        self.backend = backend
        self.db_url = url
        self.clock = clock or RunningClock()
        hall = prepare_hall(url, config or sample_hall_hashed(), self.clock, synchronous="NORMAL")
        self.server = ServerThread(hall.store, poll_seconds=poll_seconds).start()
        super().__init__(hall, [self.server.url])

    def close(self) -> None:
        self.close_clients()
        self.server.stop()
        self.hall.engines.dispose()


@pytest.fixture
def hall_server(db_url: str, backend: str) -> Iterator[HallServer]:
    server = HallServer(db_url, backend)
    try:
        yield server
    finally:
        server.close()
