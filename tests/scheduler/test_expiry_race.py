"""The idle-conversation expiry never deletes a conversation saved since it read it (issue 13, 1).

Before: the job read the expired rows, then deleted by address, so a message saved in
between lost its conversation. Now the job claims (PostgreSQL: FOR UPDATE SKIP LOCKED,
so a person being answered right now is skipped) and deletes only rows still expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import InboundMessage
from bot.inbound import InboundHandler
from bot.storage.database import SqlDatabase
from bot.storage.tables import participants
from conversations.registry import load_registry
from scheduler.expiry import expire_idle

LONDON = ZoneInfo("Europe/London")
SERVICE = "kirklees-carers-options"
START = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
EXPIRED = START + timedelta(days=7, minutes=1)


async def start(handler: InboundHandler, address: str, at: datetime, texts: list[str]) -> None:
    for body in texts:
        await handler.handle(InboundMessage("console", address, body, at, service_hint=SERVICE))


async def test_a_conversation_saved_after_the_read_is_not_forgotten(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    handler = InboundHandler(database, load_registry())
    await start(handler, "console:late", START, ["hi", "yes"])
    # The job has read the row as expired...
    read = await database.read(lambda store: store.expired_participants(EXPIRED))
    assert [p.address for p in read] == ["console:late"]
    # ...the person answers before it deletes...
    await start(handler, "console:late", EXPIRED, ["1"])
    # ...and the delete, re-checking the expiry, leaves the conversation alone.
    gone = await database.write(
        lambda store: store.forget_participant("console:late", expired_by=EXPIRED)
    )
    assert gone is False
    async with db.connect() as conn:
        state = (await conn.execute(select(participants.c.state))).scalar_one()
    assert state is not None and state["position"] == "age"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_person_being_answered_now_is_skipped_then_kept(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    registry = load_registry()
    handler = InboundHandler(database, registry)
    await start(handler, "console:busy", START, ["hi", "yes"])
    async with db.connect() as other:
        transaction = await other.begin()
        # A handler in another process holds the person's row mid-step...
        await other.execute(
            text("SELECT state FROM participants WHERE address = 'console:busy' FOR UPDATE")
        )
        assert await expire_idle(database, registry, EXPIRED) == 0  # ...so it is skipped,
        await other.execute(
            text("UPDATE participants SET expires_at = :later WHERE address = 'console:busy'"),
            {"later": EXPIRED + timedelta(days=7)},
        )
        await transaction.commit()  # ...and its step moved the expiry on.
    assert await expire_idle(database, registry, EXPIRED) == 0
    async with db.connect() as conn:
        kept = (await conn.execute(select(participants.c.address))).scalars().all()
    assert kept == ["console:busy"]
