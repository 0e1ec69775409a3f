"""the hall's cursor on the event outbox shipped to the city

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 05:30:00

One row per hall (server/city_link.py): the last event seq the city acknowledged and when. A
hall without a city link never writes it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city_link",
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), primary_key=True),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("acked_at", db.models.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("city_link")
