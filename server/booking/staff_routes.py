"""The manager's 预约 API (``/api/bookings/...``): the bookings calendar, a day's bookings (JSON
and CSV, names and numbers masked), the settings the 预约 tab shows, the item and slot lists the
电话预约 form offers, the phone booking itself and the daily housekeeping on demand.

Every route takes the manager role only: a kiosk, clerk, pad or display token is refused (403).
The settings are edited through the config API (``PUT /api/config/hall``), not here.
"""

# No "from __future__ import annotations": FastAPI must see the real dependency objects.
import csv
import io
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from db.booking_staff import MAX_CALENDAR_DAYS, BookingStaffOps
from db.common import Actor
from hall.booking import parse_day

DayText = Annotated[str, Query(min_length=10, max_length=10)]
CSV_HEADER = ["预约码 Code", "业务 Series", "事项 Item", "时段 Slot", "状态 Status", "渠道 Channel", "姓名 Name", "手机 Phone"]


class PhoneBookingRequest(BaseModel):
    """电话预约: the same fields a citizen fills in on /b (checked by hall.booking)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    item: Annotated[str, Field(min_length=1, max_length=32)]
    day: Annotated[str, Field(min_length=10, max_length=10)]
    start: Annotated[str, Field(min_length=4, max_length=5)]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(min_length=1, max_length=40)]


def staff_booking_router(ops: BookingStaffOps, manager: Callable[..., Any]) -> APIRouter:
    router = APIRouter()
    Manager = Annotated[Actor, Depends(manager)]

    @router.get("/api/bookings/calendar")
    def calendar(actor: Manager, start: DayText, days: Annotated[int, Query(ge=1, le=MAX_CALENDAR_DAYS)] = 7) -> dict[str, Any]:
        return ops.calendar(actor.hall_id, parse_day(start), days)

    @router.get("/api/bookings/day")
    def day_bookings(actor: Manager, day: DayText) -> list[dict[str, Any]]:
        return ops.day_bookings(actor.hall_id, parse_day(day))

    @router.get("/api/bookings/day.csv")
    def day_bookings_csv(actor: Manager, day: DayText) -> Response:
        wanted = parse_day(day)
        rows = ops.day_bookings(actor.hall_id, wanted)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow([r["code"], r["series"], r["item"], r["slot"], r["status"], r["channel"], r["name"], r["phone"]])
        headers = {"Content-Disposition": f'attachment; filename="bookings-{wanted.isoformat()}.csv"'}
        return Response(buffer.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)

    @router.get("/api/bookings/settings")
    def settings(actor: Manager) -> dict[str, Any]:
        return ops.settings(actor.hall_id)

    @router.get("/api/bookings/items")
    def items(actor: Manager) -> dict[str, Any]:
        return ops.store.booking_catalogue(actor.hall_id)

    @router.get("/api/bookings/days")
    def days(actor: Manager, item: Annotated[str, Query(min_length=1, max_length=32)]) -> dict[str, Any]:
        return ops.store.booking_days(actor.hall_id, item)

    @router.get("/api/bookings/slots")
    def slots(actor: Manager, item: Annotated[str, Query(min_length=1, max_length=32)], day: DayText) -> dict[str, Any]:
        return ops.store.booking_slots(actor.hall_id, item, parse_day(day))

    @router.post("/api/bookings/phone", status_code=201)
    async def phone_booking(body: PhoneBookingRequest, actor: Manager) -> dict[str, Any]:
        return await run_in_threadpool(ops.phone_booking, actor, body.item, parse_day(body.day), body.start, body.name, body.phone)

    @router.post("/api/bookings/housekeeping")
    async def housekeeping(actor: Manager) -> dict[str, Any]:
        return await run_in_threadpool(ops.housekeeping, actor)

    return router

