"""server.shaping as plain functions: one table of what each role may see (DESIGN.md §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from db.common import ticket_brief
from db.models import Base, Ticket
from server.shaping import (
    DEVICE_TICKET_FIELDS,
    POSSIBLY_PERSONAL_TICKET_FIELDS,
    audience,
    shape_event,
    shape_snapshot,
    shape_ticket,
)

DEVICES = ("kiosk", "counter", "display", "pad", "someone_new")


def _ticket() -> dict:
    row = Ticket(
        id=7, public_id="a1b2c3d4e5f60718", display_number="A007", series="A", status="waiting", priority=True,
        priority_reason="disability", source="kiosk", items=["A01"], issued_at=datetime(2026, 11, 17, 2, tzinfo=UTC),
        business_day=date(2026, 11, 17), recall_count=0, transfer_count=1, note="身份证号 110101199003071234",
    )
    return ticket_brief(row)


def test_staff_see_a_ticket_whole_and_devices_do_not_see_notes_or_keys() -> None:
    ticket = _ticket()
    for role in ("clerk", "manager"):
        assert audience(role) == "staff" and shape_ticket(role, ticket) == ticket
    for role in DEVICES:  # an unknown role gets the device shape: fail closed
        shaped = shape_ticket(role, ticket)
        assert audience(role) == "device"
        # issued_by: which desk or staff took the number stays with staff (the 代办 mark itself does not)
        assert set(shaped) == set(ticket) - {"note", "public_id", "priority_reason", "issued_by"}
        assert shaped["number"] == "A007" and shaped["priority"] is True


def test_every_column_marked_possibly_personal_is_kept_from_devices() -> None:
    marked = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get("possibly_personal")
    }
    assert {("tickets", "note"), ("tickets", "priority_reason"), ("services", "note")} <= marked
    ticket_columns = {name for table, name in marked if table == "tickets"}
    assert ticket_columns <= POSSIBLY_PERSONAL_TICKET_FIELDS
    assert not ticket_columns & DEVICE_TICKET_FIELDS


def test_a_new_ticket_field_is_a_decision_not_a_leak() -> None:
    """ticket_brief grows a field: devices do not get it until DEVICE_TICKET_FIELDS says so."""
    ticket = {**_ticket(), "phone": "13812345678"}
    assert "phone" not in shape_ticket("display", ticket)


@pytest.mark.parametrize("role", DEVICES)
def test_events_and_snapshots_for_devices(role: str) -> None:
    ticket = _ticket()
    event = {"seq": 3, "kind": "ticket_transferred", "data": {"ticket": ticket, "from_window": 1, "to": {"window": 2}}, "at": "x"}
    shaped = shape_event(role, event)
    assert "note" not in shaped["data"]["ticket"] and shaped["data"]["from_window"] == 1 and shaped["seq"] == 3
    assert event["data"]["ticket"]["note"], "the original is not changed (other subscribers share it)"
    config = {"seq": 4, "kind": "config_changed", "data": {"what": "clerk", "detail": {"name": "王某"}}, "at": "x"}
    assert shape_event(role, config)["data"] == {"what": "clerk"}
    snapshot = {"seq": 5, "windows": [{"number": 1, "current": ticket}, {"number": 2, "current": None}]}
    windows = shape_snapshot(role, snapshot)["windows"]
    assert "note" not in windows[0]["current"] and windows[1]["current"] is None
    assert shape_snapshot("manager", snapshot) is snapshot and shape_event("clerk", event) is event
