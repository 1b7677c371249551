"""Volunteers, the people they call, and recurring call slots, as plain records.

Derby's telephone peer support (seed 002, 3.7.1.2) is "appropriately risk-assessed and
scheduled outgoing calls only": a callee exists in Kith only with their consent on
record and a staff-set risk-assessed flag, and a volunteer calls them in slots that
recur (once, weekly, fortnightly or monthly by weekday), perhaps until a date, as
support is "one-off or time limited". Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.deadlines import LONDON
from bot.core.groups import RECURRENCES, rule_dates

ONCE = "once"
SLOT_RECURRENCES = (ONCE, *RECURRENCES)
ACTIVE = "active"
PAUSED = "paused"
DEFAULT_LIST_TIME = time(8, 30)  # issue 14: the day's list goes at a set time, 08:30 by default


@dataclass(frozen=True)
class Volunteer:
    """A volunteer: first name, the address their lists go to (SMS or Telegram)."""

    id: int
    service_id: str
    first_name: str
    address: str
    language: str
    status: str
    list_time: str  # "HH:MM", London
    created_at: datetime
    next_list_at: datetime | None = None
    unavailable_on: date | None = None  # the London day they said UNAVAILABLE


@dataclass(frozen=True)
class Callee:
    """A person volunteers call: first name and number, consent and risk assessment on record."""

    id: int
    service_id: str
    person_id: int
    first_name: str
    address: str
    consent_recorded_at: datetime
    risk_assessed_at: datetime
    risk_assessed_by: str
    created_at: datetime


@dataclass(frozen=True)
class CallSlot:
    """A recurring slot: this volunteer calls this callee at this time on the rule's days."""

    id: int
    callee_id: int
    volunteer_id: int
    recurrence: str
    first_starts_at: datetime
    until: date | None
    ended_at: datetime | None = None
    next_prompt_at: datetime | None = None


@dataclass(frozen=True)
class Call:
    """One call on one day: when, whom, by whom."""

    slot_id: int
    starts_at: datetime
    callee_id: int
    volunteer_id: int


def calls_on(slots: list[CallSlot], day: date) -> list[Call]:
    """The calls the slots give on one London day, by time."""
    found = []
    for slot in slots:
        first = slot.first_starts_at.astimezone(LONDON)
        if slot.until is not None and day > slot.until:
            continue
        if slot.recurrence == ONCE:
            if first.date() != day:
                continue
        elif day not in rule_dates(slot.recurrence, first.date(), day, day):
            continue
        moment = datetime.combine(day, first.time().replace(tzinfo=None), tzinfo=LONDON)
        found.append(Call(slot.id, moment, slot.callee_id, slot.volunteer_id))
    return sorted(found, key=lambda c: (c.starts_at, c.slot_id))


def next_list_moment(list_time: str, after: datetime, inclusive: bool = True) -> datetime:
    """The next moment the day's list goes: `list_time` on London's clock, at or after `after`."""
    hours, minutes = (int(part) for part in list_time.split(":"))
    local = after.astimezone(LONDON)
    day = local.date()
    while True:
        moment = datetime.combine(day, time(hours, minutes), tzinfo=LONDON)
        if moment > after or (inclusive and moment == after):
            return moment
        day = date.fromordinal(day.toordinal() + 1)


PROMPT_LEAD_MINUTES = 5  # issue 14: "a prompt a few minutes before each call"


def next_call(slot: CallSlot, after: datetime, inclusive: bool = True) -> Call | None:
    """The slot's first call at or after `after` (strictly after unless inclusive), or None."""
    first = slot.first_starts_at.astimezone(LONDON)
    day = max(first.date(), after.astimezone(LONDON).date())
    for _ in range(400):  # a monthly rule finds its day within a few weeks
        if slot.until is not None and day > slot.until:
            return None
        for call in calls_on([slot], day):
            if call.starts_at > after or (inclusive and call.starts_at == after):
                return call
        if slot.recurrence == ONCE and day >= first.date():
            return None
        day = date.fromordinal(day.toordinal() + 1)
    return None


def prompt_moment(call: Call) -> datetime:
    """When the volunteer is prompted before a call."""
    return call.starts_at - timedelta(minutes=PROMPT_LEAD_MINUTES)


# Outcomes of a call (issue 14.3: "1 done, 2 no answer, 3 concern"); `cancelled` when
# the volunteer became unavailable before it.
DONE = "done"
NO_ANSWER = "no_answer"
CONCERN = "concern"
CANCELLED = "cancelled"
OUTCOME_CHOICES = (DONE, NO_ANSWER, CONCERN)  # by number, 1 to 3
# A peer-support call is short; its outcome is asked for this long after it starts.
OUTCOME_AFTER = timedelta(minutes=20)
RETRY_AFTER = timedelta(minutes=30)  # "try again" after no answer


@dataclass(frozen=True)
class CallRecord:
    """One call a volunteer was prompted for, and what came of it."""

    id: int
    slot_id: int
    volunteer_id: int
    callee_id: int
    service_id: str
    starts_at: datetime
    request_at: datetime | None
    requested_at: datetime | None
    outcome: str | None
    outcome_at: datetime | None
    retried_at: datetime | None = None
