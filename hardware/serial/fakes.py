"""Fakes that are real implementations: they ship in the package, power `hallq demo`, and are
the far end of the line in the tests.

- :class:`FakeKeypadLine` is the device side of a keypad bus. Its :class:`FakeKeypad` objects
  write the exact frames real keypads and 4-key raters send, into any pyserial port or URL (the
  other end of a socat pty pair, a ``loop://`` shared with the bus), and :meth:`FakeKeypadLine.poll`
  reads what the server sent back so each fake keypad knows its display text and beep count.
- :class:`TcpDeviceLine` behaves like a serial device server (the RS-485-to-Ethernet boxes
  halls use): it listens on 127.0.0.1 and the bus connects with ``socket://127.0.0.1:PORT``.
  It needs no socat, so the demo runs the same way on Windows.
- :class:`RecordingLedStrip` stands in for :class:`~hardware.serial.led_strip.LedStrip`: it
  records the text and the exact frames a real strip would get.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Protocol

import serial

from hall.tickets import RatingLevel
from hardware.serial.framing import BadFrame, Frame, FrameDecoder, encode_frame
from hardware.serial.keypad_protocol import (
    FUNC_BEEP,
    FUNC_DISPLAY,
    FUNC_KEY,
    FUNC_RATER,
    FUNCTION_DIGIT_ACTIONS,
    KEY_FUNCTION,
    KeyAction,
    key_frame,
    rater_frame,
)
from hardware.serial.led_strip import DEFAULT_AREA, DEFAULT_ENCODING, DEFAULT_LED_FORMAT, LedFrameFormat, encode_text


class DeviceEnd(Protocol):
    """The device end of a line: what :class:`FakeKeypadLine` needs from a port."""

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def close(self) -> None: ...


class FakeKeypad:
    """One clerk keypad (address ``addr``) with its rater. Methods return the frame they sent."""

    def __init__(self, line: FakeKeypadLine, addr: int) -> None:
        self.line = line
        self.addr = addr
        self.display = ""          # the last FUNC 02 text the server sent (six characters)
        self.beeps = 0

    def press(self, action: KeyAction, *, split: bool = False) -> bytes:
        """Press the key(s) for ``action``. ``split=True`` sends 功能 and its digit as two frames,
        as keypads that report each key separately do."""
        if split and action in FUNCTION_DIGIT_ACTIONS.values():
            digit = next(d for d, a in FUNCTION_DIGIT_ACTIONS.items() if a is action)
            return self.press_key(KEY_FUNCTION) + self.press_key(digit)
        return self.line.send(key_frame(self.addr, action))

    def press_key(self, code: int) -> bytes:
        """Press a key by its raw code (digits 00-09, function keys, or codes hallq ignores)."""
        return self.line.send(encode_frame(self.addr, FUNC_KEY, bytes((code,))))

    def rate(self, level: RatingLevel) -> bytes:
        """Press a rater key. ``ValueError`` for 非常不满意: a 4-key rater has no such key."""
        return self.line.send(rater_frame(self.addr, level))

    def press_rater_key(self, code: int) -> bytes:
        return self.line.send(encode_frame(self.addr, FUNC_RATER, bytes((code,))))


class FakeKeypadLine:
    """The keypads' end of the bus: writes their frames into ``port`` and reads the server's.

    ``port`` is a pyserial URL, an open pyserial port, or any :class:`DeviceEnd`. Frames for
    addresses with no fake keypad are kept in :attr:`received` but change nothing.
    """

    def __init__(self, port: str | DeviceEnd, *, baudrate: int = 9600) -> None:
        self.port: DeviceEnd = (
            serial.serial_for_url(port, baudrate=baudrate, timeout=0.05) if isinstance(port, str) else port
        )
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self.keypads: dict[int, FakeKeypad] = {}
        self.received: list[Frame] = []
        self.bad: list[BadFrame] = []

    def keypad(self, addr: int) -> FakeKeypad:
        if addr not in self.keypads:
            self.keypads[addr] = FakeKeypad(self, addr)
        return self.keypads[addr]

    def send(self, data: bytes) -> bytes:
        """Write raw bytes onto the line (a frame, garbage, half a frame ...)."""
        with self._lock:
            self.port.write(data)
        return data

    def send_slowly(self, data: bytes, chunk: int = 1, pause: float = 0.002) -> bytes:
        """Write ``data`` a few bytes at a time, so the bus reads it split across many reads."""
        for start in range(0, len(data), chunk):
            self.send(data[start:start + chunk])
            time.sleep(pause)
        return data

    def poll(self, timeout: float = 0.3, *, until: int | None = None) -> list[Frame]:
        """Read what the server sent for up to ``timeout`` seconds (or until ``until`` frames
        arrived); apply display and beep frames to the fake keypads; return the frames."""
        deadline = time.monotonic() + timeout
        frames: list[Frame] = []
        while time.monotonic() < deadline and (until is None or len(frames) < until):
            chunk = self.port.read(256)
            if not chunk:
                continue
            for item in self._decoder.feed(chunk):
                if isinstance(item, BadFrame):
                    self.bad.append(item)
                else:
                    frames.append(item)
                    self._apply(item)
        self.received.extend(frames)
        return frames

    def _apply(self, frame: Frame) -> None:
        keypad = self.keypads.get(frame.addr)
        if keypad is None:
            return
        if frame.func == FUNC_DISPLAY:
            keypad.display = frame.data.decode("ascii", "replace")
        elif frame.func == FUNC_BEEP:
            keypad.beeps += 1

    def close(self) -> None:
        self.port.close()


class TcpDeviceLine:
    """A serial device server on 127.0.0.1: the bus connects to :attr:`url` (``socket://``).

    One client at a time (a new one replaces the old). Writes while nobody is connected are
    dropped, like a keypad talking on a line with no server. :meth:`drop_client` cuts the
    current connection, which a bus sees as its port vanishing.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.1)
        self.url = f"socket://{host}:{self._listener.getsockname()[1]}"
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fake-device-server", daemon=True)
        self._thread.start()

    def wait_connected(self, timeout: float = 5.0) -> bool:
        return self._connected.wait(timeout)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.05)
            with self._lock:
                old, self._client = self._client, conn
            if old is not None:
                old.close()
            self._connected.set()

    def drop_client(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            self._connected.clear()
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def write(self, data: bytes, /) -> int | None:
        with self._lock:
            client = self._client
        if client is None:
            return 0
        try:
            client.sendall(data)
        except OSError:
            return 0
        return len(data)

    def read(self, size: int = 1, /) -> bytes:
        with self._lock:
            client = self._client
        if client is None:
            time.sleep(0.05)
            return b""
        try:
            data = client.recv(size)
        except (TimeoutError, OSError):
            return b""
        if not data:   # the bus closed its end
            with self._lock:
                if self._client is client:
                    self._client = None
                    self._connected.clear()
            client.close()
        return data

    def close(self) -> None:
        self._closed.set()
        self.drop_client()
        self._listener.close()
        self._thread.join(2)


class RecordingLedStrip:
    """A :class:`~hardware.serial.led_strip.WindowStrip` that records instead of sending.

    Uses the real frame format and encoding, so a text the real strip would refuse is refused
    here too, and :attr:`frames` holds the exact bytes the real strip would receive.
    """

    def __init__(
        self, *, frame_format: str = DEFAULT_LED_FORMAT, area: str = DEFAULT_AREA, encoding: str = DEFAULT_ENCODING,
    ) -> None:
        self.format = LedFrameFormat(frame_format)
        self.area = area
        self.encoding = encoding
        self.shown: list[tuple[int, str]] = []
        self.frames: list[bytes] = []
        self.current: dict[int, str] = {}

    def show(self, window_addr: int, text: str) -> None:
        self.frames.append(self.format.render(window_addr, self.area, encode_text(text, self.encoding)))
        self.shown.append((window_addr, text))
        self.current[window_addr] = text

    def refresh(self) -> None:
        for addr, text in list(self.current.items()):
            self.show(addr, text)
