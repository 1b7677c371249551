"""The call outcomes job: after each call, ask the volunteer how it went (issue 14.3).

Each prompted call is a row in `calls` holding the moment its outcome is asked
(`request_at`, 20 minutes after it starts). A batch claims the calls whose moment has
come (SKIP LOCKED on PostgreSQL) and takes each with a conditional update, queues the
request to the volunteer ("Call with Sam at 10am: reply 1 done, 2 no answer, 3
concern", keyed by call) and opens a `call_outcome` prompt for the reply, in one
transaction: any number of processes ask once. A call that already has an outcome
(a CONCERN during it, or cancelled by UNAVAILABLE) is not asked about.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.calls import ACTIVE, CallRecord
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from conversations import call_texts as say
from conversations.registry import Registry
from scheduler.batches import queue_in_batches

BATCH = 200
PROMPT_EXPIRY = timedelta(days=2)  # an outcome not given by then is left for staff


async def queue_outcome_requests(database: Database, registry: Registry, now: datetime) -> int:
    """Queue every outcome request whose moment has come; how many were queued."""
    return await queue_in_batches(
        database,
        lambda store: store.outcome_requests_due(now),
        lambda store: _batch(store, registry, now),
        "call outcome requests",
    )


def _batch(store: Store, registry: Registry, now: datetime) -> tuple[int, int]:
    claimed = store.claim_due_outcome_requests(now, BATCH)
    rows: list[OutboundRow] = []
    for call in claimed:
        assert call.request_at is not None
        row = _request(store, registry, call) if call.outcome is None else None
        if not store.mark_outcome_requested(call.id, call.request_at, now if row else None):
            continue  # another process took it
        if row is not None:
            rows.append(row)
            data: dict[str, object] = {"call": call.id}
            # A "which call?" still unanswered was about the calls before this one: a
            # number sent now may be about this call, so it is asked afresh.
            store.close_prompts(row.address, kind="call_which")
            store.open_prompt(row.address, "call_outcome", None, now, now + PROMPT_EXPIRY, data)
    return len(claimed), len(store.queue(rows, now))


def _request(store: Store, registry: Registry, call: CallRecord) -> OutboundRow | None:
    volunteer = store.get_volunteer(call.volunteer_id)
    callee = store.get_callee(call.callee_id)
    if volunteer is None or callee is None or volunteer.status != ACTIVE:
        return None
    assert call.request_at is not None
    t = registry.translator(volunteer.service_id, volunteer.language)
    return OutboundRow(
        volunteer.address.split(":", 1)[0],
        volunteer.address,
        say.outcome_request(t, call.starts_at, callee.first_name),
        "call_outcome",
        "normal",
        volunteer.service_id,
        call.request_at,
        meta={"volunteer_id": volunteer.id, "call_id": call.id},
        idempotency_key=f"call_outcome:{call.id}",
        language=volunteer.language,
    )
