"""A volunteer's day of calls by signed SMS webhook, on SQLite and PostgreSQL (issue 14.3).

From the issue and Derby's specification (seed 002, 3.7.1.2: scheduled outgoing calls
only; volunteers "need immediate access to professional support to escalate during a
call"): after each call an outcome request names the call ("Call with Sam at midday: 1
done, 2 no answer, 3 concern"); with two open, a bare number is asked about, never
guessed; CONCERN, at any time, alerts on-call staff at once and is recorded against
the callee; no answer offers to try again; UNAVAILABLE stops that day's prompts and
raises `volunteer_unavailable`; a volunteer's crisis words are a concern about their
callee, not crisis routes for them. The clock is the test clock, moved by the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import make_clock
from bot.core.ports import Store
from bot.staff import calls as staff
from bot.storage.tables import outbox
from conversations.definition import SHIPPED_SERVICES_DIR
from scheduler.jobs import JobContext, tick
from tests.fakes.telegram_fake import TelegramFake, update_text
from tests.fakes.twilio_fake import TwilioFake
from tests.web.conftest import TELEGRAM_SECRET, telegram_settings
from tests.web.test_sms_webhook import Running, running_kith

LONDON = ZoneInfo("Europe/London")
SERVICE = "derby-peer-support"
ONCALL = "+447700900999"
JO = "+447700900501"  # the volunteer
SAM, ADE, LIN = "+447700900601", "+447700900602", "+447700900603"


def at(day: int, clock: str) -> datetime:
    """A London moment in March 2026 (GMT: London's time is UTC's)."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
async def kith(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    async with running_kith(migrated_url, twilio, KITH_ONCALL=ONCALL) as running:
        yield running


def set_clock(kith: Running, moment: datetime) -> None:
    """Move Kith's clock (the webhook's and the dispatcher's) to `moment`."""
    clock = make_clock(moment)
    kith.runtime.clock = clock
    kith.runtime.dispatcher.clock = clock


async def jobs(kith: Running, moment: datetime) -> dict[str, int]:
    """Run the scheduler's jobs at `moment`, then deliver what they queued."""
    set_clock(kith, moment)
    runtime = kith.runtime
    done = await tick(JobContext(runtime.database, runtime.registry, (ONCALL,)), moment)
    await kith.deliver()
    return done


async def a_day_of_calls(
    kith: Running, calls: list[tuple[str, str, str]], first_day: int = 10, service: str = SERVICE
) -> None:
    """Jo, and one weekly slot per (name, number, time) from `first_day` March."""
    runtime = kith.runtime
    definition = runtime.registry.services[service]
    now = runtime.clock()

    def add(store: Store) -> None:
        volunteer = staff.add_volunteer(
            store, definition, "Jo", JO, None, "en", "08:30", "Asha", now
        )
        for name, number, clock in calls:
            callee = staff.add_callee(store, definition, name, number, True, True, "Asha", now)
            staff.add_slot(
                store, callee, volunteer, "weekly", at(first_day, clock), None, "Asha", now
            )

    await runtime.database.write(add)


async def volunteer_says(kith: Running, body: str, moment: datetime) -> str:
    """Jo's message at `moment`, by signed webhook; Kith's reply to Jo."""
    set_clock(kith, moment)
    sent = len(kith.twilio.messages)
    response = await kith.sms(body, sender=JO)
    assert response.status == 200
    await kith.deliver()
    replies = [m["body"] for m in kith.twilio.messages[sent:] if m["to"] == JO]
    assert len(replies) == 1, replies
    return str(replies[0])


def to(twilio: TwilioFake, number: str) -> list[str]:
    return [str(m["body"]) for m in twilio.messages if m["to"] == number]


async def outcomes(kith: Running) -> list[tuple[str, str | None]]:
    rows = await kith.rows(
        "SELECT callees.first_name, calls.outcome FROM calls"
        " JOIN callees ON callees.id = calls.callee_id ORDER BY calls.starts_at"
    )
    return [(r[0], r[1]) for r in rows]


async def alerts(kith: Running) -> list[Any]:
    return await kith.rows("SELECT kind, address, words, service_id FROM staff_alerts ORDER BY id")


async def test_a_day_of_three_calls_with_a_concern_on_the_second(
    kith: Running, twilio: TwilioFake
) -> None:
    await a_day_of_calls(
        kith, [("Sam", SAM, "12:00"), ("Ade", ADE, "13:00"), ("Lin", LIN, "14:00")]
    )
    assert (await jobs(kith, at(10, "11:55")))["call_prompts"] == 1
    assert to(twilio, JO)[-1] == "At midday: call Sam on +447700900601. Dial 141 first."
    assert (await jobs(kith, at(10, "12:19")))["call_outcomes"] == 0
    assert (await jobs(kith, at(10, "12:20")))["call_outcomes"] == 1
    assert to(twilio, JO)[-1] == "Call with Sam at midday: reply 1 done, 2 no answer, 3 concern."
    said = await volunteer_says(kith, "1", at(10, "12:24"))
    assert said == "Thank you. Your call with Sam is recorded as done."

    # During the second call, a concern in the volunteer's own words.
    await jobs(kith, at(10, "12:55"))
    concern_at = at(10, "13:06")
    said = await volunteer_says(
        kith, "Concern: Ade has stopped eating and sounds very low", concern_at
    )
    assert said == (
        "Thank you for telling us. Staff have been alerted about your call with Ade and will "
        "contact you. If anyone is in immediate danger, call 999."
    )
    ((kind, address, words, service),) = await alerts(kith)
    assert (kind, address, service) == ("concern", "sms:" + ADE, SERVICE)  # against the callee
    assert words == "Concern: Ade has stopped eating and sounds very low"
    (oncall,) = to(twilio, ONCALL)
    assert "a volunteer's concern about Ade +447700900602" in oncall
    assert "Volunteer Jo +447700900501" in oncall
    assert "stopped eating" not in oncall  # staff read the words in `kith alerts list`
    rows = await kith.rows(select(outbox.c.sent_at).where(outbox.c.kind == "staff_alert"))
    assert rows[0].sent_at - concern_at < timedelta(minutes=1)  # "at once"

    # Ade's outcome is the concern: no request about it; the third call goes ahead.
    assert (await jobs(kith, at(10, "13:20")))["call_outcomes"] == 0
    assert (await jobs(kith, at(10, "13:55")))["call_prompts"] == 1
    assert to(twilio, JO)[-1] == "At 2pm: call Lin on +447700900603. Dial 141 first."
    assert (await jobs(kith, at(10, "14:20")))["call_outcomes"] == 1
    assert to(twilio, JO)[-1] == "Call with Lin at 2pm: reply 1 done, 2 no answer, 3 concern."
    assert await outcomes(kith) == [("Sam", "done"), ("Ade", "concern"), ("Lin", None)]
    # What staff see in `kith calls list --day 2026-03-10`.
    listed = await kith.runtime.database.read(
        lambda store: staff.day_calls(store, date(2026, 3, 10), None, None)
    )
    assert [(r["starts_at"], r["first_name"], r["outcome"]) for r in listed] == [
        ("2026-03-10T12:00:00+00:00", "Sam", "done"),
        ("2026-03-10T13:00:00+00:00", "Ade", "concern"),
        ("2026-03-10T14:00:00+00:00", "Lin", None),
    ]
    # No text to a callee, ever: Kith never gives them the volunteer's number.
    assert to(twilio, SAM) == to(twilio, ADE) == to(twilio, LIN) == []


async def test_back_to_back_requests_and_a_bare_number_is_asked_about(
    kith: Running, twilio: TwilioFake
) -> None:
    await a_day_of_calls(kith, [("Sam", SAM, "12:00"), ("Ade", ADE, "12:15")])
    for clock in ("11:55", "12:10", "12:20", "12:35"):
        await jobs(kith, at(10, clock))
    assert to(twilio, JO)[-2:] == [
        "Call with Sam at midday: reply 1 done, 2 no answer, 3 concern.",
        "Call with Ade at 12:15pm: reply 1 done, 2 no answer, 3 concern.",
    ]
    said = await volunteer_says(kith, "2", at(10, "12:40"))
    assert said == (
        "Which call is that for? Reply with its number:\n1 Sam at midday\n2 Ade at 12:15pm"
    )
    assert await outcomes(kith) == [("Sam", None), ("Ade", None)]  # never guessed
    said = await volunteer_says(kith, "maybe", at(10, "12:41"))
    assert said.startswith("Which call is that for?")  # asked again, still not guessed
    said = await volunteer_says(kith, "2", at(10, "12:41"))
    assert said == (
        "No answer from Ade is recorded. Reply AGAIN to be reminded to try once more in 30 minutes."
    )
    # One request left open: now a bare number answers it.
    said = await volunteer_says(kith, "1", at(10, "12:42"))
    assert said == "Thank you. Your call with Sam is recorded as done."
    assert await outcomes(kith) == [("Sam", "done"), ("Ade", "no_answer")]
    # No answer offers to try again: AGAIN plans a call 30 minutes on, with its prompt.
    said = await volunteer_says(kith, "again", at(10, "12:43"))
    assert said == "We will remind you to call Ade again at 1:14pm."
    assert (await jobs(kith, at(10, "13:08")))["call_prompts"] == 0
    assert (await jobs(kith, at(10, "13:09")))["call_prompts"] == 1
    assert to(twilio, JO)[-1] == "At 1:14pm: call Ade on +447700900602. Dial 141 first."
    said = await volunteer_says(kith, "again", at(10, "13:10"))
    assert "CONCERN" in said  # nothing left to retry: what the volunteer can send
    assert await alerts(kith) == []


async def test_a_reply_with_nothing_open_says_what_a_volunteer_can_send(kith: Running) -> None:
    await a_day_of_calls(kith, [("Sam", SAM, "12:00")])
    said = await volunteer_says(kith, "1", at(10, "11:30"))
    assert said == (
        "This number sends your call lists. Reply CONCERN at any time to tell staff about a "
        "worry, or UNAVAILABLE if you cannot make today's calls."
    )
    await jobs(kith, at(10, "11:55"))
    await jobs(kith, at(10, "12:20"))
    said = await volunteer_says(kith, "it went ok I think", at(10, "12:22"))
    assert said == (
        "Sorry, I did not understand. Call with Sam at midday: reply 1 done, 2 no answer, "
        "3 concern. You can send CONCERN at any time."
    )
    assert await kith.count("referrals") == 0  # a volunteer is never put into a referral


async def test_unavailable_stops_that_days_prompts_and_tells_staff(
    kith: Running, twilio: TwilioFake
) -> None:
    calls = [("Sam", SAM, "12:00"), ("Ade", ADE, "13:00"), ("Lin", LIN, "14:00")]
    await a_day_of_calls(kith, calls, first_day=17)
    assert (await jobs(kith, at(17, "08:30")))["call_lists"] == 1
    said = await volunteer_says(kith, "Unavailable", at(17, "11:00"))
    assert said == (
        "Thank you. You will get no more call prompts today. Staff will arrange your 3 calls left."
    )
    ((kind, address, _, service),) = await alerts(kith)
    assert (kind, address, service) == ("volunteer_unavailable", "sms:" + JO, SERVICE)
    (oncall,) = to(twilio, ONCALL)
    assert "a volunteer unavailable today" in oncall and "3 call(s) left today" in oncall
    sent = len(to(twilio, JO))
    for clock in ("11:55", "12:20", "12:55", "13:20", "13:55", "14:20"):
        done = await jobs(kith, at(17, clock))
        assert done["call_prompts"] == done["call_outcomes"] == 0, clock
    assert len(to(twilio, JO)) == sent
    # The next week is another day: prompts as usual.
    assert (await jobs(kith, at(24, "11:55")))["call_prompts"] == 1
    assert to(twilio, JO)[-1] == "At midday: call Sam on +447700900601. Dial 141 first."


async def test_a_volunteers_crisis_words_are_a_concern_about_their_callee(
    kith: Running, twilio: TwilioFake
) -> None:
    await a_day_of_calls(kith, [("Sam", SAM, "12:00")])
    await jobs(kith, at(10, "11:55"))
    said = await volunteer_says(kith, "Sam keeps saying he wants to end it all", at(10, "12:05"))
    assert said == (
        "Thank you for telling us. Staff have been alerted about your call with Sam and will "
        "contact you. If anyone is in immediate danger, call 999. If this is about you, tell "
        "them when they call."
    )
    assert "116 123" not in said and "Samaritans" not in said  # routes for a person at risk
    ((kind, address, words, _),) = await alerts(kith)
    assert (kind, address) == ("concern", "sms:" + SAM)
    assert words == "Sam keeps saying he wants to end it all"
    (oncall,) = to(twilio, ONCALL)
    assert "a volunteer's concern about Sam +447700900601" in oncall
    assert await outcomes(kith) == [("Sam", "concern")]
    assert (await jobs(kith, at(10, "12:20")))["call_outcomes"] == 0


async def test_a_providers_own_wording_for_withholding_the_number(
    migrated_url: str, twilio: TwilioFake, tmp_path: Path
) -> None:
    # Issue 14.3: "the provider's reminder to withhold their own number when dialling".
    text = (SHIPPED_SERVICES_DIR / "derby-peer-support.yaml").read_text(encoding="utf-8")
    text = text.replace("id: derby-peer-support", "id: somewhere-peer", 1)
    wording = (
        "\ntranslations:\n  en:\n"
        '    "Dial 141 before each number so yours stays hidden.": '
        '"Use the office phone settings to hide your number."\n'
    )
    (tmp_path / "somewhere-peer.yaml").write_text(text + wording, encoding="utf-8")
    async with running_kith(
        migrated_url, twilio, KITH_ONCALL=ONCALL, KITH_SERVICES_DIR=str(tmp_path)
    ) as kith:
        await a_day_of_calls(kith, [("Sam", SAM, "12:00")], service="somewhere-peer")
        assert (await jobs(kith, at(17, "08:30")))["call_lists"] == 1
    (day_list,) = to(twilio, JO)
    assert day_list == (
        "Your calls for Tuesday 17 March:\n"
        "midday Sam +447700900601\n"
        "Use the office phone settings to hide your number."
    )


async def test_a_volunteer_on_telegram_in_urdu_answers_with_an_urdu_digit(
    migrated_url: str, twilio: TwilioFake, telegram: TelegramFake
) -> None:
    async with running_kith(
        migrated_url, twilio, KITH_ONCALL=ONCALL, **telegram_settings(telegram)
    ) as kith:
        runtime = kith.runtime
        definition = runtime.registry.services[SERVICE]
        now = runtime.clock()

        def add(store: Store) -> None:
            kim = staff.add_volunteer(
                store, definition, "Kim", None, "424242", "ur", "08:30", "Asha", now
            )
            sam = staff.add_callee(store, definition, "Sam", SAM, True, True, "Asha", now)
            staff.add_slot(store, sam, kim, "weekly", at(10, "12:00"), None, "Asha", now)

        await runtime.database.write(add)
        await jobs(kith, at(10, "11:55"))
        await jobs(kith, at(10, "12:20"))
        prompt, request = telegram.texts_to(424242)
        assert "Sam" in prompt and "+447700900601" in prompt and "141" in prompt
        assert "Sam" in request and "Call with" not in request  # in Urdu
        assert any("\u0600" <= ch <= "\u06ff" for ch in request)
        set_clock(kith, at(10, "12:25"))
        update = update_text(9001, 424242, "۱", language_code="ur")  # Urdu digit one
        response = await kith.client.post(
            "/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )
        assert response.status == 200
        await kith.deliver()
        assert await outcomes(kith) == [("Sam", "done")]
        assert len(telegram.texts_to(424242)) == 3
        assert "Sam" in telegram.texts_to(424242)[-1]


async def test_a_callee_who_texts_kith_never_blocks_forgetting_anyone(kith: Running) -> None:
    # A callee is a person staff hold (consent recorded, risk-assessed). When they text
    # Kith and leave the conversation before consent, the expiry job forgets what they
    # wrote, keeps them as a callee, and still forgets everyone else's expired talk.
    await a_day_of_calls(kith, [("Sam", SAM, "12:00")])
    other = "+447700900777"
    for sender in (SAM, other):
        set_clock(kith, at(10, "11:05"))
        assert (await kith.sms("hello", sender=sender)).status == 200
    assert await kith.count("participants") == 2
    done = await jobs(kith, at(30, "12:00"))  # weeks later: both conversations expired
    assert done["expire_idle"] == 2
    assert await kith.count("participants") == 0
    rows = await kith.rows("SELECT first_name, person_id FROM callees")
    assert [r[0] for r in rows] == ["Sam"]
    persons = await kith.rows("SELECT id FROM persons WHERE id = :p", p=rows[0][1])
    assert len(persons) == 1  # still the callee staff added


async def test_a_new_request_puts_an_unanswered_which_call_question_aside(
    kith: Running, twilio: TwilioFake
) -> None:
    await a_day_of_calls(
        kith, [("Sam", SAM, "12:00"), ("Ade", ADE, "12:15"), ("Lin", LIN, "12:30")]
    )
    for clock in ("11:55", "12:10", "12:20", "12:25", "12:35"):
        await jobs(kith, at(10, clock))
    said = await volunteer_says(kith, "1", at(10, "12:40"))
    assert said.startswith("Which call is that for?")  # not answered: the volunteer is busy
    await jobs(kith, at(10, "12:50"))  # Lin's call: its outcome is asked
    assert to(twilio, JO)[-1] == "Call with Lin at 12:30pm: reply 1 done, 2 no answer, 3 concern."
    # A number now may be about Lin's call: asked which, never taken as the old answer.
    said = await volunteer_says(kith, "2", at(10, "12:51"))
    assert said == (
        "Which call is that for? Reply with its number:\n"
        "1 Sam at midday\n2 Ade at 12:15pm\n3 Lin at 12:30pm"
    )
    assert await outcomes(kith) == [("Sam", None), ("Ade", None), ("Lin", None)]
