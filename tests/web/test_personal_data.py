"""Issue 11 (7): personal data Kith can account for, through the signed webhook.

INTERFACES "Consent and personal data": before consent Kith keeps only the address,
the position, the language and opt-out; if the person declines, these go and only an
anonymous count stays, so the reply "We have not kept your answers" is true of the
outbox too. "Data and states": a crisis alert keeps the words and the number until
handled; texts to on-call staff carry the alert id, service, first name if known and
number, never the person's message. DELETE raises a `data_request` alert (INTERFACES
alert kinds) and never changes a referral's status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Kith, _kith_env
from tests.delivery.test_dispatch_processes import start_dispatch, stop, wait_for
from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import (
    ADDRESS,
    CLOCK,
    CONVERSATION,
    PERSON,
    SERVICE,
    UP_TO_NAME,
    Running,
    running_kith,
)

ONCALL = "+447700900999"
CRISIS = "I want to end my life"


@pytest.fixture
async def sms(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    """Kith serving Kirklees carers by default, with one on-call number."""
    async with running_kith(migrated_url, twilio, KITH_ONCALL=ONCALL) as running:
        yield running


def sent_to(twilio: TwilioFake, number: str) -> list[str]:
    return [str(m["body"]) for m in twilio.messages if m["to"] == number]


async def test_declining_consent_leaves_no_number_or_text_in_the_outbox(sms: Running) -> None:
    await sms.answer(["hello", "no"])
    # The person was really told, before anything went.
    told = sent_to(sms.twilio, PERSON)
    assert len(told) == 3 and "We have not kept your answers" in told[-1]
    rows = await sms.rows("SELECT address, body, meta, status, person_id FROM outbox")
    # Only status and counts stay: welcome, consent question and the reply to NO.
    assert [(r.address, r.body, r.meta, r.status, r.person_id) for r in rows] == [
        ("", "", None, "sent", None)
    ] * 3
    for table in ("participants", "persons", "person_addresses", "staff_alerts"):
        assert await sms.count(table) == 0, table
    counted = await sms.rows("SELECT service_id, kind FROM anonymous_events")
    assert [tuple(r) for r in counted] == [(SERVICE, "consent_declined")]


async def test_a_crisis_alert_keeps_its_words_and_number_after_the_person_declines(
    sms: Running,
) -> None:
    await sms.answer(["hello", CRISIS, "continue", "no"])
    alerts = await sms.rows("SELECT kind, words, address, person_id FROM staff_alerts")
    assert [(a.kind, a.words, a.address) for a in alerts] == [("crisis", CRISIS, ADDRESS)]
    # The person stays while the alert needs them; their messages keep no text.
    linked = await sms.rows(
        "SELECT address FROM person_addresses WHERE person_id = :p", p=alerts[0].person_id
    )
    assert [r.address for r in linked] == [ADDRESS]
    bodies = await sms.rows("SELECT body, address FROM outbox")
    assert {(r.body, r.address) for r in bodies} == {("", "")}
    [oncall] = sent_to(sms.twilio, ONCALL)
    assert PERSON in oncall and "end my life" not in oncall


async def test_the_oncall_text_names_alert_service_first_name_and_number_not_the_words(
    sms: Running,
) -> None:
    up_to_the_name = [body for body, _ in CONVERSATION[: UP_TO_NAME + 1]]  # ... "Sam"
    await sms.answer([*up_to_the_name, CRISIS])
    [alert] = await sms.rows("SELECT id, words FROM staff_alerts")
    assert alert.words == CRISIS
    [row] = await sms.rows("SELECT address, body FROM outbox WHERE kind = 'staff_alert'")
    assert row.address == f"sms:{ONCALL}"
    for needed in (f"Kith alert {alert.id}", SERVICE, "Sam", PERSON):
        assert needed in row.body, needed
    assert "end my life" not in row.body.lower()
    assert sent_to(sms.twilio, ONCALL) == [row.body]


async def test_delete_asks_staff_and_never_changes_the_referral(sms: Running) -> None:
    await sms.answer([body for body, _ in CONVERSATION])
    [referral] = await sms.rows("SELECT id, status, person_id FROM referrals")
    sent = len(sms.twilio.messages)
    await sms.answer(["Delete my data"])
    [reply] = [str(m["body"]) for m in sms.twilio.messages[sent:] if m["to"] == PERSON]
    assert "delete the information we hold about you" in reply
    assert "will be in touch" in reply
    alerts = await sms.rows("SELECT kind, referral_id, person_id, address FROM staff_alerts")
    assert [tuple(a) for a in alerts] == [
        ("data_request", referral.id, referral.person_id, ADDRESS)
    ]
    [after] = await sms.rows("SELECT status FROM referrals")
    assert after.status == referral.status == "new"
    oncall = sent_to(sms.twilio, ONCALL)
    assert len(oncall) == 1 and "delete" in oncall[0] and PERSON in oncall[0]


async def test_delete_before_consent_is_heard_and_the_number_kept_for_staff(
    sms: Running,
) -> None:
    await sms.answer([body for body, _ in CONVERSATION[:1]])
    await sms.answer(["DELETE"])
    assert "will be in touch" in sent_to(sms.twilio, PERSON)[-1]
    alerts = await sms.rows("SELECT kind, address FROM staff_alerts")
    assert [tuple(a) for a in alerts] == [("data_request", ADDRESS)]
    # The conversation waits at the consent question, as it was.
    state = await sms.state()
    assert state is not None and state["phase"] == "consent"


async def test_an_expired_conversation_before_consent_keeps_no_number_or_text(
    sms: Running, migrated_url: str, tmp_path: Path
) -> None:
    """Never answering the consent question: after seven idle days, `kith scheduler tick`
    ends the conversation; the notice is sent, then no outbox row keeps number or text."""
    await sms.answer(["hello"])  # the welcome and the consent question, sent
    assert len(sent_to(sms.twilio, PERSON)) == 2
    kith = Kith(_kith_env(migrated_url, tmp_path))
    later = datetime.fromisoformat(CLOCK) + timedelta(days=8)  # a Wednesday, 11am
    tick = await asyncio.to_thread(
        kith.run, "scheduler", "tick", env={"KITH_CLOCK": later.isoformat()}
    )
    assert "expire_idle=1" in tick.stdout
    process = await start_dispatch(kith, sms.twilio, later)
    try:
        await wait_for(lambda: len(sent_to(sms.twilio, PERSON)) >= 3, 60)
        await asyncio.sleep(0.5)
    finally:
        await stop(process)
    notice = sent_to(sms.twilio, PERSON)[-1]
    assert "not kept your answers" in notice
    rows = await sms.rows("SELECT address, body, status FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [("", "", "sent")] * 3  # welcome, question, notice
    for table in ("participants", "persons", "person_addresses"):
        assert await sms.count(table) == 0, table


async def test_one_person_links_their_referral_alerts_and_messages(sms: Running) -> None:
    """INTERFACES "Data and states": referrals, alerts and outbox rows point at the person."""
    await sms.answer([body for body, _ in CONVERSATION])
    await sms.answer([CRISIS])
    [link] = await sms.rows("SELECT person_id FROM person_addresses WHERE address = :a", a=ADDRESS)
    [referral] = await sms.rows("SELECT person_id FROM referrals")
    alerts = await sms.rows("SELECT person_id FROM staff_alerts")
    mine = await sms.rows("SELECT person_id FROM outbox WHERE address = :a", a=ADDRESS)
    oncall = await sms.rows("SELECT person_id FROM outbox WHERE address = :a", a=f"sms:{ONCALL}")
    assert link.person_id is not None and referral.person_id == link.person_id
    assert [a.person_id for a in alerts] == [link.person_id]
    assert len(mine) > len(CONVERSATION) and {r.person_id for r in mine} == {link.person_id}
    # The on-call text carries the person's number: it is accounted to them too.
    assert [r.person_id for r in oncall] == [link.person_id]
    assert await sms.count("persons") == 1  # and staff are not made people
