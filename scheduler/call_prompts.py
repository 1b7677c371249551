"""The call prompts job: a prompt to the volunteer a few minutes before each call.

Each slot holds the moment of its next prompt (`next_prompt_at`, 5 minutes before its
next call). A batch claims the slots whose moment has come (SKIP LOCKED on
PostgreSQL), queues the prompt to an active volunteer (keyed by slot and call time),
and moves the moment on to the next call's with a conditional update, in one
transaction. Each prompted call is recorded (`calls`) so its outcome is asked for
after it (scheduler/call_outcomes.py); a volunteer who said UNAVAILABLE today gets no
more prompts that day. A prompt is worthless once its call starts (`not_after`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.calls import (
    ACTIVE,
    OUTCOME_AFTER,
    PROMPT_LEAD_MINUTES,
    CallSlot,
    next_call,
    prompt_moment,
)
from bot.core.deadlines import LONDON
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from conversations import call_texts as say
from conversations.registry import Registry
from scheduler.batches import queue_in_batches

BATCH = 200
LOOKAHEAD = timedelta(seconds=2)


async def queue_call_prompts(database: Database, registry: Registry, now: datetime) -> int:
    """Queue every prompt whose moment has come; how many were queued."""
    until = now + LOOKAHEAD
    return await queue_in_batches(
        database,
        lambda store: store.call_prompts_due(until),
        lambda store: _batch(store, registry, now, until),
        "call prompts",
    )


def _batch(store: Store, registry: Registry, now: datetime, until: datetime) -> tuple[int, int]:
    claimed = store.claim_due_call_prompts(until, BATCH)
    rows: list[OutboundRow] = []
    for slot in claimed:
        assert slot.next_prompt_at is not None
        was = slot.next_prompt_at
        call = next_call(slot, was + timedelta(minutes=PROMPT_LEAD_MINUTES))
        if call is not None and call.starts_at > now:
            row = _prompt(store, registry, slot, call.starts_at, was)
            if row is not None:
                rows.append(row)
        after = next_call(slot, call.starts_at, inclusive=False) if call is not None else None
        store.advance_call_prompt(slot.id, was, prompt_moment(after) if after else None)
    return len(claimed), len(store.queue(rows, now))


def _prompt(
    store: Store, registry: Registry, slot: CallSlot, starts_at: datetime, moment: datetime
) -> OutboundRow | None:
    volunteer = store.get_volunteer(slot.volunteer_id)
    callee = store.get_callee(slot.callee_id)
    if volunteer is None or callee is None or volunteer.status != ACTIVE:
        return None
    if volunteer.unavailable_on == starts_at.astimezone(LONDON).date():
        return None  # they said UNAVAILABLE today: staff reassign the call
    # The call is recorded with its prompt, so its outcome is asked after it.
    store.add_call(
        slot.id, volunteer.id, callee.id, volunteer.service_id, starts_at, starts_at + OUTCOME_AFTER
    )
    return OutboundRow(
        volunteer.address.split(":", 1)[0],
        volunteer.address,
        say.call_prompt(
            registry.translator(volunteer.service_id, volunteer.language),
            starts_at,
            callee.first_name,
            callee.address.removeprefix("sms:"),
        ),
        "call_prompt",
        "normal",
        volunteer.service_id,
        moment,
        meta={"volunteer_id": volunteer.id, "slot_id": slot.id},
        not_after=starts_at,
        idempotency_key=f"call_prompt:{slot.id}:{starts_at.astimezone(LONDON):%Y%m%dT%H%M%z}",
        language=volunteer.language,
    )
