"""citizens' bookings (预约): slot places, booking requests verified by SMS code, hall settings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 05:30:00

halls gets the booking settings (JSON) and the address booking pages show; appointments gets
the columns of a citizen's booking (status, day, keyed phone hash, pending request and its
verification code hash); booking_slots counts the places taken per category and slot.
Existing appointments (made by a manager) stay ``booked`` and hold no place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BOOKED_WITH_PHONE = "status = 'booked' AND phone_hash <> ''"


def upgrade() -> None:
    op.add_column("halls", sa.Column("booking", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("halls", sa.Column("address_zh", sa.String(length=200), nullable=False, server_default=""))
    op.add_column("halls", sa.Column("address_en", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="booked"))
        batch.add_column(sa.Column("business_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("slot_minutes", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("phone_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("request_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("verify_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("verify_expires_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verify_failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("created_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_appointments_request_token", ["request_token"])
    op.create_index(
        "one_booking_per_phone_day",
        "appointments",
        ["hall_id", "phone_hash", "category_id", "business_day"],
        unique=True,
        sqlite_where=sa.text(BOOKED_WITH_PHONE),
        postgresql_where=sa.text(BOOKED_WITH_PHONE),
    )
    op.create_index("bookings_by_phone", "appointments", ["hall_id", "phone_hash", "business_day"])
    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id"), nullable=False),
        sa.Column("slot_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.UniqueConstraint("hall_id", "category_id", "slot_at", name="one_row_per_slot"),
    )


def downgrade() -> None:
    op.drop_table("booking_slots")
    op.drop_index("bookings_by_phone", table_name="appointments")
    op.drop_index("one_booking_per_phone_day", table_name="appointments")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_constraint("uq_appointments_request_token", type_="unique")
        for column in (
            "cancelled_at",
            "created_at",
            "verify_failures",
            "verify_expires_at",
            "verify_hash",
            "request_token",
            "phone_hash",
            "slot_minutes",
            "business_day",
            "status",
        ):
            batch.drop_column(column)
    for column in ("address_en", "address_zh", "booking"):
        op.execute(f"ALTER TABLE halls DROP COLUMN {column}")
