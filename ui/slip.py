"""From the ticket the server committed to the slip the printer lays out. No Qt: the kiosk, the
guide desk, the benchmark and the tests share it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hall.tickets import PRIORITY_REASONS
from hardware.printer import TicketSlip


def _pick(data: dict[str, Any] | None, language: str, key: str = "name") -> str:
    if not data:
        return ""
    zh, en = str(data.get(f"{key}_zh", "")), str(data.get(f"{key}_en", ""))
    return en if language == "en" and en else zh


def status_url(hall: dict[str, Any], ticket: dict[str, Any]) -> str:
    """The phone status page the QR code opens."""
    return f"{str(hall.get('public_url', '')).rstrip('/')}/t/{ticket.get('public_id', '')}"


def ticket_slip(
    ticket: dict[str, Any], hall: dict[str, Any], categories: list[dict[str, Any]], language: str = "zh", reprint: bool = False
) -> TicketSlip:
    """The printed ticket for ``ticket`` (an issue/check-in answer), with the items' materials (一次性告知)."""
    category = next((c for c in categories if c.get("series") == ticket.get("series")), None) or {}
    chosen = [i for i in category.get("items", []) if i.get("code") in (ticket.get("items") or [])]
    materials: list[str] = []
    for item in chosen:
        materials.extend(str(m) for m in item.get("materials", []) if str(m) not in materials)
    issued = datetime.fromisoformat(str(ticket.get("issued_at")))
    try:
        issued = issued.astimezone(ZoneInfo(str(hall.get("timezone") or "Asia/Shanghai")))
    except (KeyError, ValueError):
        pass
    reason = ticket.get("priority_reason") or None
    reason_text = None
    if reason:
        known = PRIORITY_REASONS.get(reason)
        reason_text = (known.en if language == "en" else known.zh) if known else str(reason)
    wait = ticket.get("estimated_wait_minutes")
    booked = ticket.get("booking") or None  # a check-in: the booking's code and slot
    booking_text = f"{booked['code'][:5]} {booked['code'][5:]} {str(booked['date'])[5:]} {booked['slot']}" if booked else None
    return TicketSlip(
        hall_name=_pick(hall, language) or "政务服务中心",
        category_name=_pick(ticket.get("category") or category, language),
        number=str(ticket["number"]),
        people_ahead=max(0, int(ticket.get("people_ahead") or 0)),
        estimated_wait_minutes=None if wait is None else max(0, round(float(wait))),
        issued_at=issued,
        status_url=status_url(hall, ticket),
        materials=tuple(materials),
        complaint_phone=str(hall.get("complaint_phone") or "12345"),
        priority_reason=reason_text,
        items=tuple(_pick(item, language) for item in chosen),
        language="en" if language == "en" else "zh",
        reprint=reprint,
        booking=booking_text,
    )
