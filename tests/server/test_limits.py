"""Limits before authentication (DESIGN.md §5, issue 15): body size per route, header, body and
idle timeouts, connections per client address and overall, rate limits on login and the public
pages. Raw sockets against a real server on 127.0.0.1; other loopback addresses (127.0.0.2 ...)
stand for other machines on the hall LAN. Every wait is bounded."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.limits import Limits
from server.runner import ServerThread, prepare_hall
from tests.support.halls import RunningClock, sample_hall_hashed

TEST_LIMITS = Limits(
    header_seconds=1.0,
    body_seconds=1.0,
    keep_alive_seconds=1.0,
    max_connections=40,
    max_connections_per_client=8,
    login_rate=(2.0, 5),
    public_rate=(5.0, 10),
)


class Limited:
    def __init__(self, tmp_path: Path) -> None:
        self.hall = prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", sample_hall_hashed(), RunningClock(), synchronous="NORMAL")
        self.server = ServerThread(self.hall.store, limits=TEST_LIMITS).start()
        self.port = self.server.port
        self.kiosk_token = self.hall.store.enroll_device(None, self.hall.hall_id, "kiosk", "kiosk")["token"]

    def connect(self, source: str = "127.0.0.1") -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", self.port))
        return sock

    def issue(self) -> httpx.Response:
        return httpx.post(
            f"{self.server.url}/api/tickets", json={"series": "A"}, headers={"Authorization": f"Bearer {self.kiosk_token}"}, timeout=5
        )


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Limited]:
    hall = Limited(tmp_path)
    try:
        yield hall
    finally:
        hall.server.stop()
        hall.hall.engines.dispose()


def read_response(sock: socket.socket, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one response; (0, {}, b"") when the server closed without one."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, {}, b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(lines[0].split()[1]), headers, body
    except (ConnectionResetError, BrokenPipeError):
        return 0, {}, b""


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """True when the server closes the connection (after any final response) within ``timeout``."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def send_quietly(sock: socket.socket, data: bytes) -> int:
    try:
        sock.sendall(data)
        return len(data)
    except (BrokenPipeError, ConnectionResetError):
        return 0


def test_oversized_body_is_refused_before_it_is_read(limited: Limited) -> None:
    sock = limited.connect()
    sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
    started = time.monotonic()
    status, headers, body = read_response(sock)
    assert status == 413, "a 100 MB body without a token must be refused from its Content-Length alone"
    assert time.monotonic() - started < 2
    assert json.loads(body)["error"] == "body_too_large"
    assert headers.get("connection") == "close"
    sock.close()


def test_oversized_chunked_body_is_cut_off(limited: Limited) -> None:
    sock = limited.connect()
    sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    sent = 0
    for _ in range(64):  # up to 4 MB
        if not send_quietly(sock, chunk):
            break
        sent += 65536
    status, _, _ = read_response(sock)
    assert status in (413, 0)
    assert sent < 4 * 1024 * 1024 or status == 413
    sock.close()


def test_body_limits_are_per_route(limited: Limited) -> None:
    big = {"series": "A", "items": ["x" * 1000] * 100}  # about 100 KB
    assert limited.issue().status_code == 201
    refused = httpx.post(f"{limited.server.url}/api/tickets", json=big, timeout=5)
    assert refused.status_code == 413
    assert refused.json()["message"]["en"]
    # the hall settings carry notices and hours: a larger body is allowed there (and then validated)
    settings = httpx.put(f"{limited.server.url}/api/config/hall", json={"notices": ["x" * 1000] * 100}, timeout=5)
    assert settings.status_code == 401


def test_stalled_request_headers_are_dropped(limited: Limited) -> None:
    sock = limited.connect()
    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: hall\r\n")
    started = time.monotonic()
    assert closed_by_server(sock, 5), "half a request must not hold a connection forever"
    assert 0.5 < time.monotonic() - started < 4
    sock.close()


def test_trickled_request_headers_are_dropped(limited: Limited) -> None:
    sock = limited.connect()
    started = time.monotonic()
    request = b"GET /api/health HTTP/1.1\r\nHost: hall\r\nX-Slow: " + b"a" * 100
    for byte in request:
        if not send_quietly(sock, bytes([byte])) or time.monotonic() - started > 5:
            break
        time.sleep(0.05)
    assert closed_by_server(sock, 2)
    assert time.monotonic() - started < 5, "the header deadline is for the whole head, not between bytes"
    sock.close()


def test_connection_that_sends_nothing_is_dropped(limited: Limited) -> None:
    sock = limited.connect()
    assert closed_by_server(sock, 5)
    sock.close()


def test_stalled_body_is_dropped(limited: Limited) -> None:
    sock = limited.connect()
    sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"se")
    status, _, body = read_response(sock, 5)
    assert status == 408
    assert json.loads(body)["error"] == "body_timeout"
    sock.close()


def test_oversized_headers_are_refused(limited: Limited) -> None:
    sock = limited.connect()
    send_quietly(sock, b"GET /api/health HTTP/1.1\r\nHost: hall\r\n" + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n")
    status, _, _ = read_response(sock)
    assert status in (431, 400, 0)
    assert closed_by_server(sock, 3)
    sock.close()


def test_idle_keep_alive_connection_is_closed(limited: Limited) -> None:
    sock = limited.connect()
    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: hall\r\n\r\n")
    assert read_response(sock)[0] == 200
    started = time.monotonic()
    assert closed_by_server(sock, 5)
    assert time.monotonic() - started < 3
    sock.close()


def test_connections_per_client_address_are_capped(limited: Limited) -> None:
    held = [limited.connect("127.0.0.2") for _ in range(TEST_LIMITS.max_connections_per_client)]
    for sock in held:
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")  # half a request each
    extra = limited.connect("127.0.0.2")
    extra.sendall(b"GET /api/health HTTP/1.1\r\nHost: hall\r\n\r\n")
    status, headers, body = read_response(extra, 2)
    assert status == 503 and "retry-after" in headers and json.loads(body)["error"] == "too_many_connections"
    # another machine (and the kiosk on 127.0.0.1) is served meanwhile
    assert limited.issue().status_code == 201
    for sock in [*held, extra]:
        sock.close()


def test_total_connections_are_capped_without_locking_out_kiosks(limited: Limited) -> None:
    """Many addresses each under their own cap fill the server: connections still waiting for
    their headers give way to new ones, so a kiosk keeps issuing."""
    held = []
    for n in range(TEST_LIMITS.max_connections + 10):
        sock = limited.connect(f"127.0.1.{n // 4 + 1}")
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")
        held.append(sock)
    time.sleep(0.3)  # stalled: they have sent half a request and wait
    started = time.monotonic()
    for _ in range(5):
        assert limited.issue().status_code == 201
    assert time.monotonic() - started < 2
    for sock in held:
        sock.close()


def test_login_attempts_are_rate_limited_per_address(limited: Limited) -> None:
    answers = [httpx.post(f"{limited.server.url}/api/login", json={"staff_no": "1001", "pin": "0000"}, timeout=5) for _ in range(20)]
    limited_answers = [a for a in answers if a.status_code == 429]
    assert limited_answers, [a.status_code for a in answers]
    assert int(limited_answers[0].headers["retry-after"]) >= 1
    assert limited_answers[0].json()["error"] == "rate_limited"
    # the kiosk on the same address is not slowed by someone guessing PINs
    assert limited.issue().status_code == 201
    # another address has its own allowance
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3"))
    assert other.post(f"{limited.server.url}/api/login", json={"staff_no": "1001", "pin": "0000"}).status_code == 401
    other.close()


def test_public_pages_are_rate_limited_per_address(limited: Limited) -> None:
    answers = [httpx.get(f"{limited.server.url}/api/public/tickets/nosuch", timeout=5).status_code for _ in range(40)]
    assert 429 in answers and 404 in answers
    pages = [httpx.get(f"{limited.server.url}/t/nosuch", timeout=5).status_code for _ in range(40)]
    assert 429 in pages
