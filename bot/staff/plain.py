"""Times said plainly for staff: local (Europe/London) and relative to now."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.deadlines import LONDON


def clock_time(moment: datetime) -> str:
    """GOV.UK style: 5pm, 5:30pm, midday, midnight (local time)."""
    local = moment.astimezone(LONDON)
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def _end_of_day(local: datetime) -> bool:
    return local.time() >= time(23, 59)


def due_plainly(due: datetime | None, now: datetime) -> str:
    """'today 5pm', 'tomorrow', 'Thu 9 Apr', 'overdue 2 days', 'overdue since 3pm'."""
    if due is None:
        return "-"
    local, today = due.astimezone(LONDON), now.astimezone(LONDON)
    days = (local.date() - today.date()).days
    if due < now:
        if days == 0:
            return f"overdue since {clock_time(due)}"
        late = -days
        return f"overdue {late} day{'s' if late != 1 else ''}"
    at = "" if _end_of_day(local) else " " + clock_time(due)
    if days == 0:
        return f"today{at}"
    if days == 1:
        return f"tomorrow{at}"
    label = f"{local:%a} {local.day} {local:%b}"
    if local.year != today.year:
        label += f" {local.year}"
    return label + at


def local_iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Europe/London with its offset, to the second (what staff read and sort)."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds") if moment else None


def local_short(moment: datetime | None) -> str:
    """'Tue 1 Dec 2026 9:30pm' in Europe/London, for terminal tables."""
    if moment is None:
        return "-"
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y} {clock_time(moment)}"
