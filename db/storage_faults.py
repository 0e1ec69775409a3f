"""Faults of the machine under the database, told apart from "the database is not there": a
full disk (ENOSPC; SQLite says "database or disk is full") and a read-only database file or
mount (EROFS/EACCES; SQLite says "attempt to write a readonly database"). Each gets a message
that tells the hall's IT staff what to do; the server still answers 503 + Retry-After, so every
program pauses and resends the same request once the fault is cleared."""

from __future__ import annotations

import errno
from dataclasses import dataclass

from hall.text import Bilingual

DISK_FULL = "disk_full"
READ_ONLY = "database_read_only"


@dataclass(frozen=True)
class StorageFault:
    code: str
    message: Bilingual  # for the screens: what it means for the hall and what to do

    @property
    def cause(self) -> Bilingual:
        return CAUSES[self.code]


CAUSES = {DISK_FULL: Bilingual("磁盘已满", "the disk is full"), READ_ONLY: Bilingual("文件或磁盘只读", "read-only file or disk")}


FAULTS = {
    DISK_FULL: Bilingual(
        "服务器磁盘已满，暂停取号：请清理大厅服务器的磁盘（旧日志、旧备份），清理后自动恢复",
        "the hall server's disk is full; issuing is paused: free space on the server (old logs, old backups) and it resumes",
    ),
    READ_ONLY: Bilingual(
        "数据库文件只读，暂停取号：请检查大厅服务器的磁盘挂载和文件权限，恢复可写后自动继续",
        "the database file is read-only; issuing is paused: check the server's disk mount and file permissions, it resumes once writable",
    ),
}


def storage_fault(error: BaseException) -> StorageFault | None:
    """The storage fault behind ``error`` (a SQLAlchemy error, a sqlite3 error, an OSError), or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        number = getattr(current, "errno", None) if isinstance(current, OSError) else None
        text = str(current).lower()
        if number == errno.ENOSPC or "disk is full" in text or "no space left" in text:
            return StorageFault(DISK_FULL, FAULTS[DISK_FULL])
        if number in (errno.EROFS, errno.EACCES) or "readonly database" in text or "read-only file system" in text:
            return StorageFault(READ_ONLY, FAULTS[READ_ONLY])
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None
