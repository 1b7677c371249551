"""appointments, their history, awaiting-reply records, deadline breaches

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("staff_first_name", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("next_reminder_at", WHEN, nullable=True),
        sa.Column("confirmed_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name="fk_appointments_person_id_persons"
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name="fk_appointments_referral_id_referrals"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
    )
    op.create_index("ix_appointments_next_reminder_at", "appointments", ["next_reminder_at"])
    op.create_index("ix_appointments_person_service", "appointments", ["person_id", "service_id"])
    op.create_table(
        "appointment_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_appointment_history_appointment_id_appointments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_history"),
    )
    op.create_index("ix_appointment_history_appointment", "appointment_history", ["appointment_id"])
    op.create_table(
        "awaiting_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name="fk_awaiting_replies_appointment_id_appointments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_awaiting_replies"),
    )
    op.create_index("ix_awaiting_replies_address", "awaiting_replies", ["address"])
    op.create_table(
        "deadline_breaches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("deadline", sa.String(length=20), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name="fk_deadline_breaches_referral_id_referrals",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deadline_breaches"),
        sa.UniqueConstraint(
            "referral_id", "deadline", name="uq_deadline_breaches_referral_deadline"
        ),
    )


def downgrade() -> None:
    op.drop_table("deadline_breaches")
    op.drop_index("ix_awaiting_replies_address", table_name="awaiting_replies")
    op.drop_table("awaiting_replies")
    op.drop_index("ix_appointment_history_appointment", table_name="appointment_history")
    op.drop_table("appointment_history")
    op.drop_index("ix_appointments_person_service", table_name="appointments")
    op.drop_index("ix_appointments_next_reminder_at", table_name="appointments")
    op.drop_table("appointments")
