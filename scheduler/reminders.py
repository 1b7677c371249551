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
from datetime import datetime, timedelta

from bot.core.appointments import Appointment
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow
from bot.core.reminders import PlannedReminder, following, plan_reminders, reminder_at
from conversations import appointment_texts as say
from conversations.i18n import translator
from conversations.registry import Registry

log = logging.getLogger(__name__)

BATCH = 500
# Reminders due this soon are queued now, held by their `not_before` until their moment:
# a job that runs every second queues each before its moment, never after it.
LOOKAHEAD = timedelta(seconds=2)


@dataclass
class ReminderCounts:
    """What one run of the job did."""

    queued: int = 0
    skipped_late: int = 0


async def queue_due_reminders(
    database: Database,
    registry: Registry,
    now: datetime,
    batch: int = BATCH,
    lookahead: timedelta = LOOKAHEAD,
) -> ReminderCounts:
    """Queue every reminder whose moment has come (or comes within `lookahead`)."""
    counts = ReminderCounts()
    # A read first: most runs find nothing due and take no write lock.
    if not await database.read(lambda store: store.reminders_due(now + lookahead)):
        return counts
    # Until a claim finds nothing: a late reminder skipped moves its appointment on to
    # the next moment, which may be due already.
    while await database.write(
        lambda store: _batch(store, registry, now, now + lookahead, batch, counts)
    ):
        pass
    if counts.queued or counts.skipped_late:
        log.info(
            "reminders queued",
            extra={"count": counts.queued, "too_late": counts.skipped_late},
        )
    return counts


def _batch(
    store: Store,
    registry: Registry,
    now: datetime,
    until: datetime,
    batch: int,
    counts: ReminderCounts,
) -> int:
    """One claimed batch (moments up to `until`): reminders queued, prompts opened."""
    claimed = store.claim_due_reminders(until, batch)
    moves: list[tuple[int, int, datetime, datetime | None]] = []
    prompts: list[tuple[str, int, datetime]] = []
    rows: list[OutboundRow] = []
    for appointment in claimed:
        assert appointment.next_reminder_at is not None
        due, then = _plan(registry, appointment)
        moves.append((appointment.id, appointment.revision, appointment.next_reminder_at, then))
        if due is None or due.not_after <= now or appointment.address is None:
            counts.skipped_late += 1
            continue
        rows.append(_row(appointment, due))
        prompts.append((appointment.address, appointment.id, appointment.starts_at))
    # The claim holds these rows (SKIP LOCKED / SQLite's writer); each move re-checks
    # the revision and moment all the same, and the keys make queueing idempotent.
    store.advance_reminders(moves)
    store.open_reminder_prompts(prompts, now)
    counts.queued += len(store.queue(rows, now))
    return len(claimed)


def _plan(
    registry: Registry, appointment: Appointment
) -> tuple[PlannedReminder | None, datetime | None]:
    """The reminder the claimed moment names, and the moment after it."""
    assert appointment.next_reminder_at is not None
    service = registry.services.get(appointment.service_id)
    if service is not None:
        planned = plan_reminders(
            appointment.starts_at, service.reminder_offsets_hours, service.quiet_hours
        )
    else:  # its service was removed: Kith's defaults
        planned = plan_reminders(appointment.starts_at)
    moment = appointment.next_reminder_at
    return reminder_at(planned, moment), following(planned, moment)


def _row(appointment: Appointment, due: PlannedReminder) -> OutboundRow:
    assert appointment.address is not None
    t = translator(appointment.language)
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
