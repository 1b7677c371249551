"""What Kith says about appointments: reminders, answers to them, changes.

Discreet by default (SPEC): the time, the place and the first name of whom to meet,
never the service's purpose. A reminder never invites an opt-out word (STOP, CANCEL,
END...): the answers are numbers, and "cannot come" rather than "cancel".
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from bot.core.deadlines import LONDON
from conversations.i18n import Translator, translator


def _when(t: Translator, moment: datetime) -> dict[str, str]:
    return dict(_said_when(t.code, moment))


@lru_cache(maxsize=4096)
def _said_when(code: str, moment: datetime) -> tuple[tuple[str, str], ...]:
    """Day and time as said in `code` (cached: a job's batch says the same few often)."""
    t = translator(code)
    local = moment.astimezone(LONDON)
    return (("day", t.format_day(local)), ("time", t.format_clock(local)))


def reminder(t: Translator, starts_at: datetime, place: str, name: str) -> str:
    """The reminder itself, with the three numbered answers."""
    return t.gettext(
        "Reminder: your appointment is on {day} at {time}, at {place}, with {name}. "
        "Reply 1 if you can come, 2 if you cannot, 3 for another time."
    ).format(place=place, name=name, **_when(t, starts_at))


def reminder_reask(t: Translator) -> str:
    """A reply to a reminder that is none of its answers."""
    return t.gettext(
        "Sorry, I did not understand. Reply 1 if you can come, 2 if you cannot, 3 for another time."
    )


def confirmed(t: Translator, starts_at: datetime) -> str:
    """Answer to 1 / YES."""
    return t.gettext("Thank you. See you on {day} at {time}.").format(**_when(t, starts_at))


def not_coming(t: Translator, starts_at: datetime) -> str:
    """Answer to 2 / NO: the appointment is off, and staff will be in touch."""
    return t.gettext(
        "Thank you for telling us. We have let the team know you cannot come on {day} at "
        "{time}. They will contact you."
    ).format(**_when(t, starts_at))


def change_asked(t: Translator) -> str:
    """Answer to 3: staff will find another time."""
    return t.gettext("Thank you. Someone from the team will contact you to find another time.")


def moved(t: Translator, starts_at: datetime, place: str, name: str) -> str:
    """Staff moved the appointment."""
    return t.gettext(
        "Your appointment has changed. It is now on {day} at {time}, at {place}, with {name}."
    ).format(place=place, name=name, **_when(t, starts_at))


def called_off(t: Translator, starts_at: datetime) -> str:
    """Staff cancelled the appointment (told once)."""
    return t.gettext(
        "Your appointment on {day} at {time} will not go ahead. The team will contact you."
    ).format(**_when(t, starts_at))


def which_prompt(t: Translator, options: list[datetime | None]) -> str:
    """Two open prompts could take the reply: ask which (None is the referral's questions)."""
    lines = [t.gettext("Which is your reply for?")]
    for n, starts_at in enumerate(options, start=1):
        if starts_at is None:
            lines.append(t.gettext("{n}: the questions we were asking you").format(n=n))
        else:
            lines.append(
                t.gettext("{n}: the appointment on {day} at {time}").format(
                    n=n, **_when(t, starts_at)
                )
            )
    lines.append(t.gettext("Reply with the number."))
    return "\n".join(lines)
