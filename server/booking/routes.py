"""The booking pages' routes (``/b``): GET pages to choose item, day and slot; POST forms for the
details, the verification code, finding, cancelling and moving a booking. The mobile number
only ever travels in POST bodies, never in a URL.

Every refusal is an HTML page with the bilingual message and the right status; nothing is
changed by a refused request (the store's transactions roll back). Forms are parsed here, from
``application/x-www-form-urlencoded`` bodies the middleware has already capped in size.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from db.booking import BookingOps
from db.security import mask_phone
from hall.booking import parse_day
from hall.text import HallRuleError
from server.booking import pages
from server.booking.verification import VerificationSender

MAX_FIELDS = 12
FORM_FIELD_CHARS = 200  # longer values are refused before any lookup (a name has 20 characters at most)


def booking_headers(nonce: str) -> dict[str, str]:
    """As the phone page's, but forms may post back to this server."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def language(value: str | None) -> str:
    return "en" if value == "en" else "zh"


BAD_FORM = HallRuleError("bad_form", "提交的内容无法识别，请返回重新填写", "the form could not be read; go back and fill it in again", 400)


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (first value of each); a body that is not a form is a bilingual 400."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BAD_FORM from None
    form = {key: values[0] for key, values in fields.items() if values}
    if any(len(value) > FORM_FIELD_CHARS for value in form.values()):
        raise HallRuleError("field_too_long", "填写的内容过长，请检查", "a field is far too long; check what you entered", 422)
    return form


def booking_router(store: BookingOps, sender: VerificationSender) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def html(content: str, nonce: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(content, status_code=status, headers=booking_headers(nonce))

    def refused(lang: str, nonce: str, error: HallRuleError) -> HTMLResponse:
        return html(pages.error_page(lang, nonce, error.message.zh, error.message.en), nonce, error.status)

    def hall_id() -> int:
        return store.booking_hall_id()

    async def guarded(lang: str, nonce: str, render: Callable[[], str]) -> HTMLResponse:
        """A page, or the error page for a rule the store or the input checks refuse."""
        try:
            return html(await run_in_threadpool(render), nonce)
        except HallRuleError as error:
            return refused(lang, nonce, error)

    @router.get("/b", response_class=HTMLResponse)
    async def catalogue(lang: str | None = None) -> HTMLResponse:
        nonce, lang = secrets.token_urlsafe(18), language(lang)
        return await guarded(lang, nonce, lambda: pages.catalogue_page(lang, nonce, store.booking_catalogue(hall_id())))

    @router.get("/b/i/{item}", response_class=HTMLResponse)
    async def days(item: str, lang: str | None = None) -> HTMLResponse:
        nonce, lang = secrets.token_urlsafe(18), language(lang)
        return await guarded(lang, nonce, lambda: pages.days_page(lang, nonce, store.booking_days(hall_id(), item[:40])))

    @router.get("/b/i/{item}/{day}", response_class=HTMLResponse)
    async def slots(item: str, day: str, lang: str | None = None) -> HTMLResponse:
        nonce, lang = secrets.token_urlsafe(18), language(lang)
        return await guarded(lang, nonce, lambda: pages.slots_page(lang, nonce, store.booking_slots(hall_id(), item[:40], parse_day(day))))

    def slot_and_data(item: str, day: date, start: str) -> tuple[dict[str, Any], dict[str, Any]]:
        data = store.booking_slots(hall_id(), item[:40], day)
        wanted = start.replace(":", "")[:5]
        slot = next((s for s in data["slots"] if s["start"].replace(":", "") == wanted), None)
        if slot is None:
            raise HallRuleError("no_such_slot", "该时段不可预约，请重新选择", "no bookable slot at that time; choose again", 404)
        if slot["left"] <= 0:
            raise HallRuleError("slot_full", "该时段已约满，请选择其他时段", "this slot is fully booked; choose another", 409)
        return data, slot

    @router.get("/b/i/{item}/{day}/{start}", response_class=HTMLResponse)
    async def details(item: str, day: str, start: str, lang: str | None = None) -> HTMLResponse:
        nonce, lang = secrets.token_urlsafe(18), language(lang)

        def render() -> str:
            data, slot = slot_and_data(item, parse_day(day), start)
            return pages.details_page(lang, nonce, data, slot)

        return await guarded(lang, nonce, render)

    @router.post("/b/request", response_class=HTMLResponse)
    async def request_booking(request: Request) -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        try:
            form = await read_form(request)
        except HallRuleError as error:
            return refused("zh", nonce, error)
        lang = language(form.get("lang"))
        item, day_text, start = form.get("item", ""), form.get("day", ""), form.get("start", "")
        name, phone = form.get("name", ""), form.get("phone", "")

        def work() -> HTMLResponse:
            day = parse_day(day_text)
            try:
                made = store.request_booking(hall_id(), item, day, start, name, phone)
            except HallRuleError as error:
                if error.code in ("bad_name", "bad_phone", "one_per_day", "week_limit", "too_many_requests"):
                    # the same form again, with the message: the citizen corrects and resends
                    data, slot = slot_and_data(item, day, start)
                    safe_name = name if len(name) <= 20 else ""
                    page = pages.details_page(lang, nonce, data, slot, (error.message.zh, error.message.en), safe_name)
                    return html(page, nonce, error.status)
                raise
            try:
                sender.send(made["phone"], made["verify_code"], made["minutes"])
            except Exception:  # a gateway failure: the request stays unverified and expires
                raise HallRuleError(
                    "send_failed", "验证码发送失败，请稍后重试", "the verification code could not be sent; try again shortly", 503
                ) from None
            hall = store.booking_catalogue(hall_id())["hall"]
            return html(pages.verify_page(lang, nonce, made["request"], mask_phone(made["phone"]), made["minutes"], hall), nonce)

        try:
            return await run_in_threadpool(work)
        except HallRuleError as error:
            return refused(lang, nonce, error)

    @router.post("/b/verify", response_class=HTMLResponse)
    async def verify(request: Request) -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        try:
            form = await read_form(request)
        except HallRuleError as error:
            return refused("zh", nonce, error)
        lang = language(form.get("lang"))
        token, code = form.get("request", ""), form.get("code", "")

        def work() -> HTMLResponse:
            try:
                booking = store.verify_booking(hall_id(), token, code)
            except HallRuleError as error:
                if error.code in ("wrong_code", "bad_verify_code"):
                    hall = store.booking_catalogue(hall_id())["hall"]
                    page = pages.verify_page(lang, nonce, token, "", 0, hall, (error.message.zh, error.message.en))
                    return html(page, nonce, error.status)
                raise
            return html(pages.booking_page(lang, nonce, booking, title=("预约成功", "Booked")), nonce)

        try:
            return await run_in_threadpool(work)
        except HallRuleError as error:
            return refused(lang, nonce, error)

    @router.get("/b/find", response_class=HTMLResponse)
    async def find_form(lang: str | None = None) -> HTMLResponse:
        nonce, lang = secrets.token_urlsafe(18), language(lang)
        return await guarded(lang, nonce, lambda: pages.find_page(lang, nonce, store.booking_catalogue(hall_id())["hall"]))

    async def with_booking(request: Request, act: Callable[[dict[str, str], str, str], HTMLResponse]) -> HTMLResponse:
        """A POST that names a booking by code and phone: a refusal shows the find form again."""
        nonce = secrets.token_urlsafe(18)
        try:
            form = await read_form(request)
        except HallRuleError as error:
            return refused("zh", nonce, error)
        lang = language(form.get("lang"))
        try:
            return await run_in_threadpool(act, form, lang, nonce)
        except HallRuleError as error:
            if error.code in ("bad_code", "bad_phone", "no_booking"):
                hall = await run_in_threadpool(lambda: store.booking_catalogue(hall_id())["hall"])
                code = form.get("code", "")[:16]
                page = pages.find_page(lang, nonce, hall, (error.message.zh, error.message.en), code)
                return html(page, nonce, error.status)
            return refused(lang, nonce, error)

    @router.post("/b/find", response_class=HTMLResponse)
    async def find(request: Request) -> HTMLResponse:
        def act(form: dict[str, str], lang: str, nonce: str) -> HTMLResponse:
            booking = store.find_booking(hall_id(), form.get("code", ""), form.get("phone", ""))
            return html(pages.booking_page(lang, nonce, booking, phone=form.get("phone", "")), nonce)

        return await with_booking(request, act)

    @router.post("/b/cancel", response_class=HTMLResponse)
    async def cancel(request: Request) -> HTMLResponse:
        def act(form: dict[str, str], lang: str, nonce: str) -> HTMLResponse:
            if form.get("confirm") != "yes":
                raise HallRuleError("not_confirmed", "请确认取消", "confirm the cancellation", 400)
            booking = store.cancel_booking(hall_id(), form.get("code", ""), form.get("phone", ""))
            return html(pages.booking_page(lang, nonce, booking, title=("预约已取消", "Booking cancelled")), nonce)

        return await with_booking(request, act)

    @router.post("/b/move", response_class=HTMLResponse)
    async def move(request: Request) -> HTMLResponse:
        """Step by step in one form: no day yet -> the days; a day -> its slots; both -> moved."""

        def act(form: dict[str, str], lang: str, nonce: str) -> HTMLResponse:
            code, phone = form.get("code", ""), form.get("phone", "")
            booking = store.find_booking(hall_id(), code, phone)
            if booking["status"] != "booked":
                raise HallRuleError("booking_not_active", "该预约已取消或已取号，不能改约", "this booking is cancelled or checked in", 409)
            item = (booking.get("item") or {}).get("code", "")
            if not form.get("day"):
                days = store.booking_days(hall_id(), item)["days"]
                return html(pages.move_days_page(lang, nonce, booking, phone, days), nonce)
            day = parse_day(form["day"])
            if not form.get("start"):
                return html(pages.move_slots_page(lang, nonce, booking, phone, store.booking_slots(hall_id(), item, day)), nonce)
            moved = store.move_booking(hall_id(), code, phone, day, form["start"])
            return html(pages.booking_page(lang, nonce, moved, phone=phone, title=("改约成功", "Booking moved")), nonce)

        return await with_booking(request, act)

    return router
