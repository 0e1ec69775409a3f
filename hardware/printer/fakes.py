"""Printers that are not there, for tests and the demo: real implementations, not mocks.

* :class:`FaultyPrinter` — python-escpos ``Dummy`` that records every byte *and* answers the
  DLE EOT status requests like a real printer in a chosen :class:`FakeCondition` (ready, paper near
  end, paper out, cover open, offline, silent, broken). Set ``condition`` at any time, e.g. from the
  demo's "printer out of paper" switch. URL: ``fake://?condition=paper_out``.
* :class:`FakeNetworkPrinter` — a TCP printer on 127.0.0.1 speaking the raw port-9100 protocol:
  records what it receives and answers DLE EOT in the byte stream, as real printers do. Reach it
  with ``tcp://127.0.0.1:PORT`` or, as a serial line, ``serial+socket://127.0.0.1:PORT``.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable
from enum import StrEnum

from escpos.printer import Dummy

from hardware.printer.status import ASK_OFFLINE_CAUSE, ASK_PAPER, ASK_PRINTER, DLE_EOT


class FakeCondition(StrEnum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    SILENT = "silent"    # never answers status requests (an old printer, a one-way cable)
    BROKEN = "broken"    # every write fails (cable pulled while open)


# DLE EOT n -> answer byte: fixed bits 0x12, plus 0x08 offline (n=1); 0x04 cover open, 0x20 stopped
# by paper end, 0x40 error (n=2); 0x0C paper near end, 0x60 paper end (n=4).
_ANSWERS: dict[FakeCondition, dict[int, int]] = {
    FakeCondition.READY: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    FakeCondition.PAPER_NEAR_END: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    FakeCondition.PAPER_OUT: {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    FakeCondition.COVER_OPEN: {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
    FakeCondition.OFFLINE: {1: 0x1A, 2: 0x52, 3: 0x12, 4: 0x12},
}

STATUS_REQUESTS = (ASK_PRINTER, ASK_OFFLINE_CAUSE, ASK_PAPER, DLE_EOT + b"\x03")


def status_answer(condition: FakeCondition, request: int) -> bytes:
    """The byte a printer in ``condition`` sends for DLE EOT ``request`` (nothing when silent)."""
    answer = _ANSWERS.get(condition, {}).get(request)
    return b"" if answer is None else bytes((answer,))


class FaultyPrinter(Dummy):
    """A Dummy printer with a condition. ``output`` has every byte, ``printed`` only the slips'."""

    def __init__(self, condition: FakeCondition = FakeCondition.READY, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.condition = condition
        self._answers = bytearray()

    def _raw(self, msg: bytes) -> None:
        if self.condition is FakeCondition.BROKEN:
            raise OSError(errno.EIO, "simulated printer connection failure")
        super()._raw(msg)
        if msg in STATUS_REQUESTS:
            self._answers += status_answer(self.condition, msg[2])

    @property
    def printed(self) -> bytes:
        """What was sent besides status requests (each request is sent as its own write)."""
        return b"".join(chunk for chunk in self._output_list if chunk not in STATUS_REQUESTS)

    def discard_pending_input(self) -> None:
        self._answers.clear()

    def read_status_answer(self, timeout: float) -> bytes:
        answer = bytes(self._answers)
        self._answers.clear()
        return answer

    def _read(self) -> bytes:
        return self.read_status_answer(0)


class _RealtimeRequests:
    """Finds DLE EOT n in a byte stream that arrives in pieces (a request may straddle two reads)."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, data: bytes) -> list[int]:
        stream = self._tail + data
        found: list[int] = []
        start = 0
        while (position := stream.find(DLE_EOT, start)) != -1 and position + 2 < len(stream):
            found.append(stream[position + 2])
            start = position + 3
        rest = stream[start:]
        self._tail = DLE_EOT if rest.endswith(DLE_EOT) else DLE_EOT[:1] if rest.endswith(DLE_EOT[:1]) else b""
        return found


class FakeNetworkPrinter:
    """A raw TCP printer on 127.0.0.1 (one client at a time, like a real one). Use as a context manager."""

    def __init__(self, condition: FakeCondition = FakeCondition.READY, host: str = "127.0.0.1") -> None:
        self.condition = condition
        self._server = socket.create_server((host, 0))
        self._server.settimeout(0.1)
        self.host, self.port = self._server.getsockname()[:2]
        self._received = bytearray()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-network-printer", daemon=True)

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def start(self) -> FakeNetworkPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.close()

    def __enter__(self) -> FakeNetworkPrinter:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, done: Callable[[bytes], bool], timeout: float = 5.0) -> bytes:
        """Wait until ``done(received)`` holds (bytes arrive asynchronously); returns what was received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received
            if done(received):
                return received
            time.sleep(0.01)
        raise TimeoutError(f"fake printer received {len(self.received)} bytes, condition not met")

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        connection.settimeout(0.1)
        requests = _RealtimeRequests()
        while not self._stopping.is_set():
            try:
                data = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self._received += data
            for request in requests.feed(data):
                answer = status_answer(self.condition, request)
                if answer:
                    try:
                        connection.sendall(answer)
                    except OSError:
                        return
