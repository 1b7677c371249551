"""The outbox port on SQLAlchemy Core: queue, claim with a lease, record, hold, recover.

A claim takes, for each person, only their earliest due message, and only when none
of theirs is being sent (by this process or another): one in flight per person, each
person's messages in order. Claims are leases: `FOR UPDATE SKIP LOCKED` on PostgreSQL,
and a conditional `UPDATE ... RETURNING` (only rows still queued) on either database,
so two processes never take the same row. Only an expired lease is taken back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.records import OutboundRow, OutboxMessage, QuietPlan, Sent
from bot.core.segments import segments, to_gsm
from bot.storage.tables import outbox, participants

_QUEUE = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)
_QUEUE_ONCE = {
    "postgresql": pg_insert(outbox)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(outbox.c.id),
    "sqlite": sqlite_insert(outbox)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(outbox.c.id),
}
_FIELDS = OutboxMessage.__dataclass_fields__
# A settled row of a person whose data went keeps only its status and counts.
SETTLED = ("sent", "delivered", "failed", "cancelled")
ERASED = {"address": "", "body": "", "meta": null(), "person_id": None, "erase_after_send": False}
_EARLIER = outbox.alias("earlier")
_ERASE = outbox.c.erase_after_send
# Many sends recorded by one statement (executemany: one round trip on asyncpg). A row
# whose person's data went while it waited is blanked in the same statement (the SET
# expressions all read the row as it was).
_RECORD_SENT = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"))
    .values(
        status="sent",
        lease_until=None,
        sent_at=bindparam("b_sent_at"),
        provider_ref=bindparam("b_ref"),
        provider_status=bindparam("b_status"),
        **{
            name: case((_ERASE.is_(True), blank), else_=outbox.c[name])
            for name, blank in ERASED.items()
            if name != "erase_after_send"
        },
        erase_after_send=False,
    )
)


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(**{k: v for k, v in row._mapping.items() if k in _FIELDS})


def _values(row: OutboundRow, now: datetime) -> dict[str, Any]:
    body, encoding, parts = row.body, None, None
    if row.channel == "sms":
        # Stored as it is sent: typographic punctuation as GSM-7, its segments counted.
        body = to_gsm(body)
        count = segments(body)
        encoding, parts = count.encoding, count.parts
    return {
        "channel": row.channel,
        "address": row.address,
        "body": body,
        "encoding": encoding,
        "segments": parts,
        "language": row.language,
        "kind": row.kind,
        "priority": row.priority,
        "quiet_exempt": row.quiet_exempt,
        "service_id": row.service_id,
        "meta": row.meta,
        "status": "queued",
        "attempts": 0,
        "not_before": row.not_before,
        "not_after": row.not_after,
        "idempotency_key": row.idempotency_key,
        "person_id": row.person_id,
        "erase_after_send": False,
        "created_at": now,
        "sent_at": None,
        "provider_ref": None,
        "provider_status": None,
        "error": None,
    }


class SqlOutbox:
    """The `Outbox` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

    def queue(self, rows: Sequence[OutboundRow], now: datetime) -> list[int]:
        """Store outbound messages as `queued`; returns the ids of those stored, in order.

        A row whose idempotency key is already in the outbox is not stored again.
        """
        if not rows:
            return []
        if all(row.idempotency_key is None for row in rows):
            values = [_values(row, now) for row in rows]
            return [int(i) for i in self.conn.execute(_QUEUE, values).scalars().all()]
        statement = _QUEUE_ONCE[self.conn.dialect.name]
        ids = []
        for row in rows:
            stored = self.conn.execute(statement, [_values(row, now)]).scalar_one_or_none()
            if stored is not None:
                ids.append(int(stored))
        return ids

    def list_outbox(self, status: str | None = None) -> list[OutboxMessage]:
        """Outbox rows, oldest first, optionally of one status."""
        query = select(outbox).order_by(outbox.c.id)
        if status:
            query = query.where(outbox.c.status == status)
        return [_message(row) for row in self.conn.execute(query)]

    def get_outbox(self, outbox_id: int) -> OutboxMessage | None:
        """One outbox row, or None."""
        row = self.conn.execute(select(outbox).where(outbox.c.id == outbox_id)).first()
        return None if row is None else _message(row)

    def requeue_message(self, outbox_id: int, now: datetime, note: str) -> None:
        """Queue a message again, due now, with its attempts reset (staff retry)."""
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id)
            .values(status="queued", attempts=0, not_before=now, error=note)
        )

    def claim(
        self,
        now: datetime,
        channel: str,
        limit: int,
        owner: str,
        lease_until: datetime,
        quiet: QuietPlan | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[OutboxMessage]:
        """Lease up to `limit` due messages of `channel` to `owner`, urgent first.

        On the way: messages past `not_after` are cancelled as `too_late`; messages that
        are not quiet-exempt, of a service in its quiet hours (`quiet`), wait until
        then; messages to an address that
        opted out are cancelled (all but the opt-out confirmation itself).
        """
        self._cancel_too_late(now, channel)
        if quiet is not None:
            for service_id, until in quiet.services.items():
                self._hold_for_quiet(channel, outbox.c.service_id == service_id, until)
            if quiet.others is not None:
                others = or_(outbox.c.service_id.is_(None), outbox.c.service_id.not_in(quiet.own))
                self._hold_for_quiet(channel, others, quiet.others)
        due = and_(
            outbox.c.status == "queued", outbox.c.channel == channel, outbox.c.not_before <= now
        )
        if ids is not None:
            due = and_(due, outbox.c.id.in_(list(ids)))
        earlier = [
            _EARLIER.c.address == outbox.c.address,
            _EARLIER.c.id < outbox.c.id,
            _EARLIER.c.status == "queued",
            _EARLIER.c.not_before <= now,
        ]
        flying = [_EARLIER.c.address == outbox.c.address, _EARLIER.c.status == "sending"]
        if ids is not None:
            # A caller sending its own messages (`kith chat`'s console) orders only those.
            earlier.append(_EARLIER.c.id.in_(list(ids)))
            flying.append(_EARLIER.c.id.in_(list(ids)))
        first_for_person = ~exists().where(*earlier)
        none_in_flight = ~exists().where(*flying)
        query = (
            select(
                outbox.c.id,
                outbox.c.kind,
                participants.c.opted_out,
                participants.c.unreachable_at,
            )
            .outerjoin(participants, participants.c.address == outbox.c.address)
            .where(due, first_for_person, none_in_flight)
            .order_by(outbox.c.priority.desc(), outbox.c.id)  # 'urgent' > 'normal' > 'bulk'
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=outbox, skip_locked=True)
        rows = self.conn.execute(query).all()
        blocked = {r.id: "opted_out" for r in rows if r.opted_out and r.kind != "opt_out"}
        blocked |= {r.id: "unreachable" for r in rows if r.unreachable_at is not None}
        wanted = [r.id for r in rows if r.id not in blocked]
        for reason in set(blocked.values()):
            self.conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_([i for i, why in blocked.items() if why == reason]),
                    outbox.c.status == "queued",
                )
                .values(status="cancelled", error=reason)
            )
        self._erase_settled(list(blocked))
        if not wanted:
            return []
        # Only rows still queued are taken: another process may have claimed one since.
        claimed = self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(wanted), outbox.c.status == "queued")
            .values(
                status="sending",
                attempts=outbox.c.attempts + 1,
                lease_owner=owner,
                lease_until=lease_until,
            )
            .returning(*outbox.c)
        ).all()
        order = {outbox_id: n for n, outbox_id in enumerate(wanted)}
        return sorted((_message(r) for r in claimed), key=lambda m: order[m.id])

    def mark_unreachable(self, address: str, now: datetime) -> None:
        """The provider says this address can no longer be reached (a blocked bot)."""
        self.conn.execute(
            update(participants).where(participants.c.address == address).values(unreachable_at=now)
        )

    def _cancel_too_late(self, now: datetime, channel: str) -> None:
        cancelled = self.conn.execute(
            update(outbox)
            .where(
                outbox.c.status == "queued",
                outbox.c.channel == channel,
                outbox.c.not_after.is_not(None),
                outbox.c.not_after < now,
            )
            .values(status="cancelled", error="too_late")
            .returning(outbox.c.id)
        ).scalars()
        self._erase_settled(list(cancelled))

    def _erase_settled(self, ids: Sequence[int]) -> None:
        """Blank settled rows whose person's data went while they waited to be sent."""
        if not ids:
            return
        self.conn.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(list(ids)),
                outbox.c.erase_after_send.is_(True),
                outbox.c.status.in_(SETTLED),
            )
            .values(ERASED)
        )

    def _hold_for_quiet(self, channel: str, service: ColumnElement[bool], until: datetime) -> None:
        self.conn.execute(
            update(outbox)
            .where(
                outbox.c.status == "queued",
                outbox.c.channel == channel,
                outbox.c.quiet_exempt.is_(False),
                service,
                outbox.c.not_before < until,
            )
            .values(not_before=until)
        )

    def attempts(self, outbox_id: int) -> int:
        """How many times a message has been tried."""
        query = select(outbox.c.attempts).where(outbox.c.id == outbox_id)
        return int(self.conn.execute(query).scalar_one())

    def record_send(self, outbox_id: int, **values: Any) -> None:
        """What happened to one send: status, provider reference, error, next try.

        The lease ends with it; `lease_owner` stays, to say which process sent it.
        """
        erase = self.conn.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id)
            .values(lease_until=None, **values)
            .returning(outbox.c.erase_after_send)
        ).scalar()
        if erase and values.get("status") in SETTLED:  # one statement in the common case
            self._erase_settled([outbox_id])

    def record_sent(self, sent: Sequence[Sent]) -> None:
        """Sends the provider accepted, all in one statement; their leases end."""
        if sent:
            params = [
                {"b_id": s.outbox_id, "b_sent_at": s.at, "b_ref": s.ref, "b_status": s.status}
                for s in sent
            ]
            self.conn.execute(_RECORD_SENT, params)

    def hold(self, outbox_id: int, until: datetime, refund: bool = True) -> None:
        """Put a claimed message back until `until`; `refund` gives back its attempt."""
        attempts = outbox.c.attempts - 1 if refund else outbox.c.attempts
        self.conn.execute(
            update(outbox)
            .where(outbox.c.id == outbox_id)
            .values(
                status="queued",
                attempts=attempts,
                not_before=until,
                lease_owner=None,
                lease_until=None,
            )
        )

    def hold_later(self, outbox_id: int, address: str, until: datetime) -> None:
        """Keep the person's later queued messages behind one that waits until `until`."""
        self.conn.execute(
            update(outbox)
            .where(
                outbox.c.address == address,
                outbox.c.status == "queued",
                outbox.c.id > outbox_id,
                outbox.c.not_before < until,
            )
            .values(not_before=until)
        )

    def recover_leases(self, now: datetime, owner: str, restarting: bool) -> int:
        """Messages whose lease expired (their process died) go back to the queue.

        `owner` is the dispatcher asking: its own leases are live while it runs (never
        taken, whatever the clock says), and all come back when it starts again
        (`restarting`). Returns how many came back.
        """
        expired = or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now)
        if restarting:
            expired = or_(expired, outbox.c.lease_owner == owner)
        else:
            expired = and_(
                expired, or_(outbox.c.lease_owner.is_(None), outbox.c.lease_owner != owner)
            )
        result = self.conn.execute(
            update(outbox)
            .where(outbox.c.status == "sending", expired)
            .values(status="queued", lease_owner=None, lease_until=None)
        )
        return int(result.rowcount or 0)

    def sms_usage(
        self, service_id: str | None, since: datetime | None
    ) -> list[tuple[str | None, str, str | None, int, int]]:
        """SMS sent (or delivered): (language, kind, service, messages, segments) groups."""
        query = (
            select(
                outbox.c.language,
                outbox.c.kind,
                outbox.c.service_id,
                func.count(),
                func.coalesce(func.sum(outbox.c.segments), 0),
            )
            .where(outbox.c.channel == "sms", outbox.c.status.in_(("sent", "delivered")))
            .group_by(outbox.c.language, outbox.c.kind, outbox.c.service_id)
            .order_by(outbox.c.service_id, outbox.c.language, outbox.c.kind)
        )
        if service_id is not None:
            query = query.where(outbox.c.service_id == service_id)
        if since is not None:
            query = query.where(outbox.c.sent_at >= since)
        return [(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in self.conn.execute(query)]

    def oldest_due(self, now: datetime, channels: Sequence[str]) -> datetime | None:
        """When the longest-waiting due message of `channels` became due, or None."""
        query = select(func.min(outbox.c.not_before)).where(
            outbox.c.status == "queued",
            outbox.c.not_before <= now,
            outbox.c.channel.in_(list(channels)),
        )
        value = self.conn.execute(query).scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    def provider_status(self, provider_ref: str, values: dict[str, Any]) -> None:
        """A delivery report from the provider for the message it calls `provider_ref`.

        Reports can arrive out of order: a late non-final status never overwrites a row
        already delivered or failed.
        """
        query = update(outbox).where(outbox.c.provider_ref == provider_ref)
        if "status" not in values:
            query = query.where(outbox.c.status.not_in(("delivered", "failed")))
        self.conn.execute(query.values(**values))
