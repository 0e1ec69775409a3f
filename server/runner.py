"""Running the hall server: in a background thread (embedded default, demo and tests) or as
the foreground ``hallq server`` process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from sqlalchemy.engine import make_url

from db.config_ops import ConfigStore
from db.engine import Engines, make_engines
from db.schema import import_hall, upgrade
from hall.clock import Clock, SteadyClock, SystemClock
from hall.config import HallConfig, load_sample_hall
from server.app import create_app
from server.limits import Limits, raise_open_file_limit, uvicorn_settings
from server.tls import CA_PATH, HallTls, ensure_server_tls

log = logging.getLogger(__name__)


def default_database_url() -> str:
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('hallq')) / 'hall.db'}"


@dataclass
class Hall:
    """A prepared hall: migrated database, imported configuration, the store over it."""

    engines: Engines
    store: ConfigStore
    hall_id: int
    config: HallConfig


def prepare_hall(url: str, config: HallConfig | None = None, clock: Clock | None = None, synchronous: str = "FULL") -> Hall:
    engines = make_engines(url, synchronous=synchronous)
    upgrade(engines)
    config = config or load_sample_hall()
    hall_id = import_hall(engines, config)
    return Hall(engines, ConfigStore(engines, clock or SteadyClock(SystemClock(), _clock_stepped_back)), hall_id, config)


def _clock_stepped_back(by: timedelta) -> None:
    log.warning(
        "系统时钟被向后调整了 %.0f 秒，大厅时间暂停直到追上 / the system clock stepped back %.0f s; hall time holds until it catches up",
        by.total_seconds(),
        by.total_seconds(),
    )


DATABASE_URL_VARIABLE = "HALLQ_DATABASE_URL"
CA_FILE_VARIABLE = "HALLQ_TLS_CA_FILE"  # workers serve the hall CA the parent made


def app_from_environment() -> FastAPI:
    """The app of one ``hallq server --workers N`` process (a uvicorn factory): each worker opens
    its own engines on the database the parent prepared; they share the listening socket and
    exchange events through PostgreSQL LISTEN/NOTIFY like servers on separate machines."""
    url = os.environ[DATABASE_URL_VARIABLE]
    app = create_app(ConfigStore(make_engines(url), SystemClock()), owns_process=True)
    ca_file = os.environ.get(CA_FILE_VARIABLE)
    if ca_file:
        serve_ca(app, Path(ca_file).read_bytes())
    return app


def run_workers(url: str, host: str, port: int, workers: int, log_level: str = "info", tls: HallTls | None = None) -> None:
    """Serve a prepared PostgreSQL hall from ``workers`` processes. SQLite stays one process: it
    has one writer, and its group commit and caches live in that process."""
    if make_url(url).get_backend_name() != "postgresql":
        raise ValueError("多个服务进程需要 PostgreSQL / several server processes need PostgreSQL (SQLite runs one process)")
    os.environ[DATABASE_URL_VARIABLE] = url
    raise_open_file_limit()
    if tls is not None:
        os.environ[CA_FILE_VARIABLE] = str(tls.ca_cert)
    uvicorn.run(
        "server.runner:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        **uvicorn_settings(),
        **tls_options(tls),
    )


# --------------------------------------------------------------------------- TLS and the public listener


def default_tls_directory() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("hallq")) / "tls"


def tls_options(tls: HallTls | None) -> dict[str, Any]:
    return {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)} if tls else {}


def serve_ca(app: FastAPI, ca_pem: bytes) -> None:
    """``GET /api/tls/ca.pem``: the hall CA's certificate, which devices check against the
    fingerprint they were given at enrolment before trusting it (server/tls.py)."""

    def hall_ca() -> Response:
        return Response(ca_pem, media_type="application/x-pem-file")

    app.add_api_route(CA_PATH, hall_ca, methods=["GET"], include_in_schema=False)


PUBLIC_PREFIXES = ("/t/", "/api/public/", "/b/")


class PublicOnly:
    """The app as citizens' phones see it on the public listener: the ticket status page and the
    public API only (GET/HEAD); everything else, the staff API and the event stream included, is
    a 404 there."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        booking = path == "/b" or path.startswith("/b/")
        if (
            scope["type"] == "http"
            and (path.startswith(PUBLIC_PREFIXES) or booking)
            and scope["method"] in (("GET", "HEAD", "POST") if booking else ("GET", "HEAD"))
        ):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4404, "reason": "not on the public listener"})
            return
        if scope["type"] == "lifespan":  # the staff listener runs the app's lifespan
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = json.dumps(
            {
                "error": "not_found",
                "message": {
                    "zh": "公共端口只提供取号状态页和预约页",
                    "en": "the public listener serves only the ticket status and booking pages",
                },
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


RENEW_CHECK_SECONDS = 12 * 3600


async def serve_listeners(
    main: uvicorn.Server,
    main_sockets: list[socket.socket] | None = None,
    public: uvicorn.Server | None = None,
    public_sockets: list[socket.socket] | None = None,
    renew: tuple[Path, list[str], str] | None = None,
) -> None:
    """The staff listener and, if any, the public one in one event loop (they share the app's
    event hub); when either stops the other does. ``renew`` = (directory, names, hall name):
    the server certificate is renewed before it ends and loaded for new connections."""

    async def renew_loop() -> None:
        assert renew is not None
        while True:
            await asyncio.sleep(RENEW_CHECK_SECONDS)
            tls, made = await asyncio.to_thread(ensure_server_tls, *renew)
            if made and main.config.ssl is not None:
                main.config.ssl.load_cert_chain(str(tls.cert), str(tls.key))
                log.warning("server certificate renewed until %s / 服务器证书已更新", tls.not_after.date())

    tasks = [asyncio.create_task(main.serve(main_sockets))]
    if public is not None:
        tasks.append(asyncio.create_task(public.serve(public_sockets)))
    background = asyncio.create_task(renew_loop()) if renew else None
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        main.should_exit = True
        if public is not None:
            public.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if background is not None:
            background.cancel()


def run_listeners(
    main: uvicorn.Server,
    main_sockets: list[socket.socket] | None = None,
    public: uvicorn.Server | None = None,
    public_sockets: list[socket.socket] | None = None,
    renew: tuple[Path, list[str], str] | None = None,
) -> None:
    """:func:`serve_listeners` on uvicorn's own event loop (uvloop where installed)."""
    with asyncio.Runner(loop_factory=main.config.get_loop_factory()) as runner:
        runner.run(serve_listeners(main, main_sockets, public, public_sockets, renew))


def _bound(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


class ServerThread:
    """uvicorn on a loopback address in a daemon thread; ``port=0`` picks a free port. With
    ``tls`` it serves HTTPS/WSS and the hall CA; with ``public_port`` (0 = any free port) a second,
    plain-HTTP listener serves only the public pages."""

    def __init__(
        self,
        store: ConfigStore,
        host: str = "127.0.0.1",
        port: int = 0,
        poll_seconds: float = 1.0,
        tls: HallTls | None = None,
        public_port: int | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.sock = _bound(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.tls = tls
        limits = limits or Limits()
        self.app = create_app(store, poll_seconds, limits=limits)
        if tls is not None:
            serve_ca(self.app, tls.ca_cert.read_bytes())
        options: dict[str, Any] = {"log_level": "warning", "access_log": False, "timeout_graceful_shutdown": 2, **uvicorn_settings(limits)}
        config = uvicorn.Config(self.app, ws_ping_interval=20, **options, **tls_options(tls))
        self.server = uvicorn.Server(config)
        self.public_sock: socket.socket | None = None
        self.public_server: uvicorn.Server | None = None
        if public_port is not None:
            self.public_sock = _bound(host, public_port)
            self.public_server = uvicorn.Server(uvicorn.Config(PublicOnly(self.app), lifespan="off", **options))
        self.thread = threading.Thread(target=self._run, name="hallq-server", daemon=True)

    def _run(self) -> None:
        run_listeners(self.server, [self.sock], self.public_server, [self.public_sock] if self.public_sock is not None else None)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def public_url(self) -> str:
        assert self.public_sock is not None
        return f"http://{self.host}:{self.public_sock.getsockname()[1]}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not (self.server.started and (self.public_server is None or self.public_server.started)):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("hall server did not start / 服务器未能启动")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.public_server is not None:
            self.public_server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        if self.public_sock is not None:
            self.public_sock.close()
