"""The groups port on SQLAlchemy Core: groups, members, session changes, due reminders.

Pending session changes and due group reminders are claimed as appointments' reminders
are: `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's writer holds the whole database),
then a conditional update that re-checks what the claim relied on, so two processes
never queue one change's notices twice; the outbox idempotency keys stand behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.core.groups import Group, Member, SessionChange
from bot.storage.tables import group_members, group_session_changes, groups, participants


def _group(row: Any) -> Group:
    return Group(
        row.id,
        row.service_id,
        row.name,
        row.venue,
        row.recurrence,
        row.first_starts_at,
        row.next_reminder_at,
    )


def _change(row: Any) -> SessionChange:
    return SessionChange(
        row.id,
        row.group_id,
        row.session_date,
        row.action,
        row.starts_at,
        row.venue,
        row.created_at,
        row.notices_queued_at,
    )


class SqlGroups:
    """The `Groups` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

    def add_group(
        self,
        service_id: str,
        name: str,
        venue: str,
        recurrence: str,
        first_starts_at: datetime,
        now: datetime,
        by: str,
    ) -> int:
        """Store a group; returns its id."""
        statement = (
            insert(groups)
            .values(
                service_id=service_id,
                name=name,
                venue=venue,
                recurrence=recurrence,
                first_starts_at=first_starts_at,
                next_reminder_at=None,
                created_at=now,
                created_by=by,
            )
            .returning(groups.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def get_group(self, group_id: int) -> Group | None:
        """One group, or None."""
        row = self.conn.execute(select(groups).where(groups.c.id == group_id)).first()
        return None if row is None else _group(row)

    def list_groups(self, service_id: str | None = None) -> list[Group]:
        """Every group (of one service), by id."""
        query = select(groups).order_by(groups.c.id)
        if service_id is not None:
            query = query.where(groups.c.service_id == service_id)
        return [_group(r) for r in self.conn.execute(query)]

    def add_member(
        self,
        group_id: int,
        person_id: int,
        address: str,
        language: str,
        reminders: bool,
        now: datetime,
        by: str,
    ) -> int:
        """Add a member (or update one who is a member already, or rejoins); returns its id."""
        found = self.conn.execute(
            select(group_members.c.id).where(
                group_members.c.group_id == group_id, group_members.c.address == address
            )
        ).scalar()
        values = {"language": language, "reminders": reminders, "left_at": None}
        if found is not None:
            self.conn.execute(
                update(group_members).where(group_members.c.id == found).values(**values)
            )
            return int(found)
        statement = (
            insert(group_members)
            .values(
                group_id=group_id,
                person_id=person_id,
                address=address,
                added_at=now,
                added_by=by,
                **values,
            )
            .returning(group_members.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def remove_member(self, group_id: int, address: str, now: datetime) -> bool:
        """Mark a member as having left; False when they were not a member."""
        result = self.conn.execute(
            update(group_members)
            .where(
                group_members.c.group_id == group_id,
                group_members.c.address == address,
                group_members.c.left_at.is_(None),
            )
            .values(left_at=now)
        )
        return bool(result.rowcount)

    def group_members(self, group_ids: Sequence[int]) -> list[Member]:
        """Current members of these groups, with their opt-out state, by id."""
        query = (
            select(
                group_members,
                participants.c.opted_out,
            )
            .outerjoin(participants, participants.c.address == group_members.c.address)
            .where(group_members.c.group_id.in_(list(group_ids)), group_members.c.left_at.is_(None))
            .order_by(group_members.c.id)
        )
        return [
            Member(
                r.id,
                r.group_id,
                r.person_id,
                r.address,
                r.language,
                bool(r.reminders),
                bool(r.opted_out),
            )
            for r in self.conn.execute(query)
        ]

    def add_session_change(
        self,
        group_id: int,
        session_date: date,
        action: str,
        starts_at: datetime | None,
        venue: str | None,
        now: datetime,
        by: str,
    ) -> int:
        """Record staff's change to one session; its notices are queued by the job."""
        statement = (
            insert(group_session_changes)
            .values(
                group_id=group_id,
                session_date=session_date,
                action=action,
                starts_at=starts_at,
                venue=venue,
                created_at=now,
                created_by=by,
            )
            .returning(group_session_changes.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def session_changes(self, group_ids: Sequence[int]) -> list[SessionChange]:
        """Every change to these groups' sessions, oldest first."""
        query = (
            select(group_session_changes)
            .where(group_session_changes.c.group_id.in_(list(group_ids)))
            .order_by(group_session_changes.c.id)
        )
        return [_change(r) for r in self.conn.execute(query)]

    def changes_pending(self) -> bool:
        """True when some change's notices are still to queue (a cheap read first)."""
        query = (
            select(group_session_changes.c.id)
            .where(group_session_changes.c.notices_queued_at.is_(None))
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def claim_pending_changes(self, limit: int) -> list[SessionChange]:
        """Changes whose notices are still to queue, locked for this transaction."""
        query = (
            select(group_session_changes)
            .where(group_session_changes.c.notices_queued_at.is_(None))
            .order_by(group_session_changes.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_change(r) for r in self.conn.execute(query)]

    def mark_notices_queued(self, change_id: int, now: datetime) -> bool:
        """Take a change's notices: True only for the one process that takes them."""
        result = self.conn.execute(
            update(group_session_changes)
            .where(
                group_session_changes.c.id == change_id,
                group_session_changes.c.notices_queued_at.is_(None),
            )
            .values(notices_queued_at=now)
        )
        return bool(result.rowcount)

    def set_group_reminder(self, group_id: int, moment: datetime | None) -> None:
        """Set the moment of the group's next session reminder (after any change)."""
        self.conn.execute(
            update(groups).where(groups.c.id == group_id).values(next_reminder_at=moment)
        )

    def claim_due_group_reminders(self, now: datetime, limit: int) -> list[Group]:
        """Groups whose next session reminder is due, locked for this transaction."""
        query = (
            select(groups)
            .where(groups.c.next_reminder_at.is_not(None), groups.c.next_reminder_at <= now)
            .order_by(groups.c.next_reminder_at, groups.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_group(r) for r in self.conn.execute(query)]

    def group_reminders_due(self, now: datetime) -> bool:
        """True when some group's next session reminder is due."""
        query = (
            select(groups.c.id)
            .where(groups.c.next_reminder_at.is_not(None), groups.c.next_reminder_at <= now)
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def advance_group_reminder(self, group_id: int, was: datetime, then: datetime | None) -> bool:
        """Move the group's next reminder on from `was`, only if no one has since."""
        result = self.conn.execute(
            update(groups)
            .where(groups.c.id == group_id, groups.c.next_reminder_at == was)
            .values(next_reminder_at=then)
        )
        return bool(result.rowcount)
