"""The port-owning I/O thread: it must outlive every way a port can fail."""

from __future__ import annotations

import termios

import serial
from serial.urlhandler.protocol_loop import Serial as LoopSerial

from hall.text import Bilingual
from hardware.serial.link import LinkStatus, SerialLink

from .conftest import wait_for

LABEL = Bilingual("测试端口", "test port")


class BreakingLoop(LoopSerial):
    """A real loop:// port whose next read fails the way a vanished tty can: termios.error,
    which is not an OSError."""

    fail_next_read = False

    def read(self, size: int = 1) -> bytes:
        if self.fail_next_read:
            self.fail_next_read = False
            raise termios.error(5, "Input/output error")
        return super().read(size)


def test_open_failures_are_retried_and_reported_once() -> None:
    attempts: list[str] = []
    statuses: list[LinkStatus] = []
    errors = [serial.SerialException("no such port"), ValueError("bad url"), RuntimeError("driver bug")]

    def open_port(url: str) -> serial.SerialBase:
        attempts.append(url)
        if errors:
            raise errors.pop(0)
        return serial.serial_for_url("loop://", timeout=0.05)

    link = SerialLink("loop://", label=LABEL, on_status=statuses.append, backoff=(0.01,), open_port=open_port)
    link.start()
    try:
        assert wait_for(lambda: link.online)
    finally:
        link.stop()
    assert len(attempts) == 4
    assert [s.online for s in statuses] == [False, True]
    assert statuses[0].message == Bilingual("测试端口离线，正在重连", "test port offline, reconnecting")
    assert statuses[0].error == "no such port"
    assert not link.online


def test_a_read_failure_that_is_not_an_oserror_reopens_the_port() -> None:
    ports: list[BreakingLoop] = []
    received = bytearray()

    def open_port(url: str) -> serial.SerialBase:
        port = BreakingLoop(url, timeout=0.05)
        ports.append(port)
        return port

    link = SerialLink("loop://", label=LABEL, on_bytes=received.extend, backoff=(0.01,), open_port=open_port)
    link.start()
    try:
        assert wait_for(lambda: link.online)
        ports[0].fail_next_read = True
        assert wait_for(lambda: len(ports) == 2 and link.online)
        assert link.send(b"still alive")   # loop:// hands it back to our own reader
        assert wait_for(lambda: bytes(received) == b"still alive")
    finally:
        link.stop()
    assert not ports[1].is_open


def test_sending_while_offline_is_refused_not_queued() -> None:
    link = SerialLink("loop://", label=LABEL)
    assert link.send(b"x") is False
