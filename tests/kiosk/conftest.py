"""A real hall server on 127.0.0.1 (SQLite in tmp_path, Tuesday 10:00) and kiosk windows on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall


class HallServer:
    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.server = ServerThread(hall.store).start()
        self.port = self.server.port
        self.token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "k1")["token"]

    @property
    def url(self) -> str:
        return self.server.url

    def client(self) -> HallClient:
        return HallClient(self.url, self.token)

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        """Start again on the same port, as a restarted server process would."""
        self.server = ServerThread(self.hall.store, port=self.port).start()

    def ticket_count(self) -> int:
        from sqlalchemy import func, select

        from db.models import Ticket

        with self.hall.engines.write.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Ticket)) or 0)


@pytest.fixture
def hall_server(tmp_path: Any, clock: FakeClock) -> Iterator[HallServer]:
    hall = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", clock=clock)
    server = HallServer(hall)
    yield server
    server.stop()


@pytest.fixture
def make_kiosk(qtbot: Any, hall_server: HallServer) -> Iterator[Callable[..., Any]]:
    from kiosk.app import create_window

    windows: list[Any] = []

    def make(printer_url: str = "dummy://", **kwargs: Any) -> Any:
        window = create_window(hall_server.url, hall_server.token, printer_url, **kwargs)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: bool(window.flow.categories), timeout=10_000)
        return window

    yield make
    for window in windows:
        window.shutdown()
