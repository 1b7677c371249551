"""Unknown answers never refuse (INTERFACES "Data and states": a rule that would refuse
on `unknown` gives `needs_review`), and the council answer decides a boundary postcode."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.conditions import UNKNOWN, area_answer, parse_condition
from conversations.definition import ServiceDefinition, load_definition
from conversations.screening import screen

DEFINITION = """\
id: unsure-carers
name: Unsure Carers
deadlines:
  first_contact: {working_days: 5}
questions:
  - field: person_agrees_to_referral
    kind: yes_no
    custom: true
    prompt: Does the person agree?
  - field: cared_for_assessed_mh_need
    kind: yes_no
    unsure: true
    prompt: Has a doctor assessed them?
  - field: age
    kind: number
    prompt: How old are you?
rules:
  - reason: person_has_not_agreed
    when: not person_agrees_to_referral
    outcome: declined
    explain: Please ask them first.
  - reason: no_assessed_mh_need
    when: not cared_for_assessed_mh_need
    outcome: not_accepted
    explain: For carers of someone with an assessed need.
    clause: "4.8, 4.9"
  - reason: under_18
    when: age < 18
    outcome: not_accepted
    explain: For adults.
    clause: "1.6"
"""


@pytest.fixture
def service(tmp_path: Path) -> ServiceDefinition:
    path = tmp_path / "unsure-carers.yaml"
    path.write_text(DEFINITION)
    return load_definition(path)


def test_a_comparison_with_unknown_is_not_known() -> None:
    condition = parse_condition("not cared_for_assessed_mh_need")
    assert condition.truth({"cared_for_assessed_mh_need": UNKNOWN}) is None
    assert condition.reads_unknown({"cared_for_assessed_mh_need": UNKNOWN})
    assert condition.truth({"cared_for_assessed_mh_need": False}) is True
    assert not condition.reads_unknown({})


def test_a_refusal_resting_on_unknown_goes_to_a_person(service: ServiceDefinition) -> None:
    answers = {"person_agrees_to_referral": True, "cared_for_assessed_mh_need": UNKNOWN, "age": 40}
    result = screen(service, answers, None)
    assert result.outcome == "needs_review"
    assert result.reasons == ("no_assessed_mh_need_unknown",)


def test_a_known_refusal_still_wins_over_an_unknown(service: ServiceDefinition) -> None:
    answers = {"person_agrees_to_referral": True, "cared_for_assessed_mh_need": UNKNOWN, "age": 16}
    result = screen(service, answers, None)
    assert result.outcome == "not_accepted"
    assert result.reasons == ("under_18",)


def test_unknown_agreement_keeps_nothing(service: ServiceDefinition) -> None:
    result = screen(service, {"person_agrees_to_referral": UNKNOWN}, None)
    assert result.outcome == "declined"


def test_unsure_is_only_for_yes_no_questions(tmp_path: Path) -> None:
    path = tmp_path / "unsure-carers.yaml"
    path.write_text(
        DEFINITION.replace("    kind: number\n", "    kind: number\n    unsure: true\n")
    )
    with pytest.raises(ValueError, match=r"unsure-carers\.yaml:\d+: unsure is only for yes_no"):
        load_definition(path)


@pytest.mark.parametrize(
    ("match", "council", "expected"),
    [
        ("in", None, "in"),  # wholly inside: no question
        ("out", None, "out"),  # wholly in a neighbour: no question
        ("out", True, "out"),  # the lists decide a listed district
        ("boundary", True, "in"),  # "Is your local council ...?" yes
        ("boundary", False, "out"),  # no
        ("boundary", UNKNOWN, "boundary"),  # not sure: a person checks
        ("boundary", None, "boundary"),  # not asked yet
    ],
)
def test_the_council_answer_decides_a_boundary_postcode(
    match: str, council: object, expected: str
) -> None:
    assert area_answer(match, council) == expected
