"""Gettext catalogs and word lists per language; the language is chosen per message.

Catalogs live in the `locales` package (`locales/<code>/LC_MESSAGES/kith.mo`) and are
loaded once per language. English message ids are the English text, so English needs
no translation to be complete; any missing translation falls back to English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

import locales
from conversations import languages
from conversations.answers import fold

LOCALES_DIR = Path(locales.__file__).parent
DEFAULT_LANGUAGE = "en"
WORD_LISTS = (
    "opt_out",
    "opt_in",
    "opt_in_yes",
    "help",
    "language",
    "delete",
    "back",
    "restart",
    "person",
    "skip",
    "unsure",
    "yes",
    "no",
    "continue",
    "crisis",
    "concern",
    "unavailable",
    "again",
)


def N_(message: str) -> str:
    """Mark a constant for translation where it is defined; it is translated when used."""
    return message


# Per-locale patterns a catalog may override where CLDR's default reads badly in a text
# (Babel gives "5:00 PM" for Urdu): translate these ids with a CLDR pattern.
# Translators: the CLDR pattern for a time of day in a text message. Keep it free of
# Latin AM/PM in a non-Latin script: "h:mm B" gives the local word for morning/evening.
TIME_PATTERN = N_("h:mm a")
# Translators: the CLDR pattern for a day in a text message ("Thursday 9 April").
DATE_PATTERN = N_("EEEE d MMMM")
# Unicode isolates: a number inside right-to-left text keeps its own order ("116 123").
_ISOLATE_START, _ISOLATE_END = "\u2066", "\u2069"
_NUMBER_RUN = re.compile(r"(?<![\u2066\d+])[+]?\d(?:[\d:./\-]| (?=\d))*")


def available_languages() -> tuple[str, ...]:
    """Codes of the shipped languages, English first (locales/languages.yaml)."""
    return languages.codes()


def language_name(code: str) -> str:
    """The language's own name for itself (English, اردو, Polski...)."""
    try:
        return languages.language(code).name
    except languages.UnknownLanguage:
        return code


def isolate_numbers(text: str) -> str:
    """Wrap each run of digits in left-to-right isolates, for right-to-left text.

    Without them a phone shows "116 123" inside Urdu or Arabic as "123 116".
    """
    if _ISOLATE_START in text:
        return text  # already done
    return _NUMBER_RUN.sub(lambda m: f"{_ISOLATE_START}{m.group(0)}{_ISOLATE_END}", text)


def load_catalog(folder: Path, code: str, domain: str = "kith") -> NullTranslations:
    """The compiled catalog of `code` under `folder`; compiled in memory from the `.po`
    when no `.mo` was built (a source checkout); NullTranslations when there is none."""
    messages = folder / code / "LC_MESSAGES"
    if (messages / f"{domain}.mo").is_file():
        return Translations.load(str(folder), [code], domain=domain)
    source = messages / f"{domain}.po"
    if not source.is_file():
        return NullTranslations()
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=domain)


@dataclass(frozen=True)
class WordList:
    """Folded always-on words, crisis phrases and choice synonyms for one language."""

    words: dict[str, frozenset[str]]
    crisis: re.Pattern[str] | None
    choices: dict[str, tuple[str, ...]]


@lru_cache(maxsize=32)
def word_list(code: str) -> WordList:
    """The word list for `code` (empty when the language ships none)."""
    path = LOCALES_DIR / code / "words.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    words = {name: frozenset(fold(str(w)) for w in raw.get(name) or ()) for name in WORD_LISTS}
    phrases = sorted(words["crisis"], key=len, reverse=True)
    crisis = (
        re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
        if phrases
        else None
    )
    raw_choices = raw.get("choices") or {}
    choices = {str(key): tuple(str(w) for w in said) for key, said in raw_choices.items()}
    return WordList(words=words, crisis=crisis, choices=choices)


class Translator:
    """Gettext and date formatting for one language.

    `overrides` (English text to this language's text) win over the catalog: a
    provider's own wording for one service (docs/service-definitions.md).
    """

    def __init__(
        self,
        code: str,
        overrides: Mapping[str, str] | None = None,
        fallback: NullTranslations | None = None,
    ) -> None:
        self.code = code if code in available_languages() else DEFAULT_LANGUAGE
        loaded = load_catalog(LOCALES_DIR, self.code)
        if fallback is not None:
            fallback.add_fallback(loaded)
            loaded = fallback
        self._translations: NullTranslations = loaded
        self._overrides = dict(overrides or {})

    def gettext(self, message: str) -> str:
        """`message` in this language (English when not translated)."""
        if message in self._overrides:
            return self._overrides[message]
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """`singular` or `plural`, as `count` needs, in this language."""
        return self._translations.ngettext(singular, plural, count)

    def format_day(self, moment: date | datetime) -> str:
        """A date as a person says it: `Thursday 9 April`."""
        return format_date(moment, self.gettext(DATE_PATTERN), locale=self.code)

    def format_clock(self, moment: datetime) -> str:
        """A time of day as a person says it: GOV.UK style in English (`5pm`, `10:30am`);
        elsewhere the catalog's pattern (CLDR's words for morning and evening)."""
        if self.code == DEFAULT_LANGUAGE:
            return govuk_time(moment)
        return format_time(moment, self.gettext(TIME_PATTERN), locale=self.code)

    @property
    def right_to_left(self) -> bool:
        """True for scripts written right to left (Urdu, Arabic)."""
        return Locale.parse(self.code).character_order == "right-to-left"


def govuk_time(moment: datetime) -> str:
    """`5pm`, `10:30am`, `midday`, `midnight`: the GOV.UK style guide's times."""
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


@lru_cache(maxsize=32)
def translator(code: str) -> Translator:
    """The shared Translator for `code`."""
    return Translator(code)
