"""The deadline a person is promised, as a day and a time people say (issue 10, point 6).

The stored deadline stays exact, for staff; what the person is told is the day, and a
time rounded up to the half hour, moved to the next day the service is open when the
exact deadline falls on a closed one (Derby's 72 hours can end on Easter Sunday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.deadlines import LONDON, is_working_day
from conversations.definition import ServiceDefinition

HALF_HOUR = 30
# A time of night is no time to promise: "by 3:30am" reads as a call at 3:30am. Between
# these, the day alone is named (a looser promise, still kept by the exact deadline).
NIGHT_ENDS = time(7, 0)
NIGHT_STARTS = time(21, 0)


@dataclass(frozen=True)
class SpokenDeadline:
    """The day to name, and the time of day to name with it (None: the whole day)."""

    day: date
    at: datetime | None


def is_open(day: date, service: ServiceDefinition) -> bool:
    """A working day of the service's nation that is one of its core days (if it has any)."""
    if not is_working_day(day, service.nation):
        return False
    return service.core_hours is None or day.weekday() in service.core_hours.days


def next_open_day(day: date, service: ServiceDefinition) -> date:
    """`day` if the service is open then, else the next day it is."""
    while not is_open(day, service):
        day += timedelta(days=1)
    return day


def spoken_deadline(due: datetime, service: ServiceDefinition) -> SpokenDeadline:
    """What to promise for the exact deadline `due`.

    A deadline at the end of a day (working days, 23:59) names the day only. Another is
    rounded up to the half hour, so that meeting the exact deadline keeps the promise;
    rounding past midnight, or to a time of night, names the day only. On a closed day:
    the next open day, whole.
    """
    local = due.astimezone(LONDON)
    if (local.hour, local.minute) == (23, 59):
        return SpokenDeadline(next_open_day(local.date(), service), None)
    rounded = local.replace(second=0, microsecond=0)
    if rounded < local or rounded.minute % HALF_HOUR:
        rounded += timedelta(minutes=HALF_HOUR - rounded.minute % HALF_HOUR)
    if rounded.date() != local.date() or not NIGHT_ENDS <= rounded.time() <= NIGHT_STARTS:
        return SpokenDeadline(next_open_day(local.date(), service), None)
    if not is_open(local.date(), service):
        return SpokenDeadline(next_open_day(local.date(), service), None)
    return SpokenDeadline(local.date(), rounded)
