"""Reading a person's answer to one question, for each question kind.

Answers arrive as free text from a basic phone, so parsing is forgiving: any case,
stray spaces and punctuation, digits in any script (Arabic-Indic, Devanagari, ...),
a choice by number, key or label, several choices as `1,3` or `1 3`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from conversations.areas import normalise_postcode

MAX_TEXT_LENGTH = 500


@dataclass(frozen=True)
class Choice:
    """One option of a choice or several-choices question."""

    key: str
    label: str


class InvalidAnswer(ValueError):
    """The answer does not fit the question; the engine re-asks."""


# Letters an Arabic keyboard types where Urdu has its own (yeh, kaf, heh).
_ARABIC_KEYBOARD = str.maketrans(
    {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0647": "\u06c1"}
)


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, turn any-script digits into 0-9."""
    out = []
    for char in unicodedata.normalize("NFKD", text.translate(_ARABIC_KEYBOARD)):
        if unicodedata.combining(char):
            continue
        digit = unicodedata.digit(char, None)
        if digit is not None and not char.isascii():
            out.append(str(digit))
        elif unicodedata.category(char)[0] in "PS":
            out.append(" ")
        else:
            out.append(char)
    return " ".join("".join(out).casefold().split())


def parse_yes_no(text: str, yes_words: Iterable[str], no_words: Iterable[str]) -> bool:
    """True for a yes word, False for a no word (in any of the given words), else invalid."""
    folded = fold(text)
    if folded in {fold(word) for word in yes_words} or folded == "1":
        return True
    if folded in {fold(word) for word in no_words} or folded == "2":
        return False
    first = folded.split(" ", 1)[0] if folded else ""
    if first and first in {fold(word) for word in yes_words}:
        return True
    if first and first in {fold(word) for word in no_words}:
        return False
    raise InvalidAnswer("yes_no")


def parse_number(text: str, minimum: int | None, maximum: int | None) -> int:
    """A whole number within the range (words around it are ignored: "I'm 45")."""
    if re.search(r"[-\u2212]\s*\d", text):
        raise InvalidAnswer("number")  # a negative number is never an age or a count
    numbers = re.findall(r"\d+", fold(text))
    if len(numbers) != 1 or len(numbers[0]) > 4:
        raise InvalidAnswer("number")
    value = int(numbers[0])
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidAnswer("number_range")
    return value


def _choice_index(token: str, choices: Sequence[Choice]) -> int | None:
    if token.isdigit():
        number = int(token)
        return number - 1 if 1 <= number <= len(choices) else None
    for index, choice in enumerate(choices):
        if token in (fold(choice.key.replace("_", " ")), fold(choice.label)):
            return index
    return None


def parse_choice(text: str, choices: Sequence[Choice], labels: Sequence[str]) -> str:
    """The key of the one choice named by number, key or (translated) label."""
    folded = fold(text)
    shown = [Choice(c.key, label) for c, label in zip(choices, labels, strict=True)]
    for candidates in (shown, choices):
        index = _choice_index(folded, candidates)
        if index is not None:
            return choices[index].key
    raise InvalidAnswer("choice")


def parse_multi(text: str, choices: Sequence[Choice], labels: Sequence[str]) -> list[str]:
    """Keys of several choices, given as numbers (`1,3` or `1 3`) or one label."""
    folded = fold(text)
    if not folded:
        raise InvalidAnswer("multi")
    tokens = folded.replace(" and ", " ").split()
    if all(token.isdigit() for token in tokens):
        keys: list[str] = []
        for token in tokens:
            index = _choice_index(token, choices)
            if index is None:
                raise InvalidAnswer("multi")
            if choices[index].key not in keys:
                keys.append(choices[index].key)
        return keys
    return [parse_choice(text, choices, labels)]


def parse_postcode(text: str) -> str:
    """A UK postcode in canonical form (`HD1 2AB`)."""
    postcode = normalise_postcode(text)
    if postcode is None:
        raise InvalidAnswer("postcode")
    return postcode


_DATE_FORMATS = ("%d %m %Y", "%d %m %y", "%Y %m %d", "%d %B %Y", "%d %b %Y")


def parse_date(text: str, today: date) -> str:
    """A date as ISO `YYYY-MM-DD`, from `25/12/2026`, `25-12-26`, `25 December 2026`."""
    cleaned = re.sub(r"[/.\-,]", " ", fold(text))
    cleaned = " ".join(cleaned.split())
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
        if parsed.year < 1900 or parsed.year > today.year + 5:
            break
        return parsed.isoformat()
    raise InvalidAnswer("date")


def parse_text(text: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Short free text, trimmed; control characters removed; must not be empty."""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == "\n")
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InvalidAnswer("text")
    if len(cleaned) > max_length:
        raise InvalidAnswer("text_long")
    return cleaned


def describe(value: Any) -> str:
    """A stored answer as text for staff screens and exports."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
