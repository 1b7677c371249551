"""Kirklees Mental Health Advocacy (seed 001), driven through `kith chat --json`.

Expected outcomes come from the seed, not from the definition: people living in
Kirklees (1.4), aged 18 to 64 at referral (1.4, 4.7), with serious mental ill-health,
including a learning disability where the primary need is mental health support (1.1),
who use mental-health services and/or have a need in their care plan (1.4, 4.11); a
self-referral establishes both, and the care manager is told where the person agrees
(4.11); prisons and medium and high secure services are excluded, except someone
already supported who is then imprisoned, for a person to agree (4.19); priority
circumstances (4.12); contact within 3 working days and a first meeting within 10
(4.14); a written reason when not accepted (4.16). Dates are worked out by hand from
the 2026 calendar of England (May Day: Monday 4 May; Easter: 3 and 6 April).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kith
from tests.services.conversation_helpers import Referred, outcome_text, question, refer_to

SERVICE = "kirklees-advocacy"
FRIDAY_BEFORE_MAY_DAY = "2026-05-01T11:00:00+01:00"
# 3 working days after Fri 1 May skip the weekend and May Day: Tue 5, Wed 6, Thu 7.
CONTACT_DUE = "2026-05-07T23:59:59+01:00"
# 10 working days: ... Thu 7 (3), Fri 8, Mon 11, Tue 12, Wed 13, Thu 14, Fri 15, Mon 18.
MEETING_DUE = "2026-05-18T23:59:59+01:00"

# The order in which the seed's questions are asked; a field is sent only when given.
ORDER = (
    "referrer",
    "person_agrees_to_referral",  # only when someone else refers
    "person_phone",  # only when someone else refers
    "referral_source",
    "age",
    "in_custody",  # before the postcode: a prison is seldom in Kirklees (4.19)
    "already_supported",  # only in custody
    "postcode",
    "postcode_council",  # only for a boundary or unlisted district
    "mental_health_need",
    "learning_disability",
    "primary_need_mental_health",
    "uses_mh_services",
    "consent_share",
    "priority",
    "reason_for_referral",
    "first_name",
    "communication_needs",
    "contact_time",  # not for text only
)

ELIGIBLE = {
    "referrer": "1",  # me
    "age": "40",
    "postcode": "HD1 2AB",  # Huddersfield town centre
    "mental_health_need": "yes",
    "learning_disability": "no",
    "uses_mh_services": "yes",
    "in_custody": "no",
    "consent_share": "yes",
    "priority": "8",  # none of these
    "reason_for_referral": "Help to speak up at my care review",
    "first_name": "Sam",
    "communication_needs": "1",  # text messages only
}


def refer(kith: Kith, *, clock: str = FRIDAY_BEFORE_MAY_DAY, **options: Any) -> Referred:
    """`refer_to` this service: `options` are its address, until and changed answers."""
    return refer_to(kith, SERVICE, ELIGIBLE, ORDER, clock=clock, **options)


# -- eligible (1.4, 4.11) and deadlines (4.14) -------------------------------------------


def test_eligible_self_referral_is_accepted_with_deadlines_from_4_14(kith: Kith) -> None:
    replies, referral = refer(kith)
    assert len(kith.referrals()) == 1
    assert referral["service"] == SERVICE
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["status"] == "new"
    assert referral["referrer"] == "self"
    assert referral["priority"] == []
    assert referral["urgent"] is False
    assert referral["first_contact_due"] == CONTACT_DUE
    assert referral["first_meeting_due"] == MEETING_DUE
    assert referral["answers"] == {
        "referrer": "self",
        "age": 40,
        "postcode": "HD1 2AB",
        "mental_health_need": True,
        "learning_disability": False,
        "uses_mh_services": True,
        "in_custody": False,
        "consent_share": True,
        "priority": ["none"],
        "reason_for_referral": "Help to speak up at my care review",
        "first_name": "Sam",
        "communication_needs": ["text_only"],  # so no call time is asked
    }
    final = outcome_text(replies)
    assert "Thursday 7 May" in final
    assert "advocate" in final
    assert "mental health" not in final.lower()  # discreet by default
    assert "Kirklees Advocacy" in replies[0]["text"]
    assert "mental" not in replies[0]["text"].lower()  # the discreet short name


@pytest.mark.parametrize(
    ("clock", "contact_due", "meeting_due"),
    [
        # Thu 2 Apr: Good Friday and Easter Monday are skipped.
        ("2026-04-02T15:00:00+01:00", "2026-04-09T23:59:59+01:00", "2026-04-20T23:59:59+01:00"),
        # Late on Tue 14 Apr: the day of receipt is day 0 whatever the hour.
        ("2026-04-14T23:30:00+01:00", "2026-04-17T23:59:59+01:00", "2026-04-28T23:59:59+01:00"),
        # Sat 9 May: counted from the weekend day of receipt.
        ("2026-05-09T10:00:00+01:00", "2026-05-13T23:59:59+01:00", "2026-05-22T23:59:59+01:00"),
        # Mon 21 Dec: Christmas Day, Boxing Day (Monday 28, substitute) and New Year's Day.
        ("2026-12-21T09:00:00+00:00", "2026-12-24T23:59:59+00:00", "2027-01-07T23:59:59+00:00"),
    ],
)
def test_contact_in_3_and_first_meeting_in_10_working_days(
    kith_sqlite: Kith, clock: str, contact_due: str, meeting_due: str
) -> None:
    _, referral = refer(kith_sqlite, clock=clock)
    assert referral["outcome"] == "accepted"
    assert referral["first_contact_due"] == contact_due
    assert referral["first_meeting_due"] == meeting_due


@pytest.mark.parametrize("postcode", ["HD1 2AB", "HD4 6AA", "HD5 8AA", "WF13 1AB", "WF16 0AA"])
def test_kirklees_residents_are_accepted(kith_sqlite: Kith, postcode: str) -> None:
    _, referral = refer(kith_sqlite, postcode=postcode)
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["postcode"] == postcode


def test_ages_18_and_64_at_referral_are_accepted(kith_sqlite: Kith) -> None:
    _, first = refer(kith_sqlite, age="18", address="console:a")
    _, second = refer(kith_sqlite, age="64", address="console:b")
    assert (first["outcome"], first["answers"]["age"]) == ("accepted", 18)
    assert (second["outcome"], second["answers"]["age"]) == ("accepted", 64)


def test_postcode_straddling_the_kirklees_boundary_needs_review(kith_sqlite: Kith) -> None:
    # HD6 (Brighouse, Rastrick) is mostly Calderdale; the Kirklees edge runs through it.
    # Asked "Is your local council Kirklees Council?", the person is not sure (3).
    replies, referral = refer(kith_sqlite, postcode="HD6 1AA", postcode_council="3")
    assert "Kirklees Council" in question(replies, "postcode_council")
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["postcode_on_boundary"]
    assert referral["first_contact_due"] == CONTACT_DUE
    assert referral["first_meeting_due"] == MEETING_DUE
    assert "look at your answers" in outcome_text(replies)


def test_learning_disability_with_mental_health_as_primary_need_is_accepted(
    kith_sqlite: Kith,
) -> None:
    # 1.1: "including those with learning disabilities whose primary need is for mental
    # health support".
    _, referral = refer(kith_sqlite, learning_disability="yes", primary_need_mental_health="yes")
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["learning_disability"] is True
    assert referral["answers"]["primary_need_mental_health"] is True


def test_learning_disability_whose_primary_need_is_not_mental_health_goes_to_a_person(
    kith_sqlite: Kith,
) -> None:
    # Outside 1.1 as written, but "primary need" is a judgement from the care plan that
    # one text answer cannot settle: a person decides, nobody is refused by a bot.
    replies, referral = refer(
        kith_sqlite, learning_disability="yes", primary_need_mental_health="no"
    )
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["learning_disability_primary_need_not_mental_health"]
    assert "look at your answers" in outcome_text(replies)


def test_consent_to_tell_the_care_manager_is_asked_and_recorded(kith_sqlite: Kith) -> None:
    # 4.11: the care manager is told so the care plan is updated, "where agreed".
    replies, agreed = refer(kith_sqlite, address="console:a")
    assert "care manager" in question(replies, "consent_share")
    _, declined = refer(kith_sqlite, consent_share="no", address="console:b")
    assert agreed["answers"]["consent_share"] is True
    assert declined["answers"]["consent_share"] is False
    assert declined["outcome"] == "accepted"  # declining to share is not a reason to refuse


# -- not accepted, with a written reason and where to go (1.4, 4.11, 4.16, 4.19) -------------


@pytest.mark.parametrize(
    ("changes", "until", "reason", "explains", "signpost"),
    [
        ({"age": "17"}, "age", "under_18", "aged 18 to 64", "children and young people"),
        ({"age": "65"}, "age", "aged_65_or_over", "aged 18 to 64", "aged 65 or over"),
        (
            {"postcode": "LS1 4AP"},  # Leeds
            "postcode",
            "outside_kirklees",
            "live in Kirklees",
            "Leeds City Council",  # the council LS1 is in (issue 10.2)
        ),
        (
            # 1.4, 4.11: refused only when neither a mental health problem nor use of
            # mental health services holds.
            {"mental_health_need": "no", "uses_mh_services": "no"},
            "uses_mh_services",
            "no_mental_health_need",
            # Neutral words in an SMS (issue 10.6); other advocacy is the way on.
            "supported by a care team",
            "other advocacy services in Kirklees",
        ),
        (
            {"in_custody": "yes", "already_supported": "no"},
            "already_supported",
            "in_prison_or_secure_service",
            "people in prison or a medium or high secure hospital",
            "advocacy service in the prison or hospital",
        ),
    ],
)
def test_exclusions_give_not_accepted_with_a_written_reason_and_signpost(
    kith_sqlite: Kith,
    changes: dict[str, str],
    until: str,
    reason: str,
    explains: str,
    signpost: str,
) -> None:
    replies, referral = refer(kith_sqlite, until=until, **changes)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == [reason]
    assert referral["status"] == "new"  # staff confirm or overturn, with the reason (4.16)
    assert referral["first_contact_due"] == CONTACT_DUE
    assert referral["first_meeting_due"] is None
    final = outcome_text(replies)
    assert explains in final  # the reason, in writing (4.16)
    assert signpost in final
    assert "will check this" in final
    assert "PERSON" in final
    assert "Thursday 7 May" in final


def test_prison_or_secure_hospital_without_earlier_support_is_not_accepted(
    kith_sqlite: Kith,
) -> None:
    replies, referral = refer(
        kith_sqlite, in_custody="yes", already_supported="no", until="already_supported"
    )
    assert "medium or high secure" in question(replies, "in_custody")
    assert referral["answers"]["in_custody"] is True
    assert referral["answers"]["already_supported"] is False
    assert referral["outcome"] == "not_accepted"


def test_someone_already_supported_then_imprisoned_goes_to_a_person_never_refused(
    kith: Kith,
) -> None:
    # 4.19: support "may" continue "as agreed with the Mental Health Partnership".
    replies, referral = refer(kith, in_custody="yes", already_supported="yes")
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["in_custody_already_supported"]
    assert referral["answers"]["in_custody"] is True
    assert referral["answers"]["already_supported"] is True
    assert referral["first_contact_due"] == CONTACT_DUE
    assert referral["first_meeting_due"] == MEETING_DUE
    assert "look at your answers" in outcome_text(replies)


# -- priority (4.12) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "codes"),
    [
        ("1", ["hospital_admission_or_discharge"]),
        ("2", ["tribunal_or_managers_hearing"]),
        ("3", ["section_117_or_supervised_aftercare"]),
        ("4", ["guardianship"]),
        ("5", ["community_treatment_order"]),
        # Disagreement with the assessment of needs "in relation to the above".
        ("5,6", ["community_treatment_order", "disagrees_with_needs_assessment"]),
        ("7", ["residential_care_assessment_or_move_on"]),
        ("8", []),
    ],
)
def test_priority_circumstances_of_clause_4_12(
    kith_sqlite: Kith, choice: str, codes: list[str]
) -> None:
    _, referral = refer(kith_sqlite, priority=choice)
    assert referral["outcome"] == "accepted"
    assert referral["priority"] == codes


def test_priority_choices_are_short_labels_without_legal_sections(kith_sqlite: Kith) -> None:
    """Issue 10.6: an SMS names no legal section; 4.12's circumstances are short labels."""
    replies, _ = refer(kith_sqlite)
    text = question(replies, "priority")
    assert "hospital" in text.lower()
    assert "Tribunal" in text
    assert "Guardianship" in text
    for legal in ("Section 117", "Mental Health", "Managers Hearing"):
        assert legal not in text


@pytest.mark.parametrize(
    ("answer", "codes"),
    [
        # The names a person has been told (4.12) still choose the circumstance.
        ("section 117", ["section_117_or_supervised_aftercare"]),
        ("community treatment order", ["community_treatment_order"]),
        ("managers hearing", ["tribunal_or_managers_hearing"]),
        ("care home", ["residential_care_assessment_or_move_on"]),
        ("leaving hospital", ["hospital_admission_or_discharge"]),
    ],
)
def test_priority_full_names_are_understood(
    kith_sqlite: Kith, answer: str, codes: list[str]
) -> None:
    _, referral = refer(kith_sqlite, priority=answer)
    assert referral["priority"] == codes


# -- who refers -------------------------------------------------------------------------


def test_family_or_friend_referral_asks_about_them(kith_sqlite: Kith) -> None:
    replies, referral = refer(kith_sqlite, referrer="2")
    assert referral["referrer"] == "family_or_friend"
    assert referral["outcome"] == "accepted"
    assert question(replies, "age") == "How old is the person?"
    assert "they" in question(replies, "mental_health_need").lower()
    assert "their care manager" in question(replies, "consent_share")


def test_professional_referral_records_where_it_came_from(kith_sqlite: Kith) -> None:
    replies, referral = refer(kith_sqlite, referrer="3", referral_source="1")
    assert referral["referrer"] == "professional"
    assert referral["answers"]["referral_source"] == "care_coordinator"
    assert referral["outcome"] == "accepted"
    assert "their" in question(replies, "postcode")


def test_staff_recording_not_accepted_gives_the_person_the_written_reason(
    kith_sqlite: Kith,
) -> None:
    # 4.16: "a full written reason" when a person is not accepted. Staff confirm the
    # refusal of a 17-year-old (1.4: 18 to 64); the person is told why and where to go.
    refer(kith_sqlite, age="17", until="age", address="sms:+447700900077")
    before = kith_sqlite.sql("SELECT count(*) FROM outbox")[0][0]
    kith_sqlite.run("referrals", "set-status", "1", "not_accepted", "--by", "Jo")
    [(body, address)] = kith_sqlite.sql(f"SELECT body, address FROM outbox WHERE id > {before}")
    assert address == "sms:+447700900077"
    assert body.startswith("Kirklees Advocacy has looked at your referral. Sorry")
    assert "aged 18 to 64" in body and "children and young people" in body
