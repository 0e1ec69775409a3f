"""The hall-local database schema (SQLAlchemy 2 typed models).

The invariants of DESIGN.md §4 live here as constraints, so no code path — nor a second server
process — can break them: one ticket number per (hall, business day, series); at most one ticket
called or in service per window (partial unique index); at most one open service per ticket;
one rating per service; at most one open pause and one logged-in clerk per window; at most one
window per logged-in clerk; events numbered per hall without gaps (primary key (hall_id, seq)).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Column marker: free text or a reason that may hold personal data (an ID number, a phone, a
# health condition). It never leaves the clerk and manager roles (server.shaping).
POSSIBLY_PERSONAL: dict[str, Any] = {"possibly_personal": True}


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


DUE_APPOINTMENT_WHERE = "status = 'waiting' AND appointment_at IS NOT NULL"


def _partial(where: str) -> dict[str, Any]:
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


class Hall(Base):
    __tablename__ = "halls"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    complaint_phone: Mapped[str] = mapped_column(String(40), default="12345")
    public_url: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)  # HoursConfig as JSON
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)  # RulesConfig as JSON
    notices: Mapped[list[Any]] = mapped_column(default=list)
    current_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The sample hall (HallConfig.demo): trivial PINs allowed (hall.pins). Set only by the config
    # file at import, never through the API.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 预约 settings (hall.config.BookingConfig as JSON) and the address booking pages show (0014)
    booking: Mapped[dict[str, Any]] = mapped_column(default=dict)
    address_zh: Mapped[str] = mapped_column(String(200), default="", server_default="")
    address_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    privacy: Mapped[dict[str, Any]] = mapped_column(default=dict)  # [privacy] (hall.privacy) as JSON (0017)


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("hall_id", "series"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    series: Mapped[str] = mapped_column(String(2))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    expected_service_minutes: Mapped[float] = mapped_column(Float, default=10.0)
    target_wait_minutes: Mapped[float] = mapped_column(Float, default=15.0)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    materials: Mapped[list[Any]] = mapped_column(default=list)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    fee: Mapped[str] = mapped_column(String(60), default="免费")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # An item the city's catalogue no longer lists: kept (tickets name it), offered no more (0018)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Window(Base):
    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | closed | paused
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")  # printed on 承诺件告知单
    changed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WindowCategory(Base):
    __tablename__ = "window_categories"
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    primary: Mapped[bool] = mapped_column(Boolean, default=True)


class Clerk(Base):
    __tablename__ = "clerks"
    __table_args__ = (UniqueConstraint("hall_id", "staff_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    staff_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    department: Mapped[str] = mapped_column(String(100), default="")
    photo: Mapped[str] = mapped_column(String(300), default="")
    skills: Mapped[list[Any]] = mapped_column(default=list)
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The roster (hall.roster): the clerk's own lunch turn ("11:30-12:30"; "" = the hall's lunch
    # hours), and the business day they signed off (签退) or were marked absent, with which.
    lunch: Mapped[str] = mapped_column(String(11), default="", server_default="")
    off_duty_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    off_duty_reason: Mapped[str] = mapped_column(String(16), default="", server_default="")


class ClerkPhoto(Base):
    """A clerk's 岗位公示 photo (checked by hall.photos); ``clerks.photo`` holds its tag, so clerk
    cards say when it changed. Kept out of the clerks table so reading clerks never loads images."""

    __tablename__ = "clerk_photos"
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    tag: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class Device(Base):
    """An enrolled kiosk, counter, display, pad or manager console: a role token, maybe a window."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # hall.devices: the device states the program last reported, and when it was last heard from.
    health: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ClerkSession(Base):
    """A clerk logged in at a window (A/B posts hand over by ending one session and starting the next)."""

    __tablename__ = "clerk_sessions"
    __table_args__ = (
        Index("one_clerk_per_window", "window_id", unique=True, **_partial("ended_at IS NULL")),
        Index("one_window_per_clerk", "clerk_id", unique=True, **_partial("ended_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    post: Mapped[str] = mapped_column(String(1), default="A")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    # The clerk's last request as far as the database knows (written at most every
    # db.auth.SEEN_WRITE_SECONDS): the session ends after the hall's clerk_idle_minutes without one.
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)


class LoginFailure(Base):
    """A failed clerk login, kept while it counts towards a lockout (hall.pins): a success
    deletes its staff number's and device's rows. The audit log keeps every failure for good."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("login_failures_by_staff", "hall_id", "staff_no", "failed_at"),
        Index("login_failures_by_device", "device_id", "failed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    staff_no: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    failed_at: Mapped[datetime]


class DayCounter(Base):
    __tablename__ = "day_counters"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    series: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """A booked slot. Citizens' own bookings (hall.booking, db.booking) start ``pending`` until
    the mobile number is verified, then hold a place in their slot (:class:`BookingSlot`) while
    ``booked``; a manager's (``add_appointment``) are ``booked`` at once and hold no place."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("hall_id", "code"),
        # 一天一业务一号: one live booking per mobile number, category and day, whatever the concurrency.
        Index(
            "one_booking_per_phone_day",
            "hall_id",
            "phone_hash",
            "category_id",
            "business_day",
            unique=True,
            **_partial("status = 'booked' AND phone_hash <> ''"),
        ),
        Index("bookings_by_phone", "hall_id", "phone_hash", "business_day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    item_code: Mapped[str] = mapped_column(String(32), default="")
    slot_at: Mapped[datetime]
    name_masked: Mapped[str] = mapped_column(String(60), default="")
    contact_masked: Mapped[str] = mapped_column(String(40), default="")
    channel: Mapped[str] = mapped_column(String(16), default="online")
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the ticket issued at check-in
    checked_in_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # 0014: citizens' bookings
    status: Mapped[str] = mapped_column(String(12), default="booked", server_default="booked")  # pending, booked, cancelled
    business_day: Mapped[date | None] = mapped_column(Date, nullable=True)  # the slot's local date
    slot_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    phone_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")  # keyed hash: never the number itself
    request_token: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)  # the pending request's key
    verify_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    verify_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    verify_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # 0016: the holder's ID card, as the hall's keyed hash only (hall.identity), when the booking carries one
    id_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class BookingSlot(Base):
    """Places taken in one slot of one category: raised only by a conditional UPDATE that checks
    it against the slot's capacity in the same statement, so no slot is ever overbooked."""

    __tablename__ = "booking_slots"
    __table_args__ = (UniqueConstraint("hall_id", "category_id", "slot_at", name="one_row_per_slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    slot_at: Mapped[datetime]
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("hall_id", "business_day", "series", "number", name="one_number_per_day"),
        Index("one_ticket_at_window", "window_id", unique=True, **_partial("status IN ('called', 'serving')")),
        # id breaks ties in queue order; business_day lets a count of the queue read the index alone (migration 0004).
        Index("queue_head", "hall_id", "category_id", "status", "priority", "queue_key", "id", "business_day"),
        Index("tickets_by_day", "hall_id", "business_day", "status"),
        # The few tickets transferred to a named window: call-next looks for them at every call,
        # and without this index read every waiting ticket of the day to find none.
        Index("tickets_transferred_to_window", "target_window_id", **_partial("target_window_id IS NOT NULL")),
        # The few waiting tickets with an appointment: call-next looks for a due one in each of the
        # window's categories at every call, and without this index read the category's whole queue.
        Index("tickets_due_appointments", "hall_id", "category_id", "appointment_at", **_partial(DUE_APPOINTMENT_WHERE)),
        Index("tickets_by_person", "hall_id", "id_hash", "category_id", "status", **_partial("id_hash <> ''")),  # 一人一号 (0016)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    business_day: Mapped[date] = mapped_column(Date)
    series: Mapped[str] = mapped_column(String(2))
    number: Mapped[int] = mapped_column(Integer)
    display_number: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    items: Mapped[list[Any]] = mapped_column(default=list)
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str] = mapped_column(String(20), default="", info=POSSIBLY_PERSONAL)
    source: Mapped[str] = mapped_column(String(16), default="kiosk")
    issued_by: Mapped[str] = mapped_column(String(100), default="")  # the guide desk or staff that took it (migration 0010)
    assist: Mapped[str] = mapped_column(String(8), default="")  # 代办 / 帮办 (hall.tickets.ASSIST_MODES), "" for none
    appointment_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    issued_at: Mapped[datetime]
    queue_key: Mapped[float] = mapped_column(Float)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    target_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="", info=POSSIBLY_PERSONAL)
    called_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    # 0016: 一人一号 — the holder's ID card as the hall's keyed hash and a masked form, never the number
    id_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    id_masked: Mapped[str] = mapped_column(String(18), default="", server_default="")


class Service(Base):
    """One window's handling of a ticket, from the call to its end (finish, transfer, no-show, park)."""

    __tablename__ = "services"
    __table_args__ = (
        Index("one_open_service_per_ticket", "ticket_id", unique=True, **_partial("ended_at IS NULL")),
        Index("services_by_window", "window_id", "ended_at"),
        Index("services_by_clerk", "clerk_id", "called_at"),  # reports filtered to one clerk
        Index("services_by_category", "category_id", "called_at"),  # reports filtered to one category
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"), nullable=True)
    called_by_clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"), nullable=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    item_code: Mapped[str] = mapped_column(String(32), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    waited_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # False for a call-back of a parked ticket: the time it was set aside is not a wait in the
    # queue, and reports leave it out of the waiting-time figures.
    queue_wait: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    called_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    end_reason: Mapped[str] = mapped_column(String(12), default="")  # finished|transferred|no_show|parked|expired
    outcome: Mapped[str] = mapped_column(String(12), default="")
    promised_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # 承诺件: the materials the clerk ticked as received (printed on the 告知单); None otherwise.
    materials_received: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="", info=POSSIBLY_PERSONAL)


class Rating(Base):
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), unique=True)  # 一次一评
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"), nullable=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    item_code: Mapped[str] = mapped_column(String(32), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str | None] = mapped_column(String(24), nullable=True)  # None = not rated
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="pad")
    created_at: Mapped[datetime]


class FollowUp(Base):
    """The 差评 follow-up: verify, fix, call the citizen back, record their view — by a deadline."""

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved | appealed
    notes: Mapped[str] = mapped_column(Text, default="", info=POSSIBLY_PERSONAL)
    citizen_view: Mapped[str] = mapped_column(String(200), default="", info=POSSIBLY_PERSONAL)
    # The citizen's number for 回访, given on the pad with consent; shown in full only to the
    # follow-up role, masked to everyone else.
    contact_phone: Mapped[str] = mapped_column(String(20), default="", server_default="", info=POSSIBLY_PERSONAL)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FollowUpCall(Base):
    """One call in a 差评回访: who called when, whether the citizen was reached, what they said,
    the rectification taken and the citizen's satisfaction after it."""

    __tablename__ = "followup_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"), index=True)
    called_at: Mapped[datetime]
    caller: Mapped[str] = mapped_column(String(100), default="")
    reached: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str] = mapped_column(String(500), default="", info=POSSIBLY_PERSONAL)
    rectification: Mapped[str] = mapped_column(String(500), default="")
    satisfaction: Mapped[str] = mapped_column(String(24), default="")  # a rating level after the fix, or "" (not asked)


class Pause(Base):
    __tablename__ = "pauses"
    __table_args__ = (Index("one_open_pause_per_window", "window_id", unique=True, **_partial("ended_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Event(Base):
    """Transactional outbox: written in the same transaction as the change it reports."""

    __tablename__ = "events"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]


# ---------------------------------------------------------------------------- report rollups
# Daily rollups behind the reports (db/reports/): a closed business day is reduced once to one row
# per (dimension, key); the raw rows stay the truth, and a day whose ratings change is rebuilt.


class ReportRollup(Base):
    """One closed business day's figures for one report row: additive counters and two histograms."""

    __tablename__ = "report_rollups"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    # dimension before day: one dimension's rows of a period are read together, the others never touched
    dimension: Mapped[str] = mapped_column(String(12), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    wait_histogram: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    service_histogram: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class ReportDay(Base):
    """A closed business day whose rollups are built: when, and the 'not rated' count they saw."""

    __tablename__ = "report_days"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime]
    pending_ratings: Mapped[int] = mapped_column(Integer, default=0)  # 'not rated' rows a default rating may replace


class ReportWatermark(Base):
    """Ratings created before this instant have been checked against the rollups of their days."""

    __tablename__ = "report_watermarks"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    ratings_checked_to: Mapped[datetime]


# Late ratings are found by creation time; 'not rated' rows awaiting a default through a partial index;
# a day's pauses by their start.
Index("ratings_by_created_at", Rating.hall_id, Rating.created_at)
Index("ratings_not_rated", Rating.hall_id, **_partial("level IS NULL"))
Index("pauses_by_start", Pause.hall_id, Pause.started_at)
Index("audit_by_time", AuditEntry.hall_id, AuditEntry.created_at)  # follow-up changes since the last rollup check


class CityLink(Base):
    """The hall's cursor on its event outbox as shipped to the city (server/city_link.py): the last
    seq the city acknowledged, as far as the hall knows. The city's own ack is the truth; this
    only spares a round trip on restart and shows the link's state on the hall's side."""

    __tablename__ = "city_link"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class BookingNoShow(Base):
    """A counted 爽约 (hall.no_shows): the number's keyed hash and the day, nothing else; kept only
    as long as the suspension rule can count it (db.retention), then deleted (0017)."""

    __tablename__ = "booking_no_shows"
    __table_args__ = (Index("no_shows_by_phone", "hall_id", "phone_hash", "business_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), unique=True)  # counted once
    phone_hash: Mapped[str] = mapped_column(String(64))
    business_day: Mapped[date] = mapped_column(Date)
    counted_at: Mapped[datetime]


class NotifyContact(Base):
    """A mobile number a citizen gave for messages (a booking's, or a ticket's at the kiosk).
    Kept as the hall's keyed hash and a masked form; the number in clear only until
    ``keep_until`` and no message of it is left to send (db.notifications erases it) (0017)."""

    __tablename__ = "notify_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str] = mapped_column(String(20))
    phone_clear: Mapped[str] = mapped_column(String(20), default="", info=POSSIBLY_PERSONAL)  # "" once erased
    keep_until: Mapped[datetime]
    created_at: Mapped[datetime]


class Notification(Base):
    """One text message in the outbox (hall.sms): written in the transaction of what causes it,
    sent later by server.notify outside any hall transaction (0017)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("hall_id", "dedupe_key", name="one_message_per_event"),
        Index("notifications_due", "status", "next_try_at"),
        Index("notifications_by_day", "hall_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    kind: Mapped[str] = mapped_column(String(24))
    contact_id: Mapped[int] = mapped_column(ForeignKey("notify_contacts.id"))
    phone_masked: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # hall.sms: pending, sent, failed, given_up, cancelled
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    next_try_at: Mapped[datetime]  # also the lease: a claimed message's next try is the lease's end
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CityDownlink(Base):
    """What the city sent down and the hall applied (server/city_downlink.py): per kind
    ("catalogue", "notices") the version running, when, its content, and the last poll's outcome."""

    __tablename__ = "city_downlink"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    applied_at: Mapped[datetime | None] = mapped_column(nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
