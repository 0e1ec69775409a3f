"""Applying one hall's batch of events to the city database, idempotently and in order.

One transaction per batch, holding the hall's row (``FOR UPDATE``) so two batches of one hall
never interleave: events at or below the city's ack are a replay and change nothing; the first
new event must be ack + 1 (a gap is refused with the seq expected); each new event is stored
once ((hall, seq) is the key) and materialised into tickets, services, ratings, follow-ups,
pauses and device faults.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert

from city.models import (
    CityDeviceFault,
    CityEvent,
    CityFollowUp,
    CityHall,
    CityPause,
    CityRating,
    CityRevocation,
    CityService,
    CityTicket,
)
from hall.text import HallRuleError

OPEN_TICKET_STATUSES = ("waiting", "called", "serving", "parked")


@dataclass(frozen=True)
class WireEvent:
    seq: int
    kind: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class IngestResult:
    acked_seq: int
    applied: int


class IngestRefused(HallRuleError):
    """A batch the city will not apply; ``extra`` goes into the JSON body (``expected_seq``)."""

    def __init__(self, status: int, code: str, zh: str, en: str, **extra: Any) -> None:
        super().__init__(code, zh, en, status)
        self.extra = extra


refused = IngestRefused


def check_contiguous(events: list[WireEvent]) -> None:
    for before, after in itertools.pairwise(events):
        if after.seq != before.seq + 1:
            raise refused(
                422,
                "batch_not_contiguous",
                f"一批事件的序号须连续（{before.seq} 之后是 {after.seq}）",
                f"a batch's seqs must be consecutive ({after.seq} follows {before.seq})",
            )


def ingest(engine: Engine, hall: str, head_seq: int, events: list[WireEvent], now: datetime) -> IngestResult:
    """Apply ``events`` of ``hall`` (the certificate's hall, checked by the caller against the payload)."""
    check_contiguous(events)
    with engine.begin() as connection:
        if connection.execute(select(CityRevocation.code).where(CityRevocation.code == hall)).first() is not None:
            raise refused(403, "hall_revoked", f"大厅 {hall} 已被市级注销，拒绝接收", f"hall {hall} is revoked by the city; refused")
        connection.execute(insert(CityHall).values(code=hall, first_seen_at=now, last_contact_at=now).on_conflict_do_nothing())
        row = connection.execute(select(CityHall).where(CityHall.code == hall).with_for_update()).one()
        acked = int(row.acked_seq)
        if head_seq < acked:
            # The hall's outbox ends before what the city holds: its database went back in time (a
            # restore). Its next events would reuse seqs the city holds for other events; a person decides.
            raise refused(
                409,
                "hall_rewound",
                f"大厅 {hall} 的事件只到 {head_seq}，市级已收到 {acked}：大厅数据库可能被恢复到旧备份，需人工核对",
                f"hall {hall}'s events end at {head_seq} but the city holds {acked}: the hall database may have been "
                "restored from an older backup; a person must reconcile",
                acked_seq=acked,
            )
        new = [event for event in events if event.seq > acked]
        if new and new[0].seq != acked + 1:
            raise refused(
                409,
                "seq_gap",
                f"事件序号不连续：应从 {acked + 1} 开始，收到 {new[0].seq}",
                f"gap in the seqs: expected {acked + 1}, got {new[0].seq}",
                expected_seq=acked + 1,
            )
        values: dict[str, Any] = {"last_contact_at": now, "head_seq": max(head_seq, acked)}
        if new:
            Materialiser(connection, hall).apply(new, now)
            newest = new[-1]
            values |= {
                "acked_seq": newest.seq,
                "last_event_at": newest.created_at,
                "last_lag_seconds": (now - newest.created_at).total_seconds(),
            }
            days = [event.data.get("business_day") for event in new if event.kind == "day_rolled"]
            if days and isinstance(days[-1], str):
                values["business_day"] = date.fromisoformat(days[-1])
            values["head_seq"] = max(head_seq, newest.seq)
        connection.execute(update(CityHall).where(CityHall.code == hall).values(**values))
        return IngestResult(int(values.get("acked_seq", acked)), len(new))


@dataclass
class Materialiser:
    """Turns one batch's events into rows. Ticket, service and rating rows are gathered (the last
    state of each wins) and written in a few statements; the rarer kinds are written as met."""

    connection: Connection
    hall: str
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    services: dict[int, dict[str, Any]] = field(default_factory=dict)
    ratings: dict[int, dict[str, Any]] = field(default_factory=dict)

    def apply(self, events: list[WireEvent], now: datetime) -> None:
        self.connection.execute(
            insert(CityEvent).on_conflict_do_nothing(),
            [
                {"hall": self.hall, "seq": e.seq, "kind": e.kind, "data": e.data, "created_at": e.created_at, "received_at": now}
                for e in events
            ],
        )
        for event in events:
            self.event(event)
        self.flush()

    def event(self, event: WireEvent) -> None:
        data, kind, at = event.data, event.kind, event.created_at
        brief = data.get("ticket")
        if isinstance(brief, dict) and isinstance(brief.get("id"), int):
            self.ticket(brief, data.get("window"), event.seq)
        service_id = data.get("service_id")
        if kind == "service_started" and isinstance(service_id, int) and isinstance(brief, dict):
            self.service(service_id, ticket_id=brief["id"], window=data.get("window"), started_at=at)
        elif kind == "service_finished" and isinstance(service_id, int) and isinstance(brief, dict):
            item = data.get("item") or {}
            self.service(
                service_id,
                ticket_id=brief["id"],
                window=data.get("window"),
                ended_at=at,
                outcome=str(data.get("outcome") or ""),
                item_code=str(item.get("code") or ""),
                department=str(data.get("department") or "")[:100],
            )
        elif kind == "service_rated" and isinstance(service_id, int):
            self.ratings[service_id] = {
                "hall": self.hall,
                "service_id": service_id,
                "level": data.get("level"),
                "bad": bool(data.get("bad")),
                "window": data.get("window"),
                "rated_at": at,
            }
            if isinstance(data.get("followup"), int):
                deadline = data.get("followup_deadline")
                self.followup(
                    data["followup"], "open", at, service_id=service_id, deadline=date.fromisoformat(deadline) if isinstance(deadline, str) else None
                )
        elif kind == "followup_changed" and isinstance(data.get("followup"), int):
            self.followup(data["followup"], str(data.get("status") or "open"), at)
        elif kind == "window_paused" and isinstance(data.get("window"), int):
            self.connection.execute(
                insert(CityPause)
                .values(hall=self.hall, seq=event.seq, window=data["window"], reason=str(data.get("reason") or "")[:100], started_at=at)
                .on_conflict_do_nothing()
            )
        elif kind == "window_resumed" and isinstance(data.get("window"), int):
            self.end_pauses(at, window=data["window"])
        elif kind == "device_alert":
            message = data.get("message") or {}
            self.connection.execute(
                insert(CityDeviceFault)
                .values(
                    hall=self.hall,
                    seq=event.seq,
                    device_id=data.get("device"),
                    role=str(data.get("role") or ""),
                    kind=str(data.get("kind") or ""),
                    message_zh=str(message.get("zh") or ""),
                    message_en=str(message.get("en") or ""),
                    at=at,
                )
                .on_conflict_do_nothing()
            )
        elif kind == "day_rolled" and isinstance(data.get("business_day"), str):
            self.day_rolled(date.fromisoformat(data["business_day"]), at)

    def ticket(self, brief: dict[str, Any], window: Any, seq: int) -> None:
        called_at = brief.get("called_at")
        self.tickets[brief["id"]] = {
            "hall": self.hall,
            "ticket_id": brief["id"],
            "number": str(brief.get("number") or ""),
            "public_id": str(brief.get("public_id") or "")[:40],
            "series": str(brief.get("series") or ""),
            "business_day": date.fromisoformat(brief["business_day"]),
            "status": str(brief.get("status") or ""),
            "source": str(brief.get("source") or ""),
            "priority": bool(brief.get("priority")),
            "issued_at": datetime.fromisoformat(brief["issued_at"]),
            "called_at": datetime.fromisoformat(called_at) if called_at else None,
            "window": window if isinstance(window, int) else None,
            "last_seq": seq,
        }

    def service(self, service_id: int, **values: Any) -> None:
        row = self.services.setdefault(
            service_id,
            {
                "hall": self.hall,
                "service_id": service_id,
                "ticket_id": 0,
                "window": None,
                "started_at": None,
                "ended_at": None,
                "outcome": None,
                "item_code": None,
                "department": None,
            },
        )
        row.update({key: value for key, value in values.items() if value is not None})

    def followup(self, followup_id: int, status: str, at: datetime, service_id: int | None = None, deadline: date | None = None) -> None:
        statement = insert(CityFollowUp).values(
            hall=self.hall, followup_id=followup_id, status=status[:12], changed_at=at, service_id=service_id, deadline=deadline
        )
        self.connection.execute(
            statement.on_conflict_do_update(index_elements=["hall", "followup_id"], set_={"status": status[:12], "changed_at": at})
        )

    def end_pauses(self, at: datetime, window: int | None = None) -> None:
        condition = [CityPause.hall == self.hall, CityPause.ended_at.is_(None)]
        if window is not None:
            condition.append(CityPause.window == window)
        self.connection.execute(update(CityPause).where(*condition).values(ended_at=at))

    def day_rolled(self, day: date, at: datetime) -> None:
        """As the hall's rollover: yesterday's open tickets expire, open pauses end."""
        self.flush()
        self.connection.execute(
            update(CityTicket)
            .where(CityTicket.hall == self.hall, CityTicket.business_day < day, CityTicket.status.in_(OPEN_TICKET_STATUSES))
            .values(status="expired")
        )
        self.connection.execute(
            update(CityService)
            .where(CityService.hall == self.hall, CityService.ended_at.is_(None), CityService.started_at < at)
            .values(ended_at=at, outcome="expired")
        )
        self.end_pauses(at)

    def flush(self) -> None:
        if self.tickets:
            statement = insert(CityTicket)
            columns = ("status", "called_at", "window", "last_seq", "number")
            self.connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["hall", "ticket_id"], set_={name: statement.excluded[name] for name in columns}
                ),
                list(self.tickets.values()),
            )
        if self.services:
            statement = insert(CityService)
            old = CityService.__table__.c
            # A batch may hold only a service's start or only its end: keep what the other batch wrote.
            merged = {name: func.coalesce(statement.excluded[name], old[name]) for name in ("window", "started_at", "ended_at")}
            merged |= {name: func.coalesce(func.nullif(statement.excluded[name], ""), old[name]) for name in ("outcome", "item_code", "department")}
            rows = [
                {**row, "outcome": row["outcome"] or "", "item_code": row["item_code"] or "", "department": row["department"] or ""}
                for row in self.services.values()
            ]
            self.connection.execute(statement.on_conflict_do_update(index_elements=["hall", "service_id"], set_=merged), rows)
        if self.ratings:
            statement = insert(CityRating)
            columns = ("level", "bad", "window", "rated_at")
            self.connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["hall", "service_id"], set_={name: statement.excluded[name] for name in columns}
                ),
                list(self.ratings.values()),
            )
        self.tickets, self.services, self.ratings = {}, {}, {}
