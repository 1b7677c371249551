"""groups, their members and session changes; volunteers, callees and call slots

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("recurrence", sa.String(length=20), nullable=False),
        sa.Column("first_starts_at", WHEN, nullable=False),
        sa.Column("next_reminder_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
    )
    op.create_index("ix_groups_next_reminder_at", "groups", ["next_reminder_at"])
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("left_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name="fk_group_members_group_id_groups", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name="fk_group_members_person_id_persons"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_members"),
        sa.UniqueConstraint("group_id", "address", name="uq_group_members_group_address"),
    )
    op.create_table(
        "group_session_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("starts_at", WHEN, nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("notices_queued_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name="fk_group_session_changes_group_id_groups",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_session_changes"),
    )
    op.create_index("ix_group_session_changes_group", "group_session_changes", ["group_id"])
    _calls()


def _calls() -> None:
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("list_time", sa.String(length=5), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("changed_at", WHEN, nullable=True),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("next_list_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_volunteers"),
        sa.UniqueConstraint("service_id", "address", name="uq_volunteers_service_address"),
    )
    op.create_index("ix_volunteers_next_list_at", "volunteers", ["next_list_at"])
    op.create_table(
        "callees",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("consent_recorded_at", WHEN, nullable=False),
        sa.Column("risk_assessed_at", WHEN, nullable=False),
        sa.Column("risk_assessed_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_callees_person_id_persons"),
        sa.PrimaryKeyConstraint("id", name="pk_callees"),
        sa.UniqueConstraint("service_id", "address", name="uq_callees_service_address"),
    )
    op.create_table(
        "call_slots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("callee_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("recurrence", sa.String(length=20), nullable=False),
        sa.Column("first_starts_at", WHEN, nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("next_prompt_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["callee_id"],
            ["callees.id"],
            name="fk_call_slots_callee_id_callees",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name="fk_call_slots_volunteer_id_volunteers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_call_slots"),
    )
    op.create_index("ix_call_slots_volunteer", "call_slots", ["volunteer_id"])
    op.create_index("ix_call_slots_next_prompt_at", "call_slots", ["next_prompt_at"])


def downgrade() -> None:
    op.drop_index("ix_call_slots_next_prompt_at", table_name="call_slots")
    op.drop_index("ix_call_slots_volunteer", table_name="call_slots")
    op.drop_table("call_slots")
    op.drop_table("callees")
    op.drop_index("ix_volunteers_next_list_at", table_name="volunteers")
    op.drop_table("volunteers")
    op.drop_index("ix_group_session_changes_group", table_name="group_session_changes")
    op.drop_table("group_session_changes")
    op.drop_table("group_members")
    op.drop_index("ix_groups_next_reminder_at", table_name="groups")
    op.drop_table("groups")
