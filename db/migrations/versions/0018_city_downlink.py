"""the catalogue and notices the city sends down, and items the catalogue retired

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-05 14:20:00

``city_downlink``: per hall and kind (catalogue, notices) the version the hall applied, when, its
content and the last poll's outcome (server/city_downlink.py). ``items.active``: an item the
city's catalogue no longer lists stays (tickets name it) but is offered no more.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "city_downlink",
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("city_downlink")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("active")
