"""the citizen's phone number for 差评回访, given on the pad with consent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 03:10:00

One plain column on followups (existing follow-ups have no contact) and the call log of each
follow-up (followup_calls).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("followups", sa.Column("contact_phone", sa.String(length=20), nullable=False, server_default=""))
    op.create_table(
        "followup_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("followup_id", sa.Integer(), sa.ForeignKey("followups.id"), nullable=False),
        sa.Column("called_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("caller", sa.String(length=100), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(length=500), nullable=False),
        sa.Column("rectification", sa.String(length=500), nullable=False),
        sa.Column("satisfaction", sa.String(length=24), nullable=False),
    )
    op.create_index("ix_followup_calls_hall_id", "followup_calls", ["hall_id"])
    op.create_index("ix_followup_calls_followup_id", "followup_calls", ["followup_id"])


def downgrade() -> None:
    op.drop_table("followup_calls")
    op.execute("ALTER TABLE followups DROP COLUMN contact_phone")
