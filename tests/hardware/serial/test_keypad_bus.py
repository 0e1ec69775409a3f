"""The keypad bus on real ports: pyserial ``loop://``, socat ptys and a ``socket://`` device server."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator

import pytest
import serial

from hall.tickets import RatingLevel
from hardware.serial.fakes import FakeKeypadLine, TcpDeviceLine
from hardware.serial.framing import encode_frame
from hardware.serial.keypad import KeypadBus
from hardware.serial.keypad_protocol import KeyAction, KeypadMessage, KeyPressed, RaterPressed, key_frame
from hardware.serial.link import LinkStatus

from .conftest import SocatPair, wait_for

FAST_BACKOFF = (0.05, 0.1, 0.2)
WINDOWS = {0x01: 1, 0x02: 2, 0x03: 3, 0x15: 1}


class Recorder:
    """Collects what the bus delivers, in order, from the bus thread."""

    def __init__(self) -> None:
        self.messages: queue.Queue[KeypadMessage] = queue.Queue()
        self.statuses: list[LinkStatus] = []

    def message(self, message: KeypadMessage) -> None:
        self.messages.put(message)

    def status(self, status: LinkStatus) -> None:
        self.statuses.append(status)

    def take(self, count: int, timeout: float = 5.0) -> list[KeypadMessage]:
        return [self.messages.get(timeout=timeout) for _ in range(count)]

    def nothing_more(self, wait: float = 0.3) -> bool:
        try:
            extra = self.messages.get(timeout=wait)
        except queue.Empty:
            return True
        pytest.fail(f"unexpected message {extra}")


@pytest.fixture
def loop_bus() -> Iterator[tuple[KeypadBus, FakeKeypadLine, Recorder]]:
    """A bus on ``loop://`` whose far end is a FakeKeypadLine writing into the same port."""
    port = serial.serial_for_url("loop://", baudrate=9600, timeout=0.05)
    recorder = Recorder()
    bus = KeypadBus(
        "loop://", windows=WINDOWS, on_message=recorder.message, on_status=recorder.status,
        open_port=lambda _url: port, stale_partial_s=0.2, backoff=FAST_BACKOFF,
    )
    bus.start()
    assert wait_for(lambda: bus.online)
    yield bus, FakeKeypadLine(port), recorder
    bus.stop()


def test_every_key_reaches_the_callback_with_its_window(loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder]) -> None:
    _bus, line, recorder = loop_bus
    keypad = line.keypad(0x02)
    for action in KeyAction:
        keypad.press(action)
    assert recorder.take(len(KeyAction)) == [KeyPressed(0x02, action, 2) for action in KeyAction]
    assert recorder.nothing_more()


def test_every_rater_key_reaches_the_callback(loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder]) -> None:
    _bus, line, recorder = loop_bus
    rater = line.keypad(0x15)
    levels = [RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASIC, RatingLevel.DISSATISFIED]
    for level in levels:
        rater.rate(level)
    assert recorder.take(4) == [RaterPressed(0x15, level, 1) for level in levels]


def test_function_key_sent_as_two_frames(loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder]) -> None:
    _bus, line, recorder = loop_bus
    line.keypad(0x03).press(KeyAction.CALL_BACK, split=True)
    assert recorder.take(1) == [KeyPressed(0x03, KeyAction.CALL_BACK, 3)]


def test_bad_input_is_logged_and_dropped_good_frames_acted_on(
    loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder], caplog: pytest.LogCaptureFixture,
) -> None:
    _bus, line, recorder = loop_bus
    caplog.set_level(logging.WARNING, logger="hardware.serial")
    call = key_frame(0x01, KeyAction.CALL_NEXT)
    bad_checksum = call[:-2] + bytes(((call[-2] + 1) & 0xFF,)) + call[-1:]
    truncated = key_frame(0x02, KeyAction.RECALL)[:6]

    line.send(b"\x00\x42line noise")                     # garbage
    line.send(bad_checksum)                               # bad checksum
    line.send_slowly(key_frame(0x01, KeyAction.FINISH))   # split byte by byte
    line.send(key_frame(0x02, KeyAction.PAUSE) + key_frame(0x03, KeyAction.TRANSFER))   # merged
    line.send(truncated + key_frame(0x01, KeyAction.RECALL))                          # truncated, then good
    line.send(encode_frame(0x01, 0x01, b"\x7e"))          # well-formed, unknown key

    assert recorder.take(4) == [
        KeyPressed(0x01, KeyAction.FINISH, 1),
        KeyPressed(0x02, KeyAction.PAUSE, 2),
        KeyPressed(0x03, KeyAction.TRANSFER, 3),
        KeyPressed(0x01, KeyAction.RECALL, 1),
    ]
    assert wait_for(lambda: "unknown key code" in caplog.text)
    text = caplog.text
    garbage = [r.getMessage().rsplit(": ", 1)[1] for r in caplog.records if "(garbage)" in r.getMessage()]
    assert " ".join(garbage) == b"\x00\x42line noise".hex(" ")   # one line, or several if reads split it
    assert "dropped bad frame (bad_checksum): ff 68 03 03 68 01 01 0c 0f 16" in text
    assert "dropped bad frame (missing_end): ff 68 03 03 68 02" in text
    assert all(r.levelno == logging.WARNING for r in caplog.records if "dropped bad frame" in r.getMessage())
    assert recorder.nothing_more()


def test_stalled_partial_frame_is_flushed_and_logged(
    loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder], caplog: pytest.LogCaptureFixture,
) -> None:
    _bus, line, recorder = loop_bus
    caplog.set_level(logging.WARNING, logger="hardware.serial")
    line.send(key_frame(0x01, KeyAction.CALL_NEXT)[:5])
    assert wait_for(lambda: "dropped bad frame (truncated): ff 68 03 03 68" in caplog.text)
    line.send(key_frame(0x01, KeyAction.CALL_NEXT))
    assert recorder.take(1) == [KeyPressed(0x01, KeyAction.CALL_NEXT, 1)]


def test_own_display_frames_echoed_back_are_not_messages(loop_bus: tuple[KeypadBus, FakeKeypadLine, Recorder]) -> None:
    bus, line, recorder = loop_bus
    assert bus.show_number(0x01, "A023")   # loop:// hands our own write back to our reader
    assert bus.beep(0x01)
    line.keypad(0x01).press(KeyAction.RECALL)
    assert recorder.take(1) == [KeyPressed(0x01, KeyAction.RECALL, 1)]
    assert recorder.nothing_more()


def test_a_failing_handler_does_not_stop_the_bus(caplog: pytest.LogCaptureFixture) -> None:
    port = serial.serial_for_url("loop://", timeout=0.05)
    seen: list[KeypadMessage] = []

    def handler(message: KeypadMessage) -> None:
        seen.append(message)
        if len(seen) == 1:
            raise RuntimeError("consumer bug")

    with KeypadBus("loop://", on_message=handler, open_port=lambda _url: port) as bus:
        assert wait_for(lambda: bus.online)
        line = FakeKeypadLine(port)
        line.keypad(0x01).press(KeyAction.CALL_NEXT)
        line.keypad(0x01).press(KeyAction.RECALL)
        assert wait_for(lambda: len(seen) == 2)
    assert "message handler failed" in caplog.text


def test_without_a_callback_messages_go_to_the_inbox() -> None:
    port = serial.serial_for_url("loop://", timeout=0.05)
    with KeypadBus("loop://", windows={7: 12}, open_port=lambda _url: port) as bus:
        assert wait_for(lambda: bus.online)
        FakeKeypadLine(port).keypad(7).press(KeyAction.PARK)
        assert bus.inbox.get(timeout=5) == KeyPressed(7, KeyAction.PARK, 12)
        assert bus.address_of(12) == 7
        assert bus.address_of(99) is None


def test_several_keypads_over_socat_ptys(socat_pair: SocatPair) -> None:
    recorder = Recorder()
    with KeypadBus(socat_pair.a, windows=WINDOWS, on_message=recorder.message) as bus:
        assert wait_for(lambda: bus.online)
        line = FakeKeypadLine(socat_pair.b)
        try:
            line.keypad(0x01).press(KeyAction.CALL_NEXT)
            line.keypad(0x02).press(KeyAction.CALL_NEXT)
            line.keypad(0x03).press(KeyAction.NO_SHOW)
            line.keypad(0x15).rate(RatingLevel.SATISFIED)
            got = recorder.take(4)
        finally:
            line.close()
    assert got == [
        KeyPressed(0x01, KeyAction.CALL_NEXT, 1),
        KeyPressed(0x02, KeyAction.CALL_NEXT, 2),
        KeyPressed(0x03, KeyAction.NO_SHOW, 3),
        RaterPressed(0x15, RatingLevel.SATISFIED, 1),
    ]


def test_server_to_keypad_frames_byte_exact_over_socat(socat_pair: SocatPair) -> None:
    device_end = serial.serial_for_url(socat_pair.b, baudrate=9600, timeout=0.05)
    try:
        with KeypadBus(socat_pair.a, windows=WINDOWS) as bus:
            assert wait_for(lambda: bus.online)
            bus.show_number(0x01, "A023")
            bus.show_number(0x02, "B107 3")
            bus.beep(0x02)
            expected = bytes.fromhex(
                "FF 68 08 08 68 01 02 20 41 30 32 33 20 19 16"
                "FF 68 08 08 68 02 02 42 31 30 37 20 33 31 16"
                "FF 68 02 02 68 02 03 05 16"
            )
            received = bytearray()
            assert wait_for(lambda: received.extend(device_end.read(64)) or len(received) >= len(expected))
            assert bytes(received) == expected
    finally:
        device_end.close()


def test_fake_keypads_see_their_own_display_and_beeps(socat_pair: SocatPair) -> None:
    line = FakeKeypadLine(socat_pair.b)
    try:
        with KeypadBus(socat_pair.a) as bus:
            assert wait_for(lambda: bus.online)
            one, two = line.keypad(0x01), line.keypad(0x02)
            bus.show_number(0x01, "A023")
            bus.show_number(0x02, "C001")
            bus.beep(0x02)
            line.poll(timeout=5, until=3)
    finally:
        line.close()
    assert (one.display, one.beeps) == (" A023 ", 0)
    assert (two.display, two.beeps) == (" C001 ", 1)


def test_port_vanishes_and_comes_back(socat_pair: SocatPair, caplog: pytest.LogCaptureFixture) -> None:
    """socat dies (the USB adapter is pulled) and comes back: the bus reports offline, reopens by
    itself, reports online, shows the remembered number again and delivers new presses."""
    caplog.set_level(logging.INFO, logger="hardware.serial")
    recorder = Recorder()
    # The keypads' end must be open before the bus reopens (opening a pty flushes what is already
    # there), so the test holds the bus's reopen until then; the opening itself is pyserial's.
    may_open = threading.Event()
    may_open.set()

    def open_port(url: str) -> serial.SerialBase:
        if not may_open.is_set():
            raise serial.SerialException("held by the test")
        return serial.serial_for_url(url, baudrate=9600, timeout=0.05)

    bus = KeypadBus(
        socat_pair.link_a, windows=WINDOWS, on_message=recorder.message, on_status=recorder.status,
        backoff=FAST_BACKOFF, open_port=open_port,
    )
    with bus:
        assert wait_for(lambda: bus.online)
        bus.show_number(0x01, "A023")

        may_open.clear()
        socat_pair.stop()
        assert wait_for(lambda: not bus.online)
        assert not bus.beep(0x01)   # dropped, not queued for later

        socat_pair.start()
        line = FakeKeypadLine(socat_pair.link_b)
        may_open.set()
        assert wait_for(lambda: bus.online)
        try:
            keypad = line.keypad(0x01)
            line.poll(timeout=5, until=1)
            assert keypad.display == " A023 "
            keypad.press(KeyAction.CALL_NEXT)
            assert recorder.take(1) == [KeyPressed(0x01, KeyAction.CALL_NEXT, 1)]
        finally:
            line.close()
    assert [s.online for s in recorder.statuses] == [True, False, True]
    assert recorder.statuses[1].message.zh == "呼叫器总线离线，正在重连"
    assert recorder.statuses[1].message.en == "keypad bus offline, reconnecting"
    assert "port lost" in caplog.text


def test_port_missing_at_start_is_retried(socat_pair: SocatPair) -> None:
    socat_pair.stop()
    recorder = Recorder()
    with KeypadBus(socat_pair.link_a, on_status=recorder.status, backoff=FAST_BACKOFF) as bus:
        assert wait_for(lambda: recorder.statuses)
        assert not recorder.statuses[0].online and recorder.statuses[0].error
        socat_pair.start()
        assert wait_for(lambda: bus.online)
    assert [s.online for s in recorder.statuses] == [False, True]


def test_socket_device_server_and_reconnect() -> None:
    """The demo's path: the bus talks to a serial device server over ``socket://``."""
    server = TcpDeviceLine()
    line = FakeKeypadLine(server)
    recorder = Recorder()
    try:
        with KeypadBus(server.url, windows=WINDOWS, on_message=recorder.message, on_status=recorder.status,
                       backoff=FAST_BACKOFF) as bus:
            assert server.wait_connected() and wait_for(lambda: bus.online)
            keypad = line.keypad(0x02)
            keypad.press(KeyAction.CALL_NEXT)
            assert recorder.take(1) == [KeyPressed(0x02, KeyAction.CALL_NEXT, 2)]
            bus.show_number(0x02, "B007")
            line.poll(timeout=5, until=1)
            assert keypad.display == " B007 "

            keypad.display = ""
            server.drop_client()
            assert wait_for(lambda: [s.online for s in recorder.statuses] == [True, False, True])
            line.poll(timeout=5, until=1)     # shown again after the reconnect
            assert keypad.display == " B007 "
            keypad.press(KeyAction.FINISH)
            assert recorder.take(1) == [KeyPressed(0x02, KeyAction.FINISH, 2)]
    finally:
        server.close()
