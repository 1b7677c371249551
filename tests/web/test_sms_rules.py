"""Wrong refusals and postcode areas (issue 10 points 1 and 2) by signed SMS.

The same fixed rules as tests/services/test_wrong_refusals.py, through Twilio's
webhook, each naming its seed clause; and the postcode service: when
KITH_POSTCODE_API_URL is set, a boundary postcode is resolved by a postcodes.io fake
(its real response format, tests/fakes/postcodes_fake.py) instead of the council
question, and an error or a slow answer falls back to the question.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.tables import referrals
from tests.fakes.postcodes_fake import Place, PostcodesFake
from tests.fakes.twilio_fake import TwilioFake
from tests.services import test_derby_peer_support as derby
from tests.services import test_kirklees_advocacy as advocacy
from tests.services import test_kirklees_carers_options as carers
from tests.services import test_leicester_carers as leicester
from tests.services import test_thurrock_floating_support as thurrock
from tests.services.conversation_helpers import conversation_lines
from tests.web.test_sms_webhook import Running, running_kith

DERBY = Place("Derby", "E06000015")
AMBER_VALLEY = Place("Amber Valley", "E07000032", "Derbyshire", "E10000007")


async def referral(kith: Running) -> dict[str, Any]:
    rows = await kith.rows(
        select(referrals.c.outcome, referrals.c.reasons, referrals.c.answers, referrals.c.urgent)
    )
    assert len(rows) == 1, rows
    outcome, reasons, answers, urgent = rows[0]
    return {"outcome": outcome, "reasons": reasons, "answers": answers, "urgent": urgent}


async def sms_conversation(
    url: str, twilio: TwilioFake, module: Any, postcodes: str | None = None, **changes: str
) -> tuple[list[str], dict[str, Any]]:
    """A whole conversation by SMS: the bodies sent to the person and the referral."""
    lines = conversation_lines(module.ELIGIBLE, module.ORDER, **changes)
    async with running_kith(
        url, twilio, KITH_DEFAULT_SERVICE=module.SERVICE, KITH_POSTCODE_API_URL=postcodes
    ) as kith:
        await kith.answer(lines)
        return [str(m["body"]) for m in twilio.messages], await referral(kith)


# -- point 1: each fixed rule ------------------------------------------------------------


async def test_sms_4_19_supported_then_imprisoned_outside_kirklees_goes_to_a_person(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """001 4.19: the prison exception is reached before the out-of-area rule."""
    _, made = await sms_conversation(
        migrated_url,
        twilio,
        advocacy,
        in_custody="yes",
        already_supported="yes",
        postcode="WF2 9AG",  # HMP Wakefield
        postcode_council="2",
    )
    assert made["outcome"] == "needs_review"
    assert made["reasons"] == ["in_custody_already_supported"]


async def test_sms_1_4_4_11_no_to_the_first_question_but_using_services_is_accepted(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """001 1.4, 4.11: refused only when neither a problem nor use of services holds."""
    _, made = await sms_conversation(
        migrated_url, twilio, advocacy, mental_health_need="no", uses_mh_services="yes"
    )
    assert made["outcome"] == "accepted"


async def test_sms_4_8_4_9_not_sure_of_an_assessed_need_goes_to_a_person(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """000 4.8, 4.9: a carer who cannot know the assessment is not refused."""
    bodies, made = await sms_conversation(
        migrated_url, twilio, carers, cared_for_assessed_mh_need="3"
    )
    assert any("3 Not sure" in body for body in bodies)
    assert made["outcome"] == "needs_review"
    assert made["reasons"] == ["no_assessed_mh_need_unknown"]


async def test_sms_6_6b_4_2_grandparent_caring_for_a_child_goes_to_a_person(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """003 4.2, 6.6b: only parent carers of a disabled child not in transition are
    signposted."""
    _, made = await sms_conversation(
        migrated_url,
        twilio,
        leicester,
        cared_for_age="9",
        parent_of_cared_for="no",
        cared_for_in_transition="no",
    )
    assert made["outcome"] == "needs_review"
    assert made["reasons"] == ["child_cared_for_by_non_parent"]


async def test_sms_6_6c_caring_ended_long_ago_acknowledges_the_loss(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """003 6.6c, 6.7: signposted, with the loss acknowledged and bereavement support."""
    lines = conversation_lines(leicester.ELIGIBLE, leicester.ORDER, caring_status="2")
    # 14 months: a refusal resting on one typed number is confirmed first (issue 10, 5).
    lines = [*lines[: lines.index("2") + 1], "14", "yes"]
    async with running_kith(migrated_url, twilio, KITH_DEFAULT_SERVICE=leicester.SERVICE) as kith:
        await kith.answer(lines)
        made = await referral(kith)
    assert made["outcome"] == "not_accepted"
    assert made["reasons"] == ["caring_ended_12_months_or_more"]
    last = str(twilio.messages[-1]["body"])
    assert "Sorry for your loss" in last and "bereavement support" in last


async def test_sms_4_1_3_placed_outside_thurrock_to_be_rehoused_there_is_accepted(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """004 4.1.3: temporary accommodation outside the borough, rehousing expected in
    Thurrock: accepted when all else holds."""
    _, made = await sms_conversation(
        migrated_url,
        twilio,
        thurrock,
        housing_situation="4",
        postcode="RM1 1AA",  # Romford
        temporary_accommodation_elsewhere="yes",
    )
    assert made["outcome"] == "accepted"
    assert made["reasons"] == []


# -- point 2: the council question, and the postcode service ------------------------------


async def test_sms_boundary_postcode_resolved_by_the_council_question(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """002 3.4: a Derby city resident in a boundary district answers one question."""
    bodies, made = await sms_conversation(
        migrated_url, twilio, derby, postcode="DE22 3AB", postcode_council="1"
    )
    assert any("Is your local council Derby City Council?" in body for body in bodies)
    assert made["outcome"] == "accepted"
    assert made["answers"]["postcode_council"] is True


async def test_sms_boundary_postcode_resolved_by_the_postcode_service(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """002 3.4: with KITH_POSTCODE_API_URL set, the local authority comes from the
    postcode service and the council question is not asked."""
    async with PostcodesFake({"DE22 3AB": DERBY}) as postcodes:
        bodies, made = await sms_conversation(
            migrated_url, twilio, derby, postcodes=postcodes.url, postcode="de22 3ab"
        )
        assert postcodes.requests == ["/postcodes/DE22 3AB"]
    assert not any("Is your local council" in body for body in bodies)
    assert made["outcome"] == "accepted"
    assert made["answers"]["postcode_council"] is True
    assert made["answers"]["postcode_local_authority"] == "Derby City Council"


async def test_sms_postcode_service_outside_derby_names_the_county(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """002 3.5: living in the Derbyshire County Council area is excluded; Quarndon
    (DE22 5) is Amber Valley, a Derbyshire district: the refusal names the county."""
    lines = conversation_lines(derby.ELIGIBLE, derby.ORDER, postcode="DE22 5AB")
    lines = lines[: lines.index("DE22 5AB") + 1]
    async with (
        PostcodesFake({"DE22 5AB": AMBER_VALLEY}) as postcodes,
        running_kith(
            migrated_url,
            twilio,
            KITH_DEFAULT_SERVICE=derby.SERVICE,
            KITH_POSTCODE_API_URL=postcodes.url,
        ) as kith,
    ):
        await kith.answer(lines)
        made = await referral(kith)
    assert made["outcome"] == "not_accepted"
    assert made["reasons"] == ["outside_derby_city"]
    assert "Derbyshire County Council, the council for DE22 5AB" in str(twilio.messages[-1]["body"])


async def test_sms_postcode_service_error_or_timeout_falls_back_to_the_question(
    migrated_url: str, twilio: TwilioFake
) -> None:
    """An unreachable, failing or slow postcode service never stops a referral."""
    async with PostcodesFake({"DE22 3AB": DERBY}, fail_with=500) as failing:
        bodies, made = await sms_conversation(
            migrated_url,
            twilio,
            derby,
            postcodes=failing.url,
            postcode="DE22 3AB",
            postcode_council="1",
        )
        assert failing.requests
    assert any("Is your local council Derby City Council?" in body for body in bodies)
    assert made["outcome"] == "accepted"
    assert "postcode_local_authority" not in made["answers"]


async def test_sms_slow_postcode_service_falls_back_to_the_question(
    migrated_url: str, twilio: TwilioFake
) -> None:
    async with PostcodesFake({"DE22 3AB": DERBY}, delay=5) as slow:
        lines = conversation_lines(derby.ELIGIBLE, derby.ORDER, postcode="DE22 3AB")
        lines = lines[: lines.index("DE22 3AB") + 1]
        async with running_kith(
            migrated_url,
            twilio,
            KITH_DEFAULT_SERVICE=derby.SERVICE,
            KITH_POSTCODE_API_URL=slow.url,
        ) as kith:
            await kith.answer(lines)
    assert "Is your local council Derby City Council?" in str(twilio.messages[-1]["body"])
