"""How many SMS parts ("segments") a text costs: GSM-7 or UCS-2, as carriers count them.

Pure, no I/O. A text that only uses the GSM 03.38 alphabet is sent in GSM-7: a basic
character costs one septet, a character of the extension table (``^{}\\[~]|€`` and form
feed) two, since it is sent as an escape and the character. Any other character makes
the whole message UCS-2, counted in UTF-16 code units (an emoji outside the Basic
Multilingual Plane is a surrogate pair: two units).

One part holds 160 septets (GSM-7) or 70 units (UCS-2). A longer message is sent in
parts of 153 septets or 67 units (the rest of each part is the concatenation header),
and a part never ends between an escape and its character, nor between the two halves
of a surrogate pair: such a character moves whole to the next part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["GSM_BASIC", "GSM_EXTENSION", "SegmentCount", "segments", "to_gsm"]

# Characters with a GSM-7 character of the same meaning: typographic quotes, dashes,
# the ellipsis and unusual spaces. One of them in a text would make the whole SMS
# UCS-2 (70 characters a part instead of 160). Letters of other scripts are never
# touched: an Urdu text stays Urdu.
GSM_EQUIVALENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2022": "-",
    }
)


def to_gsm(text: str) -> str:
    """`text` with typographic punctuation and spaces replaced by their GSM-7 equals."""
    return text.translate(GSM_EQUIVALENTS)


GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}

Encoding = Literal["gsm7", "ucs2"]


@dataclass(frozen=True)
class SegmentCount:
    """A text's encoding, its length in septets or UTF-16 units, and the parts it takes."""

    encoding: Encoding
    units: int
    parts: int


def _costs(text: str) -> tuple[Encoding, list[int]]:
    """The encoding and the cost of each character, in septets or UTF-16 units."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        return "gsm7", [2 if ch in GSM_EXTENSION else 1 for ch in text]
    return "ucs2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> SegmentCount:
    """Count `text` as an SMS: encoding, units, parts (an empty text is one part)."""
    encoding, costs = _costs(text)
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return SegmentCount(encoding, units, 1)
    size, parts, used = PART[encoding], 1, 0
    for cost in costs:
        if used + cost > size:  # an escape or surrogate pair is never split
            parts, used = parts + 1, 0
        used += cost
    return SegmentCount(encoding, units, parts)
