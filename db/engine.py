"""Database engines for SQLite (the embedded default) and PostgreSQL.

SQLite: WAL so readers never block the writer, a busy timeout so writers queue instead of
failing, and every write transaction opened with ``BEGIN IMMEDIATE`` — with SQLite's default
deferred transactions two processes both read the same counter and hand out the same number.
Reads go through a second engine that opens plain deferred transactions, so displays and
snapshots never queue behind writers.

PostgreSQL (psycopg 3): READ COMMITTED plus explicit row locks (``FOR UPDATE``) in the
operations that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Engines:
    write: Engine
    read: Engine
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.write.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.write.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


def _sqlite_engine(url: str, immediate: bool, synchronous: str) -> Engine:
    engine = create_engine(
        url,
        # As many as the server's worker threads (anyio's default, 40): connections beyond the
        # pool are closed when returned, and each reopening runs the PRAGMAs below again.
        pool_size=40,
        max_overflow=20,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engines(url: str, synchronous: str = "FULL") -> Engines:
    """Engines for ``url``: ``sqlite:///path`` or ``postgresql+psycopg://...``.

    ``synchronous=FULL`` makes every committed ticket survive a power cut as well as a crash;
    NORMAL survives a process crash (kill -9) but not a power cut, and is faster.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return Engines(_sqlite_engine(url, True, synchronous), _sqlite_engine(url, False, synchronous), url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
        return Engines(engine, engine, url)
    raise ValueError(f"不支持的数据库 / unsupported database: {parsed.get_backend_name()}")
