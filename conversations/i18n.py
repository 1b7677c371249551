"""Gettext catalogs and word lists per language; the language is chosen per message.

Catalogs live in the `locales` package (`locales/<code>/LC_MESSAGES/kith.mo`) and are
loaded once per language. English message ids are the English text, so English needs
no translation to be complete; any missing translation falls back to English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale
from babel.dates import format_date, format_time
from babel.support import NullTranslations, Translations

import locales
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
)


def N_(message: str) -> str:
    """Mark a constant for translation where it is defined; it is translated when used."""
    return message


def available_languages() -> tuple[str, ...]:
    """Language codes with a catalog or word list shipped, English first."""
    codes = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "words.yaml").is_file())
    return tuple(sorted(codes, key=lambda code: (code != DEFAULT_LANGUAGE, code)))


def language_name(code: str) -> str:
    """The language's own name for itself (English, اردو, Polski...)."""
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (ValueError, TypeError):
        return code


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
    """Gettext and date formatting for one language."""

    def __init__(self, code: str) -> None:
        self.code = code if code in available_languages() else DEFAULT_LANGUAGE
        loaded = Translations.load(str(LOCALES_DIR), [self.code], domain="kith")
        self._translations: NullTranslations = loaded

    def gettext(self, message: str) -> str:
        """`message` in this language (English when not translated)."""
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """`singular` or `plural`, as `count` needs, in this language."""
        return self._translations.ngettext(singular, plural, count)

    def format_day(self, moment: date | datetime) -> str:
        """A date as a person says it: `Thursday 9 April`."""
        return format_date(moment, "EEEE d MMMM", locale=self.code)

    def format_clock(self, moment: datetime) -> str:
        """A time of day as a person says it: GOV.UK style in English (`5pm`, `10:30am`)."""
        if self.code == DEFAULT_LANGUAGE:
            return govuk_time(moment)
        return format_time(moment, "h:mm a", locale=self.code)

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
