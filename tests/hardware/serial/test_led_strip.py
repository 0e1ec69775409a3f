"""LED window strips: frame formats byte-exact, GBK text, RAM-area resend, real ports."""

from __future__ import annotations

import threading

import pytest
import serial

from hardware.serial.fakes import FakeKeypadLine, RecordingLedStrip
from hardware.serial.keypad import KeypadBus
from hardware.serial.keypad_protocol import KeyAction, KeyPressed
from hardware.serial.led_strip import DEFAULT_LED_FORMAT, LedFrameFormat, LedStrip, WindowStrip, encode_text

from .conftest import SocatPair, wait_for

# "A023 请到3号窗口" at strip 03, default format {STX}{addr:02d}{area}{text}{ETX}{sum}, area R0.
DEFAULT_FRAME_03 = bytes.fromhex(
    "02"                                   # STX
    "30 33"                                # "03"
    "52 30"                                # "R0" (RAM area)
    "41 30 32 33 20 C7 EB B5 BD 33 BA C5 B4 B0 BF DA"   # A023 请到3号窗口 in GBK
    "03"                                   # ETX
    "42 31"                                # "B1": sum of 30 33 .. 03 = 0x3B1 -> B1
)


def test_default_format_byte_exact() -> None:
    strip = LedStrip("loop://")
    assert strip.frame(3, "A023 请到3号窗口") == DEFAULT_FRAME_03
    covered = DEFAULT_FRAME_03[1:-2]
    assert f"{sum(covered) & 0xFF:02X}".encode() == DEFAULT_FRAME_03[-2:]


def test_default_format_short_ascii() -> None:
    # 02 "12" "R0" "A001" 03 -> sum(31 32 52 30 41 30 30 31 03) = 0x1BA
    assert LedStrip("loop://").frame(12, "A001") == b"\x0212R0A001\x03BA"


def test_custom_binary_format_byte_exact() -> None:
    strip = LedStrip("loop://", frame_format="{xAA}{x55}{addr_byte}{len_byte}{text}{xor_byte}{x0D}", area="")
    frame = strip.frame(0x07, "A023")
    # XOR covers everything from the start (no STX): AA^55^07^04^41^30^32^33
    xor = 0xAA ^ 0x55 ^ 0x07 ^ 0x04 ^ 0x41 ^ 0x30 ^ 0x32 ^ 0x33
    assert frame == bytes((0xAA, 0x55, 0x07, 0x04)) + b"A023" + bytes((xor, 0x0D))
    assert xor == 0x8C


def test_custom_ascii_format_with_literals() -> None:
    strip = LedStrip("loop://", frame_format="{STX}$W{addr:03d},{area},{len:02d},{text}{ETX}{sum:03d}{CR}{LF}", area="D1")
    frame = strip.frame(5, "请")
    body = b"$W005,D1,02,\xc7\xeb\x03"
    assert frame == b"\x02" + body + f"{sum(body) & 0xFF:03d}".encode() + b"\r\n"
    assert frame == b"\x02$W005,D1,02,\xc7\xeb\x03032\r\n"


def test_gb2312_encoding_setting() -> None:
    strip = LedStrip("loop://", encoding="gb2312")
    # 窗口 = B4B0 BFDA in GB2312; sum(30 31 52 30 B4 B0 BF DA 03) = 0x3E3
    assert strip.frame(1, "窗口") == b"\x0201R0\xb4\xb0\xbf\xda\x03E3"
    with pytest.raises(ValueError, match="cannot show"):
        strip.frame(1, "€")   # not in GB2312


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("{STX}{addr}{ETX}", "no {text}"),
        ("{STX}{nope}{text}", "unknown field"),
        ("{STX}{text}{addr!r}", "conversion"),
        ("{STX}{text", "bad LED frame format"),
        ("窗{text}", "ASCII"),
        ("{addr:zz}{text}", "bad LED frame format"),
    ],
)
def test_bad_templates_fail_when_configured(template: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        LedFrameFormat(template)


def test_text_the_strip_cannot_take_is_refused() -> None:
    with pytest.raises(ValueError, match="control characters"):
        encode_text("A023\x03")
    with pytest.raises(ValueError, match="cannot show"):
        encode_text("😀")


def test_address_that_does_not_fit_a_byte_is_refused() -> None:
    with pytest.raises(ValueError, match="address"):
        LedFrameFormat("{addr_byte}{text}").render(300, "", b"x")


def test_strip_writes_frames_to_a_real_port(socat_pair: SocatPair) -> None:
    device_end = serial.serial_for_url(socat_pair.b, baudrate=9600, timeout=0.05)
    try:
        with LedStrip(socat_pair.a) as strip:
            assert wait_for(lambda: strip.link.online)
            strip.show(3, "A023 请到3号窗口")
            strip.show(12, "A001")
            expected = DEFAULT_FRAME_03 + b"\x0212R0A001\x03BA"
            received = bytearray()
            assert wait_for(lambda: received.extend(device_end.read(64)) or len(received) >= len(expected))
            assert bytes(received) == expected
    finally:
        device_end.close()


def test_ram_text_is_sent_again_after_the_port_comes_back(socat_pair: SocatPair) -> None:
    may_open = threading.Event()
    may_open.set()

    def open_port(url: str) -> serial.SerialBase:
        if not may_open.is_set():
            raise serial.SerialException("held by the test")
        return serial.serial_for_url(url, baudrate=9600, timeout=0.05)

    with LedStrip(socat_pair.link_a, open_port=open_port, backoff=(0.05,)) as strip:
        assert wait_for(lambda: strip.link.online)
        strip.show(3, "A023 请到3号窗口")
        strip.show(3, "A024 请到3号窗口")   # only the latest text per window is kept
        may_open.clear()
        socat_pair.stop()
        # A write-only link notices a vanished port when it next writes.
        assert wait_for(lambda: (strip.show(12, "A001"), not strip.link.online)[1])
        socat_pair.start()
        device_end = serial.serial_for_url(socat_pair.link_b, baudrate=9600, timeout=0.05)
        try:
            may_open.set()
            assert wait_for(lambda: strip.link.online)
            expected = strip.frame(3, "A024 请到3号窗口") + strip.frame(12, "A001")
            received = bytearray()
            assert wait_for(lambda: received.extend(device_end.read(64)) or len(received) >= len(expected))
            assert bytes(received) == expected
        finally:
            device_end.close()


def test_strip_can_share_the_keypad_bus_line(caplog: pytest.LogCaptureFixture) -> None:
    """Strips on the keypads' RS-485 line: the strip writes through the bus's link, and the keypad
    decoder, hearing the strip frame (loop:// echoes it), drops it as noise and carries on."""
    port = serial.serial_for_url("loop://", timeout=0.05)
    with KeypadBus("loop://", windows={1: 1}, open_port=lambda _url: port) as bus:
        assert wait_for(lambda: bus.online)
        strip = LedStrip(bus.link)
        strip.start()   # a shared link is the bus's to start and stop: these do nothing
        strip.show(2, "B007")
        assert wait_for(lambda: "(garbage)" in caplog.text)
        FakeKeypadLine(port).keypad(1).press(KeyAction.CALL_NEXT)
        assert bus.inbox.get(timeout=5) == KeyPressed(1, KeyAction.CALL_NEXT, 1)
        strip.stop()
        assert bus.online
    garbage = " ".join(r.getMessage().rsplit(": ", 1)[1] for r in caplog.records if "(garbage)" in r.getMessage())
    assert garbage == strip.frame(2, "B007").hex(" ")


def test_recording_strip_records_text_and_the_real_frames() -> None:
    strip: WindowStrip = RecordingLedStrip()
    strip.show(3, "A023 请到3号窗口")
    strip.show(12, "A001")
    assert isinstance(strip, RecordingLedStrip)
    assert strip.shown == [(3, "A023 请到3号窗口"), (12, "A001")]
    assert strip.frames == [DEFAULT_FRAME_03, b"\x0212R0A001\x03BA"]
    assert strip.current == {3: "A023 请到3号窗口", 12: "A001"}
    with pytest.raises(ValueError):
        strip.show(3, "A\x02")
    assert DEFAULT_LED_FORMAT == "{STX}{addr:02d}{area}{text}{ETX}{sum}"
