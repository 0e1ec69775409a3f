"""The manager's side of 预约: the bookings calendar, a day's bookings (masked), the 电话预约 form
(a booking taken for a citizen who phones in) and the daily housekeeping run on demand.

Beside the store (like db.photos) rather than mixed into it. A phone booking goes through the
same rules as a citizen's own (slot capacity, 一天一业务一号, the weekly limit, a 爽约
suspension) and takes its place with the same atomic statement; only the SMS verification is
skipped, since the citizen is on the line with a member of staff. It is audited as made by that
manager, with the number masked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from db.booking import BOOKED, phone_hash
from db.common import Actor
from db.hall_store import HallStore
from db.models import Appointment, AuditEntry, Category
from db.no_shows import NO_SHOW, check_not_suspended, count_no_shows, hall_booking
from db.notifications import add_contact, queue_booking
from db.retention import erase_personal_data
from db.unit_of_work import UnitOfWork
from hall.booking import check_bookable, day_slots, find_slot, normalize_name, normalize_phone
from hall.calendar import WEEKDAY_EN, WEEKDAY_ZH
from hall.privacy import privacy_from_json
from hall.text import HallRuleError

MAX_CALENDAR_DAYS = 31
PHONE_CHANNEL = "phone"


class BookingStaffOps:
    def __init__(self, store: HallStore) -> None:
        self.store = store

    # ------------------------------------------------------------------ reads

    def calendar(self, hall_id: int, start: date, days: int) -> dict[str, Any]:
        """Per day, slot and category: places booked / capacity, fill rate, checked in, no-shows."""
        if not 1 <= days <= MAX_CALENDAR_DAYS:
            raise HallRuleError("bad_days", f"天数应为 1 到 {MAX_CALENDAR_DAYS}", f"days must be 1 to {MAX_CALENDAR_DAYS}", 422)
        store = self.store
        with store.read() as session:
            hall, hours, booking = store._hall_and_hours(session, hall_id)
            categories = session.scalars(
                select(Category).where(Category.hall_id == hall_id, Category.active).order_by(Category.sort_order, Category.id)
            ).all()
            end = start + timedelta(days=days)
            counts: dict[tuple[int, Any], dict[str, int]] = defaultdict(lambda: {"booked": 0, "checked_in": 0, "no_show": 0})
            rows = session.execute(
                select(Appointment.category_id, Appointment.slot_at, Appointment.status, Appointment.ticket_id.is_not(None), func.count())
                .where(
                    Appointment.hall_id == hall_id,
                    Appointment.business_day >= start,
                    Appointment.business_day < end,
                    Appointment.status.in_((BOOKED, NO_SHOW)),
                )
                .group_by(Appointment.category_id, Appointment.slot_at, Appointment.status, Appointment.ticket_id.is_not(None))
            ).all()
            for category_id, slot_at, status, checked_in, n in rows:
                cell = counts[(category_id, slot_at)]
                cell["booked"] += n
                if checked_in:
                    cell["checked_in"] += n
                if status == NO_SHOW:
                    cell["no_show"] += n
            out_days = []
            for offset in range(days):
                day = start + timedelta(days=offset)
                slots_by_category = {c.id: store._slot_table(session, hall_id, c, hours, booking, day) for c in categories}
                slot_rows = []
                for slot in day_slots(hours, booking, day):
                    cells = []
                    for c in categories:
                        capacity = next((cap for s, cap, _t in slots_by_category[c.id] if s.start == slot.start), 0)
                        cell = counts.get((c.id, slot.start), {"booked": 0, "checked_in": 0, "no_show": 0})
                        cells.append({"series": c.series, "capacity": capacity, **cell, "fill": _fill(cell["booked"], capacity)})
                    slot_rows.append(
                        {"start": f"{slot.start:%H:%M}", "label": slot.label, "bookings_only": slot.bookings_only, "cells": cells}
                    )
                total_booked = sum(cell["booked"] for s in slot_rows for cell in s["cells"])
                total_capacity = sum(cell["capacity"] for s in slot_rows for cell in s["cells"])
                out_days.append(
                    {
                        "date": day.isoformat(),
                        "weekday_zh": f"周{WEEKDAY_ZH[day.weekday()]}",
                        "weekday_en": WEEKDAY_EN[day.weekday()],
                        "slots": slot_rows,
                        "booked": total_booked,
                        "capacity": total_capacity,
                        "fill": _fill(total_booked, total_capacity),
                        "checked_in": sum(cell["checked_in"] for s in slot_rows for cell in s["cells"]),
                        "no_show": sum(cell["no_show"] for s in slot_rows for cell in s["cells"]),
                    }
                )
            return {
                "hall": hall.name_zh,
                "categories": [{"series": c.series, "name_zh": c.name_zh, "name_en": c.name_en} for c in categories],
                "days": out_days,
            }

    def day_bookings(self, hall_id: int, day: date) -> list[dict[str, Any]]:
        """A day's bookings for the manager: the masked name and number only (never the number)."""
        store = self.store
        with store.read() as session:
            _hall, hours, _booking = store._hall_and_hours(session, hall_id)
            series = dict(session.execute(select(Category.id, Category.series).where(Category.hall_id == hall_id)).all())
            rows = session.scalars(
                select(Appointment)
                .where(Appointment.hall_id == hall_id, Appointment.business_day == day, Appointment.status != "pending")
                .order_by(Appointment.slot_at, Appointment.id)
            ).all()
            return [
                {
                    "code": r.code,
                    "series": series.get(r.category_id, ""),
                    "item": r.item_code,
                    "slot": f"{r.slot_at.astimezone(hours.zone):%H:%M}",
                    "status": "checked_in" if r.ticket_id is not None else r.status,
                    "channel": r.channel,
                    "name": r.name_masked,
                    "phone": r.contact_masked,
                }
                for r in rows
            ]

    def settings(self, hall_id: int) -> dict[str, Any]:
        """The capacity, no-show and privacy settings, and the holiday calendar (调休 included)."""
        store = self.store
        with store.read() as session:
            hall, hours, booking = store._hall_and_hours(session, hall_id)
            return {
                "booking": booking.as_json(),
                "privacy": privacy_from_json(hall.privacy).as_json(),
                "closed_dates": list(hours.closed_dates),
                "extra_workdays": list(hours.extra_workdays),
            }

    # ------------------------------------------------------------------ writes

    def phone_booking(self, actor: Actor, item_code: str, day: date, start: str, name_text: str, phone_text: str) -> dict[str, Any]:
        """电话预约: booked at once for the citizen on the line (module note)."""
        name, phone = normalize_name(name_text), normalize_phone(phone_text)
        store = self.store

        def work(uow: UnitOfWork) -> dict[str, Any]:
            booking = hall_booking(uow.hall)
            item, category = store._item(uow.session, uow.hall_id, item_code)
            slot = find_slot(uow.hours, booking, day, start)
            check_bookable(uow.hours, booking, slot, uow.now)
            hashed = phone_hash(store._phone_key(uow), phone)
            check_not_suspended(uow.session, uow.hall_id, booking, hashed, uow.today)
            store._lock_hall(uow)
            store._check_limits(uow, booking, hashed, category.id, day, exclude_id=None)
            store._take_place(uow, category, booking, slot)
            row = store._new_booking(uow, category, item, slot, name, phone, hashed, channel=PHONE_CHANNEL, status=BOOKED)
            uow.session.add(row)
            uow.session.flush()
            detail = {"code": row.code, "item": item.code, "slot": f"{day.isoformat()} {slot.label}", "phone": row.contact_masked}
            uow.session.add(AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="phone_booking", detail=detail, created_at=uow.now))
            uow.emit("appointment_added", series=category.series, slot_at=row.slot_at.isoformat(), channel=PHONE_CHANNEL)
            view = store._booking_view(uow.session, uow.hall, uow.hours, row)
            add_contact(uow, phone, hashed, uow.now, appointment_id=row.id)  # 短信: confirmation and reminders
            queue_booking(uow, row, view, "confirmed")
            return view

        return store.write(actor.hall_id, work)

    def housekeeping(self, actor: Actor) -> dict[str, Any]:
        """The daily run now (the rollover runs it anyway): no-shows counted, personal data erased."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            return {"no_shows": count_no_shows(uow), "erased": erase_personal_data(uow)}

        return self.store.write(actor.hall_id, work)


def _fill(booked: int, capacity: int) -> float:
    return round(booked / capacity, 3) if capacity else 0.0
