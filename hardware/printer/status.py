"""What a printer says about itself, and the faults that stop a ticket from printing.

ESC/POS printers answer the real-time request DLE EOT n with one status byte, even while offline:
n=1 printer status, n=2 offline cause, n=4 roll paper sensor. Each answer byte has fixed bits
(bit 1 and bit 4 set, bit 0 and bit 7 clear); a byte without them is not an answer (a serial
loopback echoing the request, stray data) and is treated as silence. Parsing is pure so it is
tested byte by byte; asking is the connection's business (``ticket_printer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hall.devices import Condition
from hall.text import Bilingual, HallRuleError

DLE_EOT = b"\x10\x04"
ASK_PRINTER = DLE_EOT + b"\x01"
ASK_OFFLINE_CAUSE = DLE_EOT + b"\x02"
ASK_PAPER = DLE_EOT + b"\x04"

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010

_OFFLINE = 0x08                 # n=1 bit 3
_COVER_OPEN = 0x04              # n=2 bit 2
_STOPPED_BY_PAPER_END = 0x20    # n=2 bit 5
_ERROR = 0x40                   # n=2 bit 6
_PAPER_NEAR_END = 0x0C          # n=4 bits 2-3
_PAPER_END = 0x60               # n=4 bits 5-6


class FaultKind(StrEnum):
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    NOT_FOUND = "not_found"
    IO_ERROR = "io_error"


FAULT_MESSAGES: dict[FaultKind, Bilingual] = {
    FaultKind.OFFLINE: Bilingual("打印机脱机，请检查打印机", "the printer is offline; please check it"),
    FaultKind.PAPER_OUT: Bilingual("打印机缺纸，请更换纸卷", "the printer is out of paper; please load a new roll"),
    FaultKind.COVER_OPEN: Bilingual("打印机上盖未关闭", "the printer cover is open"),
    FaultKind.NOT_FOUND: Bilingual("找不到打印机，请检查连接线和电源", "printer not found; check its cable and power"),
    FaultKind.IO_ERROR: Bilingual("打印机通信失败，请重试", "communication with the printer failed; please retry"),
}


class PrinterFault(HallRuleError):
    """The ticket was not printed. ``kind`` says why; the message is for the kiosk screen and the log."""

    def __init__(self, kind: FaultKind, detail: str = "") -> None:
        message = FAULT_MESSAGES[kind]
        en = f"{message.en} ({detail})" if detail else message.en
        super().__init__(f"printer_{kind.value}", message.zh, en, status=503)
        self.kind = kind
        self.detail = detail


class Readiness(StrEnum):
    READY = "ready"        # the printer answered and can print
    FAULT = "fault"        # the printer answered and cannot print
    UNKNOWN = "unknown"    # the connection cannot ask (a file, a silent printer): print and hope


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's condition; ``None`` fields were not reported."""

    readiness: Readiness
    online: bool | None = None
    cover_open: bool | None = None
    paper_out: bool | None = None
    paper_near_end: bool | None = None
    error: bool | None = None
    fault: FaultKind | None = None

    @classmethod
    def ready(cls) -> PrinterStatus:
        """A printer that cannot fail (a recorder, a preview)."""
        return cls(Readiness.READY, online=True, cover_open=False, paper_out=False, paper_near_end=False, error=False)

    @classmethod
    def unknown(cls) -> PrinterStatus:
        return cls(Readiness.UNKNOWN)

    @classmethod
    def failed(cls, kind: FaultKind) -> PrinterStatus:
        """A printer that could not be reached at all (not found, broken connection)."""
        return cls(Readiness.FAULT, online=False, fault=kind)

    @property
    def can_print(self) -> bool:
        return self.readiness is not Readiness.FAULT

    @property
    def message(self) -> Bilingual:
        """One line for a status bar or the manager's device list."""
        if self.fault is not None:
            return FAULT_MESSAGES[self.fault]
        if self.readiness is Readiness.UNKNOWN:
            return Bilingual("打印机状态未知", "printer status unknown")
        if self.paper_near_end:
            return Bilingual("打印纸即将用完", "paper is running low")
        return Bilingual("打印机就绪", "printer ready")


def is_status_byte(value: int) -> bool:
    """Whether ``value`` has the fixed bits every DLE EOT answer carries."""
    return 0 <= value <= 0xFF and value & _FIXED_MASK == _FIXED_BITS


def parse_status(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2 and 4 (``None`` = no valid answer) into a status.

    Without a valid answer to DLE EOT 1 the printer is not answering and the status is unknown.
    The most specific fault wins: an open cover or an empty roll also takes the printer offline,
    and the clerk needs to know which one to fix.
    """
    answers = [None if value is None or not is_status_byte(value) else value for value in (printer, offline_cause, paper)]
    printer, offline_cause, paper = answers
    if printer is None:
        return PrinterStatus.unknown()
    online = not printer & _OFFLINE
    cover_open = bool(offline_cause & _COVER_OPEN) if offline_cause is not None else None
    error = bool(offline_cause & _ERROR) if offline_cause is not None else None
    stopped_by_paper = bool(offline_cause & _STOPPED_BY_PAPER_END) if offline_cause is not None else False
    paper_end = paper & _PAPER_END == _PAPER_END if paper is not None else False
    paper_out: bool | None = stopped_by_paper or paper_end
    if offline_cause is None and paper is None:
        paper_out = None
    paper_near_end = paper & _PAPER_NEAR_END == _PAPER_NEAR_END if paper is not None else None

    fault: FaultKind | None = None
    if cover_open:
        fault = FaultKind.COVER_OPEN
    elif paper_out:
        fault = FaultKind.PAPER_OUT
    elif not online:
        fault = FaultKind.OFFLINE
    return PrinterStatus(
        Readiness.FAULT if fault else Readiness.READY,
        online=online,
        cover_open=cover_open,
        paper_out=paper_out,
        paper_near_end=paper_near_end,
        error=error,
        fault=fault,
    )


_CONDITION_OF_FAULT: dict[FaultKind, Condition] = {
    FaultKind.OFFLINE: Condition.OFFLINE,
    FaultKind.PAPER_OUT: Condition.PAPER_OUT,
    FaultKind.COVER_OPEN: Condition.COVER_OPEN,
    FaultKind.NOT_FOUND: Condition.LOST,
    FaultKind.IO_ERROR: Condition.FAILING,
}


def printer_health(status: PrinterStatus) -> dict[str, str]:
    """The printer's part of a heartbeat (hall.devices): its condition and the line to show.
    A printer that cannot be asked (a file, a one-way cable) reports "ok" with that said."""
    if status.fault is not None:
        condition = _CONDITION_OF_FAULT[status.fault]
    elif status.paper_near_end:
        condition = Condition.PAPER_LOW
    else:
        condition = Condition.OK
    return {"state": condition.value, "detail": str(status.message)}
