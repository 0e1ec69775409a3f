"""The city's downlink routes: a hall fetches the newest catalogue and notices meant for it and
says which version it runs; the city's people see every hall's versions.

GET  /city/api/downlink        (hall certificate) {"hall", "catalogue": {version, payload}|null,
                               "notices": ..., "reported": {kind: version}}; ``?hall=`` naming
                               another hall is refused 403: a hall reads its own only
POST /city/api/downlink/ack    (hall certificate) {"kind", "version", "applied", "message"}; a version
                               never published to the hall is refused 409
GET  /city/api/downlink/halls  (console certificate) which hall runs which version
"""

# No "from __future__ import annotations": FastAPI must see the real request models.

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from city.catalogue import newest_for, record_report, reported, versions_by_hall
from city.ingest import refused
from city.models import CityRevocation
from city.peers import Peer
from city.pki import CONSOLE_UNIT, HALL_UNIT


class AckIn(BaseModel):
    kind: Literal["catalogue", "notices"]
    version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    applied: bool
    message: Annotated[str, Field(max_length=600)] = ""


def _not_revoked(engine: Engine, hall: str) -> None:
    with engine.connect() as connection:
        if connection.execute(select(CityRevocation.code).where(CityRevocation.code == hall)).first() is not None:
            raise refused(403, "hall_revoked", f"大厅 {hall} 已被市级注销", f"hall {hall} is revoked by the city")


def register_downlink_routes(app: FastAPI, engine: Engine, peer: Callable[[Request, str], Peer], now: Callable[[], datetime]) -> None:
    @app.get("/city/api/downlink")
    async def downlink(request: Request, hall: str | None = None) -> dict[str, Any]:
        own = peer(request, HALL_UNIT).name
        if hall is not None and hall != own:
            raise refused(
                403,
                "not_your_hall",
                f"本证书属于大厅 {own}，不能读取大厅 {hall} 的目录",
                f"this certificate is hall {own}'s; it cannot read hall {hall}'s catalogue",
            )

        def read() -> dict[str, Any]:
            _not_revoked(engine, own)
            offers = newest_for(engine, own)
            return {"hall": own, **{kind: offer.to_wire() if offer else None for kind, offer in offers.items()}, "reported": reported(engine, own)}

        return await run_in_threadpool(read)

    @app.post("/city/api/downlink/ack")
    async def acknowledge(request: Request, ack: AckIn) -> dict[str, Any]:
        own = peer(request, HALL_UNIT).name
        await run_in_threadpool(_not_revoked, engine, own)
        offer = (await run_in_threadpool(newest_for, engine, own))[ack.kind]
        if offer is None or ack.version > offer.version:
            raise refused(
                409,
                "unknown_version",
                f"没有发给大厅 {own} 的第 {ack.version} 版{ack.kind}",
                f"no {ack.kind} version {ack.version} was published to hall {own}",
            )
        await run_in_threadpool(record_report, engine, own, ack.kind, ack.version, ack.applied, ack.message, now())
        return {"recorded": True}

    @app.get("/city/api/downlink/halls")
    async def halls(request: Request) -> dict[str, Any]:
        peer(request, CONSOLE_UNIT)
        return {"halls": await run_in_threadpool(versions_by_hall, engine)}
