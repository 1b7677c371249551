"""Wrong refusals, fixed at the rule (issue 10 point 1), through `kith chat --json`.

Each test names the seed clause its expected outcome comes from; the outcome is read
from the seed, not from the definition under test. A "not sure" answer is never a
refusal: a rule that turns on it goes to a person (`needs_review`, reason
`<rule>_unknown`).
"""

from __future__ import annotations

from tests.conftest import Kith
from tests.services import test_kirklees_advocacy as advocacy
from tests.services import test_kirklees_carers_options as carers
from tests.services import test_leicester_carers as leicester
from tests.services import test_thurrock_floating_support as thurrock
from tests.services.conversation_helpers import (
    asked,
    only_referral,
    outcome_text,
    question,
    refer_to,
)

# -- kirklees-advocacy 4.19: the prison exception is reached before the postcode rule ----


def test_4_19_supported_then_imprisoned_outside_kirklees_goes_to_a_person(kith: Kith) -> None:
    """001 4.19: someone known to community services and supported by the service who is
    then imprisoned may keep support "as agreed with the Mental Health Partnership": a
    person decides. HMP Wakefield (WF2 9AG) is outside Kirklees: the prison's postcode
    must not refuse them."""
    replies, referral = advocacy.refer(
        kith,
        in_custody="yes",
        already_supported="yes",
        postcode="WF2 9AG",
        postcode_council="no",  # "Is your local council Kirklees Council?"
    )
    assert asked(replies).index("in_custody") < asked(replies).index("postcode")
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["in_custody_already_supported"]
    assert "outside_kirklees" not in referral["reasons"]


def test_4_19_not_sure_of_earlier_support_goes_to_a_person(kith_sqlite: Kith) -> None:
    """001 4.19: whether this service supported them before is for staff to check."""
    replies, referral = advocacy.refer(
        kith_sqlite,
        in_custody="yes",
        already_supported="3",
        postcode="WF2 9AG",
        postcode_council="2",
    )
    assert "3 Not sure" in question(replies, "already_supported")
    assert referral["outcome"] == "needs_review"
    assert referral["answers"]["already_supported"] == "unknown"


# -- kirklees-advocacy 1.4 / 4.11: refused only when neither holds ------------------------


def test_1_4_no_one_is_asked_to_judge_how_serious_their_illness_is(kith_sqlite: Kith) -> None:
    """001 1.4, 4.11: a self-referral establishes a mental health problem and use of
    services; the person is not asked whether it is "serious"."""
    replies, referral = advocacy.refer(kith_sqlite)
    assert "serious" not in question(replies, "mental_health_need").lower()
    assert referral["outcome"] == "accepted"


def test_1_4_4_11_using_mental_health_services_is_accepted_after_no_to_the_first_question(
    kith_sqlite: Kith,
) -> None:
    """001 1.4 "using mental health services, and / or have identified a need as part of
    their Care Plan"; 4.11: use of services establishes the identified problem. A "no" to
    the mental health question no longer refuses before services are asked."""
    replies, referral = advocacy.refer(kith_sqlite, mental_health_need="no", uses_mh_services="yes")
    assert "uses_mh_services" in asked(replies)
    assert referral["outcome"] == "accepted"


def test_1_4_4_11_neither_a_problem_nor_use_of_services_is_not_accepted(
    kith_sqlite: Kith,
) -> None:
    """001 1.4, 4.11: with neither, the person is outside the service."""
    replies, referral = advocacy.refer(
        kith_sqlite, mental_health_need="no", uses_mh_services="no", until="uses_mh_services"
    )
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["no_mental_health_need"]
    assert "other advocacy services in Kirklees" in outcome_text(replies)  # one signpost


def test_4_11_a_problem_but_no_services_yet_goes_to_a_person(kith_sqlite: Kith) -> None:
    """001 4.11: the provider "should establish" use of services: a person does that
    with them, never a refusal by text."""
    _, referral = advocacy.refer(kith_sqlite, mental_health_need="yes", uses_mh_services="no")
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["not_using_mh_services"]


# -- kirklees-carers-options 4.8 / 4.9: "Not sure" of the assessed need -------------------


def carers_conversation(**changes: str) -> list[str]:
    return carers.conversation(**changes)


def test_4_8_4_9_not_sure_of_an_assessed_need_goes_to_a_person(kith: Kith) -> None:
    """000 4.9: the provider "should establish" that the person cared for has an
    assessed mental health need; a carer who cannot know is not refused."""
    replies = kith.chat(carers.SERVICE, carers_conversation(cared_for_assessed_mh_need="3"))
    assert "3 Not sure" in question(replies, "cared_for_assessed_mh_need")
    referral = only_referral(kith)
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["no_assessed_mh_need_unknown"]
    assert referral["answers"]["cared_for_assessed_mh_need"] == "unknown"
    assert "look at your answers" in outcome_text(replies)


def test_4_8_4_9_not_sure_in_words_goes_to_a_person(kith_sqlite: Kith) -> None:
    """000 4.9: "don't know" is the same answer as 3."""
    kith_sqlite.chat(carers.SERVICE, carers_conversation(cared_for_assessed_mh_need="don't know"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "needs_review"


def test_4_8_4_9_no_assessed_need_is_not_accepted(kith_sqlite: Kith) -> None:
    """000 4.8, 4.9: a carer who knows there is no assessed need is signposted."""
    replies = kith_sqlite.chat(carers.SERVICE, carers_conversation(cared_for_assessed_mh_need="2"))
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["no_assessed_mh_need"]
    assert "postcode" not in asked(replies)  # ended at once


# -- leicester-carers 6.6b with 4.2: only parent carers are signposted ---------------------


def test_6_6b_4_2_grandparent_caring_for_a_child_goes_to_a_person(kith: Kith) -> None:
    """003 4.2: "adult carers of people of all ages"; 6.6b excludes only *parent*
    carers of a disabled child under 18 not in transition."""
    replies, referral = leicester.refer(
        kith, cared_for_age="9", parent_of_cared_for="no", cared_for_in_transition="no"
    )
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["child_cared_for_by_non_parent"]
    assert "look at your answers" in outcome_text(replies)


def test_6_6b_parent_carer_of_a_child_not_in_transition_is_signposted(
    kith_sqlite: Kith,
) -> None:
    """003 6.6b, 6.7: parent carers of a disabled child under 18 not in transition are
    signposted to the service for parent carers."""
    replies, referral = leicester.refer(
        kith_sqlite,
        cared_for_age="9",
        parent_of_cared_for="yes",
        cared_for_in_transition="no",
        until="cared_for_in_transition",
    )
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["cared_for_child_not_in_transition"]
    assert "support for parents of disabled children" in outcome_text(replies)


def test_6_6b_parent_carer_of_a_child_in_transition_is_accepted(kith_sqlite: Kith) -> None:
    """003 6.6b: a child in transition is not excluded (1.7: young adult carers and
    those in transition are among the groups served)."""
    _, referral = leicester.refer(
        kith_sqlite, cared_for_age="17", parent_of_cared_for="yes", cared_for_in_transition="yes"
    )
    assert referral["outcome"] == "accepted"


# -- leicester-carers 6.6c: acknowledge the loss, signpost bereavement support ------------


def test_6_6c_caring_ended_a_year_ago_acknowledges_the_loss_and_signposts_bereavement(
    kith: Kith,
) -> None:
    """003 6.6c, 6.7: carers whose caring ended twelve months or more ago are signposted
    to "relevant services or community support"."""
    replies, referral = leicester.refer(
        kith, caring_status="2", months_since_caring_ended="14", until="months_since_caring_ended"
    )
    assert referral["outcome"] == "not_accepted"
    assert referral["reasons"] == ["caring_ended_12_months_or_more"]
    text = outcome_text(replies)
    assert "Sorry for your loss" in text
    assert "bereavement support" in text


# -- thurrock-floating-support 4.1.3: temporary accommodation outside Thurrock -------------


def test_4_1_3_placed_outside_thurrock_to_be_rehoused_there_is_accepted(kith: Kith) -> None:
    """004 4.1.3: living in Thurrock "with the exception of those placed in temporary
    accommodation outside the borough", expected to be rehoused in Thurrock."""
    replies, referral = refer_to(
        kith,
        thurrock.SERVICE,
        thurrock.ELIGIBLE,
        thurrock.ORDER,
        clock=thurrock.TUESDAY,
        housing_situation="4",  # B&B, hostel or temporary housing
        postcode="RM1 1AA",  # Romford: the London Borough of Havering
        temporary_accommodation_elsewhere="yes",
    )
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert "3 Not sure" in question(replies, "temporary_accommodation_elsewhere")


def test_4_1_3_not_sure_of_rehousing_in_thurrock_goes_to_a_person(kith_sqlite: Kith) -> None:
    """004 4.1.3: whether rehousing in Thurrock is expected is a housing decision the
    person may not know: a person checks."""
    _, referral = refer_to(
        kith_sqlite,
        thurrock.SERVICE,
        thurrock.ELIGIBLE,
        thurrock.ORDER,
        clock=thurrock.TUESDAY,
        postcode="RM1 1AA",
        temporary_accommodation_elsewhere="3",
    )
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["outside_thurrock_unknown"]


def test_thurrock_asks_about_urgency_before_any_question_that_can_end_it(
    kith_sqlite: Kith,
) -> None:
    """004 4.3.1: first contact establishes "the urgency and nature of support", so
    urgency is asked before age (1.8), needs (1.5, 1.6) or the postcode (4.1.3) can end
    the conversation."""
    replies, referral = refer_to(
        kith_sqlite,
        thurrock.SERVICE,
        thurrock.ELIGIBLE,
        thurrock.ORDER,
        clock=thurrock.TUESDAY,
        urgent="yes",
        age="16",
        until="age",
    )
    fields = asked(replies)
    assert fields.index("urgent") < fields.index("age")
    assert referral["outcome"] == "not_accepted"
    assert referral["urgent"] is True


# -- prompt_other wherever someone else may answer ----------------------------------------


def test_a_professional_referring_a_carer_is_asked_about_the_carer(kith_sqlite: Kith) -> None:
    """000 4.8: referrals come from other providers too; a professional is not asked
    "How old is the person you look after?" as if they were the carer."""
    replies = kith_sqlite.chat(carers.SERVICE, carers_conversation(referrer="3"))
    for field in ("cared_for_age", "cared_for_assessed_mh_need", "cared_for_postcode"):
        assert "the carer looks after" in question(replies, field), field
    assert "the carer" in question(replies, "communication_needs")
