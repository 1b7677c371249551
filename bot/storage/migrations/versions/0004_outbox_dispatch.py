"""outbox dispatch: priority, quiet hours, lateness, idempotency keys, leases, segments

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.String(length=10), nullable=False, server_default="normal")
        )
        batch_op.add_column(
            sa.Column("quiet_exempt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("not_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("encoding", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("segments", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch_op.create_unique_constraint("uq_outbox_idempotency_key", ["idempotency_key"])
    # Until now every urgent row was a direct reply or a staff alert: both ignore quiet hours.
    op.execute(
        "UPDATE outbox SET priority = 'urgent', quiet_exempt = "
        + ("true" if op.get_context().dialect.name == "postgresql" else "1")
        + " WHERE urgent"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("urgent")
    # The claim walks queued rows urgent first (u > n > b), oldest first within a priority.
    op.create_index(
        "ix_outbox_claim", "outbox", ["status", sa.text("priority DESC"), "id"], unique=False
    )
    op.create_index("ix_outbox_address_status", "outbox", ["address", "status"], unique=False)
    # A blocked bot or a deleted chat: nothing more is sent there until the person writes.
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")
    op.drop_index("ix_outbox_address_status", table_name="outbox")
    op.drop_index("ix_outbox_claim", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE outbox SET urgent = (priority = 'urgent')")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_idempotency_key", type_="unique")
        for column in (
            "language",
            "segments",
            "encoding",
            "lease_until",
            "lease_owner",
            "idempotency_key",
            "not_after",
            "quiet_exempt",
            "priority",
        ):
            batch_op.drop_column(column)
