"""The reader driver against the fake reader over a real socket line, and over a socat pty pair:
a card read, the same card not reported twice, garbage on the line, a reader unplugged and back."""

from __future__ import annotations

import queue
import threading

import pytest
import serial

from hardware.idcard.fakes import FakeReaderDevice, sample_card
from hardware.idcard.protocol import Command, FrameDecoder, IdCard, Status, base_message, encode_answer
from hardware.idcard.reader import Health, IdCardReader, open_idcard_reader, parse_reader_url
from tests.hardware.serial.conftest import SocatPair, wait_for


def start(device: FakeReaderDevice, cards: queue.Queue[IdCard], **kw: object) -> IdCardReader:
    return IdCardReader(device.url, on_card=cards.put, poll_s=0.05, answer_timeout_s=0.3, backoff=(0.05, 0.1), **kw).start()  # type: ignore[arg-type]


@pytest.fixture
def device() -> FakeReaderDevice:
    device = FakeReaderDevice()
    yield device
    device.close()


def test_a_card_is_read_once_while_it_lies_on_the_reader(device: FakeReaderDevice) -> None:
    cards: queue.Queue[IdCard] = queue.Queue()
    reader = start(device, cards)
    try:
        assert wait_for(lambda: reader.health() is Health.OK)
        device.place(sample_card())
        card = cards.get(timeout=5)
        assert card == sample_card()
        assert wait_for(lambda: device.reads >= 3)   # it keeps being read, but is reported once
        assert cards.empty()
        device.lift()
        assert wait_for(lambda: device.commands.get(Command.FIND, 0) > 5)
        device.place(sample_card())                  # laid down again: a new read
        assert cards.get(timeout=5) == sample_card()
        device.swipe(sample_card(5))
        assert cards.get(timeout=5).id_number == sample_card(5).id_number
    finally:
        reader.stop()


def test_garbage_and_half_frames_do_not_lose_the_next_card(device: FakeReaderDevice) -> None:
    cards: queue.Queue[IdCard] = queue.Queue()
    reader = start(device, cards)
    try:
        # after the first poll: pyserial's socket:// empties its input while it opens
        assert wait_for(lambda: device.commands.get(Command.FIND, 0) > 1)
        device.inject(b"\x13\x37 noise \xaa\xaa")
        device.inject(encode_answer(Status.OK, base_message(sample_card(9)))[:400])   # half a frame
        device.swipe(sample_card(1))
        assert cards.get(timeout=5).id_number == sample_card(1).id_number
        assert reader.bad_frames >= 1
    finally:
        reader.stop()


def test_unplugged_and_plugged_back(device: FakeReaderDevice) -> None:
    cards: queue.Queue[IdCard] = queue.Queue()
    statuses: list[bool] = []
    reader = start(device, cards, on_status=lambda s: statuses.append(s.online))
    try:
        assert wait_for(lambda: reader.health() is Health.OK)
        device.unplug()
        assert wait_for(lambda: reader.health() is not Health.OK, timeout=8)
        state = reader.health_state()
        assert state["state"] in ("offline", "not_answering") and state["zh"].startswith("身份证阅读器")
        device.plug()
        assert wait_for(lambda: reader.health() is Health.OK, timeout=8)
        device.swipe(sample_card(2))
        assert cards.get(timeout=5).id_number == sample_card(2).id_number
        assert True in statuses
    finally:
        reader.stop()


def test_a_port_that_cannot_open_is_retried_with_backoff() -> None:
    device = FakeReaderDevice()
    attempts: list[str] = []
    fail = threading.Event()
    fail.set()

    def open_port(url: str) -> serial.SerialBase:
        attempts.append(url)
        if fail.is_set():
            raise serial.SerialException("could not open port /dev/ttyUSB0: No such file")
        return serial.serial_for_url(url, timeout=0.05)

    cards: queue.Queue[IdCard] = queue.Queue()
    reader = start(device, cards, open_port=open_port)
    try:
        assert wait_for(lambda: len(attempts) >= 3)
        assert reader.health() is Health.OFFLINE
        fail.clear()
        assert wait_for(lambda: reader.health() is Health.OK)
        device.swipe()
        assert cards.get(timeout=5) == sample_card()
    finally:
        reader.stop()
        device.close()


def test_over_a_socat_pty_pair(socat_pair: SocatPair) -> None:
    """The reader on one pty, a reader device answering on the other, as a USB-serial reader does."""
    cards: queue.Queue[IdCard] = queue.Queue()
    reader = IdCardReader(socat_pair.a, on_card=cards.put, poll_s=0.05, answer_timeout_s=0.3, backoff=(0.05,)).start()
    far = serial.serial_for_url(socat_pair.b, baudrate=115200, timeout=0.05)
    decoder = FrameDecoder()
    try:
        seen: list[int] = []
        while not seen or seen[-1] != Command.READ_BASE:
            for frame in decoder.feed(far.read(64)):
                seen.append(frame.command)   # type: ignore[union-attr]
                answer = {
                    Command.FIND: encode_answer(Status.FOUND, bytes(4)),
                    Command.SELECT: encode_answer(Status.OK, bytes(8)),
                    Command.READ_BASE: encode_answer(Status.OK, base_message(sample_card(3))),
                }[frame.command]   # type: ignore[union-attr]
                far.write(b"\x00garbage" + answer)
        assert cards.get(timeout=5).id_number == sample_card(3).id_number
        assert seen[:3] == [Command.FIND, Command.SELECT, Command.READ_BASE]
    finally:
        reader.stop()
        far.close()


def test_urls() -> None:
    assert parse_reader_url("idcard:serial:/dev/ttyUSB0?baud=9600") == ("serial:/dev/ttyUSB0", {"baud": "9600"})
    assert parse_reader_url("idcard:fake:") == ("fake:", {})
    for bad in ("serial:/dev/ttyUSB0", "idcard:", "idcard:serial:", "idcard:usb:1"):
        with pytest.raises(ValueError):
            parse_reader_url(bad)
    cards: queue.Queue[IdCard] = queue.Queue()
    reader = open_idcard_reader("idcard:fake:", cards.put)
    try:
        assert reader.fake_device is not None
        reader.fake_device.swipe()
        assert cards.get(timeout=5) == sample_card()
    finally:
        reader.stop()
