"""DLE EOT answers -> printer status, and the bilingual fault."""

from __future__ import annotations

import pytest

from hardware.printer.status import FaultKind, PrinterFault, PrinterStatus, Readiness, is_status_byte, parse_status


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "readiness", "fault", "near_end"),
    [
        (0x12, 0x12, 0x12, Readiness.READY, None, False),
        (0x12, 0x12, 0x1E, Readiness.READY, None, True),               # paper near end: still prints
        (0x1A, 0x32, 0x72, Readiness.FAULT, FaultKind.PAPER_OUT, False),
        (0x1A, 0x12, 0x72, Readiness.FAULT, FaultKind.PAPER_OUT, False),  # paper sensor alone suffices
        (0x1A, 0x16, 0x12, Readiness.FAULT, FaultKind.COVER_OPEN, False),
        (0x1A, 0x36, 0x72, Readiness.FAULT, FaultKind.COVER_OPEN, False),  # cover open wins over paper
        (0x1A, 0x52, 0x12, Readiness.FAULT, FaultKind.OFFLINE, False),
        (0x1A, None, None, Readiness.FAULT, FaultKind.OFFLINE, None),
        (None, 0x12, 0x12, Readiness.UNKNOWN, None, None),             # no answer to DLE EOT 1
        (0x10, 0x04, 0x01, Readiness.UNKNOWN, None, None),             # a serial loopback echoing the request
    ],
)
def test_parse_status(
    printer: int | None, cause: int | None, paper: int | None, readiness: Readiness, fault: FaultKind | None, near_end: bool | None
) -> None:
    status = parse_status(printer, cause, paper)
    assert status.readiness is readiness
    assert status.fault == fault
    assert status.paper_near_end == near_end
    assert status.can_print == (readiness is not Readiness.FAULT)


def test_status_bytes_need_their_fixed_bits() -> None:
    assert is_status_byte(0x12) and is_status_byte(0x7E)
    assert not is_status_byte(0x00) and not is_status_byte(0x10) and not is_status_byte(0x92) and not is_status_byte(0x13)


def test_invalid_cause_byte_is_ignored_not_misread() -> None:
    status = parse_status(0x12, 0xFF, 0x12)
    assert status.cover_open is None and status.readiness is Readiness.READY


def test_status_messages_are_bilingual() -> None:
    assert PrinterStatus.ready().message.zh == "打印机就绪"
    assert PrinterStatus.unknown().message.en == "printer status unknown"
    assert parse_status(0x12, 0x12, 0x1E).message.zh == "打印纸即将用完"
    assert PrinterStatus.failed(FaultKind.NOT_FOUND).message.zh.startswith("找不到打印机")


def test_printer_fault_carries_kind_code_and_both_languages() -> None:
    fault = PrinterFault(FaultKind.PAPER_OUT)
    assert fault.kind is FaultKind.PAPER_OUT
    assert fault.code == "printer_paper_out"
    assert fault.message.zh == "打印机缺纸，请更换纸卷"
    assert "out of paper" in fault.message.en
    assert fault.status == 503
    assert "缺纸" in str(fault) and "paper" in str(fault)
