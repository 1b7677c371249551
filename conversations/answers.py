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

from bot.core.phone import read_phone
from conversations.areas import normalise_postcode

MAX_TEXT_LENGTH = 1600  # one long SMS (Twilio joins up to 10 segments)
MAX_CHOICE_DIGITS = 3  # "12" is a choice; 4,301 digits is not a number worth reading

# Invisible characters removed before an answer is read: bidirectional controls (a
# right-to-left override must not turn "40" into "04"), zero-width space, word joiner
# and byte-order mark. U+200C and U+200D stay: Urdu, Bengali and Gurmukhi spell with them.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
# A thumbs-up is a yes on any phone; skin tones and the emoji variation selector ignored.
_EMOJI_MODIFIERS = dict.fromkeys([0xFE0F, *range(0x1F3FB, 0x1F400)])
_YES_EMOJI = frozenset("\U0001f44d\U0001f44c\u2705\u2714")
_NO_EMOJI = frozenset("\U0001f44e\u274c\u2716")


@dataclass(frozen=True)
class Choice:
    """One option of a choice or several-choices question; `also` are other ways to say it."""

    key: str
    label: str
    also: tuple[str, ...] = ()


class InvalidAnswer(ValueError):
    """The answer does not fit the question; the engine re-asks."""


class AmbiguousAnswer(InvalidAnswer):
    """The answer names more than one choice: they are offered back."""

    def __init__(self, keys: Sequence[str]) -> None:
        super().__init__("ambiguous")
        self.keys = tuple(keys)


def strip_invisible(text: str) -> str:
    """`text` without bidirectional controls, zero-width spaces, word joiners and BOMs."""
    return text.translate(_INVISIBLE)


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
    marks = "".join(text.translate(_EMOJI_MODIFIERS).split())
    if marks and set(marks) <= _YES_EMOJI:
        return True
    if marks and set(marks) <= _NO_EMOJI:
        return False
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
        if len(token) > MAX_CHOICE_DIGITS:
            return None
        number = int(token)
        return number - 1 if 1 <= number <= len(choices) else None
    for index, choice in enumerate(choices):
        if token in (fold(choice.key.replace("_", " ")), fold(choice.label)):
            return index
        if token in {fold(word) for word in choice.also}:
            return index
    return None


def _mentions(folded: str, phrase: str) -> bool:
    """True when `phrase` occurs in `folded` as whole words."""
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded) is not None


def _named(folded: str, choices: Sequence[Choice], labels: Sequence[str]) -> list[int]:
    """Indexes of the choices whose label, key or synonym the text mentions."""
    found = []
    for index, (choice, label) in enumerate(zip(choices, labels, strict=True)):
        # Keys are not looked for inside a reply: "not paid" must not read as `paid`.
        phrases = {fold(label), fold(choice.label), *(fold(word) for word in choice.also)}
        if any(len(p) > 2 and _mentions(folded, p) for p in phrases):
            found.append(index)
    if not found:
        numbers = re.findall(r"\d+", folded)
        if len(numbers) == 1 and len(numbers[0]) <= MAX_CHOICE_DIGITS:
            number = int(numbers[0])
            if 1 <= number <= len(choices):
                found.append(number - 1)
    return found


def parse_choice(text: str, choices: Sequence[Choice], labels: Sequence[str]) -> str:
    """The key of the one choice named by number, key, (translated) label or synonym.

    A message that mentions one choice ("my mum" for a family member) is that choice;
    one that mentions several raises AmbiguousAnswer so they can be offered back.
    """
    folded = fold(text)
    if not folded:
        raise InvalidAnswer("choice")
    shown = [Choice(c.key, label, c.also) for c, label in zip(choices, labels, strict=True)]
    for candidates in (shown, choices):
        index = _choice_index(folded, candidates)
        if index is not None:
            return choices[index].key
    found = _named(folded, choices, labels)
    if len(found) == 1:
        return choices[found[0]].key
    if found:
        raise AmbiguousAnswer([choices[index].key for index in found])
    raise InvalidAnswer("choice")


def parse_multi(text: str, choices: Sequence[Choice], labels: Sequence[str]) -> list[str]:
    """Keys of several choices, given as numbers (`1,3` or `1 3`), labels or synonyms."""
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
    try:
        return [parse_choice(text, choices, labels)]
    except AmbiguousAnswer as several:
        return list(several.keys)  # several named: several chosen
    except InvalidAnswer:
        raise InvalidAnswer("multi") from None


def parse_postcode(text: str) -> str:
    """A UK postcode in canonical form (`HD1 2AB`)."""
    postcode = normalise_postcode(text)
    if postcode is None:
        raise InvalidAnswer("postcode")
    return postcode


def parse_phone(text: str) -> str:
    """A phone number in E.164 (`+447700900123`), from any usual way of writing one."""
    number = read_phone(text)
    if number is None:
        raise InvalidAnswer("phone")
    return number


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
    """Free text, trimmed; control characters removed (joiners kept); must not be empty."""
    cleaned = "".join(
        ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\u200c\u200d"
    )
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
