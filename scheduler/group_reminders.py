"""The group reminders job: session reminders for members who asked for them.

As appointments' reminders (scheduler/reminders.py): each group holds the moment of
its next reminder (`next_reminder_at`); a batch claims the groups whose moment has
come, queues a reminder to each member who wants them (keyed by group, session,
moment and member) and moves the moment on with a conditional update, in one
transaction. The moments are planned by bot/core/reminders.py from the service's
offsets and quiet hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.groups import next_reminder_moment, planned_reminders, reminder_key
from bot.core.ports import Database, Store
from bot.core.quiet_hours import DEFAULT_QUIET_HOURS
from bot.core.records import OutboundRow
from bot.core.reminders import DEFAULT_OFFSETS_HOURS
from conversations import group_texts as say
from conversations.i18n import translator
from conversations.registry import Registry
from scheduler.batches import queue_in_batches

BATCH = 50
LOOKAHEAD = timedelta(seconds=2)


async def queue_group_reminders(database: Database, registry: Registry, now: datetime) -> int:
    """Queue every session reminder whose moment has come; how many rows were queued."""
    until = now + LOOKAHEAD
    return await queue_in_batches(
        database,
        lambda store: store.group_reminders_due(until),
        lambda store: _batch(store, registry, now, until),
        "group reminders",
    )


def _batch(store: Store, registry: Registry, now: datetime, until: datetime) -> tuple[int, int]:
    claimed = store.claim_due_group_reminders(until, BATCH)
    rows: list[OutboundRow] = []
    for group in claimed:
        assert group.next_reminder_at is not None
        was = group.next_reminder_at
        service = registry.services.get(group.service_id)
        offsets = service.reminder_offsets_hours if service else DEFAULT_OFFSETS_HOURS
        quiet = service.quiet_hours if service else DEFAULT_QUIET_HOURS
        changes = store.session_changes([group.id])
        # Sessions after the moment (a reminder always comes before its session).
        due = [
            (session, planned)
            for session, planned in planned_reminders(group, changes, was, offsets, quiet)
            if planned.moment == was and planned.not_after > now
        ]
        members = [m for m in store.group_members([group.id]) if m.reminders and not m.opted_out]
        for session, planned in due:
            for member in members:
                t = translator(member.language)
                rows.append(
                    OutboundRow(
                        member.address.split(":", 1)[0],
                        member.address,
                        say.reminder(t, session.starts_at, session.venue),
                        "group_reminder",
                        "normal",
                        group.service_id,
                        planned.moment,
                        meta={"group_id": group.id},
                        not_after=planned.not_after,
                        idempotency_key=reminder_key(
                            group.id, session.session_date, planned.moment, member.id
                        ),
                        person_id=member.person_id,
                        language=member.language,
                    )
                )
        then = next_reminder_moment(group, changes, was, offsets, quiet, inclusive=False)
        store.advance_group_reminder(group.id, was, then)
    return len(claimed), len(store.queue(rows, now))
