"""Groups and their sessions as plain records; when sessions fall, with staff changes.

A group meets on a rule: weekly or fortnightly from its first session, or monthly on
the same weekday of the month as the first (the 2nd Tuesday; a first session in the
fifth week means the last such weekday). A session is named by the London date it
was due on by the rule; staff changes to one session (cancel, move, another venue) are
kept as rows and applied on top. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.deadlines import LONDON
from bot.core.reminders import PlannedReminder, plan_reminders

WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
MONTHLY = "monthly"
RECURRENCES = (WEEKLY, FORTNIGHTLY, MONTHLY)

CANCEL = "cancel"
MOVE = "move"
VENUE = "venue"


@dataclass(frozen=True)
class Group:
    """A group: its staff-only name (never sent), venue and when it meets."""

    id: int
    service_id: str
    name: str
    venue: str
    recurrence: str
    first_starts_at: datetime
    next_reminder_at: datetime | None = None


@dataclass(frozen=True)
class Member:
    """A member of a group with the address notices go to."""

    id: int
    group_id: int
    person_id: int
    address: str
    language: str
    reminders: bool
    opted_out: bool = False


@dataclass(frozen=True)
class SessionChange:
    """Staff's change to one session (named by its date by the rule)."""

    id: int
    group_id: int
    session_date: date
    action: str  # cancel | move | venue
    starts_at: datetime | None  # the new time, for a move
    venue: str | None  # the new venue
    created_at: datetime
    notices_queued_at: datetime | None = None


@dataclass(frozen=True)
class Session:
    """One session as it stands: rule date, time, venue, and whether it is off."""

    session_date: date
    starts_at: datetime
    venue: str
    cancelled: bool = False
    changed: bool = False


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    if nth < 0:  # the last such weekday
        day = first + timedelta(days=offset)
        while (day + timedelta(days=7)).month == month:
            day += timedelta(days=7)
        return day
    day = first + timedelta(days=offset + 7 * (nth - 1))
    return day if day.month == month else None


def rule_dates(recurrence: str, first: date, since: date, until: date) -> list[date]:
    """The dates the rule gives from `since` to `until` (both included), never before `first`."""
    found: list[date] = []
    if recurrence in (WEEKLY, FORTNIGHTLY):
        step = 7 if recurrence == WEEKLY else 14
        start = max(first, since)
        skip = (start - first).days
        day = first + timedelta(days=-(-skip // step) * step)
        while day <= until:
            found.append(day)
            day += timedelta(days=step)
        return found
    nth = (first.day - 1) // 7 + 1
    nth = -1 if nth == 5 else nth
    year, month = max(first, since).year, max(first, since).month
    while date(year, month, 1) <= until:
        found_day = _nth_weekday(year, month, first.weekday(), nth)
        if found_day is not None and max(first, since) <= found_day <= until:
            found.append(found_day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def sessions(
    group: Group, changes: list[SessionChange], since: datetime, until: datetime
) -> list[Session]:
    """Sessions from `since` to `until` (by their time as it stands), changes applied."""
    clock = group.first_starts_at.astimezone(LONDON).time().replace(tzinfo=None)
    latest: dict[date, list[SessionChange]] = {}
    for change in sorted(changes, key=lambda c: c.id):
        latest.setdefault(change.session_date, []).append(change)
    # A moved session may now fall in the window though its rule date does not.
    margin = timedelta(days=62)
    days = rule_dates(
        group.recurrence,
        group.first_starts_at.astimezone(LONDON).date(),
        (since - margin).astimezone(LONDON).date(),
        (until + margin).astimezone(LONDON).date(),
    )
    found = []
    for day in days:
        session = Session(day, _at(day, clock), group.venue)
        for change in latest.get(day, []):
            session = apply(session, change)
        if since <= session.starts_at <= until:
            found.append(session)
    return sorted(found, key=lambda s: s.starts_at)


def apply(session: Session, change: SessionChange) -> Session:
    """The session after one staff change."""
    if change.action == CANCEL:
        return Session(session.session_date, session.starts_at, session.venue, True, True)
    return Session(
        session.session_date,
        change.starts_at or session.starts_at,
        change.venue or session.venue,
        session.cancelled,
        True,
    )


def session_on(group: Group, changes: list[SessionChange], day: date) -> Session | None:
    """The session the rule gives on `day` (changes applied), or None if the rule gives none."""
    first = group.first_starts_at.astimezone(LONDON).date()
    if day not in rule_dates(group.recurrence, first, day, day):
        return None
    clock = group.first_starts_at.astimezone(LONDON).time().replace(tzinfo=None)
    session = Session(day, _at(day, clock), group.venue)
    for change in sorted(changes, key=lambda c: c.id):
        if change.session_date == day:
            session = apply(session, change)
    return session


def planned_reminders(
    group: Group,
    changes: list[SessionChange],
    since: datetime,
    offsets_hours: tuple[int, ...],
    quiet: tuple[time, time],
    horizon: timedelta = timedelta(days=70),
) -> list[tuple[Session, PlannedReminder]]:
    """Reminders of the sessions that start after `since` (cancelled ones have none), by moment."""
    found = []
    for session in sessions(group, changes, since, since + horizon):
        if session.cancelled or session.starts_at <= since:
            continue
        for reminder in plan_reminders(session.starts_at, offsets_hours, quiet):
            found.append((session, reminder))
    return sorted(found, key=lambda pair: pair[1].moment)


def next_reminder_moment(
    group: Group,
    changes: list[SessionChange],
    after: datetime,
    offsets_hours: tuple[int, ...],
    quiet: tuple[time, time],
    inclusive: bool = True,
) -> datetime | None:
    """The first session reminder moment at or after `after` (strictly after unless inclusive)."""
    for _, reminder in planned_reminders(group, changes, after, offsets_hours, quiet):
        if reminder.moment > after or (inclusive and reminder.moment == after):
            return reminder.moment
    return None


def reminder_key(group_id: int, session_date: date, moment: datetime, member_id: int) -> str:
    """The outbox idempotency key of one member's reminder of one session at one moment."""
    at = moment.astimezone(LONDON)
    return f"{reminder_key_prefix(group_id, session_date)}{at:%Y%m%dT%H%M%z}:{member_id}"


def reminder_key_prefix(group_id: int, session_date: date) -> str:
    """What every reminder key of one session starts with (to cancel them on a change)."""
    return f"group_reminder:{group_id}:{session_date.isoformat()}:"


def notice_key(change_id: int, member_id: int) -> str:
    """The outbox idempotency key of one member's notice of one change."""
    return f"group_notice:{change_id}:{member_id}"
