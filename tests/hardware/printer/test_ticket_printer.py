"""TicketPrinter over real connections: Dummy, the fakes, TCP, pyserial loop:// and socket://, files, PNGs."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image
from pyzbar.pyzbar import decode

from hardware.printer import (
    FakeCondition,
    FakeNetworkPrinter,
    FaultKind,
    PrinterFault,
    PromiseNotice,
    Readiness,
    TicketSlip,
    open_printer,
)
from hardware.printer.escpos_render import RenderMode, render
from hardware.printer.layout import layout_promise_notice, layout_ticket
from hardware.printer.status import ASK_OFFLINE_CAUSE, ASK_PAPER, ASK_PRINTER

ALL_REQUESTS = ASK_PRINTER + ASK_OFFLINE_CAUSE + ASK_PAPER
CUT = b"\x1dV\x00"


def expected_bytes(slip: TicketSlip, mode: RenderMode = RenderMode.TEXT, columns: int = 48) -> bytes:
    printer = Dummy()
    render(layout_ticket(slip, columns), printer, mode)
    return printer.output


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Dummy and the in-package fake -----------------------------------------------------------


def test_dummy_prints_the_rendered_ticket(slip: TicketSlip) -> None:
    printer = open_printer("dummy://")
    assert printer.status().readiness is Readiness.READY
    printer.print_ticket(slip)
    assert printer.output.escpos.output == expected_bytes(slip)


def test_dummy_raster_mode(slip: TicketSlip) -> None:
    printer = open_printer("dummy://?mode=raster")
    printer.print_ticket(slip)
    assert printer.output.escpos.output == expected_bytes(slip, RenderMode.RASTER)


def test_paper_out_is_refused_before_a_single_print_byte_is_sent(slip: TicketSlip) -> None:
    printer = open_printer("fake://?condition=paper_out")
    fake = printer.output.escpos
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind is FaultKind.PAPER_OUT
    assert caught.value.message.zh == "打印机缺纸，请更换纸卷"
    assert fake.output == ALL_REQUESTS  # the three status requests, nothing else
    assert fake.printed == b""

    fake.condition = FakeCondition.READY  # a clerk loads paper
    status = printer.print_ticket(slip)
    assert status.readiness is Readiness.READY
    assert fake.printed == expected_bytes(slip)


@pytest.mark.parametrize(
    ("condition", "kind"),
    [(FakeCondition.COVER_OPEN, FaultKind.COVER_OPEN), (FakeCondition.OFFLINE, FaultKind.OFFLINE), (FakeCondition.BROKEN, FaultKind.IO_ERROR)],
)
def test_faults_stop_printing(slip: TicketSlip, condition: FakeCondition, kind: FaultKind) -> None:
    printer = open_printer(f"fake://?condition={condition.value}")
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind is kind
    assert caught.value.code == f"printer_{kind.value}"
    status = printer.status()  # never raises
    assert status.fault is kind and not status.can_print
    assert printer.output.escpos.printed == b""


def test_paper_near_end_prints_and_reports_it(slip: TicketSlip) -> None:
    printer = open_printer("fake://?condition=paper_near_end")
    status = printer.print_ticket(slip)
    assert status.paper_near_end and status.can_print
    assert status.message.zh == "打印纸即将用完"
    assert printer.output.escpos.printed == expected_bytes(slip)


def test_a_silent_printer_is_asked_once_and_printed_on(slip: TicketSlip) -> None:
    printer = open_printer("fake://?condition=silent")
    status = printer.print_ticket(slip)
    assert status.readiness is Readiness.UNKNOWN
    fake = printer.output.escpos
    assert fake.output == ASK_PRINTER + expected_bytes(slip)


def test_the_notice_prints_too(notice: PromiseNotice) -> None:
    printer = open_printer("fake://")
    printer.print_notice(notice)
    expected = Dummy()
    render(layout_promise_notice(notice), expected)
    assert printer.output.escpos.printed == expected.output


def test_concurrent_prints_never_interleave(slip: TicketSlip) -> None:
    printer = open_printer("fake://")
    slips = [replace(slip, number=f"A{n:03d}", status_url=f"{slip.status_url}&n={n}") for n in range(8)]
    threads = [threading.Thread(target=printer.print_ticket, args=(one,)) for one in slips]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    output = printer.output.escpos.output
    chunks = [ALL_REQUESTS + expected_bytes(one) for one in slips]
    assert len(output) == sum(map(len, chunks))
    assert all(chunk in output for chunk in chunks)


# --- preview ---------------------------------------------------------------------------------


def test_preview_writes_a_png_per_slip(tmp_path: Path, slip: TicketSlip, notice: PromiseNotice) -> None:
    printer = open_printer(f"preview://{tmp_path}/out")
    assert printer.status().readiness is Readiness.READY
    printer.print_ticket(slip)
    printer.print_notice(notice)
    printer.print_ticket(replace(slip, number="A024", reprint=True))
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [
        "0001-ticket-A023.png",
        "0002-promise-notice-LS20261117-0042.png",
        "0003-ticket-A024.png",
    ]
    assert printer.output.printed == files
    with Image.open(files[0]) as image:
        assert image.width == 576 and image.height > 1000
        assert [result.data.decode() for result in decode(image.convert("L"))] == [slip.status_url]
    # a second printer on the same folder continues the numbering instead of overwriting
    again = open_printer(f"preview://{tmp_path}/out")
    again.print_ticket(slip)
    assert again.output.printed == [tmp_path / "out" / "0004-ticket-A023.png"]


def test_preview_into_an_unwritable_place_is_an_io_fault(tmp_path: Path, slip: TicketSlip) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PrinterFault) as caught:
        open_printer(f"preview://{blocker}/tickets").print_ticket(slip)
    assert caught.value.kind is FaultKind.IO_ERROR


# --- TCP -------------------------------------------------------------------------------------


def test_tcp_printer_status_and_bytes(slip: TicketSlip) -> None:
    with FakeNetworkPrinter() as fake:
        printer = open_printer(fake.url)
        assert printer.status().readiness is Readiness.READY
        printer.print_ticket(slip)
        expected = ALL_REQUESTS + ALL_REQUESTS + expected_bytes(slip)
        assert fake.wait_for(lambda received: len(received) >= len(expected)) == expected
        printer.close()


def test_tcp_printer_out_of_paper_gets_only_the_status_requests(slip: TicketSlip) -> None:
    with FakeNetworkPrinter(FakeCondition.PAPER_OUT) as fake:
        printer = open_printer(fake.url)
        with pytest.raises(PrinterFault) as caught:
            printer.print_ticket(slip)
        assert caught.value.kind is FaultKind.PAPER_OUT
        fake.condition = FakeCondition.READY
        printer.print_ticket(slip)
        expected = ALL_REQUESTS + ALL_REQUESTS + expected_bytes(slip)
        assert fake.wait_for(lambda received: received.endswith(CUT)) == expected
        printer.close()


def test_tcp_printer_that_does_not_answer_is_unknown_after_the_status_timeout(slip: TicketSlip) -> None:
    with FakeNetworkPrinter(FakeCondition.SILENT) as fake:
        printer = open_printer(fake.url + "?status_timeout=0.2")
        assert printer.status().readiness is Readiness.UNKNOWN
        printer.print_ticket(slip)
        assert fake.wait_for(lambda received: received.endswith(CUT)).endswith(expected_bytes(slip))
        printer.close()


def test_tcp_printer_not_listening_is_not_found_and_found_once_it_is(slip: TicketSlip) -> None:
    printer = open_printer(f"tcp://127.0.0.1:{closed_port()}?timeout=2")
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind is FaultKind.NOT_FOUND
    assert printer.status().fault is FaultKind.NOT_FOUND
    with FakeNetworkPrinter() as fake:  # "plugged in": same TicketPrinter, new address for the test
        printer.output.escpos.port = fake.port
        printer.print_ticket(slip)
        assert fake.wait_for(lambda received: received.endswith(CUT)).endswith(expected_bytes(slip))
        printer.close()


def test_tcp_printer_that_hangs_up_is_an_io_fault_then_reconnects(slip: TicketSlip) -> None:
    with FakeNetworkPrinter() as fake:
        printer = open_printer(fake.url)
        printer.print_ticket(slip)
        fake.wait_for(lambda received: received.endswith(CUT))
    # the fake is gone: the connection is dead
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind in (FaultKind.IO_ERROR, FaultKind.NOT_FOUND)
    assert printer.output.escpos._device is False  # dropped, reopened on the next try


# --- serial ----------------------------------------------------------------------------------


def test_serial_over_pyserial_loop(slip: TicketSlip) -> None:
    # loop:// echoes what is written: the status request comes back, is not a valid answer,
    # so the status is unknown and the ticket is printed; the line then holds exactly the ticket.
    printer = open_printer("serial+loop://?baudrate=9600&status_timeout=0.2")
    assert printer.status().readiness is Readiness.UNKNOWN
    printer.print_ticket(slip)
    line = printer.output.escpos.device
    expected = expected_bytes(slip)
    assert line.read(len(expected)) == expected
    assert line.in_waiting == 0
    printer.close()


def test_serial_over_pyserial_socket_reads_status(slip: TicketSlip) -> None:
    with FakeNetworkPrinter(FakeCondition.PAPER_NEAR_END) as fake:
        printer = open_printer(f"serial+socket://127.0.0.1:{fake.port}?baudrate=9600")
        status = printer.print_ticket(slip)
        assert status.paper_near_end and status.readiness is Readiness.READY
        fake.condition = FakeCondition.COVER_OPEN
        assert printer.status().fault is FaultKind.COVER_OPEN
        expected = ALL_REQUESTS + expected_bytes(slip) + ALL_REQUESTS
        assert fake.wait_for(lambda received: len(received) >= len(expected)) == expected
        printer.close()


def test_serial_device_missing_is_not_found(slip: TicketSlip) -> None:
    printer = open_printer("serial:///dev/ttyHALLQ-none?baudrate=9600")
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind is FaultKind.NOT_FOUND


# --- device file -----------------------------------------------------------------------------


def test_file_printer_writes_the_bytes_with_unknown_status(tmp_path: Path, slip: TicketSlip) -> None:
    device = tmp_path / "lp0"
    printer = open_printer(f"file://{device}")
    status = printer.print_ticket(slip)
    printer.close()
    assert status.readiness is Readiness.UNKNOWN
    assert device.read_bytes() == expected_bytes(slip)


def test_file_printer_missing_device_is_not_found(tmp_path: Path, slip: TicketSlip) -> None:
    printer = open_printer(f"file://{tmp_path}/no/such/lp0")
    assert printer.status().fault is FaultKind.NOT_FOUND
    with pytest.raises(PrinterFault) as caught:
        printer.print_ticket(slip)
    assert caught.value.kind is FaultKind.NOT_FOUND
    assert "打印机" in caught.value.message.zh
