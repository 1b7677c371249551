"""each call a volunteer is prompted for, with its outcome; a volunteer's unavailable day

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("callee_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("request_at", WHEN, nullable=True),
        sa.Column("requested_at", WHEN, nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("outcome_at", WHEN, nullable=True),
        sa.Column("retried_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["call_slots.id"], name="fk_calls_slot_id_call_slots", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["callee_id"], ["callees.id"], name="fk_calls_callee_id_callees", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("slot_id", "starts_at", name="uq_calls_slot_starts"),
    )
    op.create_index("ix_calls_request_at", "calls", ["request_at"])
    op.create_index("ix_calls_volunteer_starts", "calls", ["volunteer_id", "starts_at"])
    op.add_column("volunteers", sa.Column("unavailable_on", sa.Date(), nullable=True))
    op.create_index("ix_volunteers_address", "volunteers", ["address"])


def downgrade() -> None:
    op.drop_index("ix_volunteers_address", table_name="volunteers")
    with op.batch_alter_table("volunteers") as batch:
        batch.drop_column("unavailable_on")
    op.drop_index("ix_calls_volunteer_starts", table_name="calls")
    op.drop_index("ix_calls_request_at", table_name="calls")
    op.drop_table("calls")
