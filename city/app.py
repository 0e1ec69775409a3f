"""The city ingest server (``hallq city``): FastAPI on PostgreSQL, mutual TLS only.

POST /city/api/ingest   a hall's batch of events (city/ingest.py); the hall is the one its
                        client certificate names, and a body naming another hall is refused 403
GET  /city/api/halls    every hall's counts, link state and lag (a city console certificate)
GET  /city/api/halls/{code}           one hall's read-only live view (city/live.py)
GET  /city/api/report?start&end&by    a city report (city/reports.py), the hall report's JSON rows
GET  /city/api/rankings?start&end     halls ranked by 满意率, mean wait, follow-ups on time
GET  /city/api/ratings?start&end&format=csv|xlsx|json   the 好差评 export for the provincial platform
GET  /city/api/report.{csv,xlsx}?start&end&by           a city report as the manager exports it
Every read needs a console certificate: a hall's certificate reads nothing, not even its own hall.
/city/api/downlink...   catalogue and notices down to the halls (city/catalogue_api.py)
Errors are JSON ``{"error": code, "message": {"zh": ..., "en": ...}}`` like the hall server's.
"""

# No "from __future__ import annotations": FastAPI must see the real request models.

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool

from city.catalogue_api import register_downlink_routes
from city.ingest import IngestRefused, WireEvent, ingest, refused
from city.live import hall_live
from city.overview import halls_overview
from city.peers import Peer, peer_of
from city.pki import CONSOLE_UNIT, HALL_UNIT
from city.read_api import add_read_routes
from hall.text import HallRuleError

log = logging.getLogger(__name__)
MAX_BATCH = 5000
MAX_BODY_BYTES = 16 * 1024 * 1024  # 5,000 events of ~1 KB with room to spare; more is not a hall's batch


class EventIn(BaseModel):
    seq: Annotated[int, Field(ge=1, le=2**62)]
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    data: dict[str, Any]
    created_at: AwareDatetime


class BatchIn(BaseModel):
    hall: Annotated[str, Field(min_length=1, max_length=64)]
    head_seq: Annotated[int, Field(ge=0, le=2**62)]
    events: Annotated[list[EventIn], Field(max_length=MAX_BATCH)]


def _body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": {"zh": zh, "en": en}, **extra}


def create_city_app(engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> FastAPI:
    app = FastAPI(title="hallq city server", description="市级汇聚服务 / the city's ingest of every hall", version="0.1.0")

    @app.middleware("http")
    async def refuse_huge_bodies(request: Request, call_next: Callable[[Request], Any]) -> Any:
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            if request.method == "POST":  # a batch says its size (httpx does), and a small one
                return JSONResponse(
                    _body("body_too_large", "一批事件的大小须注明且不超过 16 MB", "a batch must state its size and stay within 16 MB"),
                    status_code=413,
                )
        return await call_next(request)

    @app.exception_handler(HallRuleError)
    async def rule_error(_request: Request, error: HallRuleError) -> JSONResponse:
        extra = error.extra if isinstance(error, IngestRefused) else {}
        return JSONResponse(_body(error.code, error.message.zh, error.message.en, **extra), status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse(
            _body("invalid_request", f"请求内容不正确：{where}", f"invalid request: {where}: {first.get('msg', '')}"), status_code=422
        )

    @app.exception_handler(sa_exc.OperationalError)
    async def database_down(_request: Request, _error: Exception) -> JSONResponse:
        return JSONResponse(
            _body("database_unavailable", "市级数据库暂时不可用，请稍后重试", "the city database is unavailable; retry shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    def peer(request: Request, unit: str) -> Peer:
        found = peer_of(request.scope.get("client"))
        if found is None or found.unit != unit or not found.name:
            raise refused(
                403,
                "wrong_certificate",
                "证书不是本接口所需的类型（大厅或市级控制台）",
                "this certificate is not of the kind this interface needs (hall or city console)",
            )
        return found

    @app.post("/city/api/ingest")
    async def ingest_batch(request: Request, batch: BatchIn) -> dict[str, Any]:
        hall = peer(request, HALL_UNIT).name
        if batch.hall != hall:
            log.warning("hall %s tried to write hall %s's data", hall, batch.hall)
            raise refused(
                403,
                "not_your_hall",
                f"本证书属于大厅 {hall}，不能写入大厅 {batch.hall} 的数据",
                f"this certificate is hall {hall}'s; it cannot write hall {batch.hall}'s data",
            )
        events = [WireEvent(e.seq, e.kind, e.data, e.created_at) for e in batch.events]
        result = await run_in_threadpool(ingest, engine, hall, batch.head_seq, events, now())
        return {"acked_seq": result.acked_seq, "applied": result.applied}

    @app.get("/city/api/halls")
    async def halls(request: Request) -> dict[str, Any]:
        peer(request, CONSOLE_UNIT)
        return {"halls": await run_in_threadpool(halls_overview, engine, now())}

    add_read_routes(app, engine, now, lambda request: peer(request, CONSOLE_UNIT))

    @app.get("/city/api/halls/{code}")
    async def one_hall(request: Request, code: str) -> dict[str, Any]:
        peer(request, CONSOLE_UNIT)
        return await run_in_threadpool(hall_live, engine, code[:64], now())

    register_downlink_routes(app, engine, peer, now)  # catalogue and notices down to the halls (city/catalogue_api.py)
    return app
