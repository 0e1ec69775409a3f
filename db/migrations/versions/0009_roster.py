"""the roster: a clerk's own lunch turn and the day they signed off (签退) or were marked absent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:00:00

Three plain columns on clerks (hall.roster): existing clerks get no lunch turn of their own (the
hall's lunch hours) and are on duty as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clerks", sa.Column("lunch", sa.String(length=11), nullable=False, server_default=""))
    op.add_column("clerks", sa.Column("off_duty_day", sa.Date(), nullable=True))
    op.add_column("clerks", sa.Column("off_duty_reason", sa.String(length=16), nullable=False, server_default=""))


def downgrade() -> None:
    for column in ("off_duty_reason", "off_duty_day", "lunch"):
        op.execute(f"ALTER TABLE clerks DROP COLUMN {column}")
