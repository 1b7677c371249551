"""Outcome surveys by signed SMS webhook, on SQLite and PostgreSQL (issue 14, point 4).

Derby (seed 002, 3.15) evidences that 75% of people agree with 19 "As a result of this
service..." statements; Kith asks them at the start of support (staff move the referral
to `accepted`) and at its end (`accepted` -> `closed`), agree / neither / disagree, one
at a time, after the person says YES to a discreet invitation. Answers are stored per
statement with the date and the survey point. The statements below are copied from the
seed, not read from the definition.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import make_clock
from bot.core.ports import Store
from bot.core.records import ReferralDraft
from bot.staff import appointments as staff
from bot.staff.decisions import change_status
from bot.storage.tables import outbox, survey_answers
from bot.storage.tables import surveys as surveys_table
from scheduler.jobs import JobContext, tick
from tests.conftest import KITH
from tests.fakes.telegram_fake import TelegramFake, update_button, update_text
from tests.fakes.twilio_fake import TwilioFake
from tests.web.conftest import TELEGRAM_SECRET, telegram_settings
from tests.web.test_sms_webhook import ADDRESS, PERSON, Running, last_body, running_kith

LONDON = ZoneInfo("Europe/London")
SERVICE = "derby-peer-support"
# KITH_CLOCK of these tests (test_sms_webhook.CLOCK): Tuesday 10 March 2026, 11:00 London.
START = datetime(2026, 3, 10, 11, 0, tzinfo=LONDON)
END = datetime(2026, 6, 9, 11, 0, tzinfo=LONDON)  # support closed three months later

# Seed 002, 3.15: "As a result of accessing support from this service* ...."
LEAD_IN = "As a result of accessing support from this service"
SEED_STATEMENTS = [
    "I feel more able to manage and maintain my mental health condition",
    "I feel more knowledgeable about my condition and have improved coping skills",
    "I feel that the service responds to my needs quickly enough when I need or ask for help",
    "I feel that the support available is provided at times and days that suit me",
    "I feel that the support is delivered in a way that makes me feel safe and comfortable, "
    "such as a good choice of venues",
    "I feel more able to sort out any problems relating to accessing other services or support "
    "(such as housing support/ benefits etc)",
    "I feel I am able to access peer support/ support available from other people with mental "
    "health needs",
    "I feel that I have more structure and positive things to do",
    "I feel that I have been given opportunities to volunteer and/or support other people",
    "I feel that I have been supported to work towards or achieve my goals around access to "
    "employment, volunteering, education or training",
    "I feel that I have opportunities to be involved in how the service is designed and provided",
    "I feel that my ideas and feedback will be listened to and considered",
    "I feel less socially isolated",
    "I feel more involved in my community",
    "I feel that my physical health has improved",
    "I feel that my mental health has either a) improved or b) stabilised",
    "I feel more able to live independently in the community",
    "I feel more confident that my support needs would be met if my mental health worsened",
    "I feel very satisfied with the support I have received from this service",
]
SCALE = "Reply 1 Agree, 2 Neither agree nor disagree, 3 Disagree, or SKIP."


@pytest.fixture
async def kith(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    async with running_kith(migrated_url, twilio, KITH_DEFAULT_SERVICE=SERVICE) as running:
        yield running


async def refer(
    kith: Running,
    referrer: str = "self",
    mental_health_need: bool = True,
    language: str = "en",
    address: str = ADDRESS,
) -> int:
    """A Derby referral the person made by SMS (3.4: a presenting need, no diagnosis)."""
    now = kith.runtime.clock()
    answers: dict[str, Any] = {
        "referrer": referrer,
        "age": 30,
        "postcode": "DE1 1AA",
        "mental_health_need": mental_health_need,
        "needs_personal_care": False,
    }
    if not mental_health_need:
        answers["carer_of_someone_with_mh_need"] = True
    draft = ReferralDraft(
        SERVICE, language, referrer, answers, "accepted", (), (), False, now, now, now, None
    )

    channel = address.split(":", 1)[0]

    def store_it(store: Store) -> int:
        person = store.find_person(address) or store.add_person(address, channel, now)
        return store.insert_referral(draft, channel, address, person)

    return await kith.runtime.database.write(store_it)


async def move(kith: Running, referral_id: int, status: str, at: datetime, note: str = "") -> None:
    """Staff move the referral (as `kith referrals set-status` does)."""
    registry = kith.runtime.registry
    await kith.runtime.database.write(
        lambda store: change_status(
            store, registry, referral_id, status, by="Asha", now=at, note=note or None
        )
    )


async def run_jobs(kith: Running, at: datetime) -> int:
    """Every job once at `at`; how many survey invitations were queued."""
    runtime = kith.runtime
    done = await tick(JobContext(runtime.database, runtime.registry, ()), at)
    return done["surveys"]


def set_clock(kith: Running, at: datetime) -> None:
    """Move Kith's clock (the webhook's received time and the dispatcher's) to `at`."""
    clock = make_clock(at)
    kith.runtime.clock = clock
    kith.runtime.dispatcher.clock = clock


async def reply(kith: Running, body: str) -> str:
    """Send one SMS, deliver what Kith queues, and return the last text to the person."""
    assert (await kith.sms(body)).status == 200
    await kith.deliver()
    return kith.twilio.bodies_to(PERSON)[-1]


async def stored(kith: Running) -> list[Any]:
    query = (
        select(surveys_table.c.point, *survey_answers.c)
        .join(surveys_table, surveys_table.c.id == survey_answers.c.survey_id)
        .order_by(survey_answers.c.id)
    )
    return await kith.rows(query)


async def surveys(kith: Running) -> list[Any]:
    return await kith.rows("SELECT id, point, status, survey FROM surveys ORDER BY id")


async def invite(kith: Running, at: datetime = START) -> int:
    """A self-referral accepted at `at`, the jobs run, the invitation delivered."""
    referral_id = await refer(kith)
    await move(kith, referral_id, "accepted", at)
    assert await run_jobs(kith, at) == 1
    await kith.deliver()
    return referral_id


ANSWERS = ["1", "agree", "2", "3", "Disagree", "neither", "1", "1", "2", "1"] + ["1"] * 9
CODES = {"1": "agree", "agree": "agree", "2": "neither", "neither": "neither"}
CODES |= {"3": "disagree", "Disagree": "disagree"}


async def answer_all(kith: Running, answers: list[str]) -> list[str]:
    """YES to the invitation, then each answer; the texts Kith sent back, in order."""
    said = [await reply(kith, "yes")]
    for answer in answers:
        said.append(await reply(kith, answer))
    return said


async def test_a_derby_survey_at_start_and_end_is_stored_per_statement(
    kith: Running, twilio: TwilioFake
) -> None:
    set_clock(kith, START)
    referral_id = await invite(kith)
    invitation = last_body(twilio)
    assert twilio.messages[-1]["to"] == PERSON
    assert "19 short statements" in invitation and "YES" in invitation and "NO" in invitation
    # Discreet: the unasked-for text names no mental health, and invites no opt-out word.
    assert "mental" not in invitation.lower()
    said = await answer_all(kith, ANSWERS)
    # One statement at a time, in the seed's order, the lead-in with the first.
    assert said[0].startswith(LEAD_IN)
    for number, (text, statement) in enumerate(zip(said, SEED_STATEMENTS, strict=False), 1):
        assert f"{number} of 19: {statement}" in text, (number, text)
        assert SCALE in text
    assert "Thank you for your answers" in said[-1]
    rows = await stored(kith)
    assert [r.point for r in rows] == ["start"] * 19
    assert [r.answer for r in rows] == [CODES[a] for a in ANSWERS]
    assert len({r.statement for r in rows}) == 19
    assert all(r.answered_at.astimezone(LONDON).date() == START.date() for r in rows)

    # Three months on, staff close the referral: the end of support.
    set_clock(kith, END)
    await move(kith, referral_id, "closed", END)
    assert await run_jobs(kith, END) == 1
    await kith.deliver()
    assert "19 short statements" in last_body(twilio)
    said = await answer_all(kith, ["3"] * 19)
    asked = zip(said, SEED_STATEMENTS, strict=False)  # the thank-you comes last
    assert all(f"{n} of 19: {s}" in t for n, (t, s) in enumerate(asked, 1))
    rows = await stored(kith)
    end = [r for r in rows if r.point == "end"]
    assert len(end) == 19 and {r.answer for r in end} == {"disagree"}
    assert all(r.answered_at.astimezone(LONDON).date() == END.date() for r in end)
    assert [(s.point, s.status) for s in await surveys(kith)] == [
        ("start", "done"),
        ("end", "done"),
    ]

    # Staff see it: per statement, answer and date, with --json.
    env = {**os.environ, "KITH_DATABASE_URL": kith.runtime.settings.database_url}
    process = await asyncio.create_subprocess_exec(
        KITH, "surveys", "list", "--json", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    listed = json.loads(out)
    process = await asyncio.create_subprocess_exec(
        KITH,
        "surveys",
        "show",
        str(listed[0]["id"]),
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    assert json.loads((await process.communicate())[0]) == listed[0]
    assert [(s["point"], s["status"], s["referral"]) for s in listed] == [
        ("start", "done", referral_id),
        ("end", "done", referral_id),
    ]
    first = listed[0]["answers"][0]
    assert first["statement"] == "manage_condition" and first["answer"] == "agree"
    assert first["answered_at"].startswith("2026-03-10")
    assert listed[1]["counts"] == {"disagree": 19}
    process = await asyncio.create_subprocess_exec(
        KITH, "surveys", "summary", "--json", env=env, stdout=asyncio.subprocess.PIPE
    )
    totals = {(t["point"], t["statement"]): t for t in json.loads((await process.communicate())[0])}
    assert len(totals) == 38
    # 3.15's measure: the share who agree ("2" was neither, "3" disagree).
    assert totals[("start", "manage_condition")]["agree_percent"] == 100
    assert totals[("start", "knowledge_coping")]["counts"] == {"agree": 1}
    assert totals[("start", "responds_quickly")]["counts"] == {"neither": 1}
    assert totals[("end", "satisfied")] == {
        "point": "end",
        "statement": "satisfied",
        "counts": {"disagree": 1},
        "agree_percent": 0,
    }


async def test_skip_leaves_a_statement_and_an_odd_answer_is_asked_again_a_few_times(
    kith: Running,
) -> None:
    await invite(kith)
    await reply(kith, "yes")
    assert "2 of 19" in await reply(kith, "skip")
    # An odd answer: a short re-ask, the statement stays.
    reask = await reply(kith, "maybe")
    assert reask == "Sorry, please reply with a number from 1 to 3, or SKIP."
    assert await reply(kith, "7") == reask
    # The third odd answer leaves it unanswered and moves on: never a loop.
    assert f"3 of 19: {SEED_STATEMENTS[2]}" in await reply(kith, "what?")
    assert "4 of 19" in await reply(kith, "I agree")
    rows = await stored(kith)
    assert [r.answer for r in rows] == ["skipped", "unanswered", "agree"]


async def test_stop_mid_survey_stops_it_and_nothing_more_is_asked(
    kith: Running, twilio: TwilioFake
) -> None:
    referral_id = await invite(kith)
    await reply(kith, "yes")
    await reply(kith, "1")
    sent = len(twilio.bodies_to(PERSON))
    await kith.sms("STOP")
    await kith.deliver()
    assert [s.status for s in await surveys(kith)] == ["stopped"]
    opted = await kith.rows("SELECT opted_out FROM participants WHERE address = :a", a=ADDRESS)
    assert bool(opted[0][0]) is True
    # A later "2" is not a survey answer; the end of support sends nothing either.
    await kith.sms("2")
    await move(kith, referral_id, "closed", START + timedelta(minutes=5))
    assert await run_jobs(kith, START + timedelta(minutes=5)) == 0
    await kith.deliver()
    assert len(await stored(kith)) == 1
    assert [s.status for s in await surveys(kith)] == ["stopped", "opted_out"]
    # Only the opt-out confirmation went after STOP.
    after = twilio.bodies_to(PERSON)[sent:]
    assert len(after) == 1 and "START" in after[0], after


async def test_crisis_words_and_help_work_mid_survey_and_the_survey_carries_on(
    kith: Running, twilio: TwilioFake
) -> None:
    await invite(kith)
    await reply(kith, "yes")
    assert "Reply PERSON" in await reply(kith, "HELP")
    await kith.sms("I want to die")
    await kith.deliver()
    assert any("116 123" in body for body in twilio.bodies_to(PERSON)[-3:])
    alerts = await kith.rows("SELECT kind FROM staff_alerts")
    assert [a[0] for a in alerts] == ["crisis"]
    assert await stored(kith) == []
    # The survey is still there: the next answer answers its first statement.
    assert "2 of 19" in await reply(kith, "2")
    assert [r.answer for r in await stored(kith)] == ["neither"]


async def test_no_to_the_invitation_asks_nothing(kith: Running) -> None:
    await invite(kith)
    assert "We will not ask these now" in await reply(kith, "no")
    assert [s.status for s in await surveys(kith)] == ["declined"]
    assert await stored(kith) == []


async def test_a_survey_is_never_queued_twice(kith: Running, twilio: TwilioFake) -> None:
    referral_id = await refer(kith)
    await move(kith, referral_id, "accepted", START)
    # Two processes tick at once, then again: one invitation.
    env = {
        **os.environ,
        "KITH_DATABASE_URL": kith.runtime.settings.database_url,
        "KITH_CLOCK": (START + timedelta(seconds=1)).isoformat(),
    }
    processes = [
        await asyncio.create_subprocess_exec(
            KITH, "scheduler", "tick", "--json", env=env, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [json.loads((await p.communicate())[0]) for p in processes]
    assert sorted(o["surveys"] for o in outputs) == [0, 1]
    assert await run_jobs(kith, START + timedelta(minutes=1)) == 0
    # Reopened and accepted again: the start survey is not sent a second time.
    await move(kith, referral_id, "closed", START + timedelta(minutes=2))
    await move(kith, referral_id, "contacted", START + timedelta(minutes=3), note="back")
    await move(kith, referral_id, "accepted", START + timedelta(minutes=4))
    await run_jobs(kith, START + timedelta(minutes=5))
    await kith.deliver()
    points = [s.point for s in await surveys(kith)]
    assert points == ["start", "end"]  # the end one came with `closed`
    invitations = await kith.rows("SELECT idempotency_key FROM outbox WHERE kind = 'survey'")
    assert sorted(r[0] for r in invitations) == sorted(
        [f"survey:{s.id}:{s.point}" for s in await surveys(kith)]
    )


async def test_quiet_hours_hold_the_invitation_until_morning(
    kith: Running, twilio: TwilioFake
) -> None:
    late = datetime(2026, 3, 10, 22, 30, tzinfo=LONDON)  # staff accept at 10:30pm
    set_clock(kith, late)
    referral_id = await refer(kith)
    await move(kith, referral_id, "accepted", late)
    assert await run_jobs(kith, late) == 1
    rows = await kith.rows(select(outbox).where(outbox.c.kind == "survey"))
    assert len(rows) == 1
    row = rows[0]
    assert row.priority == "bulk" and row.quiet_exempt is False
    assert row.not_before.astimezone(LONDON) == datetime(2026, 3, 11, 8, 0, tzinfo=LONDON)
    await kith.deliver()
    assert twilio.bodies_to(PERSON) == []
    # A text at night, before the invitation has gone, is not taken as its answer.
    set_clock(kith, datetime(2026, 3, 10, 22, 40, tzinfo=LONDON))
    assert (await kith.sms("yes")).status == 200
    await kith.deliver()
    assert not any("1 of 19" in body for body in twilio.bodies_to(PERSON))
    assert [(s.point, s.status) for s in await surveys(kith)] == [("start", "invited")]
    set_clock(kith, datetime(2026, 3, 11, 8, 1, tzinfo=LONDON))
    await kith.deliver()
    assert "19 short statements" in twilio.bodies_to(PERSON)[-1]
    assert f"1 of 19: {SEED_STATEMENTS[0]}" in await reply(kith, "yes")


async def test_only_the_persons_own_referral_with_a_need_of_their_own_gets_derbys_statements(
    kith: Running,
) -> None:
    # 3.15's carers' parallel statements "will be created": none ship, so a carer's
    # referral gets no survey; nor does one a professional made from their own phone.
    carer = await refer(kith, mental_health_need=False)
    professional = await refer(kith, referrer="professional")
    for referral_id in (carer, professional):
        await move(kith, referral_id, "accepted", START)
    assert await run_jobs(kith, START) == 0
    assert await surveys(kith) == []


async def test_the_survey_is_in_the_persons_language_and_read_in_it(
    kith: Running, twilio: TwilioFake
) -> None:
    referral_id = await refer(kith, language="ur")
    await move(kith, referral_id, "accepted", START)
    assert await run_jobs(kith, START) == 1
    await kith.deliver()
    assert "YES (ہاں)" in last_body(twilio) and "19" in last_body(twilio)
    first = await reply(kith, "ہاں")
    assert "19 میں سے 1" in first and "متفق" in first
    # A native-script digit and the Urdu word for an answer are both read.
    assert "19 میں سے 2" in await reply(kith, "۱")
    assert "19 میں سے 3" in await reply(kith, "غیر متفق")
    assert [r.answer for r in await stored(kith)] == ["agree", "disagree"]


async def test_a_newer_reminder_takes_the_reply_then_the_survey_carries_on(
    kith: Running, twilio: TwilioFake
) -> None:
    # INTERFACES "Replies go where they belong": the most recent prompt wins.
    await invite(kith)
    await reply(kith, "yes")
    runtime = kith.runtime
    service = runtime.registry.services[SERVICE]
    now = runtime.clock()

    def book(store: Store) -> int:
        person, _ = staff.person_for(store, now, PERSON)
        session = datetime(2026, 3, 11, 14, 0, tzinfo=LONDON)
        return staff.add(
            store, service, person, None, session, "Market Street", "Sam", "Asha", now
        ).appointment_id

    appointment_id = await runtime.database.write(book)
    done = await tick(JobContext(runtime.database, runtime.registry, ()), runtime.clock())
    assert done["reminders"] == 1
    await kith.deliver()
    assert "See you on Wednesday 11 March" in await reply(kith, "1")
    confirmed = await kith.rows(
        "SELECT confirmed_at FROM appointments WHERE id = :id", id=appointment_id
    )
    assert confirmed[0][0] is not None
    assert await stored(kith) == []
    # The reminder answered, the survey is the newest prompt again.
    assert "2 of 19" in await reply(kith, "2")
    assert [r.answer for r in await stored(kith)] == ["neither"]


async def test_leicesters_feedback_form_has_its_end_only_statement_at_the_end(
    kith: Running,
) -> None:
    # 11.11: a form at the beginning and the conclusion of support; the seed gives no
    # questions, so the shipped form is short (docs/surveys.md): 3 then 4 statements.
    now = kith.runtime.clock()
    answers = {"referrer": "self", "age": 45, "looks_after_someone": True}
    draft = ReferralDraft(
        "leicester-carers", "en", "self", answers, "accepted", (), (), False, now, now, now, None
    )

    def store_it(store: Store) -> int:
        person = store.find_person(ADDRESS) or store.add_person(ADDRESS, "sms", now)
        return store.insert_referral(draft, "sms", ADDRESS, person)

    referral_id = await kith.runtime.database.write(store_it)
    await move(kith, referral_id, "accepted", START)
    assert await run_jobs(kith, START) == 1
    await kith.deliver()
    assert "3 short statements" in kith.twilio.bodies_to(PERSON)[-1]
    said = await answer_all(kith, ["1", "2", "1"])
    assert "1 of 3: I feel supported emotionally in my caring role" in said[0]
    assert "Thank you for your answers" in said[-1]
    end = START + timedelta(days=30)
    set_clock(kith, end)
    await move(kith, referral_id, "closed", end)
    assert await run_jobs(kith, end) == 1
    await kith.deliver()
    assert "4 short statements" in kith.twilio.bodies_to(PERSON)[-1]
    said = await answer_all(kith, ["1", "1", "1", "1"])
    assert "4 of 4: I am happy with the support I have had from this service" in said[3]
    rows = await stored(kith)
    assert [(r.point, r.statement) for r in rows][-1] == ("end", "experience")
    assert [r.point for r in rows] == ["start"] * 3 + ["end"] * 4


async def test_on_telegram_each_statement_comes_with_its_answers_as_buttons(
    migrated_url: str, twilio: TwilioFake, telegram: TelegramFake
) -> None:
    async with running_kith(
        migrated_url, twilio, KITH_DEFAULT_SERVICE=SERVICE, **telegram_settings(telegram)
    ) as kith:
        set_clock(kith, START)
        referral_id = await refer(kith, address="telegram:4242")
        await move(kith, referral_id, "accepted", START)
        assert await run_jobs(kith, START) == 1
        await kith.deliver()
        assert "19 short statements" in telegram.texts_to(4242)[-1]

        async def post(update: dict[str, Any]) -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
            response = await kith.client.post("/telegram", json=update, headers=headers)
            assert response.status == 200
            await kith.deliver()

        await post(update_text(501, 4242, "yes"))
        first = telegram.sent[-1]
        assert f"1 of 19: {SEED_STATEMENTS[0]}" in first["text"]
        buttons = [row[0] for row in first["reply_markup"]["inline_keyboard"]]
        assert [(b["text"], b["callback_data"]) for b in buttons] == [
            ("1 Agree", "1"),
            ("2 Neither agree nor disagree", "2"),
            ("3 Disagree", "3"),
        ]
        await post(update_button(502, 4242, "3"))  # a tap on "3 Disagree"
        assert f"2 of 19: {SEED_STATEMENTS[1]}" in telegram.sent[-1]["text"]
        rows = await stored(kith)
        assert [(r.point, r.answer) for r in rows] == [("start", "disagree")]
