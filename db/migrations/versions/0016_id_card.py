"""ID card at the kiosk (一人一号): the holder's keyed ID hash and masked form on tickets, the hash on bookings

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 14:30:00

tickets gets ``id_hash`` (HMAC-SHA256 with the hall's key, hall.identity) and ``id_masked``
(3701**********1234); appointments gets ``id_hash``. The number itself is never stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

WITH_ID = "id_hash <> ''"


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of tickets would trip the foreign keys that point at it on SQLite
    op.add_column("tickets", sa.Column("id_hash", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("tickets", sa.Column("id_masked", sa.String(length=18), nullable=False, server_default=""))
    op.add_column("appointments", sa.Column("id_hash", sa.String(length=64), nullable=False, server_default=""))
    op.create_index(
        "tickets_by_person",
        "tickets",
        ["hall_id", "id_hash", "category_id", "status"],
        sqlite_where=sa.text(WITH_ID),
        postgresql_where=sa.text(WITH_ID),
    )


def downgrade() -> None:
    op.drop_index("tickets_by_person", table_name="tickets")
    op.drop_column("appointments", "id_hash")   # plain DROP COLUMN (SQLite >= 3.35), as in upgrade
    op.drop_column("tickets", "id_masked")
    op.drop_column("tickets", "id_hash")
