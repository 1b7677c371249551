"""Derby Recovery and Peer Support (seed 002), driven through `kith chat --json`.

Expected outcomes come from the seed: Derby city residents (3.4) aged 18+, or young
people in transition to adult services (3.4, 3.5), with a presenting mental-health
need and no diagnosis required, or carers and family of someone with one (3.4); not
people in the Derbyshire County Council area, nor people with personal-care needs
that no personal carer meets during activities (3.5). Other needs get reasonable
adjustments (3.4). Referral is open, with the person's consent, from the sources of
3.7.1.3. An initial response within 72 hours and a first meeting within seven
working days (3.7.1.3). Times below are worked out by hand from the calendar.
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

SERVICE = "derby-peer-support"
FRIDAY_5PM = "2026-11-27T17:00:00+00:00"  # Friday 27 November 2026, GMT
CHRISTMAS_EVE = "2026-12-24T16:30:00+00:00"  # Thursday 24 December 2026

# Every question, in the order the service asks it; conditional ones are answered
# only when a test gives them.
ORDER = (
    "referrer",
    "person_agrees_to_referral",  # only when someone else refers
    "person_phone",  # only when someone else refers
    "age",
    "in_transition",  # only under 18
    "postcode",
    "postcode_council",  # only for a boundary or unlisted district
    "mental_health_need",
    "carer_of_someone_with_mh_need",  # only without a need of their own (either will do)
    "needs_personal_care",
    "personal_carer_attends",  # only with personal-care needs
    "professional_suggested",  # not when a professional refers
    "referral_source",  # only when a professional suggested or refers
    "reason_for_referral",
    "urgent",
    "other_needs",
    "consent_share",
    "first_name",
    "communication_needs",
    "contact_time",  # not for text only
)

ELIGIBLE = {
    "referrer": "1",  # me
    "age": "30",
    "postcode": "DE1 1AA",  # Derby city centre
    "mental_health_need": "yes",
    "needs_personal_care": "no",
    "professional_suggested": "no",  # my own idea
    "reason_for_referral": "Feeling low and alone",
    "urgent": "no",
    "other_needs": "5",  # none of these
    "consent_share": "yes",
    "first_name": "Sam",
    "communication_needs": "1",  # text messages only
}


def conversation(**changes: str) -> list[str]:
    return conversation_lines(ELIGIBLE, ORDER, **changes)


def test_derby_city_resident_is_accepted_with_72_hours_and_7_working_days(kith: Kith) -> None:
    replies = kith.chat(SERVICE, conversation(), clock=FRIDAY_5PM)
    referral = only_referral(kith)
    assert referral["service"] == SERVICE
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["priority"] == []
    assert referral["urgent"] is False
    assert referral["status"] == "new"
    assert referral["referrer"] == "self"
    # 72 clock hours from Friday 17:00 run over the weekend to Monday 17:00 (3.7.1.3).
    assert referral["first_contact_due"] == "2026-11-30T17:00:00+00:00"
    # Seven working days after Fri 27 Nov: 30 Nov, 1, 2, 3, 4, 7, 8 Dec.
    assert referral["first_meeting_due"] == "2026-12-08T23:59:59+00:00"
    answers = referral["answers"]
    assert answers["age"] == 30
    assert answers["postcode"] == "DE1 1AA"
    assert answers["mental_health_need"] is True
    assert "carer_of_someone_with_mh_need" not in answers  # a need of their own is enough
    assert answers["professional_suggested"] is False
    assert "referral_source" not in answers  # the referrer is the source: self
    assert answers["consent_share"] is True
    assert answers["first_name"] == "Sam"
    assert answers["communication_needs"] == ["text_only"]
    assert "in_transition" not in asked(replies)  # only asked under 18
    assert "personal_carer_attends" not in asked(replies)
    final = outcome_text(replies)
    assert "Monday 30 November" in final
    # Discreet by default: the acknowledgement names neither mental health nor recovery.
    assert "mental health" not in final.lower()
    assert "recovery" not in final.lower()


def test_seven_working_days_skip_christmas_boxing_day_and_new_year(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, conversation(), clock=CHRISTMAS_EVE)
    referral = only_referral(kith_sqlite)
    # 72 clock hours count the bank holiday and the weekend alike.
    assert referral["first_contact_due"] == "2026-12-27T16:30:00+00:00"
    # After Thu 24 Dec: Fri 25 (Christmas), Mon 28 (Boxing Day, substitute) and
    # Fri 1 Jan are holidays, so the days are 29, 30, 31 Dec, 4, 5, 6, 7 Jan.
    assert referral["first_meeting_due"] == "2027-01-07T23:59:59+00:00"


def test_17_year_old_in_transition_to_adult_services_needs_review(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(age="17", in_transition="yes"), clock=FRIDAY_5PM
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["under_18_in_transition"]
    assert referral["answers"]["in_transition"] is True
    assert referral["first_contact_due"] == "2026-11-30T17:00:00+00:00"
    assert referral["first_meeting_due"] == "2026-12-08T23:59:59+00:00"
    assert "look at your answers" in outcome_text(replies)


def test_17_year_old_not_in_transition_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(age="17", in_transition="no"), clock=FRIDAY_5PM
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["under_18"]
    assert referral["status"] == "new"  # staff confirm or overturn
    assert referral["first_contact_due"] == "2026-11-30T17:00:00+00:00"
    assert referral["first_meeting_due"] is None
    # The conversation ends at once: nothing more is asked or kept.
    assert "postcode" not in asked(replies)
    assert set(referral["answers"]) == {"referrer", "age", "in_transition"}
    text = outcome_text(replies)
    assert "18 or over" in text
    assert_signposted_without_invented_contacts(text, "support for young people")


def test_18_year_old_is_accepted_without_the_transition_question(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, conversation(age="18"))
    assert only_referral(kith_sqlite)["outcome"] == "accepted"
    assert "in_transition" not in asked(replies)


def test_carer_of_someone_with_a_mental_health_need_is_accepted(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(
        SERVICE,
        conversation(mental_health_need="no", carer_of_someone_with_mh_need="yes"),
        clock=FRIDAY_5PM,
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["mental_health_need"] is False
    assert referral["answers"]["carer_of_someone_with_mh_need"] is True
    assert referral["first_meeting_due"] == "2026-12-08T23:59:59+00:00"


def test_no_diagnosis_is_needed_only_a_presenting_need(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, conversation())
    prompt = next(r["text"] for r in replies if r["field"] == "mental_health_need")
    assert "do not need a diagnosis" in prompt
    assert only_referral(kith_sqlite)["outcome"] == "accepted"


def test_no_mental_health_need_and_not_a_carer_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(mental_health_need="no", carer_of_someone_with_mh_need="no")
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["no_mental_health_need"]
    assert "needs_personal_care" not in asked(replies)  # ended at once
    assert_signposted_without_invented_contacts(outcome_text(replies), "your GP")


@pytest.mark.parametrize(
    ("postcode", "outcome", "reasons"),
    [
        ("DE1 1AA", "accepted", []),  # city centre: inside Derby city
        # Allestree/Quarndon: "Is your local council Derby City Council?" Not sure (3).
        ("DE22 1AA", "needs_review", ["postcode_on_derby_boundary"]),
        ("DE56 1AA", "not_accepted", ["outside_derby_city"]),  # Belper, Derbyshire County
        ("DE7 5AA", "not_accepted", ["outside_derby_city"]),  # Ilkeston, Derbyshire County
    ],
)
def test_where_the_person_lives(
    kith_sqlite: Kith, postcode: str, outcome: str, reasons: list[str]
) -> None:
    council = {"postcode_council": "3"} if postcode.startswith("DE22") else {}
    replies = kith_sqlite.chat(
        SERVICE, conversation(postcode=postcode, **council), clock=FRIDAY_5PM
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == outcome
    assert referral["reasons"] == reasons
    assert referral["answers"]["postcode"] == postcode
    assert referral["first_contact_due"] == "2026-11-30T17:00:00+00:00"
    if outcome == "not_accepted":
        assert referral["first_meeting_due"] is None
        assert "mental_health_need" not in asked(replies)  # ended at once
        text = outcome_text(replies)
        assert "Derby city" in text
        assert_signposted_without_invented_contacts(text, "Derbyshire County Council")
    else:
        assert referral["first_meeting_due"] == "2026-12-08T23:59:59+00:00"


def test_personal_care_met_by_a_personal_carer_is_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(needs_personal_care="yes", personal_carer_attends="yes")
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["needs_personal_care"] is True
    assert referral["answers"]["personal_carer_attends"] is True
    assert "personal_carer_attends" in asked(replies)


def test_personal_care_with_no_personal_carer_is_not_accepted(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE, conversation(needs_personal_care="yes", personal_carer_attends="no")
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["personal_care_not_met"]
    text = outcome_text(replies)
    assert "personal carer" in text
    assert_signposted_without_invented_contacts(text, "Derby City Council adult social care")


def test_other_needs_get_reasonable_adjustments_not_exclusion(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        # Someone who may be called (by interpreter or relay) is asked when: any time.
        conversation(other_needs="1,2,3,4", communication_needs="3,4", contact_time="3"),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["other_needs"] == [
        "autism",
        "learning_disability",
        "physical_disability",
        "sensory_impairment",
    ]
    # The Deaf community and minicom access are named in the seed (3.6.1, 3.10).
    assert referral["answers"]["communication_needs"] == ["bsl_interpreter", "text_relay"]
    offered = next(r for r in replies if r["field"] == "communication_needs")
    assert "BSL" in offered["text"] and "Minicom" in offered["text"]


def test_referral_sources_of_the_seed_and_a_professional_referral(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        SERVICE,
        conversation(referrer="3", person_agrees_to_referral="yes", referral_source="2"),
        clock=FRIDAY_5PM,
    )
    sources = next(r for r in replies if r["field"] == "referral_source")
    # 3.7.1.3: GP, OT, CPN, social worker, enablement worker, the inpatient units, EMAS,
    # 111, police, probation, voluntary sector, and anything else; self and family are
    # the referrer when no professional suggested it.
    assert "professional_suggested" not in asked(replies)
    assert [c["key"] for c in sources["choices"]] == [
        "gp",
        "cpn",
        "occupational_therapist",
        "social_worker",
        "enablement_worker",
        "inpatient_unit",
        "ambulance_service",
        "nhs_111",
        "police",
        "probation",
        "voluntary_sector",
        "other",
    ]
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["referrer"] == "professional"
    assert referral["answers"]["referral_source"] == "cpn"
    assert referral["answers"]["person_agrees_to_referral"] is True
    age_prompt = next(r["text"] for r in replies if r["field"] == "age")
    assert age_prompt == "How old is the person?"


def test_referral_without_the_persons_agreement_keeps_nothing(kith_sqlite: Kith) -> None:
    # 3.7.1.3: referral only with the consent of the person being referred.
    replies = kith_sqlite.chat(SERVICE, ["hello", "yes", "2", "no"])
    assert "agrees" in replies[-1]["text"]
    assert "not kept" in replies[-1]["text"]
    assert kith_sqlite.referrals() == []
    assert kith_sqlite.sql("select count(*) from participants") == [(0,)]
    assert kith_sqlite.sql("select kind from anonymous_events") == [("consent_declined",)]


def test_urgent_need_is_flagged_for_triage_and_keeps_the_deadlines(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, conversation(urgent="yes"), clock=FRIDAY_5PM)
    referral = only_referral(kith_sqlite)
    assert referral["urgent"] is True
    assert referral["outcome"] == "accepted"
    assert referral["first_contact_due"] == "2026-11-30T17:00:00+00:00"
    assert referral["first_meeting_due"] == "2026-12-08T23:59:59+00:00"


def test_without_consent_no_referral_is_made(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "no"])
    assert "not kept" in replies[-1]["text"]
    assert kith_sqlite.referrals() == []


def test_optional_answers_can_be_skipped(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(
        SERVICE,
        conversation(
            reason_for_referral="skip",
            other_needs="skip",
            first_name="skip",
            communication_needs="skip",
        ),
    )
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    for name in ("reason_for_referral", "other_needs", "first_name", "communication_needs"):
        assert name not in referral["answers"]


def test_a_professional_who_suggested_it_is_asked_about_in_a_short_list(
    kith_sqlite: Kith,
) -> None:
    """3.7.1.3: referral sources include GPs and CPNs; the 14 in two short steps."""
    replies = kith_sqlite.chat(
        SERVICE, conversation(professional_suggested="yes", referral_source="1"), clock=FRIDAY_5PM
    )
    question = next(r["text"] for r in replies if r["field"] == "professional_suggested")
    assert question.startswith("Did a professional")
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["professional_suggested"] is True
    assert referral["answers"]["referral_source"] == "gp"


@pytest.mark.parametrize(
    ("how", "stored", "time_asked"),
    [
        ("1", ["text_only"], False),  # text only: no one will phone, so no call time
        ("1,3", ["text_only", "bsl_interpreter"], False),
        ("2", ["phone"], True),
        ("4", ["text_relay"], True),  # Relay UK is a call: when suits them
    ],
)
def test_a_call_time_is_asked_only_of_someone_who_may_be_phoned(
    kith_sqlite: Kith, how: str, stored: list[str], time_asked: bool
) -> None:
    lines = conversation(communication_needs=how)
    if time_asked:
        lines.append("2")  # afternoon
    replies = kith_sqlite.chat(SERVICE, lines, clock=FRIDAY_5PM)
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["communication_needs"] == stored
    assert ("contact_time" in asked(replies)) is time_asked
    assert referral["answers"].get("contact_time") == ("afternoon" if time_asked else None)
