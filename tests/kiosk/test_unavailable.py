"""Issue 15: a server whose database is away answers 503 (JSON, Retry-After); the kiosk reads it as
"offline, retrying" — the reconnecting banner, no "服务器错误" — and keeps the citizen's request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.app import create_window
from kiosk.texts import RECONNECTING_TEXT

BODY = json.dumps(
    {"error": "database_unavailable", "message": {"zh": "数据库暂时不可用，正在重试", "en": "the database is unavailable; retrying"}}
).encode()


class Unavailable(BaseHTTPRequestHandler):
    """A hall server whose database is down: every request gets the server's own 503."""

    def _answer(self) -> None:
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "2")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def unavailable_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_503_reads_as_offline_retrying(qtbot: Any, unavailable_server: str) -> None:
    window = create_window(unavailable_server, "token", "dummy://")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.connection.online and not window.flow.online, timeout=10_000)
    qtbot.waitUntil(lambda: RECONNECTING_TEXT.zh in _texts(window), timeout=10_000)
    assert "服务器错误" not in _texts(window)


def _texts(window: Any) -> str:
    return " ".join(label.text() for label in window.findChildren(QLabel))
