"""What Kith says to volunteers about their calls: the day's list.

Only what a call needs (issue 14): time, first name and number, and the reminder to
withhold their own number when dialling; Kith never gives a callee the volunteer's.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.deadlines import LONDON
from conversations.i18n import Translator


def day_list(t: Translator, day: date, calls: list[tuple[datetime, str, str]]) -> str:
    """The day's calls, one a line: time, first name, number; then the withholding reminder."""
    lines = [t.gettext("Your calls for {day}:").format(day=t.format_day(day))]
    for starts_at, first_name, phone in calls:
        lines.append(f"{t.format_clock(starts_at.astimezone(LONDON))} {first_name} {phone}")
    lines.append(t.gettext("Dial 141 before each number so yours stays hidden."))
    return "\n".join(lines)


def call_prompt(t: Translator, starts_at: datetime, first_name: str, phone: str) -> str:
    """A few minutes before a call: whom to call, when, and to withhold their number."""
    return t.gettext("At {time}: call {name} on {phone}. Dial 141 first.").format(
        time=t.format_clock(starts_at.astimezone(LONDON)), name=first_name, phone=phone
    )
