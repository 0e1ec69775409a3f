"""Backups and restores of the hall's database: ``hallq db backup`` / ``hallq db restore``.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
the server keeps issuing; the copy is opened, checked with ``PRAGMA integrity_check`` and its
tickets counted before it is given its final name — a backup nobody verified is not a backup.
PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot), checked by ``pg_restore --list``;
restored with ``pg_restore --clean``.

Each good backup gets a small JSON record beside it (when, how many tickets, size); the newest
record is "the last good backup" the server reports and the manager console shows.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import private_directory
from db.storage_faults import storage_fault
from hall.text import HallRuleError

SQLITE_SUFFIX = ".db"
POSTGRES_SUFFIX = ".dump"
RECORD_SUFFIX = ".json"
DEFAULT_KEEP = 14  # two weeks of nightly backups


@dataclass(frozen=True)
class BackupRecord:
    path: str
    taken_at: str  # ISO 8601, UTC
    tickets: int
    size_bytes: int
    backend: str

    @property
    def taken(self) -> datetime:
        return datetime.fromisoformat(self.taken_at)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise HallRuleError("backup_memory", "内存数据库无法备份", "an in-memory database cannot be backed up")
    return Path(parsed.database)


def libpq_url(url: str) -> str:
    """pg_dump and pg_restore take libpq URLs: no ``+psycopg`` driver part."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def find_pg_tool(name: str, bindir: Path | None = None) -> str:
    if bindir is not None and (bindir / name).exists():
        return str(bindir / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])  # the newest: pg_dump refuses servers newer than itself
    raise HallRuleError("no_pg_tool", f"找不到 {name}，请安装 postgresql-client", f"{name} not found: install postgresql-client")


def verify_sqlite_copy(path: Path) -> int:
    """Opens the copy read-only, checks its integrity and returns its ticket count."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise HallRuleError(
                    "backup_corrupt", f"备份文件已损坏：{path}（{verdict}）", f"the backup file is damaged: {path} ({verdict})"
                )
            return int(connection.execute("SELECT count(*) FROM tickets").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise HallRuleError(
            "backup_unreadable", f"备份文件无法读取：{path}（{error}）", f"the backup file cannot be read: {path} ({error})"
        ) from error


def _count_postgres_tickets(url: str) -> int:
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute("SELECT count(*) FROM tickets").fetchone()
        return int(row[0]) if row else 0


def _run_tool(command: list[str], what_zh: str, what_en: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        raise HallRuleError("pg_tool_failed", f"{what_zh}失败：{detail}", f"{what_en} failed: {detail}")
    return result


def _write_failed(error: BaseException, directory: Path) -> HallRuleError:
    fault = storage_fault(error)
    zh, en = (fault.cause.zh, fault.cause.en) if fault else (str(error), str(error))
    return HallRuleError("backup_failed", f"备份无法写入 {directory}：{zh}", f"the backup cannot be written to {directory}: {en}")


def backup(url: str, directory: Path, now: datetime, keep: int = DEFAULT_KEEP, pg_bindir: Path | None = None) -> BackupRecord:
    """A verified backup of ``url`` in ``directory``, then the oldest beyond ``keep`` removed."""
    private_directory(directory)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    source = _sqlite_path(url)
    if source is not None:
        final = directory / f"hallq-{stamp}{SQLITE_SUFFIX}"
        partial = final.with_name(final.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            # closing(): a sqlite3 connection's own "with" commits but does not close, and the copy,
            # left open in the live database's WAL mode, kept a -wal and -shm beside every backup.
            with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
                live.backup(copy)  # the online backup API: a consistent snapshot while the hall runs
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except (sqlite3.Error, OSError) as error:
            partial.unlink(missing_ok=True)  # a half-written copy only takes the space a next try needs
            raise _write_failed(error, directory) from error
        os.chmod(partial, 0o600)
        tickets = verify_sqlite_copy(partial)
        backend = "sqlite"
    else:
        final = directory / f"hallq-{stamp}{POSTGRES_SUFFIX}"
        partial = final.with_name(final.name + ".partial")
        tickets = _count_postgres_tickets(url)
        _run_tool([find_pg_tool("pg_dump", pg_bindir), "-Fc", "-f", str(partial), libpq_url(url)], "pg_dump 备份", "pg_dump")
        os.chmod(partial, 0o600)
        listing = _run_tool([find_pg_tool("pg_restore", pg_bindir), "--list", str(partial)], "检查备份", "checking the dump")
        if "TABLE DATA public tickets" not in listing.stdout:
            raise HallRuleError("backup_incomplete", "备份中没有取号记录表", "the dump holds no tickets table")
        backend = "postgresql"
    partial.replace(final)
    record = BackupRecord(str(final), now.isoformat(), tickets, final.stat().st_size, backend)
    final.with_suffix(RECORD_SUFFIX).write_text(json.dumps(asdict(record), ensure_ascii=False), encoding="utf-8")
    prune(directory, keep)
    return record


def records(directory: Path) -> list[BackupRecord]:
    """Good backups in ``directory``, oldest first (a record without its file does not count)."""
    found: list[BackupRecord] = []
    if not directory.is_dir():
        return found
    for record_file in directory.glob(f"hallq-*{RECORD_SUFFIX}"):
        try:
            record = BackupRecord(**json.loads(record_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if Path(record.path).exists():
            found.append(record)
    return sorted(found, key=lambda r: r.taken_at)


def latest(directory: Path) -> BackupRecord | None:
    good = records(directory)
    return good[-1] if good else None


def prune(directory: Path, keep: int) -> list[Path]:
    """Removes all but the newest ``keep`` backups; returns what was removed."""
    removed: list[Path] = []
    for record in records(directory)[: max(0, len(records(directory)) - max(keep, 1))]:
        path = Path(record.path)
        path.unlink(missing_ok=True)
        path.with_suffix(RECORD_SUFFIX).unlink(missing_ok=True)
        removed.append(path)
    return removed


def restore(url: str, backup_file: Path, pg_bindir: Path | None = None) -> int:
    """Puts ``backup_file`` back as the hall's database; returns its ticket count. Stop the server
    first: a running server would keep serving from its open connections."""
    if not backup_file.exists():
        raise HallRuleError("backup_missing", f"找不到备份文件：{backup_file}", f"no such backup file: {backup_file}")
    target = _sqlite_path(url)
    if target is not None:
        tickets = verify_sqlite_copy(backup_file)
        # The backup API in reverse: pages are written under SQLite's own locking, and the
        # target's WAL is reset with them, so no stale WAL frame is replayed over the restore.
        with closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as saved, closing(sqlite3.connect(target)) as live:
            saved.backup(live)
        return tickets
    _run_tool(
        [find_pg_tool("pg_restore", pg_bindir), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "-d", libpq_url(url), str(backup_file)],
        "pg_restore 恢复", "pg_restore",
    )  # fmt: skip
    return _count_postgres_tickets(url)


def default_directory(url: str) -> Path:
    """``backups/`` beside a SQLite database; in hallq's data directory for PostgreSQL."""
    source = _sqlite_path(url)
    if source is not None:
        return source.parent / "backups"
    from platformdirs import user_data_dir

    return Path(user_data_dir("hallq")) / "backups"
