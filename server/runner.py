"""Running the hall server: in a background thread (embedded default, demo and tests) or as
the foreground ``hallq server`` process."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from db.config_ops import ConfigStore
from db.engine import Engines, make_engines
from db.schema import import_hall, upgrade
from hall.clock import Clock, SystemClock
from hall.config import HallConfig, load_sample_hall
from server.app import create_app
from server.limits import Limits, raise_open_file_limit, uvicorn_settings

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
    return Hall(engines, ConfigStore(engines, clock or SystemClock()), hall_id, config)


DATABASE_URL_VARIABLE = "HALLQ_DATABASE_URL"


def app_from_environment() -> FastAPI:
    """The app of one ``hallq server --workers N`` process (a uvicorn factory): each worker opens
    its own engines on the database the parent prepared; they share the listening socket and
    exchange events through PostgreSQL LISTEN/NOTIFY like servers on separate machines."""
    url = os.environ[DATABASE_URL_VARIABLE]
    return create_app(ConfigStore(make_engines(url), SystemClock()), owns_process=True)


def run_workers(url: str, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Serve a prepared PostgreSQL hall from ``workers`` processes. SQLite stays one process: it
    has one writer, and its group commit and caches live in that process."""
    if make_url(url).get_backend_name() != "postgresql":
        raise ValueError("多个服务进程需要 PostgreSQL / several server processes need PostgreSQL (SQLite runs one process)")
    os.environ[DATABASE_URL_VARIABLE] = url
    raise_open_file_limit()
    uvicorn.run(
        "server.runner:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        **uvicorn_settings(),
    )


class ServerThread:
    """uvicorn on 127.0.0.1 in a daemon thread; ``port=0`` picks a free port."""

    def __init__(
        self, store: ConfigStore, host: str = "127.0.0.1", port: int = 0, poll_seconds: float = 1.0, limits: Limits | None = None
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        limits = limits or Limits()
        self.app = create_app(store, poll_seconds, limits=limits)
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, ws_ping_interval=20, timeout_graceful_shutdown=2, **uvicorn_settings(limits)
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, name="hallq-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("hall server did not start / 服务器未能启动")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
