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
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "tickets_transferred_to_window",
            ["target_window_id"],
            unique=False,
            sqlite_where=sa.text("target_window_id IS NOT NULL"),
            postgresql_where=sa.text("target_window_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("tickets_transferred_to_window")
