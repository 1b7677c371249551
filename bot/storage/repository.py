"""Queries Kith runs, as small synchronous functions over an open connection.

They are synchronous so that one message's whole transaction can run in one worker
thread on SQLite (one thread hop instead of one per statement); async code calls them
with `await conn.run_sync(fn, ...)`, which works on every driver.

The per-message path is kept to a few statements: load the participant (with the
conversation state), insert the inbound id, write the participant and the outbox rows,
and commit once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
from conversations.engine import ReferralDraft


@dataclass(frozen=True)
class Participant:
    """One channel address: opt-out, language and open conversation."""

    address: str
    channel: str
    language: str
    opted_out: bool
    service_id: str | None
    state: dict[str, Any] | None
    opted_out_at: datetime | None = None


@dataclass(frozen=True)
class OutboundRow:
    """A message to store in the outbox."""

    channel: str
    address: str
    body: str
    kind: str
    urgent: bool
    service_id: str | None
    not_before: datetime
    meta: dict[str, Any] | None = None


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


def load_participant(conn: Connection, address: str) -> Participant | None:
    """The participant at `address`, or None."""
    locked = conn.dialect.name == "postgresql"
    query = _SELECT_PARTICIPANT_LOCKED if locked else _SELECT_PARTICIPANT
    row = conn.execute(query, {"key": address}).first()
    if row is None:
        return None
    return Participant(
        row.address,
        row.channel,
        row.language,
        row.opted_out,
        row.service_id,
        row.state,
        row.opted_out_at,
    )


def save_participant(
    conn: Connection,
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
        conn.execute(_UPDATE_PARTICIPANT, {"key": participant.address, **values})
    else:
        conn.execute(_INSERT_PARTICIPANT, {"address": participant.address, **values})


def forget_participant(conn: Connection, address: str) -> None:
    """Remove what was kept before consent (the row stays only while opted out)."""
    conn.execute(
        delete(participants).where(
            participants.c.address == address, participants.c.opted_out.is_(False)
        )
    )
    conn.execute(
        update(participants)
        .where(participants.c.address == address)
        .values(state=None, service_id=None, expires_at=None)
    )


def claim_inbound(conn: Connection, channel: str, external_id: str, now: datetime) -> bool:
    """Record a provider message id; False when it was already processed."""
    result = conn.execute(
        _CLAIM_INBOUND[conn.dialect.name],
        {"channel": channel, "external_id": external_id, "received_at": now},
    )
    return bool(result.rowcount)


def queue(conn: Connection, rows: Sequence[OutboundRow], now: datetime) -> list[int]:
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
    return [int(outbox_id) for outbox_id in conn.execute(_QUEUE, values).scalars().all()]


def insert_referral(conn: Connection, draft: ReferralDraft, channel: str, address: str) -> int:
    """Store a screened referral with status `new` and its first history entry."""
    result = conn.execute(
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
    conn.execute(
        insert(referral_status_history).values(
            referral_id=referral_id,
            status=STATUS_NEW,
            note=f"screening: {draft.outcome}",
            changed_at=draft.received_at,
            changed_by="kith",
        )
    )
    return referral_id


def add_history(
    conn: Connection, referral_id: int, status: str, note: str | None, now: datetime, by: str
) -> None:
    """Append to a referral's status history (and set its status)."""
    conn.execute(update(referrals).where(referrals.c.id == referral_id).values(status=status))
    conn.execute(
        insert(referral_status_history).values(
            referral_id=referral_id, status=status, note=note, changed_at=now, changed_by=by
        )
    )


def add_alert(
    conn: Connection,
    kind: str,
    service_id: str | None,
    address: str,
    referral_id: int | None,
    now: datetime,
    words: str | None = None,
) -> int:
    """A staff alert (crisis words, a person asked for); `words` keeps what raised it."""
    result = conn.execute(
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


def count_event(conn: Connection, service_id: str, kind: str, now: datetime) -> None:
    """An anonymous monitoring count: service, kind of event and day only."""
    conn.execute(insert(anonymous_events).values(service_id=service_id, kind=kind, day=now.date()))


def anonymous_count(conn: Connection, service_id: str, kind: str) -> int:
    """How many anonymous events of `kind` a service has."""
    result = conn.execute(
        select(func.count())
        .select_from(anonymous_events)
        .where(anonymous_events.c.service_id == service_id, anonymous_events.c.kind == kind)
    )
    return int(result.scalar_one())


def get_referral(conn: Connection, referral_id: int) -> Row[Any] | None:
    """One referral row, or None."""
    return (conn.execute(select(referrals).where(referrals.c.id == referral_id))).first()


def referral_history(conn: Connection, referral_id: int) -> list[Row[Any]]:
    """A referral's status history, oldest first."""
    return list(
        (
            conn.execute(
                select(referral_status_history)
                .where(referral_status_history.c.referral_id == referral_id)
                .order_by(referral_status_history.c.id)
            )
        ).all()
    )


def find_referrals(
    conn: Connection, statuses: Sequence[str] | None = None, service_id: str | None = None
) -> list[Row[Any]]:
    """Referrals in any of `statuses` (all when None), optionally for one service."""
    query = select(referrals).order_by(referrals.c.id)
    if statuses is not None:
        query = query.where(referrals.c.status.in_(list(statuses)))
    if service_id:
        query = query.where(referrals.c.service_id == service_id)
    return list(conn.execute(query).all())


def alerts_for(
    conn: Connection, referral_ids: Sequence[int], addresses: Sequence[str]
) -> list[Row[Any]]:
    """Alerts on these referrals or raised by these addresses (flags in the staff queue)."""
    if not referral_ids and not addresses:
        return []
    query = select(staff_alerts).where(
        staff_alerts.c.referral_id.in_(list(referral_ids))
        | staff_alerts.c.address.in_(list(addresses))
    )
    return list(conn.execute(query).all())


def list_alerts(conn: Connection, include_handled: bool = True) -> list[Row[Any]]:
    """Staff alerts: unhandled first, newest first within each."""
    query = select(staff_alerts).order_by(
        staff_alerts.c.resolved_at.is_not(None), staff_alerts.c.id.desc()
    )
    if not include_handled:
        query = query.where(staff_alerts.c.resolved_at.is_(None))
    return list(conn.execute(query).all())


def get_alert(conn: Connection, alert_id: int) -> Row[Any] | None:
    """One staff alert, or None."""
    return conn.execute(select(staff_alerts).where(staff_alerts.c.id == alert_id)).first()


def ack_alert(conn: Connection, alert_id: int, by: str, note: str | None, now: datetime) -> None:
    """Record who handled an alert, when, and how."""
    conn.execute(
        update(staff_alerts)
        .where(staff_alerts.c.id == alert_id)
        .values(resolved_at=now, handled_by=by, handled_note=note)
    )


def add_note(conn: Connection, referral_id: int, note: str, now: datetime, by: str) -> None:
    """A staff note in a referral's history; the status stays as it is."""
    status = conn.execute(
        select(referrals.c.status).where(referrals.c.id == referral_id)
    ).scalar_one()
    conn.execute(
        insert(referral_status_history).values(
            referral_id=referral_id, status=status, note=note, changed_at=now, changed_by=by
        )
    )
