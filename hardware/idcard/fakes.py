"""A fake 二代身份证 desktop reader that answers real frames: the far end in tests and the demo.

:class:`FakeReaderDevice` listens on 127.0.0.1 like a serial device server
(:class:`~hardware.serial.fakes.TcpDeviceLine`); an :class:`~hardware.idcard.reader.IdCardReader`
opens its ``socket://`` URL. A thread reads the reader's commands with the same
:class:`~hardware.idcard.protocol.FrameDecoder` and answers find / select / read base message as a
SAM reader does, from the card lying on it (:meth:`place`, :meth:`lift`, :meth:`swipe`). It can
also be "unplugged" (:meth:`unplug` drops the connection and stays silent until :meth:`plug`) and
made to write garbage or half a frame (:meth:`inject`).

The sample cards are made-up people whose numbers pass the GB 11643 check.
"""

from __future__ import annotations

import threading

from hall.identity import check_char
from hardware.idcard.protocol import (
    BadFrame,
    Command,
    FrameDecoder,
    IdCard,
    Status,
    base_message,
    encode_answer,
)
from hardware.serial.fakes import TcpDeviceLine


def sample_card(seq: int = 123, name: str = "张三", sex: str = "1") -> IdCard:
    """A made-up card; ``seq`` (0..999) changes the number."""
    first17 = f"37010219800101{seq % 1000:03d}"
    return IdCard(
        name=name, sex=sex, nation="01", birth="19800101", address="山东省济南市历下区示例路1号",
        id_number=first17 + check_char(first17), issuer="济南市公安局历下分局", valid_from="20200101", valid_to="20400101",
    )


class FakeReaderDevice:
    """The reader's end of the line. ``commands`` counts what it was asked, by command."""

    def __init__(self) -> None:
        self.line = TcpDeviceLine()
        self.url = self.line.url
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self._card: IdCard | None = None
        self._lift_after_read = False
        self._plugged = threading.Event()
        self._plugged.set()
        self._closed = threading.Event()
        self.commands: dict[int, int] = {}
        self.reads = 0
        self._thread = threading.Thread(target=self._run, name="fake-idcard-reader", daemon=True)
        self._thread.start()

    # -- the test's or demo's hand ------------------------------------------------------------

    def place(self, card: IdCard) -> None:
        """Lay ``card`` on the reader; it stays until :meth:`lift`."""
        with self._lock:
            self._card, self._lift_after_read = card, False

    def swipe(self, card: IdCard | None = None) -> None:
        """Lay ``card`` on the reader and take it away once it was read (a citizen's quick touch)."""
        with self._lock:
            self._card, self._lift_after_read = card or sample_card(), True

    def lift(self) -> None:
        with self._lock:
            self._card = None

    def unplug(self) -> None:
        """The USB cable is pulled: the connection drops and the port is gone (opening it is
        refused) until :meth:`plug` brings it back under the same URL."""
        self._plugged.clear()
        with self._lock:
            line = self.line
        line.close()

    def plug(self) -> None:
        port = int(self.url.rsplit(":", 1)[1])
        with self._lock:
            self.line = TcpDeviceLine(port=port)
        self._plugged.set()

    def inject(self, data: bytes) -> None:
        """Write raw bytes (garbage, half a frame) onto the line."""
        self.line.write(data)

    def close(self) -> None:
        self._closed.set()
        if self._plugged.is_set():
            self.line.close()
        self._thread.join(2)

    # -- device thread --------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closed.is_set():
            if not self._plugged.wait(0.05):
                continue
            line = self.line
            chunk = line.read(512)
            if not chunk:
                continue
            for item in self._decoder.feed(chunk):
                if isinstance(item, BadFrame):
                    line.write(encode_answer(Status.BAD_CHECKSUM))
                    continue
                self.commands[item.command] = self.commands.get(item.command, 0) + 1
                line.write(self._answer(item.command))

    def _answer(self, command: int) -> bytes:
        with self._lock:
            card = self._card
            if command == Command.FIND:
                return encode_answer(Status.FOUND if card else Status.NOT_FOUND, bytes(4))
            if command == Command.SELECT:
                return encode_answer(Status.OK, bytes(8)) if card else encode_answer(Status.SELECT_FAILED)
            if command == Command.READ_BASE:
                if card is None:
                    return encode_answer(Status.READ_FAILED)
                self.reads += 1
                if self._lift_after_read:
                    self._card = None
                return encode_answer(Status.OK, base_message(card))
            if command == Command.SAM_STATUS:
                return encode_answer(Status.OK)
        return encode_answer(Status.UNKNOWN_COMMAND)
