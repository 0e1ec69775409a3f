"""``hallq db upgrade``: a backup first; a database newer than the code is refused; a migration
that fails half-way leaves the old database exactly as it was, and the server starts on it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from db import backup as backups
from db.schema import MIGRATIONS, database_revision
from db.upgrades import safe_upgrade
from hall.text import HallRuleError
from server.runner import prepare_hall
from tests.db.conftest import HallEnv

# A migration that changes the schema, then fails. Alembic runs the upgrade in one transaction,
# which the failure rolls back; {commit} makes the first change stick first (as a migration that
# commits on its own would), leaving exactly the half-way state the pre-upgrade backup undoes.
FAILING_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("half_way", sa.Integer(), nullable=True))
    {commit}
    op.create_table("half_way_table", sa.Column("id", sa.Integer(), primary_key=True))
    raise RuntimeError("injected failure half-way through the migration")


def downgrade() -> None:
    pass
"""


COMMIT_HALF_WAY = 'op.get_bind().exec_driver_sql("COMMIT")'


def _migrations_with(tmp_path: Path, source: str, commit: str = "pass") -> Path:
    copied = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copied, ignore=shutil.ignore_patterns("__pycache__"))
    head = sorted(p.name for p in (copied / "versions").glob("0*.py"))[-1][:4]
    (copied / "versions" / "0099_fails.py").write_text(source.format(head=head, commit=commit), encoding="utf-8")
    return copied


def _ticket_count(env: HallEnv) -> int:
    with sqlite3.connect(env.hall.engines.url.removeprefix("sqlite:///")) as connection:
        return int(connection.execute("SELECT count(*) FROM tickets").fetchone()[0])


def test_upgrade_takes_a_verified_backup_first(env: HallEnv, tmp_path: Path) -> None:
    env.issue("A")
    result = safe_upgrade(env.hall.engines, tmp_path / "backups", env.clock.now())
    assert result.before == result.after == database_revision(env.hall.engines)
    assert result.backup is not None and result.backup.tickets == _ticket_count(env) == 1


@pytest.mark.parametrize("commit", ["pass", COMMIT_HALF_WAY], ids=["rolled-back", "committed-half-way"])
def test_a_failed_migration_leaves_the_old_database_working(env: HallEnv, tmp_path: Path, commit: str) -> None:
    for _ in range(4):
        env.issue("A")
    before = database_revision(env.hall.engines)
    url = env.hall.engines.url
    with pytest.raises(HallRuleError) as failed:
        safe_upgrade(
            env.hall.engines, tmp_path / "backups", env.clock.now(), migrations=_migrations_with(tmp_path, FAILING_MIGRATION, commit)
        )
    assert failed.value.code == "upgrade_failed"
    assert "已恢复" in failed.value.message.zh and "back at its previous schema" in failed.value.message.en

    # As before: same revision, no trace of the half-applied migration, every ticket.
    assert database_revision(env.hall.engines) == before
    inspector = inspect(env.hall.engines.write)
    assert "half_way_table" not in inspector.get_table_names()
    assert "half_way" not in {c["name"] for c in inspector.get_columns("tickets")}
    assert _ticket_count(env) == 4

    # The (old) server starts on it and issues.
    env.hall.engines.dispose()
    restarted = prepare_hall(url, env.hall.config, clock=env.clock, synchronous="NORMAL")
    env.hall = restarted
    try:
        env.issue("A")
        assert _ticket_count(env) == 5
    finally:
        restarted.engines.dispose()


def test_a_database_newer_than_the_code_is_refused(env: HallEnv, tmp_path: Path) -> None:
    env.issue("A")
    newer = _migrations_with(
        tmp_path, FAILING_MIGRATION.replace('raise RuntimeError("injected failure half-way through the migration")', "")
    )
    safe_upgrade(env.hall.engines, tmp_path / "backups", env.clock.now(), migrations=newer)  # a newer hallq migrated it
    assert database_revision(env.hall.engines) == "0099"
    for attempt in (
        lambda: safe_upgrade(env.hall.engines, tmp_path / "backups", env.clock.now()),
        lambda: prepare_hall(env.hall.engines.url, env.hall.config, clock=env.clock, synchronous="NORMAL"),
    ):
        with pytest.raises(HallRuleError) as refused:
            attempt()
        assert refused.value.code == "database_newer_than_code"
        assert "比本程序" in refused.value.message.zh and "newer than this hallq" in refused.value.message.en
    assert len(backups.records(tmp_path / "backups")) == 1  # the refusal took no backup and changed nothing
