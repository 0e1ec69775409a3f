"""The city database: every hall's events once, and the rows materialised from them.

Its own metadata, made with ``create_all`` at start (not an Alembic branch of the hall schema):
the city database shares no table with a hall's, is PostgreSQL only and is rebuilt from the
halls' outboxes if need be (every hall resends from the city's ack). When its schema first
changes under live data it gets its own Alembic environment beside these models.

Rows are keyed by (hall, the hall's own id): a hall's ids are unique in that hall only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class CityBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True), dict[str, Any]: JSONB}


class CityHall(CityBase):
    """A hall the city has heard from (its code is its certificate's common name)."""

    __tablename__ = "city_halls"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the hall's newest seq, as it last said
    first_seen_at: Mapped[datetime]
    last_contact_at: Mapped[datetime]
    last_event_at: Mapped[datetime | None] = mapped_column(nullable=True)  # created_at of the newest event held
    last_lag_seconds: Mapped[float] = mapped_column(default=0.0)  # newest event's age when it arrived
    business_day: Mapped[date | None] = mapped_column(Date, nullable=True)  # the hall's day, from its events


class CityRevocation(CityBase):
    """A hall the city no longer accepts (its certificate stays valid until it ends, so the city
    checks this list at every request)."""

    __tablename__ = "city_revocations"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300), default="")


class CityEvent(CityBase):
    """Every event of every hall, once: (hall, seq) is the idempotency key of the ingest."""

    __tablename__ = "city_events"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]


class CityTicket(CityBase):
    __tablename__ = "city_tickets"
    __table_args__ = (Index("city_tickets_by_day", "hall", "business_day", "status"),)
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(10))
    public_id: Mapped[str] = mapped_column(String(40), default="")  # the case number of the 好差评 export
    series: Mapped[str] = mapped_column(String(2))
    business_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(16), default="")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime]
    called_at: Mapped[datetime | None] = mapped_column(nullable=True)
    window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)  # the event that last changed it


class CityService(CityBase):
    __tablename__ = "city_services"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str] = mapped_column(String(12), default="")
    item_code: Mapped[str] = mapped_column(String(32), default="")
    department: Mapped[str] = mapped_column(String(100), default="")


class CityRating(CityBase):
    __tablename__ = "city_ratings"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    level: Mapped[str | None] = mapped_column(String(24), nullable=True)
    bad: Mapped[bool] = mapped_column(Boolean, default=False)
    window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[datetime]


class CityFollowUp(CityBase):
    __tablename__ = "city_followups"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    followup_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    service_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # the 差评's service
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    changed_at: Mapped[datetime]


class CityPause(CityBase):
    """A window's pause: opened by window_paused (its seq names it), closed by window_resumed."""

    __tablename__ = "city_pauses"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CityDeviceFault(CityBase):
    __tablename__ = "city_device_faults"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(40), default="")
    message_zh: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class CityHallProfile(CityBase):
    """What the city operator says about a hall (``hallq city hall set``): its name, district and
    address. Halls are grouped by district in the console and the reports."""

    __tablename__ = "city_hall_profiles"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime]
