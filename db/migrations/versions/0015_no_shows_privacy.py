"""爽约 records and the hall's privacy settings (issue 17 points 3 and 5)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 14:30:00

halls gets ``privacy`` (the [privacy] table as JSON: retention_days); booking_no_shows keeps one
row per counted no-show (the number's keyed hash and the day only), which the suspension rule reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("halls", sa.Column("privacy", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "booking_no_shows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id"), nullable=False, unique=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("counted_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("no_shows_by_phone", "booking_no_shows", ["hall_id", "phone_hash", "business_day"])


def downgrade() -> None:
    op.drop_index("no_shows_by_phone", table_name="booking_no_shows")
    op.drop_table("booking_no_shows")
    op.execute("ALTER TABLE halls DROP COLUMN privacy")
