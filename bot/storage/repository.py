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

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.records import (
    Alert,
    HistoryEntry,
    OutboundRow,
    OutboxMessage,
    Participant,
    Referral,
    ReferralDraft,
)
from bot.core.referral import STATUS_NEW
from bot.storage.tables import (
    anonymous_events,
    inbound_messages,
    outbox,
    participants,
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
_QUEUE = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)


class SqlStore:
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
        }
        if existed:
            self.conn.execute(_UPDATE_PARTICIPANT, {"key": participant.address, **values})
        else:
            self.conn.execute(_INSERT_PARTICIPANT, {"address": participant.address, **values})

    def forget_participant(self, address: str) -> None:
        """Remove what was kept before consent (the row stays only while opted out)."""
        self.conn.execute(
            delete(participants).where(
                participants.c.address == address, participants.c.opted_out.is_(False)
            )
        )
        self.conn.execute(
            update(participants)
            .where(participants.c.address == address)
            .values(state=None, service_id=None, expires_at=None)
        )

    def claim_inbound(self, channel: str, external_id: str, now: datetime) -> bool:
        """Record a provider message id; False when it was already processed."""
        result = self.conn.execute(
            _CLAIM_INBOUND[self.conn.dialect.name],
            {"channel": channel, "external_id": external_id, "received_at": now},
        )
        return bool(result.rowcount)

    def queue(self, rows: Sequence[OutboundRow], now: datetime) -> list[int]:
        """Store outbound messages as `queued` in one statement; returns their ids in order."""
        if not rows:
            return []
        values = [
            {
                "channel": row.channel,
                "address": row.address,
                "body": row.body,
                "kind": row.kind,
                "urgent": row.urgent,
                "service_id": row.service_id,
                "meta": row.meta,
                "status": "queued",
                "attempts": 0,
                "not_before": row.not_before,
                "created_at": now,
                "sent_at": None,
                "provider_ref": None,
                "provider_status": None,
                "error": None,
            }
            for row in rows
        ]
        return [int(outbox_id) for outbox_id in self.conn.execute(_QUEUE, values).scalars().all()]

    def insert_referral(self, draft: ReferralDraft, channel: str, address: str) -> int:
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
            )
            .returning(staff_alerts.c.id)
        )
        return int(result.scalar_one())

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
        return [_participant(row) for row in self.conn.execute(query)]

    # The outbox, as staff and the dispatcher use it.

    def list_outbox(self, status: str | None = None) -> list[OutboxMessage]:
        """Outbox rows, oldest first, optionally of one status."""
        query = select(outbox).order_by(outbox.c.id)
        if status:
            query = query.where(outbox.c.status == status)
        return [OutboxMessage(**row._mapping) for row in self.conn.execute(query)]

    def claim_due(
        self, now: datetime, channels: Sequence[str], ids: Sequence[int] | None, limit: int
    ) -> list[OutboxMessage]:
        """Mark due rows of these channels `sending` (one more attempt) and return them.

        Rows to an address that has opted out are cancelled instead (all but the
        opt-out confirmation itself). On PostgreSQL, rows another process is claiming
        are skipped.
        """
        due = and_(
            outbox.c.status == "queued",
            outbox.c.not_before <= now,
            outbox.c.channel.in_(list(channels)),
        )
        if ids is not None:
            due = and_(due, outbox.c.id.in_(list(ids)))
        query = (
            select(outbox, participants.c.opted_out)
            .outerjoin(participants, participants.c.address == outbox.c.address)
            .where(due)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=outbox, skip_locked=True)
        rows = self.conn.execute(query).all()
        blocked = [r.id for r in rows if r.opted_out and r.kind != "opt_out"]
        claimed = [r for r in rows if r.id not in blocked]
        if blocked:
            self.conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(blocked))
                .values(status="cancelled", error="opted_out")
            )
        if claimed:
            self.conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([r.id for r in claimed]))
                .values(status="sending", attempts=outbox.c.attempts + 1)
            )
        fields = OutboxMessage.__dataclass_fields__
        return [
            OutboxMessage(**{k: v for k, v in r._mapping.items() if k in fields}) for r in claimed
        ]

    def attempts(self, outbox_id: int) -> int:
        """How many times a message has been tried."""
        query = select(outbox.c.attempts).where(outbox.c.id == outbox_id)
        return int(self.conn.execute(query).scalar_one())

    def record_send(self, outbox_id: int, **values: Any) -> None:
        """What happened to one send: status, provider reference, error, next try."""
        self.conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))

    def hold(self, outbox_id: int, until: datetime) -> None:
        """Put a claimed message back, untried, until `until` (keeps one person's order)."""
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id)
            .values(status="queued", attempts=outbox.c.attempts - 1, not_before=until)
        )

    def requeue_sending(self) -> int:
        """Rows left `sending` by a crash go back to the queue; returns how many."""
        result = self.conn.execute(
            update(outbox).where(outbox.c.status == "sending").values(status="queued")
        )
        return int(result.rowcount or 0)

    def provider_status(self, provider_ref: str, values: dict[str, Any]) -> None:
        """A delivery report from the provider for the message it calls `provider_ref`.

        Reports can arrive out of order: a late non-final status never overwrites a row
        already delivered or failed.
        """
        query = update(outbox).where(outbox.c.provider_ref == provider_ref)
        if "status" not in values:
            query = query.where(outbox.c.status.not_in(("delivered", "failed")))
        self.conn.execute(query.values(**values))

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
    )
