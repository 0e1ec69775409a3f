"""The call-keypad bus: several clerk keypads and 4-key raters on one serial line.

:class:`KeypadBus` owns the port (through :class:`~hardware.serial.link.SerialLink`, so all
device I/O happens on one background thread), decodes what the keypads send with the pure
:mod:`~hardware.serial.framing` and :mod:`~hardware.serial.keypad_protocol` modules, logs and
drops everything bad, and delivers good messages — :class:`KeyPressed` and
:class:`RaterPressed`, each with the keypad's address and its window number — to a callback,
or to :attr:`KeypadBus.inbox` when no callback is given. Callbacks run on the bus thread;
a Qt program forwards them to the GUI thread with a signal, it never touches widgets there.

The bus remembers what each keypad display shows and shows it again whenever the port is
(re)opened, because a keypad that lost power or a replugged adapter would otherwise show a stale
number until the next call.

Wiring, in a program's ``main()`` (addresses and URL come from the hall's device config)::

    bus = KeypadBus("/dev/ttyUSB0", windows={0x01: 1, 0x02: 2, 0x15: 1},
                    on_message=bridge.keypad_message, on_status=bridge.keypad_status)
    bus.start()
    ...
    addr = bus.address_of(window)          # after the server says window's ticket was called
    if addr is not None:
        bus.show_number(addr, "A023")
        bus.beep(addr)
    bus.stop()

In the demo the URL is a :class:`~hardware.serial.fakes.TcpDeviceLine`'s ``socket://`` address
and fake keypads press keys on the other end.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from hall.text import Bilingual
from hardware.serial.framing import BadFrame, Frame, FrameDecoder
from hardware.serial.keypad_protocol import (
    KEY_NAMES,
    Ignored,
    KeyAction,
    KeypadMessage,
    KeypadParser,
    KeyPressed,
    RaterPressed,
    beep_frame,
    display_frame,
)
from hardware.serial.link import DEFAULT_BACKOFF, LinkStatus, PortOpener, SerialLink

__all__ = ["KEY_NAMES", "KeyAction", "KeyPressed", "KeypadBus", "KeypadMessage", "LinkStatus", "RaterPressed"]

log = logging.getLogger(__name__)

BUS_LABEL = Bilingual("呼叫器总线", "keypad bus")
STALE_PARTIAL_S = 1.0   # a frame takes ~10 ms at 9600 baud; a second of silence mid-frame is a cut


class KeypadBus:
    """Keypads and raters on one port. ``windows`` maps bus address -> window number.

    ``start()`` opens the port on the bus thread (and keeps reopening it); ``stop()`` closes it.
    ``show_number`` and ``beep`` may be called from any thread; they never block.
    """

    def __init__(
        self,
        url: str,
        *,
        windows: Mapping[int, int] | None = None,
        on_message: Callable[[KeypadMessage], None] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        baudrate: int = 9600,
        read_timeout: float = 0.05,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        stale_partial_s: float = STALE_PARTIAL_S,
        open_port: PortOpener | None = None,
    ) -> None:
        self.url = url
        self.inbox: queue.Queue[KeypadMessage] = queue.Queue()
        self._on_message = on_message
        self._windows = dict(windows or {})
        self._decoder = FrameDecoder()
        self._parser = KeypadParser(self._windows)
        self._stale_partial_s = stale_partial_s
        self._last_rx = time.monotonic()
        self._displays: dict[int, bytes] = {}
        self._displays_lock = threading.Lock()
        self._unknown_addrs: set[int] = set()
        self.link = SerialLink(
            url,
            label=BUS_LABEL,
            baudrate=baudrate,
            on_bytes=self._received,
            on_idle=self._idle,
            on_open=self._reopened,
            on_status=on_status,
            read_timeout=read_timeout,
            backoff=backoff,
            open_port=open_port,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> KeypadBus:
        self.link.start()
        return self

    def stop(self) -> None:
        self.link.stop()

    def __enter__(self) -> KeypadBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def online(self) -> bool:
        return self.link.online

    # -- server -> keypad ---------------------------------------------------------------------

    def address_of(self, window: int) -> int | None:
        """The keypad address configured for ``window`` (the first one, if several)."""
        for addr, number in self._windows.items():
            if number == window:
                return addr
        return None

    def show_number(self, addr: int, text: str) -> bool:
        """Show ``text`` (at most six ASCII characters, centred) on keypad ``addr``.

        Remembered and shown again after a reconnect. Returns whether it was queued now;
        ``ValueError`` (bilingual) for text a keypad cannot show.
        """
        frame = display_frame(addr, text)
        with self._displays_lock:
            self._displays[addr] = frame
        return self.link.send(frame)

    def beep(self, addr: int) -> bool:
        """Beep keypad ``addr`` once. Not remembered: a late beep would only confuse the clerk."""
        return self.link.send(beep_frame(addr))

    # -- bus thread -----------------------------------------------------------------------------

    def _reopened(self) -> Iterable[bytes]:
        self._decoder.flush()
        with self._displays_lock:
            return list(self._displays.values())

    def _received(self, chunk: bytes) -> None:
        self._last_rx = time.monotonic()
        for item in self._decoder.feed(chunk):
            self._handle(item)

    def _idle(self) -> None:
        if self._decoder.pending and time.monotonic() - self._last_rx >= self._stale_partial_s:
            for bad in self._decoder.flush():
                self._handle(bad)

    def _handle(self, item: Frame | BadFrame) -> None:
        if isinstance(item, BadFrame):
            log.warning("keypad bus %s: dropped bad frame (%s): %s", self.url, item.reason.value, item.raw.hex(" "))
            return
        result = self._parser.parse(item, time.monotonic())
        if result is None:
            return
        if isinstance(result, Ignored):
            level = logging.DEBUG if result.quiet else logging.WARNING
            log.log(level, "keypad bus %s: ignored frame (%s): %s", self.url, result.reason, result.frame)
            return
        if result.window is None and self._windows and result.addr not in self._unknown_addrs:
            self._unknown_addrs.add(result.addr)
            log.warning("keypad bus %s: address %#04x is not mapped to a window in the config", self.url, result.addr)
        self._deliver(result)

    def _deliver(self, message: KeypadMessage) -> None:
        if self._on_message is None:
            self.inbox.put(message)
            return
        try:
            self._on_message(message)
        except Exception:
            log.exception("keypad bus %s: message handler failed for %s", self.url, message)
