"""The hall's event outbox as the city shipper reads it, and the shipper's cursor.

Reads go to the read engine, so reading a backlog never holds the hall's writer. The cursor is a
single small row written at most every few seconds by the shipper (server/city_link.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Engines
from db.models import CityLink, Event, Hall

# Event data fields that may hold personal data (server.shaping's POSSIBLY_PERSONAL columns as
# events carry them): they stay in the hall; the city counts, it does not read clerks' notes.
PERSONAL_FIELDS = frozenset({"note", "notes", "priority_reason", "citizen_view", "comment"})


@dataclass(frozen=True)
class OutboxEvent:
    seq: int
    kind: str
    data: dict[str, Any]
    created_at: datetime

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": without_personal(self.data), "created_at": self.created_at.isoformat()}


def without_personal(value: Any) -> Any:
    """``value`` with every personal field (at any depth) left out."""
    if isinstance(value, dict):
        return {key: without_personal(item) for key, item in value.items() if key not in PERSONAL_FIELDS}
    if isinstance(value, list):
        return [without_personal(item) for item in value]
    return value


class CityOutbox:
    """One hall's outbox, read in seq order from after a cursor."""

    def __init__(self, engines: Engines, hall_id: int) -> None:
        self.engines = engines
        self.hall_id = hall_id

    def hall_code(self) -> str:
        with self.engines.read.connect() as connection:
            return str(connection.execute(select(Hall.code).where(Hall.id == self.hall_id)).scalar_one())

    def after(self, seq: int, limit: int) -> list[OutboxEvent]:
        query = (
            select(Event.seq, Event.kind, Event.data, Event.created_at)
            .where(Event.hall_id == self.hall_id, Event.seq > seq)
            .order_by(Event.seq)
            .limit(limit)
        )
        with self.engines.read.connect() as connection:
            return [OutboxEvent(int(row.seq), row.kind, row.data, row.created_at) for row in connection.execute(query)]

    def head_seq(self) -> int:
        with self.engines.read.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.max(Event.seq), 0)).where(Event.hall_id == self.hall_id)).scalar_one())

    def cursor(self) -> int:
        with self.engines.read.connect() as connection:
            value = connection.execute(select(CityLink.acked_seq).where(CityLink.hall_id == self.hall_id)).scalar()
        return int(value or 0)

    def save_cursor(self, acked_seq: int, at: datetime) -> None:
        insert = pg_insert if self.engines.is_postgres else sqlite_insert
        statement = insert(CityLink).values(hall_id=self.hall_id, acked_seq=acked_seq, acked_at=at)
        statement = statement.on_conflict_do_update(index_elements=[CityLink.hall_id], set_={"acked_seq": acked_seq, "acked_at": at})
        with self.engines.write.begin() as connection:
            connection.execute(statement)
