"""What the soak records after each hall day: memory of every process, the database and its WAL,
the log files and their rotations, the nightly backups, the day's tickets and rollover, and the
error lines each process wrote that day.

RSS is read from /proc/<pid>/status (VmRSS, Linux — the hall server's OS) rather than through a
new dependency; the database is read-only through sqlite3 (the conductor is a tool beside the
hall, like ``hallq report``, and never writes it).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback \(most recent call last\)")
MB = 1024 * 1024


def rss_mb(pid: int) -> float:
    """Resident memory of a live process in MB (0.0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def open_files(pid: int) -> int:
    """File descriptors a process holds (a leaked connection or file shows here first)."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def log_files(log: Path) -> list[Path]:
    """A log and its rotated copies (server.log, server.log.1 ... as RotatingFileHandler names them)."""
    rotated = sorted(log.parent.glob(log.name + ".*"), key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    return [log, *(p for p in rotated if p.suffix[1:].isdigit())]


@dataclass
class LogReader:
    """Reads what a (possibly rotating) log gained since the last reading. The position is the
    file's inode and offset: after a rotation the old file is found again by its inode among the
    numbered copies and read to its end, then the newer copies and the current file."""

    path: Path
    inode: int | None = None
    offset: int = 0
    rotations: int = 0

    def new_lines(self) -> list[str]:
        files = log_files(self.path)
        inodes = [(p, p.stat().st_ino) for p in files if p.exists()]
        if not inodes:
            return []
        chunks: list[bytes] = []
        current_inode = inodes[0][1]
        if self.inode != current_inode:
            # Rotated since the last reading (or never read): the copy we were in is found by its
            # inode and read on from where we stopped; the copies newer than it lie between it and
            # the current file and are read whole, oldest first.
            older = [p for p, inode in inodes if inode == self.inode]
            index = files.index(older[0]) if older else len(inodes)
            self.rotations += index if self.inode is not None else len(inodes) - 1
            if older:
                chunks.append(self._read(older[0], self.offset))
            chunks.extend(self._read(p, 0) for p, _inode in reversed(inodes[1:index]))
            self.offset = 0
        current = self._read(inodes[0][0], self.offset)
        chunks.append(current)
        self.inode, self.offset = current_inode, self.offset + len(current)
        return b"".join(chunks).decode("utf-8", errors="replace").splitlines()

    @staticmethod
    def _read(path: Path, offset: int) -> bytes:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read()


@dataclass
class TicketDay:
    issued: int
    done: int
    restarted: bool  # every series of the day began again at 1


def ticket_count(database: Path, day: date) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as conn:
        (count,) = conn.execute("SELECT count(*) FROM tickets WHERE business_day = ?", (day.isoformat(),)).fetchone()
    conn.close()
    return int(count)


def ticket_day(database: Path, day: date) -> TicketDay:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as conn:
        issued, done = conn.execute(
            "SELECT count(*), coalesce(sum(status = 'done'), 0) FROM tickets WHERE business_day = ?", (day.isoformat(),)
        ).fetchone()
        firsts = [
            row[0] for row in conn.execute("SELECT min(number) FROM tickets WHERE business_day = ? GROUP BY series", (day.isoformat(),))
        ]
    conn.close()
    return TicketDay(issued, done, bool(firsts) and all(first == 1 for first in firsts))


@dataclass
class Backups:
    newest: str  # file name of the newest backup
    count: int
    newest_bytes: int
    total_bytes: int
    stray: list[str] = field(default_factory=list)  # files that are neither a backup, its record nor the schedule marker


def backups_in(directory: Path, settle_seconds: float = 0.0) -> Backups:
    """The backup folder; with ``settle_seconds``, a file counts as left over only if it is still
    there that much later (the server's retention removes an old backup, then its record, while
    the soak may be looking: the first 30-day run flagged such a record four times)."""
    found = _backups_now(directory)
    if settle_seconds and found.stray:
        time.sleep(settle_seconds)
        found.stray = [name for name in _backups_now(directory).stray if name in found.stray]
    return found


def _backups_now(directory: Path) -> Backups:
    files = [path for _, path in sorted(_still_there(directory.glob("hallq-*.db")))] if directory.exists() else []
    expected = {p.name for p in files} | {p.with_suffix(".json").name for p in files} | {"scheduled-since"}
    # A backup being written right now has a .partial copy for a moment; anything else is left over.
    stray = sorted(p.name for p in directory.iterdir() if p.name not in expected and not p.name.endswith(".partial")) if files else []
    return Backups(
        files[-1].name if files else "", len(files), file_size(files[-1]) if files else 0, sum(file_size(p) for p in files), stray
    )


def _still_there(paths: Iterable[Path]) -> Iterator[tuple[float, Path]]:
    """(mtime, path) of each file not removed since it was listed: retention deletes old backups
    while the soak looks (a 30-day run died on one listed, then gone)."""
    for path in paths:
        try:
            yield path.stat().st_mtime, path
        except FileNotFoundError:
            continue


@dataclass
class DayRecord:
    """One row of the soak table."""

    number: int
    day: date
    business_day: str  # as the server's snapshot gave it during the day
    tickets: TicketDay
    rss_mb: dict[str, float]
    server_files: int  # the server's open file descriptors (sockets, database, backups, logs)
    database_bytes: int
    wal_bytes: int
    log_bytes: int  # every process's log, rotated copies included
    rotations: int  # server log rotations so far
    backups: Backups
    errors: dict[str, list[str]] = field(default_factory=dict)  # process -> that day's error lines

    @property
    def error_count(self) -> int:
        return sum(len(lines) for lines in self.errors.values())
