"""The reminder job: queue each appointment's reminders as their moments come.

What to send is derived from the appointments table (`next_reminder_at`), never held
in memory. Each batch claims the due appointments (SKIP LOCKED on PostgreSQL), queues
each reminder with its idempotency key (appointment, revision, moment) and moves the
appointment's next moment on with a conditional update, all in one transaction: with
any number of processes each reminder is queued exactly once.

After downtime: a reminder whose worth has passed (the next reminder's moment, or the
appointment itself) is skipped, never sent; the row's `not_after` says the same to
the dispatcher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.appointments import Appointment
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from bot.core.reminders import following, plan_reminders, reminder_at
from conversations import appointment_texts as say
from conversations.i18n import translator
from conversations.registry import Registry

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class ReminderCounts:
    """What one run of the job did."""

    queued: int = 0
    skipped_late: int = 0


async def queue_due_reminders(
    database: Database, registry: Registry, now: datetime, batch: int = BATCH
) -> ReminderCounts:
    """Queue every reminder whose moment has come; returns how many were queued."""
    counts = ReminderCounts()
    # Until a claim finds nothing: a late reminder skipped moves its appointment on to
    # the next moment, which may be due already.
    while await database.write(lambda store: _batch(store, registry, now, batch, counts)):
        pass
    if counts.queued or counts.skipped_late:
        log.info(
            "reminders queued",
            extra={"count": counts.queued, "too_late": counts.skipped_late},
        )
    return counts


def _batch(
    store: Store, registry: Registry, now: datetime, batch: int, counts: ReminderCounts
) -> int:
    claimed = store.claim_due_reminders(now, batch)
    rows: list[OutboundRow] = []
    for appointment in claimed:
        row = _reminder(store, registry, appointment, now, counts)
        if row is not None:
            rows.append(row)
    if rows:
        store.queue(rows, now)
    return len(claimed)


def _reminder(
    store: Store,
    registry: Registry,
    appointment: Appointment,
    now: datetime,
    counts: ReminderCounts,
) -> OutboundRow | None:
    assert appointment.next_reminder_at is not None
    service = registry.services.get(appointment.service_id)
    if service is not None:
        planned = plan_reminders(
            appointment.starts_at, service.reminder_offsets_hours, service.quiet_hours
        )
    else:  # its service was removed: Kith's defaults
        planned = plan_reminders(appointment.starts_at)
    due = reminder_at(planned, appointment.next_reminder_at)
    then = following(planned, appointment.next_reminder_at)
    # The re-check: only the process that moves the moment on queues the reminder.
    if not store.advance_reminder(
        appointment.id, appointment.revision, appointment.next_reminder_at, then
    ):
        return None
    if due is None or due.not_after <= now or appointment.address is None:
        counts.skipped_late += 1
        return None
    counts.queued += 1
    t = translator(appointment.language)
    store.open_prompt(appointment.address, "reminder", appointment.id, now, appointment.starts_at)
    return OutboundRow(
        appointment.address.split(":", 1)[0],
        appointment.address,
        say.reminder(t, appointment.starts_at, appointment.place, appointment.staff_first_name),
        "reminder",
        "normal",
        appointment.service_id,
        due.moment,
        meta={"appointment_id": appointment.id},
        not_after=due.not_after,
        idempotency_key=due.key(appointment.id, appointment.revision),
        person_id=appointment.person_id,
        language=appointment.language,
    )
