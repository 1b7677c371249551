"""The service menu: for a message that no service claims (several services, no default).

A short numbered list of service names; the answer picks the service and its own
conversation starts. Opt-out and crisis words work here as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations import messages as say
from conversations.answers import Choice, InvalidAnswer, parse_choice
from conversations.definition import ServiceDefinition
from conversations.i18n import Translator, translator
from conversations.keywords import Word, always_on_word, has_crisis_phrase

MENU_MARKER = "service_menu"


@dataclass
class MenuResult:
    """The chosen service (if any) and the replies to send."""

    chosen: str | None = None
    replies: list[str] = field(default_factory=list)
    crisis: bool = False
    opt_out: bool | None = None


def menu_step(
    services: list[ServiceDefinition], text: str, language: str, opted_out: bool, shown: bool
) -> MenuResult:
    """Handle a message while no service is chosen; `shown` says the menu was sent before."""
    t = translator(language)
    word = always_on_word(text, language)
    if opted_out:
        if word is Word.OPT_IN:
            return MenuResult(opt_out=False, replies=[_menu(t, services)])
        return MenuResult(crisis=has_crisis_phrase(text))
    if word is Word.OPT_OUT:
        return MenuResult(
            opt_out=True,
            replies=[t.gettext("You will get no more messages from us. Reply START to undo.")],
        )
    if has_crisis_phrase(text):
        crisis = "\n".join(t.gettext(line) for line in say.NATIONAL_CRISIS_ROUTES)
        return MenuResult(crisis=True, replies=[crisis, _menu(t, services)])
    if shown:
        choices = [Choice(s.id, t.gettext(s.short_name)) for s in services]
        try:
            return MenuResult(chosen=parse_choice(text, choices, [c.label for c in choices]))
        except InvalidAnswer:
            pass
    return MenuResult(replies=[_menu(t, services)])


def _menu(t: Translator, services: list[ServiceDefinition]) -> str:
    lines = [t.gettext("Which service is your message for?")]
    lines += [f"{n} {t.gettext(s.short_name)}" for n, s in enumerate(services, 1)]
    lines.append(t.gettext("Reply with a number."))
    return "\n".join(lines)
