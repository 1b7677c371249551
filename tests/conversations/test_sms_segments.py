"""One SMS segment per English prompt (issue 10, point 6).

A prompt goes over 160 GSM-7 characters only when its definition says why (`long_ok`);
the engine's own longer messages are listed here, each with its reason and the most
segments it may take. Run with `-s` to see the table of every text's segments.
"""

from __future__ import annotations

import pytest

from bot.core.segments import segments
from conversations.registry import load_registry
from conversations.sample_referrals import shortest_referral
from tests.conversations.shipped_texts import (
    SERVICES,
    Text,
    engine_texts,
    every_text,
    question_texts,
)

# The engine's messages that may take more than one segment: (most parts, why).
LONG_ENGINE_MESSAGES = {
    "crisis_routes": (3, "every national route, text-only ones for Deaf people included"),
    "menu_crisis_routes": (3, "every national route, text-only ones for Deaf people included"),
    "out_of_hours": (2, "the routes to use before the team is back at work"),
    "help": (2, "who we are, how to reach a person, 999, and STOP"),
    "rule:": (2, "a refusal: sorry, the reason, one signpost, and that a person checks"),
    "ambiguous": (2, "the options the person named, offered back"),
    "language_menu": (3, "nine languages, each in its own script with how to reply in it"),
}


def allowance(text: Text) -> tuple[int, str] | None:
    """The parts an engine message may take beyond one, and why, if listed."""
    for name, allowed in LONG_ENGINE_MESSAGES.items():
        if text.name == name or (name.endswith(":") and f":{name}" in text.name):
            return allowed
    return None


def test_the_table_of_every_text_and_its_segments() -> None:
    rows = [(t.name, segments(t.text)) for t in every_text()]
    print()
    for name, count in rows:
        print(f"{count.parts}  {count.units:>4} {count.encoding}  {name}")
    # Only the language menu names languages in their own scripts.
    assert [name for name, count in rows if count.encoding != "gsm7"] == ["language_menu"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_prompt_is_one_segment_unless_its_definition_says_why(service: str) -> None:
    too_long = [
        (t.name, segments(t.text).units)
        for t in question_texts(SERVICES[service])
        if segments(t.text).parts > 1 and not (t.question and t.question.long_ok)
    ]
    assert too_long == []


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_long_ok_prompt_still_fits_two_segments(service: str) -> None:
    for text in question_texts(SERVICES[service]):
        assert segments(text.text).parts <= 2, text.name


def test_the_consent_question_fits_one_segment_with_the_longest_service_name() -> None:
    consent = next(t for t in engine_texts() if t.name == "consent")
    assert "keep" in consent.text and "staff" in consent.text and "delete" in consent.text
    assert segments(consent.text).parts == 1


def test_engine_messages_are_one_segment_unless_listed_with_a_reason() -> None:
    over = []
    for text in engine_texts():
        allowed = allowance(text)
        parts = segments(text.text).parts
        if parts > (allowed[0] if allowed else 1):
            over.append((text.name, segments(text.text).units, parts))
    assert over == []


def test_long_ok_is_read_from_the_definition() -> None:
    priority = SERVICES["kirklees-advocacy"].question("priority")
    assert priority.long_ok is not None and "4.12" in priority.long_ok
    assert SERVICES["kirklees-advocacy"].question("age").long_ok is None


@pytest.mark.parametrize(
    "service",
    ["derby-peer-support", "kirklees-advocacy", "kirklees-carers-options", "leicester-carers"],
)
def test_the_optional_questions_open_in_one_segment(service: str) -> None:
    """The intro ("4 optional questions ... Reply SKIP to stop") and the first of them,
    sent after the acknowledgement, fit one segment: the list needs no second "reply"
    line, as the intro says how to stop."""
    sample = shortest_referral(load_registry().engine(service))
    assert sample is not None and sample.outcome == "accepted"
    opening = sample.texts[-1]
    assert "optional questions help us check we reach everyone" in opening
    assert "Reply SKIP to stop." in opening and "\n1 " in opening
    assert segments(opening).parts == 1, len(opening)
