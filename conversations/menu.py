"""The service menu: for a message that no service claims (several services, no default).

A short numbered list of service names; the answer picks the service and its own
conversation starts. Opt-out and crisis words work here as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations import messages as say
from conversations.answers import Choice, InvalidAnswer, parse_choice, strip_invisible
from conversations.definition import ServiceDefinition
from conversations.i18n import Translator, translator
from conversations.keywords import (
    Word,
    always_on_word,
    contains_opt_out,
    crisis_reply_languages,
    has_crisis_phrase,
    opts_back_in,
)

MENU_MARKER = "service_menu"


@dataclass
class MenuResult:
    """The chosen service (if any) and the replies to send."""

    chosen: str | None = None
    replies: list[str] = field(default_factory=list)
    crisis: bool = False
    opt_out: bool | None = None
    words: str | None = None  # the words that raised a crisis alert


def menu_step(
    services: list[ServiceDefinition],
    text: str,
    language: str,
    opted_out: bool,
    shown: bool,
    sms: bool = False,
) -> MenuResult:
    """Handle a message while no service is chosen; `shown` says the menu was sent before."""
    text = strip_invisible(text)
    t = translator(language)
    word = always_on_word(text, language)
    if opted_out:
        if opts_back_in(text, language, sms):
            return MenuResult(opt_out=False, replies=[_menu(t, services)])
        if has_crisis_phrase(text):
            return MenuResult(crisis=True, words=text)
        return MenuResult()
    if word is Word.OPT_OUT:
        return MenuResult(
            opt_out=True,
            replies=[t.gettext("You will get no more messages from us. Reply START to undo.")],
        )
    if has_crisis_phrase(text):
        routes = [
            say.menu_crisis_routes(translator(code))
            for code in crisis_reply_languages(language, text)
        ]
        return MenuResult(crisis=True, words=text, replies=[*routes, _menu(t, services)])
    hint = [say.opt_out_hint(t)] if word is None and contains_opt_out(text, language) else []
    if shown:
        choices = [Choice(s.id, t.gettext(s.short_name)) for s in services]
        try:
            return MenuResult(chosen=parse_choice(text, choices, [c.label for c in choices]))
        except InvalidAnswer:
            pass
    return MenuResult(replies=[*hint, _menu(t, services)])


def _menu(t: Translator, services: list[ServiceDefinition]) -> str:
    lines = [t.gettext("Which service is your message for?")]
    lines += [f"{n} {t.gettext(s.short_name)}" for n, s in enumerate(services, 1)]
    lines.append(t.gettext("Reply with a number."))
    return "\n".join(lines)
