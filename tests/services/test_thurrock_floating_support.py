"""Thurrock Mental Health & Disabilities Floating Support (seed 004), through `kith chat`.

Expected outcomes come from the seed: people 18 or over with no upper age limit
(1.8), with mental ill-health and/or a learning impairment (1.5, 1.6), who need
support to live independently or are at risk of losing their home (1.4, 3.1, 4.1.1),
in any tenure including rough sleeping (4.1.2), living in Thurrock or placed in
temporary accommodation outside it and expected to be rehoused in it, who agree to
the referral and are willing to make a support plan (4.1.3). Statutory needs and
needs beyond the service (4.1.4) are for a person to judge. Referral routes 4.2.1.
Contact within 48 hours (4.3.1), and no first-meeting deadline. Times below are
worked out by hand from the calendar.
"""

from __future__ import annotations

import pytest

from tests.conftest import Kith
from tests.services.conversation_helpers import (
    asked,
    assert_signposted_without_invented_contacts,
    conversation_lines,
    only_referral,
    outcome_text,
)

SERVICE = "thurrock-floating-support"
# Saturday 24 October 2026, noon BST; the clocks go back at 02:00 on Sunday 25th.
SATURDAY_BEFORE_CLOCKS_CHANGE = "2026-10-24T12:00:00+01:00"
TUESDAY = "2026-11-03T10:00:00+00:00"

# Every question, in the order the service asks it; conditional ones are answered
# only when a test gives them.
ORDER = (
    "referrer",
    "person_agrees_to_referral",  # only when someone else refers
    "person_phone",  # only when someone else refers
    "urgent",  # before any question that can end the conversation
    "age",
    "mental_health_need",
    "learning_disability",
    "housing_situation",
    "where_staying",  # only when sleeping rough
    "needs_support_to_live_independently",  # not when sleeping rough
    "postcode",  # not when sleeping rough
    "postcode_council",  # only for a boundary or unlisted district
    "temporary_accommodation_elsewhere",  # only for a postcode outside Thurrock
    "willing_to_engage",
    "has_statutory_care",
    "needs_over_3_hours_a_week",
    "professional_suggested",  # not when a professional refers
    "referral_source",  # only when an agency suggested or refers
    "reason_for_referral",
    "first_name",
    "communication_needs",
    "contact_time",  # not for text only
)

ELIGIBLE = {
    "referrer": "1",  # me
    "age": "45",
    "mental_health_need": "yes",
    "learning_disability": "no",
    "housing_situation": "1",  # renting from a private landlord
    "needs_support_to_live_independently": "yes",
    "postcode": "RM17 5AB",  # Grays
    "willing_to_engage": "yes",
    "has_statutory_care": "no",
    "needs_over_3_hours_a_week": "no",
    "professional_suggested": "no",  # my own idea
    "reason_for_referral": "Rent arrears and letters I cannot face",
    "urgent": "no",
    "first_name": "Alex",
    "contact_time": "1",  # morning
    "communication_needs": "2",  # phone calls are fine
}


def conversation(*drop: str, **changes: str) -> list[str]:
    """The answers of ELIGIBLE with `changes`, leaving out the fields in `drop`."""
    return conversation_lines(ELIGIBLE, ORDER, *drop, **changes)


def test_eligible_person_is_accepted_with_48_hours_across_the_clocks_change(kith: Kith) -> None:
    replies = kith.chat(SERVICE, conversation(), clock=SATURDAY_BEFORE_CLOCKS_CHANGE)
    referral = only_referral(kith)
    assert referral["service"] == SERVICE
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["priority"] == []
    assert referral["urgent"] is False
    assert referral["status"] == "new"
    assert referral["referrer"] == "self"
    # 48 real hours: Sat 11:00 UTC + 48 h = Mon 11:00 UTC, which is 11:00 GMT (4.3.1).
    assert referral["first_contact_due"] == "2026-10-26T11:00:00+00:00"
    assert referral["first_meeting_due"] is None  # the seed sets none
    answers = referral["answers"]
    assert answers["age"] == 45
    assert answers["mental_health_need"] is True
    assert answers["learning_disability"] is False
    assert answers["needs_support_to_live_independently"] is True
    assert answers["housing_situation"] == "private_rented"
    assert answers["postcode"] == "RM17 5AB"
    assert answers["willing_to_engage"] is True
    assert answers["professional_suggested"] is False
    assert "referral_source" not in answers  # the referrer is the source: self-referral
    assert answers["first_name"] == "Alex"
    assert answers["communication_needs"] == ["phone"]
    assert answers["contact_time"] == "morning"  # asked after "phone is fine"
    assert asked(replies)[-2:] == ["communication_needs", "contact_time"]
    assert "temporary_accommodation_elsewhere" not in asked(replies)  # only outside Thurrock
    assert "where_staying" not in asked(replies)
    final = outcome_text(replies)
    assert "Monday 26 October" in final
    assert "mental health" not in final.lower()  # discreet by default


@pytest.mark.parametrize("age", ["18", "70", "95"])
def test_adults_of_any_age_are_accepted(kith_sqlite: Kith, age: str) -> None:
    kith_sqlite.chat(SERVICE, conversation(age=age))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["age"] == int(age)


def test_under_18_is_not_accepted(kith_sqlite: Kith) -> None:
    lines = conversation(age="17")
    # A refusal resting on one typed number is confirmed first (issue 10, 5): YES.
    lines = [*lines[: lines.index("17") + 1], "yes"]
    replies = kith_sqlite.chat(SERVICE, lines, clock=TUESDAY)
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["under_18"]
    assert referral["status"] == "new"  # staff confirm or overturn
    assert referral["first_contact_due"] == "2026-11-05T10:00:00+00:00"
    assert referral["first_meeting_due"] is None
    assert "mental_health_need" not in asked(replies)  # ended at once
    # Urgency is asked first, before any question that can end the conversation.
    assert set(referral["answers"]) == {"referrer", "urgent", "age"}
    assert_signposted_without_invented_contacts(
        outcome_text(replies), "Thurrock Council children's services"
    )


@pytest.mark.parametrize(
    ("mental_health", "learning", "outcome", "reasons"),
    [
        ("yes", "no", "accepted", []),
        ("no", "yes", "accepted", []),  # a learning impairment without mental ill-health
        ("yes", "yes", "accepted", []),
        ("no", "no", "not_accepted", ["no_mental_health_or_learning_need"]),
    ],
)
def test_mental_ill_health_or_learning_impairment_either_is_enough(
    kith_sqlite: Kith, mental_health: str, learning: str, outcome: str, reasons: list[str]
) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(mental_health_need=mental_health, learning_disability=learning)
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == outcome
    assert referral["reasons"] == reasons
    assert referral["answers"]["learning_disability"] is (learning == "yes")
    if outcome == "not_accepted":
        assert "housing_situation" not in asked(replies)  # ended at once
        assert_signposted_without_invented_contacts(
            outcome_text(replies),
            "Citizens Advice in Thurrock",  # one signpost
        )


def test_no_need_for_support_to_live_independently_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, conversation(needs_support_to_live_independently="no"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["no_support_need"]
    assert "postcode" not in asked(replies)
    # One signpost (issue 10.6): general advice, where housing and support needs meet.
    assert_signposted_without_invented_contacts(
        outcome_text(replies), "Citizens Advice in Thurrock"
    )


@pytest.mark.parametrize(
    ("choice", "tenure"),
    [
        ("1", "private_rented"),
        ("2", "social_rented"),
        ("3", "owner"),
        ("4", "temporary"),  # B&B, hostel
        ("5", "other"),  # mobile home, staying with friends
    ],
)
def test_any_tenure_is_accepted(kith_sqlite: Kith, choice: str, tenure: str) -> None:
    kith_sqlite.chat(SERVICE, conversation(housing_situation=choice))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["housing_situation"] == tenure


def test_sleeping_rough_without_a_postcode_is_not_refused(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(
            "needs_support_to_live_independently",
            "postcode",
            housing_situation="6",
            where_staying="Grays, by the station",
        ),
        clock=SATURDAY_BEFORE_CLOCKS_CHANGE,
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["rough_sleeping_no_postcode"]
    assert referral["answers"]["housing_situation"] == "rough_sleeping"
    assert referral["answers"]["where_staying"] == "Grays, by the station"
    assert "postcode" not in referral["answers"]
    assert "postcode" not in asked(replies)
    # Sleeping rough is itself a need for support: no one is asked if they need help.
    assert "needs_support_to_live_independently" not in asked(replies)
    assert referral["first_contact_due"] == "2026-10-26T11:00:00+00:00"
    assert "look at your answers" in outcome_text(replies)


def test_sleeping_rough_and_skipping_where_is_still_not_refused(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(
        SERVICE,
        conversation(
            "needs_support_to_live_independently",
            "postcode",
            housing_situation="sleeping rough or no home",
            where_staying="skip",
        ),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["rough_sleeping_no_postcode"]


def test_temporary_accommodation_outside_thurrock_awaiting_rehousing_is_accepted_4_1_3(
    kith_sqlite: Kith,
) -> None:
    # 4.1.3: living in Thurrock "with the exception of those placed in temporary
    # accommodation outside the borough" expected to be rehoused in Thurrock.
    # SS0 is Westcliff-on-Sea, Southend: listed nowhere, so the person is asked whose
    # council it is, and says no (2).
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(
            housing_situation="4",
            postcode="SS0 7AA",
            postcode_council="2",
            temporary_accommodation_elsewhere="yes",
        ),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["answers"]["temporary_accommodation_elsewhere"] is True
    assert "temporary_accommodation_elsewhere" in asked(replies)


def test_living_outside_thurrock_and_not_placed_there_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(
            postcode="SS0 7AA", postcode_council="2", temporary_accommodation_elsewhere="no"
        ),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["outside_thurrock"]
    assert referral["answers"]["temporary_accommodation_elsewhere"] is False
    assert "willing_to_engage" not in asked(replies)  # ended at once
    text = outcome_text(replies)
    assert "live in Thurrock" in text
    assert_signposted_without_invented_contacts(text, "the council where you live")


def test_postcode_on_the_boundary_needs_review_and_is_not_asked_about_placement(
    kith_sqlite: Kith,
) -> None:
    # RM15 (South Ockendon, Aveley) reaches the boundary with Havering.
    replies = kith_sqlite.chat(SERVICE, conversation(postcode="RM15 5AA", postcode_council="3"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["postcode_on_thurrock_boundary"]
    assert "temporary_accommodation_elsewhere" not in asked(replies)


def test_unwilling_to_make_a_support_plan_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, conversation(willing_to_engage="no"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["not_willing_to_engage"]
    assert_signposted_without_invented_contacts(
        outcome_text(replies), "Thurrock Council housing advice"
    )


def test_referral_without_the_persons_consent_keeps_nothing(kith_sqlite: Kith) -> None:
    # 4.1.3: the person consents to the referral.
    replies = kith_sqlite.chat(SERVICE, ["hello", "yes", "3", "no"])
    assert "agrees" in replies[-1]["text"]
    assert "not kept" in replies[-1]["text"]
    assert kith_sqlite.referrals() == []
    assert kith_sqlite.sql("select count(*) from participants") == [(0,)]


def test_without_consent_no_referral_is_made(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "no"])
    assert "not kept" in replies[-1]["text"]
    assert kith_sqlite.referrals() == []


@pytest.mark.parametrize(
    ("statutory", "over_3_hours", "reasons"),
    [
        ("yes", "no", ["statutory_care_in_place"]),
        ("no", "yes", ["needs_more_than_service_gives"]),
        ("yes", "yes", ["statutory_care_in_place", "needs_more_than_service_gives"]),
    ],
)
def test_possibly_unsuitable_needs_go_to_a_person_never_a_refusal(
    kith_sqlite: Kith, statutory: str, over_3_hours: str, reasons: list[str]
) -> None:
    kith_sqlite.chat(
        SERVICE,
        conversation(has_statutory_care=statutory, needs_over_3_hours_a_week=over_3_hours),
        clock=TUESDAY,
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == reasons
    assert referral["first_contact_due"] == "2026-11-05T10:00:00+00:00"


def test_referral_routes_of_the_seed_and_a_referral_by_housing(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(referrer="3", person_agrees_to_referral="yes", referral_source="4"),
    )
    routes = next(r for r in replies if r["field"] == "referral_source")
    # 4.2.1: care trusts, Citizens Advice, health, housing department, social services,
    # probation, other agency; self-referral (and family, 4.2.2) is the referrer itself.
    assert "professional_suggested" not in asked(replies)
    assert routes["text"].startswith("Which service is this from?")
    assert [c["key"] for c in routes["choices"]] == [
        "care_trust",
        "citizens_advice",
        "health",
        "housing_department",
        "social_services",
        "probation",
        "other_agency",
    ]
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["referrer"] == "professional"
    assert referral["answers"]["referral_source"] == "housing_department"
    assert next(r["text"] for r in replies if r["field"] == "age") == "How old is the person?"


def test_a_self_referral_an_agency_suggested_asks_which_in_one_short_list(
    kith_sqlite: Kith,
) -> None:
    """4.2.1: Citizens Advice suggested it; the route is asked in two one-segment steps."""
    replies = kith_sqlite.chat(
        SERVICE, conversation(professional_suggested="yes", referral_source="2"), clock=TUESDAY
    )
    suggested = next(r["text"] for r in replies if r["field"] == "professional_suggested")
    which = next(r["text"] for r in replies if r["field"] == "referral_source")
    assert suggested.startswith("Did an agency") and "Citizens Advice" in suggested
    assert which.startswith("Who suggested it?")
    assert len(suggested) <= 160 and len(which) <= 160
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["referral_source"] == "citizens_advice"


def test_a_relative_told_by_a_service_is_not_asked_where_they_work(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(
            referrer="2",
            person_agrees_to_referral="yes",
            professional_suggested="yes",
            referral_source="5",
        ),
        clock=TUESDAY,
    )
    which = next(r["text"] for r in replies if r["field"] == "referral_source")
    assert which.startswith("Which service is this from?")
    referral = only_referral(kith_sqlite)
    assert referral["referrer"] == "family_or_friend"
    assert referral["answers"]["referral_source"] == "social_services"


def test_urgency_is_recorded_for_the_first_contact(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, conversation(urgent="yes"), clock=TUESDAY)
    referral = only_referral(kith_sqlite)
    assert referral["urgent"] is True
    assert referral["outcome"] == "accepted"
    assert referral["first_contact_due"] == "2026-11-05T10:00:00+00:00"  # 48 h either way
