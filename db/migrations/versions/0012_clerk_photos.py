"""岗位公示 photos: one photo per clerk, out of the clerks table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 03:10:00

A new table (db.models.ClerkPhoto); clerks.photo (a text column since 0001, unused until now)
holds the stored photo's tag. Existing clerks have no photo and show their initial as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clerk_photos",
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("clerks.id"), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_clerk_photos_hall_id", "clerk_photos", ["hall_id"])


def downgrade() -> None:
    op.drop_index("ix_clerk_photos_hall_id", table_name="clerk_photos")
    op.drop_table("clerk_photos")
