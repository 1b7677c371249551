"""The engine's fixed wording: every user-facing sentence, through gettext.

Kept short and plain for a basic phone; SMS wording is discreet (no mention of mental
health or of the person cared for), since someone else may read a text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.deadlines import LONDON
from conversations.definition import Contact, Question, ServiceDefinition
from conversations.i18n import N_, Translator, language_name
from conversations.promises import spoken_deadline

NATIONAL_CRISIS_ROUTES = (
    N_("If you are in danger now, call 999."),
    N_("For urgent mental health help, call NHS 111 and choose option 2."),
    N_("Samaritans: call 116 123, free, any time."),
    N_("Or text SHOUT to 85258, free, any time."),
    N_("If you cannot speak: text 999 if you have registered with emergencySMS."),
    N_("Relay UK: call 18000 from a textphone or the Relay UK app."),
)
SECONDS_PER_ANSWER = 20  # reading a short text and replying, on a basic phone
# Help before a service opens again (an urgent referral out of hours): no 999 first,
# since the person has not said they are in danger.
OUT_OF_HOURS_ROUTES = (
    N_("For urgent mental health help, call NHS 111 and choose option 2."),
    N_("Samaritans: call 116 123, free, any time."),
    N_("Or text SHOUT to 85258, free, any time."),
    N_("If you are in danger now, call 999."),
)


def service_name(t: Translator, service: ServiceDefinition) -> str:
    """The discreet short name of the service, translated."""
    return t.gettext(service.short_name)


def welcome(t: Translator, service: ServiceDefinition) -> str:
    """The first message of a conversation, with how long it takes (from the definition)."""
    minutes = estimated_minutes(service)
    if minutes == 1:
        text = t.gettext(
            "{service}: you can refer yourself here. It takes about a minute. "
            "Reply HELP for help, LANGUAGE for another language, BACK to change an answer."
        )
    else:
        text = t.gettext(
            "{service}: you can refer yourself here. It takes about {minutes} minutes. "
            "Reply HELP for help, LANGUAGE for another language, BACK to change an answer."
        )
    return text.format(service=service_name(t, service), minutes=minutes)


def estimated_minutes(service: ServiceDefinition) -> int:
    """Minutes the shortest conversation takes: consent and every question always asked.

    A question with `ask_if` may be skipped, so it is not counted; each answer is reckoned
    at SECONDS_PER_ANSWER, rounded to whole minutes, at least one.
    """
    answers = 1 + sum(1 for question in service.questions if question.ask_if is None)
    return max(1, round(answers * SECONDS_PER_ANSWER / 60))


def consent_prompt(t: Translator, service: ServiceDefinition) -> str:
    """The consent question: what is kept, who sees it, how to see or delete it.

    A service's `consent_note` (who else the referral goes to) is said first, so that
    the question the person answers is still the last thing they read.
    """
    question = t.gettext(
        "We keep your answers and number so {service} can contact you. Only its staff see "
        "them. You can ask to see or delete them. OK? Reply YES or NO."
    ).format(service=service_name(t, service))
    if service.consent_note:
        return f"{t.gettext(service.consent_note)}\n{question}"
    return question


def consent_declined(t: Translator, service: ServiceDefinition) -> str:
    """Reply to NO at the consent question."""
    return t.gettext(
        "That's fine. We have not kept your answers. "
        "If you change your mind, text us again any time."
    )


def prompt(
    t: Translator,
    question: Question,
    referrer: str | None = None,
    council: str | None = None,
    ending: bool = True,
) -> str:
    """A question as sent: the prompt, then numbered options or how to answer.

    `prompt_other` is used when someone answers on another person's behalf. Without
    `ending`, a list has no "Reply with a number" line: the first monitoring question
    follows an intro that already says how to stop, and so fits one segment.
    """
    on_behalf = referrer not in (None, "self") and question.prompt_other
    if question.council_for is not None:
        text = council_prompt(t, question.council_for, referrer, council or "")
    else:
        text = t.gettext(
            question.prompt_other if on_behalf and question.prompt_other else question.prompt
        )
    if question.kind == "yes_no" and question.unsure:
        text = f"{text}\n" + "\n".join(
            f"{n} {label}" for n, label in enumerate(unsure_labels(t), 1)
        )
    elif question.kind in ("choice", "multi"):
        options = "\n".join(
            f"{n} {t.gettext(choice.label)}" for n, choice in enumerate(question.choices, 1)
        )
        if not ending:
            return f"{text}\n{options}"
        return f"{text}\n{options}\n{_choice_ending(t, question)}"
    elif question.kind == "yes_no":
        text = f"{text} " + t.gettext("Reply YES or NO.")
    if question.optional:
        text = f"{text} " + t.gettext("Or reply SKIP.")
    return text


def _choice_ending(t: Translator, question: Question) -> str:
    """How to answer a list, kept short: one segment is 160 characters."""
    if question.kind == "choice":
        if question.optional:
            return t.gettext("Reply with a number, or SKIP.")
        return t.gettext("Reply with a number.")
    if question.optional:
        return t.gettext("Reply with numbers, like 1,3, or SKIP.")
    return t.gettext("Reply with numbers, like 1,3.")


def unsure_labels(t: Translator) -> tuple[str, str, str]:
    """The three answers of a yes/no question that offers "Not sure"."""
    return (t.gettext("Yes"), t.gettext("No"), t.gettext("Not sure"))


def council_prompt(t: Translator, postcode_field: str, referrer: str | None, council: str) -> str:
    """ "Is your council ...?", asked when a postcode's district is on the area's boundary."""
    on_behalf = referrer not in (None, "self")
    if postcode_field == "cared_for_postcode":
        text = (
            t.gettext("Is the council where the person they look after lives {council}?")
            if on_behalf
            else t.gettext("Is the council where the person you look after lives {council}?")
        )
    elif on_behalf:
        text = t.gettext("Is the person's local council {council}?")
    else:
        text = t.gettext("Is your local council {council}?")
    return text.format(council=council)


def council_line(t: Translator, council: str, postcode: str) -> str:
    """A refusal's pointer to the council where a postcode lies."""
    return t.gettext("{council}, the council for {postcode}").format(
        council=council, postcode=postcode
    )


def reask(t: Translator, question: Question, problem: str) -> str:
    """A short re-ask after an answer that did not fit: an example or the options again."""
    text = _reask_line(t, question, problem)
    if question.kind in ("choice", "multi") and problem in ("choice", "multi"):
        options = "\n".join(
            f"{n} {t.gettext(choice.label)}" for n, choice in enumerate(question.choices, 1)
        )
        text = f"{text}\n{options}"
    if question.optional:
        text = f"{text}\n" + t.gettext("Or reply SKIP.")
    return text


def _reask_line(t: Translator, question: Question, problem: str) -> str:
    example = question.example  # numbers and postcodes read the same in every language
    if problem == "yes_no" and question.unsure:
        return t.gettext("Sorry, please reply 1 for yes, 2 for no or 3 if you are not sure.")
    if problem == "yes_no":
        return t.gettext("Sorry, please reply YES or NO.")
    if problem == "number_range" and question.minimum is not None and question.maximum is not None:
        return t.gettext("Sorry, please reply with a number from {low} to {high}.").format(
            low=question.minimum, high=question.maximum
        )
    if problem in ("number", "number_range"):
        return t.gettext("Sorry, please reply with a number, for example {example}.").format(
            example=example or "45"
        )
    if problem == "choice":
        return t.gettext("Sorry, please reply with one number:")
    if problem == "multi":
        return t.gettext("Sorry, please reply with one or more numbers, like 1,3:")
    if problem == "postcode":
        return t.gettext("Sorry, please reply with a full postcode, for example {example}.").format(
            example=example or "HD1 2AB"
        )
    if problem == "date":
        return t.gettext("Sorry, please reply with a date, for example 25/12/1980.")
    if problem == "phone":
        return t.gettext("Sorry, please reply with a phone number, for example {example}.").format(
            example=example or "07700 900123"
        )
    if problem == "text_long":
        return t.gettext("Sorry, that is a bit long. Please use 1,600 characters or fewer.")
    return t.gettext("Sorry, please reply with a few words.")


def offer_person(t: Translator, service: ServiceDefinition) -> str:
    """After three answers that did not fit: offer a person (once per question)."""
    return t.gettext(
        "Sorry this is hard. Reply PERSON and someone from {service} will contact you. "
        "Or try again."
    ).format(service=service_name(t, service))


def contact_line(t: Translator, contact: Contact) -> str:
    """A signpost: the place's name and whatever ways to reach it the provider filled in."""
    parts = [t.gettext(contact.label)]
    if contact.phone:
        parts.append(t.gettext("call {number}").format(number=contact.phone))
    if contact.text:
        parts.append(t.gettext("text {number}").format(number=contact.text))
    if contact.website:
        parts.append(contact.website)
    return ", ".join(parts)


def help_text(t: Translator, service: ServiceDefinition) -> str:
    """HELP: who the service is and how to reach a person."""
    own = service.contacts.get("service")
    reach = (
        t.gettext("To reach a person: {contact}.").format(contact=contact_line(t, own))
        if own and (own.phone or own.text or own.website)
        else t.gettext("Reply PERSON and someone will contact you.")
    )
    return " ".join(
        (
            t.gettext("This is {service}.").format(service=service_name(t, service)),
            reach,
            t.gettext("This is not an emergency service: in danger, call 999."),
            t.gettext("Reply STOP to stop messages."),
        )
    )


def crisis_routes(t: Translator, service: ServiceDefinition) -> str:
    """The crisis reply: thanks, then national routes (text-only ones too) and local lines."""
    lines = [
        t.gettext(
            "Thank you for telling us. We cannot give crisis support by text, "
            "but you can get help now:"
        )
    ]
    lines += [t.gettext(line) for line in NATIONAL_CRISIS_ROUTES]
    lines += [t.gettext(line) for line in service.local_crisis_lines]
    return "\n".join(lines)


def crisis_pause(t: Translator, service: ServiceDefinition) -> str:
    """After crisis routes: the questions wait until the person says so."""
    return t.gettext(
        "The questions can wait. When you are ready, reply CONTINUE. "
        "Reply PERSON if you would like someone from {service} to contact you."
    ).format(service=service_name(t, service))


def crisis_person(t: Translator, service: ServiceDefinition) -> str:
    """After crisis routes once the referral is made."""
    return t.gettext(
        "Reply PERSON if you would like someone from {service} to contact you."
    ).format(service=service_name(t, service))


def menu_crisis_routes(t: Translator) -> str:
    """Crisis routes before a service is chosen."""
    lines = [
        t.gettext(
            "Thank you for telling us. We cannot give crisis support by text, "
            "but you can get help now:"
        )
    ]
    lines += [t.gettext(line) for line in NATIONAL_CRISIS_ROUTES]
    return "\n".join(lines)


def out_of_hours(t: Translator, service: ServiceDefinition) -> str:
    """Added to an urgent referral's acknowledgement outside the service's core hours."""
    lines = [
        t.gettext("The {service} team is not at work now. If you need help before then:").format(
            service=service_name(t, service)
        )
    ]
    lines += [t.gettext(line) for line in OUT_OF_HOURS_ROUTES]
    return "\n".join(lines)


def language_menu(
    t: Translator, codes: tuple[str, ...], translator_of: Callable[[str], Translator]
) -> str:
    """The LANGUAGE menu: each language in its own name, and how to choose it in it."""
    lines = [t.gettext("Which language?")]
    for n, code in enumerate(codes, 1):
        # Translators: after a language's own name in the menu; {number} is its number.
        how = translator_of(code).gettext("reply {number}").format(number=n)
        lines.append(f"{n} {language_name(code)}: {how}")
    return "\n".join(lines)


def opted_out(t: Translator, service: ServiceDefinition) -> str:
    """Confirmation of STOP."""
    return t.gettext("You will get no more messages from {service}. Reply START to undo.").format(
        service=service_name(t, service)
    )


def opted_in(t: Translator, service: ServiceDefinition) -> str:
    """Confirmation of START."""
    return t.gettext("You can get messages from {service} again.").format(
        service=service_name(t, service)
    )


def opt_out_hint(t: Translator) -> str:
    """For a longer message holding an opt-out word."""
    return t.gettext("To stop all messages, reply STOP on its own.")


def promise(
    t: Translator, due: datetime, service: ServiceDefinition, now: datetime | None = None
) -> str:
    """When we will be in touch, as a person says it: never a minute, never a closed day.

    `by Thursday 9 April`, `today by 5pm`, `tomorrow by 5pm`, `by 10:30am on Monday 30
    November`. A time is rounded up to the half hour (so meeting the exact, stored
    deadline always keeps the promise). A deadline that falls on a day the service is
    closed (a weekend, a bank holiday, a day outside its core hours) is said as the next
    day it is open. `now` allows "today" and "tomorrow"; without it the date is named.
    """
    spoken = spoken_deadline(due, service)
    today = now.astimezone(LONDON).date() if now is not None else None
    if spoken.at is None:
        if spoken.day == today:
            return t.gettext("by the end of today")
        if today is not None and spoken.day == today + timedelta(days=1):
            return t.gettext("by the end of tomorrow")
        return t.gettext("by {day}").format(day=t.format_day(spoken.day))
    clock = t.format_clock(spoken.at)
    if spoken.day == today:
        return t.gettext("today by {time}").format(time=clock)
    if today is not None and spoken.day == today + timedelta(days=1):
        return t.gettext("tomorrow by {time}").format(time=clock)
    return t.gettext("by {time} on {day}").format(time=clock, day=t.format_day(spoken.day))


def accepted(t: Translator, service: ServiceDefinition, due: str) -> str:
    """Acknowledgement of an accepted referral: what happens next and by when."""
    next_step = t.gettext(service.accepted_next_step) if service.accepted_next_step else ""
    return " ".join(
        filter(
            None,
            (
                t.gettext("Thank you. {service} has your referral.").format(
                    service=service_name(t, service)
                ),
                next_step,
                t.gettext("We will contact you {due}.").format(due=due),
            ),
        )
    )


def needs_review(t: Translator, service: ServiceDefinition, due: str) -> str:
    """Acknowledgement when a person must decide."""
    return t.gettext(
        "Thank you. Someone from {service} will look at your answers and contact you {due}."
    ).format(service=service_name(t, service), due=due)


def not_accepted(
    t: Translator,
    service: ServiceDefinition,
    explanation: str,
    signpost: str | None,
    due: str,
) -> str:
    """The reason in plain words (a refusing rule's explanation starts with "Sorry"), one
    place to go, and that a person will check."""
    parts = [explanation]
    if signpost:
        parts.append(t.gettext("You could contact {place}.").format(place=signpost))
    parts.append(
        t.gettext(
            "{service} will check this and contact you {due}. Reply PERSON to talk sooner."
        ).format(service=service_name(t, service), due=due)
    )
    return " ".join(parts)


def person_requested(t: Translator, service: ServiceDefinition, text_only: bool = False) -> str:
    """Reply to PERSON: what was really done, and where help is today. No deadline."""
    if text_only:
        return t.gettext(
            "We have asked someone from {service} to text you. For help today, text SHOUT to "
            "85258. In danger, text 999 if registered with emergencySMS."
        ).format(service=service_name(t, service))
    return t.gettext(
        "We have asked someone from {service} to contact you. If you need help today, "
        "call NHS 111 and choose option 2, or in danger call 999."
    ).format(service=service_name(t, service))


def data_request(t: Translator, service: ServiceDefinition) -> str:
    """Reply to DELETE: staff are asked (a `data_request` alert); erasure is theirs to do."""
    return t.gettext(
        "We have asked {service} to delete the information we hold about you. "
        "Someone from {service} will be in touch about it."
    ).format(service=service_name(t, service))


def already_done(t: Translator, service: ServiceDefinition, due: str) -> str:
    """A message after the referral was made."""
    return t.gettext(
        "Your referral to {service} is with us. We will contact you {due}. "
        "Reply RESTART to make a new referral."
    ).format(service=service_name(t, service), due=due)


def back_after_end(t: Translator, service: ServiceDefinition) -> str:
    """BACK once the referral is sent."""
    return t.gettext(
        "Your referral to {service} is already sent. To change an answer, tell the team "
        "when they contact you, or reply RESTART to make a new referral."
    ).format(service=service_name(t, service))


def no_pictures(t: Translator) -> str:
    """A picture with no words."""
    return t.gettext("We can't see pictures. Please reply in words.")


def left_unanswered(t: Translator) -> str:
    """After five answers that did not fit: the question is left, the conversation moves on."""
    return t.gettext("Let's leave that question for now. Someone can ask you about it later.")


def confirm_number(t: Translator, question: Question, value: int) -> str:
    """Before a refusal that rests on one typed number."""
    if question.field == "age":
        return t.gettext(
            "You said {number}. Is that right? Reply YES or send your age again."
        ).format(number=value)
    return t.gettext(
        "You said {number}. Is that right? Reply YES or send the number again."
    ).format(number=value)


def ambiguous(t: Translator, question: Question, keys: tuple[str, ...]) -> str:
    """A reply that named several options: those options offered back."""
    lines = [t.gettext("Which one do you mean?")]
    lines += [
        f"{n} {t.gettext(choice.label)}"
        for n, choice in enumerate(question.choices, 1)
        if choice.key in keys
    ]
    lines.append(t.gettext("Reply with a number."))
    return "\n".join(lines)


def expired(t: Translator, service: ServiceDefinition) -> str:
    """Sent (outside quiet hours) when an unfinished conversation expires."""
    return t.gettext(
        "Your referral to {service} was not finished, so we have not kept your answers. "
        "Text us any time to start again."
    ).format(service=service_name(t, service))


def decision_not_accepted(
    t: Translator, service: ServiceDefinition, explanations: list[str], signposts: list[str]
) -> str:
    """Staff recorded that the service cannot help: why, in plain words, and where to go."""
    # Each refusing rule's explanation starts with "Sorry".
    parts = [
        t.gettext("{service} has looked at your referral.").format(service=service_name(t, service))
    ]
    parts += explanations
    if signposts:
        parts.append(t.gettext("You could contact: {places}.").format(places="; ".join(signposts)))
    return " ".join(parts)


def monitoring_intro(t: Translator, count: int) -> str:
    """Said once, before the optional monitoring questions (after the acknowledgement)."""
    return t.ngettext(
        "{count} optional question helps us check we reach everyone. Reply SKIP to stop.",
        "{count} optional questions help us check we reach everyone. Reply SKIP to stop.",
        count,
    ).format(count=count)


def monitoring_thanks(t: Translator) -> str:
    """After the last monitoring answer."""
    return t.gettext("Thank you. That is all.")


def monitoring_stopped(t: Translator) -> str:
    """After SKIP at a monitoring question: no more of them."""
    return t.gettext("That's fine. We will not ask any more. Your referral is not affected.")
