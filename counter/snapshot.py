"""What the counter reads from the hall snapshot, in plain Python (no Qt): its own window's
entry, the queues it serves, a category's items, an item's 承诺时限 and the 承诺件告知单 built
from them.

The snapshot is the server's word on the hall; these functions only look things up in it, so
the widgets never walk its dictionaries themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hall.tickets import promised_working_days
from hardware.printer.layout import PromiseNotice


def window_entry(snapshot: dict[str, Any], number: int | None) -> dict[str, Any]:
    """The snapshot's entry for window ``number`` ({} when the hall has no such window)."""
    for window in snapshot.get("windows", []):
        if window.get("number") == number:
            return window
    return {}


def waiting_counts(snapshot: dict[str, Any], number: int | None) -> dict[str, int]:
    """People waiting in each series window ``number`` serves, primary series first."""
    entry = window_entry(snapshot, number)
    series = [*entry.get("primary", []), *entry.get("secondary", [])]
    by_series = {c["series"]: int(c.get("waiting", 0)) for c in snapshot.get("categories", [])}
    return {s: by_series.get(s, 0) for s in series}


def hall_timezone(snapshot: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(snapshot.get("hall", {}).get("timezone") or "Asia/Shanghai")


def find_item(snapshot: dict[str, Any], code: str) -> dict[str, Any] | None:
    for category in snapshot.get("categories", []):
        for item in category.get("items", []):
            if item.get("code") == code:
                return item
    return None


def category_items(snapshot: dict[str, Any], series: str | None) -> list[dict[str, Any]]:
    """The items (事项) of category ``series``, in the hall's order."""
    for category in snapshot.get("categories", []):
        if category.get("series") == series:
            return list(category.get("items") or [])
    return []


def hall_promised_days(snapshot: dict[str, Any]) -> int:
    """The hall's default 承诺时限 for an item without one (rules.promised_working_days)."""
    hall_default = snapshot.get("rules", {}).get("promised_working_days")
    return promised_working_days(None, None, hall_default) if hall_default else promised_working_days(None, None)


def public_case_url(snapshot: dict[str, Any], case_url: str | None) -> str | None:
    """The phone status page of a case: the hall's public address + the server's ``case_url``."""
    if not case_url:
        return None
    base = (snapshot.get("hall", {}).get("public_url") or "").rstrip("/")
    return f"{base}{case_url}" if base else None


def promised_days(snapshot: dict[str, Any], ticket: dict[str, Any] | None) -> int:
    """The 承诺时限 of the ticket's first item, else the hall's default (rules.promised_working_days)."""
    codes = (ticket or {}).get("items") or []
    days = None
    for category in snapshot.get("categories", []):
        for item in category.get("items", []):
            if codes and item.get("code") == codes[0]:
                days = item.get("promised_days")
    hall_default = snapshot.get("rules", {}).get("promised_working_days")
    return promised_working_days(None, days, hall_default) if hall_default else promised_working_days(None, days)


def promise_notice(
    snapshot: dict[str, Any],
    window_number: int | None,
    clerk: dict[str, Any] | None,
    ticket: dict[str, Any],
    result: dict[str, Any],
    applicant: tuple[str, str],
    received_at: datetime,
    chosen_item: dict[str, Any] | None = None,
) -> PromiseNotice:
    """The 承诺件告知单 for a service the server just finished as promised (``result``).

    It names the item the server recorded (else the one the clerk chose) — never the category,
    which is not what the citizen applied for — and lists the materials the server recorded as
    received, with the window's phone and a QR code of the case's status page."""
    hall = snapshot.get("hall", {})
    item = result.get("item") or chosen_item or {}
    name, phone = applicant
    entry = window_entry(snapshot, window_number)
    return PromiseNotice(
        hall_name=hall.get("name_zh", ""),
        case_number=f"{ticket.get('business_day', '').replace('-', '')}-{ticket.get('number', '')}-{result.get('service_id')}",
        applicant=name,
        phone=phone,
        item=item.get("name_zh") or "—",
        received_at=received_at.astimezone(hall_timezone(snapshot)).replace(tzinfo=None),
        promised_date=date.fromisoformat(result["promised_date"]),
        window=f"{window_number}号窗口 {entry.get('name_zh', '')}".strip(),
        clerk_staff_no=(clerk or {}).get("staff_no", ""),
        materials_received=tuple(result.get("materials_received") or ()),
        complaint_phone=hall.get("complaint_phone") or "12345",
        status_url=public_case_url(snapshot, result.get("case_url")),
        window_phone=entry.get("phone") or "",
    )
