"""SMS segment counting (issue 10, point 6), with every figure worked out by hand.

GSM 03.38: 160 septets in one part, 153 per part of a longer message; an extension
character (``^{}\\[~]|€``, form feed) is an escape plus the character, two septets, and
is never split between parts. UCS-2: 70 UTF-16 units in one part, 67 per part; a
surrogate pair (an emoji) is two units and is never split.
"""

from __future__ import annotations

import pytest

from bot.core.segments import SegmentCount, segments, to_gsm


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (160, 1), (161, 2), (153 * 2, 2), (153 * 2 + 1, 3), (153 * 3, 3)],
)
def test_plain_gsm_text(length: int, parts: int) -> None:
    assert segments("a" * length) == SegmentCount("gsm7", length, parts)


def test_the_empty_text_is_one_part() -> None:
    assert segments("") == SegmentCount("gsm7", 0, 1)


def test_gsm_basic_accented_letters_and_pound_stay_gsm_and_count_one() -> None:
    assert segments("£5 café à Ñ Ü ¿") == SegmentCount("gsm7", 15, 1)


@pytest.mark.parametrize("char", ["€", "^", "{", "}", "\\", "[", "]", "~", "|", "\f"])
def test_an_extension_character_counts_two(char: str) -> None:
    assert segments(char) == SegmentCount("gsm7", 2, 1)


def test_159_plain_and_a_euro_are_161_septets_two_parts() -> None:
    assert segments("a" * 158 + "€") == SegmentCount("gsm7", 160, 1)
    assert segments("a" * 159 + "€") == SegmentCount("gsm7", 161, 2)


def test_an_escape_that_would_straddle_two_parts_moves_to_the_next_part() -> None:
    # 152 plain + € (2) = 154: the € cannot be split at septet 153, so it opens part 2,
    # which then holds 2 + 151 = 153 septets; the 152nd "b" needs a third part.
    text = "a" * 152 + "€" + "b" * 152
    assert segments(text) == SegmentCount("gsm7", 306, 3)
    # Without the split rule, 306 septets would fit in two parts of 153.
    assert segments("a" * 306) == SegmentCount("gsm7", 306, 2)


def test_one_emoji_makes_the_text_ucs2_and_counts_two_units() -> None:
    assert segments("ok 👍") == SegmentCount("ucs2", 5, 1)


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (67 * 2, 2), (67 * 2 + 1, 3)])
def test_ucs2_limits_70_then_67(length: int, parts: int) -> None:
    assert segments("ہ" * length) == SegmentCount("ucs2", length, parts)


def test_a_surrogate_pair_that_would_straddle_two_parts_moves_to_the_next_part() -> None:
    # 66 units + emoji (2) = 68 > 67: the emoji opens part 2 (2 + 65 = 67 units), and
    # the 66th letter after it needs a third part; 134 units unsplit fit in two.
    text = "ہ" * 66 + "😀" + "ہ" * 66
    assert segments(text) == SegmentCount("ucs2", 134, 3)
    assert segments("ہ" * 134) == SegmentCount("ucs2", 134, 2)


def test_a_curly_apostrophe_is_not_gsm() -> None:
    assert segments("We can\u2019t") == SegmentCount("ucs2", 8, 1)


def test_urdu_is_ucs2_70_in_one_part_then_67() -> None:
    # "شکریہ" is 5 letters; 14 of them, 70 units, fit one part; one more letter is two.
    thanks = "شکریہ" * 14
    assert segments(thanks) == SegmentCount("ucs2", 70, 1)
    assert segments(thanks + "ا") == SegmentCount("ucs2", 71, 2)
    assert segments("ا" * 134) == SegmentCount("ucs2", 134, 2)
    assert segments("ا" * 135).parts == 3


def test_typographic_punctuation_becomes_gsm_and_other_scripts_stay() -> None:
    typed = "It\u2019s \u201cfine\u201d \u2013 see you at 2pm\u2026"
    assert segments(typed).encoding == "ucs2"
    assert to_gsm(typed) == 'It\'s "fine" - see you at 2pm...'
    assert segments(to_gsm(typed)) == SegmentCount("gsm7", 31, 1)
    assert to_gsm("\u00a0\u2014") == " -"
    urdu = "آپ کا شکریہ"
    assert to_gsm(urdu) == urdu
