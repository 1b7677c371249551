"""The calls port on SQLAlchemy Core: volunteers, callees and their call slots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.core.calls import Callee, CallSlot, Volunteer
from bot.storage.tables import call_slots, callees, volunteers


def _volunteer(row: Any) -> Volunteer:
    return Volunteer(
        row.id,
        row.service_id,
        row.first_name,
        row.address,
        row.language,
        row.status,
        row.list_time,
        row.created_at,
        row.next_list_at,
        row.unavailable_on,
    )


def _callee(row: Any) -> Callee:
    return Callee(
        row.id,
        row.service_id,
        row.person_id,
        row.first_name,
        row.address,
        row.consent_recorded_at,
        row.risk_assessed_at,
        row.risk_assessed_by,
        row.created_at,
    )


def _slot(row: Any) -> CallSlot:
    return CallSlot(
        row.id,
        row.callee_id,
        row.volunteer_id,
        row.recurrence,
        row.first_starts_at,
        row.until,
        row.ended_at,
        row.next_prompt_at,
    )


class SqlCalls:
    """The `Calls` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

    def add_volunteer(
        self,
        service_id: str,
        first_name: str,
        address: str,
        language: str,
        list_time: str,
        now: datetime,
        by: str,
        next_list_at: datetime | None = None,
    ) -> int:
        """Store an active volunteer; returns their id."""
        statement = (
            insert(volunteers)
            .values(
                service_id=service_id,
                first_name=first_name,
                address=address,
                language=language,
                status="active",
                list_time=list_time,
                next_list_at=next_list_at,
                created_at=now,
                created_by=by,
            )
            .returning(volunteers.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def find_volunteer(self, service_id: str, address: str) -> Volunteer | None:
        """The service's volunteer at this address, or None."""
        row = self.conn.execute(
            select(volunteers).where(
                volunteers.c.service_id == service_id, volunteers.c.address == address
            )
        ).first()
        return None if row is None else _volunteer(row)

    def get_volunteer(self, volunteer_id: int) -> Volunteer | None:
        """One volunteer, or None."""
        row = self.conn.execute(select(volunteers).where(volunteers.c.id == volunteer_id)).first()
        return None if row is None else _volunteer(row)

    def list_volunteers(self, service_id: str | None = None) -> list[Volunteer]:
        """Every volunteer (of one service), by id."""
        query = select(volunteers).order_by(volunteers.c.id)
        if service_id is not None:
            query = query.where(volunteers.c.service_id == service_id)
        return [_volunteer(r) for r in self.conn.execute(query)]

    def set_volunteer_status(self, volunteer_id: int, status: str, now: datetime, by: str) -> bool:
        """Pause or resume a volunteer; False when they were in that state already."""
        result = self.conn.execute(
            update(volunteers)
            .where(volunteers.c.id == volunteer_id, volunteers.c.status != status)
            .values(status=status, changed_at=now, changed_by=by)
        )
        return bool(result.rowcount)

    def add_callee(
        self,
        service_id: str,
        person_id: int,
        first_name: str,
        address: str,
        consent_recorded_at: datetime,
        risk_assessed_by: str,
        now: datetime,
        by: str,
    ) -> int:
        """Store a callee with consent and risk assessment on record; returns their id."""
        statement = (
            insert(callees)
            .values(
                service_id=service_id,
                person_id=person_id,
                first_name=first_name,
                address=address,
                consent_recorded_at=consent_recorded_at,
                risk_assessed_at=now,
                risk_assessed_by=risk_assessed_by,
                created_at=now,
                created_by=by,
            )
            .returning(callees.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def find_callee(self, service_id: str, address: str) -> Callee | None:
        """The service's callee at this address, or None."""
        row = self.conn.execute(
            select(callees).where(callees.c.service_id == service_id, callees.c.address == address)
        ).first()
        return None if row is None else _callee(row)

    def get_callee(self, callee_id: int) -> Callee | None:
        """One callee, or None."""
        row = self.conn.execute(select(callees).where(callees.c.id == callee_id)).first()
        return None if row is None else _callee(row)

    def list_callees(self, service_id: str | None = None) -> list[Callee]:
        """Every callee (of one service), by id."""
        query = select(callees).order_by(callees.c.id)
        if service_id is not None:
            query = query.where(callees.c.service_id == service_id)
        return [_callee(r) for r in self.conn.execute(query)]

    def add_call_slot(
        self,
        callee_id: int,
        volunteer_id: int,
        recurrence: str,
        first_starts_at: datetime,
        until: date | None,
        now: datetime,
        by: str,
        next_prompt_at: datetime | None = None,
    ) -> int:
        """Store a recurring call slot; returns its id."""
        statement = (
            insert(call_slots)
            .values(
                callee_id=callee_id,
                volunteer_id=volunteer_id,
                recurrence=recurrence,
                first_starts_at=first_starts_at,
                until=until,
                next_prompt_at=next_prompt_at,
                created_at=now,
                created_by=by,
            )
            .returning(call_slots.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def call_slots(
        self, volunteer_id: int | None = None, callee_id: int | None = None
    ) -> list[CallSlot]:
        """Slots not ended (of one volunteer or callee), by id."""
        query = select(call_slots).where(call_slots.c.ended_at.is_(None)).order_by(call_slots.c.id)
        if volunteer_id is not None:
            query = query.where(call_slots.c.volunteer_id == volunteer_id)
        if callee_id is not None:
            query = query.where(call_slots.c.callee_id == callee_id)
        return [_slot(r) for r in self.conn.execute(query)]

    def claim_due_call_lists(self, now: datetime, limit: int) -> list[Volunteer]:
        """Volunteers whose day's list is due, locked for this transaction."""
        query = (
            select(volunteers)
            .where(volunteers.c.next_list_at.is_not(None), volunteers.c.next_list_at <= now)
            .order_by(volunteers.c.next_list_at, volunteers.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_volunteer(r) for r in self.conn.execute(query)]

    def advance_call_list(self, volunteer_id: int, was: datetime, then: datetime) -> bool:
        """Move the volunteer's next list on from `was`, only if no one has since."""
        result = self.conn.execute(
            update(volunteers)
            .where(volunteers.c.id == volunteer_id, volunteers.c.next_list_at == was)
            .values(next_list_at=then)
        )
        return bool(result.rowcount)

    def call_lists_due(self, now: datetime) -> bool:
        """True when some volunteer's day's list is due (a cheap read first)."""
        query = (
            select(volunteers.c.id)
            .where(volunteers.c.next_list_at.is_not(None), volunteers.c.next_list_at <= now)
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def call_prompts_due(self, now: datetime) -> bool:
        """True when some slot's next prompt is due (a cheap read first)."""
        query = (
            select(call_slots.c.id)
            .where(call_slots.c.next_prompt_at.is_not(None), call_slots.c.next_prompt_at <= now)
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def claim_due_call_prompts(self, now: datetime, limit: int) -> list[CallSlot]:
        """Slots whose next prompt is due, locked for this transaction."""
        query = (
            select(call_slots)
            .where(call_slots.c.next_prompt_at.is_not(None), call_slots.c.next_prompt_at <= now)
            .order_by(call_slots.c.next_prompt_at, call_slots.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_slot(r) for r in self.conn.execute(query)]

    def advance_call_prompt(self, slot_id: int, was: datetime, then: datetime | None) -> bool:
        """Move the slot's next prompt on from `was`, only if no one has since."""
        result = self.conn.execute(
            update(call_slots)
            .where(call_slots.c.id == slot_id, call_slots.c.next_prompt_at == was)
            .values(next_prompt_at=then)
        )
        return bool(result.rowcount)
