"""report rollups: per-day report figures, their build record, and the indexes that find stale days

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollups",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=12), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("wait_histogram", sa.LargeBinary(), nullable=False),
        sa.Column("service_histogram", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.PrimaryKeyConstraint("hall_id", "dimension", "business_day", "key"),
    )
    op.create_table(
        "report_days",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("built_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pending_ratings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.PrimaryKeyConstraint("hall_id", "business_day"),
    )
    op.create_table(
        "report_watermarks",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("ratings_checked_to", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.PrimaryKeyConstraint("hall_id"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ratings_by_created_at", ["hall_id", "created_at"], unique=False)
        batch_op.create_index(
            "ratings_not_rated",
            ["hall_id"],
            unique=False,
            sqlite_where=sa.text("level IS NULL"),
            postgresql_where=sa.text("level IS NULL"),
        )
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.create_index("pauses_by_start", ["hall_id", "started_at"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("audit_by_time", ["hall_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("audit_by_time")
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.drop_index("pauses_by_start")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ratings_not_rated")
        batch_op.drop_index("ratings_by_created_at")
    op.drop_table("report_watermarks")
    op.drop_table("report_days")
    op.drop_table("report_rollups")
