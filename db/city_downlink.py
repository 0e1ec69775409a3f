"""Applying what the city sends down (server/city_downlink.py fetches it): a catalogue version or a
notices version, each in one write transaction with its audit entry, so a failure half-way leaves
the hall exactly as it was.

A catalogue updates the categories' names and departments (creating a category the hall lacks),
adds and updates items, and deactivates the items it no longer lists: an item is never deleted,
tickets and history name it. City notices replace the city's previous notices on the ticker; the
hall's own notices stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.config_ops import ConfigStore
from db.models import AuditEntry, Category, CityDownlink, CityLink, Item
from db.unit_of_work import UnitOfWork
from hall.catalogue import CATALOGUE, KINDS, NOTICES, parse_catalogue, parse_notices
from hall.config import CategoryConfig

CITY_ACTOR = "市级 city"
POLL = "poll"  # the city_downlink row of the last poll's outcome (kinds: hall.catalogue.KINDS)


def applied_versions(store: ConfigStore, hall_id: int) -> dict[str, int]:
    with store.read() as session:
        rows = session.execute(select(CityDownlink.kind, CityDownlink.version).where(CityDownlink.hall_id == hall_id))
        return {row.kind: int(row.version) for row in rows if row.kind in KINDS}


def _downlink_row(session: Session, hall_id: int, kind: str) -> CityDownlink:
    row = session.get(CityDownlink, (hall_id, kind))
    if row is None:
        row = CityDownlink(hall_id=hall_id, kind=kind, version=0, payload={}, last_error="")
        session.add(row)
    return row


def record_check(store: ConfigStore, hall_id: int, at: datetime, error: str = "", refused: dict[str, str] | None = None) -> None:
    """The last poll's outcome, on the ``poll`` row: ``error`` when it failed (the city did not
    answer, or the hall could not store what it sent), empty when it went through. After a poll
    that went through, each kind's row holds the bilingual reason its newest version was refused
    (empty: none refused); a failed poll leaves those as they were."""
    refused = refused or {}

    def work(uow: UnitOfWork) -> None:
        poll = _downlink_row(uow.session, hall_id, POLL)
        poll.checked_at, poll.last_error = at, error[:300]
        if not error:
            for kind in KINDS:
                row = _downlink_row(uow.session, hall_id, kind)
                row.checked_at, row.last_error = at, refused.get(kind, "")[:300]

    store.write(hall_id, work)


def apply_version(store: ConfigStore, hall_id: int, kind: str, version: int, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Apply ``version`` of ``kind`` unless the hall already runs it or a newer one (then None).
    A broken payload raises ConfigError (bilingual) before anything is written."""
    categories = parse_catalogue(payload) if kind == CATALOGUE else ()
    notices = parse_notices(payload) if kind == NOTICES else ()

    def work(uow: UnitOfWork) -> dict[str, Any] | None:
        row = _downlink_row(uow.session, hall_id, kind)
        if row.version >= version:
            return None  # another server process of this hall applied it first
        if kind == CATALOGUE:
            detail = _apply_catalogue(uow, categories)
        else:
            detail = _apply_notices(uow, tuple(row.payload.get("notices", [])), notices)
        detail = {"kind": kind, "version": version, "from_version": row.version, **detail}
        row.version, row.applied_at, row.payload, row.last_error = version, uow.now, payload, ""
        uow.session.add(AuditEntry(hall_id=hall_id, actor=CITY_ACTOR, action=f"city_{kind}", detail=detail, created_at=uow.now))
        uow.emit("config_changed", what=f"city_{kind}", detail=detail)
        return detail

    result = store.write(hall_id, work)
    store.forget_settings(hall_id)
    return result


def _apply_catalogue(uow: UnitOfWork, categories: tuple[CategoryConfig, ...]) -> dict[str, Any]:
    session, hall_id = uow.session, uow.hall.id
    by_series = {c.series: c for c in session.scalars(select(Category).where(Category.hall_id == hall_id))}
    items = {i.code: i for i in session.scalars(select(Item).where(Item.hall_id == hall_id))}
    added: list[str] = []
    updated: list[str] = []
    for order, config in enumerate(categories):
        category = by_series.get(config.series)
        if category is None:
            category = Category(
                hall_id=hall_id,
                series=config.series,
                name_zh=config.name_zh,
                expected_service_minutes=config.expected_service_minutes,
                target_wait_minutes=config.target_wait_minutes,
                sort_order=100 + order,
            )
            session.add(category)
        category.name_zh, category.department = config.name_zh, config.department
        category.name_en = config.name_en or category.name_en
        session.flush()
        for item_order, item in enumerate(config.items):
            values = {
                "category_id": category.id,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "materials": list(item.materials),
                "promised_days": item.promised_days,
                "fee": item.fee,
                "sort_order": item_order,
                "active": True,
            }
            row = items.get(item.code)
            if row is None:
                session.add(Item(hall_id=hall_id, code=item.code, **values))
                added.append(item.code)
            elif any(getattr(row, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                updated.append(item.code)
    listed = {item.code for config in categories for item in config.items}
    deactivated = _deactivate_missing(session, items, listed)
    return {"added": added, "updated": updated, "deactivated": deactivated}


def _deactivate_missing(session: Session, items: dict[str, Item], listed: set[str]) -> list[str]:
    """Items the catalogue no longer lists are kept (tickets name them) but offered no more."""
    gone = sorted(code for code, row in items.items() if code not in listed and row.active)
    for code in gone:
        items[code].active = False
    session.flush()
    return gone


def _apply_notices(uow: UnitOfWork, previous: tuple[str, ...], notices: tuple[str, ...]) -> dict[str, Any]:
    hall = uow.hall
    own = [text for text in hall.notices or [] if text not in previous]
    hall.notices = [*notices, *own]
    return {"notices": list(notices), "replaced": list(previous)}


def downlink_status(store: ConfigStore, hall_id: int) -> dict[str, Any]:
    """What the manager console shows: each kind's version and when, the last poll, the shipper."""
    with store.read() as session:
        rows = session.scalars(select(CityDownlink).where(CityDownlink.hall_id == hall_id)).all()
        link = session.get(CityLink, hall_id)

        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        kinds = {
            row.kind: {
                "version": row.version,
                "applied_at": when(row.applied_at),
                "checked_at": when(row.checked_at),
                "last_error": row.last_error,
                "items": sum(len(c.get("items", [])) for c in row.payload.get("categories", []) if isinstance(c, dict)),
                "notices": list(row.payload.get("notices", [])),
            }
            for row in rows
            if row.kind in KINDS
        }
        poll = next((row for row in rows if row.kind == POLL), None)
        return {
            "kinds": kinds,
            "poll": {"checked_at": when(poll.checked_at), "last_error": poll.last_error} if poll else None,
            "configured": bool(rows) or link is not None,
            "acked_seq": link.acked_seq if link else None,
            "acked_at": when(link.acked_at) if link else None,
        }
