"""outbox statistics: PostgreSQL re-analyses the outbox after every 1,000 changed rows

A claim picks each person's earliest message with an anti-join that is fast only when
the planner knows how many rows are queued (it then uses the address index). With the
default (10% of the table) a burst of queued notices left the statistics stale and a
claim of 64 rows scanned every queued row once per row claimed (50 ms for 3,000 queued,
1.6 ms once analysed; docs/benchmarks.md). SQLite has no autovacuum: nothing to do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox SET (autovacuum_analyze_scale_factor = 0, "
            "autovacuum_analyze_threshold = 1000)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox RESET (autovacuum_analyze_scale_factor, "
            "autovacuum_analyze_threshold)"
        )
