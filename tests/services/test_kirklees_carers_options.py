"""Kirklees Mental Health Carers Options (seed 000), driven through `kith chat --json`.

Expected outcomes come from the seed: carers 18+ (1.6) giving significant unpaid care
(1.6, 4.9) to a family member or friend (1.6) aged 18-64 (1.6, 4.8) with an assessed
mental-health need (4.8, 4.9), both living in Kirklees (1.6); priority 4.14;
contact within 3 working days and first meeting within 10 (4.11).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Kith
from tests.services.conversation_helpers import conversation_lines, only_referral, outcome_text

SERVICE = "kirklees-carers-options"
THURSDAY_BEFORE_EASTER = "2026-04-02T15:00:00+01:00"

ELIGIBLE = {
    "referrer": "1",  # me: I look after someone
    "age": "45",
    "cares_significant_time": "yes",
    "cared_for_relationship": "1",  # a family member
    "cared_for_age": "40",
    "cared_for_assessed_mh_need": "yes",
    "postcode": "HD1 2AB",  # Huddersfield town centre
    "cared_for_postcode": "WF13 1AB",  # Dewsbury
    "priority": "3",  # none of these
    "first_name": "Sam",
    "communication_needs": "1",
}


# The order in which the questions are asked; a field is sent only when given.
ORDER = (
    "referrer",
    "person_agrees_to_referral",  # only when someone else refers
    "person_phone",  # only when someone else refers
    "age",
    "cares_significant_time",
    "cared_for_relationship",
    "cared_for_age",
    "cared_for_assessed_mh_need",
    "postcode",
    "postcode_council",  # only for a boundary or unlisted district
    "cared_for_postcode",
    "cared_for_postcode_council",  # only for a boundary or unlisted district
    "priority",
    "first_name",
    "communication_needs",
    "contact_time",  # not for text only
)


def conversation(**changes: str) -> list[str]:
    return conversation_lines(ELIGIBLE, ORDER, **changes)


def test_eligible_carer_is_accepted_with_deadlines_from_the_seed(kith: Kith) -> None:
    replies = kith.chat(SERVICE, conversation(), clock=THURSDAY_BEFORE_EASTER)
    referral = only_referral(kith)
    assert referral["outcome"] == "accepted"
    assert referral["status"] == "new"
    assert referral["reasons"] == []
    assert referral["channel"] == "console"
    assert referral["referrer"] == "self"
    # 3 working days from Thu 2 Apr 2026 skip Good Friday and Easter Monday (4.11).
    assert referral["first_contact_due"] == "2026-04-09T23:59:59+01:00"
    assert referral["first_meeting_due"] == "2026-04-20T23:59:59+01:00"
    assert referral["answers"]["age"] == 45
    assert referral["answers"]["cared_for_age"] == 40
    assert referral["answers"]["postcode"] == "HD1 2AB"
    assert referral["answers"]["cared_for_relationship"] == "family"
    assert referral["answers"]["first_name"] == "Sam"
    assert referral["priority"] == []
    final = outcome_text(replies)
    assert "Thursday 9 April" in final
    assert "mental health" not in final.lower()  # discreet by default


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"age": "17"}, "carer_under_18"),
        ({"cares_significant_time": "no"}, "not_caring_significant_time"),
        ({"cared_for_relationship": "3"}, "paid_carer"),
        ({"cared_for_age": "17"}, "cared_for_under_18"),
        ({"cared_for_age": "65"}, "cared_for_65_or_over"),
        ({"cared_for_assessed_mh_need": "no"}, "no_assessed_mh_need"),
        ({"postcode": "LS1 4AP"}, "carer_outside_kirklees"),
        ({"cared_for_postcode": "LS1 4AP"}, "cared_for_outside_kirklees"),
    ],
)
def test_exclusions_give_not_accepted_with_reason_and_a_person_to_check(
    kith_sqlite: Kith, changes: dict[str, str], reason: str
) -> None:
    replies = kith_sqlite.chat(SERVICE, conversation(**changes), clock=THURSDAY_BEFORE_EASTER)
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == [reason]
    assert referral["status"] == "new"  # staff confirm or overturn
    assert referral["first_contact_due"] == "2026-04-09T23:59:59+01:00"
    outcome_text = next(r["text"] for r in replies if "will check this" in r["text"])
    assert "PERSON" in outcome_text
    assert "Thursday 9 April" in outcome_text


def test_ages_at_the_edges_of_the_rules_are_accepted(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, conversation(age="18", cared_for_age="64"), address="console:a")
    kith_sqlite.chat(SERVICE, conversation(cared_for_age="18"), address="console:b")
    outcomes = [r["outcome"] for r in kith_sqlite.referrals()]
    assert outcomes == ["accepted", "accepted"]


def test_postcode_straddling_the_boundary_needs_review_not_refusal(kith_sqlite: Kith) -> None:
    # HD6 (Brighouse/Rastrick) is mostly Calderdale but touches Kirklees.
    # Asked "Is your local council Kirklees Council?", the carer is not sure (3).
    replies = kith_sqlite.chat(SERVICE, conversation(postcode="HD6 1AA", postcode_council="3"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["carer_postcode_on_boundary"]
    assert "look at your answers" in outcome_text(replies)


@pytest.mark.parametrize(
    ("choice", "codes"),
    [
        ("1", ["caring_may_break_down"]),
        ("2", ["stay_in_or_return_to_work"]),
        ("1,2", ["caring_may_break_down", "stay_in_or_return_to_work"]),
        ("1 2", ["caring_may_break_down", "stay_in_or_return_to_work"]),
    ],
)
def test_priority_circumstances_of_clause_4_14(
    kith_sqlite: Kith, choice: str, codes: list[str]
) -> None:
    kith_sqlite.chat(SERVICE, conversation(priority=choice))
    assert only_referral(kith_sqlite)["priority"] == codes


def test_answers_by_word_and_label_as_well_as_number(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(
        SERVICE,
        conversation(
            referrer="me. i look after someone",
            cared_for_relationship="Friend",
            postcode="hd12ab",
            cared_for_age="I'm 40",
            priority="none of these",
        ),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["cared_for_relationship"] == "friend"
    assert referral["answers"]["postcode"] == "HD1 2AB"


def test_declining_consent_keeps_nothing_but_an_anonymous_count(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "no"], address="console:decliner")
    assert "not kept" in replies[-1]["text"]
    assert "text us again" in replies[-1]["text"]
    assert kith_sqlite.referrals() == []
    outbox = json.loads(kith_sqlite.run("outbox", "list", "--json").stdout)
    # The replies were sent, and then kept only as counts: no address, no text (issue 11, 7).
    assert outbox and all(m["status"] == "sent" for m in outbox)
    assert all(m["address"] == "" and m["text"] == "" for m in outbox)
    # Starting again later begins afresh at consent: nothing was remembered.
    again = kith_sqlite.chat(SERVICE, ["hello"], address="console:decliner")
    assert again[-1]["field"] == "consent"


def test_json_protocol_marks_the_awaited_field_kind_and_choices(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "yes"])
    assert replies[0]["field"] is None
    assert replies[1] == {**replies[1], "field": "consent", "kind": "yes_no", "choices": None}
    referrer = replies[2]
    assert referrer["field"] == "referrer"
    assert referrer["kind"] == "choice"
    assert [c["key"] for c in referrer["choices"]] == ["self", "family_or_friend", "professional"]
    assert referrer["choices"][0]["n"] == 1
    assert "1 " in referrer["text"] and "3 " in referrer["text"]
