"""Need to know (DESIGN.md §5): what each role receives of a ticket, a snapshot and an event.

One table, applied to HTTP ticket and snapshot responses and to every WebSocket subscriber's
snapshot, catch-up and live events. Clerks and the manager see a ticket whole. Every other role
(kiosk, counter device, display, pad) gets an allow-list of fields: whatever is added to a
ticket later stays with the staff until someone decides a device needs it.

Kept from devices:

- ``note``: free text a clerk typed at a transfer, park or 办结. It may hold personal data
  (an ID number, a phone, what document is missing), so it is *possibly personal* and never
  leaves the clerk and manager roles.
- ``public_id``: the key to a ticket's phone page (its status and the hall's calls); only the
  printed slip and the citizen's phone hold it.
- ``priority_reason``: why a citizen has priority (elderly, disability, …) is sensitive personal
  information; a device needs only that the ticket has priority.
- a config change's ``detail`` (clerk names, PIN changes, settings before and after): a device
  needs only that something changed, to fetch a new snapshot.
"""

from __future__ import annotations

from typing import Any

STAFF_ROLES = frozenset({"clerk", "manager"})
"""Roles that see tickets and events whole."""

POSSIBLY_PERSONAL_TICKET_FIELDS = frozenset({"note", "priority_reason"})
"""Fields that may carry personal data: never outside :data:`STAFF_ROLES`."""

DEVICE_TICKET_FIELDS = frozenset(
    {
        # the ticket itself (db.common.ticket_brief) without note, public_id, priority_reason, issued_by
        "id",
        "number",
        "series",
        "status",
        "priority",
        "source",
        "assist",  # 代办 / 帮办: the window needs to know staff will handle or help
        "items",
        "issued_at",
        "business_day",
        "recall_count",
        "transfer_count",
        "appointment_at",
        "called_at",
        "category",
        "window",
        # its place in the hall (db.issuing.ticket_status): what the phone page shows anyone
        "people_ahead",
        "waiting_in_category",
        "windows_serving",
        "estimated_wait_minutes",
        "now_calling",
        "hall",
        "guide",
        "department",
        "serving_windows",
    }
)
assert not DEVICE_TICKET_FIELDS & POSSIBLY_PERSONAL_TICKET_FIELDS

STAFF = "staff"
DEVICE = "device"


def audience(role: str) -> str:
    """The shape a role gets: ``"staff"`` (whole) or ``"device"`` (need to know)."""
    return STAFF if role in STAFF_ROLES else DEVICE


def shape_ticket(role: str, ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket (``ticket_brief`` or ``ticket_status``) as ``role`` may see it."""
    if audience(role) == STAFF:
        return ticket
    return {key: value for key, value in ticket.items() if key in DEVICE_TICKET_FIELDS}


def shape_snapshot(role: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The hall snapshot as ``role`` may see it: each window's current ticket shaped."""
    if audience(role) == STAFF:
        return snapshot
    windows = [
        {**window, "current": shape_ticket(role, window["current"])} if isinstance(window.get("current"), dict) else window
        for window in snapshot.get("windows", [])
    ]
    return {**snapshot, "windows": windows}


def shape_event_data(role: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's ``data`` as ``role`` may see it."""
    if audience(role) == STAFF:
        return data
    if kind == "config_changed":
        return {"what": data.get("what")}
    if isinstance(data.get("ticket"), dict):
        return {**data, "ticket": shape_ticket(role, data["ticket"])}
    return data


def shape_event(role: str, event: dict[str, Any]) -> dict[str, Any]:
    """An event (``{"seq", "kind", "data", "at"}``, as ``events_after`` returns it) for ``role``."""
    if audience(role) == STAFF:
        return event
    return {**event, "data": shape_event_data(role, str(event.get("kind", "")), event.get("data") or {})}


__all__ = [
    "DEVICE",
    "DEVICE_TICKET_FIELDS",
    "POSSIBLY_PERSONAL_TICKET_FIELDS",
    "STAFF",
    "STAFF_ROLES",
    "audience",
    "shape_event",
    "shape_event_data",
    "shape_snapshot",
    "shape_ticket",
]
