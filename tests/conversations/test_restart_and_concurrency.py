"""A killed process loses nothing; one person's messages are handled one at a time."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import InboundMessage
from bot.inbound import InboundHandler
from bot.postcodes import PostcodeLookup
from bot.storage.database import SqlDatabase
from bot.storage.tables import inbound_messages, outbox, participants, referrals
from conversations.registry import load_registry
from tests.conftest import KIRKLEES_ELIGIBLE, KITH, Kith
from tests.fakes.postcodes_fake import PostcodesFake

SERVICE = "kirklees-carers-options"
ANSWERS = KIRKLEES_ELIGIBLE


def test_sigkill_mid_conversation_loses_nothing(kith_sqlite: Kith) -> None:
    process = subprocess.Popen(
        [KITH, "chat", "--service", SERVICE, "--json", "--from", "console:killed"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=kith_sqlite.env,
    )
    assert process.stdin is not None and process.stdout is not None
    awaited = []
    for line in ANSWERS[:7]:  # up to the cared-for age
        process.stdin.write(line + "\n")
        process.stdin.flush()
        while True:  # read until the reply that asks the next question
            reply = json.loads(process.stdout.readline())
            if reply["field"] is not None:
                awaited.append(reply["field"])
                break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdin.close()
    process.stdout.close()
    assert awaited[-1] == "cared_for_assessed_mh_need"
    replies = kith_sqlite.chat(SERVICE, ANSWERS[7:], address="console:killed")
    assert replies[0]["field"] == "postcode"  # it carried on where it stopped
    referral = kith_sqlite.referrals()[0]
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["age"] == 45
    assert referral["answers"]["cared_for_age"] == 40


def _message(text: str, sid: str | None = None) -> InboundMessage:
    return InboundMessage(
        channel="sms",
        address="sms:+447700900123",
        text=text,
        received_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        external_id=sid,
        service_hint=SERVICE,
    )


async def test_two_messages_at_once_are_handled_one_after_the_other(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    """The per-person lock keeps one person's messages in the order they came, on both
    databases. A postcode is looked up before its transaction (bot/postcodes.py); here
    the lookup is slow, so without the lock the next message would overtake it and be
    read as the answer to the postcode question, even on SQLite's single writer.
    """
    async with PostcodesFake({}, slow={"HD1 2AB": 0.5}) as postcodes:
        lookup = PostcodeLookup(postcodes.url)
        handler = InboundHandler(database, load_registry(), postcodes=lookup)
        try:
            for text in ANSWERS[: ANSWERS.index("HD1 2AB")]:
                await handler.handle(_message(text))
            # They arrive together: each must see the state the one before it left.
            burst = [handler.handle(_message(text)) for text in ("HD1 2AB", "WF13 1AB", "3")]
            first = asyncio.ensure_future(burst[0])
            await asyncio.sleep(0.1)  # the postcode's lookup is under way
            await asyncio.gather(first, *burst[1:])
        finally:
            await lookup.close()
    async with db.connect() as conn:
        state = (await conn.execute(select(participants.c.state))).scalar_one()
    assert state["answers"]["postcode"] == "HD1 2AB"
    assert state["answers"]["cared_for_postcode"] == "WF13 1AB"
    assert state["position"] == "first_name"  # "3" answered the question after them


async def test_many_people_at_once_each_get_their_own_conversation(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    handler = InboundHandler(database, load_registry())

    async def person(n: int) -> None:
        address = f"sms:+4477009{n:05d}"
        for text in ANSWERS:
            await handler.handle(
                InboundMessage("sms", address, text, datetime.now(UTC), service_hint=SERVICE)
            )

    await asyncio.gather(*(person(n) for n in range(12)))
    async with db.connect() as conn:
        outcomes = (await conn.execute(select(referrals.c.outcome))).scalars().all()
    assert outcomes == ["accepted"] * 12


async def test_the_same_provider_message_id_is_processed_once(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    handler = InboundHandler(database, load_registry())
    first = await handler.handle(_message("hi", sid="SM" + "a" * 32))
    again = await handler.handle(_message("hi", sid="SM" + "a" * 32))
    assert first.outbox_ids and not first.duplicate
    assert again.duplicate and again.outbox_ids == []
    async with db.connect() as conn:
        assert len((await conn.execute(select(outbox.c.id))).all()) == 2  # welcome + consent
        assert len((await conn.execute(select(inbound_messages.c.id))).all()) == 1


def test_unfinished_conversation_survives_in_the_file(kith_sqlite: Kith, tmp_path: Path) -> None:
    kith_sqlite.chat(SERVICE, ANSWERS[:4], address="console:resume")
    again = kith_sqlite.chat(SERVICE, ["yes"], address="console:resume")
    assert again[-1]["field"] == "cared_for_relationship"
