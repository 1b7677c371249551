"""The appointments port on SQLAlchemy Core: appointments, due reminders, prompts, breaches.

Due reminders are claimed the way the outbox is: `FOR UPDATE SKIP LOCKED` on
PostgreSQL (SQLite's writer holds the whole database), and every change afterwards is
a conditional update that re-checks what the claim relied on (the same revision, the
same next moment), so two processes never queue one reminder twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.appointments import Appointment, AppointmentDraft, Prompt
from bot.storage.tables import (
    appointment_history,
    appointments,
    awaiting_replies,
    deadline_breaches,
    outbox,
    participants,
    person_addresses,
)

_FIELDS = set(Appointment.__dataclass_fields__) - {"address", "language"}
# Read for every inbound message: built once (a statement's cache key costs per build).
_OPEN_PROMPTS = (
    select(awaiting_replies)
    .where(
        awaiting_replies.c.address == bindparam("address"),
        awaiting_replies.c.expires_at > bindparam("now"),
    )
    .order_by(awaiting_replies.c.id.desc())
)


class SqlAppointments:
    """The `Appointments` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

    def add_appointment(
        self, draft: AppointmentDraft, next_reminder_at: datetime | None, now: datetime, by: str
    ) -> int:
        """Store a booked appointment; returns its id."""
        appointment_id = int(
            self.conn.execute(
                insert(appointments)
                .values(
                    person_id=draft.person_id,
                    service_id=draft.service_id,
                    referral_id=draft.referral_id,
                    starts_at=draft.starts_at,
                    place=draft.place,
                    staff_first_name=draft.staff_first_name,
                    status="booked",
                    revision=0,
                    next_reminder_at=next_reminder_at,
                    created_at=now,
                    created_by=by,
                )
                .returning(appointments.c.id)
            ).scalar_one()
        )
        self.add_appointment_history(appointment_id, "added", None, now, by)
        return appointment_id

    def add_appointment_history(
        self, appointment_id: int, action: str, detail: str | None, now: datetime, by: str
    ) -> None:
        """One line of an appointment's history: who did what, when."""
        self.conn.execute(
            insert(appointment_history).values(
                appointment_id=appointment_id,
                action=action,
                detail=detail,
                changed_at=now,
                changed_by=by,
            )
        )

    def appointment_history(
        self, appointment_id: int
    ) -> list[tuple[str, str | None, datetime, str]]:
        """(action, detail, when, by) of one appointment, oldest first."""
        query = (
            select(
                appointment_history.c.action,
                appointment_history.c.detail,
                appointment_history.c.changed_at,
                appointment_history.c.changed_by,
            )
            .where(appointment_history.c.appointment_id == appointment_id)
            .order_by(appointment_history.c.id)
        )
        return [(r[0], r[1], r[2], r[3]) for r in self.conn.execute(query)]

    def _with_addresses(self, rows: Sequence[Any]) -> list[Appointment]:
        people = {row.person_id for row in rows}
        where: dict[int, tuple[str, str]] = {}
        if people:
            query = (
                select(
                    person_addresses.c.person_id,
                    person_addresses.c.address,
                    participants.c.language,
                )
                .outerjoin(participants, participants.c.address == person_addresses.c.address)
                .where(person_addresses.c.person_id.in_(people))
                # SMS first: reminders are text messages where the person has a number.
                .order_by(person_addresses.c.channel != "sms", person_addresses.c.created_at)
            )
            for person_id, address, language in self.conn.execute(query):
                where.setdefault(int(person_id), (address, language or "en"))
        found = []
        for row in rows:
            address, language = where.get(row.person_id, (None, "en"))
            values = {k: v for k, v in row._mapping.items() if k in _FIELDS}
            found.append(Appointment(**values, address=address, language=language))
        return found

    def get_appointment(self, appointment_id: int) -> Appointment | None:
        """One appointment with the address reminders go to, or None."""
        row = self.conn.execute(
            select(appointments).where(appointments.c.id == appointment_id)
        ).first()
        return None if row is None else self._with_addresses([row])[0]

    def list_appointments(
        self,
        service_id: str | None = None,
        person_id: int | None = None,
        since: datetime | None = None,
        statuses: Sequence[str] | None = None,
    ) -> list[Appointment]:
        """Appointments in time order, optionally of one service, person, status or later."""
        query = select(appointments).order_by(appointments.c.starts_at, appointments.c.id)
        if service_id is not None:
            query = query.where(appointments.c.service_id == service_id)
        if person_id is not None:
            query = query.where(appointments.c.person_id == person_id)
        if since is not None:
            query = query.where(appointments.c.starts_at >= since)
        if statuses is not None:
            query = query.where(appointments.c.status.in_(list(statuses)))
        return self._with_addresses(self.conn.execute(query).all())

    def change_appointment(
        self, appointment_id: int, expected_revision: int, expected_status: str, **values: Any
    ) -> bool:
        """Change an appointment only if it is still at that revision and status."""
        result = self.conn.execute(
            update(appointments)
            .where(
                appointments.c.id == appointment_id,
                appointments.c.revision == expected_revision,
                appointments.c.status == expected_status,
            )
            .values(**values)
        )
        return bool(result.rowcount)

    def claim_due_reminders(self, now: datetime, limit: int) -> list[Appointment]:
        """Booked appointments whose next reminder is due, locked for this transaction.

        Another process's claim skips them (PostgreSQL); it sees them again only after
        this one commits, with their next moment moved on.
        """
        query = (
            select(appointments)
            .where(
                appointments.c.status == "booked",
                appointments.c.next_reminder_at.is_not(None),
                appointments.c.next_reminder_at <= now,
            )
            .order_by(appointments.c.next_reminder_at, appointments.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return self._with_addresses(self.conn.execute(query).all())

    def reminders_due(self, now: datetime) -> bool:
        """True when some booked appointment's next reminder is due (a cheap read first)."""
        query = (
            select(appointments.c.id)
            .where(
                appointments.c.next_reminder_at.is_not(None),
                appointments.c.next_reminder_at <= now,
                appointments.c.status == "booked",
            )
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def advance_reminder(
        self, appointment_id: int, revision: int, was: datetime, then: datetime | None
    ) -> bool:
        """Move the next reminder on from `was`, only if no one has since (the re-check)."""
        result = self.conn.execute(
            update(appointments)
            .where(
                appointments.c.id == appointment_id,
                appointments.c.revision == revision,
                appointments.c.status == "booked",
                appointments.c.next_reminder_at == was,
            )
            .values(next_reminder_at=then)
        )
        return bool(result.rowcount)

    def advance_reminders(
        self, moves: Sequence[tuple[int, int, datetime, datetime | None]]
    ) -> None:
        """`advance_reminder` for many (id, revision, was, then) at once, in one statement.

        Used under a claim (the rows are locked by this transaction), so each re-check
        holds; the idempotency keys stand behind it all the same.
        """
        if not moves:
            return
        statement = (
            update(appointments)
            .where(
                appointments.c.id == bindparam("b_id"),
                appointments.c.revision == bindparam("b_revision"),
                appointments.c.status == "booked",
                appointments.c.next_reminder_at == bindparam("b_was"),
            )
            .values(next_reminder_at=bindparam("b_then"))
        )
        self.conn.execute(
            statement,
            [
                {"b_id": i, "b_revision": rev, "b_was": was, "b_then": then}
                for i, rev, was, then in moves
            ],
        )

    def open_reminder_prompts(
        self, prompts: Sequence[tuple[str, int, datetime]], now: datetime
    ) -> None:
        """Open a reminder prompt for each (address, appointment, expiry), replacing any."""
        if not prompts:
            return
        self.conn.execute(
            delete(awaiting_replies).where(
                awaiting_replies.c.appointment_id.in_([a for _, a, _ in prompts])
            )
        )
        self.conn.execute(
            insert(awaiting_replies),
            [
                {
                    "address": address,
                    "kind": "reminder",
                    "appointment_id": appointment_id,
                    "data": None,
                    "created_at": now,
                    "expires_at": expires,
                }
                for address, appointment_id, expires in prompts
            ],
        )

    def cancel_queued(self, key_prefix: str, reason: str) -> int:
        """Cancel queued outbox rows whose idempotency key starts with `key_prefix`."""
        result = self.conn.execute(
            update(outbox)
            .where(outbox.c.status == "queued", outbox.c.idempotency_key.startswith(key_prefix))
            .values(status="cancelled", error=reason)
        )
        return int(result.rowcount or 0)

    def count_attendance(self, person_id: int, service_id: str, status: str) -> int:
        """How many of the person's appointments with the service have `status`."""
        query = select(func.count()).where(
            appointments.c.person_id == person_id,
            appointments.c.service_id == service_id,
            appointments.c.status == status,
        )
        return int(self.conn.execute(query).scalar_one())

    def open_prompt(
        self,
        address: str,
        kind: str,
        appointment_id: int | None,
        now: datetime,
        expires_at: datetime,
        data: dict[str, Any] | None = None,
    ) -> int:
        """Record that `address` was asked something a bare reply answers."""
        if appointment_id is not None:
            self.close_prompts(address, appointment_id=appointment_id)
        return int(
            self.conn.execute(
                insert(awaiting_replies)
                .values(
                    address=address,
                    kind=kind,
                    appointment_id=appointment_id,
                    data=data,
                    created_at=now,
                    expires_at=expires_at,
                )
                .returning(awaiting_replies.c.id)
            ).scalar_one()
        )

    def open_prompts(self, address: str, now: datetime) -> list[Prompt]:
        """The address's prompts that have not expired, newest first."""
        rows = self.conn.execute(_OPEN_PROMPTS, {"address": address, "now": now})
        return [
            Prompt(r.id, r.address, r.kind, r.appointment_id, r.created_at, r.expires_at, r.data)
            for r in rows
        ]

    def close_prompts(
        self,
        address: str | None = None,
        kind: str | None = None,
        appointment_id: int | None = None,
        before: datetime | None = None,
    ) -> int:
        """Close prompts of an address (of a kind, an appointment), or all expired ones."""
        statement = delete(awaiting_replies)
        if address is not None:
            statement = statement.where(awaiting_replies.c.address == address)
        if kind is not None:
            statement = statement.where(awaiting_replies.c.kind == kind)
        if appointment_id is not None:
            statement = statement.where(awaiting_replies.c.appointment_id == appointment_id)
        if before is not None:
            statement = statement.where(awaiting_replies.c.expires_at <= before)
        return int(self.conn.execute(statement).rowcount or 0)

    def record_breach(
        self, referral_id: int, service_id: str, deadline: str, due_at: datetime, now: datetime
    ) -> bool:
        """Record that a referral's deadline passed; False when it was recorded before."""
        values = {
            "referral_id": referral_id,
            "service_id": service_id,
            "deadline": deadline,
            "due_at": due_at,
            "recorded_at": now,
        }
        dialect = self.conn.dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = maker(deadline_breaches).values(values).on_conflict_do_nothing()
        return bool(self.conn.execute(statement).rowcount)

    def breaches(self) -> list[tuple[int, str, str, datetime, datetime]]:
        """(referral, service, deadline, due, recorded) of every breach recorded."""
        query = select(
            deadline_breaches.c.referral_id,
            deadline_breaches.c.service_id,
            deadline_breaches.c.deadline,
            deadline_breaches.c.due_at,
            deadline_breaches.c.recorded_at,
        ).order_by(deadline_breaches.c.id)
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self.conn.execute(query)]

    def person_addresses(self, person_id: int) -> list[str]:
        """The person's channel addresses."""
        query = select(person_addresses.c.address).where(person_addresses.c.person_id == person_id)
        return [str(a) for a in self.conn.execute(query).scalars()]
