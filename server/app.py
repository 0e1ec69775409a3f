"""The hall server: JSON API, WebSocket event stream and the phone status page.

The only writer of the hall database. Every route names the roles it serves; a clerk's token
is bound to the window they logged in at, a pad's and a counter's to their device's window.
Errors are JSON ``{"error": code, "message": {"zh": ..., "en": ...}}`` with a 4xx status.
"""

# No "from __future__ import annotations": FastAPI must see the real dependency objects of the
# closures below, not strings it cannot resolve.

import asyncio
import contextlib
import gc
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from db.attendance import AttendanceQueries
from db.booking_staff import BookingStaffOps
from db.city_downlink import downlink_status
from db.common import Actor
from db.config_ops import ConfigStore
from db.cross_training import CrossTrainingCache
from db.forecasts import ProfileCache, forecast_day
from db.identity import Person
from db.models import Hall as HallRow
from db.photos import PhotoOps
from db.planning import planning_state
from db.reports.queries import ReportQueries
from db.staffing import staffing_plan_day
from db.storage_faults import storage_fault
from hall.attendance import attendance_to_json
from hall.reports import Dimension, ReportFilter, ReportRequest, rating_record_to_json, report_to_json
from hall.text import Bilingual, HallRuleError
from hall.tickets import TicketSource
from server import schemas as s
from server.booking.routes import booking_router
from server.booking.staff_routes import staff_booking_router
from server.booking.verification import LogVerificationSender, VerificationSender
from server.events import CLOSE_BAD_AFTER, CLOSE_RESUME, RESUME_REASON, EventHub
from server.exports import ExportFile, export_ratings, export_report, monthly_dimensions, monthly_report_pdf
from server.exports.attendance import export_attendance
from server.limits import Limits, LimitsMiddleware
from server.notify.sender import NotifySender, sender_from_environment
from server.notify.verification import GatewayVerificationSender
from server.outage import RETRY_AFTER_SECONDS, OutageLog, OutageWatch, StorageFaultLog, is_outage
from server.shaping import shape_event, shape_snapshot, shape_ticket

log = logging.getLogger(__name__)
T = TypeVar("T")
PHONE_PAGE = (FilePath(__file__).with_name("phone.html")).read_text(encoding="utf-8")
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]
# Bounded path parameters: an id beyond the database's integer range is a 422, not a 500.
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WindowNo = Annotated[int, Path(ge=1, le=9999)]
PathCode = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")]
SEQ_TEXT = re.compile(r"[0-9]{1,18}")  # an event seq as after= gives it: ASCII digits, below 2**63


def error_body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": {"zh": zh, "en": en}, **extra}


def settle_garbage_collector() -> None:
    """Once the server has started, everything loaded so far (modules, the app, SQLAlchemy's
    tables and caches) is moved out of the cycle collector's sight. Otherwise every full
    collection walks all of it with the GIL held, often under load, and every request waiting
    behind it waits that long too."""
    gc.collect()
    gc.freeze()


def create_app(
    store: ConfigStore,
    poll_seconds: float = 1.0,
    owns_process: bool = False,
    limits: Limits | None = None,
    verification: VerificationSender | None = None,
    sms: NotifySender | None = None,
) -> FastAPI:
    """``owns_process``: the app is what this process is for (``hallq server`` and its workers),
    so it may settle the process-wide garbage collector; an app embedded in a thread (demo, tests)
    leaves the host process's collector alone. ``limits``: body sizes and rate limits, applied
    before routing and authentication (server/limits.py; the connection limits are uvicorn's).
    ``verification``: sends booking verification codes (default: the log-only fake).
    ``sms``: the text-message sender (server.notify), run while the app runs; default one from
    ``HALLQ_SMS_URL`` when that is set, else none (messages wait in the outbox)."""
    sms = sms or sender_from_environment(store)
    if sms is not None:
        store.add_commit_listener(lambda _hall, _seq: sms.wake())
    hub = EventHub(store, poll_seconds)
    # PostgreSQL writers at once: each holds the hall row from numbering its events to the COMMIT,
    # so many more only queue for that lock and the GIL, and too few leave the database idle
    # between round trips. A plain executor, not anyio's thread pool: anyio's capacity limiter,
    # cancellation checkpoints and backend lookups cost the event loop time on every write.
    writers = ThreadPoolExecutor(16, thread_name_prefix="hallq-write")
    cross_training_cache = CrossTrainingCache()
    profiles = ProfileCache()  # arrival profiles from history: built once a day per hall

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        if sms is not None:
            sms.start()
        if owns_process:
            settle_garbage_collector()
        yield
        if sms is not None:
            await asyncio.to_thread(sms.stop)
        await hub.stop()
        writers.shutdown(wait=True)

    app = FastAPI(
        # No OpenTelemetry here: FastAPI's native telemetry otherwise asks the global providers
        # (and the environment) on every request, on the event loop.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="hallq hall server",
        description="政务服务大厅排队叫号系统 / queue system for government service halls",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.hub = hub
    outage = OutageLog()
    storage_faults = StorageFaultLog()
    app.add_middleware(OutageWatch, outage=outage, storage=storage_faults)
    app.add_middleware(LimitsMiddleware, limits=limits)  # outermost: before routing and auth

    # ------------------------------------------------------------------ errors

    @app.exception_handler(HallRuleError)
    async def rule_error(_request: Request, error: HallRuleError) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
        return JSONResponse(error_body(error.code, error.message.zh, error.message.en), status_code=error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")} for e in error.errors()]
        first = details[0] if details else {"where": "", "problem": ""}
        return JSONResponse(
            error_body(
                "invalid_request",
                f"请求内容不正确：{first['where']}",
                f"invalid request: {first['where']}: {first['problem']}",
                details=details,
            ),
            status_code=422,
        )

    @app.exception_handler(sa_exc.DBAPIError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def database_error(_request: Request, error: Exception) -> JSONResponse:
        fault = storage_fault(error)
        if fault is not None:  # the disk under the database, not the database: say which, and what to do
            storage_faults.failed(fault)
            return JSONResponse(
                error_body(fault.code, fault.message.zh, fault.message.en),
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if is_outage(error):
            outage.failed(error)
            return JSONResponse(
                error_body("database_unavailable", "数据库暂时不可用，请稍后重试", "the hall database is unavailable; retrying shortly"),
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if isinstance(error, sa_exc.DataError):  # a value the column cannot hold: validation missed it
            log.warning("value refused by the database: %s", str(error).splitlines()[0][:200])
            return JSONResponse(error_body("cannot_store", "输入的内容无法保存", "the input cannot be stored"), status_code=422)
        log.error("database error", exc_info=error)
        return JSONResponse(error_body("server_error", "服务器内部错误", "internal server error"), status_code=500)

    @app.exception_handler(Exception)
    async def server_error(_request: Request, _error: Exception) -> JSONResponse:
        # Starlette still logs the traceback; the client gets the API's JSON, not plain text.
        return JSONResponse(error_body("server_error", "服务器内部错误", "internal server error"), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {
            404: ("找不到该地址", "no such address"),
            405: ("不支持该请求方法", "method not allowed"),
            401: ("需要登录或终端令牌", "a device token or login is required"),
        }
        zh, en = messages.get(error.status_code, ("请求失败", str(error.detail)))
        return JSONResponse(error_body(f"http_{error.status_code}", zh, en), status_code=error.status_code)

    # ------------------------------------------------------------------ auth

    def bearer(authorization: str | None) -> str | None:
        if authorization and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return None

    # The auth dependencies are async so that a request hops to a worker thread once (for its
    # endpoint), not once per dependency; only a token missing from the store's short cache is
    # looked up in the database, on a worker thread. Each is one dependency, not a chain (role
    # on principal, window on role): FastAPI resolves every link of a chain on the event loop,
    # for every request.
    async def authenticated(authorization: str | None) -> Actor:
        token = bearer(authorization)
        if not token:
            raise HallRuleError("no_token", "缺少终端令牌，请先登记终端", "missing device token; enrol this device first", 401)
        found, actor = store.cached_actor(token)
        if not found:
            actor = await run_in_threadpool(store.authenticate, token)
        if actor is None:
            raise HallRuleError("bad_token", "终端令牌无效或已吊销", "the device token is invalid or revoked", 401)
        return actor

    async def principal(authorization: Annotated[str | None, Header()] = None) -> Actor:
        return await authenticated(authorization)

    def in_role(actor: Actor, allowed: tuple[str, ...]) -> Actor:
        if actor.role not in allowed:
            raise HallRuleError("forbidden", f"该终端（{actor.role}）无权执行此操作", f"a {actor.role} terminal may not do this", 403)
        return actor

    def roles(*allowed: str) -> Callable[..., Any]:
        async def check(authorization: Annotated[str | None, Header()] = None) -> Actor:
            return in_role(await authenticated(authorization), allowed)

        return check

    def at_window(*allowed: str) -> Callable[..., Any]:
        """The actor must be bound to the window in the path (a manager may act at any window)."""

        async def check(number: WindowNo, authorization: Annotated[str | None, Header()] = None) -> Actor:
            actor = in_role(await authenticated(authorization), allowed)
            if actor.role != "manager" and actor.window_number != number:
                raise HallRuleError(
                    "other_window", f"您未登录{number}号窗口，不能在此窗口操作", f"you are not logged in at window {number}", 403
                )
            return actor

        return check

    async def write(call: Callable[[], T]) -> T:
        """A store operation that only writes (a counter's or kiosk's step, a rating), in one thread
        hop: on SQLite straight onto the writer thread, joined to its next group commit; on
        PostgreSQL on one of a few worker threads. A plain ``def`` route would cost two hops on
        SQLite (worker thread, then the writer). On PostgreSQL more threads than this only queue
        for the GIL and the hall row."""
        future = store.submit(call)
        if future is None:
            future = writers.submit(call)
        return await asyncio.wrap_future(future)

    Any_ = Annotated[Actor, Depends(principal)]
    Kiosk = Annotated[Actor, Depends(roles("kiosk", "manager"))]
    Clerk = Annotated[Actor, Depends(at_window("clerk"))]
    ClerkOrManager = Annotated[Actor, Depends(at_window("clerk", "manager"))]
    Counter = Annotated[Actor, Depends(roles("counter"))]
    Pad = Annotated[Actor, Depends(roles("pad"))]
    Manager = Annotated[Actor, Depends(roles("manager"))]
    Guide = Annotated[Actor, Depends(roles("guide", "manager"))]  # the 导办台: issues, books, requeues; never calls

    # ------------------------------------------------------------------ hall

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "database": store.engines.write.dialect.name, "subscribers": hub.subscriber_count}

    @app.get("/api/snapshot")
    def snapshot(actor: Any_) -> dict[str, Any]:
        return shape_snapshot(actor.role, store.snapshot(actor.hall_id))

    @app.get("/api/planning")
    def planning(actor: Manager) -> dict[str, Any]:
        """The reallocation advisor's inputs: waiting ages, recent arrivals, observed service times."""
        return planning_state(store, actor.hall_id, store.clock.now(), profiles)

    @app.get("/api/forecast")
    def forecast(actor: Manager, day: Annotated[str | None, Query(alias="date", max_length=40)] = None) -> dict[str, Any]:
        """A day's forecast arrivals per category and slot, from the hall's own history:
        ``{"date", "slot_minutes", "weeks", "open", "days_observed", "categories": [{"series",
        "name_zh", "name_en", "expected_service_minutes", "target_wait_minutes", "service_minutes",
        "services_observed", "slots": [{"start": "08:30", "arrivals_per_hour"}]}]}``; no slots on
        a day the hall does not open. ``date`` defaults to today (the hall's business day)."""
        return forecast_day(store, actor.hall_id, day, store.clock.now(), profiles)

    @app.get("/api/staffing-plan")
    def staffing_plan(actor: Manager, day: Annotated[str | None, Query(alias="date", max_length=40)] = None) -> dict[str, Any]:
        """The day's staffing plan (排班建议) from the forecast: windows needed per category and
        slot (Erlang C), the pooled figure, lunch turns and shortfalls against the active clerks
        (:mod:`db.staffing`). ``date`` defaults to today; a bilingual 400 on a bad date."""
        return staffing_plan_day(store, actor.hall_id, day, store.clock.now(), profiles)

    @app.get("/api/staffing-plan/cross-training")
    def cross_training(actor: Manager) -> dict[str, Any]:
        """交叉培训建议: which clerk to train in which second category, screened by the queueing
        model and confirmed by simulating today's forecast on 5 seeds with and without the skill
        (:mod:`db.cross_training`); a few seconds the first time, then cached."""
        return cross_training_cache.get(store, actor.hall_id, store.clock.now(), profiles)

    @app.get("/api/me")
    def me(actor: Any_) -> dict[str, Any]:
        data: dict[str, Any] = {
            "role": actor.role,
            "hall_id": actor.hall_id,
            "window": actor.window_number,
            "device_id": actor.device_id,
            "name": actor.name,
        }
        if actor.clerk_id is not None:
            data["today"] = store.clerk_today(actor.hall_id, actor.clerk_id)
            data["clerk_id"] = actor.clerk_id
        return data

    # ------------------------------------------------------------------ tickets

    @app.post("/api/tickets", status_code=201)
    async def issue(body: s.IssueRequest, actor: Kiosk, key: IdempotencyKey = None) -> dict[str, Any]:
        person = Person.of(body.id_hash, body.id_masked)
        return await write(lambda: store.issue_ticket(actor, body.series, body.items, body.priority_reason, body.source, key, person=person))

    @app.get("/api/tickets/find")
    def find_ticket(number: s.NumberText, actor: Annotated[Actor, Depends(roles("clerk", "manager", "guide"))]) -> dict[str, Any]:
        """Today's ticket by its number (a citizen back after missing the call, at the counter or
        the guide desk); the guide desk gets it shaped like a device, with what may be done."""
        found = store.find_ticket(actor.hall_id, number)
        return {**shape_ticket(actor.role, found), "actions": found["actions"], "late_requeue_places": found["late_requeue_places"]}

    @app.get("/api/tickets/{ticket_id}")
    def ticket(ticket_id: DbId, actor: Any_) -> dict[str, Any]:
        """A ticket of this hall, shaped for the asking role (server.shaping: notes stay with staff)."""
        return shape_ticket(actor.role, store.ticket_status(actor.hall_id, ticket_id=ticket_id))

    @app.post("/api/tickets/{ticket_id}/reprint")
    def reprint(ticket_id: DbId, actor: Kiosk) -> dict[str, Any]:
        return store.reprint(actor, ticket_id)

    @app.post("/api/tickets/{ticket_id}/requeue")
    def requeue(ticket_id: DbId, actor: Annotated[Actor, Depends(roles("clerk", "manager", "kiosk", "guide"))]) -> dict[str, Any]:
        return store.requeue(actor, ticket_id)

    @app.post("/api/appointments", status_code=201)
    def add_appointment(body: s.AppointmentRequest, actor: Manager) -> dict[str, Any]:
        return store.add_appointment(actor, body.series, body.slot_at, body.name, body.phone, body.item_code, body.channel)

    @app.post("/api/guide/tickets", status_code=201)
    async def guide_issue(body: s.GuideIssueRequest, actor: Guide, key: IdempotencyKey = None) -> dict[str, Any]:
        """The guide desk takes a number for a citizen; the ticket keeps the desk and 代办/帮办."""
        return await write(
            lambda: store.issue_ticket(
                actor, body.series, body.items, body.priority_reason, TicketSource.GUIDE_DESK.value, key, assist=body.assist
            )
        )

    @app.post("/api/guide/appointments", status_code=201)
    def guide_book(body: s.GuideAppointmentRequest, actor: Guide) -> dict[str, Any]:
        """The narrow booking the guide desk may make: one slot for the citizen in front of it."""
        return store.add_appointment(actor, body.series, body.slot_at, body.name, body.phone, body.item_code, "guide_desk")

    @app.post("/api/appointments/check-in", status_code=201)
    async def check_in(body: s.CheckInRequest, actor: Kiosk, key: IdempotencyKey = None) -> dict[str, Any]:
        return await write(lambda: store.check_in(actor, body.code, key, Person.of(body.id_hash, body.id_masked)))

    @app.post("/api/appointments/check-in-by-card", status_code=201)
    async def check_in_by_card(body: s.CardCheckInRequest, actor: Kiosk, key: IdempotencyKey = None) -> dict[str, Any]:
        """刷身份证签到: today's booking of the card's holder (404 no_booking_today: take a number)."""
        person = Person.required(body.id_hash, body.id_masked)
        return await write(lambda: store.check_in_by_card(actor, person, key))

    @app.get("/api/kiosk/id-key")
    def id_key(actor: Annotated[Actor, Depends(roles("kiosk"))]) -> dict[str, Any]:
        """The hall's key for ID hashes: a kiosk hashes a card with it, so the number never leaves the kiosk.
        Kiosk tokens only (not even the manager's): whoever holds the key can test guessed numbers."""
        return store.identity_key(actor)

    # ------------------------------------------------------------------ windows (counter actions)

    @app.post("/api/windows/{number}/call-next")
    async def call_next(number: WindowNo, actor: Clerk, key: IdempotencyKey = None) -> dict[str, Any]:
        return await write(lambda: store.call_next(actor, number, key))

    @app.post("/api/windows/{number}/call-number")
    async def call_number(number: WindowNo, body: s.CallNumberRequest, actor: Clerk) -> dict[str, Any]:
        return await write(lambda: store.call_number(actor, number, body.number))

    @app.post("/api/windows/{number}/recall")
    async def recall(number: WindowNo, actor: Clerk) -> dict[str, Any]:
        return await write(lambda: store.recall(actor, number))

    @app.post("/api/windows/{number}/start")
    async def start(number: WindowNo, actor: Clerk) -> dict[str, Any]:
        return await write(lambda: store.start(actor, number))

    @app.post("/api/windows/{number}/finish")
    async def finish(number: WindowNo, body: s.FinishRequest, actor: Clerk, key: IdempotencyKey = None) -> dict[str, Any]:
        return await write(
            lambda: store.finish(actor, number, body.outcome, body.item_code, body.note, key, body.promised_days, body.materials_received)
        )

    @app.post("/api/windows/{number}/no-show")
    async def no_show(number: WindowNo, actor: Clerk) -> dict[str, Any]:
        return await write(lambda: store.no_show(actor, number))

    @app.post("/api/windows/{number}/transfer")
    def transfer(number: WindowNo, body: s.TransferRequest, actor: Clerk) -> dict[str, Any]:
        return store.transfer(actor, number, body.to_series, body.to_window, body.note)

    @app.post("/api/windows/{number}/park")
    def park(number: WindowNo, body: s.NoteRequest, actor: Clerk) -> dict[str, Any]:
        return store.park(actor, number, body.note)

    @app.post("/api/windows/{number}/call-back")
    def call_back(number: WindowNo, body: s.CallBackRequest, actor: Clerk) -> dict[str, Any]:
        return store.call_back(actor, number, body.ticket_id)

    @app.get("/api/windows/{number}/parked")
    def parked(number: WindowNo, actor: ClerkOrManager) -> list[dict[str, Any]]:
        return store.parked_tickets(actor.hall_id, number)

    @app.post("/api/windows/{number}/pause")
    def pause(number: WindowNo, body: s.PauseRequest, actor: ClerkOrManager) -> dict[str, Any]:
        return store.pause(actor, number, body.reason)

    @app.post("/api/windows/{number}/resume")
    def resume(number: WindowNo, actor: ClerkOrManager) -> dict[str, Any]:
        return store.resume(actor, number)

    @app.post("/api/windows/{number}/open")
    def open_window(number: WindowNo, body: s.ReasonRequest, actor: ClerkOrManager) -> dict[str, Any]:
        return store.set_window_open(actor, number, True, body.reason)

    @app.post("/api/windows/{number}/close")
    def close_window(number: WindowNo, body: s.ReasonRequest, actor: ClerkOrManager) -> dict[str, Any]:
        return store.set_window_open(actor, number, False, body.reason)

    @app.put("/api/windows/{number}/categories")
    def window_categories(number: WindowNo, body: s.CategoriesRequest, actor: Manager) -> dict[str, Any]:
        return store.set_window_categories(actor, number, body.primary, body.secondary, body.reason)

    # ------------------------------------------------------------------ clerks

    @app.post("/api/login")
    def login(body: s.LoginRequest, actor: Counter) -> dict[str, Any]:
        return store.login(actor, body.staff_no, body.pin, body.handover)

    @app.post("/api/logout")
    def logout(actor: Annotated[Actor, Depends(roles("clerk"))]) -> dict[str, Any]:
        return store.logout(actor)

    @app.post("/api/sign-off")
    def sign_off(actor: Annotated[Actor, Depends(roles("clerk"))]) -> dict[str, Any]:
        """签退: log out and go off duty for the rest of the day (the advisor stops counting on the clerk)."""
        return store.sign_off(actor)

    @app.get("/api/roster")
    def roster(actor: Manager) -> dict[str, Any]:
        """Every active clerk's duty state now: at a window, free, at lunch, signed off, absent, not in."""
        return store.roster(actor.hall_id)

    @app.put("/api/roster/{staff_no}")
    def edit_roster(staff_no: PathCode, body: s.RosterEdit, actor: Manager) -> dict[str, Any]:
        return store.set_roster(actor, staff_no[:32], body.absent, body.lunch, body.reason)

    # ------------------------------------------------------------------ ratings

    @app.post("/api/ratings", status_code=201)
    async def rate(body: s.RatingRequest, actor: Pad, key: IdempotencyKey = None) -> dict[str, Any]:
        return await write(
            lambda: store.rate(actor, body.service_id, body.level, body.reasons, body.comment, body.channel, key, body.contact_phone)
        )

    @app.get("/api/followups")
    def followups(actor: Annotated[Actor, Depends(roles("manager", "followup"))]) -> list[dict[str, Any]]:
        return store.followups(actor.hall_id, full_contact=actor.role == "followup")

    @app.put("/api/followups/{followup_id}")
    def update_followup(
        followup_id: DbId, body: s.FollowUpRequest, actor: Annotated[Actor, Depends(roles("manager", "followup"))]
    ) -> dict[str, Any]:
        return store.update_followup(actor, followup_id, body.status, body.notes, body.citizen_view)

    @app.post("/api/followups/{followup_id}/calls", status_code=201)
    def log_followup_call(
        followup_id: DbId, body: s.FollowUpCallRequest, actor: Annotated[Actor, Depends(roles("manager", "followup"))]
    ) -> dict[str, Any]:
        return store.log_followup_call(actor, followup_id, body.reached, body.result, body.rectification, body.satisfaction)

    @app.post("/api/ratings/apply-defaults")
    def apply_defaults(actor: Manager) -> dict[str, Any]:
        return store.apply_default_ratings(actor)

    # ------------------------------------------------------------------ management

    @app.post("/api/devices", status_code=201)
    def enroll(body: s.EnrollRequest, actor: Manager) -> dict[str, Any]:
        return store.enroll_device(actor, actor.hall_id, body.role, body.name, body.window)

    @app.get("/api/maintenance")
    def maintenance(actor: Manager) -> dict[str, Any]:
        """The last good backup and the nightly schedule, and a disk-full or read-only fault now."""
        # app.state.backups is set by ``hallq server`` (server/backups.py); an embedded server (demo, tests) has none
        nightly = getattr(app.state, "backups", None)
        backup = nightly.status() if nightly is not None else {"enabled": False}
        return {"backup": backup, "storage_fault": storage_faults.current()}

    @app.get("/api/city/downlink")
    def city_downlink(actor: Manager) -> dict[str, Any]:
        """The catalogue and notices versions the city sent and the link's last poll (db/city_downlink.py)."""
        return downlink_status(store, actor.hall_id)

    @app.get("/api/devices")
    def devices(actor: Manager) -> list[dict[str, Any]]:
        return store.devices(actor.hall_id)

    @app.delete("/api/devices/{device_id}")
    def revoke(device_id: DbId, actor: Manager) -> dict[str, Any]:
        return store.revoke_device(actor, device_id)

    @app.post("/api/devices/heartbeat")
    def heartbeat(body: s.HeartbeatRequest, actor: Any_) -> dict[str, Any]:
        return store.heartbeat(actor, {name: state.model_dump() for name, state in body.devices.items()})

    @app.post("/api/alerts", status_code=201)
    def device_alert(body: s.AlertRequest, actor: Any_) -> dict[str, Any]:
        return store.device_alert(actor, body.kind, body.zh, body.en)

    @app.get("/api/audit")
    def audit(actor: Manager, limit: int = 200) -> list[dict[str, Any]]:
        return store.audit_log(actor.hall_id, min(max(limit, 1), 2000))

    @app.put("/api/config/hall")
    def edit_hall(body: s.HallSettingsRequest, actor: Manager) -> dict[str, Any]:
        return store.update_hall(actor, s.changes(body))

    @app.put("/api/config/categories/{series}")
    def edit_category(series: PathCode, body: s.CategoryEdit, actor: Manager) -> dict[str, Any]:
        return store.upsert_category(actor, series, s.changes(body))

    @app.put("/api/config/items/{code}")
    def edit_item(code: PathCode, body: s.ItemEdit, actor: Manager) -> dict[str, Any]:
        return store.upsert_item(actor, code[:32], s.changes(body))

    @app.put("/api/config/windows/{number}")
    def edit_window(number: WindowNo, body: s.WindowEdit, actor: Manager) -> dict[str, Any]:
        return store.upsert_window(actor, number, s.changes(body))

    @app.put("/api/config/clerks/{staff_no}")
    def edit_clerk(staff_no: PathCode, body: s.ClerkEdit, actor: Manager) -> dict[str, Any]:
        return store.upsert_clerk(actor, staff_no[:32], s.changes(body))

    @app.get("/api/config/clerks")
    def list_clerks(actor: Manager) -> list[dict[str, Any]]:
        return store.clerks(actor.hall_id)

    # 岗位公示 photos (db/photos.py, checks in hall/photos.py): the manager sets them as the raw
    # image body; a window's pad and screen (and the manager) fetch the photo of the clerk on duty.
    photo_ops = PhotoOps(store)

    @app.put("/api/config/clerks/{staff_no}/photo")
    async def set_clerk_photo(staff_no: PathCode, request: Request, actor: Manager) -> dict[str, Any]:
        content = await request.body()
        return await run_in_threadpool(photo_ops.set_clerk_photo, actor, staff_no, content)

    @app.delete("/api/config/clerks/{staff_no}/photo")
    def remove_clerk_photo(staff_no: PathCode, actor: Manager) -> dict[str, Any]:
        return photo_ops.set_clerk_photo(actor, staff_no, None)

    @app.get("/api/windows/{number}/clerk-photo")
    def window_clerk_photo(number: WindowNo, actor: Annotated[Actor, Depends(roles("pad", "display", "counter", "manager"))]) -> Response:
        # A pad or counter sees its own window only; a display may show any window's screen.
        if actor.role in ("pad", "counter") and actor.window_number != number:
            raise HallRuleError("other_window", f"本终端不属于{number}号窗口", f"this terminal does not belong to window {number}", 403)
        photo = photo_ops.window_clerk_photo(actor.hall_id, number)
        if photo is None:
            raise HallRuleError("no_photo", f"{number}号窗口当前无在岗人员照片", f"no photo of a clerk on duty at window {number}", 404)
        headers = {"Cache-Control": "private, max-age=60", "ETag": f'"{photo.tag}"', "X-Staff-No": photo.staff_no}
        return Response(photo.content, media_type=photo.media_type, headers=headers)

    # ------------------------------------------------------------------ reports (manager only)
    # Plain ``def`` routes: FastAPI runs them in its threadpool, so a report that takes a second or
    # two over a year of a big hall never blocks the event loop (and with it the WebSocket stream).
    # The actor comes first in each signature so a caller without a manager token hears 401/403
    # before anything about its parameters.

    max_report_days = 3 * 366 + 1  # about three years: longer spans are a batch job, not a screen
    ReportDay = Annotated[date, Query()]
    SeriesFilter = Annotated[str | None, Query(min_length=1, max_length=8, pattern=r"^[0-9A-Za-z]+$")]
    WindowFilter = Annotated[int | None, Query(ge=1, le=9999)]
    StaffFilter = Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")]
    DepartmentFilter = Annotated[str | None, Query(min_length=1, max_length=100)]
    ReportFormat = Annotated[Literal["csv", "xlsx", "pdf"], Query(alias="format")]
    RatingsFormat = Annotated[Literal["csv", "xlsx", "json"], Query(alias="format")]
    Month = Annotated[str, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]  # the years reports can cover
    first_report_day, last_report_day = date(2000, 1, 1), date(2099, 12, 31)

    def checked_period(start: date, end: date) -> tuple[date, date]:
        if not (first_report_day <= start <= last_report_day and first_report_day <= end <= last_report_day):
            raise HallRuleError(
                "date_out_of_range",
                f"日期须在 {first_report_day} 至 {last_report_day} 之间",
                f"dates must lie between {first_report_day} and {last_report_day}",
                422,
            )
        if end < start:
            raise HallRuleError(
                "bad_period", f"结束日期（{end}）早于开始日期（{start}）", f"the end date {end} is before the start date {start}", 422
            )
        if (end - start).days + 1 > max_report_days:
            raise HallRuleError(
                "period_too_long",
                f"统计期间最长约三年（{max_report_days} 天）",
                f"a report may cover at most about three years ({max_report_days} days)",
                422,
            )
        return start, end

    def report_request(
        start: ReportDay,
        end: ReportDay,
        by: Annotated[Dimension, Query()] = Dimension.HALL,
        category: SeriesFilter = None,
        window: WindowFilter = None,
        clerk: StaffFilter = None,
        department: DepartmentFilter = None,
    ) -> ReportRequest:
        start, end = checked_period(start, end)
        return ReportRequest(start, end, by, ReportFilter(category, window, clerk, department))

    WantedReport = Annotated[ReportRequest, Depends(report_request)]

    report_queries = ReportQueries(store)

    def hall_name(hall_id: int) -> Bilingual:
        with store.read() as session:
            row = session.get(HallRow, hall_id)
            return Bilingual(row.name_zh, row.name_en) if row is not None else Bilingual("", "")

    def attachment(export: ExportFile) -> Response:
        """A download; the file name as RFC 6266/5987 (an ASCII fallback plus the UTF-8 name)."""
        filename = export.filename
        fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename) or "report"
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
        return Response(export.content, media_type=export.media_type, headers={"Content-Disposition": disposition})

    @app.get("/api/reports")
    def report(actor: Manager, wanted: WantedReport) -> dict[str, Any]:
        return report_to_json(report_queries.report(actor.hall_id, wanted))

    @app.get("/api/reports/export")
    def export_report_file(actor: Manager, wanted: WantedReport, fmt: ReportFormat) -> Response:
        return attachment(export_report(report_queries.report(actor.hall_id, wanted), fmt, hall_name(actor.hall_id)))

    @app.get("/api/reports/ratings")
    def rating_records(actor: Manager, start: ReportDay, end: ReportDay) -> list[dict[str, Any]]:
        start, end = checked_period(start, end)
        return [rating_record_to_json(record) for record in report_queries.rating_records(actor.hall_id, start, end)]

    @app.get("/api/reports/ratings/export")
    def export_ratings_file(actor: Manager, start: ReportDay, end: ReportDay, fmt: RatingsFormat) -> Response:
        start, end = checked_period(start, end)
        records = report_queries.rating_records(actor.hall_id, start, end)
        return attachment(export_ratings(records, fmt, hall_name(actor.hall_id), start, end))

    @app.get("/api/reports/monthly.pdf")
    def monthly_report(actor: Manager, month: Month) -> Response:
        year, month_no = int(month[:4]), int(month[5:])
        first = date(year, month_no, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        reports = {by: report_queries.report(actor.hall_id, ReportRequest(first, last, by)) for by in monthly_dimensions()}
        return attachment(monthly_report_pdf(hall_name(actor.hall_id), year, month_no, reports))

    # 考勤: each clerk's sign-in, sign-out, pauses, lunch and A/B cover per day (hall/attendance.py).
    attendance_queries = AttendanceQueries(store)

    @app.get("/api/reports/attendance")
    def attendance(actor: Manager, start: ReportDay, end: ReportDay) -> dict[str, Any]:
        start, end = checked_period(start, end)
        rows, hours = attendance_queries.attendance(actor.hall_id, start, end)
        return attendance_to_json(rows, hours.zone)

    @app.get("/api/reports/attendance/export")
    def export_attendance_file(actor: Manager, start: ReportDay, end: ReportDay, fmt: ReportFormat) -> Response:
        start, end = checked_period(start, end)
        rows, hours = attendance_queries.attendance(actor.hall_id, start, end)
        return attachment(export_attendance(rows, hours.zone, fmt, hall_name(actor.hall_id), start, end))

    # ------------------------------------------------------------------ phone page (public)

    def public_headers(nonce: str | None = None) -> dict[str, str]:
        """A ticket's page is its holder's alone: never framed, cached or named to another site."""
        sources = f"'nonce-{nonce}'" if nonce else "'none'"
        return {
            "Content-Security-Policy": (
                f"default-src 'none'; script-src {sources}; style-src {sources}; connect-src 'self'; img-src 'self' data:; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            ),
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }

    @app.get("/t/{public_id}", response_class=HTMLResponse)
    def phone_page(public_id: str) -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        page = PHONE_PAGE.replace("{{PUBLIC_ID}}", "".join(ch for ch in public_id if ch.isalnum())[:32]).replace("{{NONCE}}", nonce)
        return HTMLResponse(page, headers=public_headers(nonce))

    @app.get("/api/public/tickets/{public_id}")
    def public_ticket(public_id: PathCode) -> JSONResponse:
        try:
            data = store.ticket_status(0, public_id=public_id[:32])
        except HallRuleError as error:
            body = error_body(error.code, error.message.zh, error.message.en)
            return JSONResponse(body, status_code=error.status, headers=public_headers())
        allowed = (
            "number",
            "status",
            "category",
            "window",
            "people_ahead",
            "estimated_wait_minutes",
            "now_calling",
            "hall",
            "issued_at",
            "called_at",
            "waiting_in_category",
            "guide",
            "department",
            "serving_windows",
        )
        return JSONResponse(jsonable_encoder({k: data[k] for k in allowed if k in data}), headers=public_headers())

    # ------------------------------------------------------------------ text messages (短信)

    @app.get("/api/notifications")
    def notifications(actor: Manager, day: date | None = None) -> list[dict[str, Any]]:
        return store.notifications_of_day(actor.hall_id, day)

    @app.post("/api/notifications/{message_id}/resend")
    def resend_notification(message_id: DbId, actor: Manager) -> dict[str, Any]:
        return store.resend_notification(actor.hall_id, message_id)

    @app.post("/api/tickets/{ticket_id}/notify-phone")
    def ticket_notify_phone(ticket_id: DbId, body: s.NotifyPhoneRequest, actor: Kiosk) -> dict[str, Any]:
        return store.sign_up_ticket(actor.hall_id, ticket_id, body.phone)

    # ------------------------------------------------------------------ booking pages (public, /b)

    if verification is None and sms is not None:  # codes through the hall's SMS gateway, at once
        verification = GatewayVerificationSender(sms.gateway, sms.settings)
    app.include_router(booking_router(store, verification or LogVerificationSender.from_environment()))
    # the manager's 预约 tab (calendar, settings, 电话预约): manager role only
    app.include_router(staff_booking_router(BookingStaffOps(store), roles("manager")))

    # ------------------------------------------------------------------ event stream

    @app.websocket("/ws/events")
    async def events(websocket: WebSocket) -> None:
        token = bearer(websocket.headers.get("authorization")) or websocket.query_params.get("token")
        actor = await asyncio.to_thread(store.authenticate, token) if token else None
        if actor is None:
            await websocket.close(code=4401, reason="unauthorized")
            return
        await websocket.accept()
        after_text = websocket.query_params.get("after")
        if after_text is not None and not SEQ_TEXT.fullmatch(after_text):
            await websocket.close(code=CLOSE_BAD_AFTER, reason="bad after=: give the last seq received (0-999999999999999999) or leave it out")
            return
        role = actor.role
        subscriber = hub.subscribe(actor.hall_id, role, actor.device_id, token)

        async def send_in_time(message: dict[str, Any]) -> None:
            """A catch-up message; a client that does not take it in time is told to resume."""
            try:
                await asyncio.wait_for(websocket.send_json(message), hub.send_timeout)
            except TimeoutError:
                subscriber.end(CLOSE_RESUME, RESUME_REASON)
                raise

        try:
            last_sent = -1
            if after_text is not None:
                last_sent = int(after_text)
                while True:
                    missed = await asyncio.to_thread(store.events_after, actor.hall_id, last_sent, 1000)
                    for event in missed:
                        await send_in_time({"type": "event", **shape_event(role, event)})
                        last_sent = event["seq"]
                    if len(missed) < 1000:
                        break
            else:
                snap = await asyncio.to_thread(store.snapshot, actor.hall_id)
                await send_in_time({"type": "snapshot", "seq": snap["seq"], "data": shape_snapshot(role, snap)})
                last_sent = snap["seq"]

            # Watch for the client going away while waiting for events, so a closed display
            # does not linger as a subscriber until the next event tries to reach it.
            async def wait_closed() -> None:
                while (await websocket.receive())["type"] != "websocket.disconnect":
                    pass

            async def forward() -> None:
                nonlocal last_sent
                while True:
                    event = await subscriber.queue.get()
                    if event.seq <= last_sent:
                        continue  # already sent during catch-up
                    try:
                        # serialized once by the hub for every subscriber of this audience
                        await asyncio.wait_for(websocket.send_text(event.text_for(role)), hub.send_timeout)
                    except TimeoutError:
                        subscriber.end(CLOSE_RESUME, RESUME_REASON)  # it stopped reading
                        return
                    last_sent = event.seq

            tasks = {asyncio.create_task(wait_closed()), asyncio.create_task(forward()), asyncio.create_task(subscriber.ended.wait())}
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
            if subscriber.close_code is not None:
                hub.unsubscribe(subscriber)
                # A client that stopped reading may never take the close frame: do not wait for it.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(websocket.close(code=subscriber.close_code, reason=subscriber.close_reason), 2.0)
        except (WebSocketDisconnect, TimeoutError):
            pass
        finally:
            hub.unsubscribe(subscriber)

    return app
