"""LED window strips (条屏) driven from the display's screen model.

Halls hang a one-line LED strip above each window on an RS-485 line. The hall display already
follows every call, pause and close over the event stream, so it also keeps the strips current:
after each update it works out each window's strip text and sends only the texts that changed
(strips are slow serial devices; resending twenty windows on every event would flood the line).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from display.model import HallScreenModel, WindowView
from hall.serving import Staffing
from hardware.serial.led_strip import WindowStrip

log = logging.getLogger(__name__)

CLOSED = "暂停办理"
PAUSED = "暂停服务"
UNSTAFFED = "暂无人员"
IDLE_FALLBACK = "欢迎光临"


def led_text(window: WindowView) -> str:
    """What the strip above ``window`` shows: the call while there is one, else its state or name
    (by :mod:`hall.serving`: a window with nobody at it says so instead of inviting citizens)."""
    if window.current:
        return f"{window.current}办理中" if window.current_status == "serving" else f"请{window.current}号"
    match window.staffing:
        case Staffing.CLOSED:
            return CLOSED
        case Staffing.PAUSED:
            return PAUSED
        case Staffing.UNSTAFFED:
            return UNSTAFFED
    return window.name_zh or IDLE_FALLBACK


class LedMirror:
    """Keeps the strips of the display's windows showing what the model says.

    ``addresses`` maps window numbers to strip addresses on the line; by default every window in
    the display's zone uses its own number as the address (the usual wiring).
    """

    def __init__(self, strip: WindowStrip, addresses: Mapping[int, int] | None = None) -> None:
        self.strip = strip
        self.addresses = dict(addresses) if addresses is not None else None
        self.sent: dict[int, str] = {}  # strip address -> text last sent

    def _targets(self, model: HallScreenModel) -> list[tuple[int, WindowView]]:
        if self.addresses is None:
            return [(window.number, window) for window in model.visible_windows()]
        return [(addr, model.windows[number]) for number, addr in self.addresses.items() if number in model.windows]

    def update(self, model: HallScreenModel) -> list[tuple[int, str]]:
        """Send every changed text; returns what was sent (address, text)."""
        sent: list[tuple[int, str]] = []
        for addr, window in self._targets(model):
            text = led_text(window)
            if self.sent.get(addr) == text:
                continue
            try:
                self.strip.show(addr, text)
            except ValueError as error:
                # A window name the strip's encoding cannot show: show the plain state instead of nothing.
                log.warning("LED strip %s: %s", addr, error)
                text = IDLE_FALLBACK if not window.current else f"{window.current}"
                self.strip.show(addr, text)
            self.sent[addr] = text
            sent.append((addr, text))
        return sent


def parse_addresses(text: str) -> dict[int, int]:
    """``"1:11,2:12"`` → {1: 11, 2: 12}; a bilingual ValueError for anything else."""
    mapping: dict[int, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        window, sep, addr = part.partition(":")
        if not sep or not window.strip().isdigit() or not addr.strip().isdigit():
            raise ValueError(f"条屏地址格式应为“窗口:地址,…”，收到“{part}” / LED addresses must look like 'window:address,...', got {part!r}")
        mapping[int(window)] = int(addr)
    return mapping
