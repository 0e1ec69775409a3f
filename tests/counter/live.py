"""A real hall server for the counter and pad tests: a copy of a prepared SQLite hall, the
FastAPI server on 127.0.0.1 in a thread, and enrolled device tokens. The counter and the pad
widgets talk to it over HTTP and the WebSocket exactly as in a hall."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 Asia/Shanghai: the hall is open


@dataclass
class LiveHall:
    hall: Hall
    server: ServerThread
    clock: FakeClock
    tokens: dict[tuple[str, int | None], str] = field(default_factory=dict)
    widgets: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, role: str, window: int | None = None) -> str:
        key = (role, window)
        if key not in self.tokens:
            self.tokens[key] = self.hall.store.enroll_device(None, self.hall.hall_id, role, f"{role}{window or ''}", window)["token"]
        return self.tokens[key]

    def client(self, role: str, window: int | None = None) -> HallClient:
        return HallClient(self.url, self.token(role, window))

    def issue(self, series: str = "A", advance: float = 60.0, **kwargs: Any) -> dict[str, Any]:
        ticket = self.client("kiosk").issue(series, **kwargs)
        self.clock.advance(advance)
        return ticket

    def clerk_client(self, window: int, staff_no: str, handover: bool = False) -> HallClient:
        token = self.client("counter", window).login(staff_no, staff_no, handover)["token"]
        return HallClient(self.url, token)

    def session(self) -> Session:
        return Session(self.hall.engines.read, expire_on_commit=False)

    def rows(self, model: Any, *where: Any) -> list[Any]:
        with self.session() as session:
            return list(session.scalars(select(model).where(*where)))


@pytest.fixture(scope="session")
def live_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("live-template") / "hall.db"
    prepared = prepare_hall(f"sqlite:///{path}", clock=FakeClock(START), synchronous="NORMAL")
    prepared.engines.dispose()
    return path


@pytest.fixture
def live(live_template: Path, tmp_path: Path) -> Iterator[LiveHall]:
    clock = FakeClock(START)
    path = tmp_path / "hall.db"
    shutil.copyfile(live_template, path)
    hall = prepare_hall(f"sqlite:///{path}", clock=clock, synchronous="NORMAL")
    server = ServerThread(hall.store, poll_seconds=0.2).start()
    live_hall = LiveHall(hall, server, clock)
    yield live_hall
    for widget in live_hall.widgets:  # close programs before their server goes away
        widget.close()
    server.stop()
    hall.engines.dispose()


def wait_for(qtbot: Any, condition: Callable[[], Any], timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)
