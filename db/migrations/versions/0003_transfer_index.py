"""an index for the tickets transferred to a named window (call-next looks for them at every call)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX on both databases: no table rebuild, so no batch mode.
    op.create_index(
        "tickets_transferred_to_window",
        "tickets",
        ["target_window_id"],
        unique=False,
        sqlite_where=sa.text("target_window_id IS NOT NULL"),
        postgresql_where=sa.text("target_window_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("tickets_transferred_to_window", table_name="tickets")
