"""Citizens' bookings (预约) as transactions on hall.booking's rules: the catalogue, days and
slots with the places left, a booking request verified by a code sent to the mobile number,
and viewing, cancelling and moving a booking with its code and that number.

No slot is ever booked past its capacity: a place is taken by one statement,
``INSERT ... ON CONFLICT DO UPDATE SET booked = booked + 1 WHERE booked < :capacity RETURNING``,
on the slot's own row. On PostgreSQL a concurrent taker waits for that row's lock and then
re-checks the condition on the committed count (READ COMMITTED re-evaluates the WHERE on the new
row version); SQLite has one writer. So the count can never pass the capacity, in any number of
server processes, without a table lock or a retry loop. Releasing a place (cancel, move) is a
plain decrement on the same row.

The mobile number is kept only as a keyed hash (to find a citizen's bookings and apply the
limits) and a masked form; the number in clear lives only as long as it takes to send the code.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from db.models import Appointment, BookingSlot, Category, Hall, Item, WindowCategory
from db.no_shows import check_not_suspended
from db.notifications import add_contact, queue_booking
from db.security import mask_name, mask_phone
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.booking import (
    ONE_PER_DAY,
    SlotTime,
    bookable_days,
    booking_from_json,
    check_bookable,
    check_week_limit,
    day_slots,
    find_slot,
    new_booking_code,
    new_verify_code,
    normalize_booking_code,
    normalize_name,
    normalize_phone,
    normalize_verify_code,
    slot_capacity,
    week_of,
)
from hall.calendar import WEEKDAY_EN, WEEKDAY_ZH, hours_lines
from hall.config import BookingConfig, HoursConfig
from hall.text import HallRuleError

BOOKING_SLOTS: Table = BookingSlot.__table__  # type: ignore[assignment]
PENDING, BOOKED, CANCELLED = "pending", "booked", "cancelled"
MAX_PENDING_PER_PHONE = 3  # unexpired requests per number: one phone cannot be sent codes without end
PHONE_KEY = "_phone_key"  # in halls.booking: the key of the phone hashes (hall.booking ignores "_" keys)

NO_SUCH_BOOKING = HallRuleError(
    "no_booking", "找不到该预约：请核对预约码和手机号码", "no booking with this code and mobile number; check both", 404
)
SLOT_FULL = HallRuleError("slot_full", "该时段已约满，请选择其他时段", "this slot is fully booked; choose another", 409)


def _settings(hall: Hall) -> BookingConfig:
    return booking_from_json({k: v for k, v in (hall.booking or {}).items() if not k.startswith("_")})


def phone_hash(key: str, phone: str) -> str:
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


def verify_hash(token: str, code: str) -> str:
    return hashlib.sha256(f"{token}:{code}".encode()).hexdigest()


class BookingOps(StoreCore):
    """The public booking pages' operations; each is one read or one write transaction."""

    # ------------------------------------------------------------------ reads

    def booking_hall_id(self) -> int:
        """The hall a server's public booking pages serve: a hall server serves one hall."""
        with self.read() as session:
            hall_id = session.scalar(select(func.min(Hall.id)))
        if hall_id is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        return int(hall_id)

    def _hall_and_hours(self, session: Session, hall_id: int) -> tuple[Hall, HoursConfig, BookingConfig]:
        hall = session.get(Hall, hall_id)
        if hall is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        hours, _rules = self.settings(session, hall)
        return hall, hours, _settings(hall)

    @staticmethod
    def _hall_info(hall: Hall, hours: HoursConfig) -> dict[str, Any]:
        return {
            "name_zh": hall.name_zh,
            "name_en": hall.name_en,
            "address_zh": hall.address_zh,
            "address_en": hall.address_en,
            "complaint_phone": hall.complaint_phone,
            "hours": [line.as_dict() for line in hours_lines(hours)],
        }

    def booking_catalogue(self, hall_id: int) -> dict[str, Any]:
        """The hall and every bookable item, by category (what the first page lists)."""
        with self.read() as session:
            hall, hours, _booking = self._hall_and_hours(session, hall_id)
            categories = session.scalars(
                select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.id)
            ).all()
            items = session.scalars(select(Item).where(Item.hall_id == hall_id, Item.active).order_by(Item.sort_order, Item.id)).all()
            return {
                "hall": self._hall_info(hall, hours),
                "categories": [
                    {
                        "series": c.series,
                        "name_zh": c.name_zh,
                        "name_en": c.name_en,
                        "items": [self._item_info(i) for i in items if i.category_id == c.id],
                    }
                    for c in categories
                ],
            }

    @staticmethod
    def _item_info(item: Item) -> dict[str, Any]:
        return {
            "code": item.code,
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "materials": list(item.materials or []),
            "promised_days": item.promised_days,
            "fee": item.fee,
        }

    def _item(self, session: Session, hall_id: int, item_code: str) -> tuple[Item, Category]:
        if len(item_code) > 32:
            raise HallRuleError("bad_item", "事项编码不正确", "no such item", 404)
        item = session.scalar(select(Item).where(Item.hall_id == hall_id, Item.code == item_code))
        category = session.get(Category, item.category_id) if item is not None else None
        if item is None or not item.active or category is None or not category.active:  # retired by the city's catalogue
            raise HallRuleError("bad_item", "找不到该事项，请重新选择", "no such item; choose again", 404)
        return item, category

    @staticmethod
    def _serving_windows(session: Session, category_id: int) -> int:
        """Windows that list the category as primary (secondary ones serve it only when idle)."""
        return int(
            session.scalar(select(func.count()).where(WindowCategory.category_id == category_id, WindowCategory.primary.is_(True))) or 0
        )

    def _slot_table(
        self, session: Session, hall_id: int, category: Category, hours: HoursConfig, booking: BookingConfig, day: date
    ) -> list[tuple[SlotTime, int, int]]:
        """(slot, capacity, places taken) for every slot of ``day``."""
        slots = day_slots(hours, booking, day)
        if not slots:
            return []
        windows = self._serving_windows(session, category.id)
        taken = dict(
            session.execute(
                select(BookingSlot.slot_at, BookingSlot.booked).where(
                    BookingSlot.hall_id == hall_id,
                    BookingSlot.category_id == category.id,
                    BookingSlot.slot_at >= slots[0].start,
                    BookingSlot.slot_at <= slots[-1].start,
                )
            ).all()
        )
        return [
            (slot, slot_capacity(windows, category.expected_service_minutes, booking, category.series, slot), int(taken.get(slot.start, 0)))
            for slot in slots
        ]

    def booking_days(self, hall_id: int, item_code: str) -> dict[str, Any]:
        """The item, and the days bookings are open with the places left on each."""
        now = self.clock.now()
        with self.read() as session:
            hall, hours, booking = self._hall_and_hours(session, hall_id)
            item, category = self._item(session, hall_id, item_code)
            days = []
            for day in bookable_days(hours, booking, now):
                table = self._slot_table(session, hall_id, category, hours, booking, day)
                left = sum(max(capacity - taken, 0) for slot, capacity, taken in table if slot.start > now)
                days.append({"date": day.isoformat(), **_weekday(day), "left": left})
            return {"hall": self._hall_info(hall, hours), "item": self._item_info(item), "category": _category_info(category), "days": days}

    def booking_slots(self, hall_id: int, item_code: str, day: date) -> dict[str, Any]:
        """The slots of ``day`` for the item, each with its places left (0 once started or full)."""
        now = self.clock.now()
        with self.read() as session:
            hall, hours, booking = self._hall_and_hours(session, hall_id)
            item, category = self._item(session, hall_id, item_code)
            if day not in bookable_days(hours, booking, now):
                raise HallRuleError("day_not_bookable", "该日期不可预约，请选择其他日期", "that day takes no bookings; choose another", 409)
            slots = [
                {
                    "start": f"{slot.start:%H:%M}",
                    "label": slot.label,
                    "capacity": capacity,
                    "left": max(capacity - taken, 0) if slot.start > now else 0,
                    "passed": slot.start <= now,
                    "bookings_only": slot.bookings_only,
                }
                for slot, capacity, taken in self._slot_table(session, hall_id, category, hours, booking, day)
            ]
            return {
                "hall": self._hall_info(hall, hours),
                "item": self._item_info(item),
                "category": _category_info(category),
                "date": day.isoformat(),
                **_weekday(day),
                "slots": slots,
            }

    def find_booking(self, hall_id: int, code_text: str, phone_text: str) -> dict[str, Any]:
        """A booking by its code and the mobile number it was made with (a wrong one of the two
        answers the same as an unknown code: the page tells nothing to someone guessing)."""
        code, phone = normalize_booking_code(code_text), normalize_phone(phone_text)
        with self.read() as session:
            hall, hours, _booking = self._hall_and_hours(session, hall_id)
            row = self._own_booking(session, hall, code, phone)
            return self._booking_view(session, hall, hours, row)

    # ------------------------------------------------------------------ writes

    def request_booking(self, hall_id: int, item_code: str, day: date, start: str, name_text: str, phone_text: str) -> dict[str, Any]:
        """A booking request: checked, then kept ``pending`` with a fresh verification code. The
        result carries the code and the number for the :class:`VerificationSender`; the caller
        sends them and shows the citizen only the request token."""
        name, phone = normalize_name(name_text), normalize_phone(phone_text)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            hall = uow.hall
            booking = _settings(hall)
            item, category = self._item(uow.session, hall_id, item_code)
            slot = find_slot(uow.hours, booking, day, start)
            check_bookable(uow.hours, booking, slot, uow.now)
            hashed = phone_hash(self._phone_key(uow), phone)
            check_not_suspended(uow.session, hall_id, booking, hashed, uow.today)  # 爽约 (db.no_shows)
            self._check_limits(uow, booking, hashed, category.id, day, exclude_id=None)
            capacity, taken = self._places(uow, category, booking, slot)
            if taken >= capacity:
                raise SLOT_FULL
            pending = uow.session.scalar(
                select(func.count()).where(
                    Appointment.hall_id == hall_id,
                    Appointment.phone_hash == hashed,
                    Appointment.status == PENDING,
                    Appointment.verify_expires_at > uow.now,
                )
            )
            if (pending or 0) >= MAX_PENDING_PER_PHONE:
                raise HallRuleError(
                    "too_many_requests",
                    "该手机号已有多个待验证的预约，请先完成验证或稍后再试",
                    "this number has several bookings waiting for their code; finish one or try later",
                    429,
                    retry_after=60,
                )
            token, code = secrets.token_urlsafe(18), new_verify_code()
            row = self._new_booking(uow, category, item, slot, name, phone, hashed, channel="online", status=PENDING)
            row.request_token, row.verify_hash = token, verify_hash(token, code)
            row.verify_expires_at = uow.now + timedelta(minutes=booking.verify_minutes)
            uow.session.add(row)
            uow.session.flush()
            # The number for the booking's messages (db.notifications): kept in clear only until the code expires unless verified.
            add_contact(uow, phone, hashed, row.verify_expires_at or uow.now, appointment_id=row.id)
            return {"request": token, "phone": phone, "verify_code": code, "minutes": booking.verify_minutes}

        return self.write(hall_id, work)

    def verify_booking(self, hall_id: int, request: str, code_text: str) -> dict[str, Any]:
        """The verification code typed: the booking takes its place and counts from now. A wrong
        code is counted (and the request void after too many); an expired one says so."""
        code = normalize_verify_code(code_text)
        if not (8 <= len(request) <= 32):
            raise HallRuleError("bad_request_token", "预约请求无效，请重新预约", "the booking request is not valid; book again", 404)

        def work(uow: UnitOfWork) -> dict[str, Any] | HallRuleError:
            row = uow.session.scalar(
                select(Appointment).where(Appointment.hall_id == hall_id, Appointment.request_token == request).with_for_update()
            )
            if row is None or row.status == CANCELLED:
                raise HallRuleError("bad_request_token", "预约请求无效，请重新预约", "the booking request is not valid; book again", 404)
            hall = uow.hall
            if row.status == BOOKED:  # the same form sent twice (a reload): the booking as made
                return self._booking_view(uow.session, hall, uow.hours, row)
            booking = _settings(hall)
            if row.verify_expires_at is None or row.verify_expires_at <= uow.now:
                raise HallRuleError("code_expired", "验证码已过期，请重新预约", "the verification code has expired; book again", 410)
            if row.verify_failures >= booking.verify_attempts:
                raise HallRuleError("code_locked", "验证码错误次数过多，请重新预约", "too many wrong codes; book again", 410)
            if not hmac.compare_digest(row.verify_hash, verify_hash(request, code)):
                row.verify_failures += 1
                left = booking.verify_attempts - row.verify_failures
                # Returned, not raised: the count of failures must be committed.
                return HallRuleError(
                    "wrong_code",
                    f"验证码不正确，还可再试 {left} 次" if left else "验证码错误次数过多，请重新预约",
                    f"wrong verification code; {left} tries left" if left else "too many wrong codes; book again",
                    422,
                )
            self._lock_hall(uow)
            category = uow.session.get(Category, row.category_id)
            assert category is not None and row.business_day is not None
            slot = find_slot(uow.hours, booking, row.business_day, f"{row.slot_at.astimezone(uow.hours.zone):%H%M}")
            check_bookable(uow.hours, booking, slot, uow.now)
            self._check_limits(uow, booking, row.phone_hash, row.category_id, row.business_day, exclude_id=row.id)
            self._take_place(uow, category, booking, slot)
            row.status, row.verify_hash, row.verify_expires_at = BOOKED, "", None
            uow.session.flush()
            # No code, name or phone in the event: the stream reaches displays.
            uow.emit("appointment_added", series=category.series, slot_at=row.slot_at.isoformat(), channel="online")
            view = self._booking_view(uow.session, hall, uow.hours, row)
            queue_booking(uow, row, view, "confirmed")
            return view

        result = self.write(hall_id, work)
        if isinstance(result, HallRuleError):
            raise result
        return result

    def cancel_booking(self, hall_id: int, code_text: str, phone_text: str) -> dict[str, Any]:
        code, phone = normalize_booking_code(code_text), normalize_phone(phone_text)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = self._own_booking(uow.session, uow.hall, code, phone, lock=True)
            if row.status == BOOKED:
                if row.ticket_id is not None:
                    raise HallRuleError("already_checked_in", "该预约已取号，不能取消", "this booking has been checked in", 409)
                self._release_place(uow, row.category_id, row.slot_at)
                row.status, row.cancelled_at = CANCELLED, uow.now
                category = uow.session.get(Category, row.category_id)
                uow.emit("appointment_cancelled", series=category.series if category else "", slot_at=row.slot_at.isoformat())
                view = self._booking_view(uow.session, uow.hall, uow.hours, row)
                queue_booking(uow, row, view, "cancelled")
                return view
            return self._booking_view(uow.session, uow.hall, uow.hours, row)

        return self.write(hall_id, work)

    def move_booking(self, hall_id: int, code_text: str, phone_text: str, day: date, start: str) -> dict[str, Any]:
        """To another slot of the same item: the new place is taken before the old one is given
        back, in one transaction, so a move never loses the booking."""
        code, phone = normalize_booking_code(code_text), normalize_phone(phone_text)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            hall = uow.hall
            booking = _settings(hall)
            row = self._own_booking(uow.session, hall, code, phone, lock=True)
            if row.status != BOOKED:
                raise HallRuleError("booking_cancelled", "该预约已取消，请重新预约", "this booking was cancelled; book again", 409)
            if row.ticket_id is not None:
                raise HallRuleError("already_checked_in", "该预约已取号，不能改约", "this booking has been checked in", 409)
            slot = find_slot(uow.hours, booking, day, start)
            if slot.start == row.slot_at:
                return self._booking_view(uow.session, hall, uow.hours, row)
            check_bookable(uow.hours, booking, slot, uow.now)
            self._lock_hall(uow)
            self._check_limits(uow, booking, row.phone_hash, row.category_id, day, exclude_id=row.id)
            category = uow.session.get(Category, row.category_id)
            assert category is not None
            self._take_place(uow, category, booking, slot)
            self._release_place(uow, row.category_id, row.slot_at)
            row.slot_at, row.business_day = slot.start, day
            row.slot_minutes = int((slot.end - slot.start).total_seconds() // 60)
            uow.session.flush()
            uow.emit("appointment_moved", series=category.series, slot_at=row.slot_at.isoformat())
            view = self._booking_view(uow.session, hall, uow.hours, row)
            queue_booking(uow, row, view, "moved")
            return view

        return self.write(hall_id, work)

    # ------------------------------------------------------------------ helpers

    def _phone_key(self, uow: UnitOfWork) -> str:
        """The hall's key for phone hashes, made on first use. (The privacy work of issue 17
        point 5 may move it out of the database; the hashes then need re-keying.)"""
        hall = uow.hall
        key = (hall.booking or {}).get(PHONE_KEY)
        if not key:
            # Under the hall row's lock and read again: two first requests at once must not both
            # make a key (the loser's hashes would match nothing).
            uow.session.refresh(hall, with_for_update=True)
            key = (hall.booking or {}).get(PHONE_KEY)
        if not key:
            key = secrets.token_hex(32)
            hall.booking = {**(hall.booking or {}), PHONE_KEY: key}
            uow.session.flush()
            self.forget_settings(hall.id)
        return str(key)

    def _new_booking(
        self, uow: UnitOfWork, category: Category, item: Item, slot: SlotTime, name: str, phone: str, hashed: str, channel: str, status: str
    ) -> Appointment:
        """A booking row with only the masked name and number (and the number's keyed hash)."""
        return Appointment(
            hall_id=uow.hall_id,
            code=self._unused_code(uow),
            category_id=category.id,
            item_code=item.code,
            slot_at=slot.start,
            slot_minutes=int((slot.end - slot.start).total_seconds() // 60),
            business_day=slot.start.date(),
            name_masked=mask_name(name),
            contact_masked=mask_phone(phone),
            channel=channel,
            status=status,
            phone_hash=hashed,
            created_at=uow.now,
        )

    def _own_booking(self, session: Session, hall: Hall, code: str, phone: str, lock: bool = False) -> Appointment:
        key = (hall.booking or {}).get(PHONE_KEY)
        query = select(Appointment).where(Appointment.hall_id == hall.id, Appointment.code == code, Appointment.status != PENDING)
        row = session.scalar(query.with_for_update() if lock else query)
        if row is None or not key or not hmac.compare_digest(row.phone_hash, phone_hash(str(key), phone)):
            raise NO_SUCH_BOOKING
        return row

    def _unused_code(self, uow: UnitOfWork) -> str:
        while True:  # 31**10 codes: a clash is all but impossible, but cheap to rule out
            code = new_booking_code()
            if uow.session.scalar(select(Appointment.id).where(Appointment.hall_id == uow.hall_id, Appointment.code == code)) is None:
                return code

    def _lock_hall(self, uow: UnitOfWork) -> None:
        """On PostgreSQL, bookings of a hall that check a citizen's weekly count take the hall row
        first, so two requests of one number cannot both pass the count (SQLite has one writer).
        Every write takes this row at its end anyway (the event seq); this only takes it earlier."""
        if uow.connection.dialect.name == "postgresql":
            uow.connection.execute(select(Hall.id).where(Hall.id == uow.hall_id).with_for_update())

    def _check_limits(
        self, uow: UnitOfWork, booking: BookingConfig, hashed: str, category_id: int, day: date, exclude_id: int | None
    ) -> None:
        monday, sunday = week_of(day)
        rows = uow.session.execute(
            select(Appointment.id, Appointment.category_id, Appointment.business_day).where(
                Appointment.hall_id == uow.hall_id,
                Appointment.phone_hash == hashed,
                Appointment.status == BOOKED,
                Appointment.ticket_id.is_(None),
                Appointment.business_day >= monday,
                Appointment.business_day <= sunday,
            )
        ).all()
        others = [r for r in rows if r.id != exclude_id]
        if any(r.category_id == category_id and r.business_day == day for r in others):
            raise ONE_PER_DAY
        check_week_limit(len(others), booking)

    def _places(self, uow: UnitOfWork, category: Category, booking: BookingConfig, slot: SlotTime) -> tuple[int, int]:
        capacity = slot_capacity(
            self._serving_windows(uow.session, category.id), category.expected_service_minutes, booking, category.series, slot
        )
        taken = uow.session.scalar(
            select(BookingSlot.booked).where(
                BookingSlot.hall_id == uow.hall_id, BookingSlot.category_id == category.id, BookingSlot.slot_at == slot.start
            )
        )
        return capacity, int(taken or 0)

    def _take_place(self, uow: UnitOfWork, category: Category, booking: BookingConfig, slot: SlotTime) -> None:
        capacity, _taken = self._places(uow, category, booking, slot)
        if capacity <= 0:
            raise SLOT_FULL
        params = {"hall_id": uow.hall_id, "category_id": category.id, "slot_at": slot.start, "capacity": capacity}
        if uow.connection.execute(self._take_place_sql, params).first() is None:
            raise SLOT_FULL

    @functools.cached_property
    def _take_place_sql(self) -> Any:
        """The place taken, or no row when the slot is full: one atomic statement (module note)."""
        return text(
            "INSERT INTO booking_slots (hall_id, category_id, slot_at, booked) VALUES (:hall_id, :category_id, :slot_at, 1) "
            "ON CONFLICT (hall_id, category_id, slot_at) DO UPDATE SET booked = booking_slots.booked + 1 "
            "WHERE booking_slots.booked < :capacity RETURNING booked"
        ).bindparams(
            bindparam("hall_id", type_=BOOKING_SLOTS.c.hall_id.type),
            bindparam("category_id", type_=BOOKING_SLOTS.c.category_id.type),
            bindparam("slot_at", type_=BOOKING_SLOTS.c.slot_at.type),
            bindparam("capacity", type_=BOOKING_SLOTS.c.booked.type),
        )

    def _release_place(self, uow: UnitOfWork, category_id: int, slot_at: datetime) -> None:
        uow.connection.execute(
            BOOKING_SLOTS.update()
            .where(
                BOOKING_SLOTS.c.hall_id == uow.hall_id,
                BOOKING_SLOTS.c.category_id == category_id,
                BOOKING_SLOTS.c.slot_at == slot_at,
                BOOKING_SLOTS.c.booked > 0,
            )
            .values(booked=BOOKING_SLOTS.c.booked - 1)
        )

    def _booking_view(self, session: Session, hall: Hall, hours: HoursConfig, row: Appointment) -> dict[str, Any]:
        """What the confirmation, view and cancel pages show: no phone or name beyond their masks."""
        category = session.get(Category, row.category_id)
        item = session.scalar(select(Item).where(Item.hall_id == hall.id, Item.code == row.item_code)) if row.item_code else None
        start = row.slot_at.astimezone(hours.zone)
        end = start + timedelta(minutes=row.slot_minutes or 0)
        return {
            "code": row.code,
            "status": "checked_in" if row.ticket_id is not None else row.status,
            "date": start.date().isoformat(),
            **_weekday(start.date()),
            "slot": f"{start:%H:%M}-{end:%H:%M}" if row.slot_minutes else f"{start:%H:%M}",
            "slot_start": f"{start:%H:%M}",
            "name": row.name_masked,
            "phone": row.contact_masked,
            "item": self._item_info(item) if item is not None else None,
            "category": _category_info(category) if category is not None else None,
            "hall": self._hall_info(hall, hours),
        }


def _category_info(category: Category) -> dict[str, Any]:
    return {"series": category.series, "name_zh": category.name_zh, "name_en": category.name_en}


def _weekday(day: date) -> dict[str, str]:
    return {"weekday_zh": f"周{WEEKDAY_ZH[day.weekday()]}", "weekday_en": WEEKDAY_EN[day.weekday()]}
