"""Discreet by default (SPEC; issue 10, point 6): an SMS can be read by someone else.

No shipped English text names mental health, psychiatry, a diagnosis or a legal
section, unless its definition marks it `discreet: false` with a reason (the
eligibility questions that must ask), or it is one of the engine's messages listed here
with a reason.
"""

from __future__ import annotations

import re

import pytest

from tests.conversations.shipped_texts import SERVICES, every_text

WORDS = re.compile(
    r"mental[ -]?health|mental ill|mentally ill|psychiatr\w*|psycholog\w*|psychos[ie]s|"
    r"psychotic|schizo\w*|bipolar|depressi\w*|personality disorder|eating disorder|"
    r"section \d+|\bs\.? ?117\b|mental health act|community treatment order|"
    r"\bCTO\b|\bCPA\b|\bCPN\b|\bCAMHS\b|sectioned|secure hospital|secure unit",
    re.IGNORECASE,
)

# The engine's texts that may name mental health, and why.
ENGINE_ALLOWED = {
    "crisis_routes": "NHS 111 option 2 is the urgent mental health line: the route must say so",
    "menu_crisis_routes": "the same routes, before a service is chosen",
    "out_of_hours": "NHS 111 option 2 is the urgent mental health line: the route must say so",
}
# The custody question names secure hospitals: seed 001 4.19 excludes them by name.
CUSTODY = {"in_custody", "already_supported", "in_prison_or_secure_service"}


def unmarked_hits() -> list[tuple[str, list[str]]]:
    hits = []
    for text in every_text():
        found = WORDS.findall(text.text)
        if not found or text.not_discreet or text.name in ENGINE_ALLOWED:
            continue
        if text.name.split(":")[-1] in CUSTODY or text.name.split(":")[1] in CUSTODY:
            continue
        hits.append((text.name, found))
    return hits


def test_no_shipped_text_names_mental_health_unless_marked_with_a_reason() -> None:
    assert unmarked_hits() == []


def test_the_scan_finds_what_it_looks_for() -> None:
    for said in ("Mental Health Act", "section 117", "a psychiatric nurse", "CPN", "bipolar"):
        assert WORDS.search(said), said
    assert not WORDS.search("Support for your wellbeing, from a care team")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_few_texts_are_marked_not_discreet_and_each_says_why(service: str) -> None:
    definition = SERVICES[service]
    marked = [q for q in definition.questions if q.not_discreet]
    assert len(marked) <= 3
    assert all(len(q.not_discreet or "") > 10 for q in marked)


def test_refusal_explanations_use_neutral_words() -> None:
    refusals = [
        rule.explain
        for definition in SERVICES.values()
        for rule in definition.rules
        if rule.outcome == "not_accepted" and rule.reason not in CUSTODY
    ]
    assert [text for text in refusals if WORDS.search(text)] == []
    assert any("supported by a care team" in text for text in refusals)
