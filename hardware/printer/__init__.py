"""The thermal ticket printer: slip layouts as data, ESC/POS and PNG rendering, printers by URL.

``layout`` decides what is printed (pure), ``escpos_render`` how (text or raster ESC/POS, PNG),
``connect`` where (a URL), ``ticket_printer`` when (status first, then print, faults in both
languages), ``fakes`` stands in for printers that are not there. The kiosk and the counter use::

    printer = open_printer("usb://0416:5011?mode=text")   # from the hall's device config
    printer.print_ticket(slip)                            # on a worker thread; may raise PrinterFault
"""

from hardware.printer.connect import PrinterUrl, PrinterUrlError, open_printer, parse_printer_url
from hardware.printer.escpos_render import QrMethod, RenderMode, render, render_png
from hardware.printer.fakes import FakeCondition, FakeNetworkPrinter, FaultyPrinter
from hardware.printer.layout import PromiseNotice, SlipLayout, TicketSlip, layout_promise_notice, layout_ticket
from hardware.printer.status import FaultKind, PrinterFault, PrinterStatus, Readiness
from hardware.printer.ticket_printer import TicketPrinter

__all__ = [
    "FakeCondition",
    "FakeNetworkPrinter",
    "FaultKind",
    "FaultyPrinter",
    "PrinterFault",
    "PrinterStatus",
    "PrinterUrl",
    "PrinterUrlError",
    "PromiseNotice",
    "QrMethod",
    "Readiness",
    "RenderMode",
    "SlipLayout",
    "TicketPrinter",
    "TicketSlip",
    "layout_promise_notice",
    "layout_ticket",
    "open_printer",
    "parse_printer_url",
    "render",
    "render_png",
]
