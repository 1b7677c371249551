"""When an appointment's reminders go: offsets, the quiet-hours rule, both clock changes.

An offset of whole days (48 h) means the same time of day that many days before, read
on London's clocks: a 10:00 appointment on the Monday after the clocks go forward is
reminded at 10:00 on the Saturday, not 09:00. A shorter offset (2 h) is elapsed time.
Each moment is then moved to an allowed time by the one quiet-hours rule (earlier, to
the last allowed minute; dropped if that is more than a day early), and a moment that
is not before the appointment is dropped.

Lateness, after downtime: a reminder is worth sending until the next reminder's moment
(which supersedes it) and never after its appointment starts (`not_after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.core.deadlines import LONDON
from bot.core.quiet_hours import DEFAULT_QUIET_HOURS, last_allowed_before

DEFAULT_OFFSETS_HOURS = (48, 2)
MOST_EARLY = timedelta(days=1)


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of one appointment at one revision: when, and until when it is worth it."""

    offset_hours: int
    moment: datetime
    not_after: datetime

    def key(self, appointment_id: int, revision: int) -> str:
        """The outbox idempotency key: kind, source row, its revision and the moment."""
        return (
            f"{key_prefix(appointment_id)}{revision}:{self.moment.astimezone(LONDON):%Y%m%dT%H%M%z}"
        )


def key_prefix(appointment_id: int) -> str:
    """What every reminder key of this appointment starts with (to cancel them all)."""
    return f"reminder:{appointment_id}:"


def _before(starts_at: datetime, hours: int) -> datetime:
    if hours % 24 == 0:
        local = starts_at.astimezone(LONDON)
        same_clock = local.replace(tzinfo=None) - timedelta(days=hours // 24)
        return same_clock.replace(tzinfo=LONDON)
    return starts_at - timedelta(hours=hours)


def plan_reminders(
    starts_at: datetime,
    offsets_hours: tuple[int, ...] = DEFAULT_OFFSETS_HOURS,
    quiet: tuple[time, time] = DEFAULT_QUIET_HOURS,
) -> list[PlannedReminder]:
    """The reminders of an appointment at `starts_at`, earliest first."""
    moments: list[tuple[int, datetime]] = []
    for hours in sorted(set(offsets_hours), reverse=True):
        wanted = _before(starts_at, hours)
        allowed = last_allowed_before(wanted, quiet)
        if wanted - allowed > MOST_EARLY or allowed >= starts_at:
            continue
        if moments and allowed <= moments[-1][1]:
            continue  # moved earlier onto or before the one before it: one is enough
        moments.append((hours, allowed))
    planned = []
    for n, (hours, moment) in enumerate(moments):
        until = moments[n + 1][1] if n + 1 < len(moments) else starts_at
        planned.append(PlannedReminder(hours, moment, min(until, starts_at)))
    return planned


def next_reminder(planned: list[PlannedReminder], now: datetime) -> datetime | None:
    """The moment of the first reminder still worth sending at `now`, or None."""
    for reminder in planned:
        if reminder.not_after > now:
            return reminder.moment
    return None


def reminder_at(planned: list[PlannedReminder], moment: datetime) -> PlannedReminder | None:
    """The planned reminder at `moment` (what a claimed appointment's next moment names)."""
    for reminder in planned:
        if reminder.moment == moment:
            return reminder
    return None


def following(planned: list[PlannedReminder], moment: datetime) -> datetime | None:
    """The moment of the reminder after the one at `moment`, or None."""
    later = [r.moment for r in planned if r.moment > moment]
    return later[0] if later else None
