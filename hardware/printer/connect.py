"""Printers chosen by URL, so a hall's config names its printer in one line.

=================================================  ============================================
``usb://0416:5011``                                python-escpos ``Usb`` (vendor:product, hex)
``serial:///dev/ttyUSB0?baudrate=9600``             serial port (``serial://COM3`` on Windows)
``serial+loop://``, ``serial+socket://host:port``   any pyserial URL handler: test doubles
``tcp://192.168.1.50:9100``                        raw TCP (``Network``); port defaults to 9100
``file:///dev/usb/lp0``                            a device file (``File``); cannot report status
``dummy://``                                       python-escpos ``Dummy``: records bytes, always ready
``preview:///var/lib/hallq/tickets``               a PNG per slip in that folder (demo); ``preview://``
                                                   alone uses a new temporary folder
``fake://?condition=paper_out``                    :class:`~hardware.printer.fakes.FaultyPrinter`
=================================================  ============================================

Options in the query, for every printer: ``mode=text|raster`` (preview is always raster),
``encoding=gb18030|gbk``, ``paper=80|58`` (48 or 32 columns), ``qr=native|image``,
``status_timeout=<seconds>``, ``profile=<python-escpos profile name>``. Per connection:
serial ``baudrate bytesize parity stopbits xonxoff rtscts dsrdtr timeout``; tcp ``timeout``;
usb ``timeout in_ep out_ep``; fake ``condition``. Anything else is refused with a bilingual
:class:`PrinterUrlError`: a typo in a config file must not silently print in the wrong mode.
"""

from __future__ import annotations

import re
import socket
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import serial
from escpos.capabilities import CAPABILITIES
from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network, Serial, Usb

from hall.text import HallRuleError
from hardware.printer.escpos_render import ENCODINGS, QrMethod, RenderMode
from hardware.printer.fakes import FakeCondition, FaultyPrinter
from hardware.printer.layout import COLUMNS_58MM, COLUMNS_80MM
from hardware.printer.ticket_printer import (
    DEFAULT_STATUS_TIMEOUT,
    EscposOutput,
    PreviewOutput,
    SlipOutput,
    StatusPolicy,
    TicketPrinter,
)

SCHEMES = ("usb", "serial", "tcp", "file", "dummy", "preview", "fake")
SERIAL_URL_HANDLERS = ("loop", "socket", "rfc2217", "spy", "alt", "hwgrep")
PAPER_COLUMNS = {"80": COLUMNS_80MM, "58": COLUMNS_58MM}
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


class PrinterUrlError(HallRuleError):
    def __init__(self, url: str, zh: str, en: str) -> None:
        super().__init__("bad_printer_url", f"打印机地址无效（{url}）：{zh}", f"bad printer URL {url!r}: {en}", status=422)
        self.url = url


# --- option parsers: text -> value, ValueError with a short English reason on bad input ---------


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return text.lower()

    return parse


def _number(kind: type, low: float, high: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if not low <= value <= high:
            raise ValueError(f"between {low} and {high}")
        return value

    return parse


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("1/0, true/false, yes/no or on/off")


def _endpoint(text: str) -> int:
    value = int(text, 0)
    if not 0 <= value <= 0xFF:
        raise ValueError("an endpoint number 0x00-0xff")
    return value


def _baudrate(text: str) -> int:
    value = int(text)
    if value not in BAUDRATES:
        raise ValueError(f"one of {', '.join(map(str, BAUDRATES))}")
    return value


def _profile(text: str) -> str:
    if text not in CAPABILITIES["profiles"]:
        raise ValueError("a python-escpos printer profile name, e.g. TM-T88V or POS-5890")
    return text


_COMMON: dict[str, Callable[[str], Any]] = {
    "mode": _choice(*RenderMode),
    "encoding": _choice(*ENCODINGS),
    "paper": _choice(*PAPER_COLUMNS),
    "qr": _choice(*QrMethod),
    "status_timeout": _number(float, 0.01, 10),
    "profile": _profile,
}
_PER_SCHEME: dict[str, dict[str, Callable[[str], Any]]] = {
    "usb": {"timeout": _number(int, 0, 600_000), "in_ep": _endpoint, "out_ep": _endpoint},
    "serial": {
        "baudrate": _baudrate,
        "bytesize": _number(int, 5, 8),
        "parity": _choice("n", "e", "o", "m", "s"),
        "stopbits": _choice("1", "1.5", "2"),
        "xonxoff": _flag,
        "rtscts": _flag,
        "dsrdtr": _flag,
        "timeout": _number(float, 0.01, 600),
    },
    "tcp": {"timeout": _number(float, 0.1, 600)},
    "file": {},
    "dummy": {},
    "preview": {},
    "fake": {"condition": _choice(*FakeCondition)},
}


@dataclass(frozen=True)
class PrinterUrl:
    """A parsed printer URL. ``target`` is the device, address or folder; ``connection`` holds the
    connection's own options (already converted), the other fields how slips are rendered."""

    scheme: str
    target: str
    mode: RenderMode = RenderMode.TEXT
    encoding: str = "gb18030"
    columns: int = COLUMNS_80MM
    qr: QrMethod = QrMethod.NATIVE
    status_timeout: float = DEFAULT_STATUS_TIMEOUT
    profile: str | None = None
    connection: Mapping[str, Any] = field(default_factory=dict)


def parse_printer_url(url: str) -> PrinterUrl:
    """Parse and check a printer URL; raises :class:`PrinterUrlError` naming what is wrong."""

    def bad(zh: str, en: str) -> PrinterUrlError:
        return PrinterUrlError(url, zh, en)

    try:
        parts = urlsplit(url.strip())
    except ValueError as error:
        raise bad("无法解析", f"cannot be parsed ({error})") from error
    scheme = parts.scheme.lower()
    base, _, handler = scheme.partition("+")
    if base not in SCHEMES or (handler and (base != "serial" or handler not in SERIAL_URL_HANDLERS)):
        raise bad(f"不支持的类型“{parts.scheme or '（空）'}”", f"unknown kind {parts.scheme!r}; use one of {', '.join(SCHEMES)}")
    if "://" not in url:
        raise bad("缺少“://”", "missing '://'")

    allowed = {**_COMMON, **_PER_SCHEME[base]}
    values: dict[str, Any] = {}
    for key, text in parse_qsl(parts.query, keep_blank_values=True):
        if key not in allowed:
            raise bad(f"未知选项“{key}”", f"unknown option {key!r} for {base}; allowed: {', '.join(sorted(allowed))}")
        if key in values:
            raise bad(f"选项“{key}”重复", f"option {key!r} given twice")
        try:
            values[key] = allowed[key](text)
        except ValueError as error:
            raise bad(f"选项“{key}”的值“{text}”无效", f"option {key}={text!r} must be {error}") from error

    location = parts.netloc + parts.path
    if base == "usb":
        if not re.fullmatch(r"[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}", parts.netloc) or parts.path not in ("", "/"):
            raise bad("USB 地址应为“厂商号:产品号”（十六进制），如 usb://0416:5011", "USB needs vendor:product in hex, e.g. usb://0416:5011")
        target = parts.netloc.lower()
    elif base == "serial":
        if handler:
            target = f"{handler}://{location}"
        elif not location:
            raise bad("缺少串口设备，如 serial:///dev/ttyUSB0", "missing the serial device, e.g. serial:///dev/ttyUSB0")
        else:
            target = location
    elif base == "tcp":
        try:
            host, port = parts.hostname, parts.port or 9100
        except ValueError as error:
            raise bad("端口无效", f"bad port ({error})") from error
        if not host or parts.path not in ("", "/"):
            raise bad("应为 tcp://主机:端口", "expected tcp://host:port")
        target = f"{host}:{port}"
    elif base == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise bad("应为绝对路径，如 file:///dev/usb/lp0", "expected an absolute path, e.g. file:///dev/usb/lp0")
        target = parts.path
    elif base in ("dummy", "fake"):
        if location not in ("", "/"):
            raise bad("不应带路径", "takes no path")
        target = ""
    else:  # preview
        if values.get("mode") == RenderMode.TEXT:
            raise bad("预览只支持图像模式", "preview always renders raster images")
        values["mode"] = RenderMode.RASTER.value
        target = location

    connection = {key: value for key, value in values.items() if key in _PER_SCHEME[base]}
    return PrinterUrl(
        scheme=scheme,
        target=target,
        mode=RenderMode(values.get("mode", RenderMode.TEXT)),
        encoding=values.get("encoding", "gb18030"),
        columns=PAPER_COLUMNS[values.get("paper", "80")],
        qr=QrMethod(values.get("qr", QrMethod.NATIVE)),
        status_timeout=values.get("status_timeout", DEFAULT_STATUS_TIMEOUT),
        profile=values.get("profile"),
        connection=connection,
    )


# --- python-escpos printers that can read status answers with a bounded wait --------------------


class SerialLinePrinter(Serial):
    """``Serial`` opened through ``serial.serial_for_url``, so ``loop://`` and ``socket://`` work too."""

    def __init__(self, port: str, *, rtscts: bool = False, **kwargs: Any) -> None:
        super().__init__(devfile=port, **kwargs)
        self.rtscts = rtscts

    def open(self, raise_not_found: bool = True) -> None:
        from escpos.exceptions import DeviceNotFoundError

        if self._device:
            self.close()
        try:
            self.device = serial.serial_for_url(
                self.devfile,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=self.timeout,
                xonxoff=self.xonxoff,
                rtscts=self.rtscts,
                dsrdtr=self.dsrdtr,
            )
        except (ValueError, serial.SerialException) as error:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Unable to open serial printer on {self.devfile}: {error}") from error

    def discard_pending_input(self) -> None:
        self.device.reset_input_buffer()

    def read_status_answer(self, timeout: float) -> bytes:
        line = self.device
        previous = line.timeout
        line.timeout = timeout
        try:
            first = line.read(1)  # returns as soon as one byte is there, unlike read(16)
            return first + line.read(line.in_waiting) if first and line.in_waiting else first
        finally:
            line.timeout = previous


class NetworkPrinter(Network):
    """``Network`` whose status reads wait ``status_timeout``, not the minute a print job may take."""

    def discard_pending_input(self) -> None:
        connection: socket.socket = self.device
        connection.setblocking(False)
        try:
            while True:
                if not connection.recv(4096):
                    raise ConnectionResetError("the printer closed the connection")
        except BlockingIOError:
            pass
        finally:
            connection.settimeout(self.timeout)

    def read_status_answer(self, timeout: float) -> bytes:
        connection: socket.socket = self.device
        connection.settimeout(timeout)
        try:
            return connection.recv(16)
        except TimeoutError:
            return b""
        finally:
            connection.settimeout(self.timeout)


class UsbPrinter(Usb):
    """``Usb`` with bounded status reads on the IN endpoint."""

    def discard_pending_input(self) -> None:
        import usb.core

        try:
            while self.device.read(self.in_ep, 64, 1):
                pass
        except usb.core.USBTimeoutError:
            pass

    def read_status_answer(self, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self.device.read(self.in_ep, 16, max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""


def _escpos_output(parsed: PrinterUrl, printer: Escpos, policy: StatusPolicy) -> EscposOutput:
    return EscposOutput(
        printer,
        mode=parsed.mode,
        encoding=parsed.encoding,
        qr=parsed.qr,
        status_policy=policy,
        status_timeout=parsed.status_timeout,
    )


def _output_for(parsed: PrinterUrl) -> SlipOutput:
    options = dict(parsed.connection)
    profile = {"profile": parsed.profile} if parsed.profile else {}
    if parsed.scheme == "preview":
        directory = Path(parsed.target).expanduser() if parsed.target else Path(tempfile.mkdtemp(prefix="hallq-preview-"))
        return PreviewOutput(directory)
    if parsed.scheme == "dummy":
        return _escpos_output(parsed, Dummy(**profile), StatusPolicy.ASSUME_READY)
    if parsed.scheme == "fake":
        condition = FakeCondition(options.pop("condition", FakeCondition.READY))
        return _escpos_output(parsed, FaultyPrinter(condition, **profile), StatusPolicy.ASK)
    if parsed.scheme == "file":
        return _escpos_output(parsed, File(parsed.target, **profile), StatusPolicy.CANNOT_ASK)
    if parsed.scheme == "tcp":
        host, _, port = parsed.target.rpartition(":")
        printer = NetworkPrinter(host, int(port), timeout=options.get("timeout", 10.0), **profile)
        return _escpos_output(parsed, printer, StatusPolicy.ASK)
    if parsed.scheme.startswith("serial"):
        if "parity" in options:
            options["parity"] = options["parity"].upper()
        if "stopbits" in options:
            options["stopbits"] = float(options["stopbits"]) if options["stopbits"] == "1.5" else int(options["stopbits"])
        printer = SerialLinePrinter(parsed.target, **options, **profile)
        return _escpos_output(parsed, printer, StatusPolicy.ASK)
    vendor, product = (int(part, 16) for part in parsed.target.split(":"))
    printer = UsbPrinter(vendor, product, **options, **profile)
    return _escpos_output(parsed, printer, StatusPolicy.ASK)


def open_printer(url: str) -> TicketPrinter:
    """The :class:`TicketPrinter` for ``url``. Nothing is opened yet: a missing printer is reported
    by ``status()`` or as a ``not_found`` :class:`PrinterFault` at the first slip, and a printer
    plugged in later is found on the next try."""
    parsed = parse_printer_url(url)
    return TicketPrinter(_output_for(parsed), columns=parsed.columns, url=url)
