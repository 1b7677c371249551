"""outcome surveys: one per referral, survey and point, and one answer per statement

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("survey", sa.String(length=60), nullable=False),
        sa.Column("point", sa.String(length=8), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("statements", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("send_at", WHEN, nullable=True),
        sa.Column("invited_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name="fk_surveys_referral_id_referrals",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_surveys_person_id_persons"),
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        sa.UniqueConstraint(
            "referral_id", "survey", "point", name="uq_surveys_referral_survey_point"
        ),
    )
    op.create_index("ix_surveys_send_at", "surveys", ["send_at"])
    op.create_index("ix_surveys_address_status", "surveys", ["address", "status"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.String(length=60), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name="fk_survey_answers_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_survey_answers"),
        sa.UniqueConstraint("survey_id", "statement", name="uq_survey_answers_survey_statement"),
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_index("ix_surveys_address_status", table_name="surveys")
    op.drop_index("ix_surveys_send_at", table_name="surveys")
    op.drop_table("surveys")
