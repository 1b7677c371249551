"""The call lists job: each active volunteer's calls for the day, at their list time.

Each volunteer holds the moment of their next list (`next_list_at`, 08:30 London by
default). A batch claims the volunteers whose moment has come (SKIP LOCKED on
PostgreSQL), queues the day's list to each active one with calls that day (keyed by
volunteer and day), and moves the moment on to the next day with a conditional
update, in one transaction. A paused volunteer gets no list, nor one who said
UNAVAILABLE for that day. The reminder to withhold their number is the service's
wording when its definition gives one (`translations:`). A list is worth sending
until the day's last call starts (`not_after`).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.calls import ACTIVE, Volunteer, calls_on, next_list_moment
from bot.core.deadlines import LONDON
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from conversations import call_texts as say
from conversations.registry import Registry
from scheduler.batches import queue_in_batches

BATCH = 100


async def queue_call_lists(database: Database, registry: Registry, now: datetime) -> int:
    """Queue every day's list whose moment has come; how many were queued."""
    return await queue_in_batches(
        database,
        lambda store: store.call_lists_due(now),
        lambda store: _batch(store, registry, now),
        "call lists",
    )


def _batch(store: Store, registry: Registry, now: datetime) -> tuple[int, int]:
    claimed = store.claim_due_call_lists(now, BATCH)
    rows: list[OutboundRow] = []
    for volunteer in claimed:
        assert volunteer.next_list_at is not None
        was = volunteer.next_list_at
        row = _list(store, registry, volunteer, was, now) if volunteer.status == ACTIVE else None
        if row is not None:
            rows.append(row)
        store.advance_call_list(
            volunteer.id, was, next_list_moment(volunteer.list_time, was, False)
        )
    return len(claimed), len(store.queue(rows, now))


def _list(
    store: Store, registry: Registry, volunteer: Volunteer, moment: datetime, now: datetime
) -> OutboundRow | None:
    day = moment.astimezone(LONDON).date()
    if volunteer.unavailable_on == day:
        return None
    calls = calls_on(store.call_slots(volunteer_id=volunteer.id), day)
    listed = []
    for call in calls:
        callee = store.get_callee(call.callee_id)
        if callee is not None:
            listed.append((call.starts_at, callee.first_name, callee.address.removeprefix("sms:")))
    if not listed or listed[-1][0] <= now:
        return None  # no calls that day, or the day's calls are over (after downtime)
    return OutboundRow(
        volunteer.address.split(":", 1)[0],
        volunteer.address,
        say.day_list(registry.translator(volunteer.service_id, volunteer.language), day, listed),
        "call_list",
        "normal",
        volunteer.service_id,
        moment,
        meta={"volunteer_id": volunteer.id},
        not_after=listed[-1][0],
        idempotency_key=f"call_list:{volunteer.id}:{day.isoformat()}",
        language=volunteer.language,
    )
