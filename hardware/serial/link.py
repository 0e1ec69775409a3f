"""One serial port, opened by pyserial URL, and the one thread that does all of its I/O.

Device I/O lives on a single thread per port (as in Electrum): callers on the GUI or a worker
thread only queue bytes with :meth:`SerialLink.send`; the link thread writes them, reads what the
devices send and hands it to a callback. No caller ever blocks on a 9600-baud line.

Ports vanish in halls: a USB-RS485 adapter is unplugged, a serial device server reboots, socat
restarts. The link then closes the port, reports itself offline, and reopens with backoff until
the port is back; on every (re)open it asks its owner for frames to write first, so keypad
displays and LED strips show the current number again. Offline/online changes are reported once
each through ``on_status`` with a bilingual message the programs can show as they are.

URLs are pyserial's: ``/dev/ttyUSB0``, ``COM3``, ``loop://``, ``socket://host:port``,
``rfc2217://host:port``, and pty paths made by socat.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import serial

from hall.text import Bilingual

log = logging.getLogger(__name__)

DEFAULT_BACKOFF: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0)
OUTBOX_LIMIT = 1000

PortOpener = Callable[[str], serial.SerialBase]


@dataclass(frozen=True)
class LinkStatus:
    online: bool
    message: Bilingual
    error: str | None = None


class SerialLink:
    """Owns one port and its I/O thread. ``on_bytes`` and ``on_idle`` run on that thread.

    ``on_bytes(data)`` gets every non-empty read; ``on_idle()`` runs after a read timed out with
    nothing (decoders use it to give up on a stalled partial frame). ``on_open()`` returns frames
    to write right after each successful open. ``read=False`` makes a write-only link (LED strips).
    """

    def __init__(
        self,
        url: str,
        *,
        label: Bilingual,
        baudrate: int = 9600,
        read: bool = True,
        on_bytes: Callable[[bytes], None] | None = None,
        on_idle: Callable[[], None] | None = None,
        on_open: Callable[[], Iterable[bytes]] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        read_timeout: float = 0.05,
        write_timeout: float = 2.0,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        open_port: PortOpener | None = None,
    ) -> None:
        if not backoff:
            raise ValueError("backoff needs at least one delay")
        self.url = url
        self.label = label
        self.name = label.en
        self._baudrate = baudrate
        self._read = read
        self._on_bytes = on_bytes
        self._on_idle = on_idle
        self._on_open = on_open
        self._on_status = on_status
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._backoff = tuple(backoff)
        self._open_port = open_port or self._default_open
        self._outbox: queue.Queue[bytes] = queue.Queue(OUTBOX_LIMIT)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: serial.SerialBase | None = None
        self._online = False
        self._reported: bool | None = None   # last online state reported through on_status

    # -- caller side (any thread) -------------------------------------------------------

    @property
    def online(self) -> bool:
        return self._online

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} link already started")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"serial-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and close the port. Safe to call twice."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def send(self, data: bytes) -> bool:
        """Queue ``data`` for the link thread. ``False`` (and a log line) if the port is offline
        or the queue is full: the bytes are dropped rather than delivered late."""
        if not self._online:
            log.info("%s (%s): offline, dropped %d bytes to send", self.name, self.url, len(data))
            return False
        try:
            self._outbox.put_nowait(bytes(data))
        except queue.Full:
            log.warning("%s (%s): send queue full, dropped %d bytes", self.name, self.url, len(data))
            return False
        return True

    # -- link thread ----------------------------------------------------------------------

    def _default_open(self, url: str) -> serial.SerialBase:
        return serial.serial_for_url(
            url,
            baudrate=self._baudrate,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=self._read_timeout,
            write_timeout=self._write_timeout,
        )

    def _run(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                if self._port is None:
                    if self._open(failures):
                        failures = 0
                    else:
                        delay = self._backoff[min(failures, len(self._backoff) - 1)]
                        failures += 1
                        self._stopping.wait(delay)
                        continue
                try:
                    self._pump()
                except Exception as exc:
                    # SerialException and OSError mostly, but a vanished tty can also raise
                    # termios.error (not an OSError) from flush(); the thread must outlive all.
                    self._lost(exc)
        finally:
            self._close()
            self._online = False

    def _open(self, failures: int) -> bool:
        try:
            port = self._open_port(self.url)
            for frame in self._on_open() if self._on_open else ():
                port.write(frame)
        except Exception as exc:   # SerialException, OSError, ValueError (bad URL), termios.error
            level = logging.WARNING if failures == 0 else logging.DEBUG
            log.log(level, "%s (%s): cannot open port: %s; retrying", self.name, self.url, exc)
            self._close()
            self._report(False, str(exc))
            return False
        self._port = port
        self._online = True
        log.info("%s (%s): port open", self.name, self.url)
        self._report(True, None)
        return True

    def _pump(self) -> None:
        port = self._port
        assert port is not None
        if not self._read:
            try:
                data = self._outbox.get(timeout=self._read_timeout)
            except queue.Empty:
                return
            port.write(data)
            port.flush()
            return
        while True:
            try:
                data = self._outbox.get_nowait()
            except queue.Empty:
                break
            port.write(data)
        chunk = port.read(max(1, port.in_waiting))
        if chunk and port.in_waiting:   # the rest of a burst that arrived while the first byte woke us
            chunk += port.read(port.in_waiting)
        self._deliver(chunk)

    def _deliver(self, chunk: bytes) -> None:
        try:
            if chunk:
                if self._on_bytes:
                    self._on_bytes(chunk)
            elif self._on_idle:
                self._on_idle()
        except Exception:
            # A consumer bug must not take the port down with it.
            log.exception("%s (%s): handler failed; the link keeps running", self.name, self.url)

    def _lost(self, exc: BaseException) -> None:
        log.warning("%s (%s): port lost: %s; reopening", self.name, self.url, exc)
        self._close()
        self._online = False
        self._drain_outbox()
        self._report(False, str(exc))

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:   # closing a vanished port can fail in many ways; it is gone anyway
                log.debug("%s: error while closing port", self.name, exc_info=True)

    def _drain_outbox(self) -> None:
        while True:
            try:
                self._outbox.get_nowait()
            except queue.Empty:
                return

    def _report(self, online: bool, error: str | None) -> None:
        self._online = online
        if self._reported is online:
            return
        self._reported = online
        if online:
            message = Bilingual(f"{self.label.zh}已连接", f"{self.label.en} online")
        else:
            message = Bilingual(f"{self.label.zh}离线，正在重连", f"{self.label.en} offline, reconnecting")
        if self._on_status is None:
            return
        try:
            self._on_status(LinkStatus(online, message, error))
        except Exception:
            log.exception("%s: status handler failed", self.name)
