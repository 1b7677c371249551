"""Quiet hours: when a message that is not quiet-exempt may be sent (the one default)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.deadlines import LONDON

DEFAULT_QUIET_HOURS = (time(21, 0), time(8, 0))


def in_quiet_hours(moment: datetime, quiet: tuple[time, time] = DEFAULT_QUIET_HOURS) -> bool:
    """True when `moment` (aware) falls in the quiet hours, read in Europe/London."""
    local = moment.astimezone(LONDON).time()
    start, end = quiet
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def release_time(moment: datetime, quiet: tuple[time, time] = DEFAULT_QUIET_HOURS) -> datetime:
    """`moment` itself outside quiet hours; else the end of the quiet hours that hold it."""
    if not in_quiet_hours(moment, quiet):
        return moment
    local = moment.astimezone(LONDON)
    end = quiet[1]
    release_day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(release_day, end, tzinfo=LONDON)


def last_allowed_before(
    moment: datetime, quiet: tuple[time, time] = DEFAULT_QUIET_HOURS
) -> datetime:
    """`moment` itself outside quiet hours; else the last allowed minute before they began.

    Jobs plan a message at an allowed time by moving it earlier (INTERFACES "Quiet
    hours, one rule"): a 07:00 reminder is planned at 20:59 the evening before.
    """
    if not in_quiet_hours(moment, quiet):
        return moment
    local = moment.astimezone(LONDON)
    start = quiet[0]
    began_day = local.date() if local.time() >= start else local.date() - timedelta(days=1)
    began = datetime.combine(began_day, start, tzinfo=LONDON)
    return (began - timedelta(minutes=1)).astimezone(moment.tzinfo)
