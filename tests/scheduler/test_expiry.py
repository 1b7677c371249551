"""Idle conversations expire after 7 days, and the notice waits for the end of the night."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.chat import ConsoleSender
from bot.core.messages import InboundMessage
from bot.core.quiet_hours import in_quiet_hours, release_time
from bot.delivery.dispatcher import Dispatcher
from bot.inbound import InboundHandler
from bot.storage.database import SqlDatabase
from bot.storage.tables import outbox, participants, person_addresses
from conversations.registry import Registry, load_registry
from scheduler.expiry import expire_idle
from tests.conftest import KIRKLEES_ELIGIBLE

LONDON = ZoneInfo("Europe/London")
SERVICE = "kirklees-carers-options"
MONDAY_22 = datetime(2026, 11, 23, 22, 0, tzinfo=LONDON)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _start(handler: InboundHandler, address: str, texts: list[str]) -> None:
    for text in texts:
        await handler.handle(
            InboundMessage("console", address, text, MONDAY_22, service_hint=SERVICE)
        )


async def test_idle_conversation_expires_after_seven_days_without_a_night_text(
    db: AsyncEngine,
    database: SqlDatabase,
) -> None:
    registry = load_registry()
    handler = InboundHandler(database, registry)
    printed = io.StringIO()
    clock = Clock(MONDAY_22)
    dispatcher = Dispatcher(database, {"console": ConsoleSender(printed, as_json=False)}, clock)
    await _start(handler, "console:idle", ["hi", "yes", "1"])
    await _start(handler, "console:stopped", ["hi", "STOP"])
    await dispatcher.drain()  # the direct replies go at once, even at 22:00
    assert "How old are you?" in printed.getvalue()

    assert await expire_idle(database, registry, MONDAY_22 + timedelta(days=6, hours=23)) == 0
    expiry_time = MONDAY_22 + timedelta(days=7, minutes=1)  # Monday 30 Nov 22:01
    assert await expire_idle(database, registry, expiry_time) == 2
    async with db.connect() as conn:
        kept = (await conn.execute(select(participants.c.address, participants.c.state))).all()
        notice = (await conn.execute(select(outbox).where(outbox.c.kind == "expiry"))).one()
    # Only the opt-out is kept, and nothing of the conversation.
    assert [(row.address, row.state) for row in kept] == [("console:stopped", None)]
    assert notice.address == "console:idle"
    assert (notice.priority, notice.quiet_exempt) == ("normal", False)
    assert notice.not_before == datetime(2026, 12, 1, 8, 0, tzinfo=LONDON)

    before = printed.getvalue()
    clock.now = datetime(2026, 12, 1, 7, 59, tzinfo=LONDON)
    assert await dispatcher.run_once() == 0
    assert printed.getvalue() == before
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=LONDON)
    assert await dispatcher.run_once() == 1
    assert "was not finished" in printed.getvalue()[len(before) :]


async def test_a_finished_referral_expires_silently(db: AsyncEngine, database: SqlDatabase) -> None:
    registry = load_registry()
    handler = InboundHandler(database, registry)
    await _start(handler, "console:done", KIRKLEES_ELIGIBLE)
    assert await expire_idle(database, registry, MONDAY_22 + timedelta(days=8)) == 1
    async with db.connect() as conn:
        kinds = (await conn.execute(select(outbox.c.kind))).scalars().all()
        left = (await conn.execute(select(participants.c.address))).all()
    assert "expiry" not in kinds
    assert left == []


def test_quiet_hours_run_from_nine_at_night_to_eight_in_the_morning() -> None:
    assert in_quiet_hours(datetime(2026, 6, 1, 21, 0, tzinfo=LONDON))
    assert in_quiet_hours(datetime(2026, 6, 1, 7, 59, tzinfo=LONDON))
    assert not in_quiet_hours(datetime(2026, 6, 1, 8, 0, tzinfo=LONDON))
    assert not in_quiet_hours(datetime(2026, 6, 1, 20, 59, tzinfo=LONDON))
    # 20:30 UTC in summer is 21:30 in London: quiet.
    assert in_quiet_hours(datetime(2026, 6, 1, 20, 30, tzinfo=ZoneInfo("UTC")))
    assert release_time(datetime(2026, 6, 1, 23, 0, tzinfo=LONDON)) == datetime(
        2026, 6, 2, 8, 0, tzinfo=LONDON
    )
    assert release_time(datetime(2026, 6, 2, 3, 0, tzinfo=LONDON)) == datetime(
        2026, 6, 2, 8, 0, tzinfo=LONDON
    )
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=LONDON)
    assert release_time(noon) == noon


@pytest.fixture
def brief_registry(tmp_path: Path) -> Registry:
    """Kirklees carers, set to expire idle conversations after 2 days."""
    kirklees = Path("conversations/services/kirklees-carers-options.yaml").read_text()
    (tmp_path / "kirklees-carers-options.yaml").write_text(
        kirklees.replace("enabled: true", "enabled: true\nexpire_after_days: 2")
    )
    return load_registry(tmp_path)


async def test_a_service_can_set_its_own_idle_time(
    db: AsyncEngine, database: SqlDatabase, brief_registry: Registry
) -> None:
    handler = InboundHandler(database, brief_registry)
    await _start(handler, "console:brief", ["hi", "yes"])
    assert await expire_idle(database, brief_registry, MONDAY_22 + timedelta(days=1, hours=23)) == 0
    assert (
        await expire_idle(database, brief_registry, MONDAY_22 + timedelta(days=2, minutes=1)) == 1
    )


async def test_an_expired_conversation_before_consent_leaves_no_number_or_text(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    # INTERFACES "Consent and personal data": a person who never answers the consent
    # question keeps nothing once the conversation expires; the notice says "we have not
    # kept your answers", which must be true of the outbox too (issue 11, 7).
    registry = load_registry()
    handler = InboundHandler(database, registry)
    printed = io.StringIO()
    clock = Clock(MONDAY_22)
    dispatcher = Dispatcher(database, {"console": ConsoleSender(printed, as_json=False)}, clock)
    await _start(handler, "console:silent", ["hi"])
    await _start(handler, "console:referred", KIRKLEES_ELIGIBLE)
    await dispatcher.drain()
    assert await expire_idle(database, registry, MONDAY_22 + timedelta(days=8)) == 2
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)
    assert await dispatcher.run_once() == 1  # the notice is still sent...
    assert "we have not kept your answers" in printed.getvalue().splitlines()[-2]
    async with db.connect() as conn:
        silent = (
            await conn.execute(select(outbox).where(outbox.c.id <= 2).order_by(outbox.c.id))
        ).all()
        notice = (await conn.execute(select(outbox).where(outbox.c.kind == "expiry"))).one()
        people = (await conn.execute(select(person_addresses.c.address))).scalars().all()
        referred = (await conn.execute(select(outbox.c.address).where(outbox.c.id > 2))).all()
    # ...then it, the welcome and the consent question keep only their status.
    assert [(r.address, r.body, r.status) for r in silent] == [("", "", "sent")] * 2
    assert (notice.address, notice.body, notice.status) == ("", "", "sent")
    # The person who was referred keeps their address and what was said to them.
    assert people == ["console:referred"]
    assert {r.address for r in referred if r.address} == {"console:referred"}
