"""device health (devices.health, devices.last_seen_at), each window's phone (windows.phone) and
the materials received for a 承诺件 (services.materials_received)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:00:00

Every program now reports the state of its devices (hall.devices); the server keeps the last report
and when it came, so the manager sees a printer out of paper or a silent kiosk. A window's phone
number is printed on the 承诺件告知单 so the applicant can ask about the case, with the materials
the clerk ticked as received (the applicant's receipt for them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (with defaults), which SQLite does in place: batch mode would copy the
    # windows table, which the foreign keys of tickets and devices forbid.
    op.add_column("devices", sa.Column("health", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("devices", sa.Column("last_seen_at", db.models.UTCDateTime(timezone=True), nullable=True))
    op.add_column("windows", sa.Column("phone", sa.String(length=40), nullable=False, server_default=""))
    op.add_column("services", sa.Column("materials_received", sa.JSON(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place on both backends (SQLite >= 3.35), for the same reason as above.
    for table, column in (("services", "materials_received"), ("windows", "phone"), ("devices", "last_seen_at"), ("devices", "health")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
