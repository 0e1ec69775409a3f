"""tickets keep who issued them and whether staff handles (代办) or helps (帮办) the citizen

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:00:00

Two plain columns on tickets: the guide desk's staff name or number that issued it ("" for a
kiosk or a check-in) and the assisted-service mode (hall.tickets.ASSIST_MODES, "" for none).
Existing tickets were issued by no one in particular and without assistance.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("issued_by", sa.String(length=100), nullable=False, server_default=""))
    op.add_column("tickets", sa.Column("assist", sa.String(length=8), nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("assist", "issued_by"):
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
