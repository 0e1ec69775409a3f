"""The ticket printer the kiosk and the counter hold: check the printer, then print a slip, or say why not.

:class:`TicketPrinter` owns the printing policy — one slip at a time, ask the printer's status first
when it can answer, refuse with a bilingual :class:`PrinterFault` *before sending a byte* when it
is out of paper, open or offline, and turn every connection failure into a fault of a known kind
(and reconnect on the next try). Where the slip goes is an *output*:

* :class:`EscposOutput` — any python-escpos printer object (USB, serial, TCP, file, Dummy, a fake),
  rendered in text or raster mode;
* :class:`PreviewOutput` — a PNG file per slip in a folder (the demo's printer).

The methods block while the printer works; call them from a worker thread, never the GUI thread.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError

from hardware.printer.escpos_render import QrMethod, RenderMode, render, render_png
from hardware.printer.layout import (
    COLUMNS_80MM,
    PromiseNotice,
    SlipLayout,
    TicketSlip,
    layout_promise_notice,
    layout_ticket,
)
from hardware.printer.status import (
    ASK_OFFLINE_CAUSE,
    ASK_PAPER,
    ASK_PRINTER,
    FaultKind,
    PrinterFault,
    PrinterStatus,
    is_status_byte,
    parse_status,
)

log = logging.getLogger(__name__)

DEFAULT_STATUS_TIMEOUT = 0.5


class SlipOutput(Protocol):
    """Where laid-out slips go. Both methods may raise :class:`PrinterFault`."""

    def query_status(self) -> PrinterStatus: ...

    def emit(self, layout: SlipLayout) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class StatusChannel(Protocol):
    """A python-escpos printer that can read the printer's answers (implemented in ``connect``/``fakes``)."""

    def discard_pending_input(self) -> None: ...

    def read_status_answer(self, timeout: float) -> bytes: ...


class StatusPolicy(StrEnum):
    ASK = "ask"                    # send DLE EOT and read the answers
    ASSUME_READY = "assume_ready"  # a recorder (Dummy): it cannot fail
    CANNOT_ASK = "cannot_ask"      # a write-only connection (a device file): status unknown


class EscposOutput:
    """Slips rendered to ESC/POS on one python-escpos printer object."""

    def __init__(
        self,
        printer: Escpos,
        *,
        mode: RenderMode = RenderMode.TEXT,
        encoding: str = "gb18030",
        qr: QrMethod = QrMethod.NATIVE,
        status_policy: StatusPolicy = StatusPolicy.ASK,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT,
    ) -> None:
        self.escpos = printer
        self.mode = mode
        self.encoding = encoding
        self.qr = qr
        self.status_policy = status_policy
        self.status_timeout = status_timeout

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Map connection failures to faults and drop the broken connection so the next try reopens it."""
        try:
            yield
        except PrinterFault:
            raise
        except DeviceNotFoundError as error:
            self._reset()
            raise PrinterFault(FaultKind.NOT_FOUND, f"{doing}: {error}".splitlines()[0]) from error
        except (OSError, EscposError, AssertionError) as error:
            self._reset()
            raise PrinterFault(FaultKind.IO_ERROR, f"{doing}: {error!r}") from error

    def _reset(self) -> None:
        try:
            self.escpos.close()
        except Exception:  # closing a broken connection may fail again; it is being dropped anyway
            log.debug("closing a failed printer connection failed", exc_info=True)
        self.escpos.device = False  # python-escpos reopens on the next use

    def query_status(self) -> PrinterStatus:
        if self.status_policy is StatusPolicy.ASSUME_READY:
            return PrinterStatus.ready()
        with self._guard("open"):
            _ = self.escpos.device  # opens the connection: a missing printer shows up here
        if self.status_policy is StatusPolicy.CANNOT_ASK or not isinstance(self.escpos, StatusChannel):
            return PrinterStatus.unknown()
        with self._guard("status"):
            printer = self._ask(ASK_PRINTER)
            if printer is None:
                return PrinterStatus.unknown()  # silent: do not wait for two more timeouts
            return parse_status(printer, self._ask(ASK_OFFLINE_CAUSE), self._ask(ASK_PAPER))

    def _ask(self, request: bytes) -> int | None:
        channel = self.escpos
        assert isinstance(channel, StatusChannel)
        channel.discard_pending_input()
        self.escpos._raw(request)
        answer = [value for value in channel.read_status_answer(self.status_timeout) if is_status_byte(value)]
        return answer[-1] if answer else None

    def emit(self, layout: SlipLayout) -> None:
        with self._guard("print"):
            render(layout, self.escpos, self.mode, encoding=self.encoding, qr=self.qr)

    def close(self) -> None:
        self._reset()


class PreviewOutput:
    """Each slip saved as a PNG in ``directory`` (``0001-ticket-A023.png``); ``printed`` lists the files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.printed: list[Path] = []
        self._lock = threading.Lock()

    def query_status(self) -> PrinterStatus:
        return PrinterStatus.ready()

    def emit(self, layout: SlipLayout) -> None:
        image = render_png(layout)
        label = re.sub(r"[^0-9A-Za-z_-]+", "_", layout.label)[:40] or "slip"
        with self._lock:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                sequence = len(list(self.directory.glob("[0-9][0-9][0-9][0-9]-*.png"))) + 1
                path = self.directory / f"{sequence:04d}-{layout.kind}-{label}.png"
                image.save(path)
            except OSError as error:
                raise PrinterFault(FaultKind.IO_ERROR, f"preview {self.directory}: {error}") from error
            self.printed.append(path)

    def close(self) -> None:
        pass


class TicketPrinter:
    """Prints queue tickets and promise notices on one printer; safe to share between threads."""

    def __init__(self, output: SlipOutput, *, columns: int = COLUMNS_80MM, url: str = "") -> None:
        self.output = output
        self.columns = columns
        self.url = url
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        """The printer's condition now; never raises (an unreachable printer is a fault status)."""
        with self._lock:
            try:
                return self.output.query_status()
            except PrinterFault as fault:
                return PrinterStatus.failed(fault.kind)

    def print_ticket(self, slip: TicketSlip) -> PrinterStatus:
        """Print a queue ticket; returns the status seen before printing (e.g. paper near end)."""
        return self.print_layout(layout_ticket(slip, self.columns))

    def print_notice(self, notice: PromiseNotice) -> PrinterStatus:
        """Print a 承诺件告知单."""
        return self.print_layout(layout_promise_notice(notice, self.columns))

    def print_layout(self, layout: SlipLayout) -> PrinterStatus:
        """Check the printer, then print ``layout``. Raises :class:`PrinterFault` and prints nothing
        when the printer reports a fault; raises it too when the connection fails mid-slip."""
        with self._lock:
            status = self.output.query_status()
            if status.fault is not None:
                log.warning("printer %s refused a %s: %s", self.url or "?", layout.kind, status.fault.value)
                raise PrinterFault(status.fault)
            try:
                self.output.emit(layout)
            except PrinterFault as fault:
                log.warning("printing a %s on %s failed: %s", layout.kind, self.url or "?", fault.detail or fault.kind.value)
                raise
            return status

    def close(self) -> None:
        with self._lock:
            self.output.close()

    def __enter__(self) -> TicketPrinter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
