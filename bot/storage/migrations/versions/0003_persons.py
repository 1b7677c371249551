"""persons: a person (data subject) with channel addresses, linked from every record

Referrals, staff alerts, outbox rows and participants (the per-address conversation
record) point at a person. Existing data is backfilled: one person per address found
in participants, referrals and staff alerts; the outbox rows sent to those addresses
are linked to them (rows sent to on-call staff before this version name the person
only in their text, and stay unlinked).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 09:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LINKED = ("participants", "referrals", "staff_alerts", "outbox")


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_table(
        "person_addresses",
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_addresses_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_person_addresses")),
    )
    op.create_index("ix_person_addresses_person_id", "person_addresses", ["person_id"])
    for table in LINKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                f"fk_{table}_person_id_persons", "persons", ["person_id"], ["id"]
            )
            if table == "outbox":
                batch_op.add_column(
                    sa.Column(
                        "erase_after_send",
                        sa.Boolean(),
                        nullable=False,
                        server_default=sa.false(),
                    )
                )
                batch_op.create_index("ix_outbox_person_id", ["person_id"], unique=False)
    _backfill()


def _backfill() -> None:
    """One person per address already stored; link every record to it."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    persons = sa.table("persons", sa.column("id", sa.Integer), sa.column("created_at"))
    addresses = sa.table(
        "person_addresses",
        sa.column("address"),
        sa.column("person_id"),
        sa.column("channel"),
        sa.column("created_at"),
    )
    found: dict[str, str] = {}
    for table in ("participants", "referrals", "staff_alerts"):
        query = sa.text(f"SELECT address, {_channel(table)} FROM {table} ORDER BY 1")
        for address, channel in bind.execute(query):
            found.setdefault(address, channel or address.split(":", 1)[0])
    for address, channel in sorted(found.items()):
        person_id = bind.execute(
            sa.insert(persons).values(created_at=now).returning(persons.c.id)
        ).scalar_one()
        bind.execute(
            sa.insert(addresses).values(
                address=address, person_id=person_id, channel=channel[:20], created_at=now
            )
        )
    link = (
        "UPDATE {table} SET person_id = (SELECT pa.person_id FROM person_addresses pa "
        "WHERE pa.address = {table}.address)"
    )
    for table in ("participants", "referrals", "staff_alerts"):
        op.execute(link.format(table=table))
    op.execute(link.format(table="outbox") + " WHERE kind <> 'staff_alert'")


def _channel(table: str) -> str:
    # Staff alerts have no channel column: the address's prefix names it.
    return "NULL" if table == "staff_alerts" else "channel"


def downgrade() -> None:
    for table in reversed(LINKED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "outbox":
                batch_op.drop_index("ix_outbox_person_id")
                batch_op.drop_column("erase_after_send")
            batch_op.drop_constraint(f"fk_{table}_person_id_persons", type_="foreignkey")
            batch_op.drop_column("person_id")
    op.drop_index("ix_person_addresses_person_id", table_name="person_addresses")
    op.drop_table("person_addresses")
    op.drop_table("persons")
