"""``hallq db upgrade``: a verified backup first, then the migrations; if one fails, the database
is put back exactly as it was, so the old hallq keeps running on it.

Alembic runs the whole upgrade in one transaction, and SQLite's and PostgreSQL's DDL are both
transactional, so an ordinary failure is rolled back. A migration that commits part of its work
on its own cannot be rolled back, so on SQLite the backup taken just before is restored over the
file after any failure (cheap, and certain); on PostgreSQL the backup is there for whoever
needs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from db import backup as backups
from db.engine import Engines
from db.schema import MIGRATIONS, alembic_config, database_revision, refuse_newer_database, upgrade
from hall.text import HallRuleError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str | None
    backup: backups.BackupRecord | None


def safe_upgrade(
    engines: Engines, backup_directory: Path, now: datetime, migrations: Path = MIGRATIONS, pg_bindir: Path | None = None
) -> UpgradeResult:
    refuse_newer_database(engines, alembic_config(engines.url, migrations))
    before = database_revision(engines)
    # An empty database has nothing to lose; every other one is backed up and verified first.
    record = backups.backup(engines.url, backup_directory, now, pg_bindir=pg_bindir) if before is not None else None
    try:
        upgrade(engines, migrations)
    except Exception as error:
        log.error("migration failed at %s: %s", database_revision(engines), error)
        if record is not None and engines.is_sqlite:
            engines.dispose()  # no pooled connection may hold the half-migrated file open
            backups.restore(engines.url, Path(record.path))
        raise HallRuleError(
            "upgrade_failed",
            f"数据库升级失败（{error}）；数据库已恢复到升级前的版本 {before}，旧版本程序可继续使用。备份：{record.path if record else '无'}",
            f"the database upgrade failed ({error}); the database is back at its previous schema {before} and the "
            f"previous hallq keeps working on it. Backup: {record.path if record else 'none'}",
        ) from error
    return UpgradeResult(before, database_revision(engines), record)
