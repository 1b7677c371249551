"""Leicester Carers' Support Service (seed 003), driven through `kith chat --json`.

Expected outcomes come from the seed, not from the definition. A carer (1.1) cares,
unpaid, for a friend or family member who cannot cope without their support; many do
not call themselves carers. In scope (6.1-6.4, 6.10, 2.7): carers aged 18 or over
giving any amount of unpaid care to an adult living in Leicester, whatever their level
of need, point in the caring journey or assessment status; carers living elsewhere who
care for someone in Leicester; a Leicester carer of someone living elsewhere who
chooses their carer's assessment through Leicester. Not supported, signposted instead
(6.6, 6.7): young carers under 18, parent carers of a disabled child under 18 not in
transition, carers whose caring ended twelve months or more ago, paid carers. Initial
response within 2 working days (9.15); urgent situations the same day, or the next
working day when first contact is outside office hours (9.16), core hours Monday to
Friday 9am-5pm, not bank holidays (9.12, 9.13). Carer groups (1.7), referral sources
(9.18). Dates are worked out by hand from the 2026 calendar of England (Easter: Good
Friday 3 April, Easter Monday 6 April).

Postcodes: LE1 is the only district wholly inside the city; LE2-LE5 and LE7 straddle
the boundary; LE18 (Wigston) and NG1 (Nottingham) are outside.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kith
from tests.services.conversation_helpers import Referred, outcome_text, question, refer_to

SERVICE = "leicester-carers"
TUESDAY_10AM = "2026-04-14T10:00:00+01:00"
# 2 working days after Tue 14 Apr: Wed 15, Thu 16, to the end of the day (9.15).
RESPONSE_DUE = "2026-04-16T23:59:59+01:00"

ORDER = (
    "referrer",
    "person_agrees_to_referral",  # only when someone else refers
    "person_phone",  # only when someone else refers
    "referral_source",
    "urgent",
    "age",
    "looks_after_someone",
    "caring_status",
    "months_since_caring_ended",
    "cared_for_relationship",
    "cared_for_age",
    "parent_of_cared_for",  # only for a child (6.6b)
    "cared_for_in_transition",
    "cared_for_condition",
    "postcode",
    "postcode_council",  # only for a boundary or unlisted district
    "cared_for_postcode",
    "cared_for_postcode_council",
    "assessment_through_leicester",
    "first_name",
    "communication_needs",
    "contact_time",  # not for text only
)

ELIGIBLE = {
    "referrer": "1",  # me
    "urgent": "no",
    "age": "52",
    "looks_after_someone": "yes",
    "caring_status": "1",  # I look after them now
    "cared_for_relationship": "1",  # a family member
    "cared_for_age": "78",
    "cared_for_condition": "2",  # dementia
    "postcode": "LE1 5WW",
    "cared_for_postcode": "LE1 1AA",
    "first_name": "Asha",
    "communication_needs": "1",  # text messages only
}


def refer(kith: Kith, *, clock: str = TUESDAY_10AM, **options: Any) -> Referred:
    """`refer_to` this service: `options` are its address, until and changed answers."""
    return refer_to(kith, SERVICE, ELIGIBLE, ORDER, clock=clock, **options)


# -- eligible, and the initial response in 2 working days (6.3, 9.15) -----------------------


def test_eligible_carer_is_accepted_with_a_response_in_two_working_days(kith: Kith) -> None:
    replies, referral = refer(kith)
    assert len(kith.referrals()) == 1
    assert referral["service"] == SERVICE
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["status"] == "new"
    assert referral["referrer"] == "self"
    assert referral["priority"] == []
    assert referral["urgent"] is False
    assert referral["first_contact_due"] == RESPONSE_DUE
    assert referral["first_meeting_due"] is None  # the seed sets no first-meeting time
    assert referral["answers"] == {
        "referrer": "self",
        "urgent": False,
        "age": 52,
        "looks_after_someone": True,
        "caring_status": "current",
        "cared_for_relationship": "family",
        "cared_for_age": 78,
        "cared_for_condition": "dementia",
        "postcode": "LE1 5WW",
        "cared_for_postcode": "LE1 1AA",
        "first_name": "Asha",
        "communication_needs": ["text_only"],  # so no call time is asked
    }
    final = outcome_text(replies)
    assert "Thursday 16 April" in final  # the timescale is told to the person (9.15)
    assert "mental health" not in final.lower()  # discreet by default


@pytest.mark.parametrize(
    ("clock", "due"),
    [
        # Tuesday morning: Wed 15, Thu 16.
        (TUESDAY_10AM, "2026-04-16T23:59:59+01:00"),
        # Thu 2 Apr: Good Friday and Easter Monday are skipped: Tue 7, Wed 8.
        ("2026-04-02T15:00:00+01:00", "2026-04-08T23:59:59+01:00"),
        # Fri 17 Apr after hours: the day of receipt is day 0: Mon 20, Tue 21.
        ("2026-04-17T18:00:00+01:00", "2026-04-21T23:59:59+01:00"),
        # Sat 18 Apr: Mon 20, Tue 21.
        ("2026-04-18T12:00:00+01:00", "2026-04-21T23:59:59+01:00"),
    ],
)
def test_non_urgent_initial_response_within_two_working_days(
    kith_sqlite: Kith, clock: str, due: str
) -> None:
    _, referral = refer(kith_sqlite, clock=clock)
    assert referral["urgent"] is False
    assert referral["first_contact_due"] == due


@pytest.mark.parametrize(
    ("clock", "due", "day"),
    [
        # During core hours on a working day: the same day, by 5pm (said as people do).
        (TUESDAY_10AM, "2026-04-14T17:00:00+01:00", "today by 5pm"),
        ("2026-04-14T16:59:00+01:00", "2026-04-14T17:00:00+01:00", "today by 5pm"),
        # Outside office hours: the next working day, by 5pm.
        ("2026-04-17T18:00:00+01:00", "2026-04-20T17:00:00+01:00", "by 5pm on Monday 20 April"),
        ("2026-04-18T12:00:00+01:00", "2026-04-20T17:00:00+01:00", "by 5pm on Monday 20 April"),
        ("2026-04-14T20:00:00+01:00", "2026-04-15T17:00:00+01:00", "tomorrow by 5pm"),
        # Thursday evening before Easter: not Good Friday or Easter Monday (9.13).
        ("2026-04-02T17:30:00+01:00", "2026-04-07T17:00:00+01:00", "by 5pm on Tuesday 7 April"),
    ],
)
def test_urgent_situation_same_day_or_next_working_day_outside_office_hours(
    kith_sqlite: Kith, clock: str, due: str, day: str
) -> None:
    replies, referral = refer(kith_sqlite, clock=clock, urgent="yes")
    assert referral["outcome"] == "accepted"
    assert referral["urgent"] is True
    assert referral["answers"]["urgent"] is True
    assert referral["first_contact_due"] == due
    assert day in outcome_text(replies)


def test_urgent_situation_is_answered_the_same_day_even_when_signposted(
    kith_sqlite: Kith,
) -> None:
    # 9.16 covers "individuals facing an urgent situation", not only those in scope.
    _, referral = refer(kith_sqlite, urgent="yes", age="17", until="age")
    assert referral["outcome"] == "not_accepted"
    assert referral["urgent"] is True
    assert referral["first_contact_due"] == "2026-04-14T17:00:00+01:00"


# -- not supported: signposted instead (1.1, 6.6, 6.7) ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "until", "reason", "explains", "signpost"),
    [
        # 6.6a young carers under 18 (and 1.9, 2.8).
        ({"age": "17"}, "age", "young_carer_under_18", "aged 18 or over", "young carers service"),
        # 1.1: someone who looks after nobody is not a carer.
        (
            {"looks_after_someone": "no"},
            "looks_after_someone",
            "not_caring",
            "look after a family member or friend",
            "information and advice",
        ),
        # 6.6c caring ended twelve months or more ago.
        (
            {"caring_status": "2", "months_since_caring_ended": "12", "cared_for_age": None},
            "months_since_caring_ended",
            "caring_ended_12_months_or_more",
            "caring ended in the last year",
            "bereavement support",  # 6.6c acknowledged as a loss (issue 10.6)
        ),
        (
            {"caring_status": "2", "months_since_caring_ended": "30", "cared_for_age": None},
            "months_since_caring_ended",
            "caring_ended_12_months_or_more",
            "caring ended in the last year",
            "bereavement support",  # 6.6c acknowledged as a loss (issue 10.6)
        ),
        # 6.6d paid carers (and 1.1: "unpaid").
        (
            {"cared_for_relationship": "3"},
            "cared_for_relationship",
            "paid_carer",
            "unpaid carers",
            "employer or care agency",
        ),
        # 6.6b parent carers of a disabled child under 18 not in transition.
        (
            {"cared_for_age": "10", "parent_of_cared_for": "yes", "cared_for_in_transition": "no"},
            "cared_for_in_transition",
            "cared_for_child_not_in_transition",
            "parents of a disabled child",
            "parents of disabled children",
        ),
        # 6.3, 2.7, 6.4: neither the carer nor the person cared for lives in Leicester.
        # NG1 is listed in no area, so the carer is asked whose council it is: not Leicester.
        (
            {
                "postcode": "LE18 4AA",
                "cared_for_postcode": "NG1 5AA",
                "cared_for_postcode_council": "2",
            },
            "cared_for_postcode_council",
            "outside_leicester",
            "live in Leicester",
            "council where the person you look after lives",
        ),
    ],
)
def test_not_supported_are_signposted_with_the_reason(
    kith_sqlite: Kith,
    changes: dict[str, str | None],
    until: str,
    reason: str,
    explains: str,
    signpost: str,
) -> None:
    replies, referral = refer(kith_sqlite, until=until, **changes)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == [reason]
    assert referral["status"] == "new"  # staff confirm or overturn
    assert referral["first_contact_due"] == RESPONSE_DUE
    final = outcome_text(replies)
    assert explains in final
    assert signpost in final
    assert "will check this" in final
    assert "PERSON" in final
    assert "Thursday 16 April" in final


# -- former carers (1.7, 6.1, 6.6c) ------------------------------------------------------------


@pytest.mark.parametrize("months", ["6", "11"])
def test_former_carer_whose_caring_ended_under_a_year_ago_is_in_scope(
    kith_sqlite: Kith, months: str
) -> None:
    # Asked nothing about the age of the person they no longer look after.
    replies, referral = refer(
        kith_sqlite, caring_status="2", months_since_caring_ended=months, cared_for_age=None
    )
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["caring_status"] == "ended"
    assert referral["answers"]["months_since_caring_ended"] == int(months)
    assert "cared_for_age" not in referral["answers"]
    assert "(or lived)" in question(replies, "cared_for_postcode")


# -- parent carers and transition (1.7, 6.6b) -------------------------------------------------


def test_parent_carer_of_a_young_person_in_transition_is_in_scope(kith_sqlite: Kith) -> None:
    replies, referral = refer(
        kith_sqlite, cared_for_age="16", parent_of_cared_for="yes", cared_for_in_transition="yes"
    )
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["cared_for_age"] == 16
    assert referral["answers"]["cared_for_in_transition"] is True
    assert "adult services" in question(replies, "cared_for_in_transition")


def test_carer_of_an_adult_is_not_asked_about_transition(kith_sqlite: Kith) -> None:
    _, referral = refer(kith_sqlite, cared_for_age="18")
    assert referral["outcome"] == "accepted"
    assert "cared_for_in_transition" not in referral["answers"]


# -- where people live (2.7, 6.3, 6.4) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "council"),
    # LE18 is wholly in the county; NG1 is listed nowhere and LE2 straddles the
    # boundary, so the carer is asked whose council it is (no; not sure).
    [("LE18 4AA", None), ("NG1 5AA", "2"), ("LE2 1AA", "3")],
)
def test_carer_living_outside_leicester_caring_for_someone_in_leicester_is_in_scope(
    kith_sqlite: Kith, postcode: str, council: str | None
) -> None:
    # 2.7: the contract applies to carers living in another local authority area who
    # care for someone living in Leicester; their own postcode does not matter then.
    _, referral = refer(
        kith_sqlite, postcode=postcode, postcode_council=council, cared_for_postcode="LE1 1AA"
    )
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["answers"]["postcode"] == postcode
    assert "assessment_through_leicester" not in referral["answers"]


def test_leicester_carer_of_someone_elsewhere_choosing_a_leicester_assessment_is_in_scope(
    kith: Kith,
) -> None:
    # 6.4: they may use the service when they elect their carer's assessment through
    # the local authority where they live, Leicester.
    replies, referral = refer(
        kith, cared_for_postcode="LE18 4AA", assessment_through_leicester="yes"
    )
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["assessment_through_leicester"] is True
    assert "carer's assessment" in question(replies, "assessment_through_leicester")
    assert referral["first_contact_due"] == RESPONSE_DUE


def test_leicester_carer_of_someone_elsewhere_not_choosing_leicester_goes_to_a_person(
    kith_sqlite: Kith,
) -> None:
    # Out of scope as 6.4 is written, but needs_review rather than not_accepted: a "no"
    # by text is not an informed choice about a Council process the carer may not know
    # (and 6.1c says assessment status must not matter), and prevention provision has
    # no access criteria at all (6.2), so a person talks it through with them.
    replies, referral = refer(
        kith_sqlite, cared_for_postcode="LE18 4AA", assessment_through_leicester="no"
    )
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["cared_for_outside_leicester_assessment_elsewhere"]
    assert referral["first_contact_due"] == RESPONSE_DUE
    assert "look at your answers" in outcome_text(replies)


def test_person_cared_for_on_the_city_boundary_needs_review(kith_sqlite: Kith) -> None:
    # LE2 is Knighton and Aylestone (city) but also Oadby (county).
    _, referral = refer(kith_sqlite, cared_for_postcode="LE2 1AA", cared_for_postcode_council="3")
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["cared_for_postcode_on_boundary"]


def test_carer_on_the_boundary_caring_for_someone_outside_needs_review(kith_sqlite: Kith) -> None:
    # LE3 may be in the city (Westcotes) or not (Braunstone Town): a person checks
    # whether 6.4 applies.
    _, referral = refer(
        kith_sqlite,
        postcode="LE3 1AA",
        postcode_council="3",  # "Is your local council Leicester City Council?" Not sure.
        cared_for_postcode="LE18 4AA",
        assessment_through_leicester="yes",
    )
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["carer_postcode_on_boundary"]


# -- any carer, in plain words (1.1, 6.1, 6.3, 6.10) --------------------------------------------


def test_no_access_criteria_on_amount_of_care_need_or_assessment(kith_sqlite: Kith) -> None:
    # 6.1, 6.3, 6.10: any amount of care, any level of need, with or without a carer's
    # assessment or Adult Social Care eligibility; so none of it is asked.
    replies, referral = refer(kith_sqlite)
    assert referral["outcome"] == "accepted"
    prompts = [r["text"].lower() for r in replies if r["field"] not in (None, "consent")]
    for words in ("how many hours", "how much", "assessment", "social care", "eligib"):
        assert not any(words in prompt for prompt in prompts), words


def test_prompts_say_what_caring_is_without_calling_anyone_a_carer(kith_sqlite: Kith) -> None:
    # 1.1: many people do not relate to the word "carer".
    replies, _ = refer(kith_sqlite)
    prompts = [r["text"] for r in replies if r["field"] not in (None, "consent")]
    assert not any("carer" in prompt.lower() for prompt in prompts)
    caring = question(replies, "looks_after_someone")
    assert caring.startswith("Do you, or did you, help a relative or friend")
    for cause in ("illness", "disability", "drink", "drugs", "mental health"):
        assert cause in caring


# -- carer groups (1.7) and referral sources (9.18) ---------------------------------------------


@pytest.mark.parametrize(
    ("choice", "condition"),
    [
        ("1", "mental_health"),
        ("2", "dementia"),
        ("3", "learning_disability"),
        ("4", "physical_or_sensory"),
        ("5", "autism"),
        ("6", "substance_misuse"),
        ("7", "end_of_life"),
        ("8", "other"),
    ],
)
def test_every_carer_group_of_1_7_is_in_scope_and_recorded(
    kith_sqlite: Kith, choice: str, condition: str
) -> None:
    _, referral = refer(kith_sqlite, cared_for_condition=choice)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["cared_for_condition"] == condition


def test_referral_by_a_family_member_asks_about_the_carer(kith_sqlite: Kith) -> None:
    replies, referral = refer(kith_sqlite, referrer="2")
    assert referral["referrer"] == "family_or_friend"
    assert referral["outcome"] == "accepted"
    assert "referral_source" not in referral["answers"]
    assert question(replies, "age") == "How old is the person who gives the care?"
    assert question(replies, "looks_after_someone").startswith("Do they, or did they, help")


@pytest.mark.parametrize(
    ("choice", "source"),
    [
        ("1", "health_professional"),
        ("2", "social_care_professional"),
        ("3", "voluntary_community"),
    ],
)
def test_referral_by_a_professional_records_the_source_of_9_18(
    kith_sqlite: Kith, choice: str, source: str
) -> None:
    _, referral = refer(kith_sqlite, referrer="3", referral_source=choice)
    assert referral["referrer"] == "professional"
    assert referral["answers"]["referral_source"] == source
    assert referral["outcome"] == "accepted"
