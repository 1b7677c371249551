"""Replies to reminders by signed SMS webhook, on SQLite and PostgreSQL (issue 13, point 2, 4).

A reminder asks 1 (can come), 2 (cannot come) or 3 (another time). The answers the
issue fixes: 1 or YES confirms; 2 or NO cancels and raises a `cancellation` alert;
3 raises `change_requested`; in English and Urdu. CANCEL (an opt-out word Twilio obeys)
records the opt-out, keeps the appointment and raises `cancellation`. A reply that
could answer a reminder and an open referral question gets "which is it for?", and
the referral conversation carries on afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.ports import Store
from bot.core.records import Participant
from bot.staff import appointments as staff
from scheduler.jobs import JobContext, tick
from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import (
    ADDRESS,
    PERSON,
    Running,
    inbound_form,
    last_body,
    running_kith,
)

LONDON = ZoneInfo("Europe/London")
SERVICE = "thurrock-floating-support"
# KITH_CLOCK of these tests is Tuesday 10 March 2026 11:00; the session is tomorrow.
SESSION = datetime(2026, 3, 11, 14, 0, tzinfo=LONDON)


@pytest.fixture
async def kith(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    async with running_kith(migrated_url, twilio, KITH_ONCALL="+447700900999") as running:
        yield running


async def remind(kith: Running, language: str = "en", at: datetime = SESSION) -> int:
    """Book a session for the person, run the jobs, deliver the reminder; its id."""
    runtime = kith.runtime
    now = runtime.clock()
    service = runtime.registry.services[SERVICE]

    def book(store: Store) -> int:
        person, _ = staff.person_for(store, now, PERSON)
        if language != "en" and store.load_participant(ADDRESS) is None:
            saved = Participant(ADDRESS, "sms", language, False, None, None, None, person)
            store.save_participant(False, saved, now, None)
        return staff.add(
            store, service, person, None, at, "Grays Hub", "Sam", "Asha", now
        ).appointment_id

    appointment_id = await runtime.database.write(book)
    done = await tick(JobContext(runtime.database, runtime.registry, ()), runtime.clock())
    assert done["reminders"] == 1
    await kith.deliver()
    return appointment_id


async def appointment(kith: Running, appointment_id: int) -> Any:
    rows = await kith.rows(
        "SELECT status, confirmed_at FROM appointments WHERE id = :id", id=appointment_id
    )
    return rows[0]


async def alert_kinds(kith: Running) -> list[str]:
    return [r[0] for r in await kith.rows("SELECT kind FROM staff_alerts ORDER BY id")]


async def test_the_reminder_is_discreet_and_never_invites_an_opt_out_word(
    kith: Running, twilio: TwilioFake
) -> None:
    await remind(kith)
    text = last_body(twilio)
    assert twilio.messages[-1]["to"] == PERSON
    assert "Wednesday 11 March" in text and "2pm" in text and "Grays Hub" in text
    assert "Sam" in text
    words = set(text.upper().replace(",", " ").replace(".", " ").split())
    opt_out = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    assert not words & opt_out
    for hidden in ("Thurrock", "mental", "support", "Floating"):
        assert hidden.lower() not in text.lower()


@pytest.mark.parametrize(
    ("language", "reply", "said"),
    [
        ("en", "1", "See you on Wednesday 11 March at 2pm"),
        ("en", "yes", "See you on Wednesday 11 March at 2pm"),
        ("ur", "ہاں", "شکریہ"),
        ("ur", "۱", "شکریہ"),
    ],
)
async def test_one_or_yes_confirms(
    kith: Running, twilio: TwilioFake, language: str, reply: str, said: str
) -> None:
    appointment_id = await remind(kith, language)
    if language == "ur":
        assert "یاد دہانی" in last_body(twilio)
    assert (await kith.sms(reply)).status == 200
    await kith.deliver()
    assert said in last_body(twilio)
    row = await appointment(kith, appointment_id)
    assert row.status == "booked" and row.confirmed_at is not None
    assert await alert_kinds(kith) == []


@pytest.mark.parametrize(
    ("language", "reply"), [("en", "2"), ("en", "NO"), ("ur", "نہیں"), ("ur", "۲")]
)
async def test_two_or_no_cancels_and_alerts_staff(
    kith: Running, twilio: TwilioFake, language: str, reply: str
) -> None:
    appointment_id = await remind(kith, language)
    await kith.sms(reply)
    await kith.deliver()
    assert (await appointment(kith, appointment_id)).status == "cancelled_by_person"
    assert await alert_kinds(kith) == ["cancellation"]
    to_person = twilio.bodies_to(PERSON)[-1]
    assert ("cannot come" in to_person) if language == "en" else ("نہیں آ سکتے" in to_person)
    staff_text = twilio.bodies_to("+447700900999")[-1]
    assert "cannot come" in staff_text and PERSON in staff_text
    # No reminder is left to send for it.
    left = await kith.rows("SELECT next_reminder_at FROM appointments")
    assert left[0][0] is None


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_three_asks_for_another_time(
    kith: Running, twilio: TwilioFake, language: str
) -> None:
    appointment_id = await remind(kith, language)
    await kith.sms("3")
    await kith.deliver()
    assert (await appointment(kith, appointment_id)).status == "booked"
    assert await alert_kinds(kith) == ["change_requested"]
    expected = "another time" if language == "en" else "کوئی اور وقت"
    assert expected in twilio.bodies_to(PERSON)[-1]


async def test_cancel_is_an_opt_out_that_keeps_the_appointment_and_alerts_staff(
    kith: Running, twilio: TwilioFake
) -> None:
    appointment_id = await remind(kith)
    await kith.sms("CANCEL")
    await kith.deliver()
    opted = await kith.rows("SELECT opted_out FROM participants WHERE address = :a", a=ADDRESS)
    assert opted and opted[0][0]
    assert (await appointment(kith, appointment_id)).status == "booked"
    assert await alert_kinds(kith) == ["cancellation"]


async def test_twilios_opt_out_type_is_recorded_even_for_a_word_kith_does_not_know(
    kith: Running, twilio: TwilioFake
) -> None:
    appointment_id = await remind(kith)
    sent = len(twilio.messages)
    form = inbound_form("ARRET")
    form["OptOutType"] = "STOP"
    response = await kith.post_form("/sms/twilio", form)
    assert response.status == 200
    await kith.deliver()
    opted = await kith.rows("SELECT opted_out FROM participants WHERE address = :a", a=ADDRESS)
    assert opted and opted[0][0]
    assert (await appointment(kith, appointment_id)).status == "booked"
    # Twilio has blocked the number: Kith says nothing to it, and staff hear.
    assert twilio.bodies_to(PERSON) == twilio.bodies_to(PERSON)[:sent]
    assert await alert_kinds(kith) == ["cancellation"]


async def test_a_reminder_reply_while_a_referral_conversation_is_open(
    kith: Running, twilio: TwilioFake
) -> None:
    await kith.answer(["hello"])
    assert "OK? Reply YES or NO." in last_body(twilio)
    appointment_id = await remind(kith)
    # "yes" could answer the consent question or the reminder: Kith asks which.
    await kith.answer(["yes"])
    which = last_body(twilio)
    assert "Which is your reply for?" in which
    assert "1: the appointment on Wednesday 11 March at 2pm" in which
    assert "2: the questions we were asking you" in which
    await kith.answer(["1"])
    replies = twilio.bodies_to(PERSON)
    assert "See you on Wednesday 11 March at 2pm" in replies[-2]
    assert "OK? Reply YES or NO." in replies[-1]  # the conversation resumes
    assert (await appointment(kith, appointment_id)).confirmed_at is not None
    await kith.answer(["yes"])  # no reminder open now: the conversation's
    assert "Who is this referral for?" in last_body(twilio)


async def test_choosing_the_questions_gives_them_the_reply(
    kith: Running, twilio: TwilioFake
) -> None:
    await kith.answer(["hello"])
    appointment_id = await remind(kith)
    await kith.answer(["yes"])
    await kith.answer(["2"])
    assert "Who is this referral for?" in last_body(twilio)
    row = await appointment(kith, appointment_id)
    assert row.status == "booked" and row.confirmed_at is None


async def test_always_on_words_still_work_with_a_reminder_open(
    kith: Running, twilio: TwilioFake
) -> None:
    await remind(kith)
    before = len(twilio.bodies_to(PERSON))
    await kith.answer(["I want to end my life"])
    said = " ".join(twilio.bodies_to(PERSON)[before:])
    assert "116 123" in said  # the national crisis routes
    assert "crisis" in await alert_kinds(kith)


async def test_an_answer_that_is_none_of_the_three_is_asked_again(
    kith: Running, twilio: TwilioFake
) -> None:
    appointment_id = await remind(kith)
    await kith.answer(["maybe next week?"])
    assert "Reply 1 if you can come" in last_body(twilio)
    assert (await appointment(kith, appointment_id)).status == "booked"
