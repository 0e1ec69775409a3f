"""Limits that hold before authentication (DESIGN.md §5): whoever reaches the port, with or
without a token, cannot make the server read a huge body, hold connections open for ever, take
every connection slot, or guess PINs and public ticket ids at full speed.

Two layers, both cheap on the normal path:

- :class:`LimitsMiddleware` (ASGI, outside routing and auth): a body-size limit per route
  (refused from ``Content-Length`` alone, or as soon as a chunked body passes it), a deadline for
  the whole body, and token-bucket rate limits per client address on login and the public pages.
- :func:`guarded_protocol` (the uvicorn HTTP protocol, below ASGI): a deadline for the request
  line and headers of every request (uvicorn has only a keep-alive idle timeout, so half a
  request held a connection for ever), a cap on header bytes, and caps on connections per
  client address and overall; at the overall cap the connection that has waited longest for its
  headers gives way, so many stalled connections from many addresses cannot lock kiosks out.

:func:`uvicorn_settings` wires both into uvicorn (``hallq server``, its workers, the embedded
server and the benchmark use the same settings). Behind a reverse proxy every client has the
proxy's address: give the proxy its own limits.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB = 1024

# (method, path pattern, most body bytes). The first match wins; others get ``max_body_bytes``.
# Bodies are JSON: a field of n Chinese characters may arrive as 6n bytes (\\uXXXX escapes).
BODY_LIMITS: tuple[tuple[str, str, int], ...] = (
    ("POST", r"/api/tickets", 8 * KB),
    ("POST", r"/api/appointments/check-in", 4 * KB),
    ("POST", r"/api/login", 4 * KB),
    ("POST", r"/b/[a-z]+", 8 * KB),  # booking forms: a few short fields
    ("POST", r"/api/devices/heartbeat", 16 * KB),
    ("PUT", r"/api/config/hall", 256 * KB),
    ("PUT", r"/api/config/items/[^/]+", 128 * KB),
    ("POST", r"/api/windows/\d+/finish", 128 * KB),
    ("PUT", r"/api/config/clerks/[^/]+/photo", 520 * KB),  # a raw image; hall.photos allows 512 KB
)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 64 * KB  # any route not in body_limits
    body_limits: tuple[tuple[str, str, int], ...] = BODY_LIMITS
    body_seconds: float = 15.0  # the whole body must arrive within this, from its headers
    header_seconds: float = 10.0  # the request line and headers must arrive within this
    max_header_bytes: int = 16 * KB
    keep_alive_seconds: float = 5.0  # an idle keep-alive connection is closed after this
    max_connections: int = 4000  # overall (HTTP and WebSocket); kept under the process's file limit
    max_connections_per_client: int = 512  # one client address (a kiosk opens a handful)
    # per client address: refill per second, burst. The store also throttles each staff number and
    # device; this bounds one machine trying many staff numbers (a hall's clerks log in from their
    # own counters, but a test or bench logs 100 in from one address).
    login_rate: tuple[float, int] = (5.0, 200)
    public_rate: tuple[float, int] = (10.0, 60)  # phone and booking pages per client address
    booking_request_rate: tuple[float, int] = (0.2, 10)  # booking requests (each sends an SMS) per address
    retry_after_seconds: int = 2
    max_websocket_bytes: int = 64 * KB


def error_json(code: str, zh: str, en: str) -> bytes:
    return json.dumps({"error": code, "message": {"zh": zh, "en": en}}, ensure_ascii=False).encode()


def raw_response(status: int, reason: str, body: bytes, retry_after: int | None = None) -> bytes:
    """A complete HTTP/1.1 response that closes the connection (for the protocol layer)."""
    head = [f"HTTP/1.1 {status} {reason}", "content-type: application/json; charset=utf-8", f"content-length: {len(body)}", "connection: close"]
    if retry_after is not None:
        head.append(f"retry-after: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def send_refusal(send: Send, status: int, body: bytes, retry_after: int | None = None, close: bool = False) -> None:
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


PUBLIC_PATHS = ("/api/public/", "/t/", "/b/")  # rate limited per client address
TOO_LARGE = error_json("body_too_large", "请求内容过大", "the request body is too large for this address")
BODY_TIMEOUT = error_json("body_timeout", "请求内容发送超时", "the request body did not arrive in time")
RATE_LIMITED = error_json("rate_limited", "请求过于频繁，请稍后再试", "too many requests from this address; try again shortly")
TOO_MANY_CONNECTIONS = error_json("too_many_connections", "连接过多，请稍后再试", "too many connections; try again shortly")
HEADER_TIMEOUT = error_json("header_timeout", "请求头发送超时", "the request headers did not arrive in time")
HEADERS_TOO_LARGE = error_json("headers_too_large", "请求头过大", "the request headers are too large")


class TokenBuckets:
    """Per-address token buckets: ``rate`` tokens a second up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> float:
        """0 when allowed, else the seconds until a token is back."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > 10_000:  # forget addresses that are full again
            full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
            for k in full:
                del self._buckets[k]
        return (1.0 - tokens) / self.rate


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self._routes = [(method, re.compile(pattern + r"\Z"), size) for method, pattern, size in self.limits.body_limits]
        self._login = TokenBuckets(*self.limits.login_rate)
        self._public = TokenBuckets(*self.limits.public_rate)
        self._booking_requests = TokenBuckets(*self.limits.booking_request_rate)

    def body_limit(self, method: str, path: str) -> int:
        for route_method, pattern, size in self._routes:
            if route_method == method and pattern.match(path):
                return size
        return self.limits.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        buckets = self._login if path == "/api/login" else self._public if path.startswith(PUBLIC_PATHS) or path == "/b" else None
        if buckets is not None:
            client = scope.get("client")
            wait = buckets.take(client[0] if client else "", time.monotonic())
            if not wait and path == "/b/request" and method == "POST":
                wait = self._booking_requests.take(client[0] if client else "", time.monotonic())
            if wait:
                await send_refusal(send, 429, RATE_LIMITED, retry_after=max(1, round(wait + 0.5)))
                return
        length, chunked = -1, False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"transfer-encoding":
                chunked = True
        if length <= 0 and not chunked:
            await self.app(scope, receive, send)
            return
        limit = self.body_limit(method, path)
        if length > limit:
            await send_refusal(send, 413, TOO_LARGE, close=True)
            return
        # Read the whole body here, within the limit and the deadline, then hand it on.
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.limits.body_seconds):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await send_refusal(send, 413, TOO_LARGE, close=True)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await send_refusal(send, 408, BODY_TIMEOUT, close=True)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ---------------------------------------------------------------------------- connections


class ConnectionGuard:
    """Connection counts of one server (shared by its protocol instances, all on one loop)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.per_client: dict[str, int] = {}
        self.total = 0
        self.waiting: dict[Any, float] = {}  # protocols waiting for request headers, oldest first

    def admit(self, host: str) -> bool:
        if self.per_client.get(host, 0) >= self.limits.max_connections_per_client:
            return False
        if self.total >= self.limits.max_connections and not self._evict_stalled():
            return False
        self.per_client[host] = self.per_client.get(host, 0) + 1
        self.total += 1
        return True

    def release(self, host: str) -> None:
        self.total -= 1
        left = self.per_client.get(host, 1) - 1
        if left > 0:
            self.per_client[host] = left
        else:
            self.per_client.pop(host, None)

    def _evict_stalled(self) -> bool:
        """Close the connection that has waited longest for its headers, if it has waited a while."""
        for protocol, since in self.waiting.items():
            if time.monotonic() - since < 0.1:  # a real client sends its headers in milliseconds
                return False
            protocol.drop(None)
            return True
        return False


def guarded_protocol(base: type, limits: Limits) -> type:
    """``base`` (uvicorn's httptools or h11 protocol) with header deadlines and connection caps."""
    guard = ConnectionGuard(limits)

    class Guarded(base):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            self._host = str(peer[0]) if peer else ""
            self._deadline: asyncio.TimerHandle | None = None
            self._armed_for: Any = None
            self._head_bytes = 0
            self._counted = False
            super().connection_made(transport)
            if not guard.admit(self._host):
                transport.write(raw_response(503, "Service Unavailable", TOO_MANY_CONNECTIONS, limits.retry_after_seconds))
                transport.close()
                return
            self._counted = True
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted:
                self._counted = False
                guard.release(self._host)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # a new request starts on a kept-alive connection
            if self._deadline is not None:
                end = data.find(b"\r\n\r\n")
                self._head_bytes += len(data) if end < 0 else end
                if self._head_bytes > limits.max_header_bytes:
                    self.drop(raw_response(431, "Request Header Fields Too Large", HEADERS_TOO_LARGE))
                    return
            super().data_received(data)
            if self._deadline is not None and self.cycle is not self._armed_for:
                self._disarm()  # the headers are in

        def handle_websocket_upgrade(self, *args: Any) -> None:
            self._disarm()
            super().handle_websocket_upgrade(*args)
            # The WebSocket protocol owns the transport from here; it releases the slot when it ends.
            if self._counted:
                self._counted = False
                upgraded = self.transport.get_protocol()
                lost = upgraded.connection_lost
                host = self._host

                def connection_lost(exc: Exception | None) -> None:
                    guard.release(host)
                    lost(exc)

                upgraded.connection_lost = connection_lost

        def _arm(self) -> None:
            self._armed_for = self.cycle
            self._head_bytes = 0
            self._deadline = self.loop.call_later(limits.header_seconds, self._header_timeout)
            guard.waiting[self] = time.monotonic()

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            guard.waiting.pop(self, None)

        def _header_timeout(self) -> None:
            self._deadline = None
            guard.waiting.pop(self, None)
            self.drop(raw_response(408, "Request Timeout", HEADER_TIMEOUT) if self._head_bytes else None)

        def drop(self, response: bytes | None) -> None:
            self._disarm()
            if not self.transport.is_closing():
                if response:
                    self.transport.write(response)
                self.transport.close()

    Guarded.__name__ = f"Guarded{base.__name__}"
    return Guarded


def _base_protocol() -> type:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:  # pragma: no cover - without httptools uvicorn uses h11
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


# With the default limits, by import string: ``hallq server --workers N`` spawns processes that
# cannot receive a class made at run time; each worker process then keeps its own counts.
DefaultGuardedProtocol = guarded_protocol(_base_protocol(), Limits())
DefaultGuardedProtocol.__qualname__ = "DefaultGuardedProtocol"


def uvicorn_settings(limits: Limits | None = None) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``/``uvicorn.run`` that enforce ``limits``."""
    limits = limits or Limits()
    return {
        "http": "server.limits:DefaultGuardedProtocol" if limits == Limits() else guarded_protocol(_base_protocol(), limits),
        "timeout_keep_alive": limits.keep_alive_seconds,
        # uvicorn's own cap answers 503 beyond it; ours (per address, overall) comes first
        "limit_concurrency": limits.max_connections + 100,
        "h11_max_incomplete_event_size": limits.max_header_bytes,
        "ws_max_size": limits.max_websocket_bytes,
    }


def raise_open_file_limit(wanted: int = 65536) -> int:
    """Every connection is a file descriptor: raise the soft limit towards the hard one so the
    connection caps, not EMFILE, decide. Returns the soft limit now in force."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else wanted


SERVER_MALLOC_ARENAS = 2
# A fixed threshold: glibc otherwise raises it (up to 32 MB) each time a large mmapped block is
# freed, after which the night's large blocks (the backup's, a year's report) stay in the heap.
SERVER_MMAP_THRESHOLD = 1 << 20
M_ARENA_MAX = -8  # glibc's mallopt() parameter numbers
M_MMAP_THRESHOLD = -3


def _glibc() -> Any | None:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def limit_malloc_arenas(arenas: int = SERVER_MALLOC_ARENAS, mmap_threshold: int = SERVER_MMAP_THRESHOLD) -> bool:
    """Caps glibc's malloc arenas for the server process and fixes its mmap threshold; returns
    whether both are in force.

    glibc gives each thread that allocates its own arena (up to 8 per core) and keeps what is
    freed in it. The server's request threads allocate mostly in C (SQLite's page caches and
    statements), so its RSS climbed for weeks while Python's own heap stayed at ~13 MB
    (tracemalloc). With two arenas the month's RSS levelled off; blocks of a megabyte and more
    are mmapped and go back to the system when freed. Called before the server starts its
    threads; elsewhere than glibc (musl, macOS) it does nothing."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas)) and bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))


def trim_malloc() -> bool:
    """Gives the free pages of every malloc arena back to the system (glibc's malloc_trim);
    the server calls it after the nightly backup, when the day's peak has been freed. Returns
    whether anything was released."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    return bool(libc.malloc_trim(0))
