"""Always-on words (STOP, START, HELP, LANGUAGE, BACK, RESTART, PERSON, DELETE), crisis phrases.

Words are recognised in English and in the person's chosen language. An always-on
word counts only when it is the whole message (case, spaces and punctuation ignored),
as Twilio decides for opt-outs; crisis phrases count anywhere in a message.
"""

from __future__ import annotations

import re
from enum import StrEnum

from conversations.answers import fold
from conversations.i18n import DEFAULT_LANGUAGE, available_languages, word_list
from conversations.languages import is_reviewed


class Word(StrEnum):
    """An always-on word's meaning."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    LANGUAGE = "language"
    BACK = "back"
    RESTART = "restart"
    PERSON = "person"
    DELETE = "delete"


_ORDER = (
    Word.OPT_OUT,
    Word.OPT_IN,
    Word.HELP,
    Word.LANGUAGE,
    Word.BACK,
    Word.RESTART,
    Word.PERSON,
    Word.DELETE,
)


def _languages(language: str) -> tuple[str, ...]:
    return (DEFAULT_LANGUAGE,) if language == DEFAULT_LANGUAGE else (language, DEFAULT_LANGUAGE)


def always_on_word(text: str, language: str) -> Word | None:
    """The always-on word that `text` is, if the whole message is one."""
    folded = fold(text)
    if not folded:
        return None
    compact = folded.replace(" ", "")  # "Opt-out", "S T O P": spaces and punctuation ignored
    for code in _languages(language):
        words = word_list(code).words
        for word in _ORDER:
            if folded in words[word.value]:
                return word
            if word is Word.OPT_OUT and compact in words[word.value]:
                return word
    # LANGUAGE works in every language: someone who cannot read the current one must
    # still be able to get back to the menu.
    if any(folded in word_list(code).words["language"] for code in available_languages()):
        return Word.LANGUAGE
    return None


def contains_opt_out(text: str, language: str) -> bool:
    """True when a longer message includes an opt-out word (asked, not obeyed)."""
    folded = fold(text)
    return any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded)
        for code in _languages(language)
        for word in word_list(code).words["opt_out"]
        if word
    )


def opts_back_in(text: str, language: str, sms: bool) -> bool:
    """True when `text` lifts an opt-out.

    On SMS only START, UNSTOP and YES do, as Twilio lifts its block on those words
    alone; on other channels their words in the person's language do too.
    """
    folded = fold(text)
    codes = (DEFAULT_LANGUAGE,) if sms else _languages(language)
    return any(
        folded in word_list(code).words["opt_in"] | word_list(code).words["opt_in_yes"]
        for code in codes
    )


def choice_words(key: str, language: str) -> tuple[str, ...]:
    """Other ways to name the choice `key`, from the word lists of the language and English."""
    found: list[str] = []
    for code in _languages(language):
        found += word_list(code).choices.get(key, ())
    return tuple(found)


def is_word(text: str, name: str, language: str) -> bool:
    """True when the whole of `text` is one of the `name` words (yes, no, skip...)."""
    folded = fold(text)
    return any(folded in word_list(code).words[name] for code in _languages(language))


def starts_with_word(text: str, name: str, language: str) -> bool:
    """True when `text` is a `name` word, or begins with one and goes on ("CONCERN he said...")."""
    folded = fold(text)
    return any(
        folded == word or folded.startswith(word + " ")
        for code in _languages(language)
        for word in word_list(code).words[name]
        if word
    )


def words(name: str, language: str) -> frozenset[str]:
    """All `name` words in the person's language and English."""
    result: frozenset[str] = frozenset()
    for code in _languages(language):
        result |= word_list(code).words[name]
    return result


def has_crisis_phrase(text: str) -> bool:
    """True when `text` holds a crisis phrase of any shipped language."""
    return bool(crisis_languages(text))


def crisis_languages(text: str) -> tuple[str, ...]:
    """The languages whose crisis phrases `text` holds (none: no crisis phrase)."""
    folded = fold(text)
    return tuple(
        code
        for code in available_languages()
        if (pattern := word_list(code).crisis) is not None and pattern.search(folded)
    )


def crisis_reply_languages(language: str, text: str) -> list[str]:
    """The languages crisis routes are sent in: the person's, the language the crisis
    words were written in, and English when any of those is not yet reviewed by a
    fluent speaker (docs/translations.md)."""
    chosen = [language]
    for code in crisis_languages(text):
        if code not in chosen and code != DEFAULT_LANGUAGE:
            chosen.append(code)
    if DEFAULT_LANGUAGE not in chosen and not all(is_reviewed(code) for code in chosen):
        chosen.append(DEFAULT_LANGUAGE)
    return chosen
