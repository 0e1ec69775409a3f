"""Running the city server: the database, its certificate, uvicorn with client certificates
required; in the foreground (``hallq city serve``) or in a thread (tests, benches)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine, create_engine, delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import make_url

from city.app import create_city_app
from city.models import CityBase, CityRevocation
from city.peers import PeerCertificateProtocol
from city.pki import ensure_city_tls, server_context
from hall.text import HallRuleError
from server.tls import HallTls


def city_engine(url: str) -> Engine:
    """The city database: PostgreSQL only (many halls write at once; SQLite has one writer)."""
    if make_url(url).get_backend_name() != "postgresql":
        raise HallRuleError("needs_postgres", "市级服务器需要 PostgreSQL 数据库", "the city server needs a PostgreSQL database", 422)
    return create_engine(url, pool_size=20, max_overflow=10, pool_pre_ping=True)


def prepare_city(url: str) -> Engine:
    engine = city_engine(url)
    CityBase.metadata.create_all(engine)  # idempotent: makes only the tables still missing
    return engine


def revoke_hall(engine: Engine, code: str, reason: str) -> None:
    statement = insert(CityRevocation).values(code=code, revoked_at=datetime.now(UTC), reason=reason[:300])
    with engine.begin() as connection:
        connection.execute(statement.on_conflict_do_update(index_elements=["code"], set_={"reason": reason[:300]}))


def reinstate_hall(engine: Engine, code: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(CityRevocation).where(CityRevocation.code == code))


def city_config(engine: Engine, tls: HallTls, log_level: str = "warning", **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        create_city_app(engine),
        http=PeerCertificateProtocol,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
        **server_context(tls),
        **options,
    )


def serve_city(url: str, host: str, port: int, tls_directory: Path, names: list[str]) -> None:
    engine = prepare_city(url)
    tls = ensure_city_tls(tls_directory, names)
    print(f"hallq city: https://{host}:{port}  CA SHA256 {tls.fingerprint}", flush=True)
    uvicorn.Server(city_config(engine, tls, host=host, port=port, log_level="info")).run()


class CityServerThread:
    """The city server on 127.0.0.1 in a daemon thread (tests and ``hallq bench city``)."""

    def __init__(self, url: str, tls_directory: Path, port: int = 0) -> None:
        self.engine = prepare_city(url)
        self.tls = ensure_city_tls(tls_directory, ["localhost", "127.0.0.1"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = int(self.sock.getsockname()[1])
        self.server = uvicorn.Server(city_config(self.engine, self.tls))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, name="hallq-city", daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> CityServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("city server did not start / 市级服务器未能启动")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.engine.dispose()
