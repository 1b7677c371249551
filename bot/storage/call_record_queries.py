"""The call records port on SQLAlchemy Core: each prompted call, its outcome request and outcome."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from bot.core.calls import CallRecord, Volunteer
from bot.storage.call_queries import _volunteer
from bot.storage.tables import awaiting_replies, calls, volunteers


def _call(row: Any) -> CallRecord:
    return CallRecord(
        row.id,
        row.slot_id,
        row.volunteer_id,
        row.callee_id,
        row.service_id,
        row.starts_at,
        row.request_at,
        row.requested_at,
        row.outcome,
        row.outcome_at,
        row.retried_at,
    )


# Read for every inbound message: built once (a statement's cache key costs per build).
_VOLUNTEER_AT = (
    select(volunteers)
    .where(volunteers.c.address == bindparam("address"))
    .order_by(volunteers.c.id)
    .limit(1)
)


class SqlCallRecords:
    """The `CallRecords` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

    def volunteer_at(self, address: str) -> Volunteer | None:
        """The volunteer who writes from `address` (the first added), or None."""
        row = self.conn.execute(_VOLUNTEER_AT, {"address": address}).first()
        return None if row is None else _volunteer(row)

    def set_volunteer_unavailable(self, volunteer_id: int, day: date) -> bool:
        """Record that the volunteer is unavailable on `day`; False when they said so already."""
        result = self.conn.execute(
            update(volunteers)
            .where(volunteers.c.id == volunteer_id)
            .where((volunteers.c.unavailable_on.is_(None)) | (volunteers.c.unavailable_on != day))
            .values(unavailable_on=day)
        )
        return bool(result.rowcount)

    def add_call(
        self,
        slot_id: int,
        volunteer_id: int,
        callee_id: int,
        service_id: str,
        starts_at: datetime,
        request_at: datetime,
    ) -> int | None:
        """Record a prompted call (once per slot and time); its id, or None if it exists."""
        found = self.conn.execute(
            select(calls.c.id).where(calls.c.slot_id == slot_id, calls.c.starts_at == starts_at)
        ).first()
        if found is not None:
            return None
        statement = (
            insert(calls)
            .values(
                slot_id=slot_id,
                volunteer_id=volunteer_id,
                callee_id=callee_id,
                service_id=service_id,
                starts_at=starts_at,
                request_at=request_at,
            )
            .returning(calls.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def get_call(self, call_id: int) -> CallRecord | None:
        """One call record, or None."""
        row = self.conn.execute(select(calls).where(calls.c.id == call_id)).first()
        return None if row is None else _call(row)

    def volunteer_calls(
        self, volunteer_id: int, start: datetime, end: datetime
    ) -> list[CallRecord]:
        """The volunteer's prompted calls starting in [start, end), by time."""
        query = (
            select(calls)
            .where(
                calls.c.volunteer_id == volunteer_id,
                calls.c.starts_at >= start,
                calls.c.starts_at < end,
            )
            .order_by(calls.c.starts_at, calls.c.id)
        )
        return [_call(r) for r in self.conn.execute(query)]

    def calls_between(self, start: datetime, end: datetime) -> list[CallRecord]:
        """Every prompted call starting in [start, end), by time."""
        query = (
            select(calls)
            .where(calls.c.starts_at >= start, calls.c.starts_at < end)
            .order_by(calls.c.starts_at, calls.c.id)
        )
        return [_call(r) for r in self.conn.execute(query)]

    def outcome_requests_due(self, now: datetime) -> bool:
        """True when some call's outcome request is due (a cheap read first)."""
        query = select(calls.c.id).where(calls.c.request_at <= now).limit(1)
        return self.conn.execute(query).first() is not None

    def claim_due_outcome_requests(self, now: datetime, limit: int) -> list[CallRecord]:
        """Calls whose outcome request is due, locked for this transaction."""
        query = (
            select(calls)
            .where(calls.c.request_at <= now)
            .order_by(calls.c.request_at, calls.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_call(r) for r in self.conn.execute(query)]

    def mark_outcome_requested(self, call_id: int, was: datetime, now: datetime | None) -> bool:
        """Take the call's outcome request (asked at `now`, or None: not asked), once."""
        result = self.conn.execute(
            update(calls)
            .where(calls.c.id == call_id, calls.c.request_at == was)
            .values(request_at=None, requested_at=now)
        )
        return bool(result.rowcount)

    def set_call_outcome(self, call_id: int, outcome: str, now: datetime) -> bool:
        """Record a call's outcome unless it has one; no request is asked after it."""
        result = self.conn.execute(
            update(calls)
            .where(calls.c.id == call_id, calls.c.outcome.is_(None))
            .values(outcome=outcome, outcome_at=now, request_at=None)
        )
        return bool(result.rowcount)

    def mark_call_retried(self, call_id: int, now: datetime) -> bool:
        """Record that a no-answer call is to be tried again; False if it was already."""
        result = self.conn.execute(
            update(calls)
            .where(calls.c.id == call_id, calls.c.retried_at.is_(None))
            .values(retried_at=now)
        )
        return bool(result.rowcount)

    def close_prompt(self, prompt_id: int) -> None:
        """Close one open prompt (a call's outcome request, a "which call?")."""
        self.conn.execute(delete(awaiting_replies).where(awaiting_replies.c.id == prompt_id))
