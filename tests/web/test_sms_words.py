"""Issue 10 (3, 5) and issue 11 (4) through the signed Twilio webhook, on both databases.

Pictures, long texts, invisible characters, the crisis pause and carriers' opt-out words
as an SMS brings them: a real signed form in, the real twilio client out to a fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import CONVERSATION, UP_TO_AGE, UP_TO_NAME, Running, running_kith

TO_AGE = [body for body, _ in CONVERSATION[:UP_TO_AGE]]
HINT = "To stop all messages, reply STOP on its own."


@pytest.fixture
async def sms(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    """Kith serving with KITH_DEFAULT_SERVICE set to Kirklees carers."""
    async with running_kith(migrated_url, twilio) as running:
        yield running


async def bodies_after(kith: Running, body: str | None, **fields: object) -> list[str]:
    """Send one SMS; the bodies of the replies it brought."""
    sent = len(kith.twilio.messages)
    response = await kith.sms(body, **fields)
    assert response.status == 200
    await kith.deliver()
    return [str(m["body"]) for m in kith.twilio.messages[sent:]]


async def test_a_picture_with_no_text_before_anything_else_is_asked_for_in_words(
    sms: Running,
) -> None:
    replies = await bodies_after(sms, "", media=2)
    assert replies[0] == "We can't see pictures. Please reply in words."
    assert "OK? Reply YES or NO." in replies[-1]


async def test_after_stop_only_start_unstop_or_yes_opt_back_in_on_sms(sms: Running) -> None:
    await sms.answer([*TO_AGE, "REVOKE"])
    assert "no more messages" in str(sms.twilio.messages[-1]["body"])
    for word in ("ok", "yeah", "sure", "haan"):
        assert await bodies_after(sms, word) == []
    rows = await sms.rows("SELECT opted_out FROM participants")
    assert [r.opted_out for r in rows] == [True]
    replies = await bodies_after(sms, "YES")
    assert "again" in replies[0]
    assert replies[-1] == "How old are you?"
    rows = await sms.rows("SELECT opted_out FROM participants")
    assert [r.opted_out for r in rows] == [False]


async def test_optout_is_an_opt_out_word(sms: Running) -> None:
    await sms.answer(TO_AGE)
    replies = await bodies_after(sms, "OPTOUT")
    assert "no more messages" in replies[0]
    assert await bodies_after(sms, "unstop") != []


async def test_a_longer_message_at_the_consent_question_gets_the_stop_hint(sms: Running) -> None:
    await sms.answer(["hello"])
    replies = await bodies_after(sms, "how do I stop this later")
    assert replies[0] == HINT
    assert replies[-1] == "Sorry, please reply YES or NO."  # the consent question stays open
    rows = await sms.rows("SELECT opted_out FROM participants")
    assert [r.opted_out for r in rows] == [False]


async def test_stop_with_a_zero_width_space_stops(sms: Running) -> None:
    await sms.answer(TO_AGE)
    replies = await bodies_after(sms, "Stop\u200b")
    assert "no more messages" in replies[0]


async def test_a_right_to_left_override_does_not_turn_an_age_around(sms: Running) -> None:
    await sms.answer(TO_AGE)
    await bodies_after(sms, "\u202e40")
    state = await sms.state()
    assert state is not None and state["answers"]["age"] == 40


async def test_a_1600_character_answer_is_kept(sms: Running) -> None:
    await sms.answer([body for body, _ in CONVERSATION[:UP_TO_NAME]])
    name = ("Sam " * 400)[:1600]
    replies = await bodies_after(sms, name)
    assert replies[-1].startswith("How should we contact you?")
    state = await sms.state()
    assert state is not None and len(state["answers"]["first_name"]) == 1600 - 1  # trimmed


async def test_crisis_words_pause_the_questions_until_continue(sms: Running) -> None:
    await sms.answer(TO_AGE)
    replies = await bodies_after(sms, "I want to end it all")
    assert replies[0].startswith("Thank you for telling us.")
    assert "85258" in replies[0] and "emergencySMS" in replies[0] and "18000" in replies[0]
    assert "CONTINUE" in replies[-1]
    assert "CONTINUE" in (await bodies_after(sms, "45"))[-1]
    assert await bodies_after(sms, "continue") == ["How old are you?"]
    alerts = await sms.rows("SELECT kind, words, address FROM staff_alerts")
    assert [(a.kind, a.words) for a in alerts] == [("crisis", "I want to end it all")]


async def test_a_4301_digit_age_is_reasked(sms: Running) -> None:
    await sms.answer(TO_AGE)
    replies = await bodies_after(sms, "4" * 4301)
    assert replies == ["Sorry, please reply with a number, for example 45."]


async def test_the_service_menu_gives_the_stop_hint_and_opts_back_in_on_carrier_words(
    migrated_url: str, twilio: TwilioFake
) -> None:
    # No default service and five enabled: an SMS to an unclaimed number gets the menu.
    async with running_kith(migrated_url, twilio, KITH_DEFAULT_SERVICE=None) as kith:
        replies = await bodies_after(kith, "how do I stop these", to="+447700900999")
        assert replies[0] == HINT
        assert replies[-1].startswith("Which service is your message for?")
        assert await bodies_after(kith, "STOP", to="+447700900999") != []
        rows = await kith.rows("SELECT opted_out FROM participants")
        assert [r.opted_out for r in rows] == [True]
        # While opted out at the menu, "ok" is not an opt-in on SMS; START is.
        assert await bodies_after(kith, "ok", to="+447700900999") == []
        assert await bodies_after(kith, "START", to="+447700900999") != []
        rows = await kith.rows("SELECT opted_out FROM participants")
        assert [r.opted_out for r in rows] == [False]


@pytest.mark.parametrize("answered", [UP_TO_AGE, UP_TO_NAME, len(CONVERSATION)])
async def test_a_longer_message_with_stop_mid_questions_or_after_gets_the_hint(
    sms: Running, answered: int
) -> None:
    await sms.answer([body for body, _ in CONVERSATION[:answered]])
    replies = await bodies_after(sms, "please stop texting me")
    assert replies[0] == HINT
    rows = await sms.rows("SELECT opted_out FROM participants")
    assert [r.opted_out for r in rows] == [False]
