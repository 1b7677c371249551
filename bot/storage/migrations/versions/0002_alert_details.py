"""alert details: the words that raised an alert, who handled it and how

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_alerts", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=20), type_=sa.String(length=30)
        )
        batch_op.add_column(sa.Column("words", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("handled_note", sa.Text(), nullable=True))
    # INTERFACES names the kind `person_requested`.
    op.execute("UPDATE staff_alerts SET kind = 'person_requested' WHERE kind = 'person'")


def downgrade() -> None:
    op.execute("UPDATE staff_alerts SET kind = 'person' WHERE kind = 'person_requested'")
    with op.batch_alter_table("staff_alerts", schema=None) as batch_op:
        batch_op.drop_column("handled_note")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("words")
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=30), type_=sa.String(length=20)
        )
