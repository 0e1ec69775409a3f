"""credentials that end: one window per logged-in clerk (clerk_sessions.clerk_id unique while
open), when a session was last used (clerk_sessions.last_seen_at), failed logins counted towards
a lockout (login_failures), and the sample hall's mark (halls.demo)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 09:00:00

Before this revision two server processes could both log one clerk in at two windows (each
checked, neither saw the other's uncommitted session); the partial unique index makes the
database refuse the second. Sessions left open twice for one clerk by that race are ended
(the older first) before the index is built, so the upgrade keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE TABLE/INDEX on both backends: no batch copy of referenced tables.
    op.add_column("halls", sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("clerk_sessions", sa.Column("last_seen_at", db.models.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("staff_no", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.Integer(), sa.ForeignKey("devices.id"), nullable=True),
        sa.Column("failed_at", db.models.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("login_failures_by_staff", "login_failures", ["hall_id", "staff_no", "failed_at"])
    op.create_index("login_failures_by_device", "login_failures", ["device_id", "failed_at"])
    # A clerk open at two windows keeps the newer session; the older ends as "moved".
    op.execute(
        "UPDATE clerk_sessions SET ended_at = started_at, end_reason = 'moved' "
        "WHERE ended_at IS NULL AND EXISTS (SELECT 1 FROM clerk_sessions AS newer "
        "WHERE newer.clerk_id = clerk_sessions.clerk_id AND newer.ended_at IS NULL AND newer.id > clerk_sessions.id)"
    )
    op.create_index(
        "one_window_per_clerk",
        "clerk_sessions",
        ["clerk_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("one_window_per_clerk", table_name="clerk_sessions")
    op.drop_index("login_failures_by_device", table_name="login_failures")
    op.drop_index("login_failures_by_staff", table_name="login_failures")
    op.drop_table("login_failures")
    for table, column in (("clerk_sessions", "last_seen_at"), ("halls", "demo")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
