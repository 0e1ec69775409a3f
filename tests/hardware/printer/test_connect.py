"""Printer URLs: parsing (good and bad), and the connection each one opens."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy, File

from hardware.printer.connect import (
    NetworkPrinter,
    PrinterUrlError,
    SerialLinePrinter,
    UsbPrinter,
    open_printer,
    parse_printer_url,
)
from hardware.printer.escpos_render import QrMethod, RenderMode
from hardware.printer.fakes import FakeCondition, FaultyPrinter
from hardware.printer.ticket_printer import EscposOutput, PreviewOutput, StatusPolicy


@pytest.mark.parametrize(
    ("url", "scheme", "target", "expected"),
    [
        ("usb://0416:5011", "usb", "0416:5011", {}),
        ("usb://04B8:0E15?mode=raster&in_ep=0x81&out_ep=2", "usb", "04b8:0e15", {"mode": RenderMode.RASTER, "connection": {"in_ep": 0x81, "out_ep": 2}}),
        ("serial:///dev/ttyUSB0?baudrate=9600", "serial", "/dev/ttyUSB0", {"connection": {"baudrate": 9600}}),
        ("serial://COM3?baudrate=115200&parity=e&stopbits=2&rtscts=1", "serial", "COM3",
         {"connection": {"baudrate": 115200, "parity": "e", "stopbits": "2", "rtscts": True}}),
        ("serial+loop://", "serial+loop", "loop://", {}),
        ("serial+socket://127.0.0.1:5000?timeout=2", "serial+socket", "socket://127.0.0.1:5000", {"connection": {"timeout": 2.0}}),
        ("tcp://192.168.1.50:9100", "tcp", "192.168.1.50:9100", {}),
        ("tcp://printer.hall.local", "tcp", "printer.hall.local:9100", {}),
        ("tcp://10.0.0.9:9101?mode=raster&encoding=gbk&paper=58&qr=image&status_timeout=1.5", "tcp", "10.0.0.9:9101",
         {"mode": RenderMode.RASTER, "encoding": "gbk", "columns": 32, "qr": QrMethod.IMAGE, "status_timeout": 1.5}),
        ("file:///dev/usb/lp0", "file", "/dev/usb/lp0", {}),
        ("file://localhost/dev/usb/lp0?profile=TM-T88V", "file", "/dev/usb/lp0", {"profile": "TM-T88V"}),
        ("dummy://", "dummy", "", {"mode": RenderMode.TEXT}),
        ("DUMMY://?mode=raster", "dummy", "", {"mode": RenderMode.RASTER}),
        ("preview:///tmp/tickets", "preview", "/tmp/tickets", {"mode": RenderMode.RASTER}),
        ("preview://tickets/today", "preview", "tickets/today", {}),
        ("preview://", "preview", "", {}),
        ("fake://?condition=paper_out", "fake", "", {"connection": {"condition": "paper_out"}}),
    ],
)
def test_good_urls(url: str, scheme: str, target: str, expected: dict) -> None:
    parsed = parse_printer_url(url)
    assert (parsed.scheme, parsed.target) == (scheme, target)
    for name, value in expected.items():
        assert getattr(parsed, name) == value


def test_defaults() -> None:
    parsed = parse_printer_url("usb://0416:5011")
    assert (parsed.mode, parsed.encoding, parsed.columns, parsed.qr, parsed.profile) == (RenderMode.TEXT, "gb18030", 48, QrMethod.NATIVE, None)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "unknown kind"),
        ("printer", "unknown kind"),
        ("lpt://1", "unknown kind"),
        ("serial+ftp://x", "unknown kind"),
        ("tcp+loop://x", "unknown kind"),
        ("usb:0416:5011", "missing '://'"),
        ("usb://0416", "vendor:product"),
        ("usb://0416:50111", "vendor:product"),
        ("usb://xyzw:5011", "vendor:product"),
        ("serial://", "missing the serial device"),
        ("serial:///dev/ttyUSB0?baudrate=9601", "baudrate"),
        ("serial:///dev/ttyUSB0?parity=x", "parity"),
        ("serial:///dev/ttyUSB0?rtscts=maybe", "rtscts"),
        ("tcp://", "tcp://host:port"),
        ("tcp://host:notaport", "bad port"),
        ("tcp://host:9100/path", "tcp://host:port"),
        ("file://dev/usb/lp0", "absolute path"),
        ("dummy://somewhere", "takes no path"),
        ("preview:///tmp/x?mode=text", "raster"),
        ("dummy://?mode=fast", "mode"),
        ("dummy://?encoding=utf-8", "encoding"),
        ("dummy://?paper=110", "paper"),
        ("dummy://?status_timeout=60", "status_timeout"),
        ("dummy://?profile=NoSuchPrinter", "profile"),
        ("dummy://?baudrate=9600", "unknown option 'baudrate'"),
        ("tcp://h?colour=red", "unknown option 'colour'"),
        ("dummy://?mode=text&mode=raster", "given twice"),
        ("fake://?condition=on_fire", "condition"),
    ],
)
def test_bad_urls_are_refused_in_both_languages(url: str, says: str) -> None:
    with pytest.raises(PrinterUrlError) as caught:
        parse_printer_url(url)
    error = caught.value
    assert error.code == "bad_printer_url" and error.status == 422
    assert says in error.message.en
    assert error.message.zh.startswith("打印机地址无效")


@pytest.mark.parametrize(
    ("url", "printer_class", "policy"),
    [
        ("dummy://", Dummy, StatusPolicy.ASSUME_READY),
        ("fake://?condition=cover_open", FaultyPrinter, StatusPolicy.ASK),
        ("file:///dev/usb/lp0", File, StatusPolicy.CANNOT_ASK),
        ("tcp://127.0.0.1:9", NetworkPrinter, StatusPolicy.ASK),
        ("serial:///dev/ttyUSB7?baudrate=19200", SerialLinePrinter, StatusPolicy.ASK),
        ("usb://0416:5011?in_ep=0x81", UsbPrinter, StatusPolicy.ASK),
    ],
)
def test_open_printer_builds_the_connection_without_opening_it(url: str, printer_class: type, policy: StatusPolicy) -> None:
    printer = open_printer(url)
    assert isinstance(printer.output, EscposOutput)
    assert type(printer.output.escpos) is printer_class
    assert printer.output.status_policy is policy
    assert printer.output.escpos._device is False  # nothing opened yet


def test_open_printer_passes_options_through() -> None:
    serial_printer = open_printer("serial:///dev/ttyS1?baudrate=19200&parity=e&stopbits=2&dsrdtr=0").output.escpos
    assert (serial_printer.baudrate, serial_printer.parity, serial_printer.stopbits, serial_printer.dsrdtr) == (19200, "E", 2, False)
    usb_printer = open_printer("usb://0416:5011?in_ep=0x81&out_ep=0x03").output.escpos
    assert usb_printer.usb_args == {"idVendor": 0x0416, "idProduct": 0x5011}
    assert (usb_printer.in_ep, usb_printer.out_ep) == (0x81, 0x03)
    fake = open_printer("fake://?condition=paper_out").output.escpos
    assert fake.condition is FakeCondition.PAPER_OUT
    assert open_printer("dummy://?paper=58").columns == 32


def test_preview_url_makes_a_preview_output(tmp_path) -> None:  # type: ignore[no-untyped-def]
    printer = open_printer(f"preview://{tmp_path}/tickets")
    assert isinstance(printer.output, PreviewOutput)
    assert printer.output.directory == tmp_path / "tickets"
    temporary = open_printer("preview://").output
    assert isinstance(temporary, PreviewOutput) and temporary.directory.is_dir()
    temporary.directory.rmdir()
