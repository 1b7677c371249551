"""Every English text Kith ships for an SMS, as actually sent, with where it comes from.

Used by the segment and discretion tests (issue 10, point 6): each question's prompt and
prompt_other with its options, each rule's explanation inside the refusal a person gets,
and the engine's fixed messages (conversations/messages.py) rendered with realistic
values (the longest shipped service name, a deadline, a council's name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.core.deadlines import LONDON
from conversations import messages as say
from conversations.definition import Question, ServiceDefinition, load_services
from conversations.i18n import available_languages, translator

EN = translator("en")
SERVICES = load_services()
# The longest short name makes the longest texts.
LONGEST = max(SERVICES.values(), key=lambda s: len(s.short_name))
DUE = datetime(2026, 4, 9, 23, 59, 59, tzinfo=LONDON)
NOW = datetime(2026, 4, 6, 10, 0, tzinfo=LONDON)


@dataclass(frozen=True)
class Text:
    """One text as sent; `question` is set for a definition's question."""

    name: str
    text: str
    question: Question | None = None
    not_discreet: str | None = None  # the definition's reason for naming mental health


def question_texts(service: ServiceDefinition) -> Iterator[Text]:
    """Each question as sent to someone answering for themselves and for another."""
    for question in service.questions:
        referrers = ("self", "professional") if question.prompt_other else ("self",)
        if question.council_for is not None:
            referrers = ("self", "professional")
        for referrer in referrers:
            text = say.prompt(EN, question, referrer, "Derby City Council")
            name = f"{service.id}:{question.field}:{referrer}"
            yield Text(name, text, question, question.not_discreet)


def engine_texts() -> Iterator[Text]:
    """The engine's fixed messages, rendered with realistic values."""
    s = LONGEST
    due = say.promise(EN, DUE, s, NOW)
    question = SERVICES["kirklees-carers-options"].question("age")
    choice = SERVICES["kirklees-carers-options"].question("cared_for_relationship")
    fixed = {
        "welcome": say.welcome(EN, s),
        "consent": say.consent_prompt(EN, s),
        "consent_declined": say.consent_declined(EN, s),
        "offer_person": say.offer_person(EN, s),
        "help": say.help_text(EN, s),
        "crisis_routes": say.crisis_routes(EN, s),
        "crisis_pause": say.crisis_pause(EN, s),
        "crisis_person": say.crisis_person(EN, s),
        "menu_crisis_routes": say.menu_crisis_routes(EN),
        "out_of_hours": say.out_of_hours(EN, s),
        "language_menu": say.language_menu(EN, available_languages(), translator),
        "opted_out": say.opted_out(EN, s),
        "opted_in": say.opted_in(EN, s),
        "opt_out_hint": say.opt_out_hint(EN),
        "accepted": say.accepted(EN, s, due),
        "needs_review": say.needs_review(EN, s, due),
        "person_requested": say.person_requested(EN, s),
        "person_requested_text_only": say.person_requested(EN, s, text_only=True),
        "already_done": say.already_done(EN, s, due),
        "back_after_end": say.back_after_end(EN, s),
        "no_pictures": say.no_pictures(EN),
        "left_unanswered": say.left_unanswered(EN),
        "confirm_number": say.confirm_number(EN, question, 104),
        "ambiguous": say.ambiguous(EN, choice, ("family", "friend")),
        "expired": say.expired(EN, s),
        "reask_number": say.reask(EN, question, "number_range"),
        "reask_choice": say.reask(EN, choice, "choice"),
    }
    for name, text in fixed.items():
        yield Text(name, text)
    for service in SERVICES.values():
        yield Text(f"{service.id}:accepted", say.accepted(EN, service, due))
        for rule in service.rules:
            signpost = (
                say.contact_line(EN, service.contacts[rule.signpost[0]]) if rule.signpost else None
            )
            text = (
                say.not_accepted(EN, service, EN.gettext(rule.explain), signpost, due)
                if rule.outcome == "not_accepted"
                else rule.explain
            )
            yield Text(f"{service.id}:rule:{rule.reason}", text, None, rule.not_discreet)


def every_text() -> Iterator[Text]:
    """Every shipped English text: definitions, then the engine's."""
    for service in SERVICES.values():
        yield Text(f"{service.id}:name", service.short_name)
        yield Text(f"{service.id}:accepted_next_step", service.accepted_next_step)
        for contact in service.contacts.values():
            yield Text(f"{service.id}:contact:{contact.key}", contact.label)
        yield from question_texts(service)
    yield from engine_texts()
