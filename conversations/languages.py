"""The languages Kith ships (locales/languages.yaml): codes, own names, scripts, status.

Also the small judgements made about languages: which script a message is written
in, which shipped language a Telegram `language_code` means, and the order the
language menu offers them in.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

import locales

REGISTRY_FILE = Path(locales.__file__).parent / "languages.yaml"
LATIN = "Latin"
# Unicode character-name prefixes of the scripts Kith's languages are written in.
_SCRIPT_PREFIXES = {
    "LATIN": LATIN,
    "ARABIC": "Arabic",
    "GURMUKHI": "Gurmukhi",
    "GUJARATI": "Gujarati",
    "BENGALI": "Bengali",
}


@dataclass(frozen=True)
class Language:
    """One shipped language."""

    code: str
    name: str  # its own name, in its own script
    english_name: str
    script: str
    reviewed: bool  # checked by a fluent speaker
    produced_by: str


class UnknownLanguage(ValueError):
    """A language code Kith does not ship."""


@lru_cache(maxsize=1)
def shipped() -> tuple[Language, ...]:
    """Every shipped language, in menu order (English first)."""
    raw = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    return tuple(
        Language(
            code=str(item["code"]),
            name=str(item["name"]),
            english_name=str(item["english_name"]),
            script=str(item["script"]),
            reviewed=bool(item["reviewed"]),
            produced_by=str(item["produced_by"]),
        )
        for item in raw
    )


def codes() -> tuple[str, ...]:
    """Codes of the shipped languages, in menu order."""
    return tuple(language.code for language in shipped())


def language(code: str) -> Language:
    """The shipped language `code` (UnknownLanguage when there is none)."""
    for candidate in shipped():
        if candidate.code == code:
            return candidate
    raise UnknownLanguage(code)


def check_code(code: str) -> str:
    """`code` when Kith ships it; else UnknownLanguage with a message naming the choices."""
    if code in codes():
        return code
    raise UnknownLanguage(f"unknown language {code!r}: choose one of {', '.join(codes())}")


def is_reviewed(code: str) -> bool:
    """True when a fluent speaker has reviewed the language (unknown codes: False)."""
    try:
        return language(code).reviewed
    except UnknownLanguage:
        return False


def from_hint(hint: str | None) -> str | None:
    """The shipped language a hint such as Telegram's `language_code` (`ur-PK`) names."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-", 1)[0].lower()
    return base if base in codes() else None


def script_of(text: str) -> str | None:
    """The script most letters of `text` are written in (None when it has no letters)."""
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        prefix = name.split(" ", 1)[0]
        counts[_SCRIPT_PREFIXES.get(prefix, prefix)] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def menu_order(offered: Iterable[str], script: str | None = None) -> tuple[str, ...]:
    """The `offered` codes in menu order; those written in `script` first."""
    ordered = [code for code in codes() if code in set(offered)]
    if script is None or script == LATIN:
        return tuple(ordered)
    first = [code for code in ordered if language(code).script == script]
    return tuple(first + [code for code in ordered if code not in first])
