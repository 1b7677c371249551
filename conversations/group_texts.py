"""What Kith says about group sessions: changes and reminders.

Discreet (SPEC): the day, time and venue, never the group's purpose or its name
("The group on Tuesday 10 March at 10am, at Market Street centre, is cancelled").
"""

from __future__ import annotations

from datetime import datetime

from bot.core.deadlines import LONDON
from conversations.i18n import Translator


def _when(t: Translator, moment: datetime, prefix: str = "") -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {f"{prefix}day": t.format_day(local), f"{prefix}time": t.format_clock(local)}


def cancelled(t: Translator, starts_at: datetime, venue: str) -> str:
    """Staff cancelled one session."""
    return t.gettext("The group on {day} at {time}, at {venue}, is cancelled.").format(
        venue=venue, **_when(t, starts_at)
    )


def moved(t: Translator, was: datetime, starts_at: datetime, venue: str) -> str:
    """Staff moved one session (perhaps to another venue too)."""
    return t.gettext(
        "The group on {day} at {time} has moved to {new_day} at {new_time}, at {venue}."
    ).format(venue=venue, **_when(t, was), **_when(t, starts_at, "new_"))


def new_venue(t: Translator, starts_at: datetime, venue: str) -> str:
    """Staff changed the venue of one session only."""
    return t.gettext("The group on {day} at {time} will be at {venue} instead.").format(
        venue=venue, **_when(t, starts_at)
    )


def reminder(t: Translator, starts_at: datetime, venue: str) -> str:
    """A member's reminder of a session."""
    return t.gettext("Reminder: the group is on {day} at {time}, at {venue}.").format(
        venue=venue, **_when(t, starts_at)
    )
