"""The ID card reader: one port, one I/O thread, a poll of find -> select -> read, cards to a callback.

:class:`IdCardReader` owns a :class:`~hardware.serial.link.SerialLink` (so all I/O happens on one
background thread, and an unplugged reader is reopened with backoff) and drives the reader with the
pure :mod:`~hardware.idcard.protocol`. Every ``poll_s`` it sends 寻找证/卡; on 找到 it selects and
reads the base message; a card read is handed to ``on_card`` once — the same card lying on the
reader is not reported again until it was lifted (a find that finds nothing) or ``repeat_s`` passed.
An answer that does not come within ``answer_timeout_s`` restarts the poll, so a half answer lost
in a replug never stalls the reader.

Health (:meth:`IdCardReader.health`) is ``ok``, ``offline`` (the port is gone) or ``not_answering``
(the port is open but the reader says nothing): the kiosk sends it with its heartbeat.

The clear ID number leaves this module only inside the :class:`IdCard` given to ``on_card``; logs
carry sizes and reasons, never a frame's bytes.

URLs (:func:`open_idcard_reader`): ``idcard:serial:/dev/ttyUSB0?baud=115200`` (any pyserial URL
after ``idcard:serial:``: ``COM3``, ``socket://host:port`` ...) and ``idcard:fake:`` (the reader
in :mod:`hardware.idcard.fakes`, behind a loopback device server, for the demo and tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from hall.text import Bilingual
from hardware.idcard.protocol import (
    BadFrame,
    Command,
    Frame,
    FrameDecoder,
    IdCard,
    Status,
    encode_command,
    parse_base_message,
)
from hardware.serial.link import DEFAULT_BACKOFF, LinkStatus, PortOpener, SerialLink

if TYPE_CHECKING:
    from hardware.idcard.fakes import FakeReaderDevice

log = logging.getLogger(__name__)

READER_LABEL = Bilingual("身份证阅读器", "ID card reader")
DEFAULT_BAUD = 115200


class Health(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    NOT_ANSWERING = "not_answering"


class IdCardReader:
    """A desktop ID card reader on ``url`` (a pyserial URL). ``on_card`` runs on the reader thread."""

    def __init__(
        self,
        url: str,
        *,
        on_card: Callable[[IdCard], None],
        on_status: Callable[[LinkStatus], None] | None = None,
        baudrate: int = DEFAULT_BAUD,
        poll_s: float = 0.3,
        answer_timeout_s: float = 1.0,
        repeat_s: float = 10.0,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        open_port: PortOpener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._on_card = on_card
        self._on_status = on_status
        self._poll_s = poll_s
        self._answer_timeout_s = answer_timeout_s
        self._repeat_s = repeat_s
        self._clock = clock
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self._waiting: Command | None = None   # the command whose answer is awaited
        self._sent_at = 0.0
        self._last_answer = clock()
        self._last_card: tuple[str, float] | None = None   # (id_number, when), for "same card still there"
        self.cards_read = 0
        self.fake_device: FakeReaderDevice | None = None   # idcard:fake: the device at the other end
        self.bad_frames = 0
        self.link = SerialLink(
            url,
            label=READER_LABEL,
            baudrate=baudrate,
            on_bytes=self._received,
            on_idle=self._idle,
            on_open=self._opened,
            on_status=self._status,
            read_timeout=min(0.05, poll_s),
            backoff=backoff,
            open_port=open_port,
        )

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> IdCardReader:
        self.link.start()
        return self

    def stop(self) -> None:
        self.link.stop()
        if self.fake_device is not None:
            self.fake_device.close()

    def __enter__(self) -> IdCardReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def card_on_reader(self) -> bool:
        """The last card read was not seen lifted yet: laid on again now, it would not count as a new read."""
        return self._last_card is not None

    def health(self) -> Health:
        if not self.link.online:
            return Health.OFFLINE
        if self._clock() - self._last_answer > max(3 * self._answer_timeout_s, 3.0):
            return Health.NOT_ANSWERING
        return Health.OK

    def health_state(self) -> dict[str, str]:
        """For a program's heartbeat: ``{"state": ..., "zh": ..., "en": ...}``."""
        health = self.health()
        texts = {
            Health.OK: ("身份证阅读器正常", "ID card reader ready"),
            Health.OFFLINE: ("身份证阅读器离线，正在重连", "ID card reader offline, reconnecting"),
            Health.NOT_ANSWERING: ("身份证阅读器无应答", "ID card reader not answering"),
        }[health]
        return {"state": health.value, "zh": texts[0], "en": texts[1]}

    # -- reader thread --------------------------------------------------------------------

    def _status(self, status: LinkStatus) -> None:
        if self._on_status is not None:
            self._on_status(status)

    def _opened(self) -> Iterable[bytes]:
        self._decoder.flush()
        with self._lock:
            self._waiting = Command.FIND
            self._sent_at = self._clock()
        return [encode_command(Command.FIND)]

    def _send(self, command: Command) -> None:
        with self._lock:
            self._waiting = command
            self._sent_at = self._clock()
        self.link.send(encode_command(command))

    def _idle(self) -> None:
        now = self._clock()
        with self._lock:
            waiting, sent_at = self._waiting, self._sent_at
        if waiting is not None and now - sent_at < self._answer_timeout_s:
            return
        if waiting is not None:
            dropped = self._decoder.flush()
            log.debug("%s: no answer to %s (%d bytes dropped); polling again", self.url, waiting.name, sum(b.size for b in dropped))
        elif now - sent_at < self._poll_s:
            return
        self._send(Command.FIND)

    def _received(self, chunk: bytes) -> None:
        for item in self._decoder.feed(chunk):
            if isinstance(item, BadFrame):
                self.bad_frames += 1
                log.warning("%s: dropped bad frame: %s", self.url, item)
                continue
            self._answer(item)
        self._idle()

    def _answer(self, frame: Frame) -> None:
        self._last_answer = self._clock()
        with self._lock:
            waiting = self._waiting
            self._waiting = None
        if waiting is Command.FIND:
            if frame.status == Status.FOUND:
                self._send(Command.SELECT)
            elif frame.status == Status.NOT_FOUND:
                self._last_card = None   # the card was lifted: the next one (or the same again) counts
        elif waiting is Command.SELECT:
            if frame.status == Status.OK:
                self._send(Command.READ_BASE)
        elif waiting is Command.READ_BASE:
            if frame.status == Status.OK:
                self._card(frame.data)
            else:
                log.info("%s: read failed (status %#04x)", self.url, frame.status)
        # an answer nobody waits for (late, after a timeout) is ignored; the poll goes on

    def _card(self, data: bytes) -> None:
        try:
            card = parse_base_message(data)
        except ValueError as exc:
            log.warning("%s: unreadable base message: %s", self.url, exc)
            return
        now = self._clock()
        if self._last_card is not None and self._last_card[0] == card.id_number and now - self._last_card[1] < self._repeat_s:
            return
        self._last_card = (card.id_number, now)
        self.cards_read += 1
        log.info("%s: card read (%s)", self.url, card.masked)
        try:
            self._on_card(card)
        except Exception:
            log.exception("%s: card handler failed", self.url)


def parse_reader_url(url: str) -> tuple[str, dict[str, str]]:
    """``idcard:serial:/dev/ttyUSB0?baud=115200`` -> ("serial:/dev/ttyUSB0", {"baud": "115200"}).
    ``ValueError`` (bilingual) for anything else."""
    if not url.startswith("idcard:"):
        raise ValueError(f"身份证阅读器地址应以 idcard: 开头 / an ID reader URL starts with idcard: ({url[:40]})")
    rest = url[len("idcard:"):]
    target, _, query = rest.partition("?")
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    if not (target == "fake:" or (target.startswith("serial:") and len(target) > len("serial:"))):
        raise ValueError(f"身份证阅读器地址应为 idcard:serial:PORT 或 idcard:fake: / use idcard:serial:PORT or idcard:fake: ({url[:40]})")
    return target, options


def open_idcard_reader(
    url: str, on_card: Callable[[IdCard], None], on_status: Callable[[LinkStatus], None] | None = None
) -> IdCardReader:
    """A started reader for ``url``. ``idcard:fake:`` also starts a fake reader device (see
    :class:`hardware.idcard.fakes.FakeReaderDevice`), kept as ``reader.fake_device``."""
    target, options = parse_reader_url(url)
    baud = int(options.get("baud", DEFAULT_BAUD))
    if target == "fake:":
        from hardware.idcard.fakes import FakeReaderDevice

        device = FakeReaderDevice()
        reader = IdCardReader(device.url, on_card=on_card, on_status=on_status, baudrate=baud, backoff=(0.2, 0.5, 1.0))
        reader.fake_device = device
        return reader.start()
    port = target[len("serial:"):]
    return IdCardReader(port, on_card=on_card, on_status=on_status, baudrate=baud, backoff=DEFAULT_BACKOFF).start()
