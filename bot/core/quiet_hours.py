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
