"""The storage ports (`bot.core.ports`) on SQLAlchemy Core: every query Kith runs.

Methods are synchronous so that one message's whole transaction can run in one worker
thread on SQLite (one thread hop instead of one per statement); `SqlDatabase` runs a
unit of work in one transaction on either driver.

The per-message path is kept to a few statements: load the participant (with the
conversation state), insert the inbound id, write the participant and the outbox rows,
and commit once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.records import (
    Alert,
    HistoryEntry,
    Participant,
    Referral,
    ReferralDraft,
)
from bot.core.referral import STATUS_NEW
from bot.storage.appointment_queries import SqlAppointments
from bot.storage.call_queries import SqlCalls
from bot.storage.call_record_queries import SqlCallRecords
from bot.storage.group_queries import SqlGroups
from bot.storage.outbox_queries import ERASED, SETTLED, SqlOutbox
from bot.storage.survey_queries import SqlSurveys
from bot.storage.tables import (
    anonymous_events,
    appointments,
    callees,
    group_members,
    inbound_messages,
    outbox,
    participants,
    person_addresses,
    persons,
    referral_status_history,
    referrals,
    staff_alerts,
)

# The per-message statements are built once: building a statement and its cache key on
# every message cost a fifth of a step (docs/benchmarks.md).
_SELECT_PARTICIPANT = select(participants).where(participants.c.address == bindparam("key"))
# On PostgreSQL another process handling the same person waits here until this commits.
_SELECT_PARTICIPANT_LOCKED = _SELECT_PARTICIPANT.with_for_update()
_UPDATE_PARTICIPANT = update(participants).where(participants.c.address == bindparam("key"))
_INSERT_PARTICIPANT = insert(participants)
_CLAIM_INBOUND = {
    "postgresql": pg_insert(inbound_messages).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(inbound_messages).on_conflict_do_nothing(),
}
_SELECT_PERSON = select(person_addresses.c.person_id).where(
    person_addresses.c.address == bindparam("key")
)


class SqlStore(SqlOutbox, SqlAppointments, SqlGroups, SqlCalls, SqlCallRecords, SqlSurveys):
    """The storage ports of `bot.core.ports` on one open SQLAlchemy connection.

    Methods are synchronous so that one message's whole transaction can run in one
    worker thread on SQLite; `SqlDatabase` runs a unit of work in a transaction.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def load_participant(self, address: str) -> Participant | None:
        """The participant at `address`, or None."""
        locked = self.conn.dialect.name == "postgresql"
        query = _SELECT_PARTICIPANT_LOCKED if locked else _SELECT_PARTICIPANT
        row = self.conn.execute(query, {"key": address}).first()
        return None if row is None else _participant(row)

    def save_participant(
        self,
        existed: bool,
        participant: Participant,
        now: datetime,
        expires_at: datetime | None,
    ) -> None:
        """Insert or update the participant row (one statement)."""
        opted_out_at = (participant.opted_out_at or now) if participant.opted_out else None
        values = {
            "channel": participant.channel,
            "language": participant.language,
            "opted_out": participant.opted_out,
            "opted_out_at": opted_out_at,
            "service_id": participant.service_id,
            "state": participant.state,
            "updated_at": now,
            "expires_at": expires_at,
            "unreachable_at": None,  # they wrote, so they can be reached again
            "person_id": participant.person_id,
        }
        if existed:
            self.conn.execute(_UPDATE_PARTICIPANT, {"key": participant.address, **values})
        else:
            self.conn.execute(_INSERT_PARTICIPANT, {"address": participant.address, **values})

    def find_person(self, address: str) -> int | None:
        """The person whose channel address this is, or None."""
        found = self.conn.execute(_SELECT_PERSON, {"key": address}).scalar()
        return None if found is None else int(found)

    def add_person(self, address: str, channel: str, now: datetime) -> int:
        """A new person with this one address.

        On PostgreSQL two first messages from one address at once both insert here: the
        loser's unit of work fails on the unique address and is run again (SqlDatabase).
        """
        person_id = int(
            self.conn.execute(
                insert(persons).values(created_at=now).returning(persons.c.id)
            ).scalar_one()
        )
        self.conn.execute(
            insert(person_addresses).values(
                address=address, person_id=person_id, channel=channel, created_at=now
            )
        )
        return person_id

    def forget_person(self, person_id: int) -> None:
        """A person declined or never consented: what their outbox rows held goes.

        Settled rows lose their address, body and meta at once (status, kind and times
        stay, for counts); rows still to send are marked to be blanked when settled. The
        person and their addresses go too, unless a referral or an alert still needs
        them (a crisis alert keeps its words and number until handled and after).
        """
        mine = outbox.c.person_id == person_id
        self.conn.execute(update(outbox).where(mine, outbox.c.status.in_(SETTLED)).values(ERASED))
        self.conn.execute(update(outbox).where(mine).values(person_id=None, erase_after_send=True))
        needed = union_all(
            select(referrals.c.id).where(referrals.c.person_id == person_id),
            # An alert needs the person while it keeps their number (retention).
            select(staff_alerts.c.id).where(
                staff_alerts.c.person_id == person_id, staff_alerts.c.address != ""
            ),
            # So does an appointment (reminders go to them; staff record attendance),
            # and a place staff gave them in a group or on a volunteer's call list.
            select(appointments.c.id).where(appointments.c.person_id == person_id),
            select(group_members.c.id).where(group_members.c.person_id == person_id),
            select(callees.c.id).where(callees.c.person_id == person_id),
        )
        if self.conn.execute(needed.limit(1)).first() is not None:
            return
        for table in (participants, staff_alerts):
            self.conn.execute(
                update(table).where(table.c.person_id == person_id).values(person_id=None)
            )
        self.conn.execute(delete(person_addresses).where(person_addresses.c.person_id == person_id))
        self.conn.execute(delete(persons).where(persons.c.id == person_id))

    def forget_participant(self, address: str, expired_by: datetime | None = None) -> bool:
        """Remove what was kept before consent (the row stays only while opted out).

        With `expired_by`, only while the conversation is still expired then: a message
        saved since the expiry job read the row moved its expiry on, and it is kept.
        Returns whether anything was forgotten.
        """
        still = [participants.c.address == address]
        if expired_by is not None:
            still.append(participants.c.expires_at <= expired_by)
        deleted = self.conn.execute(
            delete(participants).where(*still, participants.c.opted_out.is_(False))
        )
        updated = self.conn.execute(
            update(participants).where(*still).values(state=None, service_id=None, expires_at=None)
        )
        return bool(deleted.rowcount or updated.rowcount)

    def claim_inbound(self, channel: str, external_id: str, now: datetime) -> bool:
        """Record a provider message id; False when it was already processed."""
        result = self.conn.execute(
            _CLAIM_INBOUND[self.conn.dialect.name],
            {"channel": channel, "external_id": external_id, "received_at": now},
        )
        return bool(result.rowcount)

    def insert_referral(
        self, draft: ReferralDraft, channel: str, address: str, person_id: int | None = None
    ) -> int:
        """Store a screened referral with status `new` and its first history entry."""
        result = self.conn.execute(
            insert(referrals)
            .values(
                service_id=draft.service_id,
                channel=channel,
                address=address,
                language=draft.language,
                referrer=draft.referrer,
                answers=draft.answers,
                outcome=draft.outcome,
                reasons=list(draft.reasons),
                priority=list(draft.priority),
                urgent=draft.urgent,
                status=STATUS_NEW,
                consent_at=draft.consent_at,
                created_at=draft.received_at,
                first_contact_due=draft.first_contact_due,
                first_meeting_due=draft.first_meeting_due,
                person_id=person_id,
            )
            .returning(referrals.c.id)
        )
        referral_id = int(result.scalar_one())
        self.conn.execute(
            insert(referral_status_history).values(
                referral_id=referral_id,
                status=STATUS_NEW,
                note=f"screening: {draft.outcome}",
                changed_at=draft.received_at,
                changed_by="kith",
            )
        )
        return referral_id

    def add_referral_answers(self, referral_id: int, answers: dict[str, Any]) -> None:
        """Add answers to a stored referral (optional monitoring); nothing else changes.

        The row is read and written in this transaction; the person's messages are
        handled one at a time, so no other writer adds answers to it meanwhile.
        """
        row = self.conn.execute(
            select(referrals.c.answers).where(referrals.c.id == referral_id)
        ).first()
        if row is None:
            return  # deleted by staff (a data request) meanwhile: keep nothing
        merged = {**dict(row.answers), **answers}
        self.conn.execute(
            update(referrals).where(referrals.c.id == referral_id).values(answers=merged)
        )

    def add_history(
        self, referral_id: int, status: str, note: str | None, now: datetime, by: str
    ) -> None:
        """Append to a referral's status history (and set its status)."""
        self.conn.execute(
            update(referrals).where(referrals.c.id == referral_id).values(status=status)
        )
        self.conn.execute(
            insert(referral_status_history).values(
                referral_id=referral_id, status=status, note=note, changed_at=now, changed_by=by
            )
        )

    def add_alert(
        self,
        kind: str,
        service_id: str | None,
        address: str,
        referral_id: int | None,
        now: datetime,
        words: str | None = None,
        person_id: int | None = None,
    ) -> int:
        """A staff alert (crisis words, a person asked for); `words` keeps what raised it."""
        result = self.conn.execute(
            insert(staff_alerts)
            .values(
                kind=kind,
                service_id=service_id,
                address=address,
                referral_id=referral_id,
                created_at=now,
                words=words,
                person_id=person_id,
            )
            .returning(staff_alerts.c.id)
        )
        return int(result.scalar_one())

    def add_alert_once(
        self, kind: str, service_id: str | None, address: str, now: datetime, words: str | None
    ) -> int | None:
        """An alert of `kind` about `address`, unless one is still unhandled; its id or None."""
        open_alert = select(staff_alerts.c.id).where(
            staff_alerts.c.kind == kind,
            staff_alerts.c.address == address,
            staff_alerts.c.resolved_at.is_(None),
        )
        if self.conn.execute(open_alert.limit(1)).first() is not None:
            return None
        return self.add_alert(kind, service_id, address, None, now, words=words)

    def count_event(self, service_id: str, kind: str, now: datetime) -> None:
        """An anonymous monitoring count: service, kind of event and day only."""
        self.conn.execute(
            insert(anonymous_events).values(service_id=service_id, kind=kind, day=now.date())
        )

    def anonymous_count(self, service_id: str, kind: str) -> int:
        """How many anonymous events of `kind` a service has."""
        result = self.conn.execute(
            select(func.count())
            .select_from(anonymous_events)
            .where(anonymous_events.c.service_id == service_id, anonymous_events.c.kind == kind)
        )
        return int(result.scalar_one())

    def get_referral(self, referral_id: int) -> Referral | None:
        """One referral, or None."""
        row = self.conn.execute(select(referrals).where(referrals.c.id == referral_id)).first()
        return Referral(**row._mapping) if row else None

    def referral_history(self, referral_id: int) -> list[HistoryEntry]:
        """A referral's status history, oldest first."""
        query = (
            select(
                referral_status_history.c.status,
                referral_status_history.c.note,
                referral_status_history.c.changed_at,
                referral_status_history.c.changed_by,
            )
            .where(referral_status_history.c.referral_id == referral_id)
            .order_by(referral_status_history.c.id)
        )
        return [HistoryEntry(**row._mapping) for row in self.conn.execute(query)]

    def find_referrals(
        self, statuses: Sequence[str] | None = None, service_id: str | None = None
    ) -> list[Referral]:
        """Referrals in any of `statuses` (all when None), optionally for one service."""
        query = select(referrals).order_by(referrals.c.id)
        if statuses is not None:
            query = query.where(referrals.c.status.in_(list(statuses)))
        if service_id:
            query = query.where(referrals.c.service_id == service_id)
        return [Referral(**row._mapping) for row in self.conn.execute(query)]

    def alerts_for(self, referral_ids: Sequence[int], addresses: Sequence[str]) -> list[Alert]:
        """Alerts on these referrals or raised by these addresses (flags in the staff queue)."""
        if not referral_ids and not addresses:
            return []
        query = select(staff_alerts).where(
            staff_alerts.c.referral_id.in_(list(referral_ids))
            | staff_alerts.c.address.in_(list(addresses))
        )
        return [Alert(**row._mapping) for row in self.conn.execute(query)]

    def purge_handled_alerts(
        self, service_ids: Sequence[str | None], handled_before: datetime
    ) -> list[int]:
        """Alerts of these services handled before `handled_before` lose words and number.

        Returns the people those alerts concerned (who may now be forgotten).
        """
        known = [s for s in service_ids if s is not None]
        of_services = or_(
            staff_alerts.c.service_id.in_(known),
            staff_alerts.c.service_id.is_(None) if None in service_ids else false(),
        )
        due = and_(
            of_services,
            staff_alerts.c.resolved_at <= handled_before,
            staff_alerts.c.address != "",
        )
        people = self.conn.execute(select(staff_alerts.c.person_id).where(due)).scalars().all()
        self.conn.execute(update(staff_alerts).where(due).values(words=None, address=""))
        return sorted({int(p) for p in people if p is not None})

    def list_alerts(self, include_handled: bool = True) -> list[Alert]:
        """Staff alerts: unhandled first, newest first within each."""
        query = select(staff_alerts).order_by(
            staff_alerts.c.resolved_at.is_not(None), staff_alerts.c.id.desc()
        )
        if not include_handled:
            query = query.where(staff_alerts.c.resolved_at.is_(None))
        return [Alert(**row._mapping) for row in self.conn.execute(query)]

    def get_alert(self, alert_id: int) -> Alert | None:
        """One staff alert, or None."""
        row = self.conn.execute(select(staff_alerts).where(staff_alerts.c.id == alert_id)).first()
        return Alert(**row._mapping) if row else None

    def ack_alert(self, alert_id: int, by: str, note: str | None, now: datetime) -> None:
        """Record who handled an alert, when, and how."""
        self.conn.execute(
            update(staff_alerts)
            .where(staff_alerts.c.id == alert_id)
            .values(resolved_at=now, handled_by=by, handled_note=note)
        )

    def add_note(self, referral_id: int, note: str, now: datetime, by: str) -> None:
        """A staff note in a referral's history; the status stays as it is."""
        status = self.conn.execute(
            select(referrals.c.status).where(referrals.c.id == referral_id)
        ).scalar_one()
        self.conn.execute(
            insert(referral_status_history).values(
                referral_id=referral_id, status=status, note=note, changed_at=now, changed_by=by
            )
        )

    def expired_participants(self, now: datetime) -> list[Participant]:
        """Participants whose open conversation has been idle past its expiry."""
        query = select(participants).where(
            participants.c.expires_at <= now, participants.c.state.is_not(None)
        )
        if self.conn.dialect.name == "postgresql":
            # A person writing now holds their row: skip it (their message moves the
            # expiry on); a row taken here makes their handler wait for this commit.
            query = query.with_for_update(skip_locked=True)
        return [_participant(row) for row in self.conn.execute(query)]

    # The outbox, as staff and the dispatcher use it.

    def ping(self) -> None:
        """Raise when the database does not answer."""
        self.conn.execute(text("SELECT 1"))


def _participant(row: Any) -> Participant:
    return Participant(
        row.address,
        row.channel,
        row.language,
        row.opted_out,
        row.service_id,
        row.state,
        row.opted_out_at,
        row.person_id,
    )
