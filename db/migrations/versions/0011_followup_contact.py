"""the citizen's phone number for 差评回访, given on the pad with consent

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 03:10:00

One plain column on followups; existing follow-ups have no contact.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("followups", sa.Column("contact_phone", sa.String(length=20), nullable=False, server_default=""))


def downgrade() -> None:
    op.execute("ALTER TABLE followups DROP COLUMN contact_phone")
