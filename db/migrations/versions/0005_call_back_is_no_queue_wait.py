"""services.queue_wait: a call-back of a parked ticket is no wait in the queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:00:00

A ticket parked (挂起, e.g. while the citizen fetches a document) and called back got a second
service whose waiting time ran from the first queueing: the time set aside counted as waiting,
twice over. Such services are now marked and left out of the waiting-time figures. Existing
call-backs (the service right after one that ended 'parked') are marked too, and the stored
report rollups are dropped so that every closed day is rebuilt (on the next report) by the new
definition.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The service right after one of the same ticket that ended 'parked'.
CALL_BACKS = """
UPDATE services SET queue_wait = false
WHERE EXISTS (
    SELECT 1 FROM services AS parked
    WHERE parked.ticket_id = services.ticket_id AND parked.end_reason = 'parked' AND parked.id < services.id
      AND NOT EXISTS (
        SELECT 1 FROM services AS between_them
        WHERE between_them.ticket_id = services.ticket_id AND between_them.id > parked.id AND between_them.id < services.id
      )
)
"""


def upgrade() -> None:
    # ADD COLUMN with a constant default: no table rebuild on either database, so no batch mode.
    op.add_column("services", sa.Column("queue_wait", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(CALL_BACKS)
    forget_rollups()


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("queue_wait")
    forget_rollups()


def forget_rollups() -> None:
    """A day without a report_days row is built again the next time a report reads it."""
    op.execute("DELETE FROM report_rollups")
    op.execute("DELETE FROM report_days")
