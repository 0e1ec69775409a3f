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

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_SOFT_HEAP_LIMIT_BYTES = 24 << 20  # all connections of the process together
# When a checkpoint lets the next writer start the WAL over, SQLite cuts the file back to this size;
# without a limit it keeps its high-water mark for good (one afternoon's long report = a 60 MB WAL).
SQLITE_JOURNAL_SIZE_LIMIT_BYTES = 16 << 20


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
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_JOURNAL_SIZE_LIMIT_BYTES}")
        # Process-wide: past it SQLite recycles the page caches of the pool's 40 connections
        # instead of letting each fill its own 2 MB as the database grows.
        cursor.execute(f"PRAGMA soft_heap_limit={SQLITE_SOFT_HEAP_LIMIT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_directory(path: Path) -> Path:
    """``path`` created 0700 if missing (parents too). An existing directory is left as it is —
    it may be shared on purpose — but hallq's own files in it are 0600."""
    if not path.exists():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        path.chmod(PRIVATE_DIR)  # mkdir's mode is masked by the umask
    return path


def write_private_file(path: Path, text: str) -> Path:
    """``text`` in a file only its owner can read (0600 from the start: never readable for a moment)."""
    private_directory(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), PRIVATE_FILE)
        file.write(text)
    return path


def _private_sqlite_file(database: str) -> None:
    """The database file exists 0600 before SQLite opens it; SQLite creates its WAL and
    shared-memory files with the database file's permissions. A file left readable by others
    (an older hallq, a copy) is made private."""
    path = Path(database)
    private_directory(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
            file.chmod(PRIVATE_FILE)


def make_engines(url: str, synchronous: str = "FULL") -> Engines:
    """Engines for ``url``: ``sqlite:///path`` or ``postgresql+psycopg://...``.

    ``synchronous=FULL`` makes every committed ticket survive a power cut as well as a crash;
    NORMAL survives a process crash (kill -9) but not a power cut, and is faster.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_sqlite_file(parsed.database)
        return Engines(_sqlite_engine(url, True, synchronous), _sqlite_engine(url, False, synchronous), url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
        return Engines(engine, engine, url)
    raise ValueError(f"不支持的数据库 / unsupported database: {parsed.get_backend_name()}")
