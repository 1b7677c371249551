"""A message no service claims gets a short numbered menu of services (INTERFACES: Inbound)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import InboundMessage
from bot.inbound import InboundHandler
from bot.storage.database import SqlDatabase
from bot.storage.tables import outbox, participants, staff_alerts
from conversations.registry import Registry, load_registry
from scheduler.expiry import expire_idle

ADDRESS = "sms:+447700900321"
KIRKLEES = Path("conversations/services/kirklees-carers-options.yaml")


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    """The shipped services plus one more, so that no single service is the only one."""
    text = KIRKLEES.read_text().replace("id: kirklees-carers-options", "id: other-carers")
    (tmp_path / "other-carers.yaml").write_text(
        text.replace("short_name: Carers Options", "short_name: Other Carers")
    )
    return load_registry(tmp_path)


async def _send(handler: InboundHandler, text: str) -> list[str]:
    handled = await handler.handle(InboundMessage("sms", ADDRESS, text, datetime.now(UTC)))
    async with handler.database.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(outbox.c.body)
                    .where(outbox.c.id.in_(handled.outbox_ids))
                    .order_by(outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    return list(rows)


async def test_unclaimed_message_gets_a_menu_and_the_answer_picks_the_service(
    db: AsyncEngine, database: SqlDatabase, registry: Registry
) -> None:
    handler = InboundHandler(database, registry)
    menu = await _send(handler, "hello")
    assert len(menu) == 1
    assert menu[0].startswith("Which service is your message for?")
    lines = menu[0].splitlines()
    number = next(line.split(" ", 1)[0] for line in lines if line.endswith(" Carers Options"))
    assert any(line.endswith(" Other Carers") for line in lines)
    again = await _send(handler, "not a number")
    assert again[0].startswith("Which service")
    started = await _send(handler, number)
    assert started[0].startswith("Carers Options:")
    assert "Reply YES or NO" in started[1]
    async with db.connect() as conn:
        service = (await conn.execute(select(participants.c.service_id))).scalar_one()
    assert service == "kirklees-carers-options"


async def test_the_default_service_needs_no_menu(
    db: AsyncEngine, database: SqlDatabase, registry: Registry
) -> None:
    handler = InboundHandler(database, registry, default_service="kirklees-carers-options")
    replies = await _send(handler, "hello")
    assert replies[0].startswith("Carers Options:")


async def test_crisis_words_and_stop_work_before_a_service_is_chosen(
    db: AsyncEngine, database: SqlDatabase, registry: Registry
) -> None:
    handler = InboundHandler(database, registry)
    replies = await _send(handler, "I want to end my life")
    assert "116 123" in replies[0]
    assert replies[1].startswith("Which service")
    stopped = await _send(handler, "STOP")
    assert "no more messages" in stopped[0]
    assert await _send(handler, "1") == []
    async with db.connect() as conn:
        kinds = (await conn.execute(select(staff_alerts.c.kind))).scalars().all()
        opted_out = (await conn.execute(select(participants.c.opted_out))).scalar_one()
    assert kinds == ["crisis"]
    assert opted_out is True


async def test_an_unanswered_menu_expires_quietly(
    db: AsyncEngine, database: SqlDatabase, registry: Registry
) -> None:
    handler = InboundHandler(database, registry)
    await _send(handler, "hello")
    later = datetime.now(UTC) + timedelta(days=8)
    assert await expire_idle(database, registry, later) == 1
    async with db.connect() as conn:
        assert (await conn.execute(select(participants.c.address))).all() == []
        kinds = (await conn.execute(select(outbox.c.kind))).scalars().all()
    assert "expiry" not in kinds
