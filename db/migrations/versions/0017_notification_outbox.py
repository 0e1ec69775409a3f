"""text messages (短信): the notification outbox and the contacts it sends to

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05 14:30:00

notify_contacts keeps a mobile number a citizen gave (keyed hash, masked, and in clear only
until it is no longer needed); notifications is the outbox server.notify sends from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True, unique=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True, unique=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=20), nullable=False),
        sa.Column("phone_clear", sa.String(length=20), nullable=False),
        sa.Column("keep_until", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_contacts_hall_id", "notify_contacts", ["hall_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hall_id", sa.Integer(), sa.ForeignKey("halls.id"), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("notify_contacts.id"), nullable=False),
        sa.Column("phone_masked", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("hall_id", "dedupe_key", name="one_message_per_event"),
    )
    op.create_index("notifications_due", "notifications", ["status", "next_try_at"])
    op.create_index("notifications_by_day", "notifications", ["hall_id", "created_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("notify_contacts")
