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


def _when(t: Translator, starts_at: datetime) -> str:
    return t.format_clock(starts_at.astimezone(LONDON))


def outcome_request(t: Translator, starts_at: datetime, first_name: str) -> str:
    """After a call: how it went, by number (issue 14.3 names the call)."""
    return t.gettext("Call with {name} at {time}: reply 1 done, 2 no answer, 3 concern.").format(
        name=first_name, time=_when(t, starts_at)
    )


def which_call(t: Translator, calls: list[tuple[datetime, str]]) -> str:
    """Two outcomes open and a bare number: which call is it for? Never guessed."""
    lines = [t.gettext("Which call is that for? Reply with its number:")]
    for number, (starts_at, first_name) in enumerate(calls, start=1):
        lines.append(
            t.gettext("{number} {name} at {time}").format(
                number=number, name=first_name, time=_when(t, starts_at)
            )
        )
    return "\n".join(lines)


def outcome_reask(t: Translator, starts_at: datetime, first_name: str) -> str:
    """A reply that is none of the outcomes: the choices again, and CONCERN at any time."""
    return t.gettext(
        "Sorry, I did not understand. Call with {name} at {time}: reply 1 done, "
        "2 no answer, 3 concern. You can send CONCERN at any time."
    ).format(name=first_name, time=_when(t, starts_at))


def done_noted(t: Translator, first_name: str) -> str:
    """The call is recorded as done."""
    return t.gettext("Thank you. Your call with {name} is recorded as done.").format(
        name=first_name
    )


def no_answer_noted(t: Translator, first_name: str) -> str:
    """No answer: recorded, and the offer to try once more."""
    return t.gettext(
        "No answer from {name} is recorded. Reply AGAIN to be reminded to try once more "
        "in 30 minutes."
    ).format(name=first_name)


def retry_set(t: Translator, starts_at: datetime, first_name: str) -> str:
    """AGAIN: a one-off call is planned, with its own prompt."""
    return t.gettext("We will remind you to call {name} again at {time}.").format(
        name=first_name, time=_when(t, starts_at)
    )


def concern_noted(t: Translator, first_name: str | None, crisis_words: bool) -> str:
    """A concern (CONCERN, 3, or crisis words from a volunteer): staff are told at once.

    A volunteer's crisis words are read as a concern about their callee (issue 14.3):
    they are told staff have it, not sent the routes meant for a person at risk.
    """
    if first_name is None:
        told = t.gettext("Thank you for telling us. Staff have been alerted and will contact you.")
    else:
        told = t.gettext(
            "Thank you for telling us. Staff have been alerted about your call with {name} "
            "and will contact you."
        ).format(name=first_name)
    danger = t.gettext("If anyone is in immediate danger, call 999.")
    if crisis_words:
        about_you = t.gettext("If this is about you, tell them when they call.")
        return f"{told} {danger} {about_you}"
    return f"{told} {danger}"


def unavailable_noted(t: Translator, remaining: int) -> str:
    """UNAVAILABLE: no more prompts today; staff will rearrange the calls left."""
    if remaining:
        return t.ngettext(
            "Thank you. You will get no more call prompts today. Staff will arrange your "
            "{count} call left.",
            "Thank you. You will get no more call prompts today. Staff will arrange your "
            "{count} calls left.",
            remaining,
        ).format(count=remaining)
    return t.gettext("Thank you. You will get no more call prompts today.")


def volunteer_help(t: Translator) -> str:
    """What a volunteer can send, when their message is none of it."""
    return t.gettext(
        "This number sends your call lists. Reply CONCERN at any time to tell staff about "
        "a worry, or UNAVAILABLE if you cannot make today's calls."
    )
