"""The group notices job: one notice per member for each staff change to a session.

What to send comes from the `group_session_changes` rows, never memory. Each batch
claims the changes whose notices are still to queue (SKIP LOCKED on PostgreSQL), takes
each with a conditional update (`notices_queued_at` still empty) and queues one row
per member who has not opted out, keyed by change and member, in one transaction: with
any number of processes each member is told once. A notice of a session within 12
hours is `quiet_exempt`; any other is held through quiet hours by the dispatcher.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.groups import (
    CANCEL,
    MOVE,
    Group,
    Member,
    Session,
    SessionChange,
    notice_key,
    session_on,
)
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from conversations import group_texts as say
from conversations.i18n import translator
from scheduler.batches import queue_in_batches

BATCH = 20
SOON = timedelta(hours=12)  # INTERFACES: a change to a session this close goes at night too


async def queue_group_notices(database: Database, now: datetime, batch: int = BATCH) -> int:
    """Queue the notices of every change not yet told; how many rows were queued."""
    return await queue_in_batches(
        database,
        lambda store: store.changes_pending(),
        lambda store: _batch(store, now, batch),
        "group notices",
    )


def _batch(store: Store, now: datetime, batch: int) -> tuple[int, int]:
    claimed = store.claim_pending_changes(batch)
    rows: list[OutboundRow] = []
    for change in claimed:
        if not store.mark_notices_queued(change.id, now):
            continue  # another process took it
        group = store.get_group(change.group_id)
        if group is None:
            continue
        rows += notices(store, group, change, now)
    return len(claimed), len(store.queue(rows, now))


def notices(store: Store, group: Group, change: SessionChange, now: datetime) -> list[OutboundRow]:
    """The rows telling each member (not opted out) of one change, in their language."""
    changes = store.session_changes([group.id])
    before = session_on(group, [c for c in changes if c.id < change.id], change.session_date)
    after = session_on(group, [c for c in changes if c.id <= change.id], change.session_date)
    if before is None or after is None:
        return []
    latest = max(before.starts_at, after.starts_at)
    if latest <= now:
        return []  # the session is over: nothing worth telling
    soon = min(before.starts_at, after.starts_at) - now <= SOON
    texts: dict[str, str] = {}
    rows = []
    for member in store.group_members([group.id]):
        if member.opted_out:
            continue
        if member.language not in texts:
            texts[member.language] = _text(member, change, before, after)
        rows.append(_row(group, member, texts[member.language], change, now, soon, latest))
    return rows


def _text(member: Member, change: SessionChange, before: Session, after: Session) -> str:
    t = translator(member.language)
    if change.action == CANCEL:
        return say.cancelled(t, before.starts_at, before.venue)
    if change.action == MOVE:
        return say.moved(t, before.starts_at, after.starts_at, after.venue)
    return say.new_venue(t, after.starts_at, after.venue)


def _row(
    group: Group,
    member: Member,
    body: str,
    change: SessionChange,
    now: datetime,
    soon: bool,
    not_after: datetime,
) -> OutboundRow:
    return OutboundRow(
        member.address.split(":", 1)[0],
        member.address,
        body,
        "group_notice",
        "urgent" if soon else "normal",
        group.service_id,
        now,
        meta={"group_id": group.id, "change_id": change.id},
        quiet_exempt=soon,
        not_after=not_after,
        idempotency_key=notice_key(change.id, member.id),
        person_id=member.person_id,
        language=member.language,
    )
